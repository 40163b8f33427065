"""How a JSON endpoint is declared: pydantic models for query, body and response, recorded for OpenAPI.

    @bp.get("/leave/preview")
    @allow("employee")
    @operation(summary="Preview a leave request", query=PreviewQuery, response=Preview, errors=(422,))
    def preview():
        query = parse_query(PreviewQuery)
        ...
        return respond(Preview(...))

Parsing failures answer 422 application/problem+json naming the field (through ess.errors.DomainError).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import jsonify, request
from pydantic import BaseModel, ValidationError

from ess.errors import DomainError

MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Operation:
    summary: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    scopes: tuple[str, ...] = field(default=())  # service-token scopes that may call it


def operation(summary: str, *, query=None, body=None, response=None, status: int = 200,
              errors: tuple[int, ...] = (), tags: tuple[str, ...] | list[str] = (),
              scopes: tuple[str, ...] | list[str] = ()) -> Callable:
    """Record what an endpoint takes and returns; the OpenAPI document is built from these records."""

    def decorate(view):
        view.api_operation = Operation(summary, query, body, response, status, tuple(errors), tuple(tags),
                                       tuple(scopes))
        return view

    return decorate


def _refuse(error: ValidationError, location: str) -> DomainError:
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or location
    return DomainError(f"{name}: {first['msg']}", field=name, code="invalid")


def parse_query(model: type[BaseModel]) -> BaseModel:
    values = {key: request.args.get(key) for key in request.args}
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise _refuse(error, "query") from None


def parse_body(model: type[BaseModel]) -> BaseModel:
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise DomainError("The request body is too large.", code="too_large", status=413)
    if not request.is_json:
        raise DomainError("Send the body as application/json.", field="body", code="unsupported_media_type",
                          status=415)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("The body must be a JSON object.", field="body", code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _refuse(error, "body") from None


def respond(payload: BaseModel, status: int = 200):
    response = jsonify(payload.model_dump(mode="json"))
    response.status_code = status
    return response
