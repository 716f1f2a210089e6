"""What Yume says to an owner running the business: staff, hours, services, stats (and the welcome for new staff).

Same rules as `flows/core/replies.py`: es-MX, "tú", warm and short, one question at a time; options
carry ids the engine understands when tapped, and every title also works typed back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from flows.core import formatting as fmt
from flows.core.replies import AppointmentInfo, Choice, Reply, ServiceInfo, offer
from flows.owner.period_stats import Period, Summary
from store.hours import HoursRange

# ---------------------------------------------------------------------------------------------
# Greeting and help
# ---------------------------------------------------------------------------------------------


def owner_greeting(name: str) -> Reply:
    return Reply(
        text=(
            f"¡Hola {fmt.first_name(name)}! Puedo mostrarte la agenda («¿qué tengo hoy?», «agenda del negocio mañana»), "
            "ayudarte con tus clientes («dile a Roberto que lo esperamos») o con el negocio: tu equipo («agrega a un empleado»), "
            "el horario («el sábado abrimos de 9 a 3»), los servicios («súbele el corte a 180») "
            "y cómo les va («¿cómo nos fue esta semana?»). ¿Qué necesitas?"
        )
    )


def owner_help() -> Reply:
    return Reply(
        text=(
            "Perdón, no te entendí. Puedo mostrarte la agenda («¿qué tengo hoy?»), bloquear tiempo, registrar walk-ins, "
            "marcar citas («el de las 11 no llegó»), ayudarte con un cliente («cancela la cita de Juan») o con el negocio: "
            "«agrega a un empleado», «da de baja a Pedro», «el sábado abrimos de 9 a 3», «agrega un servicio», "
            "«súbele el corte a 180», «¿cómo nos fue esta semana?»."
        )
    )


# ---------------------------------------------------------------------------------------------
# Adding someone to the team
# ---------------------------------------------------------------------------------------------

NEED_SOME_DETAILS = "¡Claro! Necesito algunos datos:"

# What a good answer looks like, said after a message Yume did not understand.
HELP_STAFF_NAME = "Solo necesito su nombre, por ejemplo «Pedro Hernández»."
HELP_STAFF_PHONE = "Escríbeme su número de WhatsApp, por ejemplo «55 1111 2222»."
HELP_STAFF_SERVICES = "Dime «todos» o los servicios que hará, por ejemplo «corte y barba»."
HELP_CONFIRM_STAFF = "Responde «sí» para agregarlo o «no»."
HELP_WELCOME = "Responde «sí» para mandarle la bienvenida o «no»."
HELP_STAFF_TO_REMOVE = "Dime su nombre o elígelo de la lista."
HELP_CONFIRM_REMOVAL = "Responde «sí» para darle de baja o «no»."
HELP_NEW_HOURS = "Por ejemplo «el sábado de 9 a 3», «de lunes a viernes de 10 a 8» o «los domingos cerramos»."
HELP_CONFIRM_HOURS = "Responde «sí» para cambiar el horario o «no»."
HELP_COLLIDING = "Responde «cancelarlas y avisar» o «dejarlas»."
HELP_SERVICE_NAME = "Escríbeme el nombre, por ejemplo «Tinte»."
HELP_SERVICE_PRICE = "Escríbeme el precio, por ejemplo «300»."
HELP_SERVICE_MINUTES = "Escríbeme cuánto dura, por ejemplo «45 minutos» o «1 hora»."
HELP_CONFIRM_SERVICE = "Responde «sí» para agregarlo o «no»."
HELP_SERVICE_TO_CHANGE = "Escríbeme el servicio, por ejemplo «corte», o elígelo de la lista."
HELP_SERVICE_CHANGE = "Por ejemplo «a 180» para el precio o «que dure 1 hora»."


def ask_staff_name() -> Reply:
    return Reply(text="1. ¿Cómo se llama?")


def ask_staff_phone(note: str | None = None) -> Reply:
    lead = f"{note} " if note else ""
    return Reply(text=f"{lead}2. ¿Cuál es su número de WhatsApp?")


def phone_taken(name: str) -> str:
    return f"Ese número ya es de {name}."


def ask_staff_services(name: str, services: Sequence[ServiceInfo]) -> Reply:
    lines = fmt.bullet_list([s.name for s in services])
    choices = [Choice("svcs:all", "Todos")] + [Choice(f"svc:{s.id}", s.name) for s in services]
    return offer(
        f"3. ¿Qué servicios va a ofrecer {fmt.first_name(name)}?\n{lines}\nPuedes decirme «todos» o algunos, por ejemplo «corte y barba».",
        choices,
        list_button="Ver servicios",
    )


def confirm_new_staff(name: str, phone: str, services: Sequence[str] | None) -> Reply:
    what = (
        "todos los servicios" if services is None else fmt.join_words(list(services)) if services else "ningún servicio"
    )
    return offer(
        f"¿Agrego a {name} ({phone}) como empleado, con {what}?",
        [Choice("yes", "Sí, agregar"), Choice("no", "No")],
    )


def staff_added(name: str, phone: str) -> str:
    first = fmt.first_name(name)
    return (
        f"Perfecto. Agregué a {name} ({phone}) como empleado ✓\n\n"
        f"Ahora {first} puede escribirme desde su WhatsApp para:\n"
        "- Ver su agenda\n- Bloquear tiempo\n- Marcar citas completadas\n- Registrar walk-ins"
    )


def offer_welcome() -> Reply:
    return offer(
        "¿Quieres que le mande un mensaje de bienvenida explicándole cómo usar Yume?",
        [Choice("yes", "Sí, mándaselo"), Choice("no", "No")],
    )


def welcome_message(staff: str, owner: str, business: str) -> Reply:
    """What a new staff member receives on their WhatsApp."""
    return Reply(
        text=(
            f"¡Hola {fmt.first_name(staff)}! 👋 Soy Yume, la asistente de citas de {business}. "
            f"{fmt.first_name(owner)} te dio de alta en el equipo, así que ya te reconozco cuando me escribes por aquí. Puedes pedirme:\n"
            "• Tu agenda: «¿qué tengo hoy?»\n"
            "• Bloquear tiempo: «bloquea de 2 a 3 para mi comida»\n"
            "• Marcar citas: «ya terminé con el de las 12», «el de las 11 no llegó»\n"
            "• Registrar walk-ins: «llegó alguien para corte»\n"
            "¡Te damos la bienvenida!"
        ),
        purpose="staff_welcome",
    )


def welcome_sent() -> Reply:
    return Reply(text="Enviado ✓")


def no_welcome(name: str) -> Reply:
    return Reply(text=f"Va, no le mando nada. Cuando {fmt.first_name(name)} me escriba, ya sabré quién es.")


def staff_not_added() -> Reply:
    return Reply(text="Va, no agregué a nadie.")


# ---------------------------------------------------------------------------------------------
# Removing someone
# ---------------------------------------------------------------------------------------------


def ask_staff_to_remove(employees: Sequence[tuple[str, str]], note: str | None = None) -> Reply:
    """`employees`: (id, name) pairs."""
    lead = f"{note} " if note else ""
    if not employees:
        return Reply(text=f"{lead}No tienes empleados registrados; solo tú.")
    choices = [Choice(f"staff:{staff_id}", name) for staff_id, name in employees]
    return offer(f"{lead}¿A quién doy de baja?", choices, list_button="Ver equipo")


def only_employees(name: str) -> str:
    return f"{name} administra el negocio; solo puedo dar de baja a empleados."


def no_staff_named(name: str) -> str:
    return f"No encuentro a {name} en tu equipo."


def removal_refused(name: str, appointments: Sequence[AppointmentInfo], today: date) -> Reply:
    first = fmt.first_name(name)
    shown = appointments[:10]
    lines = [
        f"{fmt.day_phrase(a.start.date(), today)} {fmt.at_clock(a.start)} – {a.service} – {a.customer_name or a.customer_phone}"
        for a in shown
    ]
    more = f"\n…y {len(appointments) - len(shown)} más." if len(appointments) > len(shown) else ""
    count = "1 cita próxima" if len(appointments) == 1 else f"{len(appointments)} citas próximas"
    return Reply(
        text=(
            f"{first} todavía tiene {count}:\n{fmt.bullet_list(lines)}{more}\n"
            "Antes de darle de baja hay que cambiarlas o cancelarlas (por ejemplo «cámbiale la cita a Juan para el sábado» "
            "o «cancela la cita de Juan»), para que nadie llegue a una cita sin quién le atienda."
        )
    )


def confirm_removal(name: str) -> Reply:
    return offer(
        f"¿Doy de baja a {name}? Ya no podrá escribirme ni recibir citas; su historial se queda guardado.",
        [Choice("yes", "Sí, dar de baja"), Choice("no", "No")],
    )


def staff_removed(name: str) -> Reply:
    return Reply(text=f"Listo ✓ Di de baja a {name}.")


def staff_kept(name: str) -> Reply:
    return Reply(text=f"Va, {fmt.first_name(name)} sigue en el equipo.")


# ---------------------------------------------------------------------------------------------
# Opening hours
# ---------------------------------------------------------------------------------------------


def ask_new_hours(note: str | None = None) -> Reply:
    lead = f"{note} " if note else ""
    return Reply(text=f"{lead}¿Qué días y en qué horario? Por ejemplo «el sábado de 9 a 3» o «los domingos cerramos».")


def hours_need_both_ends(days: str) -> str:
    return f"Por ahora no abren: {days}. Dime a qué hora abren y a qué hora cierran."


def hours_are_weekly() -> Reply:
    return Reply(
        text=(
            "Por ahora cambio el horario de cada semana (por ejemplo «los sábados abrimos de 9 a 3»). "
            "Para un solo día, cada quien puede bloquear su agenda: «bloquea mañana de 5 a 8»."
        )
    )


def confirm_hours(changes: Sequence[tuple[str, str]]) -> Reply:
    """`changes`: (days, hours) pairs already grouped, e.g. ("Sábado", "9:00 AM a 3:00 PM")."""
    lines = fmt.bullet_list([f"{days}: {hours}" for days, hours in changes])
    return offer(f"¿Cambio el horario así?\n{lines}", [Choice("yes", "Sí, cambiar"), Choice("no", "No")])


def hours_saved(week: Sequence[tuple[str, str]], outside: Sequence[AppointmentInfo], today: date) -> Reply:
    lines = "\n".join(f"{days}: {hours}" for days, hours in week)
    text = f"Listo ✓ Tu nuevo horario:\n{lines}"
    if outside:
        listed = [
            f"{fmt.day_phrase(a.start.date(), today)} {fmt.at_clock(a.start)} – {a.service} – "
            f"{a.customer_name or a.customer_phone} ({fmt.first_name(a.staff_name)})"
            for a in outside[:10]
        ]
        more = f"\n…y {len(outside) - 10} más." if len(outside) > 10 else ""
        text += (
            f"\n\nOjo: {'esta cita queda' if len(outside) == 1 else 'estas citas quedan'} fuera del nuevo horario "
            f"(no cancelé nada):\n{fmt.bullet_list(listed)}{more}\n"
            "Si quieres, cámbialas o cancélalas («cámbiale la cita a Juan para el viernes»)."
        )
    return Reply(text=text)


def hours_kept() -> Reply:
    return Reply(text="Va, el horario sigue igual.")


def _day_hours(hours: Sequence[HoursRange]) -> str:
    return " y ".join(f"de {fmt.clock_time(r.start_time)} a {fmt.clock_time(r.end_time)}" for r in hours)


def _outside(hours: Sequence[HoursRange]) -> str:
    """What a special day rules out: the whole day when closed, the rest of it when short."""
    return "fuera de ese horario" if hours else "ese día"


def special_day_collides(day: date, today: date, hours: Sequence[HoursRange], appointments: Sequence[AppointmentInfo]) -> Reply:
    """A closed (or short) day with appointments in the way: which ones, and what to do with them."""
    when = fmt.day_phrase(day, today)
    what = f"cerramos {when}" if not hours else f"{when} abrimos {_day_hours(hours)}"
    lines = [
        f"{fmt.clock_time(a.start)} – {a.service} – {a.customer_name or a.customer_phone} ({fmt.first_name(a.staff_name)})"
        for a in appointments
    ]
    many = len(appointments) > 1
    text = (
        f"Va: {what}, y nadie podrá agendar {_outside(hours)}. {'Ese día hay estas citas' if many else 'Ese día hay esta cita'}:\n"
        f"{fmt.bullet_list(lines)}\n¿{'Las cancelo y les aviso' if many else 'La cancelo y le aviso'} a los clientes, "
        f"o {'las dejas' if many else 'la dejas'} (tú les hablas)?"
    )
    return offer(text, [Choice("cancel", "Cancelar y avisar"), Choice("keep", "Dejarlas")])


def special_day_saved(
    day: date, today: date, hours: Sequence[HoursRange], cancelled: int, kept: Sequence[AppointmentInfo]
) -> Reply:
    when = fmt.day_phrase(day, today)
    text = f"Listo ✓ {when[0].upper()}{when[1:]} " + (f"abrimos {_day_hours(hours)}" if hours else "queda cerrado")
    text += f": nadie podrá agendar {_outside(hours)}."
    if cancelled:
        text += " Cancelé la cita y le avisé al cliente." if cancelled == 1 else f" Cancelé {cancelled} citas y les avisé."
    elif kept:
        text += " Las citas de ese día siguen en pie; avísales tú." if len(kept) > 1 else " La cita de ese día sigue en pie; avísale tú."
    return Reply(text=text)


CLOSED_THAT_DAY = "el negocio cierra ese día"  # the reason stored on appointments a closure cancelled


def special_day_past() -> Reply:
    return Reply(text="Ese día ya pasó, así que no cambié nada.")


def customer_told_closed(customer: str | None, appointment: AppointmentInfo, business: str) -> Reply:
    who = f" {fmt.first_name(customer)}" if customer else ""
    return Reply(
        text=(
            f"Hola{who}, te escribimos de {business}. Una disculpa: el {fmt.long_date(appointment.start.date())} "
            f"no vamos a abrir, así que tu cita de {appointment.service.lower()} {fmt.at_clock(appointment.start)} "
            "quedó cancelada. Dime qué otro día te acomoda y te busco horario."
        ),
        purpose="appointment_cancelled",
    )


def staff_told_closed(appointment: AppointmentInfo) -> Reply:
    return Reply(
        text=(
            f"❌ Se cerró el {fmt.long_date(appointment.start.date())}: cancelé tu cita {fmt.at_clock(appointment.start)} "
            f"({appointment.service} – {appointment.customer_name or appointment.customer_phone}) y le avisé al cliente."
        ),
        purpose="notice",
    )


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


def ask_service_name(note: str | None = None) -> Reply:
    lead = f"{note} " if note else ""
    return Reply(text=f"{lead}¿Cómo se llama el servicio?")


def service_exists(name: str) -> str:
    return f"Ya tienes «{name}»; para cambiarle el precio dime, por ejemplo, «súbele el {name.lower()} a 180»."


def ask_service_price(name: str) -> Reply:
    return Reply(text=f"¿Cuánto cuesta {name}?")


def ask_service_minutes(name: str) -> Reply:
    return Reply(text=f"¿Cuánto dura {name}? Por ejemplo «45 minutos» o «1 hora».")


def confirm_new_service(name: str, price_cents: int, minutes: int) -> Reply:
    return offer(
        f"¿Agrego {name} – {fmt.money(price_cents)} ({fmt.duration(minutes)})?",
        [Choice("yes", "Sí, agregar"), Choice("no", "No")],
    )


def service_added(name: str, price_cents: int, minutes: int) -> Reply:
    return Reply(
        text=f"Listo ✓ Agregué {name} – {fmt.money(price_cents)} ({fmt.duration(minutes)}). Tus clientes ya lo pueden agendar."
    )


def service_not_added() -> Reply:
    return Reply(text="Va, no agregué ningún servicio.")


def ask_service_to_change(services: Sequence[ServiceInfo]) -> Reply:
    lines = fmt.bullet_list([f"{s.name} – {fmt.money(s.price_cents)} ({fmt.duration(s.minutes)})" for s in services])
    choices = [Choice(f"svc:{s.id}", s.name) for s in services]
    return offer(f"¿Qué servicio cambio?\n{lines}", choices, list_button="Ver servicios")


def ask_service_change(service: ServiceInfo) -> Reply:
    return Reply(
        text=(
            f"{service.name} cuesta {fmt.money(service.price_cents)} y dura {fmt.duration(service.minutes)}. "
            "¿Qué le cambio? Por ejemplo «a 180» o «que dure 1 hora»."
        )
    )


def service_changed(service: ServiceInfo, price_before: int, minutes_before: int) -> Reply:
    parts = []
    if service.price_cents != price_before:
        parts.append(f"cuesta {fmt.money(service.price_cents)} (antes {fmt.money(price_before)})")
    if service.minutes != minutes_before:
        parts.append(f"dura {fmt.duration(service.minutes)} (antes {fmt.duration(minutes_before)})")
    if not parts:
        return Reply(
            text=f"{service.name} ya cuesta {fmt.money(service.price_cents)} y dura {fmt.duration(service.minutes)}; no cambié nada."
        )
    kept = " Las citas que ya estaban agendadas conservan su precio." if service.price_cents != price_before else ""
    return Reply(text=f"Listo ✓ {service.name} ahora {' y '.join(parts)}.{kept}")


# ---------------------------------------------------------------------------------------------
# Stats
# ---------------------------------------------------------------------------------------------


def period_label(period: Period, today: date) -> str:
    """ "Esta semana", "Hoy", "La semana pasada", "En enero", "Del 5 al 11 de enero"."""
    monday = today - timedelta(days=today.weekday())
    if period.kind == "day":
        if period.first == today:
            return "Hoy"
        if (today - period.first).days == 1:
            return "Ayer"
        return f"El {fmt.long_date(period.first)}"
    if period.kind == "week" and period.first == monday:
        return "Esta semana"
    if period.kind == "week" and (monday - period.first).days == 7:
        return "La semana pasada"
    if period.kind == "month":
        return f"En {fmt.MONTHS[period.first.month - 1]}"
    return f"Del {period.first.day} de {fmt.MONTHS[period.first.month - 1]} al {period.last.day} de {fmt.MONTHS[period.last.month - 1]}"


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def stats(label: str, summary: Summary, compared: str, before: Summary, running: bool, change: int | None) -> Reply:
    """ "📊 Esta semana: citas, completadas, no-shows, canceladas, ingresos; y contra la anterior"."""
    lines = [f"📊 {label}:"]
    if summary.booked == 0 and summary.cancelled == 0:
        lines.append("• No hubo citas.")
    else:
        detail = [
            _count(summary.completed, "completada", "completadas"),
            f"{summary.no_shows} no {'llegó' if summary.no_shows == 1 else 'llegaron'}",
        ]
        if summary.pending:
            detail.append(_count(summary.pending, "pendiente", "pendientes"))
        lines.append(f"• Citas: {summary.booked} ({', '.join(detail)})")
        lines.append(f"• Canceladas: {summary.cancelled}")
        lines.append(f"• Ingresos: {fmt.money(summary.revenue_cents)} (de las citas completadas)")
    point = " a estas alturas" if running else ""
    if before.completed == 0:
        lines.append(f"Comparado con {compared}{point}: no hubo citas completadas.")
        return Reply(text="\n".join(lines))
    trend = ""
    if change is not None:
        trend = f" ({'+' if change > 0 else ''}{change}%)" if change else " (igual)"
    lines.append(
        f"Comparado con {compared}{point}: {fmt.money(before.revenue_cents)} en "
        f"{_count(before.completed, 'cita completada', 'citas completadas')}{trend}."
    )
    return Reply(text="\n".join(lines))


def compared_with(period: Period) -> str:
    return {"day": "el día anterior", "week": "la semana anterior", "month": "el mes anterior"}.get(
        period.kind, "el periodo anterior"
    )
