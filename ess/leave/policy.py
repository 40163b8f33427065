"""policies/leave.toml: leave types and their rules, the work week, company holidays.

A bad file fails with a PolicyError that names the file, the key and what is wrong, when the policy is
first read (not with a KeyError deep inside a request).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app, has_app_context

from ess.leave.accrual import FISCAL_YEAR, FIXED_YEARLY, HIRE_DATE, MONTHLY, NONE, RULES, STATUTORY_KR, AccrualRule
from ess.leave.calendar import CompanyHoliday, WorkCalendar
from ess.policy_files import read_policy

UNITS = ("day", "half_day")


class PolicyError(Exception):
    """policies/leave.toml is missing or wrong; the message says where."""


@dataclass(frozen=True)
class LeaveType:
    code: str
    name_ko: str
    name_en: str
    unit: str = "half_day"
    paid: bool = True
    allow_negative: bool = False
    tracks_balance: bool = True
    max_days: float = 0
    document_from_days: float = 0
    accrual: AccrualRule = field(default_factory=AccrualRule)
    carry_over_days: float = 0
    carry_over_months: int = 12

    @property
    def allows_half_days(self) -> bool:
        return self.unit == "half_day"

    def name(self, locale: str = "ko") -> str:
        return self.name_ko if str(locale).startswith("ko") else self.name_en

    def needs_document(self, days: float) -> bool:
        return self.document_from_days > 0 and days >= self.document_from_days


@dataclass(frozen=True)
class LeavePolicy:
    types: dict[str, LeaveType]
    holiday_country: str = "KR"
    work_week: tuple[int, ...] = (1, 2, 3, 4, 5)
    past_limit_days: int = 30
    attachment_max_bytes: int = 5 * 1024 * 1024
    attachment_types: tuple[str, ...] = ("application/pdf", "image/png", "image/jpeg")
    company_holidays: tuple[CompanyHoliday, ...] = ()

    def type(self, code: str) -> LeaveType | None:
        return self.types.get(code)

    def calendar_for(self, employee, language: str = "ko") -> WorkCalendar:
        work_week = getattr(employee, "work_week", None) or ",".join(str(d) for d in self.work_week)
        return WorkCalendar(work_week=work_week, country=getattr(employee, "country", None) or self.holiday_country,
                            subdivision=getattr(employee, "subdivision", None),
                            company_holidays=self.company_holidays, language=language)


def _month_day(value, where: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        date(2024, month, day)
    except ValueError:
        raise PolicyError(f"{where}: expected MM-DD, got {value!r}") from None
    return month, day


def _expect(value, kind, where: str):
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        names = {str: "text", bool: "true or false", float: "a number", int: "a whole number", dict: "a table",
                 list: "a list"}
        raise PolicyError(f"{where}: expected {names.get(kind, kind.__name__)}, got {value!r}")
    return value


def _half_steps(value: float, where: str) -> float:
    if value < 0 or value * 2 != int(value * 2):
        raise PolicyError(f"{where}: expected a non-negative number of days in half-day steps, got {value!r}")
    return value


def _accrual(raw: dict, where: str) -> AccrualRule:
    raw = dict(_expect(raw, dict, where))
    rule = raw.pop("rule", NONE)
    if rule not in RULES:
        raise PolicyError(f"{where}.rule: expected one of {', '.join(RULES)}, got {rule!r}")
    values: dict = {"kind": rule}
    allowed = {
        STATUTORY_KR: {"basis", "fiscal_year_start"},
        FIXED_YEARLY: {"days", "grant_on", "prorate", "expires_after_months"},
        MONTHLY: {"days_per_month", "prorate", "expires_after_months"},
        NONE: set(),
    }[rule]
    unknown = set(raw) - allowed
    if unknown:
        raise PolicyError(f"{where}: {', '.join(sorted(unknown))} not understood for rule {rule!r}")
    if "basis" in raw:
        if raw["basis"] not in (HIRE_DATE, FISCAL_YEAR):
            raise PolicyError(f"{where}.basis: expected hire_date or fiscal_year, got {raw['basis']!r}")
        values["basis"] = raw["basis"]
    if "fiscal_year_start" in raw:
        values["fiscal_year_start"] = _month_day(raw["fiscal_year_start"], f"{where}.fiscal_year_start")
    if "grant_on" in raw:
        values["grant_on"] = _month_day(raw["grant_on"], f"{where}.grant_on")
    for key in ("days", "days_per_month"):
        if key in raw:
            values[key] = _half_steps(_expect(raw[key], float, f"{where}.{key}"), f"{where}.{key}")
    if "prorate" in raw:
        values["prorate"] = _expect(raw["prorate"], bool, f"{where}.prorate")
    if rule in (FIXED_YEARLY, MONTHLY):
        values["expires_after_months"] = None
    if "expires_after_months" in raw:
        months = _expect(raw["expires_after_months"], int, f"{where}.expires_after_months")
        if months < 1:
            raise PolicyError(f"{where}.expires_after_months: expected at least 1, got {months}")
        values["expires_after_months"] = months
    if rule == FIXED_YEARLY and not values.get("days"):
        raise PolicyError(f"{where}.days: a fixed_yearly rule needs days")
    if rule == MONTHLY and not values.get("days_per_month"):
        raise PolicyError(f"{where}.days_per_month: a monthly rule needs days_per_month")
    return AccrualRule(**values)


TYPE_KEYS = {"name", "unit", "paid", "allow_negative", "tracks_balance", "max_days", "document_from_days",
             "accrual", "carry_over_days", "carry_over_months"}


def _leave_type(code: str, raw: dict, where: str) -> LeaveType:
    raw = _expect(raw, dict, where)
    unknown = set(raw) - TYPE_KEYS
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = _expect(raw.get("name"), dict, f"{where}.name")
    if not isinstance(name.get("ko"), str) or not isinstance(name.get("en"), str):
        raise PolicyError(f"{where}.name: give both ko and en, e.g. name = {{ ko = \"연차\", en = \"Annual leave\" }}")
    unit = raw.get("unit", "half_day")
    if unit not in UNITS:
        raise PolicyError(f"{where}.unit: expected one of {', '.join(UNITS)}, got {unit!r}")
    accrual = _accrual(raw.get("accrual", {"rule": NONE}), f"{where}.accrual")
    tracks = _expect(raw.get("tracks_balance", True), bool, f"{where}.tracks_balance")
    if not tracks and accrual.accrues:
        raise PolicyError(f"{where}: tracks_balance = false cannot have an accrual rule")
    return LeaveType(
        code=code, name_ko=name["ko"], name_en=name["en"], unit=unit,
        paid=_expect(raw.get("paid", True), bool, f"{where}.paid"),
        allow_negative=_expect(raw.get("allow_negative", False), bool, f"{where}.allow_negative"),
        tracks_balance=tracks,
        max_days=_half_steps(_expect(raw.get("max_days", 0), float, f"{where}.max_days"), f"{where}.max_days"),
        document_from_days=_half_steps(_expect(raw.get("document_from_days", 0), float, f"{where}.document_from_days"),
                                       f"{where}.document_from_days"),
        accrual=accrual,
        carry_over_days=_half_steps(_expect(raw.get("carry_over_days", 0), float, f"{where}.carry_over_days"),
                                    f"{where}.carry_over_days"),
        carry_over_months=_expect(raw.get("carry_over_months", 12), int, f"{where}.carry_over_months"),
    )


def parse_policy(text: str, source: str = "leave.toml") -> LeavePolicy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{source}: not valid TOML: {error}") from None
    unknown = set(data) - {"calendar", "company_holidays", "types"}
    if unknown:
        raise PolicyError(f"{source}: unknown section(s) {', '.join(sorted(unknown))}")
    calendar = _expect(data.get("calendar", {}), dict, f"{source} [calendar]")
    types_raw = _expect(data.get("types", {}), dict, f"{source} [types]")
    if not types_raw:
        raise PolicyError(f"{source}: define at least one leave type under [types.CODE]")
    types = {code: _leave_type(code, raw, f"{source} [types.{code}]") for code, raw in types_raw.items()}
    holidays = []
    for index, raw in enumerate(_expect(data.get("company_holidays", []), list, f"{source} [[company_holidays]]")):
        where = f"{source} [[company_holidays]] #{index + 1}"
        raw = _expect(raw, dict, where)
        text_date = str(raw.get("date", ""))
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise PolicyError(f"{where}.name: give the holiday's name")
        if len(text_date) == 10:
            try:
                once = date.fromisoformat(text_date)
            except ValueError:
                raise PolicyError(f"{where}.date: expected MM-DD or YYYY-MM-DD, got {text_date!r}") from None
            holidays.append(CompanyHoliday(once.month, once.day, name, raw.get("name_en"), year=once.year))
        else:
            month, day = _month_day(text_date, f"{where}.date")
            holidays.append(CompanyHoliday(month, day, name, raw.get("name_en")))
    work_week = _expect(calendar.get("work_week", [1, 2, 3, 4, 5]), list, f"{source} [calendar].work_week")
    if not work_week or not all(isinstance(d, int) and 1 <= d <= 7 for d in work_week):
        raise PolicyError(f"{source} [calendar].work_week: expected ISO weekdays 1-7, got {work_week!r}")
    return LeavePolicy(
        types=types,
        holiday_country=str(calendar.get("holiday_country", "KR")).upper(),
        work_week=tuple(work_week),
        past_limit_days=_expect(calendar.get("past_limit_days", 30), int, f"{source} [calendar].past_limit_days"),
        attachment_max_bytes=1024 * _expect(calendar.get("attachment_max_kb", 5120), int,
                                            f"{source} [calendar].attachment_max_kb"),
        attachment_types=tuple(_expect(calendar.get("attachment_types", list(LeavePolicy.attachment_types)), list,
                                       f"{source} [calendar].attachment_types")),
        company_holidays=tuple(holidays),
    )


def load_policy(path: str | Path) -> LeavePolicy:
    return read_policy(path, parse_policy, PolicyError(f"{path}: the leave policy file is missing"))


DEFAULT_FILE = Path(__file__).resolve().parents[2] / "policies" / "leave.toml"
_warned: set[str] = set()


def leave_policy() -> LeavePolicy:
    """The policy of the running app (ESS_POLICIES_DIR/leave.toml), re-read when the file changes.

    A policies folder without leave.toml uses the shipped default (and says so once in the log); a
    leave.toml that is there but wrong is refused with a PolicyError.
    """
    if not has_app_context():
        return load_policy(DEFAULT_FILE)
    path = Path(current_app.config["POLICIES_DIR"]) / "leave.toml"
    if not path.exists() and DEFAULT_FILE.exists():
        if str(path) not in _warned:
            _warned.add(str(path))
            current_app.logger.warning("%s is missing: using the default leave policy %s", path, DEFAULT_FILE)
        path = DEFAULT_FILE
    return load_policy(path)
