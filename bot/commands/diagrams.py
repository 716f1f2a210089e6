"""`yume diagrams`: write the flow diagrams (Mermaid, and SVG when Graphviz is installed)."""

from __future__ import annotations

import argparse
from pathlib import Path

from flows.devtools.diagrams import DEFAULT_OUT, write_diagrams


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("diagrams", help="write one Mermaid diagram per conversation machine")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder (default: {DEFAULT_OUT})")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    for path in write_diagrams(args.out):
        print(path)
    return 0
