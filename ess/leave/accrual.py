"""Accrual, pure: which grants an employee is due up to a date under a rule. No database, no Flask.

Every grant has a stable `key`, so writing grants is idempotent: the ledger keeps one row per
(employee, leave type, key) and a second run finds nothing new.

Korean statutory annual leave (근로기준법 제60조), hire-date basis:
  - first year: 1 day for each completed month of service (on the same day of the following months,
    the last day of a shorter month standing in), at most 11, all expiring one year after hire;
  - on each anniversary n (n ≥ 1): 15 + ⌊(n − 1) / 2⌋ days, at most 25, expiring one year later.
Fiscal-year basis (회계연도 기준): the first-year monthly days as above; on the first fiscal-year start
after hire 15 days pro-rated by the share of that fiscal year worked (rounded up to a half day); on each
later fiscal-year start 15 + ⌊(n − 1) / 2⌋ with n the full fiscal years worked; each expires at the next
fiscal-year start. A hire on the fiscal-year start is the hire-date basis.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

STATUTORY_KR = "statutory_kr"
FIXED_YEARLY = "fixed_yearly"
MONTHLY = "monthly"
NONE = "none"
RULES = (STATUTORY_KR, FIXED_YEARLY, MONTHLY, NONE)
HIRE_DATE = "hire_date"
FISCAL_YEAR = "fiscal_year"


@dataclass(frozen=True)
class AccrualRule:
    kind: str = NONE
    basis: str = HIRE_DATE  # statutory_kr: hire_date | fiscal_year
    fiscal_year_start: tuple[int, int] = (1, 1)
    days: float = 0.0  # fixed_yearly: days a year
    days_per_month: float = 0.0  # monthly
    grant_on: tuple[int, int] = (1, 1)  # fixed_yearly: month, day of the yearly grant
    prorate: bool = True  # fixed_yearly / monthly: pro-rate the joiner's first period
    expires_after_months: int | None = 12  # fixed_yearly / monthly; None = never

    @property
    def accrues(self) -> bool:
        return self.kind != NONE


@dataclass(frozen=True)
class Grant:
    key: str
    granted_on: date
    days: float
    expires_on: date | None  # first day on which the grant can no longer be used
    note: str  # what it is, e.g. "month:3", "anniversary:2", "prorated", "year", "month"


def add_months(start: date, months: int) -> date:
    """`start` plus whole months, counted from `start` (01-31 + 1 month = 02-28 or 02-29; + 2 = 03-31)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last = _days_in_month(year, month)
    return date(year, month, min(start.day, last))


def add_years(start: date, years: int) -> date:
    return add_months(start, 12 * years)


def _days_in_month(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def round_up_half(value: float) -> float:
    return math.ceil(round(value * 2, 9)) / 2


def statutory_days(years_of_service: int) -> float:
    """Days granted at the n-th anniversary (n ≥ 1): 15 + ⌊(n − 1) / 2⌋, at most 25."""
    if years_of_service < 1:
        raise ValueError("years of service start at 1")
    return float(min(25, 15 + (years_of_service - 1) // 2))


def grants_due(rule: AccrualRule, hire_date: date | None, up_to: date) -> list[Grant]:
    """Every grant the rule gives from hire up to and including `up_to`, oldest first."""
    if hire_date is None or not rule.accrues or up_to < hire_date:
        return []
    if rule.kind == STATUTORY_KR:
        if rule.basis == FISCAL_YEAR:
            return _statutory_fiscal(hire_date, up_to, rule.fiscal_year_start)
        return _statutory_hire(hire_date, up_to)
    if rule.kind == FIXED_YEARLY:
        return _fixed_yearly(rule, hire_date, up_to)
    if rule.kind == MONTHLY:
        return _monthly(rule, hire_date, up_to)
    raise ValueError(f"unknown accrual rule {rule.kind!r}")


def _first_year_months(hire: date, up_to: date) -> list[Grant]:
    grants = []
    expires = add_years(hire, 1)
    for month in range(1, 12):
        on = add_months(hire, month)
        if on > up_to:
            break
        grants.append(Grant(f"month:{on.isoformat()}", on, 1.0, expires, f"month:{month}"))
    return grants


def _statutory_hire(hire: date, up_to: date) -> list[Grant]:
    grants = _first_year_months(hire, up_to)
    years = 1
    while (on := add_years(hire, years)) <= up_to:
        grants.append(Grant(f"anniversary:{on.isoformat()}", on, statutory_days(years), add_years(hire, years + 1),
                            f"anniversary:{years}"))
        years += 1
    return grants


def _fiscal_start_after(day: date, start: tuple[int, int]) -> date:
    candidate = date(day.year, *start)
    return candidate if candidate > day else date(day.year + 1, *start)


def _statutory_fiscal(hire: date, up_to: date, start: tuple[int, int]) -> list[Grant]:
    if (hire.month, hire.day) == start:
        return _statutory_hire(hire, up_to)
    grants = _first_year_months(hire, up_to)
    first = _fiscal_start_after(hire, start)
    previous = date(first.year - 1, *start)
    share = (first - hire).days / (first - previous).days
    k = 1
    while (on := date(first.year + k - 1, *start)) <= up_to:
        expires = date(on.year + 1, *start)
        if k == 1:
            grants.append(Grant(f"fiscal:{on.isoformat()}", on, round_up_half(15 * share), expires, "prorated"))
        else:
            grants.append(Grant(f"fiscal:{on.isoformat()}", on, statutory_days(k - 1), expires, f"fiscal:{k - 1}"))
        k += 1
    return grants


def _expiry(rule: AccrualRule, on: date) -> date | None:
    return None if rule.expires_after_months is None else add_months(on, rule.expires_after_months)


def _fixed_yearly(rule: AccrualRule, hire: date, up_to: date) -> list[Grant]:
    grants = []
    first = date(hire.year, *rule.grant_on)
    if first < hire:
        first = date(hire.year + 1, *rule.grant_on)
    if rule.prorate and first != hire:
        previous = date(first.year - 1, *rule.grant_on)
        share = (first - hire).days / (first - previous).days
        days = round_up_half(rule.days * share)
        if days > 0:
            expires = first if rule.expires_after_months is not None else None
            grants.append(Grant(f"year:{hire.isoformat()}", hire, days, expires, "prorated"))
    year = first.year
    while (on := date(year, *rule.grant_on)) <= up_to:
        grants.append(Grant(f"year:{on.isoformat()}", on, float(rule.days), _expiry(rule, on), "year"))
        year += 1
    return grants


def _monthly(rule: AccrualRule, hire: date, up_to: date) -> list[Grant]:
    grants = []
    if hire.day != 1 and rule.prorate:
        days_in = _days_in_month(hire.year, hire.month)
        days = round_up_half(rule.days_per_month * (days_in - hire.day + 1) / days_in)
        if days > 0:
            grants.append(Grant(f"month:{hire.isoformat()}", hire, days, _expiry(rule, hire), "prorated"))
    on = hire if hire.day == 1 else add_months(date(hire.year, hire.month, 1), 1)
    while on <= up_to:
        grants.append(Grant(f"month:{on.isoformat()}", on, float(rule.days_per_month), _expiry(rule, on), "month"))
        on = add_months(on, 1)
    return grants
