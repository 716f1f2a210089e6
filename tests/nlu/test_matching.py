"""Service and staff names against the catalog: synonyms, combos, typos, and no forced matches."""

from __future__ import annotations

import pytest

from nlu.catalog import Catalog, demo_catalog
from nlu.normalize import normalize


def service(text: str, catalog: Catalog | None = None) -> str | None:
    found = (catalog or demo_catalog()).matcher().find_service(normalize(text))
    return found.name if found else None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("un corte", "Corte de cabello"),
        ("me quiero cortar el pelo", "Corte de cabello"),
        ("corte y barba", "Corte y barba"),
        ("barba", "Arreglo de barba"),
        ("una rasurada", "Arreglo de barba"),
        ("mani pedi", "Mani + Pedi"),
        ("mani y pedi", "Mani + Pedi"),
        ("manicure y pedicure", "Mani + Pedi"),
        ("manicura", "Manicure"),
        ("pedicura", "Pedicure"),
        ("kiero un korte", "Corte de cabello"),
        ("barva", "Arreglo de barba"),
        ("Mani + Pedi", "Mani + Pedi"),
    ],
)
def test_people_name_services_their_way(text: str, name: str) -> None:
    assert service(text) == name


def test_a_service_not_in_the_catalog_matches_nothing() -> None:
    assert service("hacen tintes para hombre?") is None
    assert service("tienen keratina?") is None
    assert demo_catalog().matcher().unknown_service_word(normalize("tintes")) == "tinte"


def test_unas_alone_is_ambiguous() -> None:
    assert service("alguien para uñas") is None


def test_common_words_are_not_typos_of_services() -> None:
    assert service("pero no sé") is None
    assert service("al norte de la ciudad") is None


def test_staff_by_first_name_or_full_name() -> None:
    matcher = demo_catalog().matcher()
    assert matcher.find_staff(normalize("con Pedro")).name == "Pedro Ruiz"  # type: ignore[union-attr]
    assert matcher.find_staff(normalize("con maria")).name == "María López"  # type: ignore[union-attr]
    assert matcher.find_staff(normalize("con Juan")) is None


def test_a_shared_first_name_is_not_guessed() -> None:
    catalog = Catalog.from_business_mapping({
        "name": "X", "people": {"a": {"name": "Ana Ruiz", "role": "staff"}, "b": {"name": "Ana Gómez", "role": "staff"}},
    })
    matcher = catalog.matcher()
    assert matcher.find_staff(normalize("con Ana")) is None
    assert matcher.find_staff(normalize("con Ana Gómez")).name == "Ana Gómez"  # type: ignore[union-attr]
