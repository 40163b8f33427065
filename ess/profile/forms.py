"""The personal-details forms: what was typed (kept as typed for the page), and the change it asks for.

Input names with a dot (`address.postal_code`) become nested values (`{"address": {"postal_code": …}}`),
and errors use the same names, so each message lands on its own input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ess.profile.fields import WORK_FIELDS
from ess.profile.policy import ProfilePolicy

ADDRESS_KEYS = ("address.country", "address.postal_code", "address.road", "address.detail", "address.free")
PERSONAL_FIELDS = ("legal_name", "preferred_name", "name_en", "personal_email", "mobile_phone", "address")
BANK_KEYS = ("bank_account.bank", "bank_account.number", "bank_account.holder")
RRN_KEYS = ("resident_registration_number.number", "resident_registration_number.new_scheme")
# The details form also carries, hidden, each value as it was shown ("shown.<key>"), so a save writes only
# what the person changed and notices what someone else (the employee, HR) changed since.
SHOWN = "shown."
ITEM_KEYS = {
    "emergency_contacts": ("name", "relation", "phone"),
    "dependents": ("name", "relation", "birth_date"),
}


@dataclass
class Form:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Any] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_request(cls, form, keys) -> Form:
        return cls({key: form.get(key, "") for key in keys},
                   shown={key: form[SHOWN + key] for key in keys if SHOWN + key in form})

    def edited(self) -> Form:
        """Only what the person changed, a composite (the address) whole when any part changed; everything
        when the page sent no shown values."""
        if not self.shown:
            return self
        changed = {key.split(".", 1)[0] for key, value in self.values.items() if self.shown.get(key) != value}
        return Form({key: value for key, value in self.values.items() if key.split(".", 1)[0] in changed},
                    shown=self.shown)

    def changed_meanwhile(self, current: Form) -> list[str]:
        """Inputs the person changed that someone else changed too, to something else, since the page was
        shown: saving them would silently undo the other change."""
        return [key for key, value in self.values.items()
                if key in self.shown and value != self.shown[key] and current.get(key) not in (self.shown[key], value)]

    def get(self, key: str) -> str:
        return self.values.get(key) or ""

    def error(self, key: str):
        return self.errors.get(key)

    def change(self) -> dict[str, Any]:
        nested: dict[str, Any] = {}
        for key, value in self.values.items():
            if "." in key:
                outer, inner = key.split(".", 1)
                nested.setdefault(outer, {})[inner] = value
            else:
                nested[key] = value
        return nested

    def with_errors(self, errors: dict[str, Any]) -> Form:
        self.errors = dict(errors)
        return self


def details_keys(policy: ProfilePolicy, *, as_hr: bool) -> list[str]:
    """The inputs of the details form: every field for HR; for the person, those not read-only."""
    names = list(PERSONAL_FIELDS) + (list(WORK_FIELDS) if as_hr else [])
    keys: list[str] = []
    for name in names:
        if not as_hr and policy.is_readonly(name):
            continue
        keys.extend(ADDRESS_KEYS if name == "address" else [name])
    return keys


def details_form(values: dict[str, Any], keys: list[str]) -> Form:
    """The details form filled from the record's current values."""
    address = values.get("address") or {}
    filled = {}
    for key in keys:
        if key.startswith("address."):
            filled[key] = address.get(key.split(".", 1)[1]) or ("KR" if key == "address.country" else "")
        else:
            value = values.get(key)
            filled[key] = "" if value is None else str(value)
    return Form(filled, shown=dict(filled))


def bank_form(account: dict | None) -> Form:
    """The account number is never put back into the page: an empty number keeps the one on file."""
    account = account or {}
    return Form({"bank_account.bank": account.get("bank") or "", "bank_account.number": "",
                 "bank_account.holder": account.get("holder") or ""})


def item_form(item: dict | None, field_name: str) -> Form:
    item = item or {}
    return Form({key: str(item.get(key) or "") for key in ITEM_KEYS[field_name]})
