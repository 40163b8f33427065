"""policies/benefits.toml: plans, options, coverage levels, monthly costs, eligibility and windows.

A bad file fails with a PolicyError naming the file, the key and what is wrong, when it is first read.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app, has_app_context
from ess.policy_files import read_policy

EFFECTIVE_RULES = ("first_of_next_month", "next_day", "next_year")
CATEGORIES = ("insurance", "checkup", "points", "pension", "custom")
RELATIONS = ("spouse", "child", "parent", "sibling", "grandparent", "grandchild", "other")


class PolicyError(Exception):
    """policies/benefits.toml is missing or wrong; the message says where."""


def _localized(locale) -> bool:
    return str(locale or "ko").startswith("ko")


@dataclass(frozen=True)
class Name:
    ko: str
    en: str

    def __call__(self, locale="ko") -> str:
        return self.ko if _localized(locale) else self.en


@dataclass(frozen=True)
class Cost:
    employee: int = 0
    company: int = 0

    @property
    def total(self) -> int:
        return self.employee + self.company

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.employee + other.employee, self.company + other.company)


@dataclass(frozen=True)
class Level:
    code: str
    name: Name
    covers: tuple[str, ...] = ()
    max: dict = field(default_factory=dict)
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    code: str
    name: Name
    costs: dict  # level code → Cost

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(self.costs)


@dataclass(frozen=True)
class Plan:
    code: str
    name: Name
    category: str
    options: dict  # code → Option
    eligible_after_days: int = 0
    waivable: bool = True
    description: Name | None = None

    def option(self, code: str | None) -> Option | None:
        return self.options.get(code or "")


@dataclass(frozen=True)
class LifeEventType:
    code: str
    name: Name
    days: int
    document: bool


@dataclass(frozen=True)
class BenefitsPolicy:
    plans: dict  # code → Plan
    levels: dict  # code → Level
    life_events: dict  # code → LifeEventType
    open_start: tuple[int, int] = (11, 1)
    open_end: tuple[int, int] = (11, 30)
    open_effective: str = "first_of_next_month"
    new_hire_days: int = 30
    effective: str = "first_of_next_month"
    document_max_bytes: int = 5 * 1024 * 1024
    document_types: tuple[str, ...] = ("application/pdf", "image/png", "image/jpeg")
    reminder_days: tuple[int, ...] = (7, 1)

    def plan(self, code: str | None) -> Plan | None:
        return self.plans.get(code or "")

    def level(self, code: str | None) -> Level | None:
        return self.levels.get(code or "")

    def open_period(self, year: int) -> tuple[date, date]:
        start = date(year, *self.open_start)
        end = date(year, *self.open_end)
        if end < start:  # a period across New Year (e.g. 12-01 to 01-15)
            end = date(year + 1, *self.open_end)
        return start, end


def _expect(value, kind, where: str):
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        names = {str: "text", bool: "true or false", int: "a whole number", dict: "a table", list: "a list"}
        raise PolicyError(f"{where}: expected {names.get(kind, kind.__name__)}, got {value!r}")
    return value


def _name(raw, where: str) -> Name:
    raw = _expect(raw, dict, where)
    if not isinstance(raw.get("ko"), str) or not isinstance(raw.get("en"), str):
        raise PolicyError(f"{where}: give both ko and en, e.g. name = {{ ko = \"치과보험\", en = \"Dental\" }}")
    return Name(raw["ko"], raw["en"])


def _month_day(value, where: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        date(2024, month, day)
    except ValueError:
        raise PolicyError(f"{where}: expected MM-DD, got {value!r}") from None
    return month, day


def _won(value, where: str) -> int:
    value = _expect(value, int, where)
    if value < 0:
        raise PolicyError(f"{where}: expected won (0 or more), got {value}")
    return value


def _unknown(raw: dict, allowed: set, where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")


def _rule(value, where: str) -> str:
    if value not in EFFECTIVE_RULES:
        raise PolicyError(f"{where}: expected one of {', '.join(EFFECTIVE_RULES)}, got {value!r}")
    return value


def _level(code: str, raw, where: str) -> Level:
    raw = _expect(raw, dict, where)
    _unknown(raw, {"name", "covers", "max", "requires"}, where)
    covers = tuple(_expect(raw.get("covers", []), list, f"{where}.covers"))
    for relation in covers:
        if relation not in RELATIONS:
            raise PolicyError(f"{where}.covers: {relation!r} is not a dependent relation ({', '.join(RELATIONS)})")
    limits = {k: _expect(v, int, f"{where}.max.{k}") for k, v in _expect(raw.get("max", {}), dict,
                                                                        f"{where}.max").items()}
    requires = tuple(_expect(raw.get("requires", []), list, f"{where}.requires"))
    for relation in (*limits, *requires):
        if relation not in covers:
            raise PolicyError(f"{where}: {relation!r} is limited or required but not in covers")
    return Level(code, _name(raw.get("name"), f"{where}.name"), covers, limits, requires)


def _plan(code: str, raw, levels: dict, where: str) -> Plan:
    raw = _expect(raw, dict, where)
    _unknown(raw, {"name", "category", "eligible_after_days", "waivable", "description", "options"}, where)
    category = raw.get("category", "custom")
    if category not in CATEGORIES:
        raise PolicyError(f"{where}.category: expected one of {', '.join(CATEGORIES)}, got {category!r}")
    options = {}
    for option_code, option_raw in _expect(raw.get("options", {}), dict, f"{where}.options").items():
        here = f"{where}.options.{option_code}"
        option_raw = _expect(option_raw, dict, here)
        _unknown(option_raw, {"name", "costs"}, here)
        costs = {}
        for level_code, cost in _expect(option_raw.get("costs", {}), dict, f"{here}.costs").items():
            if level_code not in levels:
                raise PolicyError(f"{here}.costs: {level_code!r} is not a level under [levels]")
            cost = _expect(cost, dict, f"{here}.costs.{level_code}")
            _unknown(cost, {"employee", "company"}, f"{here}.costs.{level_code}")
            costs[level_code] = Cost(_won(cost.get("employee", 0), f"{here}.costs.{level_code}.employee"),
                                     _won(cost.get("company", 0), f"{here}.costs.{level_code}.company"))
        if not costs:
            raise PolicyError(f"{here}.costs: give the cost of at least one level")
        options[option_code] = Option(option_code, _name(option_raw.get("name"), f"{here}.name"), costs)
    if not options:
        raise PolicyError(f"{where}: define at least one option under [plans.{code}.options.CODE]")
    after = _expect(raw.get("eligible_after_days", 0), int, f"{where}.eligible_after_days")
    description = raw.get("description")
    return Plan(code, _name(raw.get("name"), f"{where}.name"), category, options, after,
                _expect(raw.get("waivable", True), bool, f"{where}.waivable"),
                _name(description, f"{where}.description") if description is not None else None)


def parse_policy(text: str, source: str = "benefits.toml") -> BenefitsPolicy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{source}: not valid TOML: {error}") from None
    _unknown(data, {"settings", "open_enrolment", "new_hire", "life_events", "levels", "plans"}, source)
    settings = _expect(data.get("settings", {}), dict, f"{source} [settings]")
    _unknown(settings, {"effective", "document_max_kb", "document_types", "reminder_days"}, f"{source} [settings]")
    levels = {code: _level(code, raw, f"{source} [levels.{code}]")
              for code, raw in _expect(data.get("levels", {}), dict, f"{source} [levels]").items()}
    if not levels:
        raise PolicyError(f"{source}: define at least one coverage level under [levels.CODE]")
    plans = {code: _plan(code, raw, levels, f"{source} [plans.{code}]")
             for code, raw in _expect(data.get("plans", {}), dict, f"{source} [plans]").items()}
    if not plans:
        raise PolicyError(f"{source}: define at least one plan under [plans.CODE]")
    events = {}
    for code, raw in _expect(data.get("life_events", {}), dict, f"{source} [life_events]").items():
        where = f"{source} [life_events.{code}]"
        raw = _expect(raw, dict, where)
        _unknown(raw, {"name", "days", "document"}, where)
        events[code] = LifeEventType(code, _name(raw.get("name"), f"{where}.name"),
                                     _expect(raw.get("days", 30), int, f"{where}.days"),
                                     _expect(raw.get("document", False), bool, f"{where}.document"))
    opened = _expect(data.get("open_enrolment", {}), dict, f"{source} [open_enrolment]")
    _unknown(opened, {"start", "end", "effective"}, f"{source} [open_enrolment]")
    hire = _expect(data.get("new_hire", {}), dict, f"{source} [new_hire]")
    _unknown(hire, {"days"}, f"{source} [new_hire]")
    effective = _rule(settings.get("effective", "first_of_next_month"), f"{source} [settings].effective")
    reminder = tuple(_expect(settings.get("reminder_days", [7, 1]), list, f"{source} [settings].reminder_days"))
    if not all(isinstance(d, int) and d >= 0 for d in reminder):
        raise PolicyError(f"{source} [settings].reminder_days: expected whole numbers of days, got {list(reminder)!r}")
    return BenefitsPolicy(
        plans=plans, levels=levels, life_events=events,
        open_start=_month_day(opened.get("start", "11-01"), f"{source} [open_enrolment].start"),
        open_end=_month_day(opened.get("end", "11-30"), f"{source} [open_enrolment].end"),
        open_effective=_rule(opened.get("effective", effective), f"{source} [open_enrolment].effective"),
        new_hire_days=_expect(hire.get("days", 30), int, f"{source} [new_hire].days"),
        effective=effective,
        document_max_bytes=1024 * _expect(settings.get("document_max_kb", 5120), int,
                                          f"{source} [settings].document_max_kb"),
        document_types=tuple(_expect(settings.get("document_types", list(BenefitsPolicy.document_types)), list,
                                     f"{source} [settings].document_types")),
        reminder_days=tuple(sorted(set(reminder), reverse=True)),
    )


def load_policy(path: str | Path) -> BenefitsPolicy:
    return read_policy(path, parse_policy, PolicyError(f"{path}: the benefits policy file is missing"))


def benefits_policy() -> BenefitsPolicy:
    """The policy of the running app (ESS_POLICIES_DIR/benefits.toml), re-read when the file changes."""
    base = current_app.config["POLICIES_DIR"] if has_app_context() else Path(__file__).parents[2] / "policies"
    return load_policy(Path(base) / "benefits.toml")
