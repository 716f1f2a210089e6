"""Every conversation fixture replays cleanly, on SQLite and on PostgreSQL.

fixtures/conversations/ is ours; ../shared/spec/examples/ must pass unchanged, replayed from there.
The last test checks that the fixtures exercise at least 90% of every machine's transitions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.coverage import TransitionCoverage
from flows.fixture_file import fixture_paths, load_fixture
from flows.replay import replay_fixture
from flows.roles import machines
from nlu.rules import RuleEngine
from store.database import Database

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
FOLDERS = [REPO / "fixtures" / "conversations", SHARED / "spec" / "examples"]
FIXTURES = [path for path in fixture_paths([f for f in FOLDERS if f.exists()]) if load_fixture(path) is not None]
MINIMUM_COVERAGE = 90.0

COVERAGE = TransitionCoverage()
REPLAYED_ON_SQLITE: set[Path] = set()


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_the_shared_examples_are_found() -> None:
    assert SHARED.exists(), f"../shared not found beside the repository at {SHARED}"
    assert any(path.is_relative_to(SHARED) for path in FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
async def test_fixture(path: Path, db: Database) -> None:
    fixture = load_fixture(path)
    assert fixture is not None
    coverage = TransitionCoverage()
    result = await replay_fixture(fixture, db, RuleEngine(), coverage)
    assert result.passed, "\n" + result.describe()
    if db.dialect == "sqlite":
        COVERAGE.merge(coverage)
        REPLAYED_ON_SQLITE.add(path)


def test_fixtures_exercise_most_of_every_machine() -> None:
    if REPLAYED_ON_SQLITE != set(FIXTURES):
        pytest.skip("coverage is measured only when every fixture ran on SQLite in this session")
    for machine in COVERAGE.report(machines()):
        assert machine.percent >= MINIMUM_COVERAGE, (
            f"{machine.name}: {machine.percent:.0f}% of transitions exercised; not exercised:\n  "
            + "\n  ".join(machine.missing)
        )
