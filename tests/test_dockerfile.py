"""The Docker image cannot be built here (no engine); at least it must say something true."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def _instructions() -> list[tuple[str, str]]:
    lines, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if raw.strip().startswith("#") or not raw.strip():
            continue
        current += raw.rstrip("\\").strip() + " "
        if not raw.rstrip().endswith("\\"):
            keyword, _, rest = current.strip().partition(" ")
            lines.append((keyword.upper(), rest))
            current = ""
    return lines


def test_dockerfile_installs_the_package_and_copies_every_layer() -> None:
    instructions = _instructions()
    assert instructions[0][0] == "FROM" and re.match(r"python:3\.1[1-9]", instructions[0][1])
    copied = " ".join(rest for keyword, rest in instructions if keyword == "COPY")
    for package in ("bot", "flows", "nlu", "scheduler", "store", "pyproject.toml"):
        assert package in copied
    assert any(keyword == "RUN" and "pip install ." in rest for keyword, rest in instructions)


def test_dockerfile_entry_command_is_a_real_yume_subcommand() -> None:
    cmd = [rest for keyword, rest in _instructions() if keyword == "CMD"][-1]
    argv = json.loads(cmd)
    assert argv[0] == "yume"
    args = build_parser().parse_args(argv[1:])
    assert callable(getattr(args, "run", None))
