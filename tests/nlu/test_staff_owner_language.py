"""Round 2 of issue 11: how staff and owners write between clients, and names as customers give them."""

from __future__ import annotations

from nlu.catalog import Catalog
from nlu.context import Expecting
from nlu.understanding import Intent, Role
from tests.nlu.helpers import CORPUS, read

WITH_LUIS = Catalog.from_business_file(CORPUS / "businesses" / "barberia_con_corte_nino.yaml")
DECEMBER = "2026-12-14T10:30"  # a Monday


def _json(text: str, role: Role, **kwargs: object) -> tuple[Intent, dict[str, object]]:
    understanding = read(text, role=role, **kwargs)
    return understanding.intent, understanding.slots.to_json_dict()


def test_a_named_walk_in_keeps_the_name_and_the_service() -> None:
    assert _json("ya llegó don Beto pa corte y barba", Role.STAFF) == (
        Intent.WALK_IN, {"person_name": "don Beto", "service": "Corte y barba"},
    )
    assert _json("Acaba de llegar alguien para corte", Role.STAFF) == (Intent.WALK_IN, {"service": "Corte de cabello"})


def test_asking_who_is_free_is_the_agenda_not_a_walk_in() -> None:
    assert read("hay alguien libre a las 4 pa un corte?", role=Role.STAFF).intent == Intent.BUSINESS_SCHEDULE


def test_an_owner_closing_a_day_is_set_hours_even_saying_no_agendes() -> None:
    assert _json("el 24 de diciembre cerramos, no agendes a nadie", Role.OWNER, now=DECEMBER) == (
        Intent.SET_HOURS, {"date": "2026-12-24", "closed": True},
    )
    # A staff member saying it blocks their own agenda.
    assert read("el 24 no me agendes a nadie", role=Role.STAFF, now=DECEMBER).intent == Intent.BLOCK_TIME


def test_a_short_day_in_the_morning_ends_at_noon() -> None:
    assert _json("nomás abrimos en la mañana el 24", Role.OWNER, now=DECEMBER) == (
        Intent.SET_HOURS, {"date": "2026-12-24", "time_end": "12:00"},
    )


def test_closure_ranges_cross_the_year() -> None:
    assert _json("del 31 al 2 de enero no abrimos", Role.OWNER, now=DECEMBER) == (
        Intent.SET_HOURS, {"date": "2026-12-31", "date_end": "2027-01-02", "closed": True},
    )


def test_an_owner_asks_about_or_blocks_one_colleague() -> None:
    assert _json("¿cómo anda Luis el viernes?", Role.OWNER, now=DECEMBER, catalog=WITH_LUIS) == (
        Intent.BUSINESS_SCHEDULE, {"staff": "Luis Ramírez", "date": "2026-12-18"},
    )
    assert _json("Luis pidió el viernes, bloquéaselo", Role.OWNER, now=DECEMBER, catalog=WITH_LUIS) == (
        Intent.BLOCK_TIME, {"staff": "Luis Ramírez", "date": "2026-12-18"},
    )
    # How a colleague did is still stats.
    assert read("como le fue a Pedro ayer", role=Role.OWNER).intent == Intent.STATS


def test_a_block_from_a_time_runs_to_closing_and_until_a_time_from_opening() -> None:
    assert _json("bloquéame el sábado desde las 12", Role.STAFF) == (
        Intent.BLOCK_TIME, {"date": "2026-01-17", "time": "12:00", "time_end": "15:00"},
    )
    assert _json("bloquéame hasta las 12 mañana", Role.STAFF) == (
        Intent.BLOCK_TIME, {"date": "2026-01-15", "time": "10:00", "time_end": "12:00"},
    )


def test_booking_for_a_named_customer_is_a_booking() -> None:
    assert _json("agéndame a Rosa el viernes a las 5 para corte", Role.STAFF) == (
        Intent.BOOK, {"person_name": "Rosa", "date": "2026-01-16", "time": "17:00", "service": "Corte de cabello"},
    )


def test_honorific_names_and_two_names_in_one_answer() -> None:
    assert read("hola, soy la señora Tere, quiero un corte el viernes a las 12").slots.person_name == "señora Tere"
    assert _json("él se llama Santi y yo soy Marisol", Role.CUSTOMER, expecting=Expecting.NAME) == (
        Intent.INFORM, {"guest_name": "Santi", "person_name": "Marisol"},
    )
    assert _json("my name is John", Role.CUSTOMER, expecting=Expecting.NAME) == (
        Intent.INFORM, {"person_name": "John", "language": "en"},
    )


def test_a_new_colleague_keeps_every_service() -> None:
    assert read("da de alta a Sofia, hace manicure, pedicure y mani pedi", role=Role.OWNER).slots.services == [
        "Manicure", "Pedicure", "Mani + Pedi",
    ]


def test_another_day_instead_of_the_booked_one_is_a_reschedule() -> None:
    assert _json("puedo ir mejor el sabado en vez del viernes?", Role.CUSTOMER) == (
        Intent.RESCHEDULE, {"from_date": "2026-01-16", "date": "2026-01-17"},
    )


def test_taking_a_block_back_in_other_words_is_unblock() -> None:
    # Round 4: families of phrasing, not only «desbloquea».
    for text in (
        "oye siempre no, libera ese hueco del jueves", "ya no voy al doctor, ábreme la tarde del jueves",
        "abre otra vez mi jueves", "ya no necesito el jueves, ábrelo", "ponme disponible otra vez el jueves",
        "siempre no voy a faltar el jueves", "ya no ocupo el jueves libre", "regrésame el jueves a la agenda",
    ):
        understanding = read(text, role=Role.STAFF, now=DECEMBER)
        assert understanding.intent == Intent.UNBLOCK, text
        assert understanding.slots.to_json_dict()["date"] == "2026-12-17", text
    assert _json("ya no voy al doctor, ábreme la tarde", Role.STAFF, now=DECEMBER) == (
        Intent.UNBLOCK, {"part_of_day": "afternoon"},
    )
    # Not coming in, or the business not opening, is not unblocking.
    assert read("el lunes no llego, tengo junta", role=Role.STAFF, now=DECEMBER).intent == Intent.BLOCK_TIME
    assert read("los lunes ya no vamos a abrir", role=Role.OWNER, now=DECEMBER).intent == Intent.SET_HOURS


def test_a_holiday_names_its_day_for_a_closure_but_not_in_a_greeting() -> None:
    assert _json("en navidad no abrimos", Role.OWNER, now=DECEMBER) == (Intent.SET_HOURS, {"date": "2026-12-25", "closed": True})
    assert _json("en año nuevo no hay servicio", Role.OWNER, now=DECEMBER) == (
        Intent.SET_HOURS, {"date": "2027-01-01", "closed": True},
    )
    assert read("feliz navidad!", role=Role.OWNER, now=DECEMBER).slots.to_json_dict() == {}


def test_opening_and_closing_clocks_in_one_sentence() -> None:
    assert _json("de martes a viernes abrimos a las 9 y cerramos a las 7", Role.OWNER, now=DECEMBER) == (
        Intent.SET_HOURS, {"weekdays": ["tue", "wed", "thu", "fri"], "time": "09:00", "time_end": "19:00"},
    )
