"""The labeled corpus and its gates: the files the rules are tuned on, and the held-out files.

A failing tuned gate lists the misses; a failing held-out gate prints the tables only (held-out
messages are scored, never studied: fixtures/nlu/README.md).
"""

from __future__ import annotations

from collections import Counter

import pytest

from nlu.evaluation import HELD_OUT_GATE, TUNED_GATE, EvalReport, corpus_files, evaluate, load_corpus
from nlu.rules import RuleEngine
from nlu.understanding import Intent, Role, intents_for
from tests.nlu.helpers import CORPUS


@pytest.fixture(scope="module")
def tuned() -> EvalReport:
    return evaluate(load_corpus(CORPUS, held_out=False), RuleEngine().read)


@pytest.fixture(scope="module")
def held_out() -> EvalReport:
    return evaluate(load_corpus(CORPUS, held_out=True), RuleEngine().read)


def test_corpus_is_large_and_varied() -> None:
    cases = load_corpus(CORPUS, held_out=False)
    assert len(cases) >= 500
    roles = Counter(case.context.role for case in cases)
    assert set(roles) == set(Role)
    assert {case.intent for case in cases} == {intent.value for intent in Intent}  # the extensions too
    assert len({case.context.now for case in cases}) >= 6
    assert any(case.context.local_now.weekday() >= 5 for case in cases)  # weekends
    assert any((case.context.local_now.month, case.context.local_now.day) == (12, 31) for case in cases)


def test_there_are_held_out_files_and_they_are_kept_apart() -> None:
    held = corpus_files(CORPUS, held_out=True)
    assert held and all(f.name.startswith("held_out") for f in held)
    assert not set(held) & set(corpus_files(CORPUS, held_out=False))


def test_labels_only_use_intents_the_role_has() -> None:
    for case in load_corpus(CORPUS):
        assert Intent(case.intent) in intents_for(case.context.role), case.id


def test_tuned_corpus_gate(tuned: EvalReport) -> None:
    assert TUNED_GATE.passes(tuned), "\n".join(tuned.lines(show_mismatches=True))


def test_held_out_gate(held_out: EvalReport) -> None:
    # Tables only: a held-out miss is never shown, so nobody tunes a rule on it.
    assert HELD_OUT_GATE.passes(held_out), "\n".join(held_out.lines(summary=True))


def test_a_held_out_report_never_lists_its_misses(held_out: EvalReport) -> None:
    printed = "\n".join(held_out.lines(show_mismatches=True))
    assert held_out.mismatches  # there are misses to hide
    for miss in held_out.mismatches:
        assert repr(miss.case.text) not in printed
    assert "per role:" in printed and "tables only" in printed
