"""Confirmations outside the 24-hour window reach the customer as the approved templates.

`appointment_confirmation` and `appointment_cancellation` (fixtures/templates/) ride along with
every booking, move and cancellation a customer is told about: the outbox sends the template when
the window is closed, or when Meta answers 131047 to the free-form message.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.whatsapp.client import CloudApiClient
from bot.whatsapp.templates import TemplateCatalog
from bot.whatsapp.transport import CloudTransport
from flows.core import replies
from flows.core.replies import AppointmentInfo
from scheduler.clock import FrozenClock
from tests.whatsapp.conftest import config_for
from tests.whatsapp.support import SECRET_KEY, connect_business, post_webhook, seed_business, text_message

WEDNESDAY = datetime(2026, 1, 14, 10, 0, tzinfo=ZoneInfo("America/Mexico_City"))
CUSTOMER = "5215598765432"


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def channel(db, make_channel, fake_graph, http):
    loaded = await seed_business(db)
    await connect_business(db, loaded.organization_id)
    clock = FrozenClock(WEDNESDAY)
    transport = CloudTransport(CloudApiClient(http, fake_graph.url), SECRET_KEY)
    client, channel = await make_channel(transport=transport, clock=clock, config=config_for(fake_graph.url))
    return client, channel, clock


async def _says(client, channel, clock, text: str, wa_id: str = CUSTOMER) -> None:
    payload = text_message(text, wa_id=wa_id, timestamp=int(clock.now().timestamp()))
    assert (await post_webhook(client, payload)).status == 200
    await channel.settle()


def _templates(fake_graph, name: str) -> list[dict]:
    return [m for m in fake_graph.messages() if m.get("type") == "template" and m["template"]["name"] == name]


def test_every_confirmation_template_matches_its_approved_definition() -> None:
    catalog = TemplateCatalog.load()
    info = AppointmentInfo(
        id="1", service="Corte de cabello", price_cents=15000, start=WEDNESDAY, end=WEDNESDAY, staff_name="Pedro Ruiz"
    )
    for reply in (
        replies.booked("Juan Pérez", info, business="Barbería Don Carlos"),
        replies.moved(info, WEDNESDAY.date(), business="Barbería Don Carlos", name="Juan Pérez"),
        replies.cancelled(info, WEDNESDAY.date(), business="Barbería Don Carlos", name=None),
        replies.customer_told_cancelled_by_business("Juan", "Pedro", info, "Barbería Don Carlos"),
    ):
        assert reply.template is not None and catalog.problem_with(reply.template) is None, reply.template
    booked = replies.booked("Juan Pérez", info, business="Barbería Don Carlos")
    assert booked.template.body_params == [
        "Juan", "Barbería Don Carlos", "miércoles 14 de enero", "10:00 AM", "Corte de cabello ($150)"
    ]


async def test_a_booking_confirmation_meta_refuses_with_131047_arrives_as_the_approved_template(
    db, channel, fake_graph
) -> None:
    client, channel, clock = channel
    for text in ("Hola, quiero una cita para un corte de cabello", "mañana en la tarde", "a las 5"):
        await _says(client, channel, clock, text)
    # Meta's view of the window differs from ours (a coexistence number): free-form is refused.
    fake_graph.fail(131047, to=CUSTOMER, message_type="text", times=None)
    await _says(client, channel, clock, "Juan Pérez")
    [confirmation] = _templates(fake_graph, "appointment_confirmation")
    assert confirmation["to"] == CUSTOMER
    parameters = [p["text"] for p in confirmation["template"]["components"][0]["parameters"]]
    assert parameters == ["Juan", "Barbería Don Carlos", "jueves 15 de enero", "5:00 PM", "Corte de cabello ($150)"]
    texts = " ".join(str(m) for m in fake_graph.messages())
    assert "No pude entregar" not in texts and _templates(fake_graph, "delivery_problem") == [], "nothing failed"


async def test_a_customer_the_staff_books_for_outside_the_window_gets_the_template_up_front(
    db, channel, fake_graph
) -> None:
    client, channel, clock = channel
    await _says(client, channel, clock, "Agenda a Miguel Sánchez mañana a las 4 para corte", wa_id="5215520203030")
    [confirmation] = _templates(fake_graph, "appointment_confirmation")
    parameters = [p["text"] for p in confirmation["template"]["components"][0]["parameters"]]
    assert parameters[:4] == ["Miguel", "Barbería Don Carlos", "jueves 15 de enero", "4:00 PM"]
    refused = [r for r in fake_graph.requests if r.edge == "messages" and not r.accepted and r.body.get("status") != "read"]
    assert refused == [], "no free-form attempt outside the window"
