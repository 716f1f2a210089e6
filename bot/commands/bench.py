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
    pipeline = benches.add_parser("pipeline", help="webhook ack latency and end-to-end messages/s on PostgreSQL, next to a floor")
    pipeline.add_argument("--conversations", type=int, default=100, help="customers chatting at once (default 100)")
    pipeline.add_argument("--time-limit", type=float, default=120.0, help="stop the load after this many seconds (default 120)")
    pipeline.set_defaults(run=_run_pipeline)


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
        report = asyncio.run(run_pipeline_bench(url, args.conversations, args.time_limit))
    except BenchError as error:
        print(error)
        return 1
    print("\n".join(report.lines()))
    return 0 if not report.timed_out else 1
