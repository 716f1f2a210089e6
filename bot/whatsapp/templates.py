"""The Meta message templates Yume needs (`fixtures/templates/*.json`), read and checked.

A template must be approved by Meta before it can be sent outside the 24-hour window; the files
are what `yume templates submit` posts to the business account. The outbox checks every
template call against its definition before sending (number of body parameters, quick replies),
so a mismatch is a clear local error instead of Meta's 132000 after the fact.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.core.messages import TemplateCall

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "templates"
_PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


class TemplateFileError(ValueError):
    """A template file is not a usable Meta template definition."""


@dataclass(frozen=True)
class TemplateDefinition:
    name: str
    language: str
    category: str
    body_params: int
    quick_replies: list[str]
    definition: dict[str, Any]

    @classmethod
    def from_json(cls, data: Any, source: str = "template") -> TemplateDefinition:
        if not isinstance(data, dict):
            raise TemplateFileError(f"{source}: expected a JSON object")
        for key in ("name", "language", "category", "components"):
            if key not in data:
                raise TemplateFileError(f"{source}: missing {key!r}")
        if not re.fullmatch(r"[a-z0-9_]{1,512}", str(data["name"])):
            raise TemplateFileError(f"{source}: Meta template names are lowercase letters, digits and _")
        body = next((c for c in data["components"] if str(c.get("type", "")).upper() == "BODY"), None)
        if body is None:
            raise TemplateFileError(f"{source}: no BODY component")
        numbers = sorted({int(n) for n in _PLACEHOLDER.findall(body.get("text", ""))})
        if numbers != list(range(1, len(numbers) + 1)):
            raise TemplateFileError(
                f"{source}: body placeholders must be {{{{1}}}}..{{{{n}}}} without gaps, got {numbers}"
            )
        examples = (body.get("example") or {}).get("body_text") or [[]]
        if numbers and len(examples[0]) != len(numbers):
            raise TemplateFileError(f"{source}: Meta needs one example per body parameter ({len(numbers)})")
        quick_replies = [
            button.get("text", "")
            for component in data["components"]
            if str(component.get("type", "")).upper() == "BUTTONS"
            for button in component.get("buttons", [])
            if str(button.get("type", "")).upper() == "QUICK_REPLY"
        ]
        return cls(str(data["name"]), str(data["language"]), str(data["category"]), len(numbers), quick_replies, data)


class TemplateCatalog:
    """The templates Yume may send, by name."""

    def __init__(self, definitions: list[TemplateDefinition]) -> None:
        self.definitions = {definition.name: definition for definition in definitions}

    @classmethod
    def load(cls, directory: Path | None = None) -> TemplateCatalog:
        """Every `*.json` template definition in `directory` (default: fixtures/templates)."""
        directory = directory or default_templates_dir()
        definitions = []
        for path in sorted(directory.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as error:
                raise TemplateFileError(f"{path.name}: not JSON ({error})") from error
            definitions.append(TemplateDefinition.from_json(data, path.name))
        return cls(definitions)

    def problem_with(self, call: TemplateCall) -> str | None:
        """Why Meta would refuse this call (unknown name, wrong counts), or None when it fits."""
        definition = self.definitions.get(call.name)
        if definition is None:
            return f"template {call.name!r} is not one of Yume's templates"
        if len(call.body_params) != definition.body_params:
            return f"template {call.name!r} takes {definition.body_params} body parameters, got {len(call.body_params)}"
        if len(call.quick_replies) > len(definition.quick_replies):
            expected, given = len(definition.quick_replies), len(call.quick_replies)
            return f"template {call.name!r} has {expected} quick replies, got {given} payloads"
        return None


def default_templates_dir() -> Path:
    """fixtures/templates next to the code, else under the working directory (the Docker image)."""
    if TEMPLATES_DIR.is_dir():
        return TEMPLATES_DIR
    return Path.cwd() / "fixtures" / "templates"
