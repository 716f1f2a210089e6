"""`yume bench …`: benchmarks on fixed workloads that print their numbers."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from bot.bench.slots import DEFAULT_WORKLOAD, run_slots_bench
from store.database import normalize_database_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("bench", help="benchmarks (print their figures)")
    benches = parser.add_subparsers(dest="bench", metavar="BENCH", required=True)
    slots = benches.add_parser("slots", help="availability engine on a salon workload")
    slots.add_argument("--workload", type=Path, default=DEFAULT_WORKLOAD, help="a shared/bench/*.json file")
    slots.add_argument("--runs", type=int, default=50, help="computation runs for median/p95 (default 50)")
    slots.set_defaults(run=_run_slots)


def _run_slots(args: argparse.Namespace) -> int:
    if not args.workload.exists():
        print(f"No encuentro la carga de trabajo {args.workload}")
        return 1
    url = os.environ.get("DATABASE_URL")
    report = asyncio.run(run_slots_bench(args.workload, normalize_database_url(url) if url else None, args.runs))
    print("\n".join(report.lines()))
    return 0 if report.mismatches == 0 else 1
