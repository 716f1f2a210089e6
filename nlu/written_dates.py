"""Absolute dates in written forms the own parser does not read, through dateparser.

«3/feb/2027», «2027-02-03», «03.02.2027», «3-feb-27», «3 de feb. de 2027», «el 3 del 2»: dateparser
knows these shapes; the own resolver (`nlu.spanish_dates`, `nlu.resolver`) keeps the Mexican
relative expressions and the calendar rules. Each candidate is rewritten as «D/M» or «D/M/YYYY» —
a form the own parser reads unambiguously — so the year is only kept when it was written and the
resolver still picks the next such day in the business timezone otherwise.

dateparser is imported on the first candidate only: most messages have none, and `yume nlu
--batch` must start fast.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from nlu.normalize import fold

_MONTH = (
    r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    r"ene|feb|mar|abr|may|jun|jul|ago|sep|sept|set|oct|nov|dic)"
)
# Only the shapes the own parser misreads or skips; «15 de enero», «febrero 3», «15/01» stay its own.
_CANDIDATE = re.compile(
    rf"(?<![\d:])(?:"
    rf"20\d\d[-/.]\d{{1,2}}[-/.]\d{{1,2}}"  # 2027-02-03
    rf"|\d{{1,2}}\.\d{{1,2}}\.(?:20)?\d\d"  # 03.02.2027, 3.2.27
    rf"|\d{{1,2}}-\d{{1,2}}-(?:20)?\d\d"  # 03-02-2027
    rf"|\d{{1,2}}\s*[-/.]\s*{_MONTH}\.?(?:\s*[-/.]\s*(?:20)?\d\d)?"  # 3/feb/2027, 3-feb-27, 24-dic
    rf"|{_MONTH}\s*[-/.]\s*\d{{1,2}}(?:\s*[-/.]\s*(?:20)?\d\d)?"  # feb/3/2027
    rf"|\d{{1,2}}\s+(?:de\s+)?{_MONTH}\.(?:\s+(?:de(?:l)?\s+)?(?:20)?\d\d)?"  # 3 de feb. de 2027
    rf"|(?<=\bel )\d{{1,2}}\s+del\s+\d{{1,2}}"  # el 3 del 2
    rf")(?![\d:]|\s*(?:am|pm|hrs|horas|de la)\b)",
)


def canonical(text: str) -> str:
    """The text with each written absolute date rewritten as «D/M» or «D/M/YYYY» (same words around it)."""
    folded = fold(text)
    if not _CANDIDATE.search(folded):
        return text
    out, last = [], 0
    for match in _CANDIDATE.finditer(folded):
        day = _read(match.group(0))
        if day is None:
            continue
        out.append(text[last : match.start()])
        out.append(day)
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def _read(candidate: str) -> str | None:
    """ "3/feb/2027" → "3/2/2027"; "feb 3" → "3/2"; None when dateparser sees no real day."""
    parsed = _parse(" ".join(candidate.split()).replace(" del ", " de "))
    if parsed is None:
        return None
    year = _written_year(candidate)
    if year is not None and year != parsed.year:
        return None  # dateparser read the figures some other way: leave them alone
    return f"{parsed.day}/{parsed.month}" + (f"/{year}" if year is not None else "")


def _written_year(candidate: str) -> int | None:
    """The year, only when written: a four-digit number, or the third part of day–month–year."""
    parts = [p for p in re.findall(r"\d+|[a-z]+", candidate) if p not in ("de", "del")]
    for part in parts:
        if len(part) == 4 and part.isdigit():
            return int(part)
    if len(parts) == 3 and parts[-1].isdigit() and len(parts[-1]) == 2:
        return 2000 + int(parts[-1])
    return None


@lru_cache(maxsize=1024)
def _parse(candidate: str) -> dt.date | None:
    import dateparser  # late: ~0.3 s to import, and most messages never need it

    settings: dict[str, Any] = {
        "DATE_ORDER": "DMY",
        "PARSERS": ["absolute-time"],  # the relative expressions are the own resolver's
        "REQUIRE_PARTS": ["day", "month"],
        "PREFER_DATES_FROM": "future",
        # Only day and month (and a written year) are kept: the own resolver places them in time.
        "RELATIVE_BASE": dt.datetime(2000, 1, 1),
    }
    try:
        value = dateparser.parse(candidate, languages=["es"], settings=settings)
    except (ValueError, OverflowError):
        return None
    return value.date() if value is not None else None
