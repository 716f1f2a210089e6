"""The contract's model: intents per role, slot names and their JSON form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from nlu.understanding import (
    COMMON_INTENTS,
    Intent,
    Role,
    Slots,
    Understanding,
    coerce_intent,
    intents_for,
)

CONTRACT_INTENTS = {
    "greet", "thanks", "goodbye", "affirm", "deny", "inform", "stop", "human", "other",
    "book", "reschedule", "cancel", "my_appointments", "ask_services", "ask_hours", "ask_location",
    "my_schedule", "business_schedule", "block_time", "mark_no_show", "mark_completed", "walk_in",
    "customer_history", "message_customer",
    "add_staff", "remove_staff", "set_hours", "add_service", "update_service", "stats",
}
# docs/nlu.md: Yume's extensions, for the flows.
EXTENSION_INTENTS = {"cant_make_it", "week_page", "unblock"}


def test_intent_names_are_the_contracts_and_the_documented_extensions() -> None:
    assert {i.value for i in Intent} == CONTRACT_INTENTS | EXTENSION_INTENTS


def test_extension_intents_belong_to_the_roles_docs_nlu_gives_them() -> None:
    assert Intent.CANT_MAKE_IT in intents_for(Role.CUSTOMER)
    assert Intent.WEEK_PAGE in intents_for(Role.STAFF) and Intent.WEEK_PAGE in intents_for(Role.OWNER)
    assert Intent.WEEK_PAGE not in intents_for(Role.CUSTOMER)
    assert Intent.UNBLOCK in intents_for(Role.STAFF) and Intent.UNBLOCK in intents_for(Role.OWNER)
    assert Intent.UNBLOCK not in intents_for(Role.CUSTOMER)


def test_customers_get_only_common_and_customer_intents() -> None:
    customer = intents_for(Role.CUSTOMER)
    assert COMMON_INTENTS <= customer
    assert Intent.BOOK in customer and Intent.ASK_LOCATION in customer
    assert Intent.BLOCK_TIME not in customer and Intent.ADD_STAFF not in customer


def test_staff_act_on_a_customers_behalf_but_do_not_administer() -> None:
    staff = intents_for(Role.STAFF)
    assert {Intent.BOOK, Intent.RESCHEDULE, Intent.CANCEL, Intent.MY_SCHEDULE, Intent.WALK_IN} <= staff
    assert Intent.STATS not in staff and Intent.MY_APPOINTMENTS not in staff


def test_owners_have_everything_staff_have_and_administration() -> None:
    owner = intents_for(Role.OWNER)
    assert intents_for(Role.STAFF) < owner
    assert {Intent.ADD_STAFF, Intent.REMOVE_STAFF, Intent.SET_HOURS, Intent.ADD_SERVICE, Intent.UPDATE_SERVICE,
            Intent.STATS} <= owner


def test_an_intent_outside_the_role_is_coerced() -> None:
    assert coerce_intent(Intent.ADD_STAFF, Role.CUSTOMER) == Intent.OTHER
    assert coerce_intent(Intent.STATS, Role.STAFF) == Intent.OTHER
    assert coerce_intent(Intent.MY_SCHEDULE, Role.CUSTOMER) == Intent.MY_APPOINTMENTS
    assert coerce_intent(Intent.MY_APPOINTMENTS, Role.STAFF) == Intent.MY_SCHEDULE
    assert coerce_intent(Intent.BOOK, Role.STAFF) == Intent.BOOK


def test_json_prints_only_non_empty_slots_in_contract_formats() -> None:
    slots = Slots(
        service="Corte de cabello", date=dt.date(2026, 1, 15), time=dt.time(16, 0), time_end=dt.time(17, 30),
        price=Decimal("180"), minutes=90, weekdays=[], person_name="",
    )
    assert slots.to_json_dict() == {
        "service": "Corte de cabello", "date": "2026-01-15", "time": "16:00", "time_end": "17:30",
        "price": 180, "minutes": 90,
    }
    assert Slots(price=Decimal("99.5")).to_json_dict() == {"price": 99.5}


def test_understanding_json_shape() -> None:
    understanding = Understanding(intent=Intent.BOOK, slots=Slots(choice=2))
    assert understanding.to_json_dict() == {"intent": "book", "slots": {"choice": 2}}


def test_extension_slots_print_in_their_json_form() -> None:
    slots = Slots(asap=True, guest="mi hijo", guest_name="Mateo", child=True, next_only=None,
                  also=[Intent.ASK_HOURS], language="en")
    assert slots.to_json_dict() == {
        "asap": True, "guest": "mi hijo", "guest_name": "Mateo", "child": True, "also": ["ask_hours"], "language": "en",
    }


@pytest.mark.parametrize(
    "bad",
    [{"phone": "5598765432"}, {"choice": 0}, {"part_of_day": "noon"}, {"bogus": 1}, {"language": "fr"},
     {"also": ["fly"]}],
)
def test_slots_reject_values_outside_the_contract(bad: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError):
        Slots.model_validate(bad)
