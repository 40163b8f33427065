"""Working days, pure: an employee's work week, public holidays (the `holidays` package, substitute
holidays included) and the company's own holidays. No database, no Flask.

Half days: a request may start in the afternoon (`start_half`) and end in the morning (`end_half`);
each such day counts 0.5 when it is a working day and 0 when it is not (a half day on a holiday is 0).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_lib

WEEKEND = "weekend"
HOLIDAY = "holiday"
COMPANY_HOLIDAY = "company_holiday"


@dataclass(frozen=True)
class CompanyHoliday:
    """A company holiday: every year on (month, day) when `year` is None, else once."""

    month: int
    day: int
    name: str
    name_en: str | None = None
    year: int | None = None

    def on(self, year: int) -> date | None:
        if self.year is not None and self.year != year:
            return None
        try:
            return date(year, self.month, self.day)
        except ValueError:  # 02-29 in a common year
            return None


@dataclass(frozen=True)
class Excluded:
    date: date
    reason: str  # weekend | holiday | company_holiday
    name: str | None = None


@dataclass
class DayCount:
    days: float
    excluded: list[Excluded] = field(default_factory=list)
    counted: list[tuple[date, float]] = field(default_factory=list)

    @property
    def calendar_days(self) -> int:
        return len(self.counted) + len(self.excluded)


def parse_work_week(text: str | None) -> frozenset[int]:
    """"1,2,3,4,5" (ISO weekdays, Monday = 1) → {1, 2, 3, 4, 5}."""
    days = set()
    for part in (text or "1,2,3,4,5").split(","):
        part = part.strip()
        if part:
            value = int(part)
            if not 1 <= value <= 7:
                raise ValueError(f"work week day {value} is not an ISO weekday (1-7)")
            days.add(value)
    return frozenset(days)


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int, language: str) -> dict[date, str]:
    try:
        table = holidays_lib.country_holidays(country, subdiv=subdivision, years=year, language=language)
    except NotImplementedError:
        return {}
    return dict(table)


class WorkCalendar:
    def __init__(self, work_week: frozenset[int] | str = frozenset({1, 2, 3, 4, 5}), country: str | None = "KR",
                 subdivision: str | None = None, company_holidays: tuple[CompanyHoliday, ...] | list = (),
                 language: str = "ko"):
        self.work_week = parse_work_week(work_week) if isinstance(work_week, str) else frozenset(work_week)
        self.country = (country or "").upper() or None
        self.subdivision = subdivision or None
        self.company_holidays = tuple(company_holidays)
        self.language = "ko" if language.startswith("ko") else "en_US"

    def public_holiday(self, day: date) -> str | None:
        if not self.country:
            return None
        return _public_holidays(self.country, self.subdivision, day.year, self.language).get(day)

    def company_holiday(self, day: date) -> str | None:
        for holiday in self.company_holidays:
            if holiday.on(day.year) == day:
                return holiday.name if self.language == "ko" or not holiday.name_en else holiday.name_en
        return None

    def exclusion(self, day: date) -> Excluded | None:
        """Why `day` is not a working day, or None when it is one. A holiday wins over a weekend."""
        name = self.public_holiday(day)
        if name:
            return Excluded(day, HOLIDAY, name)
        name = self.company_holiday(day)
        if name:
            return Excluded(day, COMPANY_HOLIDAY, name)
        if day.isoweekday() not in self.work_week:
            return Excluded(day, WEEKEND, None)
        return None

    def is_working_day(self, day: date) -> bool:
        return self.exclusion(day) is None

    def count(self, start: date, end: date, start_half: bool = False, end_half: bool = False) -> DayCount:
        """Working days from `start` to `end` inclusive. Raises ValueError for an impossible range."""
        if end < start:
            raise ValueError("end before start")
        if start == end and start_half and end_half:
            raise ValueError("a single day cannot start in the afternoon and end in the morning")
        result = DayCount(days=0.0)
        day = start
        while day <= end:
            excluded = self.exclusion(day)
            if excluded is not None:
                result.excluded.append(excluded)
            else:
                share = 1.0
                if (day == start and start_half) or (day == end and end_half):
                    share = 0.5
                result.counted.append((day, share))
                result.days += share
            day += timedelta(days=1)
        return result
