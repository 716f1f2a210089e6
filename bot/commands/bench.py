"""`yume bench …`: benchmarks on fixed workloads that print their numbers."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.bench.slots import DEFAULT_WORKLOAD, run_slots_bench
from bot.settings import database_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("bench", help="benchmarks (print their figures)")
    benches = parser.add_subparsers(dest="bench", metavar="BENCH", required=True)
    slots = benches.add_parser("slots", help="availability engine on a salon workload")
    slots.add_argument("--workload", type=Path, default=DEFAULT_WORKLOAD, help="a shared/bench/*.json file")
    slots.add_argument("--runs", type=int, default=50, help="computation runs for median/p95 (default 50)")
    slots.set_defaults(run=_run_slots)
    reminders = benches.add_parser(
        "reminders", help="due-reminder sweep over 100,000 appointments and the morning agendas of 500 businesses (PostgreSQL)"
    )
    reminders.add_argument("--businesses", type=int, default=500, help="businesses (default 500)")
    reminders.add_argument("--appointments", type=int, default=100_000, help="appointments over 30 days (default 100,000)")
    reminders.add_argument("--time-limit", type=float, default=600.0, help="give up after this many seconds (default 600)")
    reminders.set_defaults(run=_run_reminders)
    pipeline = benches.add_parser(
        "pipeline", help="messages/s, reply latency, SQL and CPU per message in N server processes on PostgreSQL, next to a floor"
    )
    pipeline.add_argument("--conversations", type=int, default=100, help="customers chatting at once (default 100)")
    pipeline.add_argument(
        "--processes", type=_counts, default=(1, 2), help="server processes, one run each: e.g. 1,2 (default 1,2)"
    )
    pipeline.add_argument("--rate", type=float, default=None, help="also offer this many messages/s (open loop) per N")
    pipeline.add_argument("--duration", type=float, default=20.0, help="seconds of offered load with --rate (default 20)")
    pipeline.add_argument(
        "--lane-hold", type=float, default=0.0, help="YUME_LANE_HOLD_SECONDS for the servers (default 0: no hold)"
    )
    pipeline.add_argument("--time-limit", type=float, default=120.0, help="stop a run after this many seconds (default 120)")
    pipeline.add_argument(
        "--profile", type=Path, default=None, help="write each server's cProfile of each run into this folder"
    )
    pipeline.set_defaults(run=_run_pipeline)
    prune = benches.add_parser("prune", help="the channel's tables before and after the prune job (PostgreSQL)")
    prune.add_argument("--days", type=int, default=30, help="days of traffic to seed (default 30)")
    prune.add_argument("--per-day", type=int, default=5000, help="inbox events a day (default 5,000)")
    prune.set_defaults(run=_run_prune)


def _counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,2: {text!r}") from error
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected positive numbers like 1,2: {text!r}")
    return counts


def _run_slots(args: argparse.Namespace) -> int:
    if not args.workload.exists():
        print(f"No encuentro la carga de trabajo {args.workload}")
        return 1
    url = database_settings().database_url_given
    report = asyncio.run(run_slots_bench(args.workload, url, args.runs))
    print("\n".join(report.lines()))
    return 0 if report.mismatches == 0 else 1


def _run_reminders(args: argparse.Namespace) -> int:
    from bot.bench.reminders import BenchError, run_reminders_bench

    # DATABASE_URL's server, else the local test server; either way a scratch database, dropped at the end.
    url = database_settings().database_url_given
    try:
        report = asyncio.run(
            asyncio.wait_for(run_reminders_bench(url, args.businesses, args.appointments), timeout=args.time_limit)
        )
    except BenchError as error:
        print(error)
        return 1
    except TimeoutError:
        print(f"yume bench reminders did not finish in {args.time_limit:.0f} s")
        return 1
    print("\n".join(report.lines()))
    return 0 if report.plan_uses_index else 1


def _run_pipeline(args: argparse.Namespace) -> int:
    from bot.bench.pipeline import BenchError, run_pipeline_bench

    url = database_settings().database_url_given
    if not url:
        print("yume bench pipeline runs on PostgreSQL: set DATABASE_URL=postgresql://user@host/db (a scratch database is "
              "created next to it and dropped at the end)")
        return 1
    try:
        report = asyncio.run(
            run_pipeline_bench(
                url,
                args.conversations,
                args.processes,
                rate=args.rate,
                duration=args.duration,
                time_limit=args.time_limit,
                lane_hold=args.lane_hold,
                profile=args.profile,
            )
        )
    except BenchError as error:
        print(error)
        return 1
    print("\n".join(report.lines()))
    return 0 if not report.timed_out else 1


def _run_prune(args: argparse.Namespace) -> int:
    from bot.bench.prune import BenchError, run_prune_bench

    try:
        report = asyncio.run(run_prune_bench(database_settings().database_url_given, args.days, args.per_day))
    except BenchError as error:
        print(error)
        return 1
    print("\n".join(report.lines()))
    return 0 if report.kept_the_rest else 1
