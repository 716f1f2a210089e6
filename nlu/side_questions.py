"""Questions asked inside another request: «¿abren el domingo? quiero corte a las 12» (`Slots.also`).

A message is cut into clauses (at "?", "!", ".", ";" and before a new question or request); each clause
is read with the intent rules alone. The main intent stays the rule engine's; the other questions of
`ALSO_INTENTS` become `also`. A clause that asks to book makes booking the main intent when the rest
are only questions (the questions are answered on the way).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nlu import intent_rules as ir
from nlu.understanding import ALSO_INTENTS, Intent, intents_for

_QUESTION_START = (
    r"(?:a que hora|cuanto|cuanta|cuantos|donde|en donde|hasta que hora|desde que hora|que dias|que horario|cual|"
    r"cuando|abren|cierran|tienen|hay|estan abiertos|me pasas|quiero|quisiera|necesito|me das|me agendas|agendame|"
    r"tambien|y (?:a que|cuanto|donde|cuando))\b"
)
_SPLIT = re.compile(rf"\s*(?:[?!.;]+|,\s*(?={_QUESTION_START})|\by\s+(?={_QUESTION_START}))\s*")


def clauses(normalized: str) -> list[str]:
    """The clauses of a normalized message, in order."""
    return [part.strip(" ,") for part in _SPLIT.split(normalized) if part.strip(" ,")]


def side_questions(normalized: str, cues: ir.Cues, main: Intent) -> list[Intent]:
    """The questions of `ALSO_INTENTS` asked besides `main`, in the order asked (the role's only)."""
    parts = clauses(normalized)
    if len(parts) < 2:
        return []
    allowed = intents_for(cues.role)
    found: list[Intent] = []
    for part in parts:
        intent, _ = ir.first_rule_intent(part, cues)
        if intent in ALSO_INTENTS and intent != main and intent in allowed and intent not in found:
            found.append(intent)
    return found


def first_question(normalized: str, cues: ir.Cues) -> Intent | None:
    """The question of `ALSO_INTENTS` asked first, when the message asks several (it is the main intent)."""
    parts = clauses(normalized)
    if len(parts) < 2:
        return None
    allowed = intents_for(cues.role)
    for part in parts:
        intent, _ = ir.first_rule_intent(part, cues)
        if intent in ALSO_INTENTS and intent in allowed:
            return intent
    return None


def asks_to_book(normalized: str, cues: ir.Cues, mentions_service: Callable[[str], bool]) -> bool:
    """True when a clause asks for an appointment while the others only ask questions."""
    parts = clauses(normalized)
    if len(parts) < 2:
        return False
    for part in parts:
        intent, _ = ir.first_rule_intent(part, cues)
        if intent is not None:
            continue
        if ir.BOOK_VERB.search(part) or (ir.WANT.search(part) and (mentions_service(part) or ir.BOOK_NOUN.search(part))):
            return True
    return False
