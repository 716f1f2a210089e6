"""The labeled corpus and the accuracy gate of issue 4 (rule engine)."""

from __future__ import annotations

from collections import Counter

import pytest

from nlu.evaluation import EvalReport, evaluate, load_corpus
from nlu.rules import RuleEngine
from nlu.understanding import Intent, Role, intents_for
from tests.nlu.helpers import CORPUS

INTENT_GATE = 0.95
DATETIME_GATE = 0.95


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate(load_corpus(CORPUS), RuleEngine().read)


def test_corpus_is_large_and_varied() -> None:
    cases = load_corpus(CORPUS)
    assert len(cases) >= 300
    roles = Counter(case.context.role for case in cases)
    assert set(roles) == set(Role)
    assert {case.intent for case in cases} == {intent.value for intent in Intent}
    assert len({case.context.now for case in cases}) >= 6
    assert any(case.context.local_now.weekday() >= 5 for case in cases)  # weekends
    assert any((case.context.local_now.month, case.context.local_now.day) == (12, 31) for case in cases)


def test_labels_only_use_intents_the_role_has() -> None:
    for case in load_corpus(CORPUS):
        assert Intent(case.intent) in intents_for(case.context.role), case.id


def test_intent_accuracy_gate(report: EvalReport) -> None:
    assert report.intent_accuracy >= INTENT_GATE, "\n".join(report.lines(show_mismatches=True))


def test_date_time_slot_accuracy_gate(report: EvalReport) -> None:
    assert report.datetime_accuracy >= DATETIME_GATE, "\n".join(report.lines(show_mismatches=True))
