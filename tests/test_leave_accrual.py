"""Accrual rules, pure: Korean statutory annual leave (hire-date and fiscal-year basis), fixed, monthly."""
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ess.leave.accrual import (
    FISCAL_YEAR, FIXED_YEARLY, MONTHLY, STATUTORY_KR, AccrualRule, add_months, grants_due, statutory_days,
)

STATUTORY = AccrualRule(kind=STATUTORY_KR)


def summary(grants):
    return [(g.granted_on.isoformat(), g.days, g.expires_on.isoformat() if g.expires_on else None) for g in grants]


def test_first_year_one_day_per_completed_month_up_to_eleven():
    grants = grants_due(STATUTORY, date(2025, 3, 2), date(2026, 3, 1))
    assert len(grants) == 11
    assert grants[0].granted_on == date(2025, 4, 2) and grants[-1].granted_on == date(2026, 2, 2)
    assert {g.days for g in grants} == {1.0}
    assert {g.expires_on for g in grants} == {date(2026, 3, 2)}
    # Before the first month is complete: nothing.
    assert grants_due(STATUTORY, date(2025, 3, 2), date(2025, 4, 1)) == []


def test_anniversaries_fifteen_plus_one_every_two_years_capped_at_twenty_five():
    grants = [g for g in grants_due(STATUTORY, date(2000, 1, 10), date(2030, 1, 10)) if g.note.startswith("anniv")]
    days = [g.days for g in grants]
    assert days[:6] == [15, 15, 16, 16, 17, 17]
    assert days[20] == 25 and days[21] == 25 and max(days) == 25 and len(days) == 30
    first = grants[0]
    assert (first.granted_on, first.expires_on) == (date(2001, 1, 10), date(2002, 1, 10))


@pytest.mark.parametrize("years, days", [(1, 15), (2, 15), (3, 16), (4, 16), (5, 17), (21, 25), (22, 25), (40, 25)])
def test_statutory_days_table(years, days):
    assert statutory_days(years) == days


@pytest.mark.parametrize("hire, up_to, expected_years", [
    (date(2019, 1, 2), date(2026, 11, 22), 7),
    (date(2022, 11, 7), date(2026, 11, 22), 4),
    (date(2025, 8, 4), date(2026, 11, 22), 1),
])
def test_hire_dates_across_several_years(hire, up_to, expected_years):
    grants = grants_due(STATUTORY, hire, up_to)
    anniversaries = [g for g in grants if g.note.startswith("anniversary")]
    assert len(anniversaries) == expected_years
    assert len([g for g in grants if g.note.startswith("month")]) == 11
    assert anniversaries[-1].days == statutory_days(expected_years)
    # Keys are unique: the ledger writes each grant once.
    assert len({g.key for g in grants}) == len(grants)


def test_month_end_hire_uses_the_last_day_of_shorter_months():
    grants = grants_due(STATUTORY, date(2025, 1, 31), date(2025, 12, 31))
    assert [g.granted_on for g in grants[:4]] == [date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30),
                                                   date(2025, 5, 31)]


def test_leap_day_hire():
    grants = grants_due(STATUTORY, date(2024, 2, 29), date(2029, 3, 1))
    anniversaries = [g for g in grants if g.note.startswith("anniversary")]
    assert [g.granted_on for g in anniversaries] == [date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28),
                                                      date(2028, 2, 29), date(2029, 2, 28)]
    assert grants[0].granted_on == date(2024, 3, 29)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_fiscal_year_basis_prorates_the_first_year():
    rule = AccrualRule(kind=STATUTORY_KR, basis=FISCAL_YEAR, fiscal_year_start=(1, 1))
    grants = grants_due(rule, date(2025, 7, 1), date(2028, 1, 1))
    fiscal = [g for g in grants if not g.note.startswith("month")]
    # 2025-07-01..12-31 is 184 of 365 days: 15 × 184/365 = 7.56 → 8 (rounded up to a half day)
    assert summary(fiscal) == [("2026-01-01", 8.0, "2027-01-01"), ("2027-01-01", 15.0, "2028-01-01"),
                               ("2028-01-01", 15.0, "2029-01-01")]
    assert len(grants) - len(fiscal) == 11


def test_fiscal_year_basis_hired_on_the_fiscal_start_is_the_hire_basis():
    rule = AccrualRule(kind=STATUTORY_KR, basis=FISCAL_YEAR, fiscal_year_start=(1, 1))
    assert grants_due(rule, date(2025, 1, 1), date(2027, 6, 1)) == grants_due(STATUTORY, date(2025, 1, 1),
                                                                               date(2027, 6, 1))


def test_fixed_yearly_with_prorated_first_year():
    rule = AccrualRule(kind=FIXED_YEARLY, days=3, grant_on=(1, 1), prorate=True, expires_after_months=12)
    grants = grants_due(rule, date(2026, 7, 1), date(2027, 1, 1))
    # 184 of 365 days × 3 = 1.51 → 2 (rounded up to a half day)
    assert summary(grants) == [("2026-07-01", 2.0, "2027-01-01"), ("2027-01-01", 3.0, "2028-01-01")]


def test_monthly_with_prorated_joining_month():
    rule = AccrualRule(kind=MONTHLY, days_per_month=1, prorate=True, expires_after_months=None)
    grants = grants_due(rule, date(2026, 3, 16), date(2026, 5, 1))
    assert summary(grants) == [("2026-03-16", 1.0, None), ("2026-04-01", 1.0, None), ("2026-05-01", 1.0, None)]
    grants = grants_due(rule, date(2026, 3, 20), date(2026, 3, 31))
    assert grants[0].days == 0.5  # 12 of 31 days × 1 = 0.39 → 0.5


@settings(max_examples=100, deadline=None)
@given(hire=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)), years=st.integers(0, 30))
def test_accrual_is_idempotent_and_monotonic(hire, years):
    up_to = add_months(hire, 12 * years + 5)
    first = grants_due(STATUTORY, hire, up_to)
    assert first == grants_due(STATUTORY, hire, up_to)
    later = grants_due(STATUTORY, hire, add_months(up_to, 13))
    assert later[: len(first)] == first
    assert all(g.granted_on <= up_to for g in first)
