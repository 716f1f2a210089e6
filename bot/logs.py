"""Logs: JSON lines in production, readable lines in development; phones masked in both.

Every line carries the trace of the task that wrote it (flows/core/trace.py): the WhatsApp message id,
the organization and the lane, from the inbox through the engine and the NLU to the outbox. The
formatter masks every phone number it finds in the message and the traceback ("+52 55 **** 5678"),
whoever wrote the line — Mexico's LFPDPPP applies to customer data, and a log line is data too;
call sites that log a number mask it themselves as well (`store.phones.masked_phone`).

    configure_logging(json_lines=True, level="INFO")    # yume serve (YUME_LOG_FORMAT / YUME_LOG_LEVEL)
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone
from typing import TextIO

from flows.core.trace import current
from store.phones import masked_phone

# What a phone looks like in free text: E.164 or WhatsApp digits (10–15 in a row), or the spaced and
# dashed ways people write them ("+52 55 1234 5678", "55-1234-5678", "(55) 1234 5678", "521 55 …").
# Not part of a longer word, id or UUID (no letter, digit, dash or dot right before or after).
_PHONE = re.compile(
    r"(?<![\w.\-+])"
    r"(?:\+?\d{10,15}"
    r"|\+?(?:\d{1,3}[ .\-])?(?:\d[ .\-]?)?\(?\d{2,3}\)?[ .\-]?\d{3,4}[ .\-]\d{4})"
    r"(?![\w\-])"
)


def mask_phones(text: str) -> str:
    """`text` with every phone number in it masked ("+52 55 **** 5678")."""
    return _PHONE.sub(lambda match: masked_phone(match.group(0)), text)


def lane_label(phone_number_id: str | None, sender: str | None) -> str:
    """A lane as logs show it: the business number's id and the sender, masked."""
    return f"{phone_number_id or '-'}|{mask_phones(sender or '-')}"


class _Masking(logging.Formatter):
    """The rendered message and traceback, masked."""

    def message_of(self, record: logging.LogRecord) -> str:
        return mask_phones(record.getMessage())

    def exception_of(self, record: logging.LogRecord) -> str | None:
        if record.exc_info:
            return mask_phones(self.formatException(record.exc_info))
        if record.exc_text:
            return mask_phones(record.exc_text)
        return None


class JsonFormatter(_Masking):
    """One JSON object per line: time, level, logger, message, the trace, the exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": self.message_of(record),
            **current().fields(),
        }
        exception = self.exception_of(record)
        if exception:
            line["exception"] = exception
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(_Masking):
    """`12:00:01 INFO yume.whatsapp.inbox [wamid.X org=… lane=…] message` (development)."""

    def format(self, record: logging.LogRecord) -> str:
        trace = current()
        context = " ".join(
            part
            for part in (
                trace.message_id,
                f"org={trace.organization_id}" if trace.organization_id else None,
                f"lane={trace.lane}" if trace.lane else None,
            )
            if part
        )
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{when} {record.levelname} {record.name}" + (f" [{context}]" if context else "")
        line += f": {self.message_of(record)}"
        exception = self.exception_of(record)
        return f"{line}\n{exception}" if exception else line


def configure_logging(*, json_lines: bool, level: str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Route every logger through one handler with Yume's formatter (replacing earlier handlers)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
