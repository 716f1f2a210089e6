"""The Docker image cannot be built here (no engine); at least it must say something true."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
    assert any(keyword == "RUN" and re.search(r"pip install (--\S+ )*\.( |$)", rest) for keyword, rest in instructions)


def test_dockerfile_entry_command_is_a_real_yume_subcommand() -> None:
    cmd = [rest for keyword, rest in _instructions() if keyword == "CMD"][-1]
    argv = json.loads(cmd)
    assert argv[0] == "yume"
    args = build_parser().parse_args(argv[1:])
    assert callable(getattr(args, "run", None))


# --- reproducible builds: the constraints file ---------------------------------------------------------

CONSTRAINTS = ROOT / "constraints.txt"


def _pins() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt pins exact versions only, got {line!r}"
            pins[canonicalize_name(name)] = version.strip()
    return pins


def _dependencies() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_every_dependency_has_a_compatible_range_with_an_upper_bound() -> None:
    """`anthropic>=0.60` once let any future major version in; only tzdata (the IANA data) stays open."""
    for requirement in _dependencies():
        operators = {spec.operator for spec in requirement.specifier}
        assert ">=" in operators, f"{requirement} has no lower bound"
        if requirement.name != "tzdata":
            assert operators & {"<", "~=", "=="}, f"{requirement} has no upper bound"


def test_the_constraints_pin_every_dependency_inside_its_range() -> None:
    pins = _pins()
    for requirement in _dependencies():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"constraints.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {requirement.specifier}"
        )


def test_the_dependencies_install_from_the_constraints_and_nothing_else(tmp_path: Path) -> None:
    """What pip would install for pyproject's dependencies under constraints.txt is exactly the pinned set."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("\n".join(str(requirement) for requirement in _dependencies()), encoding="utf-8")
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--report", str(report), "-c", str(CONSTRAINTS), "-r", str(requirements)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    installed = {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in json.loads(report.read_text(encoding="utf-8"))["install"]
    }
    assert installed == _pins()


def test_dependencies_are_their_own_layer_installed_from_the_constraints_before_the_code() -> None:
    instructions = _instructions()
    position = {(keyword, rest): index for index, (keyword, rest) in enumerate(instructions)}
    [pinned] = [key for key in position if key[0] == "RUN" and "-r constraints.txt" in key[1]]
    assert "--no-deps" in pinned[1]
    copy_constraints = position[("COPY", "constraints.txt ./")]
    first_code = min(index for (keyword, rest), index in position.items() if keyword == "COPY" and rest.startswith("bot"))
    assert copy_constraints < position[pinned] < first_code  # a code change never reinstalls the dependencies
    [package] = [rest for keyword, rest in instructions if keyword == "RUN" and "pip install" in rest and " ." in rest]
    assert "--no-deps" in package  # nothing resolved after the pinned layer


def test_the_image_carries_no_fixtures_but_the_meta_template_definitions() -> None:
    copied = [rest.split()[0] for keyword, rest in _instructions() if keyword == "COPY"]
    assert not [source for source in copied if source.rstrip("/") == "fixtures"]
    assert [source for source in copied if source.startswith("fixtures")] == ["fixtures/templates"]
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert "tests" in ignored and "fixtures/*" in ignored and "!fixtures/templates" in ignored


def test_migrations_are_a_release_step_named_in_the_dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "yume db upgrade" in text
    cmd = json.loads([rest for keyword, rest in _instructions() if keyword == "CMD"][-1])
    assert "--migrate" not in cmd  # the image's processes never migrate on their own
