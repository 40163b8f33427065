"""The OpenAPI 3.1 document, built from the routes' `operation` records and their pydantic models."""
from __future__ import annotations

import re

from flask import Flask
from pydantic import BaseModel

from ess.api.spec import Operation

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
        "code": {"type": "string"},
    },
}
_CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_PARAM_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"}}


def _schema_ref(model: type[BaseModel], components: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def build_document(app: Flask) -> dict:
    paths: dict[str, dict] = {}
    components: dict[str, dict] = {"Problem": PROBLEM_SCHEMA}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        op: Operation | None = getattr(view, "api_operation", None)
        if op is None:
            continue
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        path_params = [
            {"name": name, "in": "path", "required": True, "schema": _PARAM_TYPES.get(conv or "", {"type": "string"})}
            for conv, name in _CONVERTER.findall(rule.rule)
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            entry: dict = {
                "operationId": rule.endpoint.replace(".", "_") + ("" if method == "GET" else f"_{method.lower()}"),
                "summary": op.summary,
                "tags": list(op.tags),
                "parameters": path_params + (_query_parameters(op.query) if op.query else []),
                "responses": {},
            }
            if op.body:
                entry["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": _schema_ref(op.body, components)}}}
            success = {"description": "OK"}
            if op.response:
                success["content"] = {"application/json": {"schema": _schema_ref(op.response, components)}}
            entry["responses"][str(op.status)] = success
            problem = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            for status in sorted(set(op.errors) | {401, 403}):
                entry["responses"][str(status)] = {"description": "Problem", **problem}
            if op.scopes:
                entry["security"] = [{"session": []}, {"token": list(op.scopes)}]
            paths.setdefault(path, {})[method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "ESS portal API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "ess_session",
                            "description": "Browser session; changes need the X-CSRFToken header."},
                "token": {"type": "http", "scheme": "bearer", "description": "Service token with scopes."},
            },
        },
    }
