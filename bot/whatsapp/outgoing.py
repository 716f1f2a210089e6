"""Cloud API request bodies for Yume's outbound messages, inside Meta's limits.

Meta rejects a whole message when one title is a character too long (error 131009), so the
limits are applied here, gracefully: long titles are shortened with "…" (a list row keeps its full
title in the description), more than 3 buttons become a list, more than 10 rows keep the first 10
and the rest are written in the body, where a typed answer still works.
"""

from __future__ import annotations

import re
from typing import Any

from flows.core.messages import Button, ListRow, OutboundMessage, TemplateCall

TEXT_BODY_MAX = 4096
BUTTON_BODY_MAX = 1024
LIST_BODY_MAX = 4096
HEADER_MAX = 60
FOOTER_MAX = 60
MAX_BUTTONS = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
MAX_ROWS = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
LIST_BUTTON_MAX = 20
DEFAULT_LIST_BUTTON = "Ver opciones"
TEMPLATE_PARAM_MAX = 1024

_BSUID = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9.]+$")


def fit(text: str, limit: int) -> str:
    """`text` within `limit` characters, shortened with "…" when it does not fit."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def is_bsuid(recipient: str) -> bool:
    """Whether a recipient is a business-scoped user id ("US.1349…") rather than a phone."""
    return bool(_BSUID.match(recipient))


def _envelope(to: str) -> dict[str, Any]:
    # BSUID-only users are addressed with `recipient` (unverified: partner docs, mid-2026 rollout).
    address = {"recipient": to} if is_bsuid(to) else {"to": to}
    return {"messaging_product": "whatsapp", "recipient_type": "individual", **address}


def message_payload(
    message: OutboundMessage, *, as_template: bool = False, reply_to: str | None = None
) -> dict[str, Any]:
    """The body of `POST /{phone_number_id}/messages` for one outbound message."""
    if as_template:
        if message.template is None:
            raise ValueError("this message has no template to send outside the 24-hour window")
        return template_payload(message.to, message.template)
    payload = _envelope(message.to)
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    buttons, rows, overflow = list(message.buttons), list(message.rows), []
    if len(buttons) > MAX_BUTTONS:  # too many for buttons: offer them as list rows instead
        rows = [ListRow(id=button.id, title=button.title) for button in buttons] + rows
        buttons = []
    if len(rows) > MAX_ROWS:
        overflow = rows[MAX_ROWS:]
        rows = rows[:MAX_ROWS]
    if rows:
        payload.update(type="interactive", interactive=_list(message, rows, overflow))
    elif buttons:
        payload.update(type="interactive", interactive=_buttons(message, buttons))
    else:
        payload.update(
            type="text", text={"body": fit(_text_with_edges(message), TEXT_BODY_MAX) or "…", "preview_url": False}
        )
    return payload


def _text_with_edges(message: OutboundMessage) -> str:
    """A plain text message keeps its header and footer as lines (WhatsApp text has neither)."""
    return "\n\n".join(part for part in (message.header, message.text, message.footer) if part)


def _buttons(message: OutboundMessage, buttons: list[Button]) -> dict[str, Any]:
    titles = _unique([fit(button.title, BUTTON_TITLE_MAX) for button in buttons], BUTTON_TITLE_MAX)
    interactive: dict[str, Any] = {
        "type": "button",
        "body": {"text": fit(message.text, BUTTON_BODY_MAX) or "…"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": button.id[:BUTTON_ID_MAX], "title": title}}
                for button, title in zip(buttons, titles, strict=True)
            ]
        },
    }
    _add_edges(interactive, message)
    return interactive


def _list(message: OutboundMessage, rows: list[ListRow], overflow: list[ListRow]) -> dict[str, Any]:
    body = message.text
    if overflow:
        body += "\n" + "\n".join(
            f"• {row.title}" + (f" — {row.description}" if row.description else "") for row in overflow
        )
    shaped = []
    for row in rows:
        title = fit(row.title, ROW_TITLE_MAX)
        description = row.description
        if title != row.title.strip() and not description:
            description = row.title  # the whole title stays readable under the short one
        item: dict[str, Any] = {"id": row.id[:ROW_ID_MAX], "title": title}
        if description:
            item["description"] = fit(description, ROW_DESCRIPTION_MAX)
        shaped.append(item)
    for item, title in zip(shaped, _unique([item["title"] for item in shaped], ROW_TITLE_MAX), strict=True):
        item["title"] = title
    interactive: dict[str, Any] = {
        "type": "list",
        "body": {"text": fit(body, LIST_BODY_MAX) or "…"},
        "action": {
            "button": fit(message.list_button or DEFAULT_LIST_BUTTON, LIST_BUTTON_MAX),
            "sections": [{"rows": shaped}],
        },
    }
    _add_edges(interactive, message)
    return interactive


def _add_edges(interactive: dict[str, Any], message: OutboundMessage) -> None:
    if message.header:
        interactive["header"] = {"type": "text", "text": fit(message.header, HEADER_MAX)}
    if message.footer:
        interactive["footer"] = {"text": fit(message.footer, FOOTER_MAX)}


def _unique(titles: list[str], limit: int) -> list[str]:
    """Meta refuses two options with the same title: number the repeats ("Corte (2)")."""
    seen: dict[str, int] = {}
    result = []
    for title in titles:
        count = seen.get(title, 0) + 1
        seen[title] = count
        if count > 1:
            suffix = f" ({count})"
            title = fit(title, limit - len(suffix)).rstrip("…") + suffix
        result.append(title)
    return result


def template_payload(to: str, template: TemplateCall) -> dict[str, Any]:
    """An approved template with its body parameters and quick-reply payloads."""
    components: list[dict[str, Any]] = []
    if template.body_params:
        components.append(
            {
                "type": "body",
                "parameters": [{"type": "text", "text": _template_param(value)} for value in template.body_params],
            }
        )
    for index, payload in enumerate(template.quick_replies):
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [{"type": "payload", "payload": payload}],
            }
        )
    body: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if components:
        body["components"] = components
    return {**_envelope(to), "type": "template", "template": body}


def _template_param(value: str) -> str:
    # Meta refuses parameters with newlines, tabs or more than four consecutive spaces (132018).
    flattened = re.sub(r"\s*[\n\t]+\s*", " · ", str(value))
    flattened = re.sub(r" {4,}", "   ", flattened)
    return fit(flattened, TEMPLATE_PARAM_MAX) or "-"


def read_receipt_payload(message_id: str, typing: bool = True) -> dict[str, Any]:
    """Mark an inbound message read and show "escribiendo…" until the reply (or 25 s)."""
    payload: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
    if typing:
        payload["typing_indicator"] = {"type": "text"}
    return payload
