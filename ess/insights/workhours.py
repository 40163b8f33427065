"""Working time between two instants: weekdays 09:00–18:00 in the company's time zone, public holidays
excluded (Korean by default). Pure: no app, no database."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from statistics import median
from zoneinfo import ZoneInfo

import holidays

DAY_START = time(9, 0)
DAY_END = time(18, 0)


@lru_cache(maxsize=32)
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_working_day(day: date, country: str = "KR") -> bool:
    return day.weekday() < 5 and day not in _holidays(country, day.year)


def working_seconds(start: datetime, end: datetime, *, tz: str = "Asia/Seoul", country: str = "KR",
                    day_start: time = DAY_START, day_end: time = DAY_END) -> int:
    """Seconds of working time from `start` to `end` (aware datetimes); 0 when end <= start."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("working_seconds needs timezone-aware datetimes")
    if end <= start:
        return 0
    zone = ZoneInfo(tz)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        if is_working_day(day, country):
            opens = datetime.combine(day, day_start, zone)
            closes = datetime.combine(day, day_end, zone)
            lo, hi = max(opens, local_start), min(closes, local_end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return int(round(total))


def working_hours(start: datetime, end: datetime, **kwargs) -> float:
    return working_seconds(start, end, **kwargs) / 3600


def median_hours(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None
