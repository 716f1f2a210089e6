"""The `yume` command line on the embedded database: demo, slots, db, bench."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from flows.core.formatting import long_date

from bot.cli import build_parser, main
from tests.helpers import SHARED


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "yume.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    return path


def test_demo_seeds_the_barbershop_once_and_shows_open_times(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "creé la Barbería Don Carlos" in first
    assert re.search(r"Próximos horarios para Corte de cabello, \w+ \d+ de \w+: \d{1,2}:\d{2} (AM|PM)", first)
    assert main(["demo", "seed"]) == 0
    assert "ya existe" in capsys.readouterr().out
    assert main(["demo", "seed", "--reset"]) == 0
    assert "creé" in capsys.readouterr().out


def test_slots_prints_spanish_dates_and_twelve_hour_times(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["demo", "seed"])
    capsys.readouterr()
    monday = date.today() + timedelta(days=2)
    while monday.weekday() != 0:
        monday += timedelta(days=1)
    assert main(["slots", "--service", "barba", "--date", monday.isoformat(), "--staff", "luis"]) == 0
    out = capsys.readouterr().out
    assert "Arreglo de barba ($100, 30 min)" in out
    assert f"{long_date(monday).capitalize()}: 10:00 AM  10:30 AM" in out
    assert "7:00 PM" in out and "7:30 PM" not in out  # 30 min + 5 min buffer must end by 8:00 PM


def test_slots_explains_an_unknown_service(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["demo", "seed"])
    capsys.readouterr()
    assert main(["slots", "--service", "tinte"]) == 1
    assert "No encontré el servicio «tinte»" in capsys.readouterr().out


def test_slots_before_any_business_says_how_to_create_one(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slots", "--service", "corte"]) == 1
    assert "yume demo seed" in capsys.readouterr().out


def test_db_upgrade_reports_the_revision(embedded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "Base de datos al día" in capsys.readouterr().out
    assert embedded.exists()


def test_bench_slots_matches_the_brute_force_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    workload = SHARED / "bench" / "salon_14d.json"
    assert main(["bench", "slots", "--workload", str(workload), "--runs", "3"]) == 0
    out = capsys.readouterr().out
    assert "slots: 1153 (brute force: 1153); mismatches: 0" in out
    assert re.search(r"compute slots, all staff, whole horizon: median [\d.]+ ms, p95 [\d.]+ ms", out)


def test_every_subcommand_has_help() -> None:
    parser = build_parser()
    assert parser.format_help()
