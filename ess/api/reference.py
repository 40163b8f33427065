"""The API reference page's content, read from the OpenAPI document (no client-side rendering)."""
from __future__ import annotations

from dataclasses import dataclass, field

REF_PREFIX = "#/components/schemas/"


@dataclass
class TypeText:
    """A schema's type as words, with the component schemas it names (linked on the page)."""

    text: str
    refs: list[str] = field(default_factory=list)


@dataclass
class Property:
    name: str
    type: TypeText
    required: bool
    description: str | None


@dataclass
class SchemaDoc:
    name: str
    description: str | None
    properties: list[Property]


@dataclass
class Parameter:
    name: str
    location: str
    required: bool
    type: TypeText


@dataclass
class OperationDoc:
    anchor: str
    method: str
    path: str
    summary: str
    scopes: list[str]
    parameters: list[Parameter]
    body: TypeText | None
    success_status: str
    success: TypeText | None
    errors: list[str]


@dataclass
class Section:
    tag: str
    operations: list[OperationDoc]


def type_text(schema: dict | None) -> TypeText:
    if not schema:
        return TypeText("any")
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        return TypeText(name, [name])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts = [type_text(option) for option in schema[key]]
            return TypeText(" | ".join(p.text for p in parts), [r for p in parts for r in p.refs])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        return TypeText(" | ".join(kind))
    if kind == "array":
        inner = type_text(schema.get("items"))
        return TypeText(f"array of {inner.text}", inner.refs)
    extras = []
    if "format" in schema:
        extras.append(schema["format"])
    if "enum" in schema:
        extras.append(" | ".join(str(v) for v in schema["enum"]))
    if "pattern" in schema:
        extras.append(f"pattern {schema['pattern']}")
    for key, word in (("minLength", "min length"), ("maxLength", "max length"), ("minimum", "min"),
                      ("maximum", "max")):
        if key in schema:
            extras.append(f"{word} {schema[key]}")
    return TypeText(kind + (f" ({', '.join(extras)})" if extras else ""))


def _content_schema(entry: dict | None) -> TypeText | None:
    if not entry or "content" not in entry:
        return None
    for media in entry["content"].values():
        return type_text(media.get("schema"))
    return None


def reference(document: dict) -> tuple[list[Section], list[SchemaDoc]]:
    sections: dict[str, list[OperationDoc]] = {}
    for path, methods in document.get("paths", {}).items():
        for method, op in methods.items():
            success_status = next((s for s in op["responses"] if s.startswith("2")), "200")
            scopes = sorted({s for requirement in op.get("security", []) for s in requirement.get("token", [])})
            doc = OperationDoc(
                anchor=op["operationId"],
                method=method.upper(),
                path=path,
                summary=op.get("summary", ""),
                scopes=scopes,
                parameters=[Parameter(p["name"], p["in"], p.get("required", False), type_text(p.get("schema")))
                            for p in op.get("parameters", [])],
                body=_content_schema(op.get("requestBody")),
                success_status=success_status,
                success=_content_schema(op["responses"].get(success_status)),
                errors=[s for s in op["responses"] if not s.startswith("2")],
            )
            for tag in op.get("tags") or ["api"]:
                sections.setdefault(tag, []).append(doc)
    schemas = []
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        schemas.append(SchemaDoc(
            name=name,
            description=schema.get("description"),
            properties=[Property(prop_name, type_text(prop), prop_name in required, prop.get("description"))
                        for prop_name, prop in schema.get("properties", {}).items()],
        ))
    return [Section(tag, ops) for tag, ops in sorted(sections.items())], schemas
