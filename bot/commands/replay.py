"""`yume replay`: replay conversation fixtures (spec/fixtures.md) and report what failed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.settings import database_settings
from flows.devtools.coverage import TransitionCoverage
from flows.devtools.fixture_file import FixtureError
from flows.devtools.replay import replay_paths
from flows.roles import SAME_TASKS, machines
from nlu.engine import Understander, build_understander
from nlu.rules import RuleEngine


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("replay", help="replay conversation fixtures (files or folders of *.yaml)")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--nlu", choices=("rules", "claude"), default="rules", help="NLU engine (default: rules)")
    parser.add_argument("--coverage", action="store_true", help="print the machine transitions the fixtures exercised")
    parser.add_argument("--transcript", action="store_true", help="print every conversation as it was replayed")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    understander = _understander(args.nlu)
    coverage = TransitionCoverage() if args.coverage else None
    try:
        summary = asyncio.run(
            replay_paths(
                args.paths, understander, database_settings().database_url_given, coverage, out=sys.stdout,
                transcript=args.transcript,
            )
        )
    except FixtureError as error:
        print(f"yume replay: {error}", file=sys.stderr)
        return 2
    if coverage is not None:
        for machine in coverage.report(machines(), SAME_TASKS):
            print(f"coverage {machine.name}: {machine.percent:.0f}% ({machine.covered}/{machine.total} transitions)")
            for label in machine.missing:
                print(f"  not exercised: {label}")
    print(summary.line())
    return 0 if summary.failed == 0 and summary.results else 1


def _understander(engine: str) -> Understander:
    """The NLU for the whole run: the offline rules, or Claude (falling back to the rules)."""
    if engine == "rules":
        return RuleEngine()
    return build_understander(**database_settings().nlu_options())
