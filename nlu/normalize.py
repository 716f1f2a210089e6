"""WhatsApp Spanish → one canonical lower-case form the rules can match.

Two forms of a message exist:
- `fold(text)`: lower case without accents, *same length as the text*, so a span found in it
  cuts the original text as written (names, messages and reasons keep their accents and case).
- `normalize(text)`: fold, plus WhatsApp spelling and abbreviations expanded ("mñn" → "mañana",
  "xfa" → "por favor", "q" → "que"), emoji read (👍 → "si"), letters repeated for emphasis
  collapsed ("siiii" → "si"), numbers in words as digits and punctuation reduced to "," and "?".

"ñ" survives both forms: "uñas" (nails) and "unas" (some) are different words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nlu.numbers_es import words_to_digits

# Emoji that answer something; every other emoji or symbol is dropped.
_EMOJI_WORDS: dict[str, str] = {
    "👍": " si ", "👌": " ok ", "✅": " si ", "☑": " si ", "✔": " si ", "🆗": " ok ",
    "🙏": " gracias ", "👋": " hola ", "❌": " no ", "👎": " no ", "🚫": " no ",
}

# Whole-token rewrites (keys are folded). Values may be several words.
_TOKEN_MAP: dict[str, str] = {
    # mañana
    "mñn": "mañana", "mñna": "mañana", "mñana": "mañana", "mnn": "mañana", "manana": "mañana",
    "maniana": "mañana", "mañna": "mañana", "mana": "mañana", "mñ": "mañana",
    # courtesy
    "xfa": "por favor", "xfavor": "por favor", "porfa": "por favor", "porfas": "por favor",
    "porfis": "por favor", "porfavor": "por favor", "plis": "por favor", "pls": "por favor",
    "plz": "por favor", "xfis": "por favor",
    "grax": "gracias", "grasias": "gracias", "gracia": "gracias", "grcs": "gracias", "gcs": "gracias",
    "gcias": "gracias", "grs": "gracias", "thx": "gracias", "thanks": "gracias", "ty": "gracias",
    "graciaz": "gracias", "grazie": "gracias", "muchas": "muchas",
    "ola": "hola", "hla": "hola", "holi": "hola", "holis": "hola", "hello": "hola", "hi": "hola",
    "holaa": "hola", "buenass": "buenas", "wenas": "buenas", "buenaz": "buenas",
    "bye": "adios", "bai": "adios", "bay": "adios", "chao": "adios", "chau": "adios", "adio": "adios",
    "byebye": "adios",
    # function words
    "q": "que", "k": "que", "ke": "que", "qe": "que", "xq": "porque", "pq": "porque",
    "porq": "porque", "xk": "porque", "pk": "porque", "tmb": "tambien", "tb": "tambien",
    "tmbn": "tambien", "tambn": "tambien", "tbn": "tambien", "tmbien": "tambien",
    "d": "de", "pa": "para", "pal": "para el", "x": "por", "xa": "para",
    "dnd": "donde", "dnde": "donde", "sta": "esta", "stoy": "estoy", "toy": "estoy",
    "bno": "bueno", "weno": "bueno", "bn": "bien", "aki": "aqui", "nomas": "nomas",
    "alas": "a las", "kiero": "quiero", "qiero": "quiero", "kero": "quiero", "kisiera": "quisiera",
    "qisiera": "quisiera", "ocupo": "ocupo", "ps": "pues", "pss": "pues", "pos": "pues",
    "kedo": "quedo", "keda": "queda", "kedan": "quedan", "kedas": "quedas", "kedamos": "quedamos", "kien": "quien",
    "ktal": "que tal", "ntp": "no te preocupes",
    # time words
    "hr": "horas", "hrs": "horas", "hra": "horas", "hras": "horas", "h": "horas",
    "min": "minutos", "mins": "minutos", "minuto": "minutos", "mn": "minutos",
    "orita": "ahorita", "horita": "ahorita", "ahoritita": "ahorita", "ahoritas": "ahorita",
    "alrato": "al rato", "finde": "fin de semana", "mediodia": "mediodia",
    "lun": "lunes", "mier": "miercoles", "mie": "miercoles", "jue": "jueves",
    "vie": "viernes", "sab": "sabado", "dom": "domingo",
    "p.m": "pm", "a.m": "am",
    # yes / no / ok
    "sip": "si", "sii": "si", "sis": "si", "sep": "si", "yes": "si", "sí": "si",
    "nop": "no", "nope": "no", "noo": "no", "nou": "no", "nelson": "nel", "na": "no", "nah": "no", "nanai": "no",
    "oki": "ok", "okis": "ok", "okey": "ok", "okay": "ok", "oka": "ok", "okk": "ok",
    "okas": "ok", "okidoki": "ok", "oks": "ok", "okei": "ok", "okeyy": "ok",
    # nouns
    "sita": "cita", "sitas": "citas", "msj": "mensaje", "msg": "mensaje", "tel": "telefono",
    "cel": "celular", "num": "numero", "walkin": "walkin", "noshow": "noshow",
    "reagendar": "reagendar", "reajendar": "reagendar", "ajendar": "agendar", "agndar": "agendar",
    "agendame": "agendame", "ajendame": "agendame",
    # staff words typed fast
    "kita": "quita", "kitale": "quitale", "kitame": "quitame", "kitalo": "quitalo", "kitala": "quitala",
    "bloquo": "bloqueo", "bloquos": "bloqueos", "sige": "sigue", "bino": "vino", "binieron": "vinieron", "boy": "voy",
    "juevez": "jueves", "sabdo": "sabado", "vierns": "viernes", "viernez": "viernes", "miercole": "miercoles",
}

_MULTIWORD: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b([ap])\s?\.\s?m\b\.?"), r"\1m"),
    (re.compile(r"\bmedio dia\b"), "mediodia"),
    (re.compile(r"\bwalk\s?-?\s?in\b"), "walkin"),
    (re.compile(r"\bno\s?-?\s?shows?\b"), "noshow"),
    (re.compile(r"\bre\s?-\s?agendar\b|\bre agendar\b"), "reagendar"),
    (re.compile(r"\bal\s?ratito\b"), "al rato"),
    (re.compile(r"\bpor fa\b"), "por favor"),
    (re.compile(r"\bmani\s?-\s?pedi\b"), "mani pedi"),
    # «bloqeua», «desblokea», «bloqea»: the block verb with its «qu» typed as q, k or «qeu».
    (re.compile(r"\b(des)?blo(?:k|q|qu)(?:eu|ue|e)(?=[a-z])"), r"\1bloque"),
]

_DIGIT_SUFFIX = re.compile(r"\b(\d{1,2}(?::\d{2})?)(am|pm|hrs?|horas|h|mins?|minutos)\b")
_THOUSANDS = re.compile(r"(\d),(\d{3})\b")
_REPEATS = re.compile(r"([a-zñ])\1{2,}")
_KEEP = re.compile(r"[^a-zñ0-9:$+/.,?\s]")
_DOT_NOT_IN_NUMBER = re.compile(r"(?<!\d)\.|\.(?!\d)")


@lru_cache(maxsize=None)
def _fold_char(char: str) -> str:
    if char in "ñÑ":
        return "ñ"
    lowered = char.lower()
    base = unicodedata.normalize("NFD", lowered)[:1] if lowered else char
    return base if base else char


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case without accents (ñ kept), exactly as long as `text`: spans map back 1:1."""
    if text.isascii():
        return text.lower()  # one character for one: the common case, fast
    return "".join(_fold_char(char) if ord(char) > 127 or char.isupper() else char for char in text)


def _emoji_to_words(text: str) -> str:
    for emoji, words in _EMOJI_WORDS.items():
        if emoji in text:
            text = text.replace(emoji, words)
    return text


def tokens_of(normalized: str) -> list[str]:
    """The tokens of a normalized text."""
    return normalized.split()


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """The canonical form the rules read (see the module docstring)."""
    text = fold(_emoji_to_words(text))
    for pattern, replacement in _MULTIWORD:
        text = pattern.sub(replacement, text)
    text = _THOUSANDS.sub(r"\1\2", text)
    text = _KEEP.sub(" ", text)
    text = _DOT_NOT_IN_NUMBER.sub(" , ", text)
    text = text.replace("?", " ? ").replace(",", " , ")
    text = _DIGIT_SUFFIX.sub(r"\1 \2", text)
    tokens: list[str] = []
    for token in text.split():
        token = _REPEATS.sub(r"\1", token)
        replacement = _TOKEN_MAP.get(token)
        if replacement is None and len(token) > 2 and token[-1] == token[-2] and token[-1] in "aeiosy":
            # "siii" was collapsed to "si" above; "sii"/"noo"/"hola aa" leave one extra letter.
            replacement = _TOKEN_MAP.get(token[:-1], token[:-1] if token[:-1] in _ECHO_WORDS else None)
        tokens.extend((replacement or token).split())
    tokens = words_to_digits(tokens)
    return " ".join(tokens)


# Words people stretch with a doubled last letter ("sii", "noo", "holaa", "graciass").
_ECHO_WORDS = frozenset({"si", "no", "hola", "gracias", "va", "sale", "ok", "buenas", "ya", "bueno"})
