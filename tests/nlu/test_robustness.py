"""Whatever arrives, the rule engine answers with an intent the writer's role has."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.context import Expecting
from nlu.rules import RuleEngine
from nlu.understanding import Role, intents_for
from tests.nlu.helpers import context

ENGINE = RuleEngine()
WORDS = st.sampled_from(
    "hola sí no mañana pasado a las la de 4 5:30 y media cuarto para el viernes corte barba mani pedi con Pedro "
    "bloquea cancela cambia mi cita 55 1234 5678 $180 hora minutos dile que olvídalo 😊 ¿? , . todos la segunda".split()
)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(max_size=80), st.lists(WORDS, max_size=12).map(" ".join)),
    role=st.sampled_from(list(Role)),
    expecting=st.one_of(st.none(), st.sampled_from(list(Expecting))),
    with_options=st.booleans(),
)
def test_any_text_gets_an_intent_of_the_role(text: str, role: Role, expecting: Expecting | None, with_options: bool) -> None:
    options = ["3:00 PM", "4:00 PM", "5:30 PM"] if with_options else []
    understanding = ENGINE.read(text, context(role=role, expecting=expecting, options=options))
    assert understanding.intent in intents_for(role)
    understanding.slots.to_json_dict()  # always serializable
