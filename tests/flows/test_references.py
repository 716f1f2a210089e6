"""Which appointment or customer a staff member means: "el de las 11", "Juan no vino", "dile a Roberto"."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flows.core.references import appointments_meant, names_match
from flows.core.replies import AppointmentInfo
from store.database import Database
from store.models import Appointment, AppointmentStatus, Conversation
from tests.flows.conversation import BARBERIA, open_chat, texts
from tests.helpers import MEXICO_CITY


def _at(hour: int, minute: int = 0, customer: str = "Juan Pérez", service: str = "Corte de cabello") -> AppointmentInfo:
    start = datetime(2026, 3, 13, hour, minute, tzinfo=MEXICO_CITY)
    return AppointmentInfo(
        id=f"{hour}:{minute}:{customer}",
        service=service,
        price_cents=15_000,
        start=start,
        end=start + timedelta(minutes=45),
        staff_name="Pedro Ruiz",
        customer_name=customer,
    )


def test_a_name_matches_when_every_word_said_is_in_it_ignoring_case_and_accents() -> None:
    assert names_match("roberto", "Roberto García")
    assert names_match("Roberto Garcia", "Roberto García")
    assert names_match("garcía", "Roberto García")
    assert not names_match("Rob", "Roberto García")
    assert not names_match("Roberto Díaz", "Roberto García")
    assert not names_match("", "Roberto García")


def test_nothing_said_means_the_appointment_that_started_last() -> None:
    ten, eleven = _at(10), _at(11, customer="Ana")
    assert appointments_meant([eleven, ten]) == [eleven]
    assert appointments_meant([]) == []


def test_a_time_means_the_appointment_starting_then() -> None:
    ten, eleven = _at(10), _at(11, customer="Ana")
    assert appointments_meant([ten, eleven], at=time(11)) == [eleven]
    assert appointments_meant([ten, eleven], at=time(12)) == []


def test_an_on_the_hour_time_also_means_one_starting_later_in_that_hour() -> None:
    quarter_past = _at(11, 15)
    assert appointments_meant([quarter_past], at=time(11)) == [quarter_past]
    assert appointments_meant([quarter_past], at=time(11, 30)) == []


def test_two_at_the_same_time_both_match_and_a_name_or_service_tells_them_apart() -> None:
    juan, ana = _at(11), _at(11, customer="Ana López", service="Arreglo de barba")
    assert appointments_meant([juan, ana], at=time(11)) == [juan, ana]
    assert appointments_meant([juan, ana], at=time(11), name="ana") == [ana]
    assert appointments_meant([juan, ana], at=time(11), service="Corte de cabello") == [juan]


def _business_with_two_at_eleven() -> dict[str, object]:
    business = dict(BARBERIA)
    business["people"] = {
        **BARBERIA["people"],  # type: ignore[dict-item]
        "luis": {"name": "Luis Gómez", "phone": "55 4040 5050", "role": "staff"},
        "ana": {"name": "Ana López", "phone": "55 4444 3333", "role": "customer"},
    }
    business["appointments"] = [
        {"customer": "juan", "service": "Corte de cabello", "staff": "pedro", "start": "2026-03-10T10:00"},
        {"customer": "ana", "service": "Arreglo de barba", "staff": "luis", "start": "2026-03-10T10:00"},
        {"customer": "juan", "service": "Arreglo de barba", "staff": "pedro", "start": "2026-03-10T12:00"},
    ]
    return business


async def test_the_owner_is_asked_which_of_two_while_an_employee_only_sees_their_own(db: Database) -> None:
    chat = await open_chat(db, business=_business_with_two_at_eleven())
    out = await chat.says("rosa", "el de las 10 no llegó")
    assert "¿Te refieres a la cita de Juan Pérez a las 10:00 AM (Corte de cabello, Pedro) o a la de Ana López" in texts(
        out
    )
    assert [button.id.split(":")[0] for button in out[0].buttons] == ["appt", "appt"]
    out = await chat.says("pedro", "el de las 10 no llegó")
    assert "¿Te refieres a la cita de Juan Pérez a las 10:00 AM (Corte de cabello)?" in texts(out)
    assert "Ana" not in texts(out)


async def test_the_one_at_twelve_has_not_started_so_nothing_is_marked(db: Database) -> None:
    chat = await open_chat(db, business=_business_with_two_at_eleven())
    out = await chat.says("pedro", "ya terminé con el de las 12")
    assert "todavía no empieza" in texts(out)
    assert {a.status for a in await chat.rows(Appointment)} == {AppointmentStatus.confirmed}


async def test_finishing_the_latest_appointment_marks_it_at_once_and_leaves_the_chat_at_rest(db: Database) -> None:
    chat = await open_chat(db, business=_business_with_two_at_eleven())
    out = await chat.says("luis", "ya terminé")
    assert "Marqué como completada la cita de Ana López a las 10:00 AM" in texts(out)
    statuses = {(a.staff_id, a.status) for a in await chat.rows(Appointment)}
    assert (chat.loaded.staff["luis"], AppointmentStatus.completed) in statuses
    [conversation] = await chat.rows(Conversation, Conversation.staff_id == chat.loaded.staff["luis"])
    assert conversation.flow_state == "ready" and "mark_id" not in conversation.flow_data
