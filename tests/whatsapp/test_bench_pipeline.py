"""`yume bench pipeline` runs end to end (tiny load here; the figures come from the full run)."""

from __future__ import annotations

from bot.bench.pipeline import SCRIPT, BenchError, run_pipeline_bench
from tests.conftest import require_postgres


async def test_the_pipeline_benchmark_reports_throughput_latency_sql_and_cpu_per_process_count(postgres_server) -> None:
    require_postgres(postgres_server)
    report = await run_pipeline_bench(
        postgres_server.url, conversations=3, processes=(1, 2), rate=4, duration=2, time_limit=60
    )
    assert not report.timed_out
    one, two = report.run(1), report.run(2)
    for run in (one, two):
        assert run.processed == run.messages == 3 * len(SCRIPT), "every message was answered"
        assert len(run.reply.samples) == len(run.ack.samples) == run.messages
        assert run.turns == run.messages, "each message is one engine turn, across the processes"
        assert run.statements > 0 and run.checkouts > 0
        assert run.per_message("cpu_seconds")["engine"] > 0
    assert all(server["turns"] > 0 for server in two.servers), "both processes answered"
    offered = report.run(1, "rate")
    assert offered.processed == offered.messages == 8
    text = "\n".join(report.lines())
    assert "bare aiohttp handler, 1 INSERT + 1 SELECT): p50" in text
    assert "N=1: end to end" in text and "N=2: end to end" in text and "of N=1)" in text
    assert "reply latency p50" in text and "p99" in text
    assert "SQL statements (webhook" in text and "pool checkouts" in text
    assert "CPU ms per message: webhook" in text and "engine CPU per turn" in text
    assert "4 messages/s offered" in text
    assert "PostgreSQL backends" in text


async def test_the_pipeline_benchmark_refuses_sqlite() -> None:
    try:
        await run_pipeline_bench("sqlite+aiosqlite:///yume.db", conversations=1)
    except BenchError as error:
        assert "PostgreSQL" in str(error)
    else:
        raise AssertionError("expected a BenchError")
