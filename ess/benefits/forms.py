"""Parsing the benefits forms: typed values plus the errors by field, keeping what was typed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l


def parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()) if (text or "").strip() else None
    except ValueError:
        return None


def parse_month(text: str | None) -> date | None:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


@dataclass
class EnrolForm:
    typed: dict
    errors: dict = field(default_factory=dict)

    @property
    def waive(self) -> bool:
        return self.typed["choice"] == "waive"

    @classmethod
    def parse(cls, form) -> EnrolForm:
        typed = {key: (form.get(key) or "").strip() for key in ("plan", "window", "coverage")}
        option, _, level = typed["coverage"].partition(":")
        typed["choice"] = "waive" if typed["coverage"] == "waive" else "enrol"
        typed["option"], typed["level"] = ("", "") if typed["choice"] == "waive" else (option, level)
        typed["dependents"] = [value for value in form.getlist("dependents") if value]
        return cls(typed=typed)


@dataclass
class LifeEventForm:
    typed: dict
    errors: dict = field(default_factory=dict)
    event_date: date | None = None

    @classmethod
    def parse(cls, form) -> LifeEventForm:
        typed = {key: (form.get(key) or "").strip() for key in ("kind", "event_date", "note")}
        parsed = cls(typed=typed, event_date=parse_date(typed["event_date"]))
        if typed["event_date"] and parsed.event_date is None:
            parsed.errors["event_date"] = _l("Enter a date as YYYY-MM-DD.")
        return parsed
