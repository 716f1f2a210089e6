"""Fixtures for the NLU tests."""

from __future__ import annotations

import pytest

from nlu.catalog import Catalog
from tests.nlu.helpers import DON_CARLOS


@pytest.fixture
def don_carlos() -> Catalog:
    """Barbería Don Carlos, the business of spec/examples (a customer included, to prove it is dropped)."""
    return Catalog.from_business_file(DON_CARLOS)
