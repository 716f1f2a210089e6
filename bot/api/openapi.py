"""The OpenAPI 3.1 document, generated from the declared routes and the Pydantic models that
validate their requests: what is documented is what is enforced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaValue, models_json_schema

from bot.api.routing import NoBody, NoQuery, Route
from bot.errors import ErrorBody

REF_TEMPLATE = "#/components/schemas/{model}"
_ERRORS: dict[str, str] = {
    "400": "Malformed JSON",
    "401": "Missing, unknown or revoked bearer token",
    "403": "The token's role may not call this route",
    "404": "Unknown route or resource, or another organization's",
    "409": "A scheduling rule or uniqueness refused the change (slot_taken, block_collides, …)",
    "413": "The request body is too large",
    "422": "The body or query is invalid (unknown fields, naive times, bad values)",
}

Mode = Literal["validation", "serialization"]


def openapi_document(routes: Sequence[Route], *, title: str, version: str, description: str) -> dict[str, Any]:
    """The OpenAPI document for `routes`."""
    wanted: list[tuple[type[BaseModel], Mode]] = [(ErrorBody, "serialization")]
    for route in routes:
        if route.body is not NoBody:
            wanted.append((route.body, "validation"))
        if route.query is not NoQuery:
            wanted.append((route.query, "validation"))
        if route.response is not None:
            wanted.append((route.response, "serialization"))
    refs, definitions = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF_TEMPLATE)
    schemas: dict[str, JsonSchemaValue] = definitions.get("$defs", {})

    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.full_path, {})[route.method.lower()] = _operation(route, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The operator token (YUME_OPERATOR_TOKEN) or an organization token",
                }
            },
        },
        "security": [{"bearerAuth": []}],
    }


def _operation(
    route: Route, refs: dict[tuple[type[BaseModel], Mode], JsonSchemaValue], schemas: dict[str, JsonSchemaValue]
) -> dict[str, Any]:
    who = [name for name, allowed in (("operator", route.operator), ("organization", route.organization)) if allowed]
    operation: dict[str, Any] = {
        "operationId": route.handler.__name__,
        "summary": route.summary,
        "description": f"{route.summary}\n\nTokens: {' or '.join(who)}.",
        "tags": [route.tag],
        "parameters": _path_parameters(route) + _query_parameters(route, refs, schemas),
        "responses": _responses(route, refs),
    }
    if route.body is not NoBody:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(route.body, "validation")]}},
        }
    return operation


def _path_parameters(route: Route) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
        for name in route.path_ids
    ]


def _query_parameters(
    route: Route, refs: dict[tuple[type[BaseModel], Mode], JsonSchemaValue], schemas: dict[str, JsonSchemaValue]
) -> list[dict[str, Any]]:
    if route.query is NoQuery:
        return []
    definition = schemas[refs[(route.query, "validation")]["$ref"].rsplit("/", 1)[-1]]
    required = set(definition.get("required", []))
    parameters = []
    for name, schema in definition.get("properties", {}).items():
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": schema}
        if "description" in schema:
            parameter["description"] = schema["description"]
        if _is_array(schema):  # ?status=confirmed,pending
            parameter["style"] = "form"
            parameter["explode"] = False
        parameters.append(parameter)
    return parameters


def _is_array(schema: JsonSchemaValue) -> bool:
    return schema.get("type") == "array" or any(option.get("type") == "array" for option in schema.get("anyOf", []))


def _responses(route: Route, refs: dict[tuple[type[BaseModel], Mode], JsonSchemaValue]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if route.response is None:
        responses["204"] = {"description": "Done; no content"}
    else:
        responses[str(route.status)] = {
            "description": route.summary,
            "content": {"application/json": {"schema": refs[(route.response, "serialization")]}},
        }
    error = {"application/json": {"schema": refs[(ErrorBody, "serialization")]}}
    for status, description in _ERRORS.items():
        responses[status] = {"description": description, "content": error}
    return responses
