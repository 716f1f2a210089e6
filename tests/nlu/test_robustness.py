"""Whatever arrives, the rule engine answers with an intent the writer's role has, and never crashes.

Hypothesis writes Spanish-ish messages from a vocabulary of the words that steer the date/time
resolver and the intent rules (weekdays, months and their abbreviations, numbers in words and
digits, «de la semana que entra», clock words, dates as 3/feb/2027 or 2027-02-03), mixed with
punctuation, emoji and arbitrary unicode. No input may raise, and every reading must be valid.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.catalog import Catalog, demo_catalog
from nlu.context import Expecting
from nlu.normalize import normalize
from nlu.resolver import resolve
from nlu.rules import RuleEngine
from nlu.spanish_dates import extract_datetime
from nlu.understanding import Role, Slots, intents_for
from tests.nlu.helpers import CORPUS, context

ENGINE = RuleEngine()
CATALOGS = [demo_catalog(), Catalog.from_business_file(CORPUS / "businesses" / "barberia_con_corte_nino.yaml")]

_VOCABULARY = """
hola buenas sí si no nel simón órale ok va que va sale mejor siempre ya olvídalo cancela cambia pasa mueve
quiero necesito ocupo agenda agéndame aparta bloquea dile avísale mándame ponle márcalo quítalo registra
agrega sube baja cuesta cuánto dónde abren cierran horario qué tengo mi cita agenda del negocio
mañana pasado hoy ayer antier ahorita al rato temprano tarde noche mediodía medianoche madrugada
lunes martes miércoles jueves viernes sábado domingo sábados domingos finde fin de semana semana mes año
enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
ene feb mar abr jun jul ago sep sept oct nov dic
el la los las de del al a para por con en entre desde hasta y o que este esta otro otra próximo próxima
siguiente entrante que entra que viene pasado pasada toda todo día días
uno una dos tres cuatro cinco seis siete ocho nueve diez once doce trece quince veinte treinta cuarenta
cien ciento mil primero primera segunda tercera última
cuarto media y cuarto menos cuarto para las en punto am pm hrs horas hora minutos min
0 1 2 3 4 5 6 7 8 9 10 11 12 13 15 20 23 24 25 29 30 31 32 45 60 99 100 150 2026 2027 1999 3000
12:30 4:15 25:61 00:00 3/feb/2027 2027-02-03 31/02 15/01 1/13 29/2/2027 3-2 el 3 del 2 febrero 3
corte barba tinte tíñeme pestañas uñas mani pedi niño hijo hija mi esposa Don Pepe doña Chela Sra. Ruiz
Pedro María Rosa Juan Pérez 55 1234 5678 5512345678 +52 $ $180 550 pesos 45 minutos hora y media
""".split()
# Whole phrases, so the generator reaches the multi-word patterns often.
_PHRASES = [
    "de la semana que entra", "de la semana que viene", "de la próxima semana", "la otra semana", "esta semana",
    "de esta semana", "la semana que entra el", "el fin de semana", "pasado mañana", "cuarto para las",
    "a las", "y media", "de la tarde", "de la mañana", "toda la tarde", "del 20 al 23", "de 2 a 3",
    "lo antes que se pueda", "para mi hijo", "en vez de", "no voy a poder", "el de las", "la de las",
]
_PUNCTUATION = list(",.;:¿?¡!()\"'-/…") + ["😊", "👍", "🙏", "💇‍♂️", "❌", "✅", "🔥", "\n", "  "]
WORDS = st.sampled_from(_VOCABULARY + _PHRASES + _PUNCTUATION)
SPANISH_ISH = st.lists(st.one_of(WORDS, WORDS, WORDS, st.text(max_size=4)), max_size=16).map(" ".join)
TEXTS = st.one_of(SPANISH_ISH, st.text(max_size=80))
NOW = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31))


@settings(max_examples=400, deadline=None)
@given(
    text=TEXTS,
    role=st.sampled_from(list(Role)),
    expecting=st.one_of(st.none(), st.sampled_from(list(Expecting))),
    with_options=st.sampled_from([None, "times", "services"]),
    interactive=st.booleans(),
    now=NOW,
    catalog=st.sampled_from(CATALOGS),
)
def test_any_text_gets_a_valid_reading_of_the_role(
    text: str, role: Role, expecting: Expecting | None, with_options: str | None, interactive: bool,
    now: dt.datetime, catalog: Catalog,
) -> None:
    options = {"times": ["3:00 PM", "4:00 PM", "5:30 PM"], "services": catalog.service_names[:3], None: []}[with_options]
    ctx = context(
        now=now.strftime("%Y-%m-%dT%H:%M"), role=role, expecting=expecting, options=options,
        interactive=interactive, catalog=catalog,
    )
    understanding = ENGINE.read(text, ctx)
    assert understanding.intent in intents_for(role)
    data = understanding.slots.to_json_dict()
    assert Slots.model_validate(data).to_json_dict() == data  # serializable and valid both ways
    slots = understanding.slots
    if slots.choice is not None:
        assert slots.choice <= len(options)
    if slots.service is not None:
        assert slots.service in catalog.service_names
    for name in slots.services or []:
        assert name in catalog.service_names
    if slots.staff is not None:
        assert slots.staff in catalog.staff_names
    if slots.date is not None and slots.date_end is not None:
        assert slots.date_end >= slots.date
    for intent in slots.also or []:
        assert intent in intents_for(role) and intent != understanding.intent


@settings(max_examples=400, deadline=None)
@given(text=TEXTS, now=NOW, past=st.booleans())
def test_the_date_resolver_never_raises(text: str, now: dt.datetime, past: bool) -> None:
    catalog = demo_catalog()
    found = extract_datetime(normalize(text), bare_time=True)
    resolved = resolve(
        found.parts, now.replace(tzinfo=catalog.tz), catalog.week_hours(), direction="past" if past else "future",
    )
    for value in (resolved.date, resolved.date_end):
        assert value is None or isinstance(value, dt.date)
    for value in (resolved.time, resolved.time_end):
        assert value is None or isinstance(value, dt.time)


def test_every_weekday_of_next_week_phrase_is_read() -> None:
    """«el jueves de la semana que entra» (once a KeyError) and every phrase of that shape."""
    weekdays = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
    nexts = [
        "de la semana que entra", "de la semana que viene", "de la próxima semana", "de la otra semana",
        "de la siguiente semana", "de la semana entrante", "de la semana próxima", "de la semana siguiente",
    ]
    # Wednesday 14 January 2026: next week runs Monday 19 to Sunday 25.
    for index, weekday in enumerate(weekdays):
        expected = (dt.date(2026, 1, 19) + dt.timedelta(days=index)).isoformat()
        for phrase in nexts:
            for text in (f"el {weekday} {phrase}", f"{weekday} {phrase}", f"para el {weekday}, {phrase}",
                         f"quiero un corte el {weekday} {phrase} a las 5"):
                data = ENGINE.read(text, context()).slots.to_json_dict()
                assert data.get("date") == expected, (text, data)
        for first in ("la semana que entra", "la próxima semana", "la otra semana", "la semana que viene"):
            data = ENGINE.read(f"{first} el {weekday}", context()).slots.to_json_dict()
            assert data.get("date") == expected, (first, weekday, data)
