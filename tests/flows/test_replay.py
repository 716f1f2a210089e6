"""The replay runner itself: the contract's file shape, matching rules and readable failures."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main as yume
from flows.devtools.expectations import check_messages, comparable
from flows.devtools.fixture_file import (
    FixtureError,
    MessageExpectation,
    fixture_paths,
    load_fixture,
    wait_delta,
)
from flows.core.messages import OutboundMessage
from flows.devtools.replay import replay_fixture
from nlu.rules import RuleEngine
from store.database import Database
from tests.conftest import require_postgres

BUSINESS = """
name: Barbería Prueba
hours: {tue: ["10:00-20:00"], wed: ["10:00-20:00"]}
services: [{name: Corte de cabello, minutes: 45, price: 150}]
people:
  rosa: {name: Rosa Martínez, phone: "+52 55 3000 1000", role: owner}
  juan: {name: Juan Pérez, phone: "+52 55 9876 5432", role: customer}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_matching_ignores_case_accents_and_whitespace_runs() -> None:
    said = [OutboundMessage(to="1", text="¿Para QUÉ   día\nte gustaría?", buttons=[])]
    assert check_messages(MessageExpectation(contains=["para que dia te"]), said) == []
    assert check_messages(MessageExpectation(regex="qu[eé] d[ií]a"), said) == []
    assert check_messages(MessageExpectation(not_contains=["DIA"]), said) == ["should not contain 'DIA'"]
    assert check_messages(MessageExpectation(none=True), said) == ["expected nothing to be sent"]


def test_a_regex_keeps_its_character_classes_while_ignoring_case_and_accents() -> None:
    said = [OutboundMessage(to="1", text="Esa hora ya pasó.\n¿De qué hora a qué hora bloqueo?")]
    assert check_messages(MessageExpectation(regex="ya pasó[\\s\\S]*DE QUÉ HORA"), said) == []
    assert check_messages(MessageExpectation(regex="\\S+ hora ya"), said) == []
    assert check_messages(MessageExpectation(regex="^\\d"), said) == ["should match /^\\d/"]
    assert comparable("Peña  Ñandú") == "pena nandu"


def test_wait_reads_the_contract_units() -> None:
    assert wait_delta("90m") == timedelta(minutes=90)
    assert wait_delta("1d2h") == timedelta(days=1, hours=2)
    assert wait_delta("30s") == timedelta(seconds=30)
    with pytest.raises(ValueError):
        wait_delta("una hora")


def test_folders_are_searched_recursively_and_business_files_are_not_fixtures(tmp_path: Path) -> None:
    business = _write(tmp_path, "businesses/prueba.yaml", BUSINESS)
    fixture = _write(tmp_path, "a/b/hola.yaml", "name: x\nnow: '2026-03-10T11:00'\nbusiness: ../../businesses/prueba.yaml\nturns: []\n")
    assert fixture_paths([tmp_path]) == sorted([business, fixture])
    assert load_fixture(business) is None
    loaded = load_fixture(fixture)
    assert loaded is not None and loaded.business_spec().name == "Barbería Prueba"
    with pytest.raises(FixtureError):
        _write(tmp_path, "bad.yaml", "name: x\nnow: '2026-03-10T11:00'\nbusiness: {}\nturns: [{text: hola, choose: x}]\n")
        load_fixture(tmp_path / "bad.yaml")


async def test_a_failing_expectation_names_the_turn_the_expectation_and_what_yume_sent(db: Database, tmp_path: Path) -> None:
    _write(tmp_path, "prueba.yaml", BUSINESS)
    path = _write(
        tmp_path,
        "falla.yaml",
        """
name: Una expectativa equivocada
now: "2026-03-10T11:00"
business: prueba.yaml
turns:
  - from: juan
    text: "Hola"
    reply: {contains: ["Bienvenido"]}
  - text: "¿dónde están?"
    reply: {contains: ["Calle Falsa 123"]}
  - choose: "4:00 PM"
expect:
  appointments: [{customer: juan, start: "2026-03-11T16:00"}]
""",
    )
    fixture = load_fixture(path)
    assert fixture is not None
    result = await replay_fixture(fixture, db, RuleEngine())
    report = result.describe()
    assert not result.passed
    assert "turn 2 (juan: '¿dónde están?')" in report
    assert "reply should contain 'Calle Falsa 123'" in report
    assert "Yume sent to juan:" in report and "| Todavía no tengo la dirección" in report
    assert "turn 3: juan chooses '4:00 PM', but the last message to them offered no such option" in report


def test_yume_replay_prints_the_summary_line_and_fails_the_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "prueba.yaml", BUSINESS)
    _write(tmp_path, "bien.yaml", 'name: bien\nnow: "2026-03-10T11:00"\nbusiness: prueba.yaml\nturns:\n  - {from: juan, text: Hola, reply: {contains: [Hola]}}\n')
    assert yume(["replay", str(tmp_path / "bien.yaml"), str(tmp_path / "prueba.yaml")]) == 0
    assert capsys.readouterr().out.strip().endswith("replay: 1 passed, 0 failed; inbound 1, outbound 1, claude calls 0")
    _write(tmp_path, "mal.yaml", 'name: mal\nnow: "2026-03-10T11:00"\nbusiness: prueba.yaml\nturns:\n  - {from: juan, text: Hola, reply: {none: true}}\n')
    assert yume(["replay", str(tmp_path), "--coverage"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "coverage CustomerFlow:" in out
    assert out.strip().splitlines()[-1] == "replay: 1 passed, 1 failed; inbound 2, outbound 2, claude calls 0"


def test_replay_on_postgres_ignores_stale_tables_an_older_yume_left_in_public(
    postgres_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    require_postgres(postgres_server)

    async def stale_database() -> str:
        url = await postgres_server.new_database_url(f"yume_stale_{uuid.uuid4().hex[:8]}")
        stale = Database(url)
        async with stale.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE organization (id uuid PRIMARY KEY, name text)"))
        await stale.dispose()
        return url

    url = asyncio.run(stale_database())
    _write(tmp_path, "prueba.yaml", BUSINESS)
    _write(tmp_path, "bien.yaml", 'name: bien\nnow: "2026-03-10T11:00"\nbusiness: prueba.yaml\nturns:\n  - {from: juan, text: Hola, reply: {contains: [Hola]}}\n')
    monkeypatch.setenv("DATABASE_URL", url)
    assert yume(["replay", str(tmp_path / "bien.yaml")]) == 0
    assert capsys.readouterr().out.strip().endswith("replay: 1 passed, 0 failed; inbound 1, outbound 1, claude calls 0")
