"""Booking for someone else: who the appointment is for (`guest`), their name, and whether a child.

"un corte para mi hijo Mateo de 8 años" → guest "mi hijo", guest_name "Mateo", child. The guest is
cut from the text as written; the name a customer books *for* is never `person_name` (docs/nlu.md).
Patterns run on `fold(text)`, which is as long as the text, so spans cut the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.normalize import fold

_CHILD_WORDS = (
    r"hij[oa]s?|hijit[oa]s?|niñ[oa]s?|nin[oa]s?|nene|nena|nenes|bebe|bebes|chamac[oa]s?|chamaquit[oa]|morrit[oa]s?|"
    r"chiquit[oa]|peque|pequeñ[oa]|pequen[oa]|niet[oa]s?|chavit[oa]|escuincle|gemel[oa]s|mellizos|mellizas"
)
_ADULT_WORDS = (
    r"esposa|esposo|mujer|marido|novia|novio|mama|mami|mamita|papa|papi|herman[oa]s?|sobrin[oa]s?|prim[oa]s?|"
    r"abuel[oa]|abuelit[oa]|suegr[oa]|amig[oa]s?|cuate|compa|tia|tio|tiita|cuñad[oa]|cunad[oa]|compadre|comadre|"
    r"ahijad[oa]|jefe|jefa|vecin[oa]|pareja|chavo|chava|muchach[oa]"
)
_GUEST = re.compile(
    rf"(?:^|\b(?:para|pa|pal|a|al|de|del|es|con|lleva|llevo|traigo|traer)\s+)(?P<guest>(?:(?:mi|mis|el|la|los|las|nuestro|nuestra|su)\s+)"
    rf"(?:(?:dos|tres|\d)\s+)?(?P<who>{_CHILD_WORDS}|{_ADULT_WORDS}))\b"
)
_CHILD = re.compile(rf"^(?:{_CHILD_WORDS})$")
_AGE = re.compile(r"^\s*,?\s*(?:de|que tiene|tiene)\s+(?P<age>\d{1,2})(?:\s+(?:años|anos|añitos)\b|\s*(?=,|$))")
_NAMED = re.compile(r"^\s*,?\s*(?:(?:que\s+)?se\s+llama|llamad[oa]|de\s+nombre)?\s*")
_NAME_WORD = re.compile(r"[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+")
_HONORIFICS = frozenset({"don", "doña", "dona", "señor", "señora", "sr.", "sra.", "srta.", "seño"})
_CHILDREN_SERVICE_WORDS = frozenset({"niño", "niña", "nino", "nina", "niños", "niñas", "infantil", "kids", "infantiles", "niños"})


@dataclass(frozen=True)
class Guest:
    """Who an appointment is for, when it is not the writer."""

    guest: str
    name: str | None = None
    child: bool = False


def find_guest(text: str, not_names: frozenset[str] = frozenset()) -> Guest | None:
    """The guest a message books for ("para mi hijo Mateo"), or None."""
    folded = fold(text)
    match = _GUEST.search(folded)
    if match is None:
        return None
    guest = text[match.start("guest") : match.end("guest")].strip()
    child = bool(_CHILD.match(match["who"]))
    age = _AGE.search(folded[match.end() :]) or _AGE.search(re.sub(r"^\s*,?\s*[A-Za-zÀ-ÿ]+", "", folded[match.end() :]))
    if age is not None:
        child = int(age["age"]) <= 12
    return Guest(guest=guest, name=_name_after(text, match.end(), not_names), child=child)


def _name_after(text: str, start: int, not_names: frozenset[str]) -> str | None:
    """ "mi hijo Mateo", "mi hija, se llama Sofía": a capitalized name right after the guest."""
    rest = text[start:]
    lead = _NAMED.match(fold(rest))
    rest = rest[lead.end() :] if lead else rest
    words: list[str] = []
    for index, raw in enumerate(rest.split()[:4]):
        word = raw.strip(",.;:!?¿¡")
        if index == 0 and fold(word) in _HONORIFICS:
            words.append(word)  # "mi papá, don Ramón"
            continue
        if not _NAME_WORD.fullmatch(word) or fold(word) in not_names:
            break
        words.append(word)
        if raw[-1:] in ",.;:!?":
            break
    if words and fold(words[-1]) in _HONORIFICS:
        words.pop()
    return " ".join(words) or None


def is_children_service(service_words: frozenset[str]) -> bool:
    """True for the catalog's children's service ("Corte niño", "Corte infantil")."""
    return bool(service_words & _CHILDREN_SERVICE_WORDS)
