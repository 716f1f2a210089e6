"""What Yume says to staff running their day (no-shows, walk-ins, errands for customers), and to those customers.

Same rules as `flows/core/replies.py`: es-MX, "tú", warm and short, one question at a time; options
carry ids the engine understands when tapped (`appt:<id>`, `cust:<id>`, `svc:<id>`, `yes`, `no`,
`nophone`), and every title also works typed back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from flows.core import formatting as fmt
from flows.core.options import fold as fold_text
from flows.core.replies import (
    AppointmentInfo,
    Choice,
    DayOffer,
    Reply,
    ServiceInfo,
    cancellation_template,
    confirmation_template,
    day_choices,
    offer,
)


@dataclass(frozen=True)
class CustomerCard:
    """A customer as staff pick them from a list."""

    id: str
    name: str | None
    phone: str | None  # display form


@dataclass(frozen=True)
class History:
    """A customer's visits, as the history answer tells them."""

    visits: int
    last_visit: AppointmentInfo | None
    no_shows: int
    cancellations: int
    upcoming: tuple[AppointmentInfo, ...]


def _who(name: str | None, phone: str | None) -> str:
    if name and phone:
        return f"{name} ({phone})"
    return name or phone or "el cliente"


def _named(appointment: AppointmentInfo) -> str:
    """Whose appointment: the customer's name, else their phone."""
    return appointment.customer_name or appointment.customer_phone or "tu cliente"


def _at(appointment: AppointmentInfo) -> str:
    return fmt.clock_time(appointment.start)


def _hello(name: str | None, business: str) -> str:
    who = f" {fmt.first_name(name)}" if name else ""
    return f"Hola{who}, te escribimos de {business}."


# ---------------------------------------------------------------------------------------------
# Permissions and dropping a request
# ---------------------------------------------------------------------------------------------


def not_allowed_to_do(owner: str | None) -> Reply:
    who = fmt.first_name(owner) or "quien administra el negocio"
    return Reply(
        text=f"Perdón, eso solo lo puede hacer quien tiene permiso. Si lo necesitas, pídele a {who} que te lo dé. 🙏"
    )


def dropped() -> Reply:
    return Reply(text="Va, lo dejamos ahí. Si necesitas algo más, aquí estoy.")


# ---------------------------------------------------------------------------------------------
# The week page («ver mi semana»)
# ---------------------------------------------------------------------------------------------


def week_page(url: str, expires: datetime, today: date, whole_business: bool) -> Reply:
    whose = "la semana de todo el equipo" if whole_business else "tu semana"
    return Reply(
        text=(
            f"Aquí está {whose} 📅 👉 {url}\n"
            f"Ábrelo en tu celular. El enlace es solo para ti y vence {fmt.day_phrase(expires.date(), today)} "
            f"{fmt.at_clock(expires)}; después pídeme otro."
        )
    )


# ---------------------------------------------------------------------------------------------
# No-shows and finished appointments
# ---------------------------------------------------------------------------------------------


def _appointment_line(a: AppointmentInfo, show_staff: bool) -> str:
    staff = f", {fmt.first_name(a.staff_name)}" if show_staff and a.staff_name else ""
    return f"{a.customer_name or a.customer_phone or 'un cliente'} {fmt.at_clock(a.start)} ({a.service}{staff})"


def nothing_to_mark(day: date, today: date, not_yet: AppointmentInfo | None = None) -> Reply:
    if not_yet is not None:
        return Reply(
            text=(
                f"La cita de {_who(not_yet.customer_name, not_yet.customer_phone)} {fmt.at_clock(not_yet.start)} todavía no empieza. "
                "Si no va a venir, puedo cancelarla: escríbeme «cancela la cita de "
                f"{fmt.first_name(not_yet.customer_name) or 'ese cliente'}»."
            )
        )
    when = "hoy" if day == today else fmt.day_phrase(day, today)
    return Reply(text=f"No encuentro citas {when} que ya hayan empezado y sigan pendientes. ¿Me dices de cuál hablas?")


def ask_which_to_mark(
    appointments: Sequence[AppointmentInfo], kind: str, show_staff: bool, note: str | None = None
) -> Reply:
    """ "¿Te refieres a la cita de Juan a las 11:00 AM (Corte) o a la de Ana…?" with one option per appointment."""
    choices = [
        Choice(
            f"appt:{a.id}", f"{fmt.clock_time(a.start)} {a.customer_name or a.customer_phone or ''}".strip(), a.service
        )
        for a in appointments
    ]
    lead = f"{note} " if note else ""
    if len(appointments) == 2:
        first, second = appointments
        text = (
            f"{lead}¿Te refieres a la cita de {_appointment_line(first, show_staff)} "
            f"o a la de {_appointment_line(second, show_staff)}?"
        )
    else:
        verb = "no llegó" if kind == "no_show" else "ya terminó"
        lines = [_appointment_line(a, show_staff) for a in appointments]
        text = f"{lead}¿Cuál {verb}?\n{fmt.bullet_list(lines)}"
    return offer(text, choices, list_button="Ver citas")


def no_time_match(at: time) -> str:
    return f"No encuentro una cita {fmt.at_clock(at)}."


def confirm_no_show(appointment: AppointmentInfo, show_staff: bool) -> Reply:
    text = f"¿Te refieres a la cita de {_appointment_line(appointment, show_staff)}? Si me confirmas, la marco como no-show."
    return offer(text, [Choice("yes", "Sí, no llegó"), Choice("no", "No")])


MARKED_NO_SHOW = "Marqué la cita como no-show ✓"


def marked_no_show() -> Reply:
    return Reply(text=MARKED_NO_SHOW)


def offer_no_show_message(appointment: AppointmentInfo) -> Reply:
    """Asked after `MARKED_NO_SHOW` (said once as its lead, not when the question is asked again)."""
    first = fmt.first_name(appointment.customer_name) or "el cliente"
    return offer(f"¿Quieres que le envíe un mensaje a {first}?", [Choice("yes", "Sí, envíale"), Choice("no", "No")])


def cancelled_by(staff: str) -> str:
    """The reason stored on an appointment a staff member cancelled (the owner reads it)."""
    return f"cancelada por {staff}"


def blocked_by(staff: str) -> str:
    """The reason stored on appointments a staff member's block cancelled."""
    return f"bloqueo de {staff}"


def no_show_message(
    customer: str | None, appointment: AppointmentInfo, today: date, business: str, words: str | None, staff: str
) -> Reply:
    """What a customer who missed their appointment receives, in the business's name."""
    who = f" {fmt.first_name(customer)}" if customer else ""
    when = "de hoy" if appointment.start.date() == today else f"del {fmt.long_date(appointment.start.date())}"
    said = fold_text(words or "")
    # Our two kind lines, unless the staff member's own words already say them (never twice).
    lines = [] if "bien" in said else ["Esperamos que todo esté bien."]
    if words:
        lines.append(f"{fmt.first_name(staff)} te manda decir: «{words}».")
    if not any(word in said for word in ("agend", "avis", "escrib", "cita")):
        lines.append("Cuando gustes, escríbenos para reagendar.")
    return Reply(text=f"Hola{who}, notamos que no pudiste llegar a tu cita {when}. {' '.join(lines)} – {business}", purpose="no_show")


def message_sent(text: str) -> Reply:
    return Reply(text=f'Enviado ✓ Le mandé: "{text}"')


def not_marked() -> Reply:
    return Reply(text="Va, no marqué nada.")


def not_messaged() -> Reply:
    return Reply(text="Va, no le escribo.")


def marked_completed(appointment: AppointmentInfo, show_staff: bool) -> Reply:
    return Reply(text=f"Listo ✓ Marqué como completada la cita de {_appointment_line(appointment, show_staff)}.")


def mark_failed() -> Reply:
    return Reply(text="Esa cita ya no está pendiente (alguien la cambió hace un momento), así que no la marqué.")


def customer_unreachable(name: str | None) -> Reply:
    return Reply(text=f"{name or 'Ese cliente'} no tiene WhatsApp registrado, así que no puedo escribirle.")


# ---------------------------------------------------------------------------------------------
# Walk-ins
# ---------------------------------------------------------------------------------------------


def ask_walk_in_service(services: Sequence[ServiceInfo], note: str | None = None) -> Reply:
    menu = fmt.bullet_list([f"{s.name} – {fmt.money(s.price_cents)} ({fmt.duration(s.minutes)})" for s in services])
    lead = f"{note} " if note else ""
    choices = [
        Choice(f"svc:{s.id}", s.name, f"{fmt.money(s.price_cents)} · {fmt.duration(s.minutes)}") for s in services
    ]
    return offer(f"{lead}¿Qué servicio quiere? Tenemos:\n{menu}", choices, list_button="Ver servicios")


def not_your_service(service: str) -> str:
    return f"{service} no está entre tus servicios."


def ask_walk_in_phone(service: str) -> Reply:
    return offer(
        f"Perfecto, {service}. ¿Me pasas su teléfono para registrarlo? Si no tiene, toca «Sin teléfono».",
        [Choice("nophone", "Sin teléfono")],
    )


def ask_walk_in_name(phone: str | None) -> Reply:
    return Reply(text="Registrado ✓ ¿Cómo se llama?" if phone else "Va, sin teléfono. ¿Cómo se llama?")


def walk_in_registered(
    name: str | None,
    phone: str | None,
    service: str,
    start: datetime,
    now_ish: bool,
    attended_by: str | None = None,
) -> Reply:
    """ "Registré a Ana (55 9876 5432) para Mani + Pedi ahora a las 11:30 AM contigo" (or "con Pedro")."""
    when = f"{'ahora' if now_ish else 'hoy'} {fmt.at_clock(start)}"  # walk-ins are always today
    whom = f"con {fmt.first_name(attended_by)}" if attended_by else "contigo"
    return Reply(text=f"Listo ✓ Registré a {_who(name, phone)} para {service} {when} {whom}.", purpose="confirmation")


def walk_in_busy(service: str, busy_with: AppointmentInfo | None, next_start: datetime) -> Reply:
    why = ""
    if busy_with is not None:
        who = busy_with.customer_name or busy_with.customer_phone or "un cliente"
        why = f" (tienes a {who} hasta {fmt.the_clock(busy_with.end)})"
    return offer(
        f"Ahorita no tienes espacio para {service}{why}. Lo más pronto es hoy {fmt.at_clock(next_start)}. "
        "¿Lo registro a esa hora?",
        [Choice("yes", "Sí, registrar"), Choice("no", "No")],
    )


def walk_in_no_room(service: str) -> Reply:
    return Reply(text=f"Hoy ya no tienes espacio para {service}, así que no lo registré.")


def walk_in_not_registered() -> Reply:
    return Reply(text="Va, no lo registré.")


# ---------------------------------------------------------------------------------------------
# On a customer's behalf: who
# ---------------------------------------------------------------------------------------------


def ask_which_customer(note: str | None = None) -> Reply:
    lead = f"{note} " if note else ""
    return Reply(text=f"{lead}¿De qué cliente? Dime su nombre o su teléfono.")


def no_customer_named(name: str) -> str:
    return f"No encuentro a ningún cliente llamado {name}."


def no_customer_with_phone(phone: str) -> str:
    return f"No tengo a nadie registrado con el {phone}."


def ask_new_customer_phone(name: str) -> Reply:
    return offer(
        f"No encuentro a {name} entre tus clientes. ¿Me pasas su teléfono? Así queda registrado y le aviso de su cita.",
        [Choice("nophone", "Sin teléfono")],
    )


def ask_which_of_customers(customers: Sequence[CustomerCard]) -> Reply:
    lines = [_who(c.name, c.phone) for c in customers]
    choices = [Choice(f"cust:{c.id}", c.name or c.phone or "Cliente", c.phone) for c in customers]
    reply = offer(
        f"Tengo a varios con ese nombre:\n{fmt.bullet_list(lines)}\n¿Cuál es?", choices, list_button="Ver clientes"
    )
    return reply


# ---------------------------------------------------------------------------------------------
# Customer history
# ---------------------------------------------------------------------------------------------


def customer_history(name: str | None, phone: str | None, history: History, today: date) -> Reply:
    who = _who(name, phone)
    if history.visits == 0 and history.no_shows == 0 and not history.upcoming:
        return Reply(text=f"{who} todavía no ha venido: sería su primera visita.")
    times = "1 vez" if history.visits == 1 else f"{history.visits} veces"
    lines = [f"{who} ha venido {times}." if history.visits else f"{who} todavía no ha completado ninguna visita."]
    last = history.last_visit
    if last is not None:
        lines.append(
            f"Última visita: {fmt.long_date(last.start.date())} ({last.service} con {fmt.first_name(last.staff_name)})."
        )
    if history.no_shows:
        lines.append("No llegó 1 vez." if history.no_shows == 1 else f"No llegó {history.no_shows} veces.")
    if history.cancellations:
        lines.append("Canceló 1 vez." if history.cancellations == 1 else f"Canceló {history.cancellations} veces.")
    for upcoming in history.upcoming[:3]:
        lines.append(
            f"Próxima cita: {fmt.day_phrase(upcoming.start.date(), today)} {fmt.at_clock(upcoming.start)} "
            f"({upcoming.service} con {fmt.first_name(upcoming.staff_name)})."
        )
    return Reply(text="\n".join(lines))


def first_visit(phone: str) -> Reply:
    return Reply(text=f"{no_customer_with_phone(phone)} Sería su primera visita. 🙌")


# ---------------------------------------------------------------------------------------------
# Messages to a customer
# ---------------------------------------------------------------------------------------------


def ask_message_words(name: str | None) -> Reply:
    return Reply(text=f"¿Qué le digo a {fmt.first_name(name) or 'tu cliente'}?")


def message_from_staff(customer: str | None, staff: str, business: str, words: str) -> Reply:
    """The staff member's words, wrapped so the customer knows who sends them."""
    return Reply(
        text=f"{_hello(customer, business)} {fmt.first_name(staff)} te manda este mensaje: «{words}»",
        purpose="staff_message",
    )


def message_sent_to(name: str | None, phone: str | None, text: str) -> Reply:
    return Reply(text=f'Enviado ✓ Le mandé a {_who(name, phone)}: "{text}"')


# ---------------------------------------------------------------------------------------------
# Booking, moving and cancelling for a customer
# ---------------------------------------------------------------------------------------------


def ask_service_for_customer(name: str | None, services: Sequence[ServiceInfo]) -> Reply:
    menu = fmt.bullet_list([f"{s.name} – {fmt.money(s.price_cents)}" for s in services])
    choices = [
        Choice(f"svc:{s.id}", s.name, f"{fmt.money(s.price_cents)} · {fmt.duration(s.minutes)}") for s in services
    ]
    return offer(
        f"¿Qué servicio agendo para {fmt.first_name(name) or 'tu cliente'}?\n{menu}",
        choices,
        list_button="Ver servicios",
    )


def ask_day_for_customer(
    name: str | None, service: str, days: Sequence[DayOffer], today: date, problem: str | None = None
) -> Reply:
    question = f"¿Para qué día agendo {service.lower()} a {fmt.first_name(name) or 'tu cliente'}?"
    if problem:
        question = f"{problem} ¿Qué otro día?"
    return offer(question, day_choices(days, today), list_button="Ver días")


def ask_new_day_for_customer(
    appointment: AppointmentInfo, days: Sequence[DayOffer], today: date, problem: str | None = None
) -> Reply:
    question = (
        f"La cita de {_named(appointment)} es {fmt.day_phrase(appointment.start.date(), today)} "
        f"{fmt.at_clock(appointment.start)} ({appointment.service}). ¿Para qué día la cambio?"
    )
    if problem:
        question = f"{problem} ¿Qué otro día?"
    return offer(question, day_choices(days, today), list_button="Ver días")


def ask_customer_appointment(
    name: str | None, appointments: Sequence[AppointmentInfo], today: date, purpose: str
) -> Reply:
    verb = "cambio" if purpose == "move" else "cancelo"
    lines = [
        f"{fmt.day_phrase(a.start.date(), today)} {fmt.at_clock(a.start)} – {a.service} con {fmt.first_name(a.staff_name)}"
        for a in appointments
    ]
    choices = [Choice(f"appt:{a.id}", fmt.short_date(a.start.date()), f"{_at(a)} · {a.service}") for a in appointments]
    reply = offer(
        f"{fmt.first_name(name) or 'Tu cliente'} tiene estas citas:\n{fmt.bullet_list(lines)}\n¿Cuál {verb}?",
        choices,
        list_button="Ver citas",
    )
    return reply


def customer_has_no_appointments(name: str | None, phone: str | None) -> Reply:
    return Reply(text=f"{_who(name, phone) if name or phone else 'Ese cliente'} no tiene citas próximas.")


def booked_for_customer(appointment: AppointmentInfo, today: date, told: bool) -> Reply:
    told_text = " Ya le avisé." if told else ""
    return Reply(
        text=(
            f"Listo ✓ Agendé a {_who(appointment.customer_name, appointment.customer_phone)}: {appointment.service}, "
            f"{fmt.day_phrase(appointment.start.date(), today)} {fmt.at_clock(appointment.start)} con {fmt.first_name(appointment.staff_name)}.{told_text}"
        ),
        purpose="confirmation",
    )


def moved_for_customer(appointment: AppointmentInfo, today: date, told: bool) -> Reply:
    told_text = " Ya le avisé." if told else ""
    return Reply(
        text=(
            f"Listo ✓ Cambié la cita de {_named(appointment)} para "
            f"{fmt.day_phrase(appointment.start.date(), today)} {fmt.at_clock(appointment.start)} ({appointment.service} con "
            f"{fmt.first_name(appointment.staff_name)}).{told_text}"
        ),
        purpose="confirmation",
    )


def confirm_customer_cancel(appointment: AppointmentInfo, today: date) -> Reply:
    text = (
        f"¿Cancelo la cita de {_named(appointment)}: {appointment.service}, "
        f"{fmt.day_phrase(appointment.start.date(), today)} {fmt.at_clock(appointment.start)}? Le aviso al cliente."
    )
    return offer(text, [Choice("yes", "Sí, cancelar"), Choice("no", "No, dejarla")])


def cancelled_for_customer(appointment: AppointmentInfo, today: date, told: bool) -> Reply:
    told_text = " Ya le avisé." if told else ""
    return Reply(
        text=(
            f"Listo ✓ Cancelé la cita de {_named(appointment)} ({appointment.service}, "
            f"{fmt.day_phrase(appointment.start.date(), today)} {fmt.at_clock(appointment.start)}).{told_text}"
        ),
        purpose="confirmation",
    )


def appointment_kept() -> Reply:
    return Reply(text="Va, la cita sigue en pie.")


def customer_told_booked(customer: str | None, appointment: AppointmentInfo, business: str) -> Reply:
    return Reply(
        text=(
            f"{_hello(customer, business)} Te agendamos una cita:\n"
            f"📅 {fmt.long_date(appointment.start.date())}\n"
            f"⏰ {_at(appointment)}\n"
            f"💇 {appointment.service} – {fmt.money(appointment.price_cents)}\n"
            f"Te atiende {fmt.first_name(appointment.staff_name)}. Si necesitas cambiarla, escríbeme por aquí."
        ),
        purpose="confirmation",
    ).or_template(confirmation_template(customer, business, appointment))


def customer_told_moved(customer: str | None, appointment: AppointmentInfo, business: str) -> Reply:
    return Reply(
        text=(
            f"{_hello(customer, business)} Tu cita de {appointment.service.lower()} cambió al "
            f"{fmt.long_date(appointment.start.date())} {fmt.at_clock(appointment.start)} con {fmt.first_name(appointment.staff_name)}. "
            "Si no te queda, escríbeme y buscamos otro horario."
        ),
        purpose="confirmation",
    ).or_template(confirmation_template(customer, business, appointment))


def customer_told_cancelled(
    customer: str | None, appointment: AppointmentInfo, business: str, words: str | None = None, staff: str | None = None
) -> Reply:
    said = f" {fmt.first_name(staff) or 'Te'} te manda decir: «{words}»." if words else ""
    return Reply(
        text=(
            f"{_hello(customer, business)} Tu cita de {appointment.service.lower()} del "
            f"{fmt.long_date(appointment.start.date())} {fmt.at_clock(appointment.start)} quedó cancelada.{said} "
            "Cuando quieras agendar otra, escríbeme por aquí."
        ),
        purpose="appointment_cancelled",
    ).or_template(cancellation_template(customer, business, appointment))


# ---------------------------------------------------------------------------------------------
# The day
# ---------------------------------------------------------------------------------------------


def next_appointment(appointment: AppointmentInfo | None, today: date) -> Reply:
    """«¿Quién sigue?»: only the next appointment."""
    if appointment is None:
        return Reply(text="Ya no tienes más citas por ahora. 🙌")
    when = "" if appointment.start.date() == today else f"{fmt.day_phrase(appointment.start.date(), today)} "
    return Reply(
        text=f"Sigue {_who(appointment.customer_name, appointment.customer_phone)} {when}{fmt.at_clock(appointment.start)}: {appointment.service}."
    )


def someones_agenda_heading(name: str, day: date, today: date) -> str:
    return f"La agenda de {fmt.first_name(name)} {fmt.day_phrase(day, today)}:"


# --- removing blocks («desbloquea el jueves») ------------------------------------------------


def _block_lines(blocks: Sequence[tuple[datetime, datetime, str | None]], today: date) -> str:
    return "\n".join(
        f"• {fmt.day_phrase(start.date(), today)} de {fmt.time_range(start, end)}" + (f" ({reason})" if reason else "")
        for start, end, reason in blocks
    )


def unblocked(blocks: Sequence[tuple[datetime, datetime, str | None]], today: date, someone: str | None = None) -> Reply:
    whose = f" de {someone}" if someone else ""
    head = "Listo, quité el bloqueo" if len(blocks) == 1 else f"Listo, quité {len(blocks)} bloqueos"
    return Reply(text=f"{head}{whose} ✓ Ya se puede agendar en ese horario.\n{_block_lines(blocks, today)}")


def which_block(blocks: Sequence[tuple[datetime, datetime, str | None]], today: date, someone: str | None = None) -> Reply:
    whose = f"{someone} no tiene" if someone else "No tienes"
    if not blocks:
        return Reply(text=f"{whose} bloqueos pendientes en la agenda.")
    whose = f"{someone} tiene" if someone else "Tienes"
    return Reply(
        text=f"{whose} estos bloqueos:\n{_block_lines(blocks, today)}\n¿Cuál quito? Dime el día, por ejemplo «desbloquea el jueves»."
    )


def no_block_there(
    day: date, today: date, blocks: Sequence[tuple[datetime, datetime, str | None]], someone: str | None = None,
) -> Reply:
    whose = f"{someone} no tiene" if someone else "No tienes"
    text = f"{whose} nada bloqueado {fmt.day_phrase(day, today)} en ese horario."
    if blocks:
        text += f" Los bloqueos que siguen son:\n{_block_lines(blocks, today)}"
    return Reply(text=text)
