"""`yume bench prune` runs (tiny here) and shows the channel's tables shrinking, the rest untouched."""

from __future__ import annotations

from bot.bench.prune import run_prune_bench
from tests.conftest import require_postgres


async def test_the_prune_benchmark_reports_sizes_before_and_after_and_keeps_messages(postgres_server) -> None:
    require_postgres(postgres_server)
    report = await run_prune_bench(postgres_server.url, days=12, per_day=50)
    assert report.kept_the_rest
    assert report.before["inboxevent"].rows == 600 and report.after["inboxevent"].rows == 8 * 50
    assert report.before["outboxmessage"].rows == 600 and report.after["outboxmessage"].rows <= 8 * 50 + 1
    assert report.compacted["inboxevent"].bytes < report.before["inboxevent"].bytes
    text = "\n".join(report.lines())
    assert "after the prune" in text and "messages and appointments untouched" in text
