"""The week page as staff open it on their phone, from the link Yume sends them on WhatsApp."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import create_app
from bot.settings import Settings
from flows.devtools.fixture_file import load_fixture
from flows.devtools.replay import replay_fixture
from nlu.engine import build_understander
from scheduler.clock import FrozenClock
from store.database import Database
from store.models import Appointment, AppointmentStatus, Customer
from tests.browser.pages import assert_fits_a_phone

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "conversations" / "personal"
EL_CENTRO = FIXTURES / "semana_en_la_web.yaml"
TIJUANA = FIXTURES / "semana_en_tijuana_con_cambio_de_horario.yaml"
LINK = re.compile(r"https?://\S+/agenda\?t=[\w-]+")
SCREENSHOT = os.environ.get("YUME_SCREENSHOT")  # e.g. docs/agenda.png: the README's picture, refreshed

# Every appointment on the page: its day, its column, where it sits on the hour scale, what it says.
READ_GRID = """() => [...document.querySelectorAll("section.day")].flatMap(section => {
  const marks = [...section.querySelectorAll(".times .hour")];
  if (marks.length < 2) return [];
  const hour = text => { const [h, half] = text.trim().split(" "); return (+h % 12) + (half === "PM" ? 12 : 0); };
  const first = hour(marks[0].textContent);
  const hourPx = marks[1].getBoundingClientRect().top - marks[0].getBoundingClientRect().top;
  return [...section.querySelectorAll(".column")].flatMap(column => {
    const laneTop = column.querySelector(".lane").getBoundingClientRect().top;
    return [...column.querySelectorAll("a.appt")].map(box => ({
      day: section.id.slice(2),
      staff: column.dataset.staff,
      at: first + (box.getBoundingClientRect().top - laneTop) / hourPx,
      text: box.innerText.replace(/\\s+/g, " "),
      status: [...box.classList].find(name => name !== "appt" && name !== "overlap"),
      href: box.getAttribute("href"),
    }));
  });
})"""


def _clock(hours: float) -> str:
    minutes = round(hours * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


async def _links_from_chat(db: Database, path: Path) -> tuple[list[str], FrozenClock]:
    """Replay the WhatsApp fixture; the agenda links Yume sent, in order, and a clock at the fixture's now."""
    fixture = load_fixture(path)
    result = await replay_fixture(fixture, db, build_understander(api_key=None))
    assert result.passed, result.describe()
    links = LINK.findall("\n".join(result.transcript))
    tz = ZoneInfo(fixture.business_spec().timezone)
    return [urlsplit(link).path + "?" + urlsplit(link).query for link in links], FrozenClock(fixture.now.replace(tzinfo=tz))


async def _serve(aiohttp_server: Any, db: Database, clock: FrozenClock) -> str:
    app = create_app(Settings(jobs_interval_seconds=0), database=db, clock=clock)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


async def _follow(page: Any, locator: Any) -> None:
    """Tap a link or button and wait for the page it leads to."""
    async with page.expect_navigation():
        await locator.tap()


async def _grid(page: Any) -> list[dict[str, Any]]:
    return [{**box, "at": _clock(box["at"])} for box in await page.evaluate(READ_GRID)]


async def test_the_owners_link_opens_the_week_with_everyone_in_their_column_at_the_right_time(
    db, aiohttp_server, phone
) -> None:
    [rosa, *_], clock = await _links_from_chat(db, EL_CENTRO)
    base = await _serve(aiohttp_server, db, clock)
    response = await phone.goto(base + rosa)
    assert response.status == 200
    assert await phone.locator("h1").inner_text() == "Barbería El Centro"
    assert "La agenda de todo el equipo, semana del 9 al 15 de marzo de 2026" in await phone.locator("main").inner_text()
    columns = await phone.locator("#d-2026-03-13 .column h3").all_inner_texts()
    assert columns == ["Luis Gómez", "Pedro Ruiz"], "Rosa runs the place and performs no service: no column"
    grid = await _grid(phone)
    assert [(box["day"], box["staff"], box["at"], box["status"]) for box in grid] == [
        ("2026-03-12", "Luis Gómez", "11:00", "completed"),
        ("2026-03-13", "Luis Gómez", "10:30", "no_show"),
        ("2026-03-13", "Luis Gómez", "15:00", "pending"),
        ("2026-03-13", "Pedro Ruiz", "10:00", "confirmed"),
        ("2026-03-13", "Pedro Ruiz", "13:00", "confirmed"),
        ("2026-03-14", "Luis Gómez", "12:00", "confirmed"),
        ("2026-03-14", "Pedro Ruiz", "11:00", "pending"),
    ]
    saturday_pedro = grid[-1]["text"]
    assert saturday_pedro.startswith("Juan Pérez 11:00 AM · Corte y barba $220")
    assert "Por confirmar" in saturday_pedro
    assert "55 4444 3333" in grid[-2]["text"], "a customer without a name shows their phone"
    # Luis's lunch is shaded; Monday the business is closed; "now" is drawn on today only.
    assert await phone.locator("#d-2026-03-13 .column[data-staff='Luis Gómez'] .block").inner_text() == "comida"
    assert await phone.locator("#d-2026-03-09 .closed-day").inner_text() == "Cerrado"
    assert await phone.locator(".now").count() == 2 and await phone.locator("#d-2026-03-13 .now").count() == 2
    await assert_fits_a_phone(phone)
    if SCREENSHOT:  # as the link opens it: on today
        await phone.goto(base + rosa + "#hoy")
        await phone.screenshot(path=SCREENSHOT)

    # Next and previous weeks keep the link.
    await _follow(phone, phone.get_by_role("link", name="Semana siguiente →"))
    assert "semana del 16 al 22 de marzo de 2026" in await phone.locator("main").inner_text()
    assert await _grid(phone) == []
    await _follow(phone, phone.get_by_role("link", name="Esta semana"))
    assert len(await _grid(phone)) == 7


async def test_an_employee_without_permission_sees_only_their_own_column(db, aiohttp_server, phone) -> None:
    [_, pedro, luis, *_], clock = await _links_from_chat(db, EL_CENTRO)
    base = await _serve(aiohttp_server, db, clock)
    await phone.goto(base + pedro)
    assert "Tu agenda, Pedro Ruiz" in await phone.locator("main").inner_text()
    assert await phone.locator("#d-2026-03-14 .column h3").all_inner_texts() == ["Pedro Ruiz"]
    grid = await _grid(phone)
    assert {box["staff"] for box in grid} == {"Pedro Ruiz"} and len(grid) == 3
    page_text = await phone.locator("main").inner_text()
    assert [box["status"] for box in grid] == ["confirmed", "confirmed", "pending"], "not Luis's no-show"
    for luis_only in ("Luis", "Arreglo de barba", "comida"):
        assert luis_only not in page_text, luis_only

    # Luis's appointment, opened with Pedro's link, does not exist for Pedro.
    await phone.goto(base + luis)
    luis_box = next(box for box in await _grid(phone) if box["staff"] == "Luis Gómez")
    appointment_path = luis_box["href"].split("?")[0]
    response = await phone.goto(base + appointment_path + "?" + urlsplit(pedro).query)
    assert response.status == 404 and await phone.locator("h1").inner_text() == "No encontramos esa cita"


async def test_a_staff_member_marks_todays_appointment_completed_from_the_page(db, aiohttp_server, phone) -> None:
    [_, pedro, *_], clock = await _links_from_chat(db, EL_CENTRO)
    base = await _serve(aiohttp_server, db, clock)
    await phone.goto(base + pedro)
    await _follow(phone, phone.locator("#d-2026-03-13 a.appt").first)
    assert await phone.locator("h1").inner_text() == "Juan Pérez"
    await assert_fits_a_phone(phone)
    assert await phone.get_by_role("button", name="No llegó").is_visible()
    await _follow(phone, phone.get_by_role("button", name="Marcar completada"))
    assert await phone.locator("h1").inner_text() == "Juan Pérez", await phone.locator("main").inner_text()
    assert await phone.locator(".banner").inner_text() == "Listo: quedó como «Completada»."
    assert await phone.locator("dd.state").inner_text() == "Completada"
    assert await phone.get_by_role("button", name="Marcar completada").count() == 0
    async with db.transaction() as session:
        juan = (await session.execute(select(Customer).where(Customer.name == "Juan Pérez"))).scalar_one()
        today = (
            await session.execute(
                select(Appointment).where(
                    Appointment.customer_id == juan.id, Appointment.starts_at < clock.now() + timedelta(hours=1)
                )
            )
        ).scalar_one()
        assert today.status == AppointmentStatus.completed
    # Tomorrow's cannot be marked yet.
    await _follow(phone, phone.locator("text=← Volver a la semana"))
    await _follow(phone, phone.locator("#d-2026-03-14 a.appt").first)
    assert await phone.get_by_role("button", name="Marcar completada").count() == 0
    assert "Cuando empiece" in await phone.locator("main").inner_text()


async def test_across_tijuanas_clock_changes_appointments_stay_on_their_wall_clock_hour(
    db, aiohttp_server, phone
) -> None:
    [lupita], clock = await _links_from_chat(db, TIJUANA)
    base = await _serve(aiohttp_server, db, clock)
    await phone.goto(base + lupita)
    assert "semana del 8 al 14 de marzo de 2027" in await phone.locator("main").inner_text()
    spring = await _grid(phone)
    assert [(box["day"], box["staff"], box["at"]) for box in spring] == [
        ("2027-03-13", "Karla Soto", "10:00"),  # UTC−8
        ("2027-03-14", "Karla Soto", "10:00"),  # UTC−7: the clock sprang forward at 2:00
    ]
    assert [box["text"] for box in spring] == [
        "Paty Núñez 10:00 AM · Manicure $200 · Confirmada",
        "Mayra León 10:00 AM · Uñas acrílicas $450 · Confirmada",
    ]
    # The business's dated closure and short day are shaded like any closed time.
    assert await phone.locator("#d-2027-03-11 h2").inner_text() == "Jueves 11 de marzo · cerrado por día especial"
    assert await phone.locator("#d-2027-03-11 .closed-day").inner_text() == "Cerrado"
    assert "horario especial" in await phone.locator("#d-2027-03-10 h2").inner_text()
    karla_wednesday = phone.locator("#d-2027-03-10 .column[data-staff='Karla Soto'] .off")
    assert await karla_wednesday.count() == 1, "open 10 to 2 only: closed from 2 PM to the grid's end"
    await _follow(phone, phone.get_by_role("link", name="Semana siguiente →"))
    assert [(box["day"], box["staff"], box["at"]) for box in await _grid(phone)] == [
        ("2027-03-15", "Lupita Ramos", "10:00")
    ]

    await phone.goto(base + lupita + "&semana=2027-11-04")  # any day of the week
    assert "semana del 1 al 7 de noviembre de 2027" in await phone.locator("main").inner_text()
    autumn = await _grid(phone)
    assert [(box["day"], box["at"], "11:00 AM" in box["text"]) for box in autumn] == [
        ("2027-11-06", "11:00", True),  # UTC−7
        ("2027-11-07", "11:00", True),  # UTC−8: the clock fell back at 2:00
    ]
    await _follow(phone, phone.get_by_role("link", name="Semana siguiente →"))
    assert [(box["day"], box["staff"], box["at"]) for box in await _grid(phone)] == [
        ("2027-11-08", "Lupita Ramos", "11:00")
    ]


async def test_an_expired_or_another_businesss_link_gets_a_spanish_403(db, aiohttp_server, phone) -> None:
    [rosa, *_], clock = await _links_from_chat(db, EL_CENTRO)
    [lupita], _ = await _links_from_chat(db, TIJUANA)
    base = await _serve(aiohttp_server, db, clock)
    el_centro = rosa.split("/agenda")[0]
    foreign = el_centro + "/agenda?" + urlsplit(lupita).query
    response = await phone.goto(base + foreign)
    assert response.status == 403 and await phone.locator("h1").inner_text() == "Este enlace no es válido"
    assert "Uñas Lupita" not in await phone.content() and "Barbería El Centro" not in await phone.content()
    await assert_fits_a_phone(phone)

    response = await phone.goto(base + el_centro + "/agenda")
    assert response.status == 403 and await phone.locator("h1").inner_text() == "Este enlace está incompleto"

    clock.advance(timedelta(hours=12, minutes=1))
    response = await phone.goto(base + rosa)
    assert response.status == 403 and await phone.locator("h1").inner_text() == "Este enlace ya venció"
    assert "ver mi semana" in await phone.locator("main").inner_text()
    await assert_fits_a_phone(phone)
