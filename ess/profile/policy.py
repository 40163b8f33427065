"""Who changes which personal detail, from `policies/profile.toml` (ESS_POLICIES_DIR).

    [fields]
    mobile_phone = "self"        # saved at once
    bank_account = "approval"    # a request in the approval queue
    title = "readonly"           # HR only

A missing file means the defaults; a bad file stops the app at start with a message naming the file,
the field and what is allowed.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from flask import Flask, current_app

SELF, APPROVAL, READONLY = "self", "approval", "readonly"
MODES = (SELF, APPROVAL, READONLY)

DEFAULTS = {
    "preferred_name": SELF,
    "name_en": SELF,
    "personal_email": SELF,
    "mobile_phone": SELF,
    "address": SELF,
    "emergency_contacts": SELF,
    "legal_name": APPROVAL,
    "bank_account": APPROVAL,
    "resident_registration_number": APPROVAL,
    "dependents": APPROVAL,
    "department": READONLY,
    "title": READONLY,
    "manager": READONLY,
    "hire_date": READONLY,
}
FILE_NAME = "profile.toml"


class ProfilePolicyError(Exception):
    """policies/profile.toml cannot be used; the message says where and why."""


@dataclass(frozen=True)
class ProfilePolicy:
    modes: MappingProxyType
    source: str

    def mode(self, field: str) -> str:
        return self.modes[field]

    def is_self(self, field: str) -> bool:
        return self.modes[field] == SELF

    def needs_approval(self, field: str) -> bool:
        return self.modes[field] == APPROVAL

    def is_readonly(self, field: str) -> bool:
        return self.modes[field] == READONLY


def parse_policy(text: str, source: str = FILE_NAME) -> ProfilePolicy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfilePolicyError(f"{source}: not valid TOML: {exc}") from None
    unknown_tables = set(data) - {"fields"}
    if unknown_tables:
        raise ProfilePolicyError(f"{source}: unknown section(s) {', '.join(sorted(unknown_tables))}; "
                                 "only [fields] is read")
    fields = data.get("fields", {})
    if not isinstance(fields, dict):
        raise ProfilePolicyError(f"{source}: [fields] must be a table of field = \"self|approval|readonly\"")
    modes = dict(DEFAULTS)
    for field, mode in fields.items():
        if field not in DEFAULTS:
            raise ProfilePolicyError(f"{source}: unknown field {field!r}; known fields: {', '.join(DEFAULTS)}")
        if mode not in MODES:
            raise ProfilePolicyError(f"{source}: field {field!r} is {mode!r}; use one of {', '.join(MODES)}")
        modes[field] = mode
    return ProfilePolicy(MappingProxyType(modes), source)


def load_policy(policies_dir: str | Path) -> ProfilePolicy:
    path = Path(policies_dir) / FILE_NAME
    if not path.exists():
        return ProfilePolicy(MappingProxyType(dict(DEFAULTS)), "defaults")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfilePolicyError(f"{path}: cannot be read: {exc}") from None
    return parse_policy(text, str(path))


def init_policy(app: Flask) -> None:
    """Load at start (blueprint registration), so a bad file stops the app before it serves anyone."""
    app.extensions["ess_profile_policy"] = load_policy(app.config["POLICIES_DIR"])


def profile_policy() -> ProfilePolicy:
    policy = current_app.extensions.get("ess_profile_policy")
    if policy is None:
        init_policy(current_app)
        policy = current_app.extensions["ess_profile_policy"]
    return policy
