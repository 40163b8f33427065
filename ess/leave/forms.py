"""Parsing the leave forms: typed values plus the errors by field, keeping what was typed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l


def parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()) if (text or "").strip() else None
    except ValueError:
        return None


@dataclass
class RequestForm:
    typed: dict
    errors: dict = field(default_factory=dict)
    leave_type: str = ""
    start: date | None = None
    end: date | None = None
    start_half: bool = False
    end_half: bool = False
    reason: str = ""

    @classmethod
    def parse(cls, form) -> RequestForm:
        typed = {key: form.get(key, "") for key in ("leave_type", "start", "end", "reason")}
        typed["start_half"] = form.get("start_half") in ("pm", "1", "on")
        typed["end_half"] = form.get("end_half") in ("am", "1", "on")
        parsed = cls(typed=typed, leave_type=typed["leave_type"], start_half=typed["start_half"],
                     end_half=typed["end_half"], reason=typed["reason"])
        parsed.start = parse_date(typed["start"])
        if typed["start"] and parsed.start is None:
            parsed.errors["start"] = _l("Enter a date as YYYY-MM-DD.")
        parsed.end = parse_date(typed["end"]) or parsed.start
        if typed["end"] and parse_date(typed["end"]) is None:
            parsed.errors["end"] = _l("Enter a date as YYYY-MM-DD.")
        return parsed


@dataclass
class AdjustmentForm:
    typed: dict
    errors: dict = field(default_factory=dict)
    days: float | None = None
    expires_on: date | None = None

    @classmethod
    def parse(cls, form) -> AdjustmentForm:
        typed = {key: form.get(key, "").strip() for key in ("employee_no", "leave_type", "days", "reason",
                                                             "expires_on")}
        parsed = cls(typed=typed)
        try:
            parsed.days = float(typed["days"]) if typed["days"] else None
        except ValueError:
            parsed.errors["days"] = _l("Enter days in half-day steps, e.g. 1.5 or -2.")
        if typed["expires_on"]:
            parsed.expires_on = parse_date(typed["expires_on"])
            if parsed.expires_on is None:
                parsed.errors["expires_on"] = _l("Enter a date as YYYY-MM-DD.")
        if not typed["employee_no"]:
            parsed.errors["employee_no"] = _l("Enter the employee number.")
        return parsed
