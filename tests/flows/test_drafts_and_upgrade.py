"""What a conversation keeps between messages is typed and versioned: chats in flight across an upgrade go on."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from flows.appointments.booking import BookingDraft
from flows.appointments.when import fill_when
from flows.appointments.which import Candidate, point_at
from flows.core.chat import Heard, capitalized
from flows.core.drafts import FlowData
from flows.customer.chat import CustomerChat
from flows.core.options import Option
from nlu.understanding import Intent, Slots
from store.database import Database
from store.models import Appointment, Conversation
from tests.flows.conversation import open_chat, texts
from tests.helpers import local

import datetime as dt


def test_a_draft_round_trips_through_the_stored_json_as_its_own_class() -> None:
    data = FlowData(draft=BookingDraft(day=dt.date(2026, 3, 13), time=dt.time(16), guest="mi hijo"))
    restored = FlowData.restore(data.stored(), CustomerChat.migrate_v1)
    assert isinstance(restored.draft, BookingDraft)
    assert (restored.draft.day, restored.draft.time, restored.draft.guest) == (dt.date(2026, 3, 13), dt.time(16), "mi hijo")


def test_a_version_1_booking_dict_becomes_a_booking_draft_with_its_question() -> None:
    service = uuid.uuid4()
    v1 = {
        "mode": "book",
        "service_id": str(service),
        "date": "2026-03-13",
        "question": {"text": "¿Me confirmas tu nombre para la cita?"},
        "expecting": "name",
        "offered": [],
        "misunderstood": 1,
    }
    restored = FlowData.restore(v1, CustomerChat.migrate_v1)
    assert isinstance(restored.draft, BookingDraft) and restored.draft.service_id == service
    assert restored.draft.day == dt.date(2026, 3, 13) and restored.expecting is not None
    assert restored.misunderstood == 1 and restored.question is not None


async def test_a_customer_booking_in_flight_before_the_upgrade_is_finished_after_it(db: Database) -> None:
    chat = await open_chat(db)
    await chat.says("juan", "un corte el viernes a las 4")  # the name is asked next... if we did not know it
    await chat.says("5215511112222", "quiero un corte el viernes")
    [conversation] = await chat.rows(Conversation, Conversation.wa_id == "5215511112222")
    service = conversation.flow_data["draft"]["service_id"]
    # What the previous version stored for the same moment: its state and an untyped dict.
    async with db.transaction() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation.id)
            .values(
                flow_state="choosing_slot",
                flow_data={"mode": "book", "service_id": service, "date": "2026-03-13", "expecting": "slot", "offered": []},
            )
        )
    out = await chat.says("5215511112222", "a las 5")
    assert "Casi listo" in texts(out) and "5:00 PM" in texts(out)  # the booking goes on: only the name is missing
    out = await chat.says("5215511112222", "Daniel Ortiz")
    assert "¡Listo, Daniel!" in texts(out)
    booked = await chat.rows(Appointment, Appointment.starts_at == local("2026-03-13T17:00"))
    assert len(booked) == 1


def _heard(**slots: object) -> Heard:
    return Heard(intent=Intent.INFORM, slots=Slots(**slots))


def test_every_message_fills_the_moment_and_a_new_day_forgets_the_old_time_unless_offered_at_it() -> None:
    draft = BookingDraft()
    assert fill_when(draft, _heard(date=dt.date(2026, 3, 13), time=dt.time(16)))
    assert fill_when(draft, _heard(date=dt.date(2026, 3, 14))) and draft.time is None  # «mejor el sábado»: its times
    draft.time, draft.keep_time = dt.time(12), True  # the days were offered for 12:00
    assert fill_when(draft, _heard(date=dt.date(2026, 3, 17))) and draft.time == dt.time(12)
    assert fill_when(draft, _heard(part_of_day="afternoon")) and draft.time is None
    assert fill_when(draft, _heard(asap=True)) and draft.asap
    tapped = Heard(intent=Intent.INFORM, option=Option(id="slot:2026-03-18T10:30", title="10:30 AM"))
    assert fill_when(draft, tapped) and (draft.day, draft.time) == (dt.date(2026, 3, 18), dt.time(10, 30))
    assert not fill_when(draft, _heard())


def test_the_day_or_time_said_points_at_an_appointment_only_when_one_matches() -> None:
    friday = Candidate("a", local("2026-03-13T16:00"))
    saturday = Candidate("b", local("2026-03-14T10:00"))
    assert point_at([friday, saturday], day=dt.date(2026, 3, 14), clock=None).chosen == "b"
    assert point_at([friday, saturday], day=dt.date(2026, 3, 20), clock=None).chosen is None  # a new day
    assert point_at([friday], day=None, clock=None).chosen == "a"  # the only one
    both_on_saturday = [saturday, Candidate("c", local("2026-03-14T11:00"))]
    narrowed = point_at([friday, *both_on_saturday], day=dt.date(2026, 3, 14), clock=None)
    assert narrowed.chosen is None and set(narrowed.narrowed) == {"b", "c"}


def test_names_are_kept_as_written_but_capitalised() -> None:
    assert capitalized("kevin") == "Kevin"
    assert capitalized("doña chela") == "Doña Chela"
    assert capitalized("maría de la cruz") == "María de la Cruz"
    assert capitalized("  Sra.  Ruiz ") == "Sra. Ruiz"


async def test_a_typed_number_with_times_listed_is_a_time_and_with_other_options_is_the_option(db: Database) -> None:
    chat = await open_chat(db)
    out = await chat.says("juan", "un corte el viernes en la tarde")
    assert [row.title for row in out[0].rows][-1] == "6:00 PM"
    out = await chat.says("juan", "6")  # WhatsApp lists carry no numbers: «6» is 6:00 PM, not a sixth row
    assert "6:00 PM" in texts(out) and "¡Listo, Juan!" in texts(out)
    [appointment] = await chat.rows(Appointment)
    assert appointment.starts_at == local("2026-03-13T18:00")
    out = await chat.says("juan", "quiero cancelar mi cita")
    assert "¿Cancelo tu cita" in texts(out) and [b.title for b in out[0].buttons][0] == "Sí, cancelar"
    out = await chat.says("juan", "1")  # with Sí/No buttons, a typed «1» is the first button
    assert "cancelé tu cita" in texts(out)
