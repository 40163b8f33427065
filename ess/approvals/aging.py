"""How long a step has waited, in working days (weekends and Korean public holidays excluded)."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def working_days_between(start: date, end: date, country: str = "KR") -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in _public_holidays(country, day.year):
            days += 1
    return days
