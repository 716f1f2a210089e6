"""The week page's links and its one action, below the browser: who may open what, and what a form may change.

The browser tests (tests/browser/test_agenda_page.py) show what people see; these pin the rules
on SQLite and PostgreSQL: a link opens one business, for one person, for 12 hours, until revoked;
a mark needs the link's CSRF token, a started appointment, and the person who has it or an owner.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.api.auth import hash_token, new_token
from bot.app import create_app
from bot.settings import Settings
from flows.core.week_page import week_page_link
from scheduler.clock import FrozenClock
from store.agenda_links import LinkRefused, Refusal, agenda_link_holder, issue_agenda_link, revoke_agenda_links
from store.business_file import AppointmentSpec, LoadedBusiness, add_appointments, load_business
from store.database import Database
from store.models import ApiToken, Appointment, AppointmentStatus, Staff
from tests.bot.api import Api
from tests.helpers import business_spec, local, seed

EL_CENTRO = Path(__file__).resolve().parents[2] / "fixtures" / "businesses" / "barberia_el_centro.yaml"
NOW = local("2026-03-13T12:00")  # Friday noon, Mexico City


@dataclass
class Salon:
    loaded: LoadedBusiness
    clock: FrozenClock
    client: TestClient
    appointments: dict[str, uuid.UUID]  # "pedro today", "luis today", "pedro tomorrow"

    def staff(self, handle: str) -> uuid.UUID:
        return self.loaded.staff[handle]

    async def link(self, db: Database, handle: str) -> str:
        """A fresh link of `handle`, as the path and query Yume sends (without the host)."""
        async with db.transaction() as session:
            staff = await session.get(Staff, self.staff(handle))
            link = await week_page_link(session, staff, self.clock.now(), "https://citas.example.mx")
        return link.url.removeprefix("https://citas.example.mx").removesuffix("#hoy")

    async def form(self, page: str) -> tuple[str, dict[str, str]]:
        """The action URL and hidden fields of the first form on an appointment's page."""
        html = await (await self.client.get(page)).text()
        action = re.search(r'<form method="post" action="([^"]+)"', html)
        csrf = re.search(r'name="csrf" value="([^"]+)"', html)
        assert action and csrf, html
        return action.group(1).replace("&amp;", "&"), {"csrf": csrf.group(1)}


@pytest.fixture
async def salon(db: Database, aiohttp_client: Any) -> Salon:
    spec = business_spec(EL_CENTRO)
    async with db.transaction() as session:
        loaded = await load_business(session, spec)
        made = await add_appointments(
            session,
            spec,
            loaded,
            [
                AppointmentSpec(customer="juan", service="Corte de cabello", staff="pedro", start=datetime(2026, 3, 13, 10)),
                AppointmentSpec(customer="ana", service="Arreglo de barba", staff="luis", start=datetime(2026, 3, 13, 11)),
                AppointmentSpec(customer="juan", service="Corte de cabello", staff="pedro", start=datetime(2026, 3, 14, 11)),
            ],
        )
    clock = FrozenClock(NOW)
    client = await aiohttp_client(create_app(Settings(jobs_interval_seconds=0), database=db, clock=clock))
    names = ("pedro today", "luis today", "pedro tomorrow")
    return Salon(loaded, clock, client, {name: row.id for name, row in zip(names, made, strict=True)})


async def _status(db: Database, appointment_id: uuid.UUID) -> str:
    async with db.transaction() as session:
        return (await session.get(Appointment, appointment_id)).status


def _appointment_page(salon: Salon, link: str, which: str) -> str:
    path, query = link.split("?")
    return f"{path}/citas/{salon.appointments[which]}?{query}"


async def test_a_link_opens_one_business_for_one_person_for_twelve_hours_until_revoked(db: Database, salon: Salon) -> None:
    organization = salon.loaded.organization_id
    other = await seed(db, EL_CENTRO, name="Otra barbería")
    async with db.transaction() as session:
        pedro = await session.get(Staff, salon.staff("pedro"))
        issued = await issue_agenda_link(session, pedro, NOW)
        assert issued.expires_at == NOW + timedelta(hours=12)
        holder = await agenda_link_holder(session, organization, issued.token, NOW + timedelta(hours=11))
        assert holder.staff.id == pedro.id

        async def refusal(org: uuid.UUID, token: str | None, at: datetime) -> Refusal:
            with pytest.raises(LinkRefused) as refused:
                await agenda_link_holder(session, org, token, at)
            return refused.value.reason

        assert await refusal(other.organization_id, issued.token, NOW) == Refusal.unknown
        assert await refusal(organization, issued.token + "x", NOW) == Refusal.unknown
        assert await refusal(organization, "", NOW) == Refusal.unknown
        assert await refusal(organization, "x" * 500, NOW) == Refusal.unknown
        assert await refusal(organization, issued.token, NOW + timedelta(hours=12)) == Refusal.expired

        second = await issue_agenda_link(session, pedro, NOW)
        assert await revoke_agenda_links(session, pedro.id, NOW) == 2
        assert await refusal(organization, second.token, NOW) == Refusal.revoked

        third = await issue_agenda_link(session, pedro, NOW)
        pedro.active = False
        assert await refusal(organization, third.token, NOW) == Refusal.not_in_team


async def test_marking_needs_the_links_csrf_token_and_a_form_from_this_site(db: Database, salon: Salon) -> None:
    pedro = await salon.link(db, "pedro")
    action, fields = await salon.form(_appointment_page(salon, pedro, "pedro today"))
    refused = [
        await salon.client.post(action, data={"accion": "completada"}),
        await salon.client.post(action, data={"accion": "completada", "csrf": fields["csrf"] + "x"}),
        await salon.client.post(
            action, data={"accion": "completada", **fields}, headers={"Origin": "https://evil.example"}
        ),
    ]
    assert [response.status for response in refused] == [403, 403, 403]
    assert "No pudimos guardar el cambio" in await refused[0].text()
    assert await _status(db, salon.appointments["pedro today"]) == AppointmentStatus.confirmed
    assert (await salon.client.post(action, data={"accion": "cobrar", **fields})).status == 400

    done = await salon.client.post(action, data={"accion": "no_llego", **fields}, allow_redirects=False)
    assert done.status == 303 and "listo=no_llego" in done.headers["Location"]
    assert await _status(db, salon.appointments["pedro today"]) == AppointmentStatus.no_show
    again = await salon.client.post(action, data={"accion": "completada", **fields})
    assert again.status == 409 and "ya estaba marcada" in await again.text()


async def test_only_the_person_who_has_it_or_an_owner_marks_an_appointment_and_only_once_it_started(
    db: Database, salon: Salon
) -> None:
    luis = await salon.link(db, "luis")  # sees everyone (view_business_schedule)
    page = await salon.client.get(_appointment_page(salon, luis, "pedro today"))
    assert page.status == 200 and "Marcar completada" not in await page.text()
    action = _appointment_page(salon, luis, "pedro today")
    csrf = (await salon.form(_appointment_page(salon, luis, "luis today")))[1]
    assert (await salon.client.post(action, data={"accion": "completada", **csrf})).status == 403
    assert await _status(db, salon.appointments["pedro today"]) == AppointmentStatus.confirmed

    rosa = await salon.link(db, "rosa")  # the owner
    action, fields = await salon.form(_appointment_page(salon, rosa, "pedro today"))
    assert (await salon.client.post(action, data={"accion": "completada", **fields}, allow_redirects=False)).status == 303
    assert await _status(db, salon.appointments["pedro today"]) == AppointmentStatus.completed

    tomorrow = _appointment_page(salon, rosa, "pedro tomorrow")
    assert "Cuando empiece" in await (await salon.client.get(tomorrow)).text()
    assert (await salon.client.post(tomorrow, data={"accion": "completada", **fields})).status == 403
    assert await _status(db, salon.appointments["pedro tomorrow"]) == AppointmentStatus.confirmed


async def test_the_page_is_private_and_forgiving_about_the_address(db: Database, salon: Salon) -> None:
    pedro = await salon.link(db, "pedro")
    response = await salon.client.get(pedro)
    assert response.status == 200 and response.content_type == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none': no scripts
    assert "<script" not in await response.text()

    path, query = pedro.split("?")
    slash = await salon.client.get(f"{path}/?{query}", allow_redirects=False)
    assert slash.status == 301 and slash.headers["Location"] == pedro
    for bad_week in ("nunca", "1999-01-01", "2026-02-30"):
        page = await salon.client.get(f"{pedro}&semana={bad_week}")
        assert page.status == 200 and "semana del 9 al 15 de marzo de 2026" in await page.text(), bad_week
    assert (await salon.client.get(f"/not-a-business/agenda?{query}")).status == 404
    assert (await salon.client.get(f"/{uuid.uuid4()}/agenda?{query}")).status == 403
    missing = await salon.client.get(_appointment_page(salon, pedro, "pedro today").replace(
        str(salon.appointments["pedro today"]), str(uuid.uuid4())
    ))
    assert missing.status == 404 and "No encontramos esa cita" in await missing.text()


async def test_the_admin_api_revokes_a_persons_links_at_once(db: Database, salon: Salon) -> None:
    pedro = await salon.link(db, "pedro")
    org, staff = salon.loaded.organization_id, salon.staff("pedro")
    token = new_token()
    async with db.transaction() as session:
        session.add(ApiToken(organization_id=org, name="panel", token_hash=hash_token(token)))
    api = Api(salon.client)
    reply = await api.call("POST", f"/organizations/{org}/staff/{staff}/agenda-links/revoke", token=token)
    assert (reply.status, reply.json) == (200, {"revoked": 1})
    closed = await salon.client.get(pedro)
    assert closed.status == 403 and "Este enlace se desactivó" in await closed.text()


async def test_an_appointment_booked_for_someone_else_shows_who_comes_and_who_booked(db: Database, salon: Salon) -> None:
    async with db.transaction() as session:
        (await session.get(Appointment, salon.appointments["pedro tomorrow"])).guest_name = "Mateo"
    pedro = await salon.link(db, "pedro")
    week = await (await salon.client.get(pedro)).text()
    assert "<strong>Mateo</strong>" in week
    detail = await (await salon.client.get(_appointment_page(salon, pedro, "pedro tomorrow"))).text()
    assert "<h1>Mateo</h1>" in detail and "<dt>Agendó</dt><dd>Juan Pérez</dd>" in detail
