"""Approval chains per kind, read from policies/approvals.toml."""
from __future__ import annotations

import operator
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app

from ess.approvals.models import DeciderKind

DEFAULT_CHAIN = ({"decider": "role", "role": "hr"},)
_CONDITION = re.compile(r"^\s*(\w+)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?|'[^']*'|\"[^\"]*\")\s*$")
_OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
              "!=": operator.ne}


class PolicyError(Exception):
    """policies/approvals.toml is wrong; the message says where."""


@dataclass(frozen=True)
class StepRule:
    decider: DeciderKind
    role: str | None = None
    employee_no: str | None = None
    when: str | None = None

    def applies(self, facts: dict[str, Any]) -> bool:
        if not self.when:
            return True
        name, op, literal = _CONDITION.match(self.when).groups()
        if name not in facts:
            return False
        value = literal[1:-1] if literal[0] in "'\"" else float(literal)
        fact = facts[name]
        try:
            return _OPERATORS[op](float(fact) if isinstance(value, float) else fact, value)
        except (TypeError, ValueError):
            return False


@dataclass(frozen=True)
class ApprovalPolicy:
    chains: dict[str, tuple[StepRule, ...]]
    overdue_after_working_days: int

    def chain(self, kind: str) -> tuple[StepRule, ...]:
        return self.chains.get(kind) or tuple(_rule(step, "default") for step in DEFAULT_CHAIN)


def _rule(raw: dict, where: str) -> StepRule:
    try:
        decider = DeciderKind(raw.get("decider"))
    except ValueError:
        raise PolicyError(f"{where}: decider must be manager, role or person") from None
    if decider is DeciderKind.role and not raw.get("role"):
        raise PolicyError(f"{where}: a role step needs `role`")
    if decider is DeciderKind.person and not raw.get("employee_no"):
        raise PolicyError(f"{where}: a person step needs `employee_no`")
    when = raw.get("when")
    if when is not None and not _CONDITION.match(when):
        raise PolicyError(f"{where}: cannot read condition {when!r} (write e.g. \"days > 5\")")
    return StepRule(decider, raw.get("role"), raw.get("employee_no"), when)


def parse_policy(text: str) -> ApprovalPolicy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"approvals.toml: {error}") from None
    chains = {}
    for kind, spec in (data.get("kinds") or {}).items():
        steps = spec.get("steps") if isinstance(spec, dict) else None
        if not isinstance(steps, list) or not steps:
            raise PolicyError(f"kinds.{kind}: needs a non-empty `steps` list")
        chains[kind] = tuple(_rule(step, f"kinds.{kind}.steps[{i}]") for i, step in enumerate(steps))
    settings = data.get("settings") or {}
    overdue = settings.get("overdue_after_working_days", 3)
    if not isinstance(overdue, int) or overdue < 1:
        raise PolicyError("settings.overdue_after_working_days must be a whole number of at least 1")
    return ApprovalPolicy(chains, overdue)


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> ApprovalPolicy:
    return parse_policy(Path(path).read_text(encoding="utf-8"))


def approval_policy() -> ApprovalPolicy:
    path = Path(current_app.config["POLICIES_DIR"]) / "approvals.toml"
    if not path.exists():
        return ApprovalPolicy({}, 3)
    return _load(str(path), path.stat().st_mtime)
