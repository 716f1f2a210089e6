"""The `yume` command line: one entry point, one module per subcommand under `bot/commands/`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module exposes `register(subparsers)`, adding its subcommand with `set_defaults(run=...)`.
# `run(args)` returns the process exit code.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.commands.db",
    "bot.commands.demo",
    "bot.commands.slots",
    "bot.commands.bench",
    "bot.commands.serve",
    "bot.commands.nlu",
    "bot.commands.chat",
    "bot.commands.templates",
    "bot.commands.connect",
)


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="yume",
        description="Yume: citas por WhatsApp para barberías y salones.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `yume` with the given arguments (default: sys.argv)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    return int(run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
