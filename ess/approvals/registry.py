"""Request kinds: what each domain tells the engine about its requests."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

# Modules that register kinds when imported; a domain adds its own line here.
KIND_MODULES = [
    "ess.approvals.certificate",
    "ess.benefits.kinds",
    "ess.leave.kinds",
    "ess.profile.kinds",
]


@dataclass
class Description:
    """What a decider sees: one line, and rows of (label, before, after) where a change is asked."""

    summary: str
    rows: list[tuple[Any, Any, Any]] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)


@dataclass
class RequestKind:
    name: str
    label: Any
    validate: Callable  # (request) -> None; raise DomainError to refuse submission
    apply: Callable  # (request, actor) -> None; the last step approved
    describe: Callable  # (request) -> Description
    on_reject: Callable | None = None  # (request, actor)
    on_withdraw: Callable | None = None  # (request, actor)
    on_cancel: Callable | None = None  # (request, actor)
    chain_facts: Callable | None = None  # (request) -> dict of facts for chain conditions
    detail_endpoint: str | None = None  # a page of the owning domain about the subject, given `approval_id`


_kinds: dict[str, RequestKind] = {}


def register_kind(kind: RequestKind) -> None:
    _kinds[kind.name] = kind


def get_kind(name: str) -> RequestKind:
    load_kinds()
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"no request kind {name!r} is registered") from None


def all_kinds() -> list[RequestKind]:
    load_kinds()
    return sorted(_kinds.values(), key=lambda kind: kind.name)


def load_kinds() -> None:
    for module in KIND_MODULES:
        importlib.import_module(module)
