"""Find the date and time expressions of a normalized Mexican-Spanish message, as parts.

Works on `nlu.normalize.normalize` output (lower case, no accents but ñ, numbers as digits).
Nothing here knows the calendar: "el viernes" becomes `DayParts(weekday="fri")` and the resolver
decides which Friday. Each expression found is blanked out of `rest`, so the rule engine can see
what else the message says.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from nlu.resolver import ClockParts, DateTimeParts, DayParts, Period
from nlu.understanding import WEEKDAYS, PartOfDay, Weekday

WEEKDAY_WORDS: dict[str, Weekday] = {
    "lunes": "mon", "martes": "tue", "miercoles": "wed", "jueves": "thu", "viernes": "fri",
    "sabado": "sat", "domingo": "sun",
}
_WEEKDAY_PLURALS: dict[str, Weekday] = {"sabados": "sat", "domingos": "sun"}
MONTH_WORDS: dict[str, int] = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "ene": 1, "feb": 2, "abr": 4, "jun": 6, "jul": 7, "ago": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dic": 12,
}
# Common words one typo away from a weekday name; never "corrected".
_NOT_WEEKDAY_TYPOS = frozenset(
    {"vienes", "partes", "nueves", "lunas", "martas", "sabana", "domino", "sabados", "domingos", "mueves", "jueces", "artes",
     "luces", "mares", "salado", "lunares", "dunas", "sacado", "cabado", "pasado"}
)

_WD = r"(?P<wd>lunes|martes|miercoles|jueves|viernes|sabado|domingo)"
_WD2 = r"(?P<wd2>lunes|martes|miercoles|jueves|viernes|sabado|domingo)"
_MONTH = r"(?P<mon>" + "|".join(sorted(MONTH_WORDS, key=len, reverse=True)) + r")"
_MONTH1 = _MONTH.replace("?P<mon>", "?P<mon1>")
_MONTH2 = _MONTH.replace("?P<mon>", "?P<mon2>")
# Grouped: an alternation left bare here once let "de la semana que entra" match without a weekday.
_NEXT_WEEK = (
    r"(?:de la (?:proxima|otra|siguiente|entrante) semana|de la semana (?:que viene|que entra|proxima|siguiente|entrante))"
)
_NEXT_WEEK_FIRST = r"(?:la )?(?:(?:proxima|otra|siguiente) semana|semana que (?:viene|entra)|semana (?:proxima|entrante))"
_THIS_WEEK = r"(?:de esta semana|de la semana en curso)"

_MERIDIEMS: dict[str, str] = {
    "am": "am", "de la mañana": "am", "de la madrugada": "am",
    "pm": "pm", "de la tarde": "pm", "de la noche": "pm", "del dia": "pm",
}


def _clock_pattern(prefix: str) -> str:
    """One clock expression; group names carry `prefix` so a range can hold two."""
    p = prefix
    return (
        # "10 para las 6" counts minutes, but in "de las 11 pa las 12" the 11 is an hour (after "las").
        rf"(?:(?<!las )(?<!la )(?P<{p}mb>cuarto|\d{{1,2}}) (?:minutos )?para (?:las? )?(?P<{p}hb>\d{{1,2}})"
        rf"|(?P<{p}h>\d{{1,2}})(?:[:.](?P<{p}m>[0-5]\d))?"
        rf"(?: (?:y (?P<{p}frac>media|cuarto|[0-5]?\d)(?! horas| minutos| pesos)(?: minutos)?"
        rf"|menos (?P<{p}less>cuarto|[0-5]?\d)))?)"
        rf"(?: (?P<{p}mer>am|pm|de la mañana|de la tarde|de la noche|del dia|de la madrugada))?"
        rf"(?: en punto| horas)?"
    )


_CLOCK = _clock_pattern("a_")
_CLOCK_B = _clock_pattern("b_")
_NOT_A_CLOCK_AFTER = (
    r"(?! ?(?:horas|hora|minutos|pesos|dias|semanas|meses|personas|años|cosas|veces|citas|opciones|primeras|ultimas|"
    r"de ellas|juntas|\$|%))"
)
_LAS = r"(?:(?:a|para|desde|hasta|como a|tipo|de|a eso de|antes de|despues de|sobre) )?las "
_LA = r"(?:a|para|desde|hasta|como a|de|a eso de|antes de|despues de) la "

_PATTERNS: dict[str, re.Pattern[str]] = {
    "greeting": re.compile(r"\b(?:buenos dias|buen dia|buenas tardes|buenas noches|buenas)\b"),
    # «Pedro no viene hasta el lunes» is not a goodbye: the day he is back.
    "farewell": re.compile(r"(?<!lunes )(?<!martes )(?<!miercoles )(?<!jueves )(?<!viernes )(?<!sabado )(?<!domingo )(?<!\d )(?<!viene )(?<!vengo )(?<!llega )(?<!llego )(?<!regresa )(?<!regreso )(?<!vuelve )(?<!vuelvo )(?<!trabaja )(?<!trabajo )(?<!esta )(?<!estoy )\bhasta (?:mañana|el (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo))\b(?! (?:a las|en la|temprano))"),
    "clock_range": re.compile(
        rf"\b(?:de|desde|entre)(?: las?)? {_CLOCK} (?:a|hasta|y)(?: las?)? {_CLOCK_B}{_NOT_A_CLOCK_AFTER}"
    ),
    "clock_before": re.compile(
        rf"\b(?:(?:a|como a|tipo|para) )?(?:las? )?(?=cuarto para|(?<!las )(?<!la )\d{{1,2}} (?:minutos )?para las? \d){_CLOCK}"
    ),
    "clock_las": re.compile(rf"\b(?:{_LAS}|{_LA}){_CLOCK}{_NOT_A_CLOCK_AFTER}"),
    # «de 4 en adelante», «desde 5 pa delante»: a bare hour from which the rest of the day goes.
    "clock_onward": re.compile(rf"\b(?:de|desde) (?=\d{{1,2}}(?::\d\d)? (?:en adelante|pa(?:ra)? (?:a)?delante)\b){_CLOCK}"),
    # «barba tipo 6», «como a eso de las 5» (the latter is read above): «tipo» before a bare hour is a time.
    "clock_tipo": re.compile(rf"\btipo (?={{0}}\d{{1,2}}\b(?! (?:pesos|minutos|años|dias|semanas|horas)))".replace("{0}", "") + _CLOCK),
    "clock_explicit": re.compile(
        rf"\b(?:a |para |tipo |como a )?(?=\d{{1,2}}[:.]\d\d|\d{{1,2}} (?:am|pm|y media|y cuarto|de la tarde|de la mañana|de la noche)|cuarto para|\d{{1,2}} (?:minutos )?para las? \d){_CLOCK}\b"
    ),
    "clock_12": re.compile(r"\b(?:al |a |para el |el )?mediodia\b|\b12 del dia\b"),
    "day_range": re.compile(
        rf"\b(?:del?|el|los dias) (?:dia )?(?P<d1>\d{{1,2}})(?: de {_MONTH1})?(?: ?, ?(?:el )?\d{{1,2}}(?!:|\d))*(?: ?,)? (?:al?|hasta el|y(?: el)?|ni(?: el)?) (?P<d2>\d{{1,2}})(?: de {_MONTH})?\b"
    ),
    # "el jueves 5 y el viernes 6": two days named with their dates.
    "weekday_day_pair": re.compile(
        rf"\b(?:el )?{_WD} (?P<d1>\d{{1,2}}) (?:y|al|hasta el) (?:el )?{_WD2} (?P<d2>\d{{1,2}})\b"
    ),
    "day_month": re.compile(
        rf"\b(?:el )?(?:dia )?(?P<d>\d{{1,2}}|primero|1ro|1o) (?:de )?{_MONTH}(?: (?:de(?:l)? )?(?P<y>20\d\d))?\b"
    ),
    "month_day": re.compile(rf"\b{_MONTH} (?P<d>\d{{1,2}})\b(?! (?:am|pm|:))"),
    "slash_date": re.compile(r"\b(?P<d>\d{1,2})[/-](?P<m>\d{1,2})(?:[/-](?P<y>\d{2}|\d{4}))?\b"),
    "weekday_range": re.compile(rf"\b(?:(?:de(?:l)?|desde el) )?{_WD} (?:al?|hasta el) {_WD2}\b"),
    # «el jueves y viernes»: two days in a row are a span (other pairs stay two days).
    "weekday_pair": re.compile(rf"\b(?:el )?{_WD} y (?:el )?{_WD2}\b(?! \d)(?![^?]*\?)"),  # a statement, not «¿el viernes y sábado?»
    # «los lunes», and «sábados» / «domingos» even without «los» (only those plurals differ from the day).
    "weekday_plural": re.compile(r"(?:\blos |\b(?=(?:sabados|domingos)\b))(?P<wd>lunes|martes|miercoles|jueves|viernes|sabados|domingos)\b"),
    "weekday_next_week": re.compile(
        rf"\b(?:el |para el )?(?:otro |proximo |siguiente )?{_WD}(?: ,)? {_NEXT_WEEK}\b|\bel otro {_WD2}\b"
        rf"|\b(?:para )?{_NEXT_WEEK_FIRST}(?: ,)? (?:el |para el )?(?P<wd3>lunes|martes|miercoles|jueves|viernes|sabado|domingo)\b"
    ),
    "weekday_this_week": re.compile(rf"\b(?:el |para el |este )?{_WD}(?: ,)? {_THIS_WEEK}\b"),
    "weekday_last": re.compile(rf"\b(?:el )?{_WD} pasado\b"),
    # "el martes 5 (de mayo)": the explicit date wins over a weekday that disagrees (the flow asks).
    "weekday_with_day": re.compile(
        rf"\b(?:el |este |para el )?{_WD}(?: ,)? (?:(?:el|dia) )?(?P<d>\d{{1,2}}|primero)"
        rf"(?: (?:de )?{_MONTH}(?: (?:de(?:l)? )?(?P<y>20\d\d))?)?\b(?! ?(?::|am|pm|horas|y media|y cuarto|de la))"
    ),
    "weekday_today": re.compile(rf"\b(?:hoy {_WD}|{_WD2} (?:de )?hoy)\b"),
    "weekday_tomorrow": re.compile(rf"\bmañana {_WD}\b"),
    "weekday": re.compile(
        rf"\b(?P<q1>este |esta |el proximo |el siguiente |proximo |el |para el |del |al )?{_WD}(?P<q2> que viene| que entra| proximo)?\b"
    ),
    "entre_semana": re.compile(r"\bentre semana\b"),
    "weekends_recurring": re.compile(r"\b(?:los )?fines de semana\b"),
    "every_day": re.compile(r"\b(?:todos los dias|diario|toda la semana)\b(?! (?:que|proxima|siguiente|entrante|pasada))"),
    "period_next_weekend": re.compile(r"\b(?:el )?(?:otro|siguiente) fin(?: de semana)?\b"),
    "period_last_weekend": re.compile(r"\b(?:el )?fin(?: de semana)? pasado\b|\bel pasado fin(?: de semana)?\b"),
    "period_weekend": re.compile(r"\b(?:(?:este|el|para el|el proximo|proximo) )?fin de semana\b|\beste fin\b"),
    "period_this_week": re.compile(r"\besta semana\b|\b(?:en (?:lo que va de )?|lo que va de )la semana\b(?! (?:que|pasada|proxima|siguiente|entrante|antepasada|de\b))"),
    "period_next_week": re.compile(r"\b(?:la )?(?:proxima|otra|siguiente) semana\b|\bla semana que (?:viene|entra)\b"),
    "period_last_week": re.compile(r"\b(?:la )?semana pasada\b"),
    "period_this_month": re.compile(r"\b(?:este|en el|del|el) mes\b(?! (?:pasado|que viene|que entra|proximo|siguiente|de))"),
    "period_next_month": re.compile(r"\b(?:el )?(?:proximo|siguiente) mes\b|\bel mes que (?:viene|entra)\b"),
    "period_last_month": re.compile(r"\b(?:el )?mes pasado\b"),
    "period_week_before_last": re.compile(r"\b(?:la )?semana antepasada\b|\bhace dos semanas\b"),
    "period_this_year": re.compile(r"\b(?:este|en el|del|en lo que va del) año\b(?! (?:pasado|que viene|que entra|proximo))"),
    "period_last_year": re.compile(r"\b(?:el )?año pasado\b"),
    "period_last_fortnight": re.compile(r"\b(?:la )?quincena pasada\b"),
    "period_this_fortnight": re.compile(r"\b(?:esta|la|en la) quincena\b(?! (?:pasada|que viene|que entra))"),
    # «cómo está mañana (pa Pedro)?» written without accents is the verb, then tomorrow: not «this morning».
    "esta_pod": re.compile(r"\besta (?P<pod>(?<!\bcomo esta )mañana|tarde|noche)\b"),
    "pasado_mañana": re.compile(r"\bpasado mañana\b"),
    # Days named by their holiday («en navidad no abrimos», «el día de muertos cerramos»), never a greeting («feliz navidad»)
    # nor a thing («la promo de navidad», «antes de año nuevo»): only at the start or after «en», «el», «la».
    "holiday": re.compile(
        r"(?:^|(?<=\ben )|(?<=\bel )|(?<=\bla ))(?P<h>navidad|nochebuena|noche buena|año nuevo|fin de año|nochevieja|dia de (?:los )?reyes|"
        r"dia de (?:los )?muertos|dia de (?:la )?virgen|dia de la guadalupana|dia de las madres|dia del trabajo)\b"
    ),
    # «dentro de 3 días», «en 15 días» (Mexican: two weeks), «en 8 días» (a week), «en 2 semanas».
    "in_days": re.compile(r"\b(?:dentro de|en|de aqui a|en unos) (?P<n>\d{1,2}|una|dos|tres) (?P<u>dias|semanas?)\b"),
    "pod_morning": re.compile(
        r"\b(?:(?:en|por|a|de|para|toda) (?:la|las) mañanas?|(?:la|mi|su|esa) mañana(?= (?:del?|de este|de esta|de mi|de su) | {3,}|\s*[,.!?;]|\s*$)|mañanita|(?<!salir )(?<!irme )(?<!ir )(?<!llegar )(?<!llego )"
        r"(?<!voy )(?<!sali )(?<!cerrar )(?<!cerramos )(?<!irse )(?<!salgo )(?<!lo mas )(?<!salgo mas )(?<!sale )(?<!se va )(?<!sale mas )(?<!llega )(?<!entra )(?<!voy mas )(?<!me voy mas )(?<!salir mas )(?<!irme mas )(?:muy )?tempran(?:o|ito)|a primera hora|lo mas temprano(?! que| posible))\b"
    ),
    "pod_afternoon": re.compile(
        r"\b(?:(?:en|por|a|de|para|toda) (?:la|las) tardes?|mi tarde|su tarde|esa tarde|la tarde(?= (?:del?|de este|de esta|de mi|de su) | {3,}|\s*[,.!?;]|\s*$)|tardecita|despues de comer)\b"
    ),
    "pod_evening": re.compile(r"\b(?:(?:en|por|a|de|para|toda) (?:la|las) noches?|la noche(?= (?:del?|de este|de esta) | {3,}|\s*[,.!?;]|\s*$)|nochecita)\b"),
    # "¿cómo nos fue en noviembre?": a whole month, named alone (a day with it was read above).
    # «la primera quincena de noviembre»: the 1st–15th; «la segunda»: the 16th to the end of the month.
    "fortnight_of_month": re.compile(
        r"\b(?:la )?(?P<half>primera|1a|1ra|segunda|2a|2da|ultima) quincena (?:de |del mes de )(?P<mon>enero|febrero|marzo|abril|mayo|"
        r"junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)\b"
    ),
    "month_alone": re.compile(
        r"\b(?:en|de|del|para|durante|todo|el mes de|mes de|desde|empezando|iniciando|cerramos|terminamos|acabamos|estuvo|que tal|tal) (?P<mon>enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
        r"septiembre|setiembre|octubre|noviembre|diciembre)(?: (?:de(?:l)? )?(?P<y>20\d\d))?\b"
    ),
    "mañana": re.compile(r"\bmañana\b"),
    # «ahorita no, gracias» declines: it names no day.
    "today": re.compile(r"\b(?:hoy(?: mismo)?|el dia de hoy|ahorita(?! no\b)|al rato|en un rato)\b"),
    "yesterday": re.compile(r"\bayer\b"),
    "day_before_yesterday": re.compile(r"\b(?:antier|anteayer|antes de ayer)\b"),
    "dia_n": re.compile(r"\b(?:el )?dia (?P<d>\d{1,2})\b(?! ?(?::|am|pm|horas|y media|de la))"),
    "el_n": re.compile(
        r"\b(?:para el|el|del|al) (?P<d>\d{1,2}|1ro)\b(?! ?(?::|am|pm|horas|y media|y cuarto|minutos|pesos|de la|por ciento|%))"
    ),
    # "la 3" alone picks the third option; only "las 3"/"a la 1" name an hour.
    "bare_clock": re.compile(rf"^(?:(?:a|para|como a|tipo|mejor) )?(?:las |(?<=a )la )?{_CLOCK}$"),
}


@dataclass
class DateTimeFound:
    """The parts found, every day/time expression by position, and the text left over."""

    parts: DateTimeParts
    rest: str
    # The text that was scanned (weekday typos fixed); positions below index into it.
    text: str = ""
    days: list[tuple[int, DayParts]] = field(default_factory=list)
    clocks: list[tuple[int, ClockParts, ClockParts | None]] = field(default_factory=list)
    weekday_range: list[Weekday] | None = None


def fix_weekday_typos(tokens: list[str]) -> list[str]:
    """'sabdo' → 'sabado', 'miercole' → 'miercoles': one typo away from a weekday name."""
    fixed = []
    for token in tokens:
        if len(token) >= 5 and token not in WEEKDAY_WORDS and token not in _NOT_WEEKDAY_TYPOS and token.isalpha():
            for word in WEEKDAY_WORDS:
                if abs(len(word) - len(token)) <= 1 and Levenshtein.distance(token, word, score_cutoff=1) <= 1:
                    token = word
                    break
        fixed.append(token)
    return fixed


def _clock_from(match: re.Match[str], prefix: str) -> ClockParts | None:
    g = match.groupdict()
    meridiem = _MERIDIEMS.get(g.get(f"{prefix}mer") or "")
    if g.get(f"{prefix}hb"):
        hour = int(g[f"{prefix}hb"])
        before_text = g[f"{prefix}mb"]
        before = 15 if before_text == "cuarto" else int(before_text)
        if not (1 <= hour <= 24 and 1 <= before <= 30):
            return None
        return ClockParts(hour=hour, minutes_before=before, meridiem=meridiem)  # type: ignore[arg-type]
    if g.get(f"{prefix}h") is None:
        return None
    hour = int(g[f"{prefix}h"])
    minute = int(g[f"{prefix}m"]) if g.get(f"{prefix}m") else 0
    minutes_before = 0
    frac = g.get(f"{prefix}frac")
    if frac:
        minute = 30 if frac == "media" else 15 if frac == "cuarto" else int(frac)
    less = g.get(f"{prefix}less")
    if less:
        minutes_before = 15 if less == "cuarto" else int(less)
    if hour > 24 or minute > 59 or (meridiem and hour > 12):
        return None
    return ClockParts(hour=hour, minute=minute, minutes_before=minutes_before, meridiem=meridiem)  # type: ignore[arg-type]


class _Scanner:
    """Blanks each expression out of the text as it is read, so nothing is read twice."""

    def __init__(self, text: str) -> None:
        self.text = text

    def take(self, name: str, accept: Callable[[re.Match[str]], bool] | None = None) -> list[re.Match[str]]:
        found = [m for m in _PATTERNS[name].finditer(self.text) if accept is None or accept(m)]
        for match in found:
            start, end = match.span()
            self.text = self.text[:start] + " " * (end - start) + self.text[end:]
        return found


def _day_number(text: str) -> int | None:
    if text in ("primero", "1ro", "1o"):
        return 1
    value = int(text)
    return value if 1 <= value <= 31 else None


_HOLIDAYS = {  # the last word of a holiday's name → (day, month)
    "navidad": (25, 12), "nochebuena": (24, 12), "buena": (24, 12), "nuevo": (1, 1), "año": (31, 12), "nochevieja": (31, 12),
    "reyes": (6, 1), "muertos": (2, 11), "virgen": (12, 12), "guadalupana": (12, 12), "madres": (10, 5), "trabajo": (1, 5),
}


def _consecutive(match: re.Match[str]) -> bool:
    """«el jueves y viernes»: the second day follows the first."""
    return (WEEKDAYS.index(WEEKDAY_WORDS[match["wd"]]) + 1) % 7 == WEEKDAYS.index(WEEKDAY_WORDS[match["wd2"]])


def _safe_day(day: int | None, month: int | None = None, year: int | None = None) -> DayParts | None:
    if day is None or not 1 <= day <= 31 or (month is not None and not 1 <= month <= 12):
        return None
    return DayParts(day=day, month=month, year=year)


def extract_datetime(
    normalized: str, *, bare_time: bool = False, day_numbers: bool = True, choices: int = 0
) -> DateTimeFound:
    """All date/time expressions of a normalized message.

    `bare_time`: a message that is only a number ("4", "11:30") is a time (one was asked for).
    `day_numbers`: "el 3" is a day of the month (False when options were listed: it is a choice,
    unless it is beyond the `choices` listed: «el 22» with four options is the 22nd).
    """
    text = " ".join(fix_weekday_typos(normalized.split()))
    scan = _Scanner(text)
    days: list[tuple[int, DayParts]] = []
    clocks: list[tuple[int, ClockParts, ClockParts | None]] = []
    period: Period | None = None
    part_of_day: PartOfDay | None = None
    weekdays: list[Weekday] | None = None
    weekday_range: list[Weekday] | None = None
    day_end: DayParts | None = None
    month: int | None = None
    month_year: int | None = None

    scan.take("greeting")
    scan.take("farewell")

    # Times first: "de 2 a 3", "a las 4 y media", "cuarto para las 5", "11:30", "mediodía".
    # "de 2 a 3 horas" is a duration, not a range of clock times.
    for match in scan.take("clock_range", lambda m: not (m.group(0).endswith("horas") and " las " not in m.group(0))):
        start, end = _clock_from(match, "a_"), _clock_from(match, "b_")
        if start and end:
            clocks.append((match.start(), start, end))
    for name in ("clock_before", "clock_las", "clock_onward", "clock_explicit", "clock_tipo"):
        for match in scan.take(name):
            clock = _clock_from(match, "a_")
            if clock:
                clocks.append((match.start(), clock, None))
    for match in scan.take("clock_12"):
        clocks.append((match.start(), ClockParts(hour=12), None))

    for match in scan.take("weekday_day_pair"):
        first, last = _safe_day(int(match["d1"])), _safe_day(int(match["d2"]))
        if first and last:
            days.append((match.start(), first))
            day_end = last
    for match in scan.take("weekday_with_day"):
        parts = _safe_day(
            _day_number(match["d"]), MONTH_WORDS[match["mon"]] if match["mon"] else None, int(match["y"]) if match["y"] else None,
        )
        if parts:
            days.append((match.start(), parts))

    # Calendar dates: "del 20 al 23 de enero", "15 de enero", "15/01", "enero 15".
    for match in scan.take("day_range"):
        month = MONTH_WORDS[match["mon"]] if match["mon"] else None
        first_month = MONTH_WORDS[match["mon1"]] if match["mon1"] else month
        if not match["mon1"] and month and int(match["d1"]) > int(match["d2"]):
            first_month = 12 if month == 1 else month - 1  # "del 31 al 2 de enero" starts in December
        first, last = _safe_day(int(match["d1"]), first_month), _safe_day(int(match["d2"]), month)
        if first and last:
            days.append((match.start(), first))
            day_end = last
    for name in ("day_month", "month_day"):
        for match in scan.take(name):
            year = int(match["y"]) if match.groupdict().get("y") else None
            parts = _safe_day(_day_number(match["d"]), MONTH_WORDS[match["mon"]], year)
            if parts:
                days.append((match.start(), parts))
    for match in scan.take("slash_date"):
        year = int(match["y"]) if match["y"] else None
        if year is not None and year < 100:
            year += 2000
        parts = _safe_day(int(match["d"]), int(match["m"]), year)
        if parts:
            days.append((match.start(), parts))

    for match in scan.take("fortnight_of_month"):
        mon = MONTH_WORDS[match["mon"]]
        first_half = match["half"] in ("primera", "1a", "1ra")
        last = calendar.monthrange(2025, mon)[1]  # February's 29th is rare enough to leave
        days.append((match.start(), DayParts(day=1 if first_half else 16, month=mon)))
        day_end = DayParts(day=15 if first_half else last, month=mon)
    for match in scan.take("month_alone"):
        year = int(match["y"]) if match["y"] else None
        if month is None:
            month, month_year = MONTH_WORDS[match["mon"]], year

    # Weekdays: ranges and plurals are recurring; "el otro viernes", "hoy viernes", "el viernes 16".
    for match in scan.take("weekday_range"):
        first, last = WEEKDAYS.index(WEEKDAY_WORDS[match["wd"]]), WEEKDAYS.index(WEEKDAY_WORDS[match["wd2"]])
        weekday_range = list(WEEKDAYS[first : last + 1]) if first <= last else list(WEEKDAYS[first:] + WEEKDAYS[: last + 1])
        days.append((match.start(), DayParts(weekday=WEEKDAY_WORDS[match["wd"]])))
        day_end = DayParts(weekday=WEEKDAY_WORDS[match["wd2"]])
    if weekday_range is None and not any(True for _ in _PATTERNS["weekday_plural"].finditer(scan.text)):
        for match in scan.take("weekday_pair", _consecutive):
            weekday_range = [WEEKDAY_WORDS[match["wd"]], WEEKDAY_WORDS[match["wd2"]]]
            days.append((match.start(), DayParts(weekday=WEEKDAY_WORDS[match["wd"]])))
            day_end = DayParts(weekday=WEEKDAY_WORDS[match["wd2"]])
    for match in scan.take("weekday_plural"):
        word = match["wd"]
        weekdays = (weekdays or []) + [_WEEKDAY_PLURALS.get(word) or WEEKDAY_WORDS[word]]
    for match in scan.take("entre_semana"):
        weekdays = (weekdays or []) + ["mon", "tue", "wed", "thu", "fri"]
    for match in scan.take("weekends_recurring"):
        weekdays = (weekdays or []) + ["sat", "sun"]
    for match in scan.take("every_day"):
        weekdays = list(WEEKDAYS)
    for match in scan.take("weekday_next_week"):
        word = match["wd"] or match["wd2"] or match["wd3"]
        days.append((match.start(), DayParts(weekday=WEEKDAY_WORDS[word], qualifier="next_week")))
    for match in scan.take("weekday_this_week"):
        days.append((match.start(), DayParts(weekday=WEEKDAY_WORDS[match["wd"]], qualifier="this_week")))
    for match in scan.take("weekday_last"):
        days.append((match.start(), DayParts(weekday=WEEKDAY_WORDS[match["wd"]], qualifier="last")))
    for match in scan.take("weekday_today"):
        days.append((match.start(), DayParts(relative="today")))
    for match in scan.take("weekday_tomorrow"):
        days.append((match.start(), DayParts(relative="tomorrow")))
    for match in scan.take("weekday"):
        qualifier_text = (match["q1"] or "").strip() + (match["q2"] or "")
        qualifier = None
        if qualifier_text.startswith(("este", "esta")):
            qualifier = "this"
        elif "proximo" in qualifier_text or "siguiente" in qualifier_text or "que viene" in qualifier_text or "que entra" in qualifier_text:
            qualifier = "next"
        days.append((match.start(), DayParts(weekday=WEEKDAY_WORDS[match["wd"]], qualifier=qualifier)))

    # Spans of days.
    for name, value in (
        ("period_next_weekend", "next_weekend"), ("period_last_weekend", "last_weekend"), ("period_weekend", "weekend"),
        ("period_this_week", "this_week"), ("period_next_week", "next_week"),
        ("period_last_week", "last_week"), ("period_this_month", "this_month"),
        ("period_next_month", "next_month"), ("period_last_month", "last_month"),
        ("period_week_before_last", "week_before_last"), ("period_last_year", "last_year"), ("period_this_year", "this_year"),
        ("period_last_fortnight", "last_fortnight"), ("period_this_fortnight", "this_fortnight"),
    ):
        if scan.take(name) and period is None:
            period = value  # type: ignore[assignment]

    # "esta tarde" is today in the afternoon; "pasado mañana" before "mañana"; "en la mañana" is a part of day.
    for match in scan.take("esta_pod"):
        days.append((match.start(), DayParts(relative="today")))
        part_of_day = {"mañana": "morning", "tarde": "afternoon", "noche": "evening"}[match["pod"]]  # type: ignore[assignment]
    for match in scan.take("pasado_mañana"):
        days.append((match.start(), DayParts(relative="day_after_tomorrow")))
    for match in scan.take("in_days"):
        count = {"una": 1, "dos": 2, "tres": 3}.get(match["n"]) or int(match["n"])
        offset = count * 7 if match["u"].startswith("semana") else {8: 7, 15: 14}.get(count, count)
        if 1 <= offset <= 366:
            days.append((match.start(), DayParts(in_days=offset)))
    for name, value in (("pod_morning", "morning"), ("pod_afternoon", "afternoon"), ("pod_evening", "evening")):
        if scan.take(name) and part_of_day is None:
            part_of_day = value  # type: ignore[assignment]
    for name, relative in (
        ("mañana", "tomorrow"), ("today", "today"), ("day_before_yesterday", "day_before_yesterday"),
        ("yesterday", "yesterday"),
    ):
        for match in scan.take(name):
            days.append((match.start(), DayParts(relative=relative)))  # type: ignore[arg-type]

    # Bare day numbers last: "el día 20" always, "el 20" unless it picks an option.
    for match in scan.take("dia_n"):
        parts = _safe_day(_day_number(match["d"]))
        if parts:
            days.append((match.start(), parts))
    def is_a_day(match: re.Match[str]) -> bool:
        number = _day_number(match["d"])
        return day_numbers or (number is not None and number > choices)

    for match in scan.take("el_n", is_a_day):
        parts = _safe_day(_day_number(match["d"]))
        if parts:
            days.append((match.start(), parts))

    if not days:
        for match in scan.take("holiday"):
            days.append((match.start(), DayParts(day=_HOLIDAYS[match["h"].split()[-1]][0], month=_HOLIDAYS[match["h"].split()[-1]][1])))

    if bare_time and not clocks:
        stripped = " ".join(scan.text.replace(",", " ").replace("?", " ").split())
        match = _PATTERNS["bare_clock"].match(stripped)
        if match:
            clock = _clock_from(match, "a_")
            if clock and clock.hour <= 24:
                clocks.append((0, clock, None))
                scan.text = ""

    days.sort(key=lambda item: item[0])
    clocks.sort(key=lambda item: item[0])
    parts = DateTimeParts(
        day=days[0][1] if days else None,
        day_end=day_end if days else None,
        period=period,
        time=clocks[0][1] if clocks else None,
        time_end=clocks[0][2] if clocks else None,
        part_of_day=part_of_day,
        weekdays=weekdays,
        month=month,
        month_year=month_year,
    )
    return DateTimeFound(parts=parts, rest=" ".join(scan.text.split()), text=text, days=days, clocks=clocks,
                         weekday_range=weekday_range)
