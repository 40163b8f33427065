"""`flask --app wsgi ess bench seed --employees N`: a large, realistic company for the benchmarks.

Deterministic from `--seed`: the same seed and size give the same rows (ids included), so runs compare.
Rows are written in bulk (Core inserts with explicit ids) because the domain services write one row at a
time, which would take hours at 10,000 people. What the rows say is still the domain's: day counts come
from the leave calendar, grants, expiries and carry-overs from `ess.leave.ledger.compute` exactly as
`ess leave accrue` writes them (so accrue finds nothing left to write), requests never overdraw a balance
that refuses it, and articles go through the knowledge services (and so its Kiwi indexing path).
"""
from __future__ import annotations

import json
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, insert, select, text

from ess import clock
from ess.db import db

SEOUL = ZoneInfo("Asia/Seoul")
DOMAIN = "bench.example"

SURNAMES = [("김", "Kim", 21), ("이", "Lee", 15), ("박", "Park", 8), ("최", "Choi", 5), ("정", "Jung", 5),
            ("강", "Kang", 2), ("조", "Cho", 2), ("윤", "Yoon", 2), ("장", "Jang", 2), ("임", "Lim", 2),
            ("한", "Han", 1), ("오", "Oh", 1), ("서", "Seo", 1), ("신", "Shin", 1), ("권", "Kwon", 1),
            ("황", "Hwang", 1), ("안", "Ahn", 1), ("송", "Song", 1), ("류", "Ryu", 1), ("홍", "Hong", 1)]
SYLLABLES = [("민", "min"), ("서", "seo"), ("지", "ji"), ("현", "hyun"), ("준", "jun"), ("우", "woo"),
             ("수", "su"), ("영", "young"), ("하", "ha"), ("윤", "yoon"), ("도", "do"), ("예", "ye"),
             ("은", "eun"), ("진", "jin"), ("성", "sung"), ("재", "jae"), ("원", "won"), ("혜", "hye"),
             ("동", "dong"), ("태", "tae"), ("나", "na"), ("연", "yeon"), ("호", "ho"), ("유", "yu")]
DIVISIONS = [
    ("경영지원본부", ["인사팀", "재무팀", "총무팀", "법무팀", "구매팀"]),
    ("기술본부", ["IT운영팀", "제품개발팀", "플랫폼팀", "데이터팀", "보안팀", "품질팀"]),
    ("영업본부", ["국내영업팀", "해외영업팀", "영업지원팀", "고객성공팀"]),
    ("마케팅본부", ["브랜드팀", "디지털마케팅팀", "홍보팀"]),
    ("생산본부", ["생산관리팀", "설비팀", "물류팀", "안전환경팀"]),
    ("연구소", ["선행연구팀", "소재연구팀", "시험분석팀"]),
]
TITLES = ["사원", "사원", "사원", "대리", "대리", "과장", "차장", "선임", "책임", "수석"]
TEAM_SIZE = 12


@dataclass
class Person:
    id: int
    employee_no: str
    name: str
    name_en: str
    manager_id: int | None
    department_id: int
    hire_date: date
    roles: tuple[str, ...] = ()


@dataclass
class Company:
    people: list[Person] = field(default_factory=list)
    departments: list[dict] = field(default_factory=list)
    hr_ids: list[int] = field(default_factory=list)
    author_ids: list[int] = field(default_factory=list)


class Ids:
    """Explicit primary keys, so inserts batch freely and the same seed gives the same ids."""

    def __init__(self):
        self.next: dict[str, int] = defaultdict(lambda: 1)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _cutoff(today: date) -> datetime:
    """Nothing is dated after the start of today, so the same seed and day give the same rows at any hour."""
    return datetime.combine(today, dtime(0, 0), SEOUL).astimezone(timezone.utc)


def _at(day: date, rng: random.Random) -> datetime:
    """A working-hours moment on `day` in Seoul, as UTC."""
    local = datetime.combine(day, dtime(9, 0), SEOUL) + timedelta(minutes=rng.randrange(0, 9 * 60))
    return local.astimezone(timezone.utc)


# People -----------------------------------------------------------------------------------------------
def build_company(employees: int, rng: random.Random, ids: Ids, today: date) -> Company:
    company = Company()
    teams_needed = max(1, math.ceil((employees - 1) / TEAM_SIZE))
    division_rows, team_rows = [], []
    for name, _ in DIVISIONS:
        division_rows.append({"id": ids.take("departments"), "name": name, "parent_id": None})
    # Teams go round the divisions, so every division grows with the company; names stay unique.
    counters: dict[str, int] = defaultdict(int)
    for index in range(teams_needed):
        division_index = index % len(DIVISIONS)
        division, teams = DIVISIONS[division_index]
        base = teams[(index // len(DIVISIONS)) % len(teams)]
        counters[base] += 1
        name = base if counters[base] == 1 else base.replace("팀", f"{counters[base]}팀")
        team_rows.append({"id": ids.take("departments"), "name": name,
                          "parent_id": division_rows[division_index]["id"]})
    company.departments = division_rows + team_rows

    used_emails: set[str] = set()

    def person(manager_id, department_id, hire: date, roles=()) -> Person:
        surname, surname_en, _ = rng.choices(SURNAMES, weights=[s[2] for s in SURNAMES])[0]
        first, second = rng.choice(SYLLABLES), rng.choice(SYLLABLES)
        number = len(company.people) + 1
        name_en = f"{first[1].capitalize()}{second[1]} {surname_en}"
        email = f"{first[1]}{second[1]}.{surname_en.lower()}@{DOMAIN}"
        if email in used_emails:
            email = f"{first[1]}{second[1]}.{surname_en.lower()}{number}@{DOMAIN}"
        used_emails.add(email)
        made = Person(ids.take("employees"), f"E{100000 + number}", surname + first[0] + second[0], name_en,
                      manager_id, department_id, hire, tuple(roles))
        made.email = email
        company.people.append(made)
        return made

    def hire_date() -> date:
        # Most people have several years of history; a fifth joined within the last two years.
        if rng.random() < 0.2:
            return today - timedelta(days=rng.randrange(20, 730))
        return today - timedelta(days=rng.randrange(730, 15 * 365))

    ceo = person(None, division_rows[0]["id"], today - timedelta(days=18 * 365))
    heads = {}
    for division in division_rows:
        if len(company.people) >= employees:
            break
        heads[division["id"]] = person(ceo.id, division["id"], hire_date())
    for team_index, team in enumerate(team_rows):
        if len(company.people) >= employees:
            break
        division_head = heads.get(team["parent_id"], ceo)
        hr_team = team["name"].startswith("인사")
        it_team = team["name"].startswith("IT운영")
        roles = ("hr",) if hr_team else ("it_author",) if it_team else ()
        lead = person(division_head.id, team["id"], hire_date(), roles)
        for _ in range(TEAM_SIZE - 1):
            if len(company.people) >= employees:
                break
            person(lead.id, team["id"], hire_date(), roles if rng.random() < 0.5 else ())
    # Two system owners in IT, as a real company would have.
    admins = [p for p in company.people if p.department_id == team_rows[min(1, len(team_rows) - 1)]["id"]][:2]
    for admin in admins:
        admin.roles = tuple(sorted(set(admin.roles) | {"admin"}))
    company.hr_ids = [p.id for p in company.people if "hr" in p.roles]
    company.author_ids = [p.id for p in company.people if {"hr", "it_author"} & set(p.roles)]
    return company


# Leave ------------------------------------------------------------------------------------------------
@dataclass
class Lot:
    granted_on: date
    expires_on: date | None
    remaining: float
    kind: str


class Wallet:
    """One person's balance of one leave type through time, drawn first-expiring-first like the ledger."""

    def __init__(self, grants, carry_over_days: float, carry_over_months: int):
        from ess.leave.accrual import add_months

        self.add_months = add_months
        self.future = sorted(grants, key=lambda g: g.granted_on)
        self.lots: list[Lot] = []
        self.carry_days, self.carry_months = carry_over_days, carry_over_months

    def _advance(self, day: date) -> None:
        # Expiry amounts depend only on what was used before, so grants may open first.
        while self.future and self.future[0].granted_on <= day:
            grant = self.future.pop(0)
            self.lots.append(Lot(grant.granted_on, grant.expires_on, grant.days, "grant"))
        while expiring := [lot for lot in self.lots if lot.expires_on is not None and lot.expires_on <= day]:
            for lot in sorted(expiring, key=lambda lot: lot.expires_on):
                self.lots.remove(lot)
                carried = min(lot.remaining, self.carry_days) if lot.kind == "grant" else 0
                if carried > 0:
                    self.lots.append(Lot(lot.expires_on, self.add_months(lot.expires_on, self.carry_months),
                                         carried, "carry_over"))

    def available(self, day: date) -> float:
        self._advance(day)
        return round(sum(lot.remaining for lot in self.lots), 2)

    def use(self, day: date, days: float) -> None:
        self._advance(day)
        for lot in sorted(self.lots, key=lambda lot: (lot.expires_on or date.max, lot.granted_on)):
            take = min(lot.remaining, days)
            lot.remaining = round(lot.remaining - take, 2)
            days = round(days - take, 2)
            if days <= 0:
                return


LEAVE_MIX = [("annual", 74), ("sick", 12), ("refresh", 8), ("unpaid", 6)]
LENGTHS = {  # (start_half, end_half, working-day span) and weight
    "annual": [((False, False, 1), 40), ((True, False, 1), 10), ((False, True, 1), 10), ((False, False, 2), 18),
               ((False, False, 3), 12), ((False, False, 5), 6), ((False, False, 8), 4)],
    "sick": [((False, False, 1), 60), ((False, False, 2), 30), ((False, True, 1), 10)],
    "refresh": [((False, False, 1), 60), ((False, False, 2), 40)],
    "unpaid": [((False, False, 1), 50), ((False, False, 3), 50)],
}
REASONS = ["개인 사유", "가족 여행", "병원 진료", "이사", "자녀 학교 행사", "휴식", "Family trip", "Personal matters", ""]
TYPE_NAMES = {"annual": "연차", "sick": "병가", "refresh": "리프레시 휴가", "unpaid": "무급휴가"}


def _working_days(calendar, start: date, count: int) -> date:
    """The day on which `count` working days starting at `start` end."""
    day, seen = start, 0
    while True:
        if calendar.is_working_day(day):
            seen += 1
            if seen == count:
                return day
        day += timedelta(days=1)


@dataclass
class Rows:
    tables: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, row: dict) -> None:
        self.tables[table].append(row)


def _approval(rows: Rows, ids: Ids, *, kind, subject_type, subject_id, requester: Person, payload, summary,
              state, created: datetime, decided: datetime | None, chain: list[tuple], outcome_actor=None,
              outcome_comment=None) -> int:
    """An approval request with its steps and history, as the engine leaves it.

    `chain` holds (decider_kind, role, decider_id, step_state, decided_by_id, decided_at).
    """
    approval_id = ids.take("approval_requests")
    rows.add("approval_requests", {
        "id": approval_id, "kind": kind, "subject_type": subject_type, "subject_id": str(subject_id),
        "requester_id": requester.id, "state": state, "payload": payload, "summary": summary[:300],
        "version": 1 + sum(1 for step in chain if step[4]) + (state != "pending"), "created_at": created,
        "updated_at": decided or created, "decided_at": decided})
    rows.add("approval_events", {"id": ids.take("approval_events"), "request_id": approval_id, "at": created,
                                 "actor_id": requester.id, "on_behalf_of_id": None, "action": "submitted",
                                 "step_position": None, "comment": None})
    for position, (decider_kind, role, decider_id, step_state, decided_by, decided_at) in enumerate(chain):
        rows.add("approval_steps", {
            "id": ids.take("approval_steps"), "request_id": approval_id, "position": position,
            "decider_kind": decider_kind, "role": role, "decider_id": decider_id, "state": step_state,
            "reached_at": created if step_state != "waiting" and step_state != "skipped" else None,
            "decided_by_id": decided_by, "on_behalf_of_id": None, "decided_at": decided_at,
            "comment": outcome_comment if step_state == "rejected" else None, "overdue_reminded_on": None})
        if step_state in ("approved", "rejected"):
            rows.add("approval_events", {
                "id": ids.take("approval_events"), "request_id": approval_id, "at": decided_at,
                "actor_id": decided_by, "on_behalf_of_id": None, "action": step_state, "step_position": position,
                "comment": outcome_comment if step_state == "rejected" else None})
    if state in ("approved", "withdrawn"):
        rows.add("approval_events", {
            "id": ids.take("approval_events"), "request_id": approval_id, "at": decided,
            "actor_id": outcome_actor, "on_behalf_of_id": None, "action": "applied" if state == "approved"
            else "withdrawn", "step_position": None, "comment": None})
    rows.add("audit_events", _audit(ids, created, requester.id, "approval.submitted", "approval_requests",
                                    approval_id, {"kind": kind}))
    return approval_id


def _audit(ids: Ids, at: datetime, actor_id, action, subject_type, subject_id, changes) -> dict:
    return {"id": ids.take("audit_events"), "occurred_at": at, "actor_id": actor_id, "action": action,
            "subject_type": subject_type, "subject_id": str(subject_id), "changes": changes,
            "ip_address": "10.0.0.1", "user_agent": "bench-seed"}


def build_leave(company: Company, rng: random.Random, ids: Ids, rows: Rows, today: date, years: int,
                per_year: float) -> dict:
    from ess.leave import accrual, ledger
    from ess.leave.policy import leave_policy

    policy = leave_policy()
    calendar = policy.calendar_for(None)
    by_id = {p.id: p for p in company.people}
    window_start = today - timedelta(days=365 * years)
    horizon = today + timedelta(days=60)
    now = _cutoff(today)
    summary = defaultdict(int)
    types = [code for code, _ in LEAVE_MIX]
    weights = [weight for _, weight in LEAVE_MIX]

    for person in company.people:
        start_from = max(person.hire_date + timedelta(days=30), window_start)
        span = (horizon - start_from).days
        if span <= 0:
            continue
        wanted = max(0, round(span / 365 * per_year * rng.uniform(0.8, 1.2)))
        # Start dates spread over the window, then pushed apart so requests never overlap.
        starts = sorted(start_from + timedelta(days=rng.randrange(span)) for _ in range(wanted))
        planned, busy_until = [], start_from - timedelta(days=1)
        for start in starts:
            start = max(start, busy_until + timedelta(days=1))
            while not calendar.is_working_day(start):
                start += timedelta(days=1)
            if start > horizon:
                break
            code = rng.choices(types, weights=weights)[0]
            start_half, end_half, length = rng.choices([s for s, _ in LENGTHS[code]],
                                                       weights=[w for _, w in LENGTHS[code]])[0]
            end = _working_days(calendar, start, length)
            days = calendar.count(start, end, start_half, end_half).days
            busy_until = end
            created_day = min(start - timedelta(days=rng.randrange(2, 21)), today)
            created_day = max(created_day, person.hire_date)
            planned.append([code, start, end, start_half, end_half, days, created_day])

        wallets = {}
        for code in ("annual", "sick", "refresh"):
            kind = policy.type(code)
            wallets[code] = Wallet(accrual.grants_due(kind.accrual, person.hire_date, today),
                                   kind.carry_over_days, kind.carry_over_months)
        uses, pending_reserved = [], defaultdict(float)
        manager = by_id.get(person.manager_id)
        # Decisions in date order, so each sees the balance left by the ones before.
        decided_plan = []
        for item in planned:
            code, start, end, start_half, end_half, days, created_day = item
            decided_day = created_day + timedelta(days=rng.randrange(0, 3))
            late = start > today - timedelta(days=7)
            if late and rng.random() < 0.55 and created_day < today or decided_day > today:
                state = "pending"
            else:
                roll = rng.random()
                state = "approved" if roll < 0.92 else "rejected" if roll < 0.97 else "withdrawn"
            decided_plan.append((decided_day if state != "pending" else today, item, state))
        decided_plan.sort(key=lambda entry: (entry[0], entry[1][1]))

        for decided_day, item, state in decided_plan:
            code, start, end, start_half, end_half, days, created_day = item
            kind = policy.type(code)
            if state in ("approved", "pending") and kind.tracks_balance and not kind.allow_negative:
                available = wallets[code].available(max(decided_day, start if state == "pending" else decided_day))
                if days > available - pending_reserved[code]:
                    state = "rejected"  # the decider saw there was not enough left
            created = _at(created_day, rng)
            decided = None if state == "pending" else min(created + timedelta(days=(decided_day - created_day).days,
                                                                                  hours=rng.randrange(1, 6)), now)
            request_id = ids.take("leave_requests")
            reason = rng.choice(REASONS)
            rows.add("leave_requests", {
                "id": request_id, "employee_id": person.id, "leave_type": code, "start_date": start, "end_date": end,
                "start_half": start_half, "end_half": end_half, "days": days, "reason": reason, "state": state,
                "approval_id": None, "cancellation_approval_id": None, "created_at": created, "decided_at": decided})
            summary[state] += 1
            payload = {"leave_type": code, "start": start.isoformat(), "end": end.isoformat(),
                       "start_half": "pm" if start_half else None, "end_half": "am" if end_half else None,
                       "days": days, "reason": reason, "employee_no": person.employee_no}
            period = start.isoformat() + ("" if start == end and not end_half else f" – {end.isoformat()}")
            chain = _leave_chain(person, manager, days, state, decided or min(created + timedelta(hours=3), now),
                                 company, rng)
            decider = next((step[4] for step in chain if step[4]), None)
            approval_id = _approval(
                rows, ids, kind="leave", subject_type="leave_request", subject_id=request_id, requester=person,
                payload=payload, summary=f"{TYPE_NAMES[code]}, {period} ({days:g}일)", state=state,
                created=created, decided=decided, chain=chain,
                outcome_actor=person.id if state == "withdrawn" else decider,
                outcome_comment="일정이 겹쳐 어렵습니다" if state == "rejected" else None)
            rows.tables["leave_requests"][-1]["approval_id"] = approval_id
            rows.add("audit_events", _audit(ids, created, person.id, "leave.requested", "leave_requests", request_id,
                                            payload))
            if state == "pending":
                pending_reserved[code] += days
            elif state == "approved":
                effective = decided.astimezone(SEOUL).date()
                if code in wallets:
                    wallets[code].use(effective, days)
                ledger_id = ids.take("leave_ledger")
                uses.append((code, ledger.Row(ledger.USE, effective, -days, request_id=request_id, note="use",
                                              id=ledger_id)))
                rows.add("leave_ledger", _ledger_row(ledger_id, person.id, code, "use", effective, -days, None, None,
                                                     "use", request_id, decider, decided))
                rows.add("audit_events", _audit(ids, decided, decider, "leave.approved", "leave_requests",
                                                request_id, {"days": days}))
            else:
                rows.add("audit_events", _audit(ids, decided, person.id if state == "withdrawn" else decider,
                                                f"leave.{state}", "leave_requests", request_id, {"days": days}))

        # What `ess leave accrue` would write today: the ledger's own projection, stored.
        for kind in policy.types.values():
            if not kind.accrual.accrues:
                continue
            mine = [row for code, row in uses if code == kind.code]
            result = ledger.compute(kind.code, mine, today, due=accrual.grants_due(kind.accrual, person.hire_date,
                                                                                   today),
                                    carry_over_days=kind.carry_over_days, carry_over_months=kind.carry_over_months)
            for row in result.projected_rows():
                rows.add("leave_ledger", _ledger_row(ids.take("leave_ledger"), person.id, kind.code, row.kind,
                                                     row.effective_on, row.days, row.expires_on, row.key, row.note,
                                                     None, None, _at(row.effective_on, rng)))
                summary[f"ledger_{row.kind}"] += 1
    return dict(summary)


def _leave_chain(person: Person, manager: Person | None, days: float, state: str, decided, company: Company,
                 rng: random.Random) -> list[tuple]:
    """Steps as approvals.toml gives them: the manager, then HR for more than five days.

    `decided` is when the request was decided, or for a pending one when its manager passed it on.
    """
    hr = [i for i in company.hr_ids if i != person.id] or company.hr_ids
    steps = []
    if manager is None:
        steps.append(["manager", None, None, "skipped", None, None])
    else:
        steps.append(["manager", None, manager.id, "waiting", None, None])
    if days > 5:
        steps.append(["role", "hr", None, "waiting", None, None])
    if all(step[3] == "skipped" for step in steps):
        steps.append(["role", "hr", None, "waiting", None, None])
    live = [step for step in steps if step[3] != "skipped"]
    if state == "approved":
        for step in live:
            step[3], step[5] = "approved", decided
            step[4] = step[2] if step[2] else rng.choice(hr)
    elif state == "rejected":
        first = live[0]
        first[3], first[5] = "rejected", decided
        first[4] = first[2] if first[2] else rng.choice(hr)
        for step in live[1:]:
            step[3] = "closed"
    elif state == "withdrawn":
        for step in live:
            step[3] = "closed"
    else:
        # Longer leave is often past the manager already and waits for HR.
        if len(live) > 1 and rng.random() < 0.6:
            live[0][3], live[0][4], live[0][5] = "approved", live[0][2], decided
            live[1][3] = "pending"
        else:
            live[0][3] = "pending"
    return [tuple(step) for step in steps]


def _ledger_row(row_id, employee_id, code, kind, effective_on, days, expires_on, key, note, request_id, by, at):
    return {"id": row_id, "employee_id": employee_id, "leave_type": code, "kind": kind, "effective_on": effective_on,
            "days": days, "expires_on": expires_on, "key": key, "note": note, "reason": "",
            "request_id": request_id, "created_by_id": by, "created_at": at}


# Personal details and benefits ------------------------------------------------------------------------
def build_requests(company: Company, rng: random.Random, ids: Ids, rows: Rows, today: date) -> dict:
    from ess.benefits.policy import benefits_policy

    summary = defaultdict(int)
    policy = benefits_policy()
    year_start = date(today.year, 1, 1)
    chosen = _at(date(today.year - 1, 11, 15), rng)
    now = _cutoff(today)
    for person in company.people:
        hr = [i for i in company.hr_ids if i != person.id] or company.hr_ids
        # A legal name change (개명) waiting for HR, or one HR turned down.
        roll = rng.random()
        if roll < 0.12:
            state = "pending" if roll < 0.10 else "rejected"
            new_name = person.name[0] + rng.choice(SYLLABLES)[0] + rng.choice(SYLLABLES)[0]
            payload = {"changes": [{"field": "legal_name", "before": person.name, "after": new_name}]}
            created = min(_at(today - timedelta(days=rng.randrange(0, 20)), rng), now)
            decided = None if state == "pending" else min(created + timedelta(days=1), now)
            decider = rng.choice(hr)
            _approval(rows, ids, kind="profile_change", subject_type="employee", subject_id=person.id,
                      requester=person, payload=payload, summary="법적 이름 변경", state=state, created=created,
                      decided=decided, chain=[("role", "hr", None, state if state != "pending" else "pending",
                                               decider if decided else None, decided)],
                      outcome_comment="증빙 서류가 필요합니다" if state == "rejected" else None)
            rows.add("audit_events", _audit(ids, created, person.id, "profile.change_requested", "employees",
                                            person.id, {"legal_name": {"before": person.name, "after": new_name}}))
            summary[f"profile_change_{state}"] += 1
        # Last open enrolment's choices in force since 1 January, for those hired before it.
        if person.hire_date < year_start and rng.random() < 0.85:
            for plan_code, option_code in (("group_accident", rng.choice(["standard", "standard", "premium"])),
                                           ("welfare_points", "standard"),
                                           ("dental", "basic") if rng.random() < 0.3 else (None, None)):
                if plan_code is None:
                    continue
                cost = policy.plan(plan_code).option(option_code).costs["employee"]
                enrolment_id = ids.take("benefit_enrolments")
                rows.add("benefit_enrolments", _enrolment(enrolment_id, person, plan_code, option_code, cost,
                                                          "approved", year_start, chosen))
                summary["enrolment_approved"] += 1
        # This open enrolment: a pension top-up waiting for HR.
        if rng.random() < 0.10:
            option_code = rng.choice(["p50", "p100"])
            cost = policy.plan("pension_topup").option(option_code).costs["employee"]
            enrolment_id = ids.take("benefit_enrolments")
            created = min(_at(today - timedelta(days=rng.randrange(0, 15)), rng), now)
            enrolment = _enrolment(enrolment_id, person, "pension_topup", option_code, cost, "pending", None, created)
            payload = {"plan": "pension_topup", "option": option_code, "level": "employee", "waived": False,
                       "employee_cost": cost.employee, "company_cost": cost.company, "window": "open",
                       "covered": [], "employee_no": person.employee_no}
            enrolment["approval_id"] = _approval(
                rows, ids, kind="benefit_enrolment", subject_type="benefit_enrolment", subject_id=enrolment_id,
                requester=person, payload=payload, summary="퇴직연금 추가납입", state="pending", created=created,
                decided=None, chain=[("role", "hr", None, "pending", None, None)])
            rows.add("benefit_enrolments", enrolment)
            rows.add("audit_events", _audit(ids, created, person.id, "benefits.enrolment_requested",
                                            "benefit_enrolments", enrolment_id, payload))
            summary["enrolment_pending"] += 1
    return dict(summary)


def _enrolment(enrolment_id, person, plan, option, cost, state, effective_from, created) -> dict:
    return {"id": enrolment_id, "employee_id": person.id, "plan": plan, "option": option, "level": "employee",
            "waived": False, "employee_cost": cost.employee, "company_cost": cost.company, "window": "open",
            "life_event_id": None, "state": state, "effective_from": effective_from, "effective_to": None,
            "approval_id": None, "created_at": created, "decided_at": created if state == "approved" else None}


# Articles ---------------------------------------------------------------------------------------------
# topic: (category, tags, sentences about it). Bodies are mostly about their topic, as real guides are, so
# a query matches the articles about it rather than half the handbook.
TOPICS_KO = {
    "연차휴가": ("휴가", ["연차", "휴가"], ["연차휴가는 입사일 기준으로 부여되며 1년 후 소멸합니다.",
                                       "반차는 오전 또는 오후 반일 단위로 신청할 수 있습니다.",
                                       "남은 연차는 포털의 내 휴가 화면에서 확인합니다."]),
    "병가": ("휴가", ["병가", "진단서"], ["병가가 3일 이상이면 진단서를 첨부해야 합니다.",
                                     "병가는 연간 10일까지 유급으로 처리됩니다."]),
    "급여명세서": ("급여", ["급여", "명세서"], ["급여명세서는 매월 25일에 발행되고 포털에서 내려받을 수 있습니다.",
                                          "급여 계좌 변경은 인사팀 승인 후 다음 달부터 적용됩니다."]),
    "연말정산": ("급여", ["연말정산", "세금"], ["연말정산 서류는 1월 말까지 제출합니다.",
                                          "의료비와 교육비 영수증은 간소화 서비스에서 내려받습니다."]),
    "복지포인트": ("복리후생", ["복지포인트", "복리후생"], ["복지포인트는 연초에 지급되며 연말까지 사용해야 합니다.",
                                                   "복지포인트는 지정된 쇼핑몰과 가맹점에서 사용할 수 있습니다."]),
    "단체보험": ("복리후생", ["보험", "청구"], ["단체보험 청구는 진료비 영수증과 함께 신청합니다.",
                                         "배우자와 자녀도 가족형으로 보장받을 수 있습니다."]),
    "재택근무": ("근무", ["재택근무", "근무"], ["재택근무는 주 2회까지 가능하며 사전에 팀장과 협의합니다.",
                                         "재택근무 중에도 근무 시간은 출퇴근 기록으로 남깁니다."]),
    "출장비": ("경비", ["출장", "경비", "정산"], ["출장비는 출장 종료 후 2주 이내에 정산합니다.",
                                           "숙박비는 직급별 한도 안에서 실비로 지급됩니다."]),
    "VPN 접속": ("네트워크", ["VPN", "원격"], ["VPN 접속이 되지 않으면 노트북을 다시 시작한 후 재시도하세요.",
                                           "VPN 프로그램은 IT 포털에서 내려받아 설치합니다."]),
    "노트북 교체": ("장비", ["노트북", "장비"], ["노트북은 지급 후 4년이 지나면 교체를 신청할 수 있습니다.",
                                          "교체 전에 중요한 파일은 회사 드라이브에 백업하세요."]),
    "비밀번호 변경": ("계정", ["비밀번호", "계정"], ["비밀번호는 90일마다 변경해야 하며 이전 비밀번호는 재사용할 수 없습니다.",
                                            "비밀번호를 잊으면 본인 인증 후 재설정할 수 있습니다."]),
    "메일 설정": ("메일", ["메일", "Outlook"], ["Outlook에서 회사 메일 계정을 추가하는 방법을 안내합니다.",
                                            "휴대폰 메일 앱은 보안 정책에 동의한 뒤 사용할 수 있습니다."]),
    "프린터 연결": ("장비", ["프린터"], ["프린터 드라이버는 IT 포털에서 설치할 수 있습니다.",
                                    "층별 복합기는 사원증을 태그하여 출력합니다."]),
    "와이파이": ("네트워크", ["Wi-Fi", "무선"], ["회사 와이파이는 사내 계정으로 로그인하여 사용합니다.",
                                          "방문객은 게스트 와이파이를 안내데스크에서 신청합니다."]),
    "경조사": ("휴가", ["경조사", "경조금"], ["경조사 휴가는 증빙 서류와 함께 신청합니다.",
                                        "경조금은 사내 규정에 따라 급여와 함께 지급됩니다."]),
    "교육 지원": ("교육", ["교육", "자기계발"], ["교육비 지원은 연간 한도 안에서 실비로 지급됩니다.",
                                          "외부 교육은 시작 2주 전까지 신청합니다."]),
}
TOPICS_EN = {
    "annual leave": ("Leave", ["leave", "annual"], ["Annual leave is granted on your hiring anniversary and expires "
                                                   "a year later.", "Half days can be taken in the morning or "
                                                   "the afternoon."]),
    "sick leave": ("Leave", ["sick", "leave"], ["Sick leave of three days or more needs a medical certificate."]),
    "payslips": ("Payroll", ["payroll", "payslip"], ["Payslips are issued on the 25th of every month and can be "
                                                     "downloaded from the portal."]),
    "year-end tax settlement": ("Payroll", ["tax"], ["Send the year-end tax documents by the end of January."]),
    "welfare points": ("Benefits", ["benefits", "points"], ["Welfare points are given at the start of the year and "
                                                            "must be used by its end."]),
    "group insurance": ("Benefits", ["insurance"], ["Claims go in with the receipts from the hospital."]),
    "remote work": ("Work", ["remote", "work"], ["Remote work is possible up to two days a week after agreeing "
                                                 "with your manager."]),
    "travel expenses": ("Expenses", ["travel", "expenses"], ["Travel expenses are settled within two weeks after "
                                                             "the trip."]),
    "VPN access": ("Network", ["VPN", "remote"], ["If the VPN does not connect, restart your laptop and try "
                                                  "again."]),
    "laptop replacement": ("Devices", ["laptop", "device"], ["Laptops can be replaced four years after they were "
                                                             "issued."]),
    "password reset": ("Accounts", ["password", "account"], ["Passwords must be changed every 90 days and earlier "
                                                             "ones cannot be reused."]),
    "mail setup": ("Mail", ["mail", "Outlook"], ["Add your company account to Outlook in three steps."]),
    "printers": ("Devices", ["printer"], ["Printer drivers are installed from the IT portal."]),
    "Wi-Fi": ("Network", ["Wi-Fi", "wireless"], ["Sign in to the office Wi-Fi with your company account."]),
}
IT_TOPICS = {"VPN 접속", "노트북 교체", "비밀번호 변경", "메일 설정", "프린터 연결", "와이파이", "VPN access",
             "laptop replacement", "password reset", "mail setup", "printers", "Wi-Fi"}
TITLE_KO = ["{t} 안내", "{t} 신청 방법", "{t} 자주 묻는 질문", "{t} 처리 절차", "{t} 규정 요약", "{t} 문제 해결"]
TITLE_EN = ["How to request {t}", "{T}: frequently asked questions", "{T} policy summary", "Troubleshooting {t}",
            "{T} step by step", "Guide to {t}"]
GENERIC_KO = ["{t} 관련 신청은 포털의 메뉴에서 할 수 있습니다.", "{t}에 대한 문의는 담당 부서로 연락하세요.",
              "신청서는 팀장의 승인을 거쳐 담당 부서에서 최종 확인합니다.", "처리 결과는 메일과 포털 알림으로 안내됩니다.",
              "{n}년 {m}월부터 변경된 기준이 적용됩니다.", "자세한 기준은 사내 규정 제{n}조를 참고하세요.",
              "처리에는 보통 {m}일 정도 걸립니다.", "규정이 바뀌면 이 문서도 함께 갱신됩니다."]
GENERIC_EN = ["You can request {t} from the portal menu.", "Questions about {t} go to the team that owns it.",
              "Your manager approves the request first, then the owning team confirms it.",
              "You will get the result by mail and in the portal.", "The rules changed in {m}/{n}.",
              "It usually takes {m} working days.", "This page is updated whenever the policy changes."]


def build_articles(count: int, rng: random.Random, company: Company, progress=None) -> int:
    from ess.knowledge import services as kb

    made = 0
    owners = [p for p in company.people if p.id in set(company.author_ids)]
    steps = range(count)
    for index in (progress(steps) if progress else steps):
        korean = rng.random() < 0.6
        topics = TOPICS_KO if korean else TOPICS_EN
        topic = rng.choice(sorted(topics))
        category, tags, facts = topics[topic]
        generic = GENERIC_KO if korean else GENERIC_EN
        sentences = []
        for _ in range(rng.randrange(8, 18)):
            template = rng.choice(facts) if rng.random() < 0.4 else rng.choice(generic)
            sentences.append(template.format(t=topic, n=rng.randrange(2019, 2027), m=rng.randrange(1, 13)))
        if korean:
            title = rng.choice(TITLE_KO).format(t=topic) + f" ({index + 1})"
        else:
            title = rng.choice(TITLE_EN).format(t=topic, T=topic[0].upper() + topic[1:]) + f" ({index + 1})"
        paragraphs = [" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]
        body = f"## {title}\n\n" + "\n\n".join(paragraphs)
        owner = rng.choice(owners).employee_no if owners else None
        data = kb.ArticleData(title=title, slug=f"bench-{index + 1:04d}", space="it" if topic in IT_TOPICS else "hr",
                              lang="ko" if korean else "en", category=category, tags=tags,
                              summary=sentences[0], body=body, owner=owner)
        article = kb.create_article(None, data, source="import", note="bench seed")
        kb.publish_from_source(article)
        made += 1
        if made % 200 == 0:
            db.session.flush()
    db.session.flush()
    return made


def build_article_views(company: Company, rng: random.Random, ids: Ids, rows: Rows, today: date,
                        per_person: int = 10) -> None:
    """Reading in the last 90 days (the home page's "popular" list counts it): about ten articles a person,
    a few articles read far more than the rest."""
    from ess.knowledge.models import Article

    article_ids = list(db.session.scalars(select(Article.id).order_by(Article.id)))
    if not article_ids:
        return
    weights = [1 / (rank + 1) for rank in range(len(article_ids))]
    popular = article_ids[:]
    rng.shuffle(popular)
    cutoff = _cutoff(today)
    for person in company.people:
        for article_id in rng.choices(popular, weights=weights, k=rng.randrange(0, 2 * per_person + 1)):
            at = min(_at(today - timedelta(days=rng.randrange(0, 90)), rng), cutoff)
            rows.add("insights_article_views", {"id": ids.take("insights_article_views"), "article_id": article_id,
                                                "employee_id": person.id, "department_id": person.department_id,
                                                "at": at})


# Writing ----------------------------------------------------------------------------------------------
ORDER = ["departments", "employees", "employee_roles", "leave_requests", "approval_requests", "approval_steps",
         "approval_events", "leave_ledger", "benefit_enrolments", "audit_events"]
ENUM_COLUMNS = {"state", "kind", "decider_kind", "status"}


def _write(rows: Rows, progress_echo, order=ORDER) -> None:
    tables = db.metadata.tables
    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    for name in order:
        batch = rows.tables.get(name, [])
        if not batch:
            continue
        table = tables[name]
        started = time.monotonic()
        if postgres:
            _copy(connection, table, batch)
        else:
            for offset in range(0, len(batch), 5000):
                connection.execute(insert(table), batch[offset:offset + 5000])
        progress_echo(f"  {name}: {len(batch)} rows in {time.monotonic() - started:.1f} s")


def _copy(connection, table, batch: list[dict]) -> None:
    """PostgreSQL's COPY: about ten times the speed of batched INSERTs for a million rows."""
    columns = list(batch[0])
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        quoted = ", ".join(f'"{column}"' for column in columns)
        with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_columns and row[c] is not None
                                else row[c] for c in columns])


def _reset_sequences(order=ORDER) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the rows written."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in order:
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT max(id) FROM {name}), 0) + 1, "
            "false)"))


def seed(employees: int, *, seed_value: int = 1, articles: int = 2000, years: int = 3, per_year: float = 10.5,
         echo=print) -> dict:
    """Fill an empty database. The caller commits."""
    from ess.people.models import Employee

    if db.session.scalar(select(func.count(Employee.id))):
        raise click.ClickException("the database already has employees; use --reset to start from empty")
    rng = random.Random(seed_value)
    today = clock.today()
    ids = Ids()
    rows = Rows()
    timings = {}
    started = time.monotonic()
    company = build_company(employees, rng, ids, today)
    created = _at(today - timedelta(days=400), rng)
    leads = {p.manager_id for p in company.people}
    for department in company.departments:
        rows.add("departments", department)
    for p in company.people:
        rows.add("employees", {
            "id": p.id, "employee_no": p.employee_no, "name": p.name, "name_en": p.name_en, "email": p.email,
            "department_id": p.department_id, "title": "팀장" if p.id in leads else rng.choice(TITLES),
            "manager_id": p.manager_id, "hire_date": p.hire_date, "country": "KR",
            "subdivision": None, "work_week": "1,2,3,4,5", "status": "active", "locale": None,
            "session_version": 1, "created_at": created, "updated_at": created})
        for role in p.roles:
            rows.add("employee_roles", {"id": ids.take("employee_roles"), "employee_id": p.id, "role": role})
    timings["people"] = time.monotonic() - started

    mark = time.monotonic()
    leave_summary = build_leave(company, rng, ids, rows, today, years, per_year)
    timings["leave"] = time.monotonic() - mark
    mark = time.monotonic()
    request_summary = build_requests(company, rng, ids, rows, today)
    timings["requests"] = time.monotonic() - mark

    mark = time.monotonic()
    _write(rows, echo)
    _reset_sequences()
    db.session.flush()
    timings["write"] = time.monotonic() - mark

    mark = time.monotonic()
    made_articles = build_articles(articles, rng, company)
    timings["articles"] = time.monotonic() - mark
    mark = time.monotonic()
    build_article_views(company, rng, ids, rows, today)
    _write(rows, echo, order=["insights_article_views"])
    _reset_sequences(order=["insights_article_views"])
    timings["article_views"] = time.monotonic() - mark
    counts = {name: len(batch) for name, batch in rows.tables.items()}
    counts["articles"] = made_articles
    return {"employees": len(company.people), "managers": len({p.manager_id for p in company.people
                                                                 if p.manager_id}),
            "hr": len(company.hr_ids), "rows": counts, "leave": leave_summary, "requests": request_summary,
            "seconds": {k: round(v, 1) for k, v in timings.items()}}


@click.group("bench")
def bench_group():
    """Benchmark data: a large company to load-test against."""


@bench_group.command("seed")
@click.option("--employees", type=click.IntRange(1, 200_000), required=True, help="How many people.")
@click.option("--seed", "seed_value", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--articles", type=click.IntRange(0, 100_000), default=2000, show_default=True)
@click.option("--years", type=click.IntRange(1, 10), default=3, show_default=True, help="Years of leave history.")
@click.option("--reset/--keep", default=False, help="Empty the database first (default: refuse a non-empty one).")
@with_appcontext
def seed_command(employees: int, seed_value: int, articles: int, years: int, reset: bool):
    """Fill the configured database with a generated company of EMPLOYEES people."""
    from flask_migrate import upgrade

    from ess.cli import _empty_database

    if current_app.config["ESS_ENV"] == "production":
        raise click.ClickException("benchmark data is not for production databases")
    started = time.monotonic()
    if reset:
        _empty_database()
    upgrade(revision="heads")
    summary = seed(employees, seed_value=seed_value, articles=articles, years=years, echo=click.echo)
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    click.echo(f"seeded in {time.monotonic() - started:.0f} s: {summary}")
