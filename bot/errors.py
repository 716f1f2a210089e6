"""JSON errors for the whole app: one shape, `{"error": {"code", "message", "details"}}`, for every 4xx/5xx.

Expected failures raise `ApiError` (or a scheduling error, which carries its own code and
status); aiohttp's own HTTP errors (unknown route, wrong method, body too large) are rewritten
into the same shape. Anything else is a bug: logged with a reference and answered with a JSON 500.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from scheduler.errors import BlockCollides, SchedulingError

log = logging.getLogger("yume.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_CODES_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "unavailable",
}


class ApiError(Exception):
    """A request Yume refuses, with the status, a stable code and a message for developers."""

    def __init__(self, status: int, code: str, message: str, details: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)


def not_found(what: str, **details: Any) -> ApiError:
    """404 for a resource that does not exist, or that belongs to another organization."""
    return ApiError(404, "not_found", f"{what} not found", [details] if details else [])


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable: slot_taken, validation_error, not_found, …")
    message: str = Field(description="What went wrong, for the developer reading it")
    details: list[Any] = Field(description="Context: the invalid fields, the colliding appointments, …")


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer of the app."""

    error: ErrorDetail


def error_response(status: int, code: str, message: str, details: Sequence[Any] = (), **headers: str) -> web.Response:
    """The one JSON error shape."""
    body = ErrorBody(error=ErrorDetail(code=code, message=message, details=list(details)))
    return web.json_response(text=body.model_dump_json(), status=status, headers=headers or None)


def scheduling_error_details(error: SchedulingError) -> list[Any]:
    """A domain error's context as the API's `details` list (one entry per colliding appointment)."""
    if isinstance(error, BlockCollides):
        return [
            {"appointment_id": appointment_id, "starts_at": starts}
            for appointment_id, starts in zip(error.details["appointment_ids"], error.details["starts"], strict=True)
        ]
    return [error.details] if error.details else []


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into the JSON error shape; only true bugs become a 500."""
    try:
        return await handler(request)
    except ApiError as error:
        headers = {"WWW-Authenticate": 'Bearer realm="yume"'} if error.status == 401 else {}
        return error_response(error.status, error.code, error.message, error.details, **headers)
    except SchedulingError as error:
        return error_response(error.status, error.code, error.message, scheduling_error_details(error))
    except web.HTTPException as error:
        if error.status < 400:
            raise  # redirects and the like are not errors
        return error_response(
            error.status, _CODES_BY_STATUS.get(error.status, "http_error"), _http_message(request, error)
        )
    except asyncio.CancelledError:
        raise
    except Exception:
        reference = uuid.uuid4().hex[:12]
        log.exception("unhandled error %s on %s %s", reference, request.method, request.path)
        return error_response(
            500,
            "internal_error",
            f"internal error; it was logged with reference {reference}",
            [{"reference": reference}],
        )


def _http_message(request: web.Request, error: web.HTTPException) -> str:
    if error.status == 404:
        return f"no route for {request.method} {request.path}"
    if error.status == 405 and isinstance(error, web.HTTPMethodNotAllowed):
        return f"{request.method} is not allowed on {request.path}; allowed: {', '.join(sorted(error.allowed_methods))}"
    if error.status == 413:
        return f"the request body is too large: {error.text}"
    return error.reason or "request refused"
