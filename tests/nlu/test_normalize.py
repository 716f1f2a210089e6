"""WhatsApp Spanish brought to one form: abbreviations, accents, emphasis, emoji, numbers."""

from __future__ import annotations

import pytest

from nlu.normalize import fold, normalize
from nlu.numbers_es import ordinal_value, words_to_digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mñn xfa", "mañana por favor"),
        ("q tal", "que tal"),
        ("tmb quiero", "tambien quiero"),
        ("porfa", "por favor"),
        ("Sííííí", "si"),
        ("holaaa", "hola"),
        ("grax!!", "gracias"),
        ("kiero una sita", "quiero una cita"),
        ("👍", "si"),
        ("mil gracias 🙏", "mil gracias gracias"),
        ("4pm", "4 pm"),
        ("5 p.m.", "5 pm"),
        ("nelson", "nel"),
    ],
)
def test_whatsapp_spelling(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_accents_go_but_enye_stays() -> None:
    assert normalize("Mañana, ¿qué día?") == "mañana , que dia ?"
    assert normalize("uñas") != normalize("unas")


def test_fold_keeps_the_length_so_spans_cut_the_original() -> None:
    text = "Soy JOSÉ Pérez Ñúñez 😊"
    assert len(fold(text)) == len(text)
    assert fold(text).startswith("soy jose perez ñuñez")


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("a las cuatro y media", "a las 4 y media"),
        ("ciento ochenta pesos", "180 pesos"),
        ("treinta y cinco minutos", "35 minutos"),
        ("dos mil quinientos", "2500"),
        ("a la una", "a la 1"),
        ("una hora", "1 hora"),
        ("una cita para un corte", "una cita para un corte"),
        ("las doce y media", "las 12 y media"),
        ("veintidos", "22"),
    ],
)
def test_numbers_in_words(words: str, digits: str) -> None:
    assert " ".join(words_to_digits(words.split())) == digits


def test_ordinals() -> None:
    assert ordinal_value("segunda") == 2
    assert ordinal_value("3ra") == 3
    assert ordinal_value("corte") is None
