"""The `yume` command line: one entry point, one module per subcommand under `bot/commands/`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module exposes `register(subparsers)`, adding its subcommand with `set_defaults(run=...)`;
# `run(args)` returns the process exit code. The first word of each name is the subcommand, so
# `yume nlu …` imports only bot.commands.nlu (the database stack stays unloaded: batch speed).
COMMAND_MODULES: tuple[str, ...] = (
    "bot.commands.db",
    "bot.commands.serve",
    "bot.commands.demo",
    "bot.commands.slots",
    "bot.commands.bench",
    "bot.commands.nlu",
    "bot.commands.replay",
    "bot.commands.diagrams",
    "bot.commands.chat",
    "bot.commands.templates",
    "bot.commands.connect",
    "bot.commands.inbox",
)


def _command_name(module_name: str) -> str:
    return module_name.rsplit(".", 1)[-1]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand registered (or just `only`, when it names one)."""
    parser = argparse.ArgumentParser(
        prog="yume",
        description="Yume: citas por WhatsApp para barberías y salones.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [m for m in COMMAND_MODULES if _command_name(m) == only] or list(COMMAND_MODULES)
    for module_name in names:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `yume` with the given arguments (default: sys.argv)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        return int(run(args) or 0)
    except ValueError as error:
        from bot.settings import SettingsError  # imported late: `yume nlu` stays light

        if isinstance(error, SettingsError):
            print(error, file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
