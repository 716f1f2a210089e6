"""Service and staff names in a message, matched against the catalog.

People say "un corte", "mani pedi", "la barba", "rasurada", "con Pedro". Words are brought to one
canonical form (synonyms, small typos, plurals) and compared with the words of the catalog's
names. A word that names no catalog service is never forced onto one: "tintes" in a barbershop
without tints matches nothing, and "uñas" alone is ambiguous between Manicure and Pedicure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz.distance import Levenshtein

from nlu.guests import is_children_service
from nlu.normalize import fold, normalize

if TYPE_CHECKING:
    from nlu.catalog import Catalog

# Colloquial word → the canonical word used in service names.
SYNONYMS: dict[str, str] = {
    "pelo": "cabello", "cabellos": "cabello", "cortar": "corte", "cortarme": "corte",
    "cortarse": "corte", "cortes": "corte", "recorte": "corte", "cortecito": "corte",
    "cortarle": "corte", "corta": "corte", "cortan": "corte", "corten": "corte", "cortas": "corte",
    "korte": "corte", "peluqueada": "corte", "pelarme": "corte",
    "rasurar": "barba", "rasurada": "barba", "rasurarme": "barba", "rasurarle": "barba",
    "afeitar": "barba", "afeitada": "barba", "afeitarme": "barba", "barbas": "barba",
    "manicura": "manicure", "mani": "manicure", "manicur": "manicure", "manos": "manicure",
    "manicures": "manicure", "pedicura": "pedicure", "pedi": "pedicure", "pedicur": "pedicure",
    "pies": "pedicure", "pedicures": "pedicure",
    "tintes": "tinte", "teñir": "tinte", "teñirme": "tinte", "tinturas": "tinte", "tintura": "tinte",
    "tiñeme": "tinte", "tiñe": "tinte", "tiñen": "tinte", "tiñes": "tinte", "tiñan": "tinte", "teñirle": "tinte",
    "teñirte": "tinte", "teñido": "tinte", "tinturarme": "tinte", "coloracion": "tinte", "entintar": "tinte",
    "mechas": "mechas", "luces": "mechas", "cejas": "cejas", "ceja": "cejas",
    "pestaña": "pestañas", "depilar": "depilacion", "depilarme": "depilacion",
    "masajes": "masaje", "faciales": "facial", "peinados": "peinado", "peinar": "peinado",
    # «corte de mujer» is the ladies' cut, «corte de hombre» the gentlemen's, where the catalog has both.
    "mujer": "dama", "mujeres": "dama", "damas": "dama", "hombre": "caballero", "hombres": "caballero",
    "caballeros": "caballero",
}
# What is done to the hair, said in several words: "pintarme el pelo" is a tint (each word becomes "tinte",
# so the words still map back to the text one to one).
_SERVICE_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bpint(?:ar|o|a|e|en|as)?(?:me|le|te|se|nos)? (?:el |mi |su |los |las |tu )?(?:cabello|pelo|canas|mechas)\b"), "tinte"),
    (re.compile(r"\b(?:cubrir|tapar|pintar) (?:las |mis |sus )?canas\b"), "tinte"),
    (re.compile(r"\b(?:cambio de color|ponerme color|poner color|color (?:de|en el|al) (?:cabello|pelo))\b"), "tinte"),
)
# A word that implies another when the customer does not say it ("corte" is of the hair).
_IMPLIED: tuple[tuple[str, str], ...] = (("corte", "cabello"),)
# Words too generic to tell services apart: "el pelo de mi hijo" is about the hijo, not the pelo.
_WEAK_WORDS: dict[str, int] = {"cabello": 1}
# Words for services people ask about that a given catalog may not sell.
SERVICE_WORDS: frozenset[str] = frozenset(
    {
        "corte", "cabello", "barba", "manicure", "pedicure", "tinte", "mechas", "keratina",
        "alaciado", "depilacion", "cejas", "pestañas", "facial", "masaje", "peinado", "maquillaje",
        "uñas", "acrilicas", "acrilico", "gelish", "permanente", "decoloracion", "balayage",
        "tratamiento", "rayitos", "delineado", "planchado", "botox", "unas",
    }
)
_NAME_STOPWORDS = frozenset({"de", "del", "y", "con", "la", "el", "para", "+", "en", "a", "e", "los", "las"})
# Real words one typo away from a catalog word; never corrected ("pero" is not "pelo").
_NEVER_FUZZ = frozenset(
    {"norte", "corre", "barra", "carta", "parte", "porte", "corto", "certe", "pero", "bravo",
     "bueno", "tarde", "noche", "media", "manda", "mande", "madre", "manana", "pedir", "pide", "pides",
     "podre", "padre", "cabe", "barbie", "meter", "cortina", "cortesia"}
)
# A ladies' variant asked for by name: never forced onto a service that is not one.
_WOMEN_WORDS = frozenset({"dama", "damas", "mujer", "mujeres", "señora", "señoras", "femenino"})
_FOR_WOMEN = re.compile(r"\b(?:de|para) (?:dama|damas|mujer|mujeres|señora|señoras)\b")
# First names that are also common words: a staff member called Luz is matched only after "con".
_COMMON_WORD_NAMES = frozenset({"luz", "rosa", "paz", "sol", "angel", "flor", "cruz", "leon", "pilar", "dulce", "alba", "rocio", "mar"})


@dataclass(frozen=True)
class _ServiceWords:
    name: str
    words: frozenset[str]
    is_combo: bool


@dataclass(frozen=True)
class Found:
    """A catalog name found in a message, with the normalized words that named it."""

    name: str
    words: tuple[str, ...]


def canonical_word(word: str, vocabulary: frozenset[str] = frozenset()) -> str:
    """One word in its canonical form: synonyms, then a one-letter typo of a vocabulary word."""
    if word in SYNONYMS:
        return SYNONYMS[word]
    if word in vocabulary or word in _NEVER_FUZZ or len(word) < 5 or not word.isalpha():
        return word
    if word.endswith("s") and word[:-1] in vocabulary:
        return word[:-1]
    limit = 2 if len(word) >= 8 else 1
    for known in vocabulary:
        if abs(len(known) - len(word)) <= limit and Levenshtein.distance(word, known, score_cutoff=limit) <= limit:
            return known
    return word


def _looks_like_surname(token: str, staff_words: frozenset[str]) -> bool:
    from nlu.free_text import NOT_NAME_WORDS

    return token.isalpha() and len(token) > 2 and token not in NOT_NAME_WORDS and token not in staff_words and (
        token not in SYNONYMS and token not in SERVICE_WORDS
    )


class CatalogMatcher:
    """Finds catalog services and staff in normalized text (built once per catalog)."""

    def __init__(self, catalog: Catalog) -> None:
        vocabulary: set[str] = set(SYNONYMS.values()) | set(SERVICE_WORDS)
        self._services: list[_ServiceWords] = []
        for name in catalog.service_names:
            raw_words = normalize(name).split()
            words = frozenset(SYNONYMS.get(w, w) for w in raw_words if w not in _NAME_STOPWORDS)
            vocabulary |= words
            is_combo = any(w in ("y", "+", "con", "e") for w in raw_words) or "+" in name
            self._services.append(_ServiceWords(name, words, is_combo and len(words) > 1))
        self.vocabulary: frozenset[str] = frozenset(vocabulary)
        self.service_vocabulary: frozenset[str] = frozenset(w for s in self._services for w in s.words)
        # Staff: full names, and first names / surnames that belong to one person only.
        self._staff_keys: dict[tuple[str, ...], str] = {}
        counts: dict[str, int] = {}
        for name in catalog.staff_names:
            for word in normalize(name).split():
                counts[word] = counts.get(word, 0) + 1
        for name in catalog.staff_names:
            words = tuple(normalize(name).split())
            self._staff_keys[words] = name
            for word in words:
                if counts[word] == 1 and len(word) > 2:
                    self._staff_keys[(word,)] = name
        self.staff_words: frozenset[str] = frozenset(w for key in self._staff_keys for w in key)

    def canonical_tokens(self, normalized: str) -> list[str]:
        """The tokens of a normalized text with service words in canonical form."""
        for pattern, word in _SERVICE_PHRASES:
            normalized = pattern.sub(lambda m, w=word: " ".join([w] * len(m.group(0).split())), normalized)
        return [canonical_word(token, self.vocabulary) for token in normalized.split()]

    def children_service(self) -> str | None:
        """The catalog's children's service ("Corte niño"), if it has exactly one."""
        found = [s.name for s in self._services if is_children_service(s.words)]
        return found[0] if len(found) == 1 else None

    def shares_words(self, first: str, second: str) -> bool:
        """True when two catalog services share a word ("Corte de cabello" and "Corte niño")."""
        words = {s.name: s.words for s in self._services}
        return bool(words.get(first, frozenset()) & words.get(second, frozenset()))

    def is_combo(self, name: str) -> bool:
        """True for a catalog service made of others ("Corte y barba", "Mani + Pedi")."""
        return any(s.name == name and s.is_combo for s in self._services)

    def find_service(self, normalized: str) -> Found | None:
        """The catalog service the text names, or None when it names none or several equally."""
        tokens = self.canonical_tokens(normalized)
        present = set(tokens)
        # "Un corte" is a haircut: the plain "Corte de cabello" beats "Corte niño" on a tie,
        # but anything the customer actually said ("corte para niño") still counts more.
        implied = {word for cue, word in _IMPLIED if cue in present and word not in present}
        scored: list[tuple[int, _ServiceWords]] = []
        for service in self._services:
            matched = service.words & present
            if not matched:
                continue
            weight = sum(_WEAK_WORDS.get(word, 10) for word in matched)
            score = weight + len(service.words & implied) - len(service.words - matched - implied)
            if service.is_combo and matched != service.words:
                score -= 5  # "barba" alone is not "Corte y barba"
            scored.append((score, service))
        if not scored:
            return None
        scored.sort(key=lambda item: item[0], reverse=True)
        best_score, best = scored[0]
        if best_score <= 0:
            return None  # only a weak word ("productos para el cabello") names no service
        if _FOR_WOMEN.search(normalized) and not best.words & _WOMEN_WORDS:
            return None  # "cortes para dama" in a barbershop: not its "Corte de cabello"
        if len(scored) > 1 and scored[1][0] == best_score:
            return None  # two services fit equally: ask, do not guess
        original = normalized.split()
        words = tuple(original[i] for i, token in enumerate(tokens) if token in best.words)
        return Found(best.name, words)

    def find_services(self, normalized: str) -> list[str]:
        """Every catalog service named in a list ("corte y barba, manicure"), in catalog order."""
        whole = self.find_service(normalized)
        parts = [p for chunk in normalized.replace(" y ", " , ").split(",") if (p := chunk.strip())]
        names: list[str] = []
        for part in parts:
            found = self.find_service(part)
            if found and found.name not in names:
                names.append(found.name)
        if whole and whole.name not in names and len(names) <= 1:
            return [whole.name]
        order = {s.name: i for i, s in enumerate(self._services)}
        return sorted(names, key=order.__getitem__)

    def unknown_service_word(self, normalized: str) -> str | None:
        """A service word the catalog does not sell ("tintes" in a barbershop), if any."""
        for token in self.canonical_tokens(normalized):
            if token in SERVICE_WORDS and token not in self.service_vocabulary and token not in ("unas",):
                return token
        return None

    def mentions_service_word(self, normalized: str) -> bool:
        """True when any service word (sold here or not) appears."""
        return any(t in SERVICE_WORDS or t in self.service_vocabulary for t in self.canonical_tokens(normalized))

    def find_staff(self, normalized: str, raw: str | None = None) -> Found | None:
        """The staff member named in the text ("con Pedro", "Pedro Ruiz"), if exactly one.

        `raw`, the text as typed: a writer who capitalizes "Luis" capitalizes a surname too, so
        "Luis pidió el viernes" names Luis and "Pedro Pérez" another Pedro.
        """
        tokens = normalized.split()
        capitalized = {
            fold(w.strip(",.;:!?¿¡()\"'")) for w in (raw or "").split() if w.strip("¿¡(\"'")[:1].isupper()
        }
        found: dict[str, tuple[str, ...]] = {}
        for size in (3, 2, 1):
            for i in range(len(tokens) - size + 1):
                key = tuple(tokens[i : i + size])
                name = self._staff_keys.get(key)
                if name is None or name in found:
                    continue
                if size == 1 and key[0] in _COMMON_WORD_NAMES and (i == 0 or tokens[i - 1] != "con"):
                    continue
                written_lower = key[0] in capitalized and tokens[i + 1 : i + 2] and tokens[i + 1] not in capitalized
                if size == 1 and i + 1 < len(tokens) and not written_lower and _looks_like_surname(tokens[i + 1], self.staff_words):
                    continue  # "Pedro Pérez" is another Pedro
                first_name = fold(name.split()[0])
                if (
                    size == 1 and key[0] != first_name and i > 0 and tokens[i - 1] in capitalized
                    and tokens[i - 1] not in self.staff_words
                ):
                    continue  # "Sandra Ruiz" is another Ruiz
                found[name] = key
        if len(found) != 1:
            return None
        name, words = next(iter(found.items()))
        return Found(name, words)
