"""Text slots cut out of the message as written: person names, messages to pass on, reasons.

Patterns run on `fold(text)` (same length as the text), so each span cuts the original and
"Juan Pérez" keeps its accent and capitals.
"""

from __future__ import annotations

import re

from nlu.normalize import fold

# Words that are not names (folded). A message made of them is not an answer to "¿tu nombre?".
NOT_NAME_WORDS: frozenset[str] = frozenset(
    """
    si no ok va sale nel simon claro listo perfecto gracias hola buenas buenos buen dias tardes
    noches adios bye ya nada olvidalo cancela cancelar cancelo cita citas quiero quisiera necesito
    ocupo puedo puedes podria me te se le lo la las los el un una unos unas mi mis tu su sus es soy
    eres son esta estoy estas como cuando donde que quien cual cuanto cuanta porque por para con sin
    sobre entre hasta desde hoy mañana manana pasado ayer ahorita luego rato tarde noche temprano
    lunes martes miercoles jueves viernes sabado domingo semana mes enero febrero marzo abril mayo
    junio julio agosto septiembre octubre noviembre diciembre corte cortes cabello pelo barba
    manicure pedicure mani pedi uñas tinte servicio servicios precio precios horario direccion
    ubicacion agenda agendar agendame reservar bloquea bloquear dile avisale mandale escribele
    oye mira bueno bien mal muy mas menos tambien tampoco aqui alli alla ahi hay tengo tiene tienen
    tienes hacen hace haces cuesta cobran abren cierran favor porfa xfa mejor otro otra otros otras
    primera segunda tercera ultima opcion numero telefono celular whatsapp nombre llamo cliente
    clienta señor señora senor senora don doña dona joven chavo chava niño nino niña nina alguien
    nadie todo todos todas nuevo nueva empleado empleada barbero estilista manicurista a y o u e
    de del en al pues ps este esta eso esto ese esa hora horas minutos am pm dia
    q k pa pal mñn mñna mnn xfa xfavor plis pls msj msg tmb tb ntp nel porfis ahorita ya q'
    directamente personalmente solamente nomas nada mas tambien mismo misma luego despues
    toda llega llego llegara entra entro entrara viene vino trabaja empieza falta falto salio saldra anda pidio pide
    """.split()
)
# Words allowed inside a name but not at its start or end ("María de la Luz").
_NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y"})
# Honorifics are part of a name as written ("Don Pepe", "doña Chela", "Sra. Ruiz"; docs/nlu.md), never a name alone.
HONORIFICS: frozenset[str] = frozenset(
    {"don", "doña", "dona", "señor", "señora", "senor", "senora", "señorita", "senorita", "sr", "sra", "srta", "sr.",
     "sra.", "srta.", "dr", "dra", "dr.", "dra.", "doctor", "doctora", "lic", "lic.", "licenciado", "licenciada", "ing",
     "ing.", "profe", "profesor", "profesora", "maestro", "maestra", "mtro", "mtra", "mtro.", "mtra.", "seño", "padre"}
)
_ARTICLES = frozenset({"el", "la"})


def is_honorific(word: str) -> bool:
    """True for "Don", "doña", "Sra.", "señor"... (folded, with or without the abbreviation dot)."""
    return fold(word) in HONORIFICS


def without_honorifics(name: str | None) -> str:
    """The name without its honorifics, to compare with a record: "señora Martínez" → "Martínez"."""
    return " ".join(w for w in (name or "").split() if not is_honorific(w) and fold(w) not in _ARTICLES)
_NAME_WORD = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿÑñ][A-Za-zÀ-ÖØ-öø-ÿÑñ'\-.]*$")
_ANSWER_PREFIX = re.compile(
    r"^(?:(?:hola|si|ok|claro|va|sale|listo)\s*[,.!]?\s+)?"
    r"(?:(?:me llamo|mi nombre es|soy|es para|para|es|se llama|a nombre de|ponlo a nombre de|ponla a nombre de|ponle|pon|"
    r"nombre|de parte de|seria|sería|el nombre es|su nombre es)\s*:?\s+)",
)
# "ya te dije, Beto": a repeated answer.
_REMINDER = re.compile(r"^(?:(?:ya\s+)?te\s+(?:lo\s+)?(?:dije|habia\s+dicho|comente|puse)|como\s+te\s+dije|ya\s+lo\s+dije)\s*[,:.!]*\s*(?:que\s+)?")
_ANSWER_SUFFIX = re.compile(r"[\s,.!¡?¿:;]*(?:gracias|por favor|porfa|xfa|\W)*\s*$")


def _clean_word(word: str) -> str:
    """A word without the punctuation around it; an abbreviated honorific keeps its dot ("Sra.")."""
    clean = word.strip(",.;:!¡?¿\"'()")
    if clean and word.rstrip(",;:!?)\"'").endswith(".") and fold(clean + ".") in HONORIFICS:
        return clean + "."
    return clean


def _clean_words(text: str) -> list[str]:
    return [c for w in text.split() if (c := _clean_word(w))]


def is_name_word(word: str) -> bool:
    """True when a written word can be part of a person's name."""
    return bool(_NAME_WORD.match(word)) and fold(word) not in NOT_NAME_WORDS


def looks_like_name(words: list[str]) -> bool:
    """1–4 name words, particles only inside ("María de la Luz"), after an optional honorific ("Don Pepe")."""
    if len(words) >= 2 and fold(words[0]) in _ARTICLES and is_honorific(words[1]):
        words = words[1:]  # "la señora Tere"
    if len(words) >= 2 and is_honorific(words[0]):
        words = words[1:]
    if not 1 <= len(words) <= 5:
        return False
    if fold(words[0]) in _NAME_PARTICLES or fold(words[-1]) in _NAME_PARTICLES:
        return False
    real = [w for w in words if fold(w) not in _NAME_PARTICLES]
    return 1 <= len(real) <= 4 and all(is_name_word(w) for w in real) and all(
        _NAME_WORD.match(w) for w in words
    )


def name_answer(text: str) -> str | None:
    """The name in an answer to "¿tu nombre?": "Juan Pérez", "soy Ana", "a nombre de Luis"."""
    body = text.strip()
    reminder = _REMINDER.match(fold(body))
    if reminder:
        body = body[reminder.end() :]
    prefix = _ANSWER_PREFIX.match(fold(body))
    if prefix:
        body = body[prefix.end() :]
    suffix = _ANSWER_SUFFIX.search(fold(body))
    if suffix:
        body = body[: suffix.start()]
    words = _clean_words(body)
    if not looks_like_name(words):
        return None
    if len(words) >= 3 and fold(words[0]) in _ARTICLES and is_honorific(words[1]):
        words = words[1:]  # as written, without the article: "la señora Tere" → "señora Tere"
    return " ".join(words)


def bare_name(text: str) -> str | None:
    """A message that is only a capitalized name: "Juan Pérez", "María Fernanda Gómez", "Don Pepe"."""
    words = _clean_words(text.strip())
    if not words or not looks_like_name(words):
        return None
    real = [w for w in words if fold(w) not in _NAME_PARTICLES and not is_honorific(w)]
    if not real or not all(w[:1].isupper() for w in real):
        return None
    return name_answer(text)


_INTRO = re.compile(
    r"\b(?:me llamo|mi nombre es|a nombre de|de parte de|se llama|soy|habla|(?:ya )?te (?:lo )?dije\s*,?(?: que)?(?: soy| me llamo| es)?)\s+"
)


def introduced_name(text: str) -> str | None:
    """A name the writer gives in passing: "soy Ana y quiero una cita", "a nombre de Luis"."""
    folded = fold(text)
    for match in _INTRO.finditer(folded):
        words = _name_words_from(text, match.end())
        # After "soy"/"habla" only a capitalized name is one ("soy la señora Tere"; not "soy nuevo").
        first = next((w for w in words if not is_honorific(w)), "")
        if words and (not match.group(0).startswith(("soy", "habla")) or first[:1].isupper()):
            return " ".join(words)
    return None


_OTHER_NAMED = re.compile(r"\bse llama\s+")
_OWN_NAMED = re.compile(r"(?:^|[\s,])(?:yo\s+(?:soy|me llamo)|yo|soy|me llamo|mi nombre es)\s+")


def two_names(text: str) -> tuple[str, str] | None:
    """(the other person's name, the writer's) in "él se llama Santi y yo soy Marisol", else None."""
    folded = fold(text)
    other = _OTHER_NAMED.search(folded)
    if other is None:
        return None
    theirs = _name_words_from(text, other.end(), need_capital=True)
    for match in _OWN_NAMED.finditer(folded):
        if other.start() <= match.start() < other.end() + len(" ".join(theirs)):
            continue
        mine = _name_words_from(text, match.end(), need_capital=True)
        if theirs and mine and mine != theirs:
            return " ".join(theirs), " ".join(mine)
    return None


def _name_words_from(text: str, start: int, *, need_capital: bool = False) -> list[str]:
    """Up to 4 name words starting at `start` (particles inside allowed), as written."""
    words: list[str] = []
    for index, raw in enumerate(text[start:].split()):
        word = _clean_word(raw)
        if not word:
            break
        folded = fold(word)
        if index == 0 and folded in _ARTICLES:
            continue  # "la señora Tere" is "señora Tere"
        if not words and is_honorific(word):
            words.append(word)  # part of the name, and never the whole of it (checked below)
            if raw.endswith(",") or (raw.endswith(".") and not word.endswith(".")):
                break
            continue
        if folded in _NAME_PARTICLES and words and not is_honorific(words[-1]):
            words.append(word)
        elif is_name_word(word) and (not need_capital or word[:1].isupper()):
            words.append(word)
        else:
            break
        if raw[-1:] in ",.;:!?":
            break
        if len([w for w in words if fold(w) not in _NAME_PARTICLES]) == 4:
            break
    while words and fold(words[-1]) in _NAME_PARTICLES:
        words.pop()
    if words and all(is_honorific(w) for w in words):
        return []  # "la señora" alone names nobody
    if words and words[0] in ("la", "el"):
        words = words[1:]
    return words


_RELAY = re.compile(
    r"\b(?:dile|digale|avisale|avisa|mandale|manda|envia|enviale|escribele|recuerdale|comentale|"
    r"informale|notificale|preguntale|pregunta|dejale|decirle|avisarle|escribirle|mandarle|le dices|le avisas|le escribes|"
    r"le puedes decir|le puedes avisar|le mandas)"
    r"(?:\s+(?:un\s+)?(?:mensaje|msj|recado|whats|whatsapp|recordatorio))?"
    r"(?:\s+(?:a|al|para)\s+(?P<who>(?!que\b)[^,:]+?))?"
    r"\s*(?:,\s*)?(?:que|q|k|:|diciendo que|diciendole que|diciendo:)\s+(?P<msg>\S.*)$",
    re.DOTALL,
)
_RELAY_TO = re.compile(
    r"\b(?:dile|digale|avisale|mandale|manda|enviale|envia|escribele|recuerdale|comentale|informale|notificale|preguntale|dejale|"
    r"mandarle|escribirle|enviarle)"
    r"(?:\s+(?:un\s+)?(?:mensaje|msj|recado|whats|whatsapp|recordatorio))?\s+(?:a|al)\s+(?P<who>[^,:?!.]+?)"
    r"(?:\s+de\s+(?:su|la)\s+cita\b[^,:?!.]*)?\s*[.!?]*$"
)
# Honorifics stay in the name ("dile a doña Chela…" → "doña Chela"); "el cliente" does not.
_WHO_PREFIX = re.compile(r"^(?:(?:el|la|mi)\s+)?(?:cliente|clienta|joven|chavo|chava)\s+")


_ASKS_A_FAVOUR = re.compile(r"^\W*(?:oye\s*,?\s*)?(?:me\s+)?(?:puedes|podrias|podras|le puedes|le podrias|me haces el favor de|porfa|por favor)\b")


def relayed_message(text: str) -> tuple[str | None, str | None]:
    """(person, message) of "dile a Roberto que lo esperamos mañana" → ("Roberto", "lo esperamos mañana")."""
    folded = fold(text)
    match = _RELAY.search(folded)
    if not match:
        return None, None
    message = text[match.start("msg") :].strip().strip("\"'“”").rstrip(" .")
    if _ASKS_A_FAVOUR.match(folded):
        message = message.rstrip(" ?")  # «¿puedes decirle a Toña que llegue temprano?»: the question is to us
    person = None
    if match.group("who"):
        who_start = match.start("who")
        who_folded = folded[who_start : match.end("who")]
        prefix = _WHO_PREFIX.match(who_folded)
        if prefix:
            who_start += prefix.end()
        words = _name_words_from(text[: match.end("who")], who_start)
        person = " ".join(words) or None
    return person, message or None


def relay_recipient(text: str) -> str | None:
    """Who to write to when no words are given yet: "mándale un mensaje a Roberto" → "Roberto"."""
    folded = fold(text)
    match = _RELAY_TO.search(folded)
    if not match:
        return None
    who_start = match.start("who")
    prefix = _WHO_PREFIX.match(folded[who_start : match.end("who")])
    if prefix:
        who_start += prefix.end()
    return " ".join(_name_words_from(text[: match.end("who")], who_start)) or None


_REASON_AFTER = re.compile(
    r"\b(?:para|por|pa|x)\s+(?:(?:mi|mis|la|el|una|un|unas|unos|lo de|lo del|que)\s+)?(?P<r>[a-zñ][a-zñ ]*?)"
    r"\s*(?=$|[,.;!?]|\s(?:de (?=\d|las?\b|la (?:mañana|tarde|noche)|mañana|hoy|pasado)|del (?=\d|dia\b)|desde|hasta|a las?|"
    r"mañana|hoy|pasado|el(?= (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|dia|\d|proximo|siguiente|fin|resto))|este|esta|porfa|por favor|xfa|gracias|entre|y bloquea)\b)"
)
# «bloquea a Pedro mañana tiene un compromiso»: a colleague's reason right after the day (fixed-width lookbehinds, one per word).
_TIENE_AFTER_A_DAY = "".join(
    rf"(?<={word} )(?=tiene\b)|" for word in "lunes martes miercoles jueves viernes sabado domingo mañana hoy tarde".split()
)
_REASON_CLAUSE = re.compile(
    r"(?:,|:|\bporque|\bpor que|\bporq|\bxq|\bpq|(?<=\s)(?<!\bno\s)(?<!\blo\s)(?=tengo\b)|" + _TIENE_AFTER_A_DAY + r"\bya que|\bes que|\bpues|\bque|\bmotivo\s*:?|\brazon\s*:?|\bpor favor|\bporfa|\bporfis|\bplis|\bpls|\bxfa|\bxfavor)\s*(?P<r>(?:tengo|voy|me voy|debo|necesito|salgo|me toca|me salio|me salieron|me surgio|se me [a-zñ]+|tuve|tenemos|llevo|recojo|"
    r"paso por|es (?:el|la|mi|un|una)|hay|cita|consulta|junta|curso|tramite|boda|bautizo|velorio|funeral|examen|clase|"
    r"partido|cumple\w*|fiesta|reunion|misa|viaje|mudanza|graduacion|operacion|cirugia|dentista|doctor|medico|"
    r"es mi (?:cumple\w*|aniversario|dia)|me siento|me enferme|me duele|me operan|me van a|ando enferm\w*|"
    r"estoy enferm\w*|esta enferm\w*|anda mal\w*|se enfermo|se me enfermo|va (?:a|al|por|con)|van (?:a|al|por|con)|se va|tiene|asuntos? personales|motivos? personales|cosas personales|"
    r"pendientes? personales|mi (?:hij[oa]|mama|papa|esposa|esposo|niñ[oa]|bebe) (?:esta|se|tiene|va))\b[^.;!?]*)"
)
_MEAL = re.compile(r"\b(?:hora|rato|tiempo) (?:de|para|pa) (?:la |mi )?(?P<r>comida|comer|desayunar|desayuno|almorzar|almuerzo|cenar|lunch)\b")
_VACATIONS = re.compile(r"\b(?:(?:de|por|mis|unas|en)\s+)?(?P<r>vacaciones|incapacidad)\b")
_NOT_A_REASON = frozenset(
    {"favor", "mañana", "hoy", "la tarde", "la mañana", "la noche", "todo el dia", "el dia", "dia", "semana",
     "toda la semana", "fa", "que", "siempre", "ahora", "lo pronto", "mientras", "si acaso", "delante", "adelante"}
)


def reason_clause_of(text: str) -> str | None:
    """Why an appointment is cancelled, only when said as its own clause («…, me enfermé», «porque tengo un viaje»)."""
    folded = fold(text)
    clause = _REASON_CLAUSE.search(folded) or _BECAUSE.search(folded)
    return text[clause.start("r") : clause.end("r")].strip().rstrip(" .") if clause else None


# «…porque se le hizo tarde»: whatever follows «porque» / «ya que» is the reason.
_BECAUSE = re.compile(r"\b(?:porque|por que|ya que)\s+(?!ya no\b|no (?:voy|puedo|podre|quiero|me)\b)(?P<r>[a-zñ][^.;!?]*)")


def reason_of(text: str) -> str | None:
    """Why a time is blocked: "para mi comida" → "comida", ", tengo que salir temprano" → that clause."""
    folded = fold(text)
    meal = _MEAL.search(folded)
    if meal:
        return meal["r"]  # «aparta mi hora de comida»
    vacations = _VACATIONS.search(folded)
    if vacations:
        return vacations["r"]
    clause = _REASON_CLAUSE.search(folded)
    if clause:  # ", voy por mi hija a la escuela": the whole clause, before any "por …" inside it
        return text[clause.start("r") : clause.end("r")].strip().rstrip(" .")
    for match in _REASON_AFTER.finditer(folded):
        reason = text[match.start("r") : match.end("r")].strip()
        first = fold(reason).split()[0] if reason else ""
        if reason and fold(reason) not in _NOT_A_REASON and not first.isdigit() and first not in _DATE_WORDS:
            return reason
    return None


_DATE_WORDS = frozenset(
    {"lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo", "mañana", "manana", "hoy",
     "semana", "dia", "tarde", "noche", "mediodia", "rato", "ahorita", "las", "la"}
)


_HONORIFIC_PREFIX = r"(?:(?:[Dd]on|[Dd]oña|[Ss]eñora|[Ss]eñorita|[Ss]eñor|[Ss]rta\.?|[Ss]ra\.?|[Ss]r\.?|[Dd]ra\.?|[Dd]r\.?|[Ll]ic\.?)\s+)?"
_CAPITALIZED_RUN = re.compile(
    rf"(?<![\wÀ-ÿ])({_HONORIFIC_PREFIX}[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+(?:\s+(?:de\s+la\s+|del\s+|de\s+)?[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+){{0,3}})"
)


_MONTH_FIRST_NAMES = frozenset({"abril", "julio", "mayo", "junio"})


def capitalized_names(text: str, exclude: frozenset[str] = frozenset()) -> list[str]:
    """Runs of capitalized words that can be names ("Juan Pérez"), skipping known non-names."""
    names = []
    for match in _CAPITALIZED_RUN.finditer(text):
        words = [_clean_word(w) for w in match.group(1).split() if fold(w) not in exclude]
        keep_first = bool(words) and is_honorific(words[0]) and len(words) > 1
        # «Abril Soto», «Julio Reyes»: a month is a first name when a capitalized surname follows it.
        month_name = [
            i < len(words) - 1 and fold(w) in _MONTH_FIRST_NAMES and is_name_word(words[i + 1]) for i, w in enumerate(words)
        ]
        words = [
            w for i, w in enumerate(words)
            if (i == 0 and keep_first) or is_name_word(w) or fold(w) in _NAME_PARTICLES or month_name[i]
        ]
        while words and fold(words[0]) in _NAME_PARTICLES:
            words.pop(0)
        while words and fold(words[-1]) in _NAME_PARTICLES:
            words.pop()
        if words:
            names.append(" ".join(words))
    return names


_REFERENCED = re.compile(
    r"\b(?:cita|citas|turno|historial|cliente|clienta|agenda|agendale|agendame|anota|apunta|registra|"
    r"cancela|cancelale|cambia|cambiale|mueve|reagenda|recorre)\s+(?:lo\s+(?=de\s|d\s|del\s))?(?:(?:a|de|d|del|para|con)\s+)?"
    r"(?:(?:el|la)\s+)?(?:(?:cliente|clienta)\s+)?"
)


def referenced_person(text: str, exclude: frozenset[str] = frozenset()) -> str | None:
    """A customer a staff member refers to: "la cita de Juan", "agenda a Ana Ruiz", "Juan no vino"."""
    folded = fold(text)
    for match in _REFERENCED.finditer(folded):
        words = _name_words_from(text, match.end())
        words = [w for w in words if fold(w) not in exclude]
        # Lower-case words after "cliente" are usually the sentence going on, not a name.
        first = next((w for w in words if not is_honorific(w)), "")
        # «la sra lupita», «lo de lupita»: a lower-case name after an honorific or «lo de» is still a name.
        after_lo_de = folded[: match.end()].rstrip().endswith(("lo de", "lo del", "lo d"))
        if words and first and (first[:1].isupper() or is_honorific(words[0]) or after_lo_de):
            return " ".join(words)
    names = capitalized_names(text, exclude)
    return names[0] if names else None
