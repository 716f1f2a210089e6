"""Every conversation fixture replays cleanly, on SQLite and on PostgreSQL.

fixtures/conversations/ is ours; ../shared/spec/examples/ must pass unchanged, replayed from there.
The last test checks that the fixtures exercise at least 90% of every machine's transitions.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from flows.devtools.coverage import TransitionCoverage
from flows.devtools.fixture_file import fixture_paths, load_fixture
from flows.devtools.replay import replay_fixture, replay_paths
from flows.roles import SAME_TASKS, machines
from nlu.rules import RuleEngine
from store.database import Database

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
FOLDERS = [REPO / "fixtures" / "conversations", SHARED / "spec" / "examples"]
FIXTURES = [path for path in fixture_paths([f for f in FOLDERS if f.exists()]) if load_fixture(path) is not None]
MINIMUM_COVERAGE = 90.0


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_the_shared_examples_are_found() -> None:
    assert SHARED.exists(), f"../shared not found beside the repository at {SHARED}"
    assert any(path.is_relative_to(SHARED) for path in FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
async def test_fixture(path: Path, db: Database) -> None:
    fixture = load_fixture(path)
    assert fixture is not None
    result = await replay_fixture(fixture, db, RuleEngine())
    assert result.passed, "\n" + result.describe()


async def test_fixtures_exercise_most_of_every_machine() -> None:
    # Replayed here as a whole (SQLite), so the figure does not depend on how tests are spread
    # over workers.
    coverage = TransitionCoverage()
    summary = await replay_paths(FIXTURES, RuleEngine(), coverage=coverage, out=io.StringIO())
    assert summary.failed == 0
    for machine in coverage.report(machines(), SAME_TASKS):
        assert machine.percent >= MINIMUM_COVERAGE, (
            f"{machine.name}: {machine.percent:.0f}% of transitions exercised; not exercised:\n  "
            + "\n  ".join(machine.missing)
        )
