"""Everything Yume says, in one place: Mexican Spanish, "tú", warm, short, one question at a time.

Each function takes values and returns a `Reply` (text, plus reply buttons or a list where a
choice is offered). Option ids are values the engine understands when tapped (`flows/core/options.py`),
and every option's title also works typed back. Logic never parses these texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict

from flows.core import formatting as fmt
from flows.core.messages import MAX_BUTTONS, MAX_LIST_ROWS, Button, ListRow, OutboundMessage, TemplateCall
from flows.core.options import Option

BUTTON_TITLE_MAX = 20
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72


class Reply(BaseModel):
    """A message before it is addressed: what it says and which options it offers."""

    model_config = ConfigDict(frozen=True)

    text: str
    header: str | None = None
    footer: str | None = None
    buttons: tuple[Button, ...] = ()
    rows: tuple[ListRow, ...] = ()
    list_button: str | None = None
    purpose: str | None = None
    template: TemplateCall | None = None  # what to send instead when the 24-hour window is closed

    def addressed(self, to: str) -> OutboundMessage:
        """The outbound message for one WhatsApp id."""
        return OutboundMessage(
            to=to,
            text=self.text,
            header=self.header,
            footer=self.footer,
            buttons=list(self.buttons),
            rows=list(self.rows),
            list_button=self.list_button if self.rows else None,
            purpose=self.purpose,
            template=self.template,
        )

    @property
    def options(self) -> list[Option]:
        """The choices this message offers, in order (buttons or list rows)."""
        return [Option(id=item.id, title=item.title) for item in (*self.buttons, *self.rows)]

    def or_template(self, template: TemplateCall | None) -> Reply:
        """The same message, sent as `template` when the 24-hour window is closed (or Meta says it is)."""
        return self.model_copy(update={"template": template}) if template is not None else self

    def prefixed(self, line: str | None, separator: str = "\n\n") -> Reply:
        """The same message with a line before it ("Perdón, no te entendí. …")."""
        return self.model_copy(update={"text": f"{line}{separator}{self.text}" if line else self.text})


@dataclass(frozen=True)
class Choice:
    """One option to offer: an id the engine understands, a title, an optional description."""

    id: str
    title: str
    description: str | None = None


def _offer(text: str, choices: Sequence[Choice], list_button: str = "Ver opciones", purpose: str | None = None) -> Reply:
    """Buttons for up to three short choices, else a list of up to ten rows."""
    choices = list(choices)[:MAX_LIST_ROWS]
    if choices and len(choices) <= MAX_BUTTONS and all(len(c.title) <= BUTTON_TITLE_MAX for c in choices):
        return Reply(text=text, buttons=tuple(Button(id=c.id, title=c.title) for c in choices), purpose=purpose)
    if choices:
        rows = tuple(
            ListRow(
                id=c.id,
                title=c.title[:ROW_TITLE_MAX],
                description=c.description[:ROW_DESCRIPTION_MAX] if c.description else None,
            )
            for c in choices
        )
        return Reply(text=text, rows=rows, list_button=list_button, purpose=purpose)
    return Reply(text=text, purpose=purpose)


def offer(text: str, choices: Sequence[Choice], list_button: str = "Ver opciones", purpose: str | None = None) -> Reply:
    """Buttons for up to three short choices, else a list of up to ten rows (for the other reply modules)."""
    return _offer(text, choices, list_button, purpose)


# ---------------------------------------------------------------------------------------------
# Values the templates talk about
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    name: str
    minutes: int
    price_cents: int


@dataclass(frozen=True)
class AppointmentInfo:
    """An appointment as a person reads it (local times)."""

    id: str
    service: str
    price_cents: int
    start: datetime
    end: datetime
    staff_name: str
    customer_name: str | None = None
    customer_phone: str | None = None  # display form
    guest_name: str | None = None  # booked for someone else: who comes


@dataclass(frozen=True)
class DayOffer:
    day: date
    first: datetime  # first opening, local (or the wanted time, when `at_time`)
    at_time: bool = False  # offered because the wanted time is free that day: tapping it books that time


@dataclass(frozen=True)
class BlockInfo:
    start: datetime
    end: datetime
    reason: str | None = None


@dataclass(frozen=True)
class AgendaLine:
    """One line of an agenda: an appointment, a block or a free gap (local times)."""

    kind: str  # appointment | block | free
    start: datetime
    end: datetime
    service: str | None = None
    customer: str | None = None
    staff: str | None = None
    reason: str | None = None


# ---------------------------------------------------------------------------------------------
# Greetings and small talk
# ---------------------------------------------------------------------------------------------


# Said before a request's first question ("¡Claro! ¿Para qué día…?"), not when it is asked again.
SURE = "¡Claro!"

# What a good answer looks like, said after a message Yume did not understand (one per kind of step).
HELP_SERVICE = "Escríbeme el servicio que quieres, por ejemplo «corte», o elige uno de la lista."
HELP_DAY = "Dime el día, por ejemplo «mañana» o «el sábado»."
HELP_TIME = "Escríbeme la hora, por ejemplo «a las 4», o elige una de la lista."
HELP_NAME = "Solo necesito tu nombre, por ejemplo «Juan Pérez»."
HELP_GUEST_NAME = "Solo necesito su nombre, por ejemplo «Mateo»."
HELP_ANOTHER_OR_CHANGE = "Responde «agendar otra», «cambiar esa cita» o «cancelar esa cita»."
HELP_CANCEL_OR_MOVE = "Responde «cancelarla» o «cambiarla de día»."
HELP_WHICH_APPOINTMENT = "Dime cuál, por ejemplo «la del viernes», o elígela de la lista."
HELP_CONFIRM_CANCEL = "Responde «sí» para cancelarla o «no» para mantenerla."
HELP_WHICH_TO_MARK = "Dime cuál, por ejemplo «la de las 11», o elígela de la lista."
HELP_CONFIRM_NO_SHOW = "Responde «sí» para marcarla como no-show o «no» para dejarla."
HELP_OFFER_MESSAGE = "Responde «sí» (puedes agregar qué decirle) o «no»."
HELP_WALK_IN_SERVICE = "Escríbeme el servicio, por ejemplo «corte», o elígelo de la lista."
HELP_WALK_IN_PHONE = "Escríbeme su número, por ejemplo «55 1234 5678», o «sin teléfono»."
HELP_WALK_IN_NAME = "Solo necesito su nombre, por ejemplo «Ana»."
HELP_LATER_WALK_IN = "Responde «sí» para registrarlo a esa hora o «no»."
HELP_CUSTOMER = "Escríbeme su nombre (por ejemplo «Juan Pérez») o su teléfono."
HELP_MESSAGE = "Escríbeme el mensaje tal como quieres que le llegue."
HELP_BLOCK_HOURS = "Dime las horas, por ejemplo «de 2 a 4» o «todo el día»."
HELP_CONFIRM_BLOCK = "Responde «sí» para bloquear (y cancelar esas citas) o «no» para dejarlo así."


def greeting(business: str, name: str | None) -> Reply:
    who = f" {fmt.first_name(name)}" if name else ""
    return Reply(text=f"¡Hola{who}! Bienvenido a {business}. ¿En qué puedo ayudarte?")


def staff_greeting(name: str) -> Reply:
    return Reply(
        text=(
            f"¡Hola {fmt.first_name(name)}! Puedo mostrarte tu agenda («¿qué tengo hoy?»), bloquear tiempo "
            "(«bloquea de 2 a 3 para mi comida»), registrar un walk-in («llegó alguien para corte») "
            "o ayudarte con tus clientes («el de las 11 no llegó», «dile a Roberto que lo esperamos»). ¿Qué necesitas?"
        )
    )


def you_are_welcome(booked_day: str | None = None) -> Reply:
    if booked_day:
        return Reply(text=f"¡Con gusto! Nos vemos {booked_day}. 😊")
    return Reply(text="¡Con gusto! Aquí estoy si necesitas algo más. 😊")


def welcome_back() -> str:
    return "¡Hola de nuevo! Como pasó un rato, empecemos otra vez."


def dropped() -> Reply:
    return Reply(text="Va, lo dejamos ahí. Si necesitas algo más, aquí estoy.")


CANCELLED_BY_CUSTOMER = "cancelada por el cliente"  # the reason stored on the appointment
APPOINTMENT = "cita"  # what is booked when the service is not known yet
A_SERVICE = "Servicio"  # a service that no longer exists, in an old appointment


def hello() -> Reply:
    return Reply(text="¡Hola! 👋")


def spanish_only() -> Reply:
    return Reply(text="Por ahora solo hablo español (sorry, Spanish only 🙂), pero con gusto te ayudo.")


def not_understood(help_line: str) -> str:
    return f"Perdón, no te entendí. {help_line}".strip()


def general_help() -> Reply:
    return Reply(
        text=(
            "Perdón, no te entendí. Puedo ayudarte a agendar, cambiar o cancelar una cita, "
            "o darte precios, horario y dirección. ¿Qué necesitas?"
        )
    )


def sorry_something_failed() -> Reply:
    return Reply(text="Perdón, tuve un problema para procesar tu mensaje. ¿Me lo puedes enviar otra vez en un momento? 🙏")


def media_not_supported(kind: str) -> str:
    if kind in ("audio", "voice"):
        return "Perdón, todavía no puedo escuchar audios. ¿Me lo escribes, por favor?"
    if kind in ("image", "video", "document", "sticker"):
        return "Perdón, todavía no puedo ver imágenes ni archivos. ¿Me lo escribes, por favor?"
    if kind == "location":
        return "¡Gracias por la ubicación! Por ahora solo puedo leer mensajes de texto."
    if kind == "contacts":
        return "¡Gracias! Por ahora no puedo leer contactos; ¿me escribes el dato que necesitas?"
    return "Perdón, no pude leer ese mensaje. ¿Me lo escribes, por favor?"


# ---------------------------------------------------------------------------------------------
# Business information
# ---------------------------------------------------------------------------------------------


def services_menu(services: Sequence[ServiceInfo], intro: str = "Estos son nuestros servicios:") -> str:
    lines = [f"{s.name} – {fmt.money(s.price_cents)} ({fmt.duration(s.minutes)})" for s in services]
    return f"{intro}\n{fmt.bullet_list(lines)}"


def services_answer(services: Sequence[ServiceInfo]) -> Reply:
    return Reply(text=f"{services_menu(services)}\n¿Te agendo alguno?")


def service_price(service: ServiceInfo) -> Reply:
    return Reply(
        text=f"{service.name} cuesta {fmt.money(service.price_cents)} y dura {fmt.duration(service.minutes)}."
    )


def hours_answer(week: Sequence[tuple[str, str]]) -> Reply:
    """`week`: (days, hours) pairs already grouped, e.g. ("Lunes a viernes", "10:00 AM a 8:00 PM")."""
    lines = [f"{days}: {hours}" for days, hours in week]
    return Reply(text="Nuestro horario:\n" + "\n".join(lines))


def address_answer(business: str, address: str | None) -> Reply:
    if not address:
        return Reply(text=f"Todavía no tengo la dirección de {business}; ya le pregunté al dueño para que te la mande.")
    return Reply(text=f"Estamos en {address}. ¡Te esperamos!")


def appointments_answer(appointments: Sequence[AppointmentInfo], today: date) -> Reply:
    if not appointments:
        return Reply(text="No tienes citas próximas. ¿Quieres agendar una?")
    lines = [
        f"{fmt.day_phrase(a.start.date(), today)}, {fmt.clock_time(a.start)} – {a.service} con {fmt.first_name(a.staff_name)}"
        for a in appointments
    ]
    heading = "Tu próxima cita:" if len(appointments) == 1 else "Tus próximas citas:"
    return Reply(text=f"{heading}\n{fmt.bullet_list(lines)}")


def forwarded_to_owner(owner: str | None, known: str | None = None) -> Reply:
    who = fmt.first_name(owner) or "el dueño"
    lead = f"{known}\n\n" if known else ""
    return Reply(
        text=(
            f"{lead}Eso se lo tiene que responder {who}; ya le pasé tu mensaje con tu número "
            "para que te contacte pronto. ¿Te ayudo con algo más mientras tanto?"
        )
    )


# ---------------------------------------------------------------------------------------------
# Booking
# ---------------------------------------------------------------------------------------------


def ask_service(services: Sequence[ServiceInfo], day_hint: str | None = None) -> Reply:
    question = "¿Qué servicio te gustaría" + (f" para {day_hint}?" if day_hint else "?")
    choices = [
        Choice(f"svc:{s.id}", s.name, f"{fmt.money(s.price_cents)} · {fmt.duration(s.minutes)}") for s in services
    ]
    if len(choices) <= MAX_BUTTONS and all(len(c.title) <= BUTTON_TITLE_MAX for c in choices):
        menu = fmt.bullet_list([f"{s.name} – {fmt.money(s.price_cents)}" for s in services])
        return _offer(f"{question}\n{menu}", choices)  # buttons carry no prices: say them once in the text
    return _offer(question, choices, list_button="Ver servicios")  # the list shows each price once


def ask_day(service: str, offers: Sequence[DayOffer], today: date, problem: str | None = None) -> Reply:
    question = f"¿Para qué día te gustaría agendar tu {service.lower()}?"
    if problem:
        question = f"{problem} ¿Qué otro día te acomoda?"
    return _offer(question, day_choices(offers, today), list_button="Ver días")


def ask_new_day(appointment: AppointmentInfo, offers: Sequence[DayOffer], today: date, problem: str | None = None) -> Reply:
    if problem:
        text = f"{problem} ¿Qué otro día te acomoda?"
    else:
        text = (
            f"Veo que tienes tu cita de {appointment.service.lower()} {fmt.day_phrase(appointment.start.date(), today)} "
            f"{fmt.at_clock(appointment.start)}. ¿Para qué día te gustaría cambiarla?"
        )
    return _offer(text, day_choices(offers, today), list_button="Ver días")


def day_choices(offers: Sequence[DayOffer], today: date) -> list[Choice]:
    choices = []
    for offer in offers:
        when = "Hoy" if offer.day == today else "Mañana" if (offer.day - today).days == 1 else None
        if offer.at_time:
            slot = f"slot:{offer.first.strftime('%Y-%m-%dT%H:%M')}"
            choices.append(Choice(slot, fmt.short_date(offer.day), f"{when + ', ' if when else ''}{fmt.clock_time(offer.first)}"))
            continue
        since = f"desde {fmt.clock_time(offer.first)}"
        description = f"{when}, {since}" if when else since[0].upper() + since[1:]
        choices.append(Choice(f"day:{offer.day.isoformat()}", fmt.short_date(offer.day), description))
    return choices


def day_problem(
    kind: str, day: date, today: date, horizon_days: int | None = None, taken_at: datetime | None = None
) -> str:
    """Why a day cannot be offered ("closed", "full", "past", "too_far")."""
    when = fmt.day_phrase(day, today)
    if kind == "closed":
        return f"{_upper_first(fmt.day_phrase(day, today))} no abrimos."
    if kind == "past":
        return f"El {fmt.long_date(day)} ya pasó."
    if kind == "too_far":
        return f"Solo agendamos con {horizon_days} días de anticipación como máximo."
    if taken_at is not None:
        taken = fmt.the_clock(taken_at)
        busy = "ya está ocupada" if taken.startswith("la ") else "ya están ocupadas"
        return f"{_upper_first(taken)} {busy} y ya no me quedan horarios {when}."
    return f"Ya no me quedan horarios {when}."


def offer_slots(
    day: date,
    today: date,
    service: ServiceInfo,
    starts: Sequence[datetime],
    more: bool,
    note: str | None = None,
) -> Reply:
    """The day's openings as a list (≤ 10 rows) and as text that works typed back."""
    when = _upper_first(fmt.day_phrase(day, today))
    lead = f"{note}\n" if note else ""
    text = f"{lead}{when} tengo estos horarios para {service.name} ({fmt.money(service.price_cents)}). "
    text += "Si prefieres otra hora, escríbela. ¿Cuál te funciona mejor?" if more else "¿Cuál te funciona mejor?"
    return _time_list(text, starts)


def _time_list(text: str, starts: Sequence[datetime]) -> Reply:
    """Times as list rows (shown once: the list is the menu, the text does not repeat it)."""
    rows = tuple(ListRow(id=f"slot:{start.strftime('%Y-%m-%dT%H:%M')}", title=fmt.clock_time(start)) for start in starts)
    return Reply(text=text, rows=rows, list_button="Ver horarios")


def offer_earliest(
    day: date, today: date, service: ServiceInfo, starts: Sequence[datetime], full_day: date | None, note: str | None
) -> Reply:
    """«Lo antes que se pueda»: the first free times, on the first day that has any."""
    lead = f"{note}\n" if note else ""
    if full_day is not None:
        lead += f"{_upper_first(fmt.day_phrase(full_day, today))} ya no tengo lugar. "
    when = fmt.day_phrase(day, today)
    text = f"{lead}Lo más pronto que tengo para {service.name} ({fmt.money(service.price_cents)}) es {when}. ¿Cuál te funciona?"
    return _time_list(text, starts)


def no_openings_soon() -> str:
    return "Por ahora no me quedan horarios en los próximos días."


def part_of_day_full(part: str) -> str:
    names = {"morning": "En la mañana", "afternoon": "En la tarde", "evening": "En la noche"}
    return f"{names[part]} ya no tengo lugar ese día, pero te ofrezco otras horas."


def slot_problem(kind: str, start: datetime, today: date, notice_minutes: int = 60, step_minutes: int = 15) -> str:
    """Why a requested time cannot be booked ("past", "too_soon", "closed", "taken", "too_far", "off_grid")."""
    the = fmt.the_clock(start)
    one = the.startswith("la ")
    when = fmt.day_phrase(start.date(), today)
    of_day = f"del {when[3:]}" if when.startswith("el ") else f"de {when}"
    if kind == "past":
        return f"{_upper_first(the)} {of_day} ya {'pasó' if one else 'pasaron'}."
    if kind == "too_soon":
        hours = fmt.duration(notice_minutes)
        return f"Para {the} ya no alcanzo: necesitamos al menos {hours} de anticipación."
    if kind == "closed":
        return f"{_upper_first(fmt.at_clock(start))} no estamos abiertos {when}."
    if kind == "too_far":
        return "Esa fecha todavía no está abierta para citas."
    if kind == "off_grid":
        return f"{_upper_first(fmt.at_clock(start))} no tengo horario: las citas empiezan cada {step_minutes} minutos."
    return f"{_upper_first(the)} {of_day} ya {'está ocupada' if one else 'están ocupadas'}."


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def offer_alternatives(problem: str, starts: Sequence[datetime], today: date, asked_day: date | None = None) -> Reply:
    """The nearest free times after a time that cannot be booked (the date said once)."""
    times = [fmt.clock_time(start) for start in starts]
    same_day = asked_day is not None and starts[0].date() == asked_day and problem_names_day(problem)
    where = "" if same_day else f" {fmt.day_phrase(starts[0].date(), today)}"
    text = f"{problem} Lo más cercano que tengo{where}: {fmt.join_words(times)}. ¿Te sirve alguno?"
    choices = [Choice(f"slot:{start.strftime('%Y-%m-%dT%H:%M')}", time) for start, time in zip(starts, times)]
    return _offer(text, choices, list_button="Ver horarios")


def problem_names_day(problem: str) -> bool:
    """Whether a slot problem already says the day («… del viernes 16 de enero …»)."""
    return any(month in problem for month in fmt.MONTHS)


def ask_name(summary: str | None = None, suggested: str | None = None) -> Reply:
    text = "¿Me confirmas tu nombre para la cita?"
    if summary:
        text = f"Casi listo: {summary}. {text}"
    if suggested and len(suggested) <= BUTTON_TITLE_MAX:
        return Reply(text=text, buttons=(Button(id=f"name:{suggested}", title=suggested),))
    return Reply(text=text)


def ask_guest_name(guest: str | None, summary: str | None = None) -> Reply:
    who = f"tu {guest.removeprefix('mi ').strip()}" if guest and guest.startswith("mi ") else guest or "la persona"
    lead = f"Casi listo: {summary}. " if summary else ""
    return Reply(text=f"{lead}¿Cómo se llama {who}? Así aparece en la cita.")


def day_hint(day: date, today: date) -> str:
    """ "mañana viernes 16 de enero" for «¿Qué servicio te gustaría para …?»."""
    return fmt.day_phrase(day, today)


def lost_the_slot() -> str:
    return "Uy, alguien acaba de ganarte ese horario."


def could_not_cancel() -> Reply:
    return Reply(text="No pude cancelar esa cita: ya no está activa. ¿Te ayudo con algo más?")


def cancel_or_move(appointment: AppointmentInfo, today: date) -> Reply:
    text = (
        f"No te preocupes. Tu cita de {appointment.service.lower()} es {fmt.day_phrase(appointment.start.date(), today)} "
        f"{fmt.at_clock(appointment.start)}. ¿La cancelamos o la cambiamos de día?"
    )
    return _offer(text, [Choice("cancel", "Cancelarla"), Choice("move", "Cambiarla de día")])


def hours_on_day(day: date, today: date, ranges: Sequence[tuple[time, time]]) -> Reply:
    """«El domingo no abrimos.» / «El sábado abrimos de 9:00 AM a 2:00 PM y de 4:00 PM a 7:00 PM.»"""
    when = _upper_first(fmt.day_phrase(day, today))
    if not ranges:
        return Reply(text=f"{when} no abrimos.")
    spans = " y ".join(f"de {fmt.clock_time(a)} a {fmt.clock_time(b)}" for a, b in ranges)
    return Reply(text=f"{when} abrimos {spans}.")


def services_prices(services: Sequence[ServiceInfo]) -> Reply:
    """The price of each service asked about («¿cuánto salen el corte y la barba?»)."""
    lines = [f"{s.name}: {fmt.money(s.price_cents)} ({fmt.duration(s.minutes)})" for s in services]
    return Reply(text=fmt.bullet_list(lines))


def slot_summary(service: str, start: datetime, today: date) -> str:
    """ "Corte de cabello, mañana viernes 15 de enero a las 4:00 PM"."""
    return f"{service}, {fmt.day_phrase(start.date(), today)} {fmt.at_clock(start)}"


def confirmation_template(name: str | None, business: str, appointment: AppointmentInfo) -> TemplateCall:
    """`appointment_confirmation` (fixtures/templates/): a booking or a move, outside the 24-hour window."""
    return TemplateCall(
        name="appointment_confirmation",
        body_params=[
            fmt.first_name(name) or NO_NAME,
            business,
            fmt.long_date(appointment.start.date()),
            fmt.clock_time(appointment.start),
            f"{appointment.service} ({fmt.money(appointment.price_cents)})"
            + (f" para {appointment.guest_name}" if appointment.guest_name else ""),
        ],
    )


def cancellation_template(name: str | None, business: str, appointment: AppointmentInfo) -> TemplateCall:
    """`appointment_cancellation` (fixtures/templates/): a cancellation, outside the 24-hour window."""
    return TemplateCall(
        name="appointment_cancellation",
        body_params=[
            fmt.first_name(name) or NO_NAME,
            business,
            fmt.long_date(appointment.start.date()),
            fmt.clock_time(appointment.start),
        ],
    )


def booked(name: str | None, appointment: AppointmentInfo, business: str | None = None) -> Reply:
    """The booking confirmation (with its template when `business` is given)."""
    who = f", {fmt.first_name(name)}" if name else ""
    template = confirmation_template(name, business, appointment) if business else None
    whose = f"La cita de {appointment.guest_name}" if appointment.guest_name else "Tu cita"
    return Reply(
        text=(
            f"¡Listo{who}! {whose} quedó confirmada:\n"
            f"📅 {fmt.long_date(appointment.start.date())}\n"
            f"⏰ {fmt.clock_time(appointment.start)}\n"
            f"💇 {appointment.service} – {fmt.money(appointment.price_cents)}\n"
            f"Te atiende {fmt.first_name(appointment.staff_name)}. ¡Nos vemos!"
        ),
        purpose="confirmation",
    ).or_template(template)


def already_has_appointment(appointment: AppointmentInfo, today: date, more: int) -> Reply:
    extra = f" (y {more} más)" if more else ""
    text = (
        f"Ya tienes una cita de {appointment.service.lower()} {fmt.day_phrase(appointment.start.date(), today)} "
        f"{fmt.at_clock(appointment.start)}{extra}. ¿Quieres agendar otra o cambiar esa?"
    )
    return _offer(
        text,
        [Choice("another", "Agendar otra"), Choice("move", "Cambiar esa cita"), Choice("cancel", "Cancelar esa cita")],
    )


# ---------------------------------------------------------------------------------------------
# Rescheduling and cancelling
# ---------------------------------------------------------------------------------------------


def no_upcoming_appointments() -> Reply:
    return Reply(text="No encuentro citas próximas a tu nombre. ¿Quieres agendar una?")


def ask_which_appointment(appointments: Sequence[AppointmentInfo], today: date, purpose: str) -> Reply:
    verb = "cambiar" if purpose == "move" else "cancelar"
    choices = [
        Choice(
            f"appt:{a.id}",
            f"{fmt.short_date(a.start.date())}"[:ROW_TITLE_MAX],
            f"{fmt.clock_time(a.start)} · {a.service}",
        )
        for a in appointments
    ]
    lines = [f"{fmt.day_phrase(a.start.date(), today)} {fmt.at_clock(a.start)} – {a.service}" for a in appointments]
    text = f"Tienes estas citas:\n{fmt.bullet_list(lines)}\n¿Cuál quieres {verb}?"
    reply = _offer(text, choices, list_button="Ver citas")
    if reply.buttons:
        rows = tuple(ListRow(id=c.id, title=c.title, description=c.description) for c in choices)
        reply = reply.model_copy(update={"buttons": (), "rows": rows, "list_button": "Ver citas"})
    return reply


def moved(appointment: AppointmentInfo, today: date, business: str | None = None, name: str | None = None) -> Reply:
    """The move confirmation (with its template, for `name`, when `business` is given)."""
    return Reply(
        text=(
            f"Listo, cambié tu cita de {appointment.service.lower()} para {fmt.day_phrase(appointment.start.date(), today)} "
            f"{fmt.at_clock(appointment.start)}. ¡Nos vemos!"
        ),
        purpose="confirmation",
    ).or_template(confirmation_template(name, business, appointment) if business else None)


def move_is_no_change(appointment: AppointmentInfo, today: date) -> Reply:
    """A move to the day and time the appointment already has: nothing changes."""
    return Reply(
        text=(
            f"Esa cita ya está {fmt.day_phrase(appointment.start.date(), today)} {fmt.at_clock(appointment.start)}, "
            "así que la dejé igual. ¿Te ayudo con algo más?"
        )
    )


def confirm_cancel(appointment: AppointmentInfo, today: date) -> Reply:
    text = (
        f"¿Cancelo tu cita de {appointment.service.lower()} {fmt.day_phrase(appointment.start.date(), today)} "
        f"{fmt.at_clock(appointment.start)}?"
    )
    return _offer(text, [Choice("yes", "Sí, cancelar"), Choice("no", "No, la mantengo")])


def cancelled(appointment: AppointmentInfo, today: date, business: str | None = None, name: str | None = None) -> Reply:
    """The cancellation confirmation (with its template, for `name`, when `business` is given)."""
    return Reply(
        text=(
            f"Listo, cancelé tu cita de {appointment.service.lower()} {fmt.day_phrase(appointment.start.date(), today)} "
            f"{fmt.at_clock(appointment.start)}. Cuando quieras agendar otra, aquí estoy."
        ),
        purpose="confirmation",
    ).or_template(cancellation_template(name, business, appointment) if business else None)


def kept_appointment() -> Reply:
    return Reply(text="Va, tu cita sigue en pie. ¿Te ayudo con algo más?")


# ---------------------------------------------------------------------------------------------
# Hand-off to a person
# ---------------------------------------------------------------------------------------------


def handed_off(owner: str | None, reason: str) -> Reply:
    who = fmt.first_name(owner) or "alguien del equipo"
    if reason == "misunderstood":
        return Reply(text=f"Perdón, no logro entenderte. Ya le avisé a {who} para que te atienda personalmente.")
    return Reply(text=f"Claro, ya le avisé a {who} para que te atienda personalmente. Te escribirá en cuanto pueda.")


# ---------------------------------------------------------------------------------------------
# Notifications to the owner and staff
# ---------------------------------------------------------------------------------------------


def _who(name: str | None, phone: str | None) -> str:
    if name and phone:
        return f"{name} ({phone})"
    return name or phone or "Un cliente"


def _for_whom(appointment: AppointmentInfo) -> str:
    """Who comes, and who booked when it was for someone else: «Mateo (lo agendó Juan Pérez, 55 …)»."""
    booker = _who(appointment.customer_name, appointment.customer_phone)
    if appointment.guest_name:
        return f"{appointment.guest_name} (lo agendó {booker})"
    return booker


def notice_new_booking(appointment: AppointmentInfo, for_staff: bool) -> Reply:
    target = "contigo" if for_staff else f"con {fmt.first_name(appointment.staff_name)}"
    return Reply(
        text=(
            f"📅 Nueva cita {target}: {_for_whom(appointment)} – "
            f"{appointment.service}, {fmt.long_date(appointment.start.date())} {fmt.at_clock(appointment.start)}."
        ),
        purpose="notice",
    )


def notice_moved(appointment: AppointmentInfo, before: datetime, for_staff: bool) -> Reply:
    target = "contigo" if for_staff else f"con {fmt.first_name(appointment.staff_name)}"
    return Reply(
        text=(
            f"🔁 Cita cambiada {target}: {_who(appointment.customer_name, appointment.customer_phone)} – "
            f"{appointment.service}. Antes: {fmt.long_date(before.date())} {fmt.clock_time(before)}. "
            f"Ahora: {fmt.long_date(appointment.start.date())} {fmt.clock_time(appointment.start)}."
        ),
        purpose="notice",
    )


def notice_cancelled(appointment: AppointmentInfo, for_staff: bool) -> Reply:
    target = "contigo" if for_staff else f"con {fmt.first_name(appointment.staff_name)}"
    return Reply(
        text=(
            f"❌ Cita cancelada {target}: {_who(appointment.customer_name, appointment.customer_phone)} – "
            f"{appointment.service}, {fmt.long_date(appointment.start.date())} {fmt.at_clock(appointment.start)}."
        ),
        purpose="notice",
    )


def notice_question(name: str | None, phone: str | None, message: str) -> Reply:
    return Reply(
        text=f"❓ {_who(name, phone)} pregunta: «{message}». No supe responderle; ¿le escribes tú?",
        purpose="notice",
    )


def notice_handoff(name: str | None, phone: str | None, reason: str, last_message: str | None, context: str | None) -> Reply:
    who = _who(name, phone)
    lines = [f"🙋 {who} pidió hablar con una persona." if reason == "asked" else f"🙋 No logré entenderle a {who}."]
    if last_message:
        lines.append(f"Último mensaje: «{last_message}».")
    if context:
        lines.append(context)
    lines.append("No le contestaré hasta que me escribas «listo» (o en unas horas).")
    return Reply(text="\n".join(lines), purpose="notice")


def handoff_context_booking(service: str | None, when: str | None) -> str | None:
    parts = [part for part in (service, when) if part]
    return f"Estaba agendando: {', '.join(parts)}." if parts else None


# ---------------------------------------------------------------------------------------------
# Staff: agenda and blocks
# ---------------------------------------------------------------------------------------------


def agenda(
    heading: str,
    lines: Sequence[AgendaLine],
    appointments: int,
    closed: bool,
    show_staff: bool = False,
    whose: str | None = None,
) -> Reply:
    """A day's agenda: appointments, blocks and free gaps, in time order.

    `whose`: the person's name when it is someone else's agenda («Luis tiene 1 cita.»).
    """
    if closed and not lines:
        off = f"Ese día {fmt.first_name(whose)} no trabaja." if whose else "Ese día no trabajas. 🙌"
        return Reply(text=f"{heading}\n{off}")
    rendered = [agenda_line(line, show_staff) for line in lines]
    return Reply(text=f"{heading}\n" + "\n".join(rendered) + f"\n\n{appointment_count(appointments, show_staff, whose)}")


def agenda_line(line: AgendaLine, show_staff: bool = False) -> str:
    """One line of an agenda: "🗓️ 4:00 PM – Corte de cabello – Juan Pérez (Pedro)"."""
    if line.kind == "appointment":
        staff = f" ({fmt.first_name(line.staff)})" if show_staff and line.staff else ""
        return f"🗓️ {fmt.clock_time(line.start)} – {line.service} – {line.customer or 'Cliente'}{staff}"
    if line.kind == "block":
        reason = f" ({line.reason})" if line.reason else ""
        staff = f" – {fmt.first_name(line.staff)}" if show_staff and line.staff else ""
        return f"⛔ {fmt.time_range(line.start, line.end)} – Bloqueado{reason}{staff}"
    return f"🟢 {fmt.time_range(line.start, line.end)} – Libre"


def appointment_count(appointments: int, whole_business: bool = False, whose: str | None = None) -> str:
    """ "Tienes 3 citas." ("Hay 3 citas." for the whole business, "Luis tiene 3 citas." for someone else)."""
    count = "No tienes citas." if appointments == 0 else "Tienes 1 cita." if appointments == 1 else f"Tienes {appointments} citas."
    if whole_business:
        count = count.replace("Tienes", "Hay").replace("No tienes", "No hay")
    elif whose:
        name = fmt.first_name(whose)
        count = count.replace("No tienes", f"{name} no tiene").replace("Tienes", f"{name} tiene")
    return count


def agenda_heading(name: str, day: date, today: date, whole_business: bool = False) -> str:
    whose = "la agenda del negocio" if whole_business else "tu agenda"
    if day == today:
        return f"Hola {fmt.first_name(name)}, esta es {whose} de hoy {fmt.long_date(day)}:"
    if (day - today).days == 1:
        return f"Hola {fmt.first_name(name)}, esta es {whose} de mañana {fmt.long_date(day)}:"
    return f"Hola {fmt.first_name(name)}, esta es {whose} del {fmt.long_date(day)}:"


def not_allowed(owner: str | None) -> Reply:
    who = fmt.first_name(owner) or "quien administra el negocio"
    return Reply(text=f"Perdón, eso solo lo puede ver quien tiene permiso. Si lo necesitas, pídele a {who} que te lo dé. 🙏")


def ask_block_hours(day: date, today: date) -> Reply:
    return _offer(
        f"¿De qué hora a qué hora bloqueo {fmt.day_phrase(day, today)}? Por ejemplo: «de 2 a 4».",
        [Choice("allday", "Todo el día")],
    )


def block_in_past() -> Reply:
    return Reply(text="Esa hora ya pasó. Dime el día y la hora, por ejemplo: «bloquea mañana de 4 a 5».")


def confirm_block(block: BlockInfo, colliding: Sequence[AppointmentInfo], today: date) -> Reply:
    lines = [f"{fmt.clock_time(a.start)} – {a.service} – {a.customer_name or a.customer_phone}" for a in colliding]
    many = len(colliding) > 1
    text = (
        f"Ojo: {fmt.day_phrase(block.start.date(), today)} de {fmt.time_range(block.start, block.end)} "
        f"{'tienes estas citas' if many else 'tienes esta cita'}:\n{fmt.bullet_list(lines)}\n"
        f"Si bloqueo, {'se cancelan y les aviso a los clientes' if many else 'se cancela y le aviso al cliente'}. "
        "¿Bloqueo de todos modos?"
    )
    return _offer(text, [Choice("yes", "Sí, bloquear"), Choice("no", "No bloquear")])


def blocked(block: BlockInfo, today: date, all_day: bool, cancelled: int) -> Reply:
    when = fmt.day_phrase(block.start.date(), today)
    span = "todo el día" if all_day else f"de {fmt.time_range(block.start, block.end)}"
    reason = f" ({block.reason})" if block.reason else ""
    extra = ""
    if cancelled:
        extra = " Cancelé la cita y le avisé al cliente." if cancelled == 1 else f" Cancelé {cancelled} citas y les avisé."
    return Reply(text=f"Listo, bloqueé {when} {span}{reason} ✓{extra}")


def block_raced() -> Reply:
    return Reply(text="Justo entró una cita a esa hora, así que no bloqueé nada. Pídemelo otra vez para revisarla.")


def block_not_made() -> Reply:
    return Reply(text="Va, no bloqueé nada. Tu agenda sigue igual.")


def customer_told_cancelled_by_business(customer: str | None, staff: str, appointment: AppointmentInfo, business: str) -> Reply:
    who = f" {fmt.first_name(customer)}" if customer else ""
    return Reply(
        text=(
            f"Hola{who}, te escribimos de {business}. Una disculpa: {fmt.first_name(staff)} no podrá atenderte "
            f"el {fmt.long_date(appointment.start.date())} {fmt.at_clock(appointment.start)}, así que tu cita de "
            f"{appointment.service.lower()} quedó cancelada. Si quieres, dime qué día te acomoda y te busco otro horario."
        ),
        purpose="appointment_cancelled",
    ).or_template(cancellation_template(customer, business, appointment))


def notice_block_cancelled(staff: str, cancelled: Sequence[AppointmentInfo]) -> Reply:
    lines = [
        f"{fmt.long_date(a.start.date())} {fmt.clock_time(a.start)} – {a.service} – {a.customer_name or a.customer_phone}"
        for a in cancelled
    ]
    return Reply(
        text=f"⛔ {fmt.first_name(staff)} bloqueó su agenda y se cancelaron estas citas (ya les avisé):\n{fmt.bullet_list(lines)}",
        purpose="notice",
    )


def handed_back(customer: str, remaining: int) -> Reply:
    more = f" Sigues atendiendo {remaining} conversación{'es' if remaining != 1 else ''} más." if remaining else ""
    return Reply(text=f"Listo, vuelvo a atender a {customer}.{more}")


def staff_help() -> Reply:
    return Reply(
        text=(
            "Perdón, no te entendí. Puedo mostrarte tu agenda («¿qué tengo hoy?», «mi agenda del sábado»), "
            "bloquear tiempo («bloquea de 2 a 3 para mi comida»), registrar un walk-in («llegó alguien para corte»), "
            "marcar citas («el de las 11 no llegó», «ya terminé con el de las 12») o ayudarte con un cliente "
            "(«¿Juan ya había venido?», «dile a Roberto que lo esperamos», «cancela la cita de Juan»)."
        )
    )


# ---------------------------------------------------------------------------------------------
# The WhatsApp channel (added by the channel branch): telling the owner a message did not arrive.
# The outbox calls this once when a message that mattered (a confirmation, a cancellation, a
# reminder…) failed for good; outside the owner's 24-hour window the template below is sent.
# ---------------------------------------------------------------------------------------------

DELIVERY_PROBLEM_TEMPLATE = "delivery_problem"  # fixtures/templates/delivery_problem.json

_UNDELIVERED = {
    "confirmation": "la confirmación de su cita",
    "appointment_cancelled": "el aviso de que su cita se canceló",
    "cancellation": "el aviso de que su cita se canceló",
    "reminder": "el recordatorio de su cita",
}
_WHY_UNDELIVERED = {
    131026: "su número no recibe mensajes de WhatsApp de negocios",
    131047: "pasaron más de 24 horas desde su último mensaje",
    131049: "WhatsApp decidió no entregarlo por ahora",
    131050: "la persona dejó de recibir mensajes de este negocio",
    131051: "WhatsApp no acepta ese tipo de mensaje",
}


def delivery_problem_notice(
    to: str, purpose: str | None, name: str | None, phone: str | None, error_code: int | None
) -> OutboundMessage:
    """ "⚠️ No pude entregar la confirmación de su cita a Juan Pérez (55 9876 5432): …" for the owner."""
    what = _UNDELIVERED.get(purpose or "", "un mensaje importante")
    who = _who(name, phone) if (name or phone) else "un cliente"
    why = _WHY_UNDELIVERED.get(error_code or 0, "WhatsApp no lo entregó")
    reply = Reply(
        text=f"⚠️ No pude entregar {what} a {who}: {why}. Te sugiero contactarle directamente.",
        purpose="delivery_problem",
    )
    return reply.addressed(to).model_copy(
        update={"template": TemplateCall(name=DELIVERY_PROBLEM_TEMPLATE, body_params=[what, who, why])}
    )


# ---------------------------------------------------------------------------------------------
# Background jobs: reminders, morning agendas, review requests
# ---------------------------------------------------------------------------------------------

# The reminder's quick replies: ids carry the appointment ("confirm:<uuid>"), titles work typed back.
REMINDER_ANSWERS: tuple[tuple[str, str], ...] = (("confirm", "Confirmo"), ("cancel", "Cancelar"), ("move", "Cambiar"))
# Meta refuses empty template parameters: a greeting without a name still reads well.
NO_NAME = "👋"
TEMPLATE_AGENDA_ITEMS = 12


@dataclass(frozen=True)
class StaffGaps:
    """A staff member's free stretches of the day (local times)."""

    staff: str
    gaps: tuple[tuple[datetime, datetime], ...]


def reminder(customer: str | None, business: str, appointment: AppointmentInfo, today: date, address: str | None) -> Reply:
    """The appointment reminder, with Confirmo / Cancelar / Cambiar (also as the approved template)."""
    when = fmt.day_phrase(appointment.start.date(), today)
    at = fmt.clock_time(appointment.start)
    with_staff = f"{appointment.service} con {fmt.first_name(appointment.staff_name)}" if appointment.staff_name else appointment.service
    who = f" {fmt.first_name(customer)}" if customer else ""
    lines = [f"¡Hola{who}! 👋 Te recuerdo tu cita en {business}:", f"📅 {when}", f"⏰ {at}", f"💇 {with_staff}"]
    if address:
        lines.append(f"📍 {address}")
    lines.append("¿Nos confirmas que vienes?")
    ids = [f"{kind}:{appointment.id}" for kind, _ in REMINDER_ANSWERS]
    details = f"{with_staff} ({address})" if address else with_staff
    return Reply(
        text="\n".join(lines),
        buttons=tuple(Button(id=id_, title=title) for id_, (_, title) in zip(ids, REMINDER_ANSWERS)),
        purpose="reminder",
        template=TemplateCall(
            name="appointment_reminder",
            body_params=[fmt.first_name(customer) or NO_NAME, business, when, at, details],
            quick_replies=ids,
        ),
    )


def attendance_confirmed(customer: str | None, appointment: AppointmentInfo, today: date) -> Reply:
    who = f", {fmt.first_name(customer)}" if customer else ""
    return Reply(
        text=(
            f"¡Gracias{who}! Te esperamos {fmt.day_phrase(appointment.start.date(), today)} a las "
            f"{fmt.clock_time(appointment.start)} para tu {appointment.service.lower()}. 😊"
        )
    )


def reminded_appointment_gone() -> Reply:
    return Reply(text="Esa cita ya no está en la agenda. Si quieres, te ayudo a agendar otra. 🙂")


def morning_agenda(name: str, day: date, today: date, lines: Sequence[AgendaLine], appointments: int) -> Reply:
    """A staff member's day, sent in the morning: appointments, blocks and free gaps."""
    heading = f"¡Buenos días, {fmt.first_name(name)}! ☀️ Tu agenda de {fmt.day_phrase(day, today)}:"
    body = [agenda_line(line) for line in lines] or ["Hoy no tienes citas agendadas."]
    summary = [_template_item(line, show_staff=False) for line in lines if line.kind == "appointment"]
    return Reply(
        text=f"{heading}\n" + "\n".join(body) + (f"\n\n{appointment_count(appointments)}" if lines else ""),
        purpose="daily_agenda",
        template=_agenda_template(name, fmt.day_phrase(day, today), appointments, summary),
    )


def morning_agenda_for_owner(
    name: str,
    day: date,
    today: date,
    lines: Sequence[AgendaLine],
    appointments: int,
    gaps: Sequence[StaffGaps],
    needing_attention: Sequence[AgendaLine],
) -> Reply:
    """The whole business's day for the owner: every appointment, the count, free gaps, and what is still open."""
    heading = f"¡Buenos días, {fmt.first_name(name)}! ☀️ La agenda del negocio de {fmt.day_phrase(day, today)}:"
    parts = [heading + "\n" + "\n".join([agenda_line(line, show_staff=True) for line in lines] or ["Hoy no hay citas agendadas."])]
    if lines:
        parts.append(appointment_count(appointments, whole_business=True))
    free = [f"{fmt.first_name(item.staff)}: {fmt.join_words([fmt.time_range(s, e) for s, e in item.gaps])}" for item in gaps if item.gaps]
    if free:
        parts.append("Huecos libres:\n" + fmt.bullet_list(free))
    if needing_attention:
        pending = [
            f"{fmt.long_date(line.start.date())}, {fmt.clock_time(line.start)} – {line.service} – "
            f"{line.customer or 'Cliente'} ({fmt.first_name(line.staff)})"
            for line in needing_attention
        ]
        parts.append(
            "Estas citas ya pasaron y siguen abiertas:\n" + fmt.bullet_list(pending)
            + "\n¿Me dices cuáles se atendieron y cuáles no llegaron?"
        )
    summary = [_template_item(line, show_staff=True) for line in lines if line.kind == "appointment"]
    if needing_attention:
        summary.append(f"{len(needing_attention)} cita{'s' if len(needing_attention) != 1 else ''} pasada{'s' if len(needing_attention) != 1 else ''} sin cerrar")
    return Reply(
        text="\n\n".join(parts),
        purpose="daily_agenda",
        template=_agenda_template(name, f"{fmt.day_phrase(day, today)} (todo el negocio)", appointments, summary),
    )


def _template_item(line: AgendaLine, show_staff: bool) -> str:
    staff = f", con {fmt.first_name(line.staff)}" if show_staff and line.staff else ""
    return f"{fmt.clock_time(line.start)} {line.service} ({line.customer or 'Cliente'}{staff})"


def _agenda_template(name: str, when: str, appointments: int, items: list[str]) -> TemplateCall:
    """staff_daily_agenda: "Buenos días {{1}}, esta es tu agenda de {{2}}: {{3}}" on one line."""
    shown = items[:TEMPLATE_AGENDA_ITEMS]
    if len(items) > len(shown):
        shown.append(f"y {len(items) - len(shown)} más")
    count = "sin citas" if appointments == 0 else "1 cita" if appointments == 1 else f"{appointments} citas"
    listing = f"{count}: " + " · ".join(shown) if shown else count
    return TemplateCall(name="staff_daily_agenda", body_params=[fmt.first_name(name), when, listing])


def review_request(customer: str | None, business: str, link: str) -> Reply:
    """A short thank-you after a completed appointment, with the business's review link."""
    who = f", {fmt.first_name(customer)}" if customer else ""
    return Reply(
        text=f"¡Gracias por venir a {business}{who}! 💈 Si te gustó, ¿nos dejas una reseña? Nos ayuda muchísimo:\n{link}",
        purpose="review_request",
        template=TemplateCall(name="review_request", body_params=[fmt.first_name(customer) or NO_NAME, business, link]),
    )
