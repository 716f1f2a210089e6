"""The week agenda page: `GET /{organization}/agenda?t=<token>[&semana=YYYY-MM-DD]`, and one action.

A staff member asks Yume «ver mi semana» and gets a link (`store/agenda_links.py`): the page
shows the week in the business's timezone, a column per person they may see — everyone with
`view_business_schedule` (owners always), else only their own — read through the same store
functions as the admin API (`store/agenda_queries.py`). Nothing else is reachable with the link:
another business's page, an appointment outside what the holder sees, or an expired or revoked
link get a Spanish page with 403 (404 for an appointment that is not theirs to see).

The one action: an appointment that has started can be marked completed or a no-show, by the
person who has it or an owner, with the link's CSRF token, through `scheduler/booking.py`.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.pages import texts
from bot.pages.html import message_page, page
from bot.pages.week import Listed, STATUS_LABELS, build_week, week_of
from bot.state import CLOCK, DATABASE
from flows.core import formatting as fmt
from scheduler import booking
from scheduler.calendar import Business, load_business, staff_hours
from scheduler.errors import InvalidTransition, NotFound, SchedulingError
from store.agenda_links import Holder, LinkRefused, Refusal, agenda_link_holder, agenda_path
from store.agenda_queries import (
    appointments_starting,
    blocks_overlapping,
    rows_by_id,
    staff_members,
    staff_who_perform_services,
)
from store.models import Appointment, AppointmentStatus, Customer, Permission, ServiceType, Staff
from store.phones import display_phone

_ORGANIZATION = r"{organization:[0-9a-fA-F-]{32,36}}"
WEEK_ROUTE = f"/{_ORGANIZATION}/agenda"
APPOINTMENT_ROUTE = f"/{_ORGANIZATION}/agenda/citas/{{appointment}}"
SHOWN_STATUSES = (
    AppointmentStatus.pending,
    AppointmentStatus.confirmed,
    AppointmentStatus.completed,
    AppointmentStatus.no_show,
)
ACTIONS = {"completada": AppointmentStatus.completed, "no_llego": AppointmentStatus.no_show}
# No scripts at all; inline styles only place the boxes on the grid.
AGENDA_HEADERS = {
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
}
_REFUSALS = {
    Refusal.unknown: texts.AGENDA_UNKNOWN,
    Refusal.expired: texts.AGENDA_EXPIRED,
    Refusal.revoked: texts.AGENDA_REVOKED,
    Refusal.not_in_team: texts.AGENDA_NOT_IN_TEAM,
}


class PageRefused(Exception):
    """Answer with this Spanish message page instead."""

    def __init__(self, status: int, text: texts.PageText) -> None:
        super().__init__(text.title)
        self.status = status
        self.text = text


@dataclass(frozen=True)
class Visit:
    """One request to the page: whose link, for which business, at what moment."""

    holder: Holder
    business: Business
    token: str
    now: datetime

    @property
    def staff(self) -> Staff:
        return self.holder.staff

    @property
    def sees_everyone(self) -> bool:
        return self.staff.may(Permission.view_business_schedule)

    def may_see(self, appointment: Appointment) -> bool:
        return self.sees_everyone or appointment.staff_id == self.staff.id

    def may_mark(self, appointment: Appointment) -> bool:
        """Whose appointment it is, or an owner's word; only once it has started and while it is open."""
        mine = self.staff.is_owner or appointment.staff_id == self.staff.id
        return mine and appointment.is_active and appointment.starts_at <= self.now

    def week_url(self, monday: date, anchor: str | None = None) -> str:
        query = urlencode({"t": self.token, "semana": monday.isoformat()})
        return f"{agenda_path(self.business.id)}?{query}" + (f"#{anchor}" if anchor else "")

    def appointment_url(self, appointment_id: uuid.UUID, **extra: str) -> str:
        return f"{agenda_path(self.business.id)}/citas/{appointment_id}?{urlencode({'t': self.token, **extra})}"


Handler = Callable[[web.Request, AsyncSession, Visit], Awaitable[web.Response]]


def _visit(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Open the request's link (or answer with the Spanish page saying why not), then handle it."""

    async def wrapped(request: web.Request) -> web.Response:
        try:
            organization_id = uuid.UUID(request.match_info["organization"])
        except ValueError:
            return _refused(PageRefused(404, texts.AGENDA_UNKNOWN))
        token = request.query.get("t", "")
        now = request.app[CLOCK].now()
        try:
            async with request.app[DATABASE].transaction() as session:
                if not token:
                    raise PageRefused(403, texts.AGENDA_NO_TOKEN)
                try:
                    holder = await agenda_link_holder(session, organization_id, token, now)
                except LinkRefused as refused:
                    raise PageRefused(403, _REFUSALS[refused.reason]) from refused
                business = await load_business(session, organization_id)
                return await handler(request, session, Visit(holder, business, token, now))
        except PageRefused as refused:
            return _refused(refused)

    return wrapped


@_visit
async def show_week(request: web.Request, session: AsyncSession, visit: Visit) -> web.Response:
    """The week grid."""
    tz = visit.business.tz
    today = visit.now.astimezone(tz).date()
    monday = week_of(_asked_day(request.query.get("semana")) or today)
    people = await staff_members(session, visit.business.id) if visit.sees_everyone else [visit.staff]
    start, end = visit.business.local_day_bounds(monday, monday + timedelta(days=6))
    appointments = await appointments_starting(
        session, visit.business.id, start=start, end=end, staff_ids=[m.id for m in people], statuses=SHOWN_STATUSES
    )
    # A column for whoever can be booked or has something booked (not for an owner who only runs the place).
    booked = {appointment.staff_id for appointment in appointments}
    performers = await staff_who_perform_services(session, people) if visit.sees_everyone else {visit.staff.id}
    columns = [member for member in people if member.id in performers or member.id in booked]
    ids = [member.id for member in columns]
    blocks = await blocks_overlapping(session, visit.business.id, staff_ids=ids, start=start, end=end)
    week = build_week(
        monday=monday,
        tz=tz,
        now=visit.now,
        columns=columns,
        business_hours=visit.business.hours,
        staff_hours=await staff_hours(session, ids),
        appointments=await _listed(session, visit, appointments),
        blocks=blocks,
        special=visit.business.special,
    )
    return page(
        "agenda.html",
        headers=AGENDA_HEADERS,
        title=f"Agenda · {visit.business.organization.name}",
        business=visit.business.organization.name,
        week=week,
        visit=visit,
        whole_business=visit.sees_everyone,
        this_week=week_of(today),
        expires=_when(visit, visit.holder.link.expires_at),
        statuses=STATUS_LABELS,
    )


@_visit
async def show_appointment(request: web.Request, session: AsyncSession, visit: Visit) -> web.Response:
    """One appointment in full, with «Marcar completada» / «No llegó» when it can be marked."""
    appointment = await _visible_appointment(session, visit, request.match_info["appointment"])
    [listed] = await _listed(session, visit, [appointment])
    customer = await session.get(Customer, appointment.customer_id)
    staff = await session.get(Staff, appointment.staff_id)
    tz = visit.business.tz
    local_start = appointment.starts_at.astimezone(tz)
    done = request.query.get("listo")
    return page(
        "appointment.html",
        headers=AGENDA_HEADERS,
        title=f"Cita de {listed.customer}",
        business=visit.business.organization.name,
        listed=listed,
        appointment=appointment,
        phone=display_phone(customer.phone) if customer and customer.phone else None,
        staff_name=staff.name if staff else "",
        day=fmt.long_date(local_start.date()),
        time=fmt.time_range(local_start, appointment.ends_at.astimezone(tz)),
        price=fmt.money(appointment.price_cents),
        status_label=STATUS_LABELS.get(appointment.status, appointment.status),
        may_mark=visit.may_mark(appointment),
        not_started=appointment.is_active and appointment.starts_at > visit.now,
        done=STATUS_LABELS.get(ACTIONS[done]) if done in ACTIONS else None,
        csrf=visit.holder.link.csrf_token,
        action_url=visit.appointment_url(appointment.id),
        back_url=visit.week_url(week_of(local_start.date()), f"d-{local_start.date().isoformat()}"),
    )


@_visit
async def mark_appointment(request: web.Request, session: AsyncSession, visit: Visit) -> web.Response:
    """Mark an appointment completed or a no-show, then show it again (POST, redirect, GET)."""
    form = await request.post()
    csrf, action = str(form.get("csrf", "")), str(form.get("accion", ""))
    if not _same_origin(request) or not hmac.compare_digest(csrf.encode(), visit.holder.link.csrf_token.encode()):
        raise PageRefused(403, texts.AGENDA_BAD_FORM)
    if action not in ACTIONS:
        raise PageRefused(400, texts.AGENDA_BAD_FORM)
    appointment = await _visible_appointment(session, visit, request.match_info["appointment"])
    if not appointment.is_active:
        raise PageRefused(409, texts.AGENDA_ALREADY_MARKED)
    if not visit.may_mark(appointment):
        raise PageRefused(403, texts.AGENDA_NOT_YOURS)
    mark = booking.complete if ACTIONS[action] == AppointmentStatus.completed else booking.mark_no_show
    try:
        await mark(session, organization_id=visit.business.id, appointment_id=appointment.id, now=visit.now)
    except InvalidTransition as error:
        raise PageRefused(409, texts.AGENDA_ALREADY_MARKED) from error
    except SchedulingError as error:
        raise PageRefused(409, texts.AGENDA_BAD_FORM) from error
    # Returned, not raised: raising inside the transaction would roll the change back.
    return web.Response(status=303, headers={"Location": visit.appointment_url(appointment.id, listo=action)})


async def _visible_appointment(session: AsyncSession, visit: Visit, raw_id: str) -> Appointment:
    try:
        appointment = await booking.load_appointment(session, visit.business.id, uuid.UUID(raw_id))
    except (ValueError, NotFound) as error:
        raise PageRefused(404, texts.AGENDA_NO_APPOINTMENT) from error
    if not visit.may_see(appointment) or appointment.status not in SHOWN_STATUSES:
        raise PageRefused(404, texts.AGENDA_NO_APPOINTMENT)
    return appointment


async def _listed(session: AsyncSession, visit: Visit, appointments: list[Appointment]) -> list[Listed]:
    customers = await rows_by_id(session, Customer, visit.business.id, [a.customer_id for a in appointments])
    services = await rows_by_id(session, ServiceType, visit.business.id, [a.service_id for a in appointments])
    listed = []
    for appointment in appointments:
        customer = customers.get(appointment.customer_id)
        service = services.get(appointment.service_id)
        booker = (customer.name if customer else None) or (
            display_phone(customer.phone) if customer and customer.phone else texts.NAMELESS_CUSTOMER
        )
        # «Un corte para mi hijo»: the one who comes is the guest; who booked shows on the appointment's page.
        listed.append(
            Listed(
                appointment=appointment,
                customer=appointment.guest_name or booker,
                service=service.name if service else "",
                booked_by=booker if appointment.guest_name else None,
            )
        )
    return listed


def _asked_day(raw: str | None) -> date | None:
    """The `semana` parameter as a day (any day of the wanted week); None when absent or unreadable."""
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        return None
    return day if date(2000, 1, 3) <= day <= date(2099, 12, 28) else None


def _when(visit: Visit, moment: datetime) -> str:
    local = moment.astimezone(visit.business.tz)
    today = visit.now.astimezone(visit.business.tz).date()
    return f"{fmt.day_phrase(local.date(), today)} a las {fmt.clock_time(local)}"


def _same_origin(request: web.Request) -> bool:
    """A form posted from another site is refused (the CSRF token is the real guard; this is a second one)."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":  # not a browser, or one that hides where it comes from
        return True
    return urlsplit(origin).netloc == request.host


def _refused(refused: PageRefused) -> web.Response:
    text = refused.text
    return message_page(refused.status, text.title, text.text, hint=text.hint)


def add_agenda_routes(app: web.Application) -> None:
    """The week page, an appointment's page and its one action."""

    async def without_slash(request: web.Request) -> web.Response:
        query = f"?{request.query_string}" if request.query_string else ""
        raise web.HTTPMovedPermanently(request.path.rstrip("/") + query)

    app.router.add_get(WEEK_ROUTE, show_week, name="agenda_week")
    app.router.add_get(WEEK_ROUTE + "/", without_slash)
    app.router.add_get(APPOINTMENT_ROUTE, show_appointment, name="agenda_appointment")
    app.router.add_post(APPOINTMENT_ROUTE, mark_appointment)
