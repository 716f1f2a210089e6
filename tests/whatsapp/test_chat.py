"""`yume chat` drives the real pipeline from piped stdin: a newcomer books a haircut."""

from __future__ import annotations

import asyncio
import io
import re
import uuid

import pytest
from sqlalchemy import select

from bot.cli import main
from store.database import Database
from store.models import Appointment, Customer, InboxEvent, OutboxMessage


@pytest.fixture
def fresh_url(database_url: str, request: pytest.FixtureRequest) -> str:
    """An empty database (no tables): `yume chat` migrates and seeds it itself, as on a fresh clone."""
    if database_url.startswith("postgresql"):
        server = request.getfixturevalue("postgres_server")
        return asyncio.run(server.new_database_url(f"yume_chat_{uuid.uuid4().hex[:10]}"))
    return database_url


def _chat(monkeypatch, capsys, url: str, lines: list[str], *args: str) -> str:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["chat", "--now", "2027-01-13T10:00", *args]) == 0
    return capsys.readouterr().out


def test_a_customer_books_a_haircut_through_yume_chat_with_piped_stdin(monkeypatch, capsys, fresh_url: str) -> None:
    out = _chat(
        monkeypatch,
        capsys,
        fresh_url,
        ["Hola, quiero una cita para un corte de cabello", "mañana en la tarde", "#2", "Juan Pérez"],
    )
    assert "Chateas con Barbería Don Carlos como cliente" in out
    offered = out.split("tengo estos horarios", 1)[1]
    chosen = re.search(r"^ +#2 (\d{1,2}:\d{2} [AP]M)$", offered, re.M)
    assert chosen, "the list of times is shown as numbered options"
    confirmation = out.split("Tu cita quedó confirmada", 1)[1]
    assert "jueves 14 de enero" in confirmation and chosen.group(1) in confirmation, (
        "answering «#2» tapped the second time"
    )
    assert "Yume → Carlos Mendoza (dueño): 📅 Nueva cita" in out, "the owner's notice is shown too"

    async def stored() -> tuple[list, list, list, list]:
        database = Database(fresh_url)
        try:
            async with database.transaction() as session:
                customers = list(
                    (await session.execute(select(Customer).where(Customer.phone == "+525511112233"))).scalars()
                )
                appointments = list(
                    (
                        await session.execute(select(Appointment).where(Appointment.customer_id == customers[0].id))
                    ).scalars()
                )
                inbox = list((await session.execute(select(InboxEvent))).scalars())
                outbox = list((await session.execute(select(OutboxMessage))).scalars())
            return customers, appointments, inbox, outbox
        finally:
            await database.dispose()

    customers, appointments, inbox, outbox = asyncio.run(stored())
    assert [(c.name, c.wa_id) for c in customers] == [("Juan Pérez", "5215511112233")]
    assert len(appointments) == 1 and appointments[0].status == "confirmed"
    assert len(inbox) == 4 and all(row.processed_at for row in inbox), "every line went through the inbox"
    assert outbox and all(row.status == "sent" for row in outbox), "and every reply through the outbox"


def test_a_bare_number_is_typed_text_so_a_listed_time_wins_over_an_option_number(
    monkeypatch, capsys, fresh_url: str
) -> None:
    out = _chat(monkeypatch, capsys, fresh_url, ["corte mañana en la tarde", "6", "Juan Pérez"])
    offered = out.split("tengo estos horarios", 1)[1].split("Tú:", 1)[0]
    six = re.search(r"^ +#(\d) 6:00 PM$", offered, re.M)
    assert six and six.group(1) != "6", "6:00 PM is listed, and not as the sixth option"
    confirmation = out.split("quedó confirmada", 1)[1]
    assert "⏰ 6:00 PM" in confirmation, "«6» booked the listed 6:00 PM, as it would on WhatsApp"


def test_a_barber_chats_from_the_521_variant_of_their_number_and_is_recognised(
    monkeypatch, capsys, fresh_url: str
) -> None:
    out = _chat(monkeypatch, capsys, fresh_url, ["¿Qué tengo hoy?"], "--as", "staff")
    assert "como barbero (tu WhatsApp: +5215530304040)" in out  # Luis, "55 3030 4040" in the demo file
    assert "Arreglo de barba – Roberto García" in out, "Luis gets his own agenda, not the customer flow"


def test_adios_is_said_to_yume_and_only_salir_ends_the_chat(monkeypatch, capsys, fresh_url: str) -> None:
    out = _chat(monkeypatch, capsys, fresh_url, ["Hola", "adiós", "salir", "¿cuánto cuesta el corte?"])
    assert "Tú: adiós" in out and out.count("Tú: ") == 2, "«adiós» went to Yume; «salir» ended before the last line"
    assert out.rstrip().endswith("¡Hasta luego!")


def test_without_now_a_late_night_chat_starts_at_the_next_opening_and_says_so(
    monkeypatch, capsys, fresh_url: str
) -> None:
    from datetime import datetime, timezone

    import bot.commands.chat as chat_command

    late = datetime(2027, 1, 14, 5, 30, tzinfo=timezone.utc)  # Wednesday 23:30 in Mexico City
    monkeypatch.setattr(chat_command.SystemClock, "now", lambda self: late)
    monkeypatch.setenv("DATABASE_URL", fresh_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("Hola, quiero un corte para hoy\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "el chat empieza el jueves 14 de enero a las 10:00 AM, cuando abre" in out
    assert "Hoy jueves 14 de enero tengo estos horarios" in out, "«hoy» offers times: it is opening time"
