"""Pure date rules: when enrolment is open for a person and plan, and when an approved choice starts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ess.benefits.policy import BenefitsPolicy, Plan

OPEN, NEW_HIRE, LIFE_EVENT = "open", "new_hire", "life_event"


@dataclass(frozen=True)
class Window:
    kind: str  # open | new_hire | life_event
    opens: date
    closes: date  # inclusive: the last day a choice may be sent
    effective: str  # the rule for the start date
    event_id: int | None = None
    event_kind: str | None = None

    @property
    def key(self) -> str:
        return f"event:{self.event_id}" if self.kind == LIFE_EVENT else self.kind

    def contains(self, day: date) -> bool:
        return self.opens <= day <= self.closes


def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def effective_date(rule: str, decided_on: date) -> date:
    """The first day an approved choice applies, given the policy's rule and the day it was approved."""
    if rule == "next_day":
        return decided_on + timedelta(days=1)
    if rule == "next_year":
        return date(decided_on.year + 1, 1, 1)
    return first_of_next_month(decided_on)


def eligible_from(plan: Plan, hire_date: date | None) -> date | None:
    """The first day the person may join the plan (after its waiting period); None without a hire date."""
    if hire_date is None:
        return None
    return hire_date + timedelta(days=plan.eligible_after_days)


def open_enrolment(policy: BenefitsPolicy, day: date) -> Window | None:
    """The open-enrolment window that holds `day`, if any."""
    for year in (day.year - 1, day.year):
        start, end = policy.open_period(year)
        if start <= day <= end:
            return Window(OPEN, start, end, policy.open_effective)
    return None


def next_open_enrolment(policy: BenefitsPolicy, day: date) -> Window:
    """The next open-enrolment window starting after `day`."""
    for year in (day.year, day.year + 1):
        start, end = policy.open_period(year)
        if start > day:
            return Window(OPEN, start, end, policy.open_effective)
    start, end = policy.open_period(day.year + 2)
    return Window(OPEN, start, end, policy.open_effective)


def new_hire_window(policy: BenefitsPolicy, plan: Plan, hire_date: date | None) -> Window | None:
    """New hires (and people whose waiting period just ended) choose within N days."""
    start = eligible_from(plan, hire_date)
    if start is None:
        return None
    return Window(NEW_HIRE, start, start + timedelta(days=policy.new_hire_days), policy.effective)


def life_event_window(policy: BenefitsPolicy, kind: str, event_date: date, event_id: int | None = None) -> Window | None:
    event_type = policy.life_events.get(kind)
    if event_type is None:
        return None
    return Window(LIFE_EVENT, event_date, event_date + timedelta(days=event_type.days), policy.effective,
                  event_id, kind)


def windows_for(policy: BenefitsPolicy, plan: Plan, hire_date: date | None, day: date,
                events: list[tuple[int, str, date]] = ()) -> list[Window]:
    """Every window open on `day` for this plan: life events first, then new hire, then open enrolment."""
    found = []
    for event_id, kind, event_date in events:
        window = life_event_window(policy, kind, event_date, event_id)
        if window is not None and window.contains(day):
            found.append(window)
    hire = new_hire_window(policy, plan, hire_date)
    if hire is not None and hire.contains(day):
        found.append(hire)
    opened = open_enrolment(policy, day)
    if opened is not None:
        found.append(opened)
    return found
