"""Working days: weekends, Korean public holidays with substitute holidays, company holidays, half days."""
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ess.leave.calendar import COMPANY_HOLIDAY, HOLIDAY, WEEKEND, CompanyHoliday, WorkCalendar, parse_work_week

KR = WorkCalendar(country="KR")


def test_seollal_2026_week_counts_only_thursday_and_friday():
    count = KR.count(date(2026, 2, 16), date(2026, 2, 20))
    assert count.days == 2.0
    assert [(e.date.isoformat(), e.reason, e.name) for e in count.excluded] == [
        ("2026-02-16", HOLIDAY, "설날 전날"),
        ("2026-02-17", HOLIDAY, "설날"),
        ("2026-02-18", HOLIDAY, "설날 다음날"),
    ]


def test_seollal_2027_on_a_weekend_gives_a_substitute_holiday():
    # 2027-02-06..08 is Sat–Mon; the Sunday 설날 moves a holiday to Tuesday 02-09 (대체 휴일).
    count = KR.count(date(2027, 2, 5), date(2027, 2, 12))
    assert count.days == 4.0  # Fri 5th, Wed 10th, Thu 11th, Fri 12th
    names = {e.date: e.name for e in count.excluded}
    assert names[date(2027, 2, 9)] == "설날 대체 휴일"
    assert names[date(2027, 2, 7)] == "설날"  # a holiday on a Sunday is named as a holiday, not a weekend


def test_chuseok_2025_with_substitute_holiday_and_hangul_day():
    # 10-03 개천절 (Fri), 10-05..07 추석 (Sun–Tue), 10-08 substitute, 10-09 한글날: only 10-10 is worked.
    count = KR.count(date(2025, 10, 1), date(2025, 10, 10))
    assert count.days == 3.0  # 10-01, 10-02, 10-10
    assert KR.exclusion(date(2025, 10, 8)).name == "추석 대체 휴일"


def test_substitute_holiday_names_in_english():
    english = WorkCalendar(country="KR", language="en")
    assert english.exclusion(date(2026, 10, 5)).name == "Alternative holiday for National Foundation Day"
    assert english.exclusion(date(2026, 9, 25)).name == "Chuseok"


def test_chuseok_2026_weekend_days_named_as_holiday():
    count = KR.count(date(2026, 9, 21), date(2026, 9, 30))
    # 9-24 Thu, 9-25 Fri holidays; 9-26 Sat is 추석 다음날; worked: 21, 22, 23, 28, 29, 30.
    assert count.days == 6.0


def test_range_across_new_year_counts_both_years_weekends_and_holidays():
    count = KR.count(date(2026, 12, 28), date(2027, 1, 8))
    # Dec 28–31 (4), Jan 1 holiday, Jan 2–3 weekend, Jan 4–8 (5)
    assert count.days == 9.0
    reasons = {e.date: e.reason for e in count.excluded}
    assert reasons[date(2027, 1, 1)] == HOLIDAY
    assert reasons[date(2027, 1, 2)] == WEEKEND and reasons[date(2027, 1, 3)] == WEEKEND


def test_half_days_at_start_and_end():
    assert KR.count(date(2026, 3, 3), date(2026, 3, 6), start_half=True).days == 3.5
    assert KR.count(date(2026, 3, 3), date(2026, 3, 6), start_half=True, end_half=True).days == 3.0
    assert KR.count(date(2026, 3, 3), date(2026, 3, 3), start_half=True).days == 0.5


def test_half_day_on_a_holiday_counts_nothing():
    assert KR.count(date(2026, 2, 17), date(2026, 2, 17), start_half=True).days == 0.0
    # Ends the morning of 3-02 (substitute holiday for 삼일절): that half day is 0, not 0.5 or 1.5.
    assert KR.count(date(2026, 2, 26), date(2026, 3, 2), end_half=True).days == 2.0
    # Starts the afternoon of a Saturday: 0 for it.
    assert KR.count(date(2026, 3, 7), date(2026, 3, 9), start_half=True).days == 1.0


def test_same_day_afternoon_to_morning_is_impossible():
    with pytest.raises(ValueError):
        KR.count(date(2026, 3, 3), date(2026, 3, 3), start_half=True, end_half=True)
    with pytest.raises(ValueError):
        KR.count(date(2026, 3, 4), date(2026, 3, 3))


def test_company_holidays_and_work_week():
    calendar = WorkCalendar(work_week="1,2,3,4,5,6", country="KR",
                            company_holidays=[CompanyHoliday(5, 1, "근로자의 날", "Workers' Day")])
    count = calendar.count(date(2026, 4, 27), date(2026, 5, 3))
    assert count.days == 5.0  # Mon–Sat minus 5-01; Sunday off
    assert [(e.reason, e.name) for e in count.excluded] == [(COMPANY_HOLIDAY, "근로자의 날"), (WEEKEND, None)]
    once = CompanyHoliday(7, 7, "창립기념일", year=2026)
    assert once.on(2026) == date(2026, 7, 7) and once.on(2027) is None


def test_no_country_means_no_public_holidays():
    assert WorkCalendar(country=None).count(date(2026, 2, 16), date(2026, 2, 20)).days == 5.0


def test_work_week_parsing():
    assert parse_work_week("1, 2,3") == {1, 2, 3}
    with pytest.raises(ValueError):
        parse_work_week("0,8")


dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@settings(max_examples=200, deadline=None)
@given(start=dates, length=st.integers(0, 60), cut=st.integers(0, 60), start_half=st.booleans(),
       end_half=st.booleans())
def test_a_range_equals_the_sum_of_its_parts_split_anywhere(start, length, cut, start_half, end_half):
    end = start + timedelta(days=length)
    if start == end and start_half and end_half:
        return
    cut = min(cut, length)
    split = start + timedelta(days=cut)  # the first part ends on `split`, the second starts the day after
    whole = KR.count(start, end, start_half, end_half).days
    if split == end:
        assert whole == KR.count(start, end, start_half, end_half).days
        return
    first = KR.count(start, split, start_half, False).days
    second = KR.count(split + timedelta(days=1), end, False, end_half).days
    assert whole == first + second


@settings(max_examples=200, deadline=None)
@given(start=dates, length=st.integers(0, 400), start_half=st.booleans(), end_half=st.booleans(),
       week=st.sets(st.integers(1, 7)))
def test_days_never_exceed_calendar_days(start, length, start_half, end_half, week):
    end = start + timedelta(days=length)
    if start == end and start_half and end_half:
        return
    count = WorkCalendar(work_week=frozenset(week), country="KR").count(start, end, start_half, end_half)
    assert 0 <= count.days <= length + 1
    assert count.calendar_days == length + 1
