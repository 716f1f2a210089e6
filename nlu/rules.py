"""The offline rule engine: the default without an Anthropic key, and the fallback when Claude fails.

Reading one message:
1. find what it carries: a phone, a duration, date/time parts, a catalog service or staff name,
   an option picked, names and free text;
2. decide the intent: prompt injection → other; a person asked for → human; giving up → stop;
   an answer to what was just asked (yes/no, a name, a phone, an option, a day…); the role's
   command cues in priority order; booking cues; greetings and courtesies; data → inform;
3. resolve the date/time parts with `nlu.resolver` and fill the slots the intent uses.

Some readings are *certain* (a tapped button, "sí" to a yes/no question, a bare time or option
when one was asked, a phone number): the Claude engine does not call Claude for those.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import logging
from collections.abc import Callable
from pathlib import Path
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from nlu import english, free_text, intent_rules as ir, written_dates
from nlu.guests import Guest, find_guest
from nlu.side_questions import asks_to_book, first_question, side_questions
from nlu.choices import is_choice_word, option_time, pick_option, tapped_option
from nlu.context import Expecting, NluContext
from nlu.matching import CatalogMatcher, Found
from nlu.normalize import fold, normalize
from nlu.phones import find_phone
from nlu.quantities import bare_number, find_minutes, find_price
from nlu.resolver import ClockParts, DateTimeParts, DayParts, ResolvedDateTime, resolve
from nlu.spanish_dates import WEEKDAY_WORDS, DateTimeFound, extract_datetime
from nlu.stats import NluStats
from nlu.understanding import (
    ALSO_INTENTS,
    WEEKDAYS,
    Intent,
    Role,
    Slots,
    Understanding,
    coerce_intent,
    intents_for,
)

if TYPE_CHECKING:
    from nlu.learned import IntentModel

log = logging.getLogger("yume.nlu.rules")

_ANSWER_EXPECTATIONS = frozenset(
    {Expecting.DATE, Expecting.TIME, Expecting.SLOT, Expecting.CHOICE, Expecting.SERVICE, Expecting.SERVICES,
     Expecting.HOURS, Expecting.STAFF}
)
_TEXT_EXPECTATIONS = frozenset({Expecting.MESSAGE, Expecting.REASON, Expecting.FREE_TEXT, Expecting.SERVICE_NAME})
_ALL_SERVICES = re.compile(r"^(?:(?:si|sale|va|ok)\s*,?\s*)?(?:todos|todas|todo|de todo|todos los servicios|los \d|las \d|todos ellos|hace todo|hace de todo)\b")
# Only read as "closed" when no opening or closing time is given ("cerramos a las 8" is a closing time).
# "…como barbero, hace de todo": every service, said while adding someone.
_DOES_EVERYTHING = re.compile(r"\b(?:hace|hara|va a hacer|ofrece|ofrecera|da|con) (?:de todo|todo|todos los servicios)\b")
_CLOSED = re.compile(
    r"\b(?:no abrimos|no vamos a abrir|no se abre|no abro|no voy a abrir|no abre|cerrado|cerrados|cerramos|descansamos|no trabajamos|no se trabaja|no vamos a trabajar|sin abrir|"
    r"(?:estamos|nos vamos|vamos a estar|nos tomamos|tomamos|salimos) de vacaciones|"
    r"no (?:hay|habra|vamos a dar|damos|va a haber) servicio)\b"
)
_CLOSES = re.compile(r"\b(?:cerramos|cierro|cerraremos|cerrare|cerrar|hasta las?)\b")
_LOOSE_RANGE = re.compile(r"\b(?P<a>\d{1,2})(?::(?P<am>\d\d))? a (?P<b>\d{1,2})(?::(?P<bm>\d\d))?\b")
_FROM_CUE = re.compile(
    r"\b(?:cita|turno|la|el|al|reservacion|señor|señora|senor|senora|chavo|chava|niño|niña|cliente|clienta|muchach[oa]|joven|"
    r"chic[oa]|morr[oa]|(?:don|doña) [a-zñ]+)\s+(?:de|del)\s+"
)
_HUMAN_WITH = re.compile(
    r"\b(?:hablar|platicar|comunicarme|comunicame|comunicas|comunica|pasame|pasas|pasarme|contactar|conectame) con\b"
)
_COST_OF = re.compile(r"\bcuanto (?:cuesta|cuestan|sale|salen|vale|valen|es|cobran)\s+(?:el|la|los|las|un|una|unos|unas)\s+(?P<w>[a-zñ]+)")
_PERSON_AT_START = re.compile(
    r"^\s*(?P<name>[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+(?:\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+){0,2})\s+(?:no|ya|nunca)\s"
)
# "registra a mi prima Daniela", "entró un chavo nuevo, Rodrigo": who the new colleague is to the owner.
_RELATION = re.compile(
    r"^\s*(?:(?:a|al|a la)\s+)?(?:(?:mi|un|una|el|la|nuestro|nuestra|otro|otra)\s+)?(?:prim[oa]|herman[oa]|sobrin[oa]|chavo|chava|"
    r"muchach[oa]|amig[oa]|tia|tio|hij[oa]|cuñad[oa]|esposa|esposo|compa|cuate|señora|señor|chic[oa]|vecin[oa]|comadre|compadre)"
    r"(?:\s+nuev[oa])?\s*,?\s*",
    re.IGNORECASE,
)
_PARA_NAME = re.compile(r"\bpara\s+(?P<name>[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+(?:\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)?)")
_STAFF_INTRO = re.compile(
    r"\b(?:agrega|agregar|agregame|añade|anade|da de alta|dar de alta|dale de alta|registra|registrar|contrate|contratamos|mete|sumar)\s+a\s+"
)
_NEW_SERVICE_NOUN = re.compile(
    r"\bservicios?(?:\s+nuevo)?\s+(?:de|llamado|que se llama|que se llame|de nombre)\s*:?\s+|\bservicios?(?:\s+nuevo)?\s*:\s*"
)
_NEW_SERVICE = re.compile(
    r"\b(?:servicios?(?:\s+nuevo)?(?:\s+(?:de|llamado|que se llama))?|ofrecer|ofrecemos|hacer tambien|(?:ahora )?tambien (?:damos|hacemos|ofrecemos|manejamos)|empezar a (?:hacer|dar|ofrecer)|vamos a dar(?! de alta)|"
    r"vamos a hacer|empezamos a dar|empezamos a hacer|ahora damos|ahora hacemos|(?:queremos|quiero|vamos a|voy a) (?:dar(?! de alta)|hacer|meter|manejar)|"
    r"^(?:nuevo|nueva|alta)\s*:)\s*:?\s+"
)
# "agrega planchado de cabello, 300 pesos": the name right after the verb (when "servicio" is not said).
_NEW_SERVICE_AFTER_VERB = re.compile(
    r"^(?:(?:oye|por favor|porfa|ahora|tambien|y|quiero|queremos|hay que|voy a|vamos a)\s*,?\s+)*(?:agrega|agregale|agregar|"
    r"añade|añadir|anade|mete|meter|da de alta|dar de alta|dale de alta|registra|incluye|suma|crea)\s+(?!a\s|al\s)"
)
_NEW_SERVICE_STOP = re.compile(r"\s*(?:[,.;$\d]|\ba\b|\bde \$|\bde \d|\bque\b|\bcuesta\b|\bpor\b|\by dura\b|\ben \d|\bdura\b|$)")
_LOOSE_PRICE = re.compile(
    r"(?:^|[\s,:])(?P<n>\d{2,5})(?=\s*(?:,|$|pesos|varos|\.|y (?:dura|tarda|son)|(?:y )?(?:media hora|una hora|hora y media|\d{1,3} (?:minutos|min|horas?|hrs?))\b))"
)
# "No tiene", "sin teléfono": the walk-in left no number.
_NO_PHONE = re.compile(r"^(?:sin|no hay|no dejo|no dio|no trae)\s+(?:(?:su|el|un)\s+)?(?:telefono|numero|cel|celular|whats|whatsapp)\b")
# "ya", "es todo", "listo": nothing more to add to a list being collected (services, hours).
_DONE_ADDING = re.compile(
    r"^(?:ya|listo|ya esta|ya quedo|ya estuvo|es todo|ya es todo|eso es todo|seria todo|ya seria todo|son todos|"
    r"ya son todos|nada mas|no mas|ya no|no|ninguno|ninguna|ya termine|termine|fin|ya no hay mas|no hay mas)"
    r"(?:\s*(?:,|gracias|por ahora|ya|es todo|eso es todo|son todos|seria todo))*\s*[.!]*$"
)
_FREE_TEXT_SLOT: dict[Expecting, str] = {
    Expecting.MESSAGE: "message", Expecting.REASON: "reason", Expecting.SERVICE_NAME: "new_service",
    Expecting.FREE_TEXT: "message",
}
_EXCEPT = re.compile(r"\b(?:aparte de|ademas de|fuera de|que no sea|otra cosa que)\b")
# "mejor barba en vez de corte": the service wanted, not the one replaced (blanked before matching).
_REPLACED = re.compile(
    r"\b(?:en vez de|en lugar de|envez de|en vez del|en lugar del|no)\s+(?:(?:un|una|el|la|los|las|mi)\s+)?"
    r"(?P<w>[a-zñ]+(?:\s+(?:de|y)\s+[a-zñ]+)?)(?=\s*(?:,|$|\bsino\b|\bmejor\b|\bquiero\b|\bpor\b|\bdame\b))"
    r"|\b(?:en vez de|en lugar de|envez de|en vez del|en lugar del)\s+(?:(?:un|una|el|la|los|las|mi)\s+)?[a-zñ]+"
    r"|\bno quiero (?:(?:un|una|el|la)\s+)?[a-zñ]+(?=\s*,?\s*(?:mejor|sino|nada mas|solo)\b)"
)
# "no, mejor el sábado", "mejor barba": a correction of a value, read as `inform` when it carries data.
_CORRECTION_START = re.compile(
    r"^(?:(?:no|nel|nop|ah|oye|perdon|perdona|disculpa|espera|uy)\s*,?\s+)*(?:mejor|mas bien|en vez de|en lugar de|"
    r"prefiero|siempre no|siempre si|cambialo a|cambiala a|mejor que sea|que sea)\b"
)
# A customer saying when they can: "mañana toda la mañana estoy libre" gives a day, it does not ask for one.
_AVAILABLE = re.compile(
    r"\b(?:estoy|ando|quedo|estare|voy a estar|estamos) (?:libre|libres|desocupad[oa]s?|disponibles?)\b|^puedo\b|"
    r"\bme (?:queda|acomoda|conviene|late) (?:mejor )?(?:el|la|a|en|mañana|hoy|pasado)\b"
)
# Words that only lead data in ("mi número es…", "que sea con Pedro", "ok, a las 5").
_LEAD_WORDS = frozenset(
    {"mi", "numero", "es", "telefono", "celular", "whatsapp", "whats", "que", "sea", "con", "seria", "mejor", "te",
     "paso", "dejo", "el", "la", "a", "para", "mas", "bien", "en", "vez", "lugar", "prefiero", "siempre", "no", "nel",
     "estoy", "libre", "puedo", "me", "queda", "acomoda", "conviene", "entonces", "ahi", "pues", "ese", "esa", "ok",
     "y", "o", "dije", "ya", "cel", "lo", "mejor", "mio", "aqui", "va", "este", "ahora", "eso", "si"}
)
_STAFF_PERSON_INTENTS = frozenset(
    {Intent.BOOK, Intent.CANCEL, Intent.RESCHEDULE, Intent.MARK_NO_SHOW, Intent.MARK_COMPLETED,
     Intent.CUSTOMER_HISTORY, Intent.WALK_IN}
)
_DIGRESSIONS_WHEN_ANSWERING = frozenset(set(Intent) - {Intent.BOOK, Intent.MY_SCHEDULE})


@dataclass
class Reading:
    """One message read by the rules: the understanding, whether it is certain, whether the rules are unsure."""

    understanding: Understanding
    certain: bool = False
    # The intent came from no cue at all (`other`) or from a weak one: the learned model may read it instead.
    unsure: bool = False
    message: _Message | None = None


@dataclass
class _Message:
    """What one message carries, before its intent is decided."""

    text: str
    context: NluContext
    normalized: str
    unphoned: str  # the text with its phone number blanked out ("Toño 55 1212 3434" → "Toño")
    phone: str | None
    minutes: int | None
    found: DateTimeFound
    service: Found | None
    staff: Found | None
    matcher: CatalogMatcher
    asap: bool = False
    guest: Guest | None = None

    @property
    def has_datetime(self) -> bool:
        return not self.found.parts.is_empty()

    @property
    def has_data(self) -> bool:
        return bool(
            self.has_datetime or self.service or self.phone or self.staff or self.minutes or self.asap or self.guest
        )

    def rest_tokens(self) -> list[str]:
        """Tokens left once dates, times, the service and the staff name are taken out."""
        taken = set(self.service.words if self.service else ()) | set(self.staff.words if self.staff else ())
        return [t for t in self.found.rest.split() if t not in taken]


# The learned model decides only when it finds its intent more likely than all the others together.
MODEL_THRESHOLD = 0.5
# Readings only data can make (an answer, yes/no): the model never turns "qwerty" into one; and `other` is the default.
_NOT_FROM_THE_MODEL = frozenset({Intent.OTHER, Intent.INFORM, Intent.AFFIRM, Intent.DENY})


class RuleEngine:
    """Offline understanding with rules, and the learned model where the rules are unsure.

    Also the fallback of the Claude engine. `backstop=False`: the rules alone.
    """

    name = "rules"
    offline = True  # no network: a turn may read the message inside its transaction

    def __init__(self, *, backstop: bool = True, corpus: str | None = None, cache_dir: str | None = None) -> None:
        self.stats = NluStats()
        self.backstop = backstop
        self._corpus = Path(corpus) if corpus else None
        self._cache_dir = Path(cache_dir) if cache_dir else None
        self._model: IntentModel | None | bool = None  # None: not loaded yet; False: there is none

    def read(self, text: str, context: NluContext) -> Understanding:
        """Understand one message (synchronous; the model is loaded on the first unsure message)."""
        self.stats.messages += 1
        reading = read_message(text, context)
        if reading.unsure and self.backstop and reading.message is not None:
            learned = self._learned_reading(text, context, reading)
            if learned is not None:
                self.stats.model_answers += 1
                return learned
        return reading.understanding

    def _learned_reading(self, text: str, context: NluContext, reading: Reading) -> Understanding | None:
        model = self._get_model()
        if model is None or reading.message is None:
            return None
        expecting = context.expecting.value if context.expecting else None
        prediction = model.predict(text, context.role, expecting)
        if prediction is None or prediction.probability < MODEL_THRESHOLD:
            return None
        if prediction.intent == reading.understanding.intent or prediction.intent in _NOT_FROM_THE_MODEL:
            return None
        understanding = _build(prediction.intent, reading.message)
        understanding.engine = "model"
        understanding.slots.language = reading.understanding.slots.language
        return understanding

    def _get_model(self) -> IntentModel | None:
        if self._model is None:
            from nlu.learned import model_for

            try:
                self._model = model_for(self._corpus, self._cache_dir) or False
            except Exception:  # a broken cache or corpus must never cost an answer: the rules go on alone
                log.exception("the learned NLU model could not be loaded; rules only")
                self._model = False
        return self._model or None

    async def understand(self, text: str, context: NluContext) -> Understanding:
        """The `Understander` interface."""
        return self.read(text, context)

    def certain(self, text: str, context: NluContext) -> Understanding | None:
        """The reading when the rules are certain of it, else None (then Claude may be asked)."""
        reading = read_message(text, context)
        return reading.understanding if reading.certain else None


def read_message(text: str, context: NluContext) -> Reading:
    """Read one message with the rules (see the module docstring)."""
    raw = text.strip()
    if not raw:
        return Reading(Understanding(intent=Intent.OTHER))
    in_english = english.is_english(raw)
    reading = _read(english.to_spanish(raw) if in_english else raw, context)
    reading.unsure = reading.unsure and not reading.certain
    if not reading.certain and not in_english and not reading.unsure:
        reading.certain = _confident(reading)
    understanding = reading.understanding
    if in_english:
        understanding.slots.language = "en"
    understanding.intent = coerce_intent(understanding.intent, context.role)
    understanding.fast_path = reading.certain
    return reading


# Words a reading never needs to explain: articles, prepositions, pronouns.
_FUNCTION_WORDS = frozenset(
    {"un", "una", "unos", "unas", "el", "la", "los", "las", "lo", "de", "del", "para", "a", "al", "por", "en", "con",
     "mi", "mis", "me", "te", "le", "les", "y", "o", "se", "su", "sus", "es", "tu", "tus"}
)


def _confident(reading: Reading) -> bool:
    """True when the rules account for every word of the message: then Claude would add nothing.

    A free-text answer (a business name, a message to pass on, a reason) is taken whole, and a
    name answer only when it looks like a name; anything else must be cues, data and courtesy
    only ("quiero un corte mañana a las 4", "olvídalo", "Guadalupe Torres", "lunes a sábado de 10 a 8").
    """
    message, understanding = reading.message, reading.understanding
    if message is None or understanding.intent == Intent.OTHER:
        return False
    expecting, slots = message.context.expecting, understanding.slots
    if understanding.intent == Intent.INFORM:
        if expecting in _TEXT_EXPECTATIONS:
            return True
        if expecting == Expecting.NAME and slots.person_name:
            return True
    explained = set(_FUNCTION_WORDS) | set(_LEAD_WORDS) - {"no", "nel", "pero"}
    for value in (slots.person_name, slots.reason, slots.message, slots.new_service, slots.guest, slots.guest_name):
        if value:
            explained |= set(normalize(value).split())
    if slots.price is not None:
        amount = str(int(slots.price)) if slots.price == int(slots.price) else str(slots.price)
        explained |= {amount, f"${amount}", "pesos", "$"}
    if slots.choice is not None:
        explained |= {t for t in message.rest_tokens() if is_choice_word(t)} | {str(slots.choice)}
    left = ir.unexplained_tokens(" ".join(message.rest_tokens()), understanding.intent, frozenset(explained))
    return not left


def _analyse(text: str, context: NluContext) -> _Message:
    phone_match = find_phone(text)
    masked = text if phone_match is None else text[: phone_match.start] + " " + text[phone_match.end :]
    normalized = normalize(written_dates.canonical(masked))  # «3/feb/2027» → «3/2/2027», via dateparser
    minutes, without_durations = find_minutes(normalized)
    time_options = any(option_time(option) for option in context.options)
    bare_time = (
        context.expecting in (Expecting.TIME, Expecting.SLOT, Expecting.HOURS) and (time_options or not context.options)
    ) or time_options
    found = extract_datetime(
        without_durations, bare_time=bare_time, day_numbers=not context.options, choices=len(context.options)
    )
    matcher = context.catalog.matcher()
    wanted = _REPLACED.sub(" ", normalized)  # "barba en vez de corte" names barba only
    staff = matcher.find_staff(normalized, masked)
    guest = None
    if context.role == Role.CUSTOMER:
        guest = find_guest(masked, matcher.service_vocabulary | matcher.staff_words | frozenset(WEEKDAY_WORDS))
    return _Message(
        text=text, context=context, normalized=normalized, unphoned=masked, phone=phone_match.e164 if phone_match else None,
        minutes=minutes, found=found, service=matcher.find_service(wanted), staff=staff, matcher=matcher,
        asap=bool(ir.ASAP.search(normalized) or (ir.ASAP_TODAY.search(normalized) and not found.clocks)), guest=guest,
    )


def _read(text: str, context: NluContext) -> Reading:
    message = _analyse(text, context)
    reading = _decide(message)
    reading.message = message
    return reading


def _decide(message: _Message) -> Reading:
    text, context = message.text, message.context
    norm = message.normalized
    expecting = context.expecting

    if context.interactive and context.options:
        tapped = tapped_option(text, context.options)
        if tapped is not None:
            return Reading(_build(Intent.INFORM, message, choice=tapped), certain=True)
    if ir.INJECTION.search(norm):
        # An ordinary out-of-scope message: nothing in it is taken as an instruction or as data.
        return Reading(Understanding(intent=Intent.OTHER))
    if context.role == Role.CUSTOMER and ir.COMPLAINT.search(norm) and context.expecting is None:
        return Reading(_build(Intent.OTHER, message))  # a complaint goes to the owner, whatever else it says
    if ir.HUMAN.search(norm) or (message.staff and _HUMAN_WITH.search(norm)):
        return Reading(_build(Intent.HUMAN, message))
    if ir.STOP_ANYWHERE.search(norm) or (expecting != Expecting.YES_NO and _only_giving_up(norm)):
        if context.step is None and re.match(r"cancel\w*\b", norm):  # no flow to abandon: cancel the appointment
            return Reading(_build(Intent.CANCEL, message))
        return Reading(_build(Intent.STOP, message))

    answer = _answer_to_question(message)
    if answer is not None:
        return answer

    cues = ir.Cues(
        role=context.role, has_service=message.service is not None, has_staff=message.staff is not None,
        has_phone=message.phone is not None, has_when=message.has_datetime,
        mentions_service=message.matcher.mentions_service_word(norm), at_rest=context.expecting is None,
    )
    person, relayed = free_text.relayed_message(text)
    if relayed and Intent.MESSAGE_CUSTOMER in intents_for(context.role):
        # "cancela a Gaby del martes y dile que yo le escribo": the command first, its message as a slot.
        head = normalize(text[: max(fold(text).find(fold(relayed)[:20]), 0)])
        for command, cue in ((Intent.CANCEL, ir.CANCEL), (Intent.MARK_NO_SHOW, ir.MARK_NO_SHOW), (Intent.RESCHEDULE, ir.RESCHEDULE)):
            if cue.search(head) and command in intents_for(context.role):
                return Reading(_build(command, message, message_text=relayed))
        return Reading(_build(Intent.MESSAGE_CUSTOMER, message, person_name=person, message_text=relayed))
    recipient = free_text.relay_recipient(text)
    if recipient and Intent.MESSAGE_CUSTOMER in intents_for(context.role):
        return Reading(_build(Intent.MESSAGE_CUSTOMER, message, person_name=recipient))
    intent, foreign = ir.first_rule_intent(norm, cues)
    if intent == Intent.MY_APPOINTMENTS and _CONFIRMS.match(norm):
        intent = Intent.AFFIRM  # «confirmo mi cita de mañana» answers a reminder
    if intent == Intent.ASK_SERVICES and _asks_price_of_something_else(norm, message.matcher):
        intent = Intent.OTHER
    if context.role != Role.OWNER and intent in _OFF_TOPIC_OVERRIDES and ir.OFF_TOPIC.search(norm) and not ir.BOOK_VERB.search(norm) and message.service is None:
        intent = Intent.OTHER  # «¿tienen baño?», «ya pagaron la renta?» (an owner's own business matters may be stats)
    if context.role != Role.OWNER and intent in _OFF_TOPIC_OVERRIDES and ir.OFF_TOPIC_ANYWAY.search(norm) and not message.has_datetime:
        intent = Intent.OTHER  # «¿le cortan el pelo a perros?», «¿me recomiendas un corte para cara redonda?»
    if context.role == Role.OWNER and intent in (Intent.STATS, None) and ir.BILLS.search(norm):
        intent = Intent.OTHER  # «¿cuánto pago de luz este mes?»: a bill, not the business's figures
    if context.role != Role.CUSTOMER and intent is None and ir.CHORE.search(norm) and not ir.BOOK_VERB.search(norm):
        intent = Intent.OTHER  # «compra tinte rubio cenizo»: the shop's errand, not a booking
    if intent in ALSO_INTENTS and asks_to_book(norm, cues, message.matcher.mentions_service_word):
        intent = Intent.BOOK  # "¿abren el domingo? quiero corte a las 12": the question rides along (`also`)
    elif intent in ALSO_INTENTS:
        intent = first_question(norm, cues) or intent  # "¿cuánto sale el corte? y a qué hora cierran": prices first
    if intent == Intent.CANT_MAKE_IT and (len(message.found.days) >= 2 or len(message.found.clocks) >= 2):
        intent = Intent.RESCHEDULE  # "ya no puedo el viernes, ¿hay algo el sábado?": another day is asked for
    if intent is None and foreign is not None:
        coerced = coerce_intent(foreign, context.role)
        if coerced == Intent.OTHER and (social := _social(message)) in (Intent.THANKS, Intent.GOODBYE):
            return Reading(_build(social, message), message=message)  # a customer's «ya quedó, gracias!» thanks
        past = foreign == Intent.STATS  # "¿cuánto vendimos en enero?" looks back, even from staff
        return Reading(_build(coerced, message, past=past), unsure=coerced == Intent.OTHER, message=message)
    if intent is None and _corrects_a_value(message):
        intent = Intent.INFORM  # "no, mejor el sábado", "mejor barba en vez de corte"
    weak = False
    if intent is None:
        intent = _booking_or_question(message)
        # Booking only because a service was named ("corte mañana") is the weakest cue.
        weak = intent == Intent.BOOK and not (ir.BOOK_VERB.search(norm) or ir.BOOK_NOUN.search(norm) or ir.WANT.search(norm))
    if intent is None and ir.CORRECTION.search(norm) and message.has_data and ir.DENY.match(norm):
        intent = Intent.INFORM  # "no, mejor el sábado" corrects a value
    if intent is None:
        intent = _social(message)
    if (
        intent is None and context.role == Role.CUSTOMER and context.expecting is None and message.staff
        and message.has_datetime and message.rest_tokens()[:1] != ["que"] and not ir.CORRECTION.search(norm)
    ):
        intent = Intent.BOOK  # "el viernes a las 5 con Pedro": a day with someone asks for it («que sea con Pedro» informs)
    if intent is None:
        # Data alone ("mañana a las 4", "mi número es…") informs; data inside an unrelated question does not.
        only_data = _only_lead_in(message.rest_tokens()) or context.expecting is not None or _AVAILABLE.search(norm)
        intent = Intent.INFORM if (message.has_data and only_data) or _named_only(message) else Intent.OTHER
        weak = intent == Intent.OTHER
    return Reading(_build(intent, message), unsure=weak, message=message)


_CLAUSE_BREAK = re.compile(r"\s*(?:[,.;?¿!]|\bpero\b|\bmejor\b|\bque tal\b)\s*")
_NEGATION = re.compile(r"\b(?:no|nel|tampoco|nunca|ni)\b")


def _counter_offer(answer: str) -> bool:
    """After a «no», a last clause that offers a day or a time and negates nothing («no puedo, ¿a las 6?»)."""
    clauses = [c for c in _CLAUSE_BREAK.split(answer) if c.strip()]
    if len(clauses) < 2 or _NEGATION.search(clauses[-1]):
        return False
    found = extract_datetime(clauses[-1])
    return bool(found.days or found.clocks)


_OFF_TOPIC_OVERRIDES = frozenset(
    {None, Intent.ASK_SERVICES, Intent.MY_SCHEDULE, Intent.BUSINESS_SCHEDULE, Intent.STATS,
     Intent.RESCHEDULE, Intent.MARK_COMPLETED, Intent.MY_APPOINTMENTS}
)


def _only_lead_in(tokens: list[str]) -> bool:
    """Nothing but courtesy and the words that lead data in ("mi número es", "que sea con")."""
    return all(token in ir.COURTESY_WORDS or token in _LEAD_WORDS for token in tokens)


def _carries_value(message: _Message) -> bool:
    """A day, a time, a service, a person or "lo antes posible": what a lead-in («ok», «no, mejor») never hides."""
    return bool(message.has_datetime or message.service or message.staff or message.asap or message.phone)


def _corrects_a_value(message: _Message) -> bool:
    norm = message.normalized
    return bool(
        _CORRECTION_START.match(norm) and _carries_value(message) and not ir.BOOK_VERB.search(norm)
        and not ir.BOOK_NOUN.search(norm)
    )


def _only_giving_up(norm: str) -> bool:
    """ "ya no", "déjalo, luego te escribo": nothing but giving-up phrases and courtesy."""
    remaining, count = ir.STOP_PHRASE.subn(" ", norm)
    return count > 0 and ir.is_only_courtesy([t for t in remaining.split() if t not in ("no", "nel", "luego", "mejor", "sabes")])


def _answer_to_question(message: _Message) -> Reading | None:
    """The reading of a reply to what was just asked, or None when it is not such a reply."""
    context, norm = message.context, message.normalized
    expecting = context.expecting
    if expecting is None and not context.options:
        if message.phone and ir.is_only_courtesy(message.rest_tokens()):
            return Reading(_build(Intent.INFORM, message), certain=True)
        return None

    if expecting == Expecting.YES_NO:
        person, relayed = free_text.relayed_message(message.text)
        extra = {"message_text": relayed} if relayed else {}
        answer = ir.FILLER_START.sub("", norm)
        deny = ir.DENY.match(answer)
        affirm = None if deny else ir.AFFIRM.match(answer)
        rest = message.rest_tokens()
        if (deny or ir.CORRECTION.search(norm)) and ir.BOOK_VERB.search(norm) and message.has_data:
            return Reading(_build(Intent.BOOK, message))  # "siempre no, mejor quiero otra para hoy en la tarde"
        if deny and ir.CANT_MAKE_IT.search(norm) and Intent.CANT_MAKE_IT in intents_for(context.role):
            return Reading(_build(Intent.CANT_MAKE_IT, message))  # "no, no voy a poder llegar"
        if (affirm or deny) and ir.CORRECTION.search(norm) and message.has_data:
            return Reading(_build(Intent.INFORM, message))  # "no, mejor el sábado" corrects
        if (affirm or deny) and _carries_value(message) and _only_lead_in(rest):
            return Reading(_build(Intent.INFORM, message))  # "ok, a las 5": the data wins over the lead-in
        if deny and _counter_offer(answer):
            return Reading(_build(Intent.INFORM, message))  # "no puedo a esa hora, ¿a las 6?": another time offered
        if affirm or deny:
            intent = Intent.AFFIRM if affirm else Intent.DENY
            words = rest[1:] if rest else []
            return Reading(_build(intent, message, **extra), certain=ir.is_only_courtesy(words) and not relayed)
        if ir.CORRECTION.match(norm) and message.has_data:
            return Reading(_build(Intent.INFORM, message))
        return None

    cues = ir.Cues(role=context.role, has_service=message.service is not None, has_staff=message.staff is not None)
    rule_intent, _ = ir.first_rule_intent(norm, cues)
    digression = rule_intent is not None and rule_intent in _DIGRESSIONS_WHEN_ANSWERING

    if expecting in (Expecting.SERVICE_NAME, Expecting.OPENING_HOURS) and _DONE_ADDING.match(norm):
        return Reading(_build(Intent.DENY, message), certain=True)
    if expecting == Expecting.SERVICE_NAME:
        # A catalog word is fine in a new service's name ("Corte de niño"); a greeting or a question is not a name.
        social = _social(message)
        if social in (Intent.GREET, Intent.THANKS, Intent.GOODBYE) or "?" in message.text:
            return None
        return Reading(_build(Intent.INFORM, message, free=_new_service_answer(message.text)))
    if expecting == Expecting.OPENING_HOURS:
        if (message.has_datetime or _CLOSED.search(norm)) and not digression:
            return Reading(_build(Intent.INFORM, message))
        return None
    if expecting == Expecting.FREE_TEXT and _social(message) in (Intent.GREET, Intent.THANKS, Intent.GOODBYE):
        return None  # "hola" is not the name of a business
    if expecting in _TEXT_EXPECTATIONS:
        return Reading(_build(Intent.INFORM, message, free=_free_answer(message.text)))
    if expecting == Expecting.NAME:
        pair = free_text.two_names(message.unphoned) if context.role == Role.CUSTOMER else None
        name = pair[1] if pair else free_text.name_answer(message.unphoned)
        if name and not digression:
            return Reading(_build(Intent.INFORM, message, person_name=name))
        return None
    if expecting == Expecting.PHONE:
        if message.phone:
            return Reading(_build(Intent.INFORM, message), certain=ir.is_only_courtesy(message.rest_tokens()))
        if ir.DENY.match(norm) or _NO_PHONE.match(norm):
            return Reading(_build(Intent.DENY, message))
        return None
    if expecting == Expecting.PRICE:
        price = find_price(norm, in_context=True)
        return Reading(_build(Intent.INFORM, message)) if price is not None and not digression else None
    if expecting == Expecting.MINUTES:
        if (message.minutes or bare_number(norm)) and not digression:
            return Reading(_build(Intent.INFORM, message))
        return None
    if expecting == Expecting.SERVICES and _ALL_SERVICES.match(norm):
        return Reading(_build(Intent.INFORM, message))

    choice = _choice(message)
    if digression:
        return None
    if choice is not None or message.has_data:
        rest = [t for t in message.rest_tokens() if not is_choice_word(t)]
        certain = ir.is_only_courtesy(rest) and (choice is not None or expecting in (Expecting.TIME, Expecting.SLOT))
        understanding = _build(Intent.INFORM, message, choice=choice)
        times = [option_time(o) for o in context.options]
        if choice is not None and any(times) and understanding.slots.time not in (None, *times):
            understanding.slots.time = None  # "2" picked the second option; it was never "2 PM"
        return Reading(understanding, certain=certain)
    if expecting == Expecting.STAFF and _ANY_STAFF.search(norm):
        return Reading(_build(Intent.INFORM, message), certain=True)  # "con el que esté libre": anyone
    if ir.DENY.match(norm) and expecting in _ANSWER_EXPECTATIONS:
        return Reading(_build(Intent.DENY, message))
    return None


def _choice(message: _Message) -> int | None:
    """Which offered option the message picks, if options were offered."""
    if not message.context.options:
        return None
    said_time = _resolved(message, Intent.INFORM).time if message.found.clocks else None
    return pick_option(
        text=message.text, normalized=message.normalized, rest=message.found.rest, options=message.context.options,
        said_time=said_time, said_service=message.service.name if message.service else None,
        said_staff=message.staff.name if message.staff else None,
    )


_PUT_SOMEONE_IN = re.compile(
    r"^(?:oye\s*,?\s*)?(?:mete|meteme|metele|ponme|ponle|pon|acomodame|acomoda|acomodale)\s+a\s+"
    r"(?!las?\b|el\b|mi\b|su\b|un\b|una\b|nadie\b|alguien\b|trabajar\b)(?:(?:don|doña|la señora|el señor|señora|señor)\s+)?[a-zñ]+\b"
)


def _booking_or_question(message: _Message) -> Intent | None:
    """Booking cues, or a question about whether a service is offered."""
    norm, matcher = message.normalized, message.matcher
    if ir.COMPLAINT.search(norm):
        return Intent.OTHER
    if _AVAILABLE.search(norm) and message.has_datetime and not ir.BOOK_VERB.search(norm):
        return None  # "mañana toda la mañana estoy libre" gives a day
    if message.asap and message.context.expecting is None:
        return Intent.BOOK  # "¿qué es lo más próximo?", "lo primero que tengas mañana": the earliest opening
    # A service word counts even when it fits several services ("un corte" with Corte niño too).
    wants_service = message.service is not None or matcher.mentions_service_word(norm)
    if ir.BOOK_VERB.search(norm) or ir.BOOK_NOUN.search(norm):
        return Intent.BOOK
    if message.context.role != Role.CUSTOMER and message.has_datetime and _PUT_SOMEONE_IN.search(norm):
        return Intent.BOOK  # «mete a Jorge el viernes a las 5», «ponme a Rosa el sábado a las 10»
    if message.has_datetime and message.context.expecting is None and ir.ASKS_FOR_SLOT.search(norm):
        return Intent.BOOK
    # "quiero saber si hacen tintes" asks; "quiero unas uñas acrílicas" books.
    if wants_service and ir.ASKS_ABOUT_SERVICE.search(norm) and not message.has_datetime:
        return Intent.ASK_SERVICES
    if wants_service and ir.WANT.search(norm):
        return Intent.BOOK
    if message.service and message.context.expecting is None and not _social_start(norm):
        return Intent.BOOK  # "un corte", "corte mañana a las 4": naming a service asks for it
    return None


def _social(message: _Message) -> Intent | None:
    norm = ir.FILLER_START.sub("", message.normalized)
    rest = norm.split() if not message.has_data else message.rest_tokens()
    if (ir.DENY.match(norm) or ir.AFFIRM.match(norm)) and _carries_value(message) and _only_lead_in(rest):
        return None  # "órale, entonces el jueves a las 6", "no, a las 5": the data wins (inform)
    if ir.DENY.match(norm):
        return Intent.DENY
    if ir.GOODBYE.search(norm):
        return Intent.GOODBYE
    if ir.THANKS.search(norm) and ir.is_only_courtesy([t for t in rest if t != "te"] ):
        return Intent.THANKS
    if ir.THANKS.search(norm) and not message.has_data:
        return Intent.THANKS
    affirm = ir.AFFIRM.match(norm)
    if affirm and (ir.is_only_courtesy(rest[1:]) or (not message.has_data and ir.is_only_courtesy(norm[affirm.end():].split()))):
        return Intent.AFFIRM  # «sí», «ahí estaré», «va que va, gracias»
    if ir.GREETING.match(norm) and ir.is_only_courtesy(rest):
        return Intent.GREET
    if ir.GREETING.match(norm) and not message.has_data:
        return Intent.GREET
    return None


def _social_start(norm: str) -> bool:
    return bool(ir.THANKS.search(norm) or ir.GOODBYE.search(norm))


def _named_only(message: _Message) -> bool:
    """ "soy Ana", or a full name alone ("Juan Pérez", "Don Pepe"): the writer gives a name."""
    return bool(free_text.introduced_name(message.text) or _bare_name(message))


def _bare_name(message: _Message) -> str | None:
    if message.context.expecting is not None or message.has_datetime or message.service or message.phone:
        return None
    return free_text.bare_name(message.unphoned)


def _asks_price_of_something_else(norm: str, matcher: CatalogMatcher) -> bool:
    """ "¿cuánto cuesta un coche?" is not a question about the salon's services."""
    match = _COST_OF.search(norm)
    if not match:
        return False
    word = matcher.canonical_tokens(match["w"])[0]
    return not (word in matcher.vocabulary or word.startswith("servicio") or matcher.find_service(norm))


# --- slots -----------------------------------------------------------------------------------


def _resolved(
    message: _Message, intent: Intent, found: DateTimeFound | None = None, *, past: bool = False,
) -> ResolvedDateTime:
    found = found or message.found
    parts = found.parts
    context = message.context
    if parts.period in _STATS_PERIODS and intent != Intent.STATS and not past:
        # «la quincena» is payday and «este año» a manner of speaking, except when counting what happened.
        parts = parts.model_copy(update={"period": None})
    opening = _about_opening_hours(intent, context)
    if opening:
        parts = _hours_parts(message, found)
    return resolve(
        parts,
        context.local_now,
        context.catalog.week_hours(),
        direction="past" if intent == Intent.STATS or past else "future",
        time_use="opening" if opening else "appointment",
    )


def _about_opening_hours(intent: Intent, context: NluContext) -> bool:
    """The owner setting hours, or answering the question about the weekly hours."""
    return intent == Intent.SET_HOURS or (intent == Intent.INFORM and context.expecting == Expecting.OPENING_HOURS)


def _hours_parts(message: _Message, found: DateTimeFound) -> DateTimeParts:
    """Parts for an owner setting hours: weekdays are recurring, a lone closing time is an end."""
    parts = found.parts.model_copy()
    weekdays = list(parts.weekdays or [])
    if found.weekday_range:
        weekdays += found.weekday_range
    day = parts.day
    one_off = _ONE_OFF_DAY.search(message.normalized) is not None  # "el sábado nomás abrimos en la mañana": this one
    if day is not None and day.weekday is not None and day.day is None and day.relative is None and not one_off:
        weekdays.append(day.weekday)
        parts.day = None
        parts.day_end = None
    parts.weekdays = [d for d in WEEKDAYS if d in weekdays] or None
    if parts.time is None:
        loose = _LOOSE_RANGE.search(found.rest)
        if loose:
            parts.time = ClockParts(hour=int(loose["a"]), minute=int(loose["am"] or 0))
            parts.time_end = ClockParts(hour=int(loose["b"]), minute=int(loose["bm"] or 0))
    opens_then_closes = _OPENS_THEN_CLOSES.search(message.normalized)
    if parts.time is not None and parts.time_end is None and opens_then_closes and len(found.clocks) >= 2:
        # «abrimos a las 9 y cerramos a las 7»: the first clock opens, the next one closes.
        parts.time, parts.time_end = found.clocks[0][1], found.clocks[1][1]
    elif parts.time is not None and parts.time_end is None and _CLOSES.search(message.normalized):
        parts.time_end, parts.time = parts.time, None
    return parts


_CLOSING_PART = re.compile(r"\b(?:cerramos|cerrar|cerrado|cerraremos|no abrimos|no vamos a abrir|no abro|descansamos)\b")
_OPENS_THEN_CLOSES = re.compile(r"\b(?:abrimos|abro|abrir|abre|abrimos|entramos|empezamos)\b.*\b(?:cerramos|cierro|cerrar|cierra|salimos|terminamos)\b")


_ONE_OFF_DAY = re.compile(
    r"\b(?:nomas|nada mas|solo|solamente|este|esta|temprano|(?<!la )tarde|que viene|que entra|proximo|a partir del?|desde el)\b"
)


_INSTEAD_OF = re.compile(r"\b(?:en vez|en lugar|envez) del?\s+")


def _after_from_cue(found: DateTimeFound) -> Callable[[int], bool]:
    """Whether a day or time at a position follows "la cita de", "el de", "al de" (the appointment being moved)."""
    cue_ends = [m.end() for m in _FROM_CUE.finditer(found.text)]
    return lambda position: any(end - 5 <= position <= end + 1 for end in cue_ends)


def _reschedule_dates(message: _Message, resolved: ResolvedDateTime) -> dict[str, object]:
    """Split "de mañana para el viernes" into the appointment's day and the new one."""
    found = message.found
    values: dict[str, object] = {}
    after_cue = _after_from_cue(found)

    days = found.days
    instead = [m.end() for m in _INSTEAD_OF.finditer(found.text)]
    if len(days) == 2 and instead:
        # "el sábado en vez del viernes": the day after "en vez de" is the one booked.
        replaced = 0 if any(end - 5 <= days[0][0] <= end + 4 for end in instead) else 1
        return {
            "from_date": _resolve_one_day(days[replaced][1], message),
            "date": _resolve_one_day(days[1 - replaced][1], message), "date_end": None,
        } | _reschedule_times(message, resolved)
    if len(days) == 1 and found.parts.day_end is not None and resolved.date_end is not None:
        # "del jueves al viernes": moved from the first day to the second.
        return {"from_date": resolved.date, "date": resolved.date_end, "date_end": None} | _reschedule_times(message, resolved)
    clocks = found.clocks
    if (
        len(days) == 1 and len(clocks) >= 2 and clocks[0][2] is None and clocks[0][0] < days[0][0] < clocks[1][0]
        and after_cue(clocks[0][0])
    ):
        # «pasa la de las 5 del jueves a las 6»: the day belongs to the appointment named before the new time.
        return {"from_date": resolved.date, "date": None, "date_end": None} | _reschedule_times(message, resolved)
    if len(days) >= 2 or (len(days) == 1 and after_cue(days[0][0])):
        first = _resolve_one_day(days[0][1], message)
        values["from_date"] = first
        values["date"] = _resolve_one_day(days[1][1], message) if len(days) >= 2 else None
        if len(days) == 1:
            values["date_end"] = None
    return values | _reschedule_times(message, resolved)


def _reschedule_times(message: _Message, resolved: ResolvedDateTime) -> dict[str, object]:
    """Split "de las 11 a las 12" / "al de las 11 pa las 12" into the appointment's time and the new one."""
    found, context = message.found, message.context
    values: dict[str, object] = {}
    after_cue = _after_from_cue(found)

    clocks = found.clocks
    hours = context.catalog.week_hours()
    days = found.days
    # "tengo cita el jueves a las 5, ¿la cambias al viernes?": a time between the two days is the booked one.
    between_days = len(days) == 2 and len(clocks) == 1 and days[0][0] < clocks[0][0] < days[1][0]
    if clocks and clocks[0][2] is not None:
        values["from_time"], values["time"] = resolved.time, resolved.time_end
        values["time_end"] = None
    elif len(clocks) >= 2 or (len(clocks) == 1 and (after_cue(clocks[0][0]) or between_days)):
        single = DateTimeParts(time=clocks[0][1], part_of_day=found.parts.part_of_day)
        values["from_time"] = resolve(single, context.local_now, hours).time
        values["time"] = None
        if len(clocks) >= 2:
            target = DateTimeParts(time=clocks[1][1], part_of_day=found.parts.part_of_day)
            values["time"] = resolve(target, context.local_now, hours).time
    return values


def _resolve_one_day(day: DayParts, message: _Message) -> dt.date | None:
    return resolve(DateTimeParts(day=day), message.context.local_now, message.context.catalog.week_hours()).date


def _free_answer(text: str) -> str:
    return re.sub(r"^\s*(?:que|dile que|:)\s+", "", text.strip(), flags=re.IGNORECASE).strip().rstrip(".")


def _new_service_answer(text: str) -> str:
    """The name in "Corte de cabello, 150, 45 min" (the price and duration are read apart)."""
    stop = re.search(r"\s*(?:[,;:]|\$|\b\d|\ba \$|\bcuesta\b|\by dura\b|\bdura\b)", text)
    name = (text[: stop.start()] if stop and stop.start() > 0 else text).strip(" .,:;-")
    return _free_answer(name) or text.strip()


def _new_service_name(text: str) -> str | None:
    folded = fold(text)
    # «quiero meter el servicio de uñas acrílicas»: the word «servicio» leads to the name before any verb does.
    match = _NEW_SERVICE_NOUN.search(folded) or _NEW_SERVICE.search(folded) or _NEW_SERVICE_AFTER_VERB.search(folded)
    if not match:
        return None
    start = match.end()
    stop = _NEW_SERVICE_STOP.search(folded, start)
    end = stop.start() if stop else len(text)
    name = text[start:end].strip(" :,.\"'«»“”")
    name = re.sub(r"^(?:el|la|un|una)\s+", "", name, flags=re.IGNORECASE)
    if re.fullmatch(r"(?:otro |nuevo |un |una )*(?:servicios?|algo|otro|uno|nuevo)(?: nuevo| mas| más)?", fold(name)):
        return None  # "agrega un servicio": the flow asks its name
    return name or None


_ASKS_WHICH_SERVICE = re.compile(
    r"\b(?:que|cual|cuales) (?:[a-zñ]+ ){0,2}(?:se )?(?:hizo|hace|hicimos|hice|pidio|llevo|puso|pusimos|corto|cortamos|pinto|aplicamos)\b"
)
# «bloquea a Karla hasta el lunes», «hasta el 5 de diciembre»: a block from today through that day.
_UNTIL_DAY = re.compile(
    r"\bhasta (?P<day>el (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|\d{1,2}(?: de (?:enero|febrero|marzo|abril|"
    r"mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre))?))\b(?! (?:a las|de la|en la))"
)
# «los sábados ya no cerramos a mediodía, corrido de 9 a 7», «ya no abrimos a las 10, ahora a las 9»: the old hour is gone.
_NO_LONGER_AT = re.compile(
    r"\bya no (?P<verb>cerramos|abrimos|cierro|abro|vamos a cerrar|vamos a abrir|entramos|salimos) (?:a |hasta |desde )?"
    r"(?:las? \d{1,2}(?::\d\d)?(?: (?:de la )?(?:mañana|tarde|noche))?|la una|mediodia|medio dia)\b"
)
_HOURS_VERB = re.compile(r"\b(?:cerramos|abrimos|cierro|abro|cerrar|abrir|entramos|salimos|corrido)\b")
# «Pedro no viene hasta el lunes», «no regreso hasta el 10»: away from today through the day before.
_AWAY_UNTIL = re.compile(
    r"\bno (?:viene|vengo|llega|llego|regresa|regreso|vuelve|vuelvo|trabaja|trabajo|esta|estoy|va a venir|voy a venir)"
    r" (?:\w+ )?hasta (?P<day>el (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|\d{1,2}))\b"
)
_SHIFTED_HOURS = re.compile(
    r"\b(?P<verb>cerramos|cerrar|cierro|cerraremos|abrimos|abrir|abro|abriremos) (?P<n>una|media|dos|tres|\d) horas?(?P<half> y media)? "
    r"(?P<way>antes|mas temprano|mas tarde|despues)\b"
)
_THE_WEEK = re.compile(r"\b(?:la|mi|su) semana\b(?! (?:que|pasada|proxima|siguiente|entrante|antepasada|de\b))")
# A block for a number of days from its start, or to the end of the month.
_BLOCK_SPAN = re.compile(
    r"\bpor (?P<n>\d{1,2}|una|un|dos|tres|cuatro|cinco|seis|siete|diez|quince) (?P<u>dias|semanas?)\b"
    r"|\bhasta (?:el )?(?:fin|final) de(?:l)? mes\b|\bhasta que (?:termine|acabe) el mes\b"
)
_SMALL_NUMBERS = {"una": 1, "un": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "diez": 10, "quince": 15}
_UNTIL_WEEKDAY = re.compile(r"\bhasta (?P<day>el (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo))\b")


def _build(
    intent: Intent,
    message: _Message,
    *,
    choice: int | None = None,
    person_name: str | None = None,
    message_text: str | None = None,
    free: str | None = None,
    past: bool = False,
) -> Understanding:
    """The understanding of `message` as `intent`, with the slots that intent uses."""
    if intent == Intent.SET_HOURS and (gone := _NO_LONGER_AT.search(message.normalized)):
        kept = f"{message.normalized[: gone.start()]} {message.normalized[gone.end() :]}"
        kept_found = extract_datetime(kept)
        if kept_found.clocks:  # a new hour is said: read it without the old one
            if not _HOURS_VERB.search(kept):
                kept = f"{gone['verb']} {kept}"
                kept_found = extract_datetime(kept)
            message = replace(message, normalized=kept, found=kept_found)
    context, norm, text = message.context, message.normalized, message.text
    expecting = context.expecting
    found = message.found
    if message_text:
        # Dates inside a message to pass on belong to that message, not to the command.
        cut = fold(text).find(fold(message_text)[:20])
        found = extract_datetime(
            normalize(text[:cut]) if cut > 0 else "", day_numbers=not context.options, choices=len(context.options)
        )
    if intent == Intent.GOODBYE and not found.days and (until := _UNTIL_WEEKDAY.search(norm)):
        found = extract_datetime(until["day"])  # «hasta el martes» names the day (the formula «hasta mañana» does not)
    resolved = _resolved(message, intent, found, past=past)
    values: dict[str, object] = {
        "date": resolved.date, "date_end": resolved.date_end, "time": resolved.time,
        "time_end": resolved.time_end, "part_of_day": resolved.part_of_day,
        "weekdays": list(resolved.weekdays) or None,
        "phone": message.phone, "minutes": message.minutes, "choice": choice,
        "staff": message.staff.name if message.staff else None,
        "service": message.service.name if message.service else None,
        "person_name": person_name, "message": message_text,
    }
    opening = _about_opening_hours(intent, context)
    if message.found.weekday_range and (intent == Intent.ASK_HOURS or opening):
        values["weekdays"] = [d for d in WEEKDAYS if d in message.found.weekday_range or d in (values["weekdays"] or [])]
        if intent == Intent.ASK_HOURS:
            values["date"] = values["date_end"] = None

    if message_text:
        # A service or a duration inside the message to pass on is the message's ("ya quedó su pedicure").
        head = normalize(text[: max(fold(text).find(fold(message_text)[:20]), 0)])
        values["service"] = (found_service.name if (found_service := message.matcher.find_service(head)) else None)
        values["minutes"] = find_minutes(head)[0]
    if context.role != Role.CUSTOMER and intent in _ABOUT_A_CUSTOMER and message.service is not None:
        if set(message.service.words) <= _PERSON_WORDS:
            values["service"] = None  # "el niño de las 9 y media ya quedó" is a person, not Corte niño
    if intent == Intent.ASK_SERVICES and _CHILDRENS_CUT.search(norm) and message.matcher.children_service() is None:
        values["service"] = None  # «¿hacen cortes de niño?» where there is none: not the adults' cut
    if (
        message.guest is not None and message.guest.child and intent not in (Intent.BOOK, Intent.INFORM)
        and message.service is not None and set(message.service.words) <= _PERSON_WORDS
    ):
        values["service"] = None  # «pásame la cita de mi niño al lunes»: the child, not Corte niño (only booking names it)
    if (
        intent not in (Intent.RESCHEDULE, Intent.SET_HOURS) and len(found.days) >= 2 and _SELF_CORRECTION.search(norm)
    ):
        # «el domingo... no, el lunes»: the day said last replaces the first.
        values["date"], values["date_end"] = _resolve_one_day(found.days[-1][1], message), None
    if (
        intent in (Intent.MY_SCHEDULE, Intent.BUSINESS_SCHEDULE, Intent.STATS) and values["date"] is None
        and not values["weekdays"] and _THE_WEEK.search(norm)
    ):
        # «¿cómo tengo la semana?», «qué tal la semana» (an owner): this calendar week.
        monday = context.local_now.date() - dt.timedelta(days=context.local_now.weekday())
        values["date"], values["date_end"] = monday, monday + dt.timedelta(days=6)
    if (
        intent in (Intent.MY_SCHEDULE, Intent.BUSINESS_SCHEDULE, Intent.BLOCK_TIME, Intent.UNBLOCK)
        and values["date"] is None and values["weekdays"] == list(WEEKDAYS) and re.search(r"\btoda la semana\b", norm)
    ):
        # «pásame la agenda de toda la semana», «bloquea a Luis toda la semana»: this calendar week, not every weekday.
        monday = context.local_now.date() - dt.timedelta(days=context.local_now.weekday())
        values["date"], values["date_end"], values["weekdays"] = monday, monday + dt.timedelta(days=6), None
    if intent == Intent.BLOCK_TIME and values["date_end"] is None and len(found.days) <= 2 and (
        until_day := _AWAY_UNTIL.search(norm) or _UNTIL_DAY.search(norm)
    ):
        until_found = extract_datetime(until_day["day"])
        named = _resolve_one_day(until_found.days[0][1], message) if len(until_found.days) == 1 else None
        end = named - dt.timedelta(days=1) if named and until_day.re is _AWAY_UNTIL else named  # back that day
        today = context.local_now.date()
        given = values["date"] if isinstance(values["date"], dt.date) else None
        start = today if given in (None, named) else given  # «desde el viernes hasta el martes» keeps its start
        if end is not None and end > start >= today:
            values["date"], values["date_end"] = start, end  # «bloquea a Karla hasta el lunes»: from today on
    if intent == Intent.BLOCK_TIME and values["date_end"] is None and (span := _BLOCK_SPAN.search(norm)):
        start = values["date"] if isinstance(values["date"], dt.date) else context.local_now.date()
        if span["n"]:  # «bloquea a Karla por 3 días», «por una semana»
            count = _SMALL_NUMBERS.get(span["n"]) or int(span["n"])
            days = count * 7 if span["u"].startswith("semana") else count
            end = start + dt.timedelta(days=days - 1)
        else:  # «hasta fin de mes»
            end = dt.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
        if end > start:
            values["date"], values["date_end"] = start, end
    if intent == Intent.CUSTOMER_HISTORY and _ASKS_WHICH_SERVICE.search(norm):
        values["service"] = None  # «qué corte se hizo Juan la última vez» asks which: it names none
    if intent == Intent.MY_SCHEDULE and re.search(r"\bcuant[oa]s\b", norm):
        values["service"] = None  # "¿cuántos cortes tengo hoy?" counts the day's appointments
    if intent == Intent.WALK_IN and _CHILD_PERSON.search(norm):
        values["child"] = True
        children, named = message.matcher.children_service(), values["service"]
        if children and isinstance(named, str) and (named == children or message.matcher.shares_words(named, children)):
            values["service"] = children  # «llegó un chamaco pa corte»: the children's cut
    if intent == Intent.RESCHEDULE:
        values.update(_reschedule_dates(message, resolved))
    if opening and _CLOSED.search(norm) and resolved.time is None and resolved.time_end is None:
        values["closed"] = True
    if (
        intent == Intent.SET_HOURS and values["time"] is None and values["time_end"] is None
        and (isinstance(values["date"], dt.date) or len(values["weekdays"] or []) == 1)
        and (shift := _SHIFTED_HOURS.search(norm))
    ):
        # «hoy cerramos una hora antes», «los sábados abrimos media hora más tarde»: the day's hours moved, not a closure.
        if isinstance(values["date"], dt.date):
            opens_at, closes_at = _day_hours(message, values["date"])
        else:
            ranges = context.catalog.week_hours().get(values["weekdays"][0], [])  # type: ignore[index]
            opens_at, closes_at = (ranges[0][0], ranges[-1][1]) if ranges else (None, None)
        minutes = {"una": 60, "media": 30, "dos": 120, "tres": 180}.get(shift["n"]) or int(shift["n"]) * 60
        minutes += 30 if shift["half"] else 0
        sign = -1 if shift["way"] in ("antes", "mas temprano") else 1
        closes = shift["verb"].startswith(("cerr", "cier"))
        base = closes_at if closes else opens_at
        if base is not None:
            moved = (dt.datetime.combine(dt.date(2000, 1, 1), base) + dt.timedelta(minutes=sign * minutes)).time()
            values["time_end" if closes else "time"], values["closed"] = moved, None
    if intent == Intent.CANCEL:
        values["reason"] = free_text.reason_clause_of(text)  # «cancela mi cita, me enfermé»
    if intent in (Intent.BLOCK_TIME, Intent.UNBLOCK):
        values["service"] = None  # a block holds no service: «tengo junta en la escuela del niño», «ya se me arregló lo del viernes»
        values["reason"] = free_text.reason_of(text) if intent == Intent.BLOCK_TIME else None
        if values["time"] is not None and values["time_end"] is None and _UNTIL_CLOSING.search(norm):
            values["time_end"] = _day_hours(message, values["date"])[1]  # "desde las 5": until closing
        elif values["time"] is not None and values["time_end"] is None and _FROM_OPENING.search(norm):
            # "bloquéame hasta las 12", "mañana entro a las 12": from opening until then.
            values["time"], values["time_end"] = _day_hours(message, values["date"])[0], values["time"]
        elif values["time"] is not None and values["time_end"] is None and values["minutes"]:
            # «bloquea media hora a las 2»: from then, for that long.
            start = dt.datetime.combine(dt.date(2000, 1, 1), values["time"])  # type: ignore[arg-type]
            end = start + dt.timedelta(minutes=int(values["minutes"]))  # type: ignore[call-overload]
            if end.date() == start.date():
                values["time_end"], values["minutes"] = end.time(), None
    hours_start, hours_end = values["time"], values["time_end"]
    if (
        intent == Intent.SET_HOURS and isinstance(hours_start, dt.time) and isinstance(hours_end, dt.time)
        and hours_start > hours_end and hours_start.hour >= 12 and dt.time(hours_start.hour - 12, hours_start.minute) < hours_end
    ):
        values["time"] = dt.time(hours_start.hour - 12, hours_start.minute)  # «en la tarde ya no, nomás de 9 a 2»: 9 a.m.
    if (
        intent == Intent.SET_HOURS and values["part_of_day"] in ("morning", "afternoon")
        and values["time"] is None and values["time_end"] is None
    ):
        # "nomás abrimos en la mañana el 24": a short day until noon; "solo en la tarde": from noon.
        # Closing for part of the day is the other half: «vamos a cerrar el 24 en la tarde» opens until noon.
        closes_then = _CLOSING_PART.search(norm) is not None
        values["time_end" if (values["part_of_day"] == "morning") != closes_then else "time"] = dt.time(12, 0)
        values["closed"] = None  # open for the other half of the day
        values["part_of_day"] = None
    if intent in (Intent.ADD_SERVICE, Intent.UPDATE_SERVICE) or expecting == Expecting.PRICE or ir.UPDATE_SERVICE.search(norm):
        values["price"] = find_price(norm, in_context=True)
        now_price = _NOW_PRICE.search(norm)
        if now_price:  # "ya no cuesta 200, ahora 230"
            values["price"] = now_price.group(1) or now_price.group(2)
        lasts = _LASTS.search(norm) if intent in (Intent.ADD_SERVICE, Intent.UPDATE_SERVICE) else None
        if lasts and values["minutes"] is None:
            values["minutes"] = int(lasts["m"])  # "y dura 35"
        if values["price"] is None and intent in (Intent.ADD_SERVICE, Intent.UPDATE_SERVICE):
            loose = _LOOSE_PRICE.search(norm)
            values["price"] = loose["n"] if loose else None
    else:
        values["price"] = find_price(norm)
    if intent == Intent.UPDATE_SERVICE and _BY_AMOUNT.search(norm):
        values["price"] = None  # «súbele 20 pesos al corte» raises it by 20: the new price is not said
    if (found.parts.month or found.parts.period) and values["date_end"] and _FROM_MONTH.search(norm):
        values["date_end"] = None  # «a partir de junio», «desde la otra semana»: from then on, not that span
    if intent == Intent.SET_HOURS:
        values["minutes"] = None  # «cerramos una hora antes, a las 7»: hours, not a duration
    if intent == Intent.ADD_SERVICE:
        values["service"] = None  # "Corte de niño" is a new service, not Corte de cabello
        values["new_service"] = _new_service_name(text)
    if expecting == Expecting.MINUTES and values["minutes"] is None:
        values["minutes"] = bare_number(norm) or None  # "0" is no duration
    if intent == Intent.INFORM and free is not None:
        # A free-text answer is taken whole; its words are not read as dates or services.
        key = _FREE_TEXT_SLOT.get(expecting, "message") if expecting else "message"
        kept = ("price", "minutes") if expecting == Expecting.SERVICE_NAME else ()
        for slot in ("date", "date_end", "time", "time_end", "part_of_day", "service", "price", "minutes", "staff"):
            if slot not in kept:
                values[slot] = None
        if expecting == Expecting.SERVICE_NAME and values["price"] is None:
            loose = _LOOSE_PRICE.search(norm)
            values["price"] = loose["n"] if loose else None
        values[key] = free
    if expecting == Expecting.SERVICES or intent == Intent.ADD_STAFF:
        if _ALL_SERVICES.match(norm) or (intent == Intent.ADD_STAFF and _DOES_EVERYTHING.search(norm)):
            values["all_services"] = True
        else:
            names = message.matcher.find_services(norm)
            if (expecting == Expecting.SERVICES or intent == Intent.ADD_STAFF) and names:
                values["services"], values["service"] = names, None

    values["person_name"] = values["person_name"] or _person_for(intent, message)
    if intent == Intent.REMOVE_STAFF and values["staff"] is None:
        values["person_name"] = values["person_name"] or free_text.referenced_person(text)
    if intent == Intent.ADD_STAFF:
        values["staff"] = None
    if values["staff"] and values["person_name"] and message.staff:
        # "Pedro Hernández" as a new name is not Pedro Ruiz of the catalog.
        if set(message.staff.words) & set(fold(str(values["person_name"])).split()):
            values["staff"] = None
    if values["service"] and message.service and _EXCEPT.search(norm):
        # "¿qué más hacen aparte de cortar el pelo?" names the service it is not asking about.
        first_word = message.service.words[0] if message.service.words else ""
        if 0 <= _EXCEPT.search(norm).start() < norm.find(first_word):
            values["service"] = None
    values.update(_extension_slots(intent, message, values))
    pair = free_text.two_names(message.unphoned) if context.role == Role.CUSTOMER else None
    if pair and intent in _GUEST_INTENTS:
        values["guest_name"], values["person_name"] = pair  # "él se llama Santi y yo soy Marisol"
    if intent == Intent.OTHER and not message.has_data:
        values = {}
    slots = Slots.model_validate({k: v for k, v in values.items() if v is not None})
    return Understanding(intent=intent, slots=slots, engine="rules")


_BY_AMOUNT = re.compile(
    r"\b(?:subele|sube|subirle|aumentale|aumenta|bajale|baja|bajarle)\s+(?:unos\s+|otros\s+)?\$?\d{1,4}\s*(?:pesos|varos)?\s+(?:al|a la|a los|a las|mas)\b"
    # «sube el peinado 50 pesos» (no «a»): by that much.
    r"|\b(?:subele|sube|aumentale|aumenta|bajale|baja)\s+(?:el|la|los|las)\s+(?!.*\b(?:a|en|hasta)\s+\$?\d)[a-zñ+ ]{2,30}?\s+(?:unos\s+|otros\s+)?\$?\d{1,4}\s*(?:pesos|varos)(?:\s+mas)?\s*$"
)
_FROM_MONTH = re.compile(r"\b(?:a partir de|desde|empezando en|iniciando en)\s+(?:el mes de\s+)?(?:(?:la|el) (?:otra|proxima|siguiente) (?:semana|mes)|la semana que (?:entra|viene)|el mes que (?:entra|viene)|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)\b")
_CONFIRMS = re.compile(r"^(?:si\s*,?\s*)?(?:confirmo|confirmado|confirmada|queda confirmad[oa]|le confirmo|te confirmo)\b")
_SELF_CORRECTION = re.compile(r"(?:\.\.\.|…|,|\.)\s*(?:no|perdon|digo|mejor|corrijo)\b\s*[,.]?\s*(?:mejor |no |digo )?(?:el|la|para|pa|mañana|hoy)\b")
_STATS_PERIODS = frozenset({"week_before_last", "this_year", "last_year", "this_fortnight", "last_fortnight"})
_CHILDRENS_CUT = re.compile(r"\bcortes? (?:de|para|pa) (?:niñ[oa]s?|nin[oa]s?|nenes?|chamac[oa]s?|bebes?|peques?)\b")
_MONTH_NAMES = frozenset({"julio", "abril", "mayo", "junio"})
_ANY_STAFF = re.compile(r"\b(?:cualquiera|quien sea|el que (?:este|sea)|la que (?:este|sea)|me da igual|el que sea|con quien sea)\b")
_ABOUT_A_CUSTOMER = frozenset(
    {Intent.MARK_NO_SHOW, Intent.MARK_COMPLETED, Intent.MESSAGE_CUSTOMER, Intent.CANCEL, Intent.RESCHEDULE,
     Intent.CUSTOMER_HISTORY, Intent.MY_SCHEDULE, Intent.BUSINESS_SCHEDULE}
)
_PERSON_WORDS = frozenset(
    {"niño", "niña", "nino", "nina", "dama", "caballero", "señora", "señor", "chavo", "chava",
     "niños", "niñas", "ninos", "ninas", "damas", "caballeros", "señoras", "señores", "chavos", "chavas"}
)
_CHILD_PERSON = re.compile(
    r"\b(?:un|una|el|la|su|sus|dos|tres|\d|otro|otra)(?: \d)?\s+(?:niñ[oa]s?|nene|nena|chamac[oa]s?|morrit[oa]s?|chiquit[oa]s?|bebe|hij[oa]s?)\b"
)
_NOW_PRICE = re.compile(
    r"\bahora (?:cuestan? |en |a |es de |vale |valen |sale en |salen en |queda en |quedan en )?\$ ?(\d{2,5})\b"
    r"|\bahora (?:cuestan? |en |a |es de |vale |valen |sale en |salen en |queda en |quedan en )?(\d{2,5})\b"
)
_LASTS = re.compile(r"\bdura(?:ra|ria)? (?:de |unos |como )?(?P<m>\d{1,3})\b(?! (?:pesos|horas?))")
# Intents that can carry other questions asked in the same message (`also`).
_ALSO_CARRIERS = frozenset(
    {Intent.BOOK, Intent.RESCHEDULE, Intent.CANCEL, Intent.CANT_MAKE_IT, Intent.MY_APPOINTMENTS, Intent.ASK_HOURS,
     Intent.ASK_LOCATION, Intent.ASK_SERVICES, Intent.INFORM, Intent.GREET}
)
_ASAP_INTENTS = frozenset({Intent.BOOK, Intent.INFORM, Intent.RESCHEDULE, Intent.WALK_IN})
_GUEST_INTENTS = frozenset({Intent.BOOK, Intent.INFORM, Intent.RESCHEDULE, Intent.CANCEL, Intent.MY_APPOINTMENTS})
_SEPARATE_ITEMS = re.compile(r"\by (?:el|la|los|las|un|una|unos|unas|tambien|cuanto)\b|,")


def _extension_slots(intent: Intent, message: _Message, values: dict[str, object]) -> dict[str, object]:
    """docs/nlu.md: next_only, asap, guest/guest_name/child (and the children's service), services asked, also."""
    norm, context, matcher = message.normalized, message.context, message.matcher
    extra: dict[str, object] = {}
    only_today = all(day.relative == "today" for _, day in message.found.days) and not message.found.clocks
    if intent in (Intent.MY_SCHEDULE, Intent.BUSINESS_SCHEDULE) and ir.NEXT_ONLY.search(norm) and only_today:
        extra["next_only"] = True
    if message.asap and intent in _ASAP_INTENTS:
        extra["asap"] = True
    if intent != Intent.OTHER and ir.SAME_TIME.search(norm):
        extra["same_time"] = True  # «pásala al viernes a la misma hora»
    guest = message.guest
    if guest is not None and intent in _GUEST_INTENTS:
        extra.update(guest=guest.guest, guest_name=guest.name, child=guest.child or None)
        if guest.name and values.get("person_name") == guest.name:
            extra["person_name"] = None
        books = intent == Intent.BOOK or (intent == Intent.INFORM and context.expecting in (None, Expecting.SERVICE))
        children = matcher.children_service() if guest.child and books else None
        named = values.get("service")
        if children and (named is None or named == children or matcher.shares_words(str(named), children)):
            extra["service"] = children  # "un corte para mi hijo" → Corte niño
    elif intent == Intent.BOOK and context.role == Role.CUSTOMER and values.get("person_name") and not free_text.introduced_name(message.text):
        # "Agenda corte para Luis": the customer books for Luis (guest_name), never as Luis (person_name).
        extra.update(guest=values["person_name"], guest_name=values["person_name"], person_name=None)
    if intent == Intent.ASK_SERVICES:
        names = matcher.find_services(_REPLACED.sub(" ", norm))
        combo = message.service is not None and matcher.is_combo(message.service.name)
        together = re.search(r"\b(?:junto|juntos|combo|paquete)\b", norm)
        if len(names) >= 2 and not (combo and (together or not _SEPARATE_ITEMS.search(norm))):
            extra.update(services=names, service=None)  # "¿cuánto salen el corte y la barba?"
    if intent in _ALSO_CARRIERS:
        cues = ir.Cues(role=context.role, has_service=message.service is not None, has_staff=message.staff is not None)
        extra["also"] = side_questions(norm, cues, intent) or None
    return extra


_UNTIL_CLOSING = re.compile(
    r"\b(?:desde|a partir de|despues de|pasadas las|pasando las|luego de) (?:las?|la|el|mediodia)\b|\ben adelante\b|\bpara adelante\b"
    r"|\bpa(?:ra)? (?:a)?delante\b|\bhasta (?:el cierre|que cerremos|cerrar|la hora de cerrar)\b"
    r"|\b(?:salgo|me voy|me salgo|saldre|me ire|me tengo que ir|tengo que salir|sale|se va|se sale|saldra|se tiene que ir|tiene que salir)"
    r" (?:(?:(?:mas )?temprano|hoy|mañana|el (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo))\s*,?\s*)*(?:(?:como|tipo) (?:a las? |a la )?\d|(?:como |tipo )?(?:a las?|a la)\b)"
    r"|\b(?:solo|nomas|nada mas) (?:trabajo|voy a trabajar|estoy|voy a estar|vengo|me quedo) hasta (?:las?|la)\b"
)


_FROM_OPENING = re.compile(
    r"\bhasta (?:las?|la|el mediodia|mediodia)\b|\b(?:entro|llego|vengo|empiezo|entra|llega|empieza) (?:hasta )?(?:a )?las?\b"
    r"|\b(?:entro|llego|vengo|empiezo|entra|llega|viene|empieza) (?:(?:tarde|hoy|mañana|el (?:lunes|martes|miercoles|jueves|viernes|sabado|domingo))\s*,?\s*)+"
    r"(?:como |tipo )?(?:hasta )?(?:a )?las?\b"
)


def _day_hours(message: _Message, date: object) -> tuple[dt.time | None, dt.time | None]:
    """(opening, closing) of the day a block is on (today when no day is said)."""
    day = date if isinstance(date, dt.date) else message.context.local_now.date()
    ranges = message.context.catalog.week_hours().get(WEEKDAYS[day.weekday()], [])
    return (ranges[0][0], ranges[-1][1]) if ranges else (None, None)


def _person_for(intent: Intent, message: _Message) -> str | None:
    """The customer or new colleague a message names, for the intents that take one."""
    text, role = message.text, message.context.role
    not_names = message.matcher.service_vocabulary | frozenset(WEEKDAY_WORDS)
    name = free_text.introduced_name(text)  # "soy Ana", "se llama Sofía"
    if name is not None:
        return name  # introduced: even "soy Pedro" is a customer called Pedro
    if intent == Intent.INFORM:
        return _bare_name(message)
    if intent == Intent.ADD_STAFF:
        match = _STAFF_INTRO.search(fold(text))
        words = _take_name_words(_RELATION.sub("", text[match.end() :]).split()) if match else []
        name = " ".join(words) or None
        if name is None:
            # "entró un chavo nuevo, Rodrigo, su número…": a capitalized name, past the sentence's first word.
            candidates = [n for n in free_text.capitalized_names(message.unphoned, not_names) if not message.unphoned.startswith(n)]
            name = candidates[0] if candidates else None
    elif role == Role.CUSTOMER and intent == Intent.BOOK:
        match = _PARA_NAME.search(text)  # "un corte para Luis"
        if match and not set(fold(match["name"]).split()) & not_names:
            name = match["name"]
    elif role != Role.CUSTOMER:
        if intent in (Intent.MARK_NO_SHOW, Intent.MARK_COMPLETED):
            match = _PERSON_AT_START.match(text)  # "Juan no vino"
            if match and all(free_text.is_name_word(w) for w in match["name"].split()):
                name = match["name"]
        if name is None and intent == Intent.WALK_IN:
            # "ya llegó don Beto pa corte": a capitalized name past the first word ("Acaba de llegar alguien").
            candidates = [n for n in free_text.capitalized_names(message.unphoned, not_names) if not message.unphoned.lstrip().startswith(n)]
            name = candidates[0] if candidates else None
        elif name is None and intent in _STAFF_PERSON_INTENTS:
            name = free_text.referenced_person(text, not_names)
    if name and intent != Intent.ADD_STAFF and set(fold(name).split()) <= message.matcher.staff_words:
        return None  # a colleague, named in the staff slot
    return name


def _take_name_words(words: list[str]) -> list[str]:
    """The leading words that can be a name ("Luis Gómez como barbero" → Luis, Gómez)."""
    taken: list[str] = []
    for word in words:
        clean = word.strip(",.;:")
        capitalized_name = clean[:1].isupper() and fold(clean) in _MONTH_NAMES  # "Julio Reyes"
        if not free_text.is_name_word(clean) and not capitalized_name and fold(clean) not in ("de", "del", "la"):
            break
        taken.append(clean)
        if word.endswith((",", ".", ";")):
            break
    while taken and fold(taken[-1]) in ("de", "del", "la"):
        taken.pop()
    return taken
