'''Declared API routes: one declaration validates the request and documents it in OpenAPI.

A resource module declares its routes on a `RouteTable`:

    routes = RouteTable("services")

    @routes.post("/organizations/{organization_id}/services", body=ServiceCreate, response=ServiceOut, status=201)
    async def create_service(call: Call[ServiceCreate, NoQuery]) -> ServiceOut:
        """Add a service to the menu."""

Every request then goes through the same steps, in this order: the body is read (413 when too
large); then, inside one transaction, the bearer token (401), the organization in the path (404
when it is not the caller's; 403 when the caller's role may not use the route), the other ids
in the path (404 when malformed), the JSON body (400 when not JSON, 422 when invalid), the query
(422), the handler. The transaction is committed when the
handler returns and rolled back on any error, so a refused request has written nothing.
'''

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.api.auth import Principal, Role, authenticate
from bot.api.fields import RequestModel
from bot.errors import ApiError, not_found
from bot.state import CLOCK, DATABASE, SETTINGS
from store.models import Organization

API_PREFIX = "/api/v1"
ORGANIZATION_ID = "organization_id"

BodyT = TypeVar("BodyT", bound=BaseModel)
QueryT = TypeVar("QueryT", bound=BaseModel)
ModelT = TypeVar("ModelT", bound=BaseModel)


class NoBody(RequestModel):
    """The route takes no body (an empty body or `{}` is accepted)."""


class NoQuery(RequestModel):
    """The route takes no query parameters."""


@dataclass
class Call(Generic[BodyT, QueryT]):
    """One validated API request, as a handler sees it."""

    request: web.Request
    session: AsyncSession
    principal: Principal
    now: datetime
    body: BodyT
    query: QueryT
    ids: Mapping[str, uuid.UUID]
    organization: Organization | None = None

    @property
    def org(self) -> Organization:
        """The organization named in the path (routes under /organizations/{organization_id})."""
        if self.organization is None:
            raise RuntimeError("this route has no organization in its path")
        return self.organization

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.org.timezone)


Handler = Callable[[Call[Any, Any]], Awaitable[BaseModel | None]]


@dataclass(frozen=True)
class Route:
    """One API operation: what it accepts, who may call it, what it answers."""

    method: str
    path: str  # under API_PREFIX
    handler: Handler
    tag: str
    body: type[BaseModel] = NoBody
    query: type[BaseModel] = NoQuery
    response: type[BaseModel] | None = None  # None: 204 No Content
    status: int = 200
    operator: bool = False  # the operator token may call it
    organization: bool = True  # an organization token may call it (for its own organization only)

    @property
    def full_path(self) -> str:
        return API_PREFIX + self.path

    @property
    def path_ids(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def summary(self) -> str:
        doc = (self.handler.__doc__ or self.handler.__name__).strip()
        return doc.splitlines()[0]


@dataclass
class RouteTable:
    """The routes of one resource module."""

    tag: str
    routes: list[Route] = field(default_factory=list)

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def _add(self, method: str, path: str, **options: Any) -> Callable[[Handler], Handler]:
        options.setdefault("tag", self.tag)

        def decorate(handler: Handler) -> Handler:
            self.routes.append(Route(method=method, path=path, handler=handler, **options))
            return handler

        return decorate

    def get(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._add("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._add("POST", path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._add("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._add("DELETE", path, **options)


def add_routes(app: web.Application, routes: list[Route]) -> None:
    """Register each declared route on the app."""
    for route in routes:
        app.router.add_route(route.method, route.full_path, _dispatcher(route), name=route.handler.__name__)


def _dispatcher(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def dispatch(request: web.Request) -> web.StreamResponse:
        settings = request.app[SETTINGS]
        # Read the whole body before the transaction: on SQLite a transaction is the one writer,
        # and a slow client must not hold everyone else up while it uploads.
        raw_body = await request.read()
        async with request.app[DATABASE].transaction() as session:
            principal = await authenticate(request, session, settings)
            organization = await _organization_in_path(route, request, session, principal)
            if organization is None and principal.role not in _roles(route):
                raise _forbidden(route, principal)
            ids = _path_ids(route, request)
            body = _validate(route.body, _json_body(raw_body), "body")
            query = _validate(route.query, _query(request), "query")
            call: Call[Any, Any] = Call(
                request=request,
                session=session,
                principal=principal,
                now=request.app[CLOCK].now(),
                body=body,
                query=query,
                ids=ids,
                organization=organization,
            )
            try:
                result = await route.handler(call)
                await session.flush()
            except IntegrityError as error:
                # A uniqueness race the handler's own check could not see: the transaction is
                # rolled back, the client can retry; it is a conflict, not a crash.
                raise ApiError(409, "conflict", "the change conflicts with existing data; reload and retry") from error
        return _respond(route, result)

    return dispatch


def _validate(model: type[ModelT], data: Any, where: str) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_error(error, where) from error


def validation_error(error: ValidationError, where: str) -> ApiError:
    """A Pydantic error as a 422 whose message names the first bad field ("body.starts_at") and why."""
    details = [
        {
            "field": ".".join([where, *(str(part) for part in item["loc"])]),
            "message": _message(item),
            "type": item["type"],
        }
        for item in error.errors(include_url=False, include_context=False, include_input=False)
    ]
    first = details[0]
    more = f" (and {len(details) - 1} more problem{'s' if len(details) > 2 else ''})" if len(details) > 1 else ""
    return ApiError(422, "validation_error", f"{first['field']}: {first['message']}{more}", details)


def _message(item: Mapping[str, Any]) -> str:
    return str(item["msg"]).removeprefix("Value error, ")


def _roles(route: Route) -> set[Role]:
    return ({Role.operator} if route.operator else set()) | ({Role.organization} if route.organization else set())


def _forbidden(route: Route, principal: Principal) -> ApiError:
    if principal.role == Role.operator:
        return ApiError(
            403,
            "forbidden",
            "the operator token manages organizations and tokens; use an organization token for its data",
        )
    return ApiError(403, "forbidden", f"only the operator token may call {route.method} {route.full_path}")


async def _organization_in_path(
    route: Route, request: web.Request, session: AsyncSession, principal: Principal
) -> Organization | None:
    """The organization named in the path, if the caller may see it at all (404 otherwise)."""
    if ORGANIZATION_ID not in route.path_ids:
        return None
    organization_id = _parse_id(request.match_info[ORGANIZATION_ID])
    # Another organization's id, or one that does not exist: the same 404, so ids cannot be probed.
    if organization_id is None or (
        principal.role == Role.organization and principal.organization_id != organization_id
    ):
        raise not_found("organization", organization_id=request.match_info[ORGANIZATION_ID])
    if principal.role not in _roles(route):
        raise _forbidden(route, principal)
    organization = await session.get(Organization, organization_id)
    if organization is None:
        raise not_found("organization", organization_id=str(organization_id))
    return organization


def _path_ids(route: Route, request: web.Request) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    for name in route.path_ids:
        parsed = _parse_id(request.match_info[name])
        if parsed is None:  # not even an id: nothing can have it
            raise not_found(name.removesuffix("_id").replace("_", " "), **{name: request.match_info[name]})
        ids[name] = parsed
    return ids


def _parse_id(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _json_body(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:  # bad JSON, bad UTF-8, absurd nesting or numbers
        raise ApiError(400, "malformed_json", f"the request body is not valid JSON: {error}") from error
    refuse_unstorable_text(data, "body")
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's json would accept NaN and Infinity


def _query(request: web.Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in request.query.keys():
        given = [value for value in request.query.getall(key) if value != ""]  # `?staff=` means "no filter"
        if given:
            values[key] = given[0] if len(given) == 1 else given
    refuse_unstorable_text(values, "query")
    return values


def refuse_unstorable_text(data: Any, where: str) -> None:
    """422 for text no database can store (NUL, lone surrogates), before it reaches one."""
    pending = [data]
    while pending:  # iterative: JSON may nest deeper than Python's recursion limit allows
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and _UNSTORABLE.search(item):
            raise ApiError(
                422,
                "validation_error",
                f"the {where} contains a NUL character or an unpaired surrogate, which cannot be stored",
                [
                    {
                        "field": where,
                        "message": "NUL characters and unpaired surrogates are not allowed",
                        "type": "unstorable_text",
                    }
                ],
            )


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _respond(route: Route, result: BaseModel | None) -> web.StreamResponse:
    if route.response is None:
        if result is not None:
            raise TypeError(f"{route.handler.__name__} returned a body on a 204 route")
        return web.Response(status=204)
    if not isinstance(result, route.response):
        raise TypeError(
            f"{route.handler.__name__} returned {type(result).__name__}, declared {route.response.__name__}"
        )
    return web.json_response(text=result.model_dump_json(), status=route.status)
