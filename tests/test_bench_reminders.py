"""`yume bench reminders` on a small workload: it runs, its figures add up, and it cleans up after itself."""

from __future__ import annotations

import asyncio
import re

import asyncpg
import pytest

from bot.cli import main
from tests.conftest import POSTGRES_URL, PostgresServer, _asyncpg_dsn, require_postgres



async def _bench_databases() -> set[str]:
    connection = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL), timeout=5)
    try:
        rows = await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'yume_bench_%'")
    finally:
        await connection.close()
    return {row["datname"] for row in rows}


async def test_bench_reminders_reports_the_sweeps_and_drops_its_scratch_database(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    require_postgres(postgres_server)
    monkeypatch.setenv("DATABASE_URL", postgres_server.url)
    # main() runs its own event loop: give it a thread of its own.
    code = await asyncio.to_thread(main, ["bench", "reminders", "--businesses", "10", "--appointments", "600"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "10 businesses, 600 appointments over 30 days" in out
    assert "due-reminder sweep, first run" in out and "reminders queued" in out and "(steady state): median" in out
    assert "morning-agenda run at 8:00 for 10 businesses" in out and "agendas queued" in out
    assert "reads by ix_appointment_status_starts: yes" in out
    # Another worker's benchmark may be running: check that this run's own database is gone.
    scratch = re.search(r"scratch database: (yume_bench_\w+) \(dropped\)", out)
    assert scratch is not None, out
    assert scratch.group(1) not in await _bench_databases()
