"""The template definitions Yume needs, and `yume templates submit` posting them to Meta."""

from __future__ import annotations

import json

import pytest

from bot.commands.templates import _submit
from bot.settings import load_settings
from bot.whatsapp.templates import TemplateCatalog, TemplateDefinition, TemplateFileError, default_templates_dir
from flows.core.messages import TemplateCall
from flows.core.replies import delivery_problem_notice
from tests.whatsapp.support import SECRET_KEY, connect_business, seed_business

NEEDED = {
    "appointment_confirmation",
    "appointment_reminder",
    "appointment_cancellation",
    "staff_daily_agenda",
    "review_request",
}


def test_the_templates_yume_needs_are_utility_es_mx_definitions_meta_accepts() -> None:
    catalog = TemplateCatalog.load()
    assert NEEDED <= set(catalog.definitions)
    for definition in catalog.definitions.values():
        assert (definition.category, definition.language) == ("UTILITY", "es_MX")
        body = next(c for c in definition.definition["components"] if c["type"] == "BODY")
        assert len(body["example"]["body_text"][0]) == definition.body_params
    assert catalog.definitions["appointment_reminder"].quick_replies == ["Confirmo", "Cancelar", "Cambiar"]


def test_a_template_call_is_checked_against_its_definition() -> None:
    catalog = TemplateCatalog.load()
    assert (
        catalog.problem_with(TemplateCall(name="review_request", body_params=["Juan", "Barbería", "https://g.page/x"]))
        is None
    )
    assert "takes 3 body parameters" in catalog.problem_with(TemplateCall(name="review_request", body_params=["Juan"]))
    assert "not one of Yume's templates" in catalog.problem_with(TemplateCall(name="promo", body_params=[]))


def test_the_owners_delivery_notice_fits_its_template() -> None:
    notice = delivery_problem_notice("525512345678", "confirmation", "Juan Pérez", "55 9876 5432", 131026)
    assert TemplateCatalog.load().problem_with(notice.template) is None


def test_broken_definitions_are_refused_with_the_reason() -> None:
    with pytest.raises(TemplateFileError, match="without gaps"):
        TemplateDefinition.from_json(
            {
                "name": "x",
                "language": "es_MX",
                "category": "UTILITY",
                "components": [{"type": "BODY", "text": "Hola {{2}}"}],
            }
        )
    with pytest.raises(TemplateFileError, match="lowercase"):
        TemplateDefinition.from_json(
            {"name": "Promo Navidad", "language": "es_MX", "category": "UTILITY", "components": []}
        )


async def test_templates_submit_posts_every_definition_to_each_connected_business(db, fake_graph, capsys) -> None:
    loaded = await seed_business(db)
    await connect_business(db, loaded.organization_id, token="EAAG-template-token")
    settings = load_settings({"DATABASE_URL": db.url, "META_GRAPH_URL": fake_graph.url, "YUME_SECRET_KEY": SECRET_KEY})
    catalog = TemplateCatalog.load()
    assert await _submit(settings, catalog, "Barbería Don Carlos") == 0
    calls = fake_graph.calls("message_templates")
    assert [call.path for call in calls] == ["/v25.0/102290129340398/message_templates"] * len(catalog.definitions)
    assert {call.body["name"] for call in calls} == set(catalog.definitions)
    files = {
        json.loads(path.read_text())["name"]: json.loads(path.read_text())
        for path in default_templates_dir().glob("*.json")
    }
    assert all(call.body == files[call.body["name"]] for call in calls), "posted exactly as written"
    assert all(call.authorization == "Bearer EAAG-template-token" for call in calls)
    assert "appointment_reminder → PENDING" in capsys.readouterr().out


async def test_templates_submit_reports_a_refused_template_and_fails(db, fake_graph, capsys) -> None:
    loaded = await seed_business(db)
    await connect_business(db, loaded.organization_id)
    fake_graph.fail(100, edge="message_templates", times=1, details="Invalid parameter")
    settings = load_settings({"DATABASE_URL": db.url, "META_GRAPH_URL": fake_graph.url, "YUME_SECRET_KEY": SECRET_KEY})
    assert await _submit(settings, TemplateCatalog.load(), None) == 1
    assert "rechazada: 100" in capsys.readouterr().err
