"""The catalog read from the fixture "Business" shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from nlu.catalog import Catalog, CatalogError, demo_catalog


def test_reads_the_business_file(don_carlos: Catalog) -> None:
    assert don_carlos.name == "Barbería Don Carlos"
    assert don_carlos.timezone == "America/Mexico_City"
    assert don_carlos.service_names == ["Corte de cabello", "Arreglo de barba", "Corte y barba"]
    assert don_carlos.services[0].price == Decimal(150)
    assert don_carlos.hours["sat"] == [(dt.time(9), dt.time(15))]
    assert don_carlos.week_hours()["sun"] == []


def test_customers_are_never_part_of_the_catalog(don_carlos: Catalog) -> None:
    assert don_carlos.staff_names == ["Carlos Mendoza", "Pedro Ruiz"]
    assert "Miguel" not in don_carlos.model_dump_json()


def test_reads_the_business_of_a_conversation_fixture(tmp_path: Path) -> None:
    (tmp_path / "biz.yaml").write_text("name: Uñas Lupita\nhours: {mon: ['09:00-14:00', '16:00-20:00']}\n")
    (tmp_path / "chat.yaml").write_text("name: x\nnow: '2026-01-14T12:00'\nbusiness: biz.yaml\nturns: []\n")
    catalog = Catalog.from_business_file(tmp_path / "chat.yaml")
    assert catalog.name == "Uñas Lupita"
    assert catalog.hours["mon"] == [(dt.time(9), dt.time(14)), (dt.time(16), dt.time(20))]


def test_inline_business_mapping(tmp_path: Path) -> None:
    (tmp_path / "chat.yaml").write_text("name: x\nnow: '2026-01-14T12:00'\nbusiness: {name: Inline}\nturns: []\n")
    assert Catalog.from_business_file(tmp_path / "chat.yaml").name == "Inline"


@pytest.mark.parametrize(
    "mapping",
    [
        {"name": "X", "hours": {"lunes": ["10:00-20:00"]}},
        {"name": "X", "hours": {"mon": ["20:00-10:00"]}},
        {"name": "X", "hours": {"mon": ["10-20"]}},
        {"name": "X", "timezone": "Mars/Olympus"},
        {"hours": {}},
    ],
)
def test_bad_business_data_is_a_clear_error(mapping: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises((CatalogError, ValueError)):
        Catalog.from_business_mapping(mapping)


def test_demo_catalog_has_the_services_that_show_synonyms() -> None:
    names = demo_catalog().service_names
    for name in ("Corte de cabello", "Arreglo de barba", "Corte y barba", "Manicure", "Pedicure", "Mani + Pedi"):
        assert name in names
