"""The app itself: health and readiness, JSON errors everywhere, the OpenAPI document, `yume serve`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from bot.app import FEATURES, create_app
from bot.cli import build_parser
from bot.commands.serve import _checked_app
from bot.settings import Settings
from bot.state import CLOCK, DATABASE, SETTINGS
from scheduler.clock import FrozenClock
from store.database import Database
from store.migrate import current_revision, head_revision
from tests.bot.api import NOW, OPERATOR_TOKEN, Api, Tenant


async def test_health_reports_the_database_reachable(api: Api) -> None:
    reply = await api.call("GET", "/health", token=None)
    assert reply.status == 200
    assert reply.json == {"status": "ok", "database": "reachable"}


async def test_ready_is_200_when_the_database_answers(api: Api) -> None:
    reply = await api.call("GET", "/ready", token=None)
    assert (reply.status, reply.json) == (200, {"status": "ready"})


async def test_ready_is_503_and_health_says_unreachable_while_the_database_is_down(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    missing = Database(f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'yume.db'}")
    try:
        client = Api(await aiohttp_client(create_app(Settings(jobs_interval_seconds=0), database=missing)))
        ready = await client.call("GET", "/ready", token=None)
        health = await client.call("GET", "/health", token=None)
    finally:
        await missing.dispose()
    assert ready.status == 503 and ready.code == "not_ready"
    assert (health.status, health.json["database"]) == (200, "unreachable")


def test_the_app_holds_settings_database_and_clock_under_typed_keys(db: Database) -> None:
    settings = Settings()
    clock = FrozenClock(NOW)
    app = create_app(settings, database=db, clock=clock)
    assert app[SETTINGS] is settings and app[DATABASE] is db and app[CLOCK] is clock
    assert len(FEATURES) >= 3  # health, the API and the background jobs; later issues append theirs


async def test_an_unknown_route_is_a_json_404(api: Api) -> None:
    reply = await api.call("GET", "/api/v1/nothing/here", token=None)
    assert reply.status == 404
    assert reply.json["error"] == {
        "code": "not_found",
        "message": "no route for GET /api/v1/nothing/here",
        "details": [],
    }


async def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(api: Api, carlos: Tenant) -> None:
    reply = await api.call("PUT", carlos.path, token=carlos.token, json={})
    assert reply.status == 405 and reply.code == "method_not_allowed"
    assert "GET" in reply.json["error"]["message"] and "PATCH" in reply.json["error"]["message"]


async def test_malformed_json_is_a_400_saying_so(api: Api, carlos: Tenant) -> None:
    reply = await api.call("POST", f"{carlos.path}/services", token=carlos.token, data=b'{"name": "Corte",')
    assert reply.status == 400 and reply.code == "malformed_json"
    assert "not valid JSON" in reply.json["error"]["message"]


@pytest.mark.parametrize(
    "body", [b"NaN", b'{"duration_minutes": Infinity}', b"[" * 5000 + b"]" * 5000, b"\xff\xfe\x00"]
)
async def test_json_oddities_are_400_not_500(api: Api, carlos: Tenant, body: bytes) -> None:
    reply = await api.call("POST", f"{carlos.path}/services", token=carlos.token, data=body)
    assert reply.status == 400 and reply.code == "malformed_json"


async def test_a_body_over_the_limit_is_a_json_413(aiohttp_client: Any, db: Database, carlos: Tenant) -> None:
    client = Api(await aiohttp_client(create_app(Settings(max_request_bytes=2048, jobs_interval_seconds=0), database=db)))
    reply = await client.call("POST", f"{carlos.path}/services", token=carlos.token, json={"name": "x" * 5000})
    assert reply.status == 413 and reply.code == "body_too_large"


async def test_a_bug_is_a_logged_json_500_without_internals(
    aiohttp_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_feature(app: web.Application) -> None:
        async def explode(request: web.Request) -> web.Response:
            raise RuntimeError("secret internals")

        app.router.add_get("/explode", explode)

    app = create_app(Settings(jobs_interval_seconds=0))
    broken_feature(app)
    client = Api(await aiohttp_client(app))
    with caplog.at_level(logging.ERROR, logger="yume.http"):
        reply = await client.call("GET", "/explode", token=None)
    assert reply.status == 500 and reply.code == "internal_error"
    assert "secret internals" not in reply.text
    assert "secret internals" in caplog.text  # …but the log has it, under the same reference
    assert reply.json["error"]["details"][0]["reference"] in caplog.text


async def test_the_openapi_document_is_served_and_is_valid_openapi_3(aiohttp_client: Any, tmp_path: Path) -> None:
    # Served without a token; the document does not depend on the database, so SQLite alone is enough.
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'yume.db'}", jobs_interval_seconds=0))
    reply = await Api(await aiohttp_client(app)).call("GET", "/api/v1/openapi.json", token=None)
    assert reply.status == 200
    validate(reply.json)
    assert reply.json["openapi"].startswith("3.")


async def test_the_openapi_document_describes_every_route_with_the_models_that_validate_it(api: Api) -> None:
    from bot.api import all_routes

    document = (await api.call("GET", "/api/v1/openapi.json", token=None)).json
    for route in all_routes():
        operation = document["paths"][route.full_path][route.method.lower()]
        assert operation["operationId"] == route.handler.__name__
        if route.body.__name__ != "NoBody":
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
            assert schema.get("additionalProperties") is False, (
                f"{route.handler.__name__} body must forbid unknown fields"
            )
    create = document["components"]["schemas"]["AppointmentCreate"]
    assert set(create["required"]) == {"service_id", "starts_at"}
    slots = document["paths"]["/api/v1/organizations/{organization_id}/availability/slots"]["get"]
    assert {p["name"] for p in slots["parameters"]} >= {"organization_id", "service", "date_from", "date_to", "staff"}


def test_yume_serve_is_a_registered_command_with_host_and_port_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8080)
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


async def test_serve_with_migrate_applies_the_migrations_before_running_the_app(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}", operator_token=OPERATOR_TOKEN)
    app = await _checked_app(settings, "http://127.0.0.1:0", migrate=True)
    try:
        assert await current_revision(app[DATABASE].engine) == head_revision()
    finally:
        await app[DATABASE].dispose()
