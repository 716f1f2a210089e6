"""Spanish numbers in words → digits ("cuatro y media" → "4 y media", "ciento ochenta" → "180").

Works on accent-folded, lower-case tokens (see `nlu.normalize`). "un/una/uno" are articles far more
often than numbers, so they become 1 only where they clearly count ("a la una", "una hora").
"""

from __future__ import annotations

_UNITS: dict[str, int] = {
    "cero": 0, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9,
}
_TEENS: dict[str, int] = {
    "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19,
    "veinte": 20, "veintiuno": 21, "veintiun": 21, "veintiuna": 21, "veintidos": 22,
    "veintitres": 23, "veinticuatro": 24, "veinticinco": 25, "veintiseis": 26,
    "veintisiete": 27, "veintiocho": 28, "veintinueve": 29,
}
_TENS: dict[str, int] = {
    "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
    "ochenta": 80, "noventa": 90,
}
_HUNDREDS: dict[str, int] = {
    "cien": 100, "ciento": 100, "doscientos": 200, "trescientos": 300, "cuatrocientos": 400,
    "quinientos": 500, "seiscientos": 600, "setecientos": 700, "ochocientos": 800,
    "novecientos": 900,
}
_ORDINALS: dict[str, int] = {
    "primera": 1, "primero": 1, "primer": 1, "1ra": 1, "1ro": 1, "1a": 1, "1o": 1, "1er": 1,
    "segunda": 2, "segundo": 2, "2da": 2, "2do": 2, "2a": 2, "2o": 2,
    "tercera": 3, "tercero": 3, "tercer": 3, "3ra": 3, "3ro": 3, "3a": 3, "3er": 3,
    "cuarta": 4, "4ta": 4, "4a": 4, "quinta": 5, "quinto": 5, "5ta": 5,
    "sexta": 6, "sexto": 6, "septima": 7, "septimo": 7, "octava": 8, "octavo": 8,
    "novena": 9, "noveno": 9, "decima": 10, "decimo": 10,
}
_COUNTING_NEXT = frozenset({"hora", "horas"})


def ordinal_value(token: str) -> int | None:
    """'segunda' → 2, '3ra' → 3; None if the token is not an ordinal."""
    return _ORDINALS.get(token)


def _is_word_number(tokens: list[str], i: int) -> bool:
    token = tokens[i]
    if token in _UNITS or token in _TEENS or token in _TENS or token in _HUNDREDS:
        return True
    if token == "mil":  # "mil pesos" counts; "mil gracias" does not
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        return following in ("pesos", "varos") or following in _HUNDREDS or following in _TENS or following in _UNITS
    if token in ("una", "un"):
        previous = tokens[i - 1] if i > 0 else ""
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        return previous in ("la", "las") or following in _COUNTING_NEXT
    return False


def _read_number(tokens: list[str], i: int) -> tuple[int, int]:
    """Read one number starting at tokens[i]; return (value, tokens consumed)."""
    total = 0
    current = 0
    start = i
    # What may follow: after units/teens nothing but "mil"; after tens "y"+unit; after hundreds more.
    last = ""
    while i < len(tokens):
        token = tokens[i]
        if token.isdigit() and i == start and i + 1 < len(tokens) and tokens[i + 1] == "mil":
            current = int(token)
            last = "unit"
        elif token in ("una", "un") and i == start:
            current, last = 1, "unit"
        elif token in _HUNDREDS and last in ("", "thousand"):
            current += _HUNDREDS[token]
            last = "hundred"
        elif token in _TENS and last in ("", "thousand", "hundred"):
            current += _TENS[token]
            last = "ten"
        elif token in _TEENS and last in ("", "thousand", "hundred"):
            current += _TEENS[token]
            last = "unit"
        elif token in _UNITS and last in ("", "thousand", "hundred"):
            current += _UNITS[token]
            last = "unit"
        elif (
            token == "y" and last == "ten" and i + 1 < len(tokens)
            and tokens[i + 1] in _UNITS and tokens[i + 1] != "cero"
        ):
            current += _UNITS[tokens[i + 1]]
            i += 1
            last = "unit"
        elif token == "mil" and last in ("", "unit", "ten", "hundred"):
            total += max(current, 1) * 1000
            current = 0
            last = "thousand"
        else:
            break
        i += 1
    return total + current, i - start


def words_to_digits(tokens: list[str]) -> list[str]:
    """Replace every number written in words by its digits; other tokens pass through."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        starts_number = _is_word_number(tokens, i) or (
            tokens[i].isdigit() and i + 1 < len(tokens) and tokens[i + 1] == "mil"
        )
        if starts_number:
            value, used = _read_number(tokens, i)
            if used:
                out.append(str(value))
                i += used
                continue
        out.append(tokens[i])
        i += 1
    return out
