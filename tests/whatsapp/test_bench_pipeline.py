"""`yume bench pipeline` runs end to end (tiny load here; the figures come from the full run)."""

from __future__ import annotations


from bot.bench.pipeline import SCRIPT, BenchError, run_pipeline_bench
from tests.conftest import require_postgres


async def test_the_pipeline_benchmark_reports_ack_latency_throughput_and_its_floor(postgres_server) -> None:
    require_postgres(postgres_server)
    report = await run_pipeline_bench(postgres_server.url, conversations=3, time_limit=60)
    assert not report.timed_out
    assert report.processed == report.messages == 3 * len(SCRIPT)
    assert len(report.ack.samples) == len(report.floor.samples) == len(report.alone.samples) == report.messages
    assert report.replies >= report.messages, "every message was answered"
    text = "\n".join(report.lines())
    assert "bare aiohttp handler, 1 INSERT + 1 SELECT): p50" in text
    assert "webhook alone, same load (verify signature, store in inbox, 200): p50" in text
    assert "webhook ack while the pipeline runs: p50" in text and "p99" in text
    assert "messages/s" in text


async def test_the_pipeline_benchmark_refuses_sqlite() -> None:
    try:
        await run_pipeline_bench("sqlite+aiosqlite:///yume.db", conversations=1)
    except BenchError as error:
        assert "PostgreSQL" in str(error)
    else:
        raise AssertionError("expected a BenchError")
