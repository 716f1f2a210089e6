"""Messages in English: detected (`language: en`) and glossed into Spanish for the rules.

Yume answers in Spanish, but a tourist's «hi, can I book a haircut tomorrow?» still books. The rule
engine only reads Spanish, so an English message is rewritten phrase by phrase into the Spanish
the rules know ("tomorrow" → "mañana", "what time do you open" → "a que hora abren"), and words with
no Spanish meaning are dropped. Claude reads English natively; this is the offline fallback.
"""

from __future__ import annotations

import re

from nlu.normalize import fold

# Words that mark English and are not written in Mexican Spanish chats ("ok", "bye", "hi" are).
_ENGLISH = frozenset(
    """
    the you your can could would will what when where how much many time open close closed book booking
    appointment appointments haircut hair cut beard trim shave nails tomorrow today tonight please thanks thank
    want need like available availability schedule reschedule cancel is are do does did am i i'm im my me
    with have has any this next week weekend monday tuesday wednesday thursday friday saturday sunday morning
    afternoon evening price prices cost located address there here it be get make sorry yes yeah yep sure
    an at on for to of in and or but not don't dont can't cant won't wont it's its hello hey good day sir madam
    someone somebody person human owner manager talk speak call son daughter wife husband kid kids child see
    boyfriend girlfriend mom dad brother sister earliest asap possible soon noon midnight o'clock hours
    minutes services service menu pedicure manicure color dye highlights later earlier instead bring
    """.split()
)
# Words common in Spanish chats too: they count for neither language.
_SHARED = frozenset({"ok", "okay", "bye", "hi", "no", "a", "me", "manicure", "pedicure", "hola", "yes", "sorry", "in", "walk"})
_SPANISH = frozenset(
    """
    de la que el en y los se del las un por con una su para es al lo como mas pero sus le ya o este si porque
    esta entre cuando muy sin sobre tambien hasta hay donde quien desde todo nos todos les ni eso esto mi
    quiero cita hola gracias mañana manana hoy tarde corte cuanto cuesta puedo tienen tienes favor buenas
    buenos dias noche semana lunes martes miercoles jueves viernes sabado domingo hora horas agendar
    """.split()
)

# Phrase → Spanish, most specific first. Patterns run on folded lower-case text.
_GLOSSARY: tuple[tuple[str, str], ...] = (
    (r"\b(?:hello|hey|hi there|good morning|good afternoon|good evening)\b", " hola "),
    (r"\bsee you\b", " nos vemos "),
    (r"\bmy (son|daughter|kid|child|wife|husband|boyfriend|girlfriend|mom|dad|brother|sister)\b", r" mi \1 "),
    (r"\bkids?(?:'s)? (?:hair ?cut|cut)\b", " corte niño "),
    (r"\ban?\b(?= [a-z])", " un "),
    (r"\bbeard(?: trim)?\b|\bshave\b", " barba "),
    (r"\b(?:what time|when) do you (?:open|start)\b|\bwhat are your (?:opening )?hours\b|\bopening hours\b|\bhours\b", " a que hora abren "),
    (r"\b(?:what time|when) do you close\b", " a que hora cierran "),
    (r"\bare you open\b|\bdo you open\b|\bopen\b", " abren "),
    (r"\bwhere are you(?: located)?\b|\bwhat(?:'s| is) (?:your|the) address\b|\baddress\b|\blocation\b", " donde estan "),
    (r"\bhow much (?:is|are|does|do|for)?(?: an?| the)?\b|\bwhat(?:'s| is| does) the (?:price|cost)\b|\bprices?\b|\bcosts?\b", " cuanto cuesta "),
    (r"\b(?:talk|speak) (?:to|with) (?:a |an |the |some )?(?:person|human|someone|somebody|owner|manager|real person)\b", " quiero hablar con una persona "),
    (r"\b(?:can't|cant|cannot|won't|wont) (?:make it|come|go|be there)\b", " no voy a poder ir "),
    (r"\b(?:reschedule|move|change) (?:my |the )?(?:appointment|booking|reservation)?\b", " cambiar mi cita "),
    (r"\bcancel\b", " cancela "),
    (r"\bmy (?:appointment|booking|reservation)s?\b", " mi cita "),
    (r"\bas soon as possible\b|\basap\b|\bearliest\b|\bfirst available\b", " lo antes posible "),
    (r"\b(?:can i|could i|may i|i want to|i'd like to|i would like to|i wanna) (?:book|get|make|schedule)\b", " quiero agendar "),
    (r"\b(?:book|make|schedule) (?:an? )?(?:appointment|booking)\b|\bbook\b|\bappointment\b", " cita "),
    (r"\b(?:i want|i need|i'd like|i would like|i wanna)\b", " quiero "),
    (r"\bfor my (son|daughter|kid|child|wife|husband|boyfriend|girlfriend|mom|dad|brother|sister)\b", r" para mi \1 "),
    (r"\bson\b", " hijo "), (r"\bdaughter\b", " hija "), (r"\b(?:kid|child)\b", " niño "), (r"\bwife\b", " esposa "),
    (r"\bhusband\b", " esposo "), (r"\bmom\b", " mama "), (r"\bdad\b", " papa "), (r"\bbrother\b", " hermano "),
    (r"\bsister\b", " hermana "),
    (r"\bhair ?cut\b|\bcut\b|\btrim\b", " corte "), (r"\bnails\b", " uñas "),
    (r"\b(?:hair )?(?:dye|color)\b", " tinte "), (r"\bhighlights\b", " mechas "),
    (r"\bday after tomorrow\b", " pasado mañana "), (r"\btomorrow\b", " mañana "), (r"\btonight\b", " hoy en la noche "),
    (r"\btoday\b", " hoy "), (r"\bnext week\b", " la proxima semana "), (r"\bthis week\b", " esta semana "),
    (r"\b(?:this |the )?weekend\b", " el fin de semana "), (r"\bnext (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", r" el proximo \1 "),
    (r"\b(?:on )?monday\b", " el lunes "), (r"\b(?:on )?tuesday\b", " el martes "), (r"\b(?:on )?wednesday\b", " el miercoles "),
    (r"\b(?:on )?thursday\b", " el jueves "), (r"\b(?:on )?friday\b", " el viernes "), (r"\b(?:on )?saturday\b", " el sabado "),
    (r"\b(?:on )?sunday\b", " el domingo "),
    (r"\bin the morning\b|\bmorning\b", " en la mañana "), (r"\bin the afternoon\b|\bafternoon\b", " en la tarde "),
    (r"\bin the evening\b|\bevening\b", " en la noche "), (r"\bnoon\b", " mediodia "),
    (r"\bat (\d{1,2}(?::\d\d)?)\s*(am|pm|o'clock)?\b", r" a las \1 \2 "),
    (r"\bwith ([a-z]+)\b", r" con \1 "),
    (r"\bmy name is\b|\bi'm\b|\bi am\b|\bthis is\b", " me llamo "),
    (r"\bthank you\b|\bthanks\b|\bthx\b", " gracias "), (r"\b(?:hello|hey|hi there|good morning|good afternoon)\b", " hola "),
    (r"\b(?:yes|yeah|yep|sure)\b", " si "), (r"\b(?:nope)\b", " no "), (r"\bplease\b", " por favor "),
    (r"\bservices?\b|\bmenu\b", " servicios "), (r"\bavailable\b|\bavailability\b|\bany (?:time|slot|spot)s?\b", " tienen lugar "),
)
_COMPILED = tuple((re.compile(pattern), spanish) for pattern, spanish in _GLOSSARY)
_WORD = re.compile(r"[a-zñ']+")


def is_english(text: str) -> bool:
    """True when the message is written in English (a few English-only words, no Spanish ones)."""
    words = _WORD.findall(fold(text))
    english = sum(1 for w in words if w in _ENGLISH and w not in _SHARED)
    spanish = sum(1 for w in words if w in _SPANISH)
    if english == 0 or spanish > english / 3:
        return False
    return english >= 2 or (len(words) <= 3 and spanish == 0)


def to_spanish(text: str) -> str:
    """The Spanish the rules read for an English message (names keep their capitals)."""
    glossed = fold(text)
    for pattern, spanish in _COMPILED:
        glossed = pattern.sub(spanish, glossed)
    # What the glossary did not turn into Spanish is dropped; digits, punctuation and names are kept.
    originals = {fold(word): word for word in re.findall(r"[A-Za-zÀ-ÿ']+", text)}
    kept = []
    for token in re.findall(r"[a-zñ']+|\d+(?::\d\d)?|[?!,.$]", glossed):
        if token in _ENGLISH and token not in _SPANISH and token not in _SHARED and token not in ("am", "pm"):
            continue
        original = originals.get(token)
        kept.append(original if original and original[:1].isupper() and token not in _SPANISH else token)
    return " ".join(kept)
