"""What Yume sends, independent of the channel: text, reply buttons, a list, or a template.

The WhatsApp client turns these into Cloud API payloads (enforcing Meta's limits); the console
chat and fixture replay read `plain_text()`. Whatever offers a choice also works typed back.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_BUTTONS = 3
MAX_LIST_ROWS = 10


class Button(BaseModel):
    """A reply button; `id` comes back in the reply, `title` is what the person sees (≤ 20)."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str


class ListRow(BaseModel):
    """A row of an interactive list (title ≤ 24, description ≤ 72)."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    description: str | None = None


class TemplateCall(BaseModel):
    """An approved template, used when the 24-hour window is closed (reminders, agendas)."""

    name: str
    language: str = "es_MX"
    body_params: list[str] = Field(default_factory=list)
    quick_replies: list[str] = Field(default_factory=list)  # payloads, in button order


class OutboundMessage(BaseModel):
    """One message to one WhatsApp id."""

    to: str  # the WhatsApp id exactly as the person wrote from (or their canonical digits)
    text: str
    header: str | None = None
    footer: str | None = None
    buttons: list[Button] = Field(default_factory=list, max_length=MAX_BUTTONS)
    rows: list[ListRow] = Field(default_factory=list, max_length=MAX_LIST_ROWS)
    list_button: str | None = None  # the label that opens the list ("Ver horarios")
    template: TemplateCall | None = None  # the fallback outside the 24-hour window
    purpose: str | None = None  # e.g. "confirmation", "reminder": tells the owner what failed

    @property
    def kind(self) -> Literal["text", "buttons", "list"]:
        if self.rows:
            return "list"
        if self.buttons:
            return "buttons"
        return "text"

    def plain_text(self) -> str:
        """Everything the person can read: header, body, footer, button and row titles."""
        parts = [self.header or "", self.text, self.footer or ""]
        parts += [button.title for button in self.buttons]
        for row in self.rows:
            parts.append(row.title)
            if row.description:
                parts.append(row.description)
        return "\n".join(part for part in parts if part)
