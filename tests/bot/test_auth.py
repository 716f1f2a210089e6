"""Bearer tokens: the operator's from the environment; organization tokens hashed, shown once, revocable."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from bot.api.auth import hash_token
from store.database import Database
from store.models import ApiToken
from tests.bot.api import OPERATOR_TOKEN, Api, Tenant


async def test_a_missing_token_is_a_401_json_with_a_bearer_challenge(api: Api, carlos: Tenant) -> None:
    reply = await api.call("GET", carlos.path, token=None)
    assert reply.status == 401 and reply.code == "unauthorized"
    assert "Authorization" in reply.json["error"]["message"]
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_wrong_token_is_a_401(api: Api, carlos: Tenant) -> None:
    reply = await api.call("GET", carlos.path, token="yume_not-a-real-token")
    assert reply.status == 401 and reply.code == "invalid_token"


async def test_a_non_bearer_scheme_is_a_401(api: Api, carlos: Tenant) -> None:
    response = await api.client.get(carlos.path, headers={"Authorization": f"Basic {carlos.token}"})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_the_operator_issues_a_token_that_is_shown_once_and_stored_only_as_a_hash(
    api: Api, db: Database, carlos: Tenant
) -> None:
    issued = await api.call("POST", f"{carlos.path}/tokens", token=OPERATOR_TOKEN, json={"name": "panel"})
    assert issued.status == 201
    token = issued.json["token"]
    assert token.startswith("yume_") and len(token) > 40
    async with db.transaction() as session:
        stored = (
            await session.execute(select(ApiToken).where(ApiToken.id == uuid.UUID(issued.json["id"])))
        ).scalar_one()
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    # It works at once, for its organization.
    assert (await api.call("GET", carlos.path, token=token)).status == 200
    # Listing shows names and dates, never the token or its hash.
    listed = await api.call("GET", f"{carlos.path}/tokens", token=OPERATOR_TOKEN)
    assert listed.status == 200 and "panel" in {item["name"] for item in listed.json["items"]}
    assert token not in listed.text and stored.token_hash not in listed.text
    assert all(
        set(item) == {"id", "organization_id", "name", "created_at", "revoked_at"} for item in listed.json["items"]
    )


async def test_a_revoked_token_stops_working_at_once(api: Api, carlos: Tenant) -> None:
    assert (await api.call("GET", carlos.path, token=carlos.token)).status == 200
    revoked = await api.call("DELETE", f"{carlos.path}/tokens/{carlos.token_id}", token=OPERATOR_TOKEN)
    assert revoked.status == 204 and revoked.text == ""
    reply = await api.call("GET", carlos.path, token=carlos.token)
    assert reply.status == 401 and reply.code == "invalid_token"
    listed = await api.call("GET", f"{carlos.path}/tokens", token=OPERATOR_TOKEN)
    assert [item["revoked_at"] is not None for item in listed.json["items"]] == [True]


async def test_an_organization_may_revoke_its_own_token(api: Api, carlos: Tenant) -> None:
    reply = await api.call("DELETE", f"{carlos.path}/tokens/{carlos.token_id}", token=carlos.token)
    assert reply.status == 204
    assert (await api.call("GET", carlos.path, token=carlos.token)).status == 401


async def test_only_the_operator_issues_tokens_and_creates_organizations(api: Api, carlos: Tenant) -> None:
    reply = await api.call("POST", f"{carlos.path}/tokens", token=carlos.token, json={"name": "me"})
    assert reply.status == 403 and reply.code == "forbidden"
    reply = await api.call("POST", "/api/v1/organizations", token=carlos.token, json={"name": "Otra"})
    assert reply.status == 403 and reply.code == "forbidden"


async def test_the_operator_token_does_not_read_an_organizations_agenda(api: Api, carlos: Tenant) -> None:
    reply = await api.call("GET", f"{carlos.path}/appointments", token=OPERATOR_TOKEN)
    assert reply.status == 403 and "organization token" in reply.json["error"]["message"]


async def test_issuing_a_token_validates_its_name(api: Api, carlos: Tenant) -> None:
    reply = await api.call("POST", f"{carlos.path}/tokens", token=OPERATOR_TOKEN, json={"name": ""})
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == "body.name"
    reply = await api.call("POST", f"{carlos.path}/tokens", token=OPERATOR_TOKEN, json={"name": "x", "scope": "all"})
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == "body.scope"


async def test_without_an_operator_token_configured_nobody_is_the_operator(aiohttp_client, db: Database) -> None:
    from bot.app import create_app
    from bot.settings import Settings

    client = Api(await aiohttp_client(create_app(Settings(), database=db)))
    reply = await client.call("POST", "/api/v1/organizations", token=OPERATOR_TOKEN, json={"name": "X"})
    assert reply.status == 401
