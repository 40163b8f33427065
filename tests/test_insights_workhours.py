"""Working hours: weekdays 09:00–18:00 Asia/Seoul, Korean public holidays excluded (pure module)."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from ess.insights.workhours import is_working_day, median_hours, working_hours, working_seconds

SEOUL = ZoneInfo("Asia/Seoul")


def at(*parts):
    return datetime(*parts, tzinfo=SEOUL)


def test_within_one_working_day():
    assert working_hours(at(2026, 11, 24, 10, 0), at(2026, 11, 24, 13, 30)) == 3.5


def test_before_opening_and_after_closing_count_nothing():
    assert working_hours(at(2026, 11, 24, 6, 0), at(2026, 11, 24, 9, 0)) == 0
    assert working_hours(at(2026, 11, 24, 18, 0), at(2026, 11, 24, 23, 0)) == 0
    assert working_hours(at(2026, 11, 24, 7, 0), at(2026, 11, 24, 20, 0)) == 9


def test_across_days_counts_only_office_hours():
    # Tuesday 16:00 → Wednesday 11:00: 2 h + 2 h.
    assert working_hours(at(2026, 11, 24, 16, 0), at(2026, 11, 25, 11, 0)) == 4
    # Monday 09:00 → Friday 18:00: five full days.
    assert working_hours(at(2026, 11, 23, 9, 0), at(2026, 11, 27, 18, 0)) == 45


def test_weekend_is_skipped():
    # Friday 17:00 → Monday 10:00: 1 h on Friday, 1 h on Monday.
    assert working_hours(at(2026, 11, 20, 17, 0), at(2026, 11, 23, 10, 0)) == 2
    assert working_hours(at(2026, 11, 21, 10, 0), at(2026, 11, 22, 17, 0)) == 0
    assert not is_working_day(at(2026, 11, 21, 0, 0).date())


def test_seollal_is_skipped():
    # 설날 2026: 16–18 February (Mon–Wed). Friday 13 Feb 17:00 → Thursday 19 Feb 10:00 = 1 h + 1 h.
    for day in (16, 17, 18):
        assert not is_working_day(at(2026, 2, day, 0, 0).date())
    assert working_hours(at(2026, 2, 13, 17, 0), at(2026, 2, 19, 10, 0)) == 2


def test_chuseok_and_substitute_holiday():
    # 추석 2026: 24–26 September (Thu–Sat). Wednesday 17:00 → Monday 28 September 10:00 = 1 h + 1 h.
    assert working_hours(at(2026, 9, 23, 17, 0), at(2026, 9, 28, 10, 0)) == 2
    # 개천절 falls on Saturday 3 October 2026; Monday 5 October is its substitute holiday.
    assert working_hours(at(2026, 10, 2, 17, 0), at(2026, 10, 6, 10, 0)) == 2


def test_utc_inputs_are_read_in_seoul_time():
    # 00:00 UTC is 09:00 in Seoul; 09:00 UTC is 18:00.
    start = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
    end = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
    assert working_hours(start, end) == 9


def test_reversed_or_equal_is_zero_and_naive_is_refused():
    assert working_seconds(at(2026, 11, 24, 12, 0), at(2026, 11, 24, 11, 0)) == 0
    with pytest.raises(ValueError):
        working_seconds(datetime(2026, 11, 24, 9), datetime(2026, 11, 24, 10))


def test_median():
    assert median_hours([]) is None
    assert median_hours([1.0, 9.0, 4.0]) == 4.0
    assert median_hours([1.0, 2.0]) == 1.5
