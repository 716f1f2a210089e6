"""The labeled corpus (`fixtures/nlu/`) and the accuracy of an engine on it.

A slot counts wherever it was expected or produced: a missing slot and an invented one are
both errors. "date/time" accuracy pools date, date_end, time, time_end and part_of_day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from nlu.catalog import Catalog, demo_catalog
from nlu.context import Expecting, NluContext
from nlu.understanding import Role, Understanding

DATETIME_SLOTS: tuple[str, ...] = ("date", "date_end", "time", "time_end", "part_of_day")
_CASE_KEYS = frozenset(
    {"id", "text", "now", "role", "business", "step", "expecting", "options", "interactive", "intent", "slots", "note"}
)


class CorpusError(ValueError):
    """A corpus file that cannot be read."""


@dataclass(frozen=True)
class Case:
    """One labeled message."""

    id: str
    text: str
    context: NluContext
    intent: str
    slots: dict[str, Any]


@dataclass
class SlotScore:
    """How often one slot was right, where it was expected or produced."""

    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        """Share right, 1.0 when the slot never came up."""
        return self.correct / self.total if self.total else 1.0


@dataclass
class Mismatch:
    """A case the engine got wrong, for the report."""

    case: Case
    intent: str
    slots: dict[str, Any]


@dataclass
class EvalReport:
    """Accuracy of an engine on a corpus."""

    cases: int = 0
    intent_correct: int = 0
    slots: dict[str, SlotScore] = field(default_factory=dict)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        """Share of messages with the expected intent."""
        return self.intent_correct / self.cases if self.cases else 1.0

    @property
    def datetime_accuracy(self) -> float:
        """Accuracy pooled over date, date_end, time, time_end and part_of_day."""
        correct = sum(self.slots[s].correct for s in DATETIME_SLOTS if s in self.slots)
        total = sum(self.slots[s].total for s in DATETIME_SLOTS if s in self.slots)
        return correct / total if total else 1.0

    def lines(self, *, show_mismatches: bool = False) -> list[str]:
        """The printable report."""
        dt_correct = sum(self.slots[s].correct for s in DATETIME_SLOTS if s in self.slots)
        dt_total = sum(self.slots[s].total for s in DATETIME_SLOTS if s in self.slots)
        out = [
            f"messages: {self.cases}",
            f"intent accuracy: {self.intent_accuracy:.1%} ({self.intent_correct}/{self.cases})",
            f"date/time slot accuracy: {self.datetime_accuracy:.1%} ({dt_correct}/{dt_total})",
            "slot accuracy:",
        ]
        for name, score in sorted(self.slots.items()):
            out.append(f"  {name:<13} {score.accuracy:6.1%} ({score.correct}/{score.total})")
        if show_mismatches:
            out.append(f"mismatches: {len(self.mismatches)}")
            for miss in self.mismatches:
                c = miss.case
                out.append(
                    f"  [{c.id}] {c.text!r} ({c.context.role.value}"
                    + (f", expecting {c.context.expecting.value}" if c.context.expecting else "")
                    + f")\n      expected {c.intent} {json.dumps(c.slots, ensure_ascii=False)}"
                    + f"\n      got      {miss.intent} {json.dumps(miss.slots, ensure_ascii=False)}"
                )
        return out


def load_corpus(path: str | Path) -> list[Case]:
    """Every case of a corpus file, or of every *.yaml/*.jsonl under a folder (business files skipped)."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".jsonl")) if path.is_dir() else [path]
    cases: list[Case] = []
    catalogs: dict[Path | None, Catalog] = {}
    for file in files:
        cases.extend(_load_file(file, catalogs))
    return cases


def _load_file(file: Path, catalogs: dict[Path | None, Catalog]) -> list[Case]:
    import yaml

    text = file.read_text(encoding="utf-8")
    if file.suffix == ".jsonl":
        defaults: Mapping[str, Any] = {}
        raw_cases = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
        if not isinstance(data, Mapping) or "cases" not in data:
            return []  # a business file, or anything else that is not a corpus
        defaults = data.get("defaults") or {}
        raw_cases = data["cases"] or []
    cases = []
    for index, raw in enumerate(raw_cases, start=1):
        merged = {**defaults, **raw}
        unknown = set(merged) - _CASE_KEYS
        if unknown:
            raise CorpusError(f"{file} case {index}: unknown keys {sorted(unknown)}")
        cases.append(_case(file, index, merged, catalogs))
    return cases


def _case(file: Path, index: int, data: Mapping[str, Any], catalogs: dict[Path | None, Catalog]) -> Case:
    business = data.get("business")
    key = (file.parent / business).resolve() if business else None
    if key not in catalogs:
        catalogs[key] = Catalog.from_business_file(key) if key else demo_catalog()
    catalog = catalogs[key]
    try:
        now = parse_local_now(str(data["now"]), catalog)
        expecting = Expecting(data["expecting"]) if data.get("expecting") else None
        context = NluContext(
            now=now, catalog=catalog, role=Role(data.get("role") or "customer"), step=data.get("step"),
            expecting=expecting, options=[str(o) for o in data.get("options") or []],
            interactive=bool(data.get("interactive")),
        )
        return Case(
            id=str(data.get("id") or f"{file.stem}:{index}"),
            text=str(data["text"]),
            context=context,
            intent=str(data["intent"]),
            slots=normalize_slots(data.get("slots") or {}),
        )
    except (KeyError, ValueError) as exc:
        raise CorpusError(f"{file} case {index}: {exc}") from exc


def parse_local_now(text: str, catalog: Catalog) -> dt.datetime:
    """'2026-01-14T12:00' (local to the business) → an aware datetime."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=catalog.tz)


def normalize_slots(slots: Mapping[str, Any]) -> dict[str, Any]:
    """Slot values in their JSON form so labels and outputs compare equal."""
    out: dict[str, Any] = {}
    for key, value in slots.items():
        if value is None or value == [] or value == "":
            continue
        if isinstance(value, dt.datetime):
            value = value.date().isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, dt.time):
            value = value.strftime("%H:%M")
        elif isinstance(value, (float, Decimal)) and not isinstance(value, bool):
            value = int(value) if value == int(value) else float(value)
        elif isinstance(value, list):
            value = [str(v) for v in value]
        out[key] = value
    return out


def evaluate(cases: Iterable[Case], understand: Callable[[str, NluContext], Understanding]) -> EvalReport:
    """Run `understand` on every case and score intents and slots."""
    report = EvalReport()
    scores: dict[str, SlotScore] = {}
    for case in cases:
        result = understand(case.text, case.context)
        got = normalize_slots(result.slots.to_json_dict())
        report.cases += 1
        right_intent = result.intent.value == case.intent
        report.intent_correct += right_intent
        all_right = right_intent
        for name in set(got) | set(case.slots):
            score = scores.setdefault(name, SlotScore())
            score.total += 1
            if got.get(name) == case.slots.get(name):
                score.correct += 1
            else:
                all_right = False
        if not all_right:
            report.mismatches.append(Mismatch(case, result.intent.value, got))
    report.slots = scores
    return report


def intent_confusions(report: EvalReport) -> Counter[tuple[str, str]]:
    """(expected, got) intent pairs among the mismatches, most common first."""
    return Counter((m.case.intent, m.intent) for m in report.mismatches if m.case.intent != m.intent)
