"""Benefit enrolments for the demo company: last year's choices in force, dated relative to today."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select

from ess import clock
from ess.benefits.models import BenefitEnrolment, CoveredPerson, EnrolmentState
from ess.benefits.policy import PolicyError, benefits_policy
from ess.db import db
from ess.people.models import Employee
from ess.profile.models import Dependent

# employee_no: [(plan, option or None for a waiver, level, relations covered)]
CHOICES = {
    "E1041": [("group_accident", "standard", "employee", ()), ("welfare_points", "standard", "employee", ())],
    "E1005": [("group_accident", "premium", "family", ("child",)), ("dental", "basic", "employee", ()),
              ("welfare_points", "standard", "employee", ()), ("pension_topup", "p100", "employee", ())],
    "E1011": [("group_accident", "standard", "employee", ()), ("welfare_points", "standard", "employee", ()),
              ("self_development", "standard", "employee", ())],
    "E1042": [("group_accident", "standard", "employee", ()), ("dental", None, None, ()),
              ("welfare_points", "standard", "employee", ())],
    "E1043": [("group_accident", "premium", "employee", ()), ("welfare_points", "standard", "employee", ()),
              ("pension_topup", "p50", "employee", ())],
    "E1051": [("group_accident", "standard", "employee", ()), ("welfare_points", "standard", "employee", ())],
    "E1002": [("group_accident", "standard", "employee", ()), ("welfare_points", "standard", "employee", ()),
              ("pension_topup", "p50", "employee", ())],
}


def build_benefits_demo() -> str:
    """Enrolments in force since 1 January; does nothing once any enrolment exists."""
    if db.session.scalar(select(func.count(BenefitEnrolment.id))):
        return "benefits: unchanged"
    try:
        policy = benefits_policy()
    except PolicyError:
        return "benefits: no policy file, no enrolments"
    start = date(clock.today().year, 1, 1)
    chosen_at = datetime(start.year - 1, 11, 15, 3, 0, tzinfo=timezone.utc)  # in last year's open enrolment
    made = 0
    for number, choices in CHOICES.items():
        employee = db.session.scalar(select(Employee).where(Employee.employee_no == number))
        if employee is None:
            continue
        family = list(db.session.scalars(select(Dependent).where(Dependent.employee_id == employee.id)))
        for plan_code, option_code, level, relations in choices:
            plan = policy.plan(plan_code)
            option = plan.option(option_code) if plan else None
            covered = [d for d in family if d.relation in relations]
            if plan is None or (option_code and (option is None or level not in option.costs)):
                continue
            if relations and not covered:
                level = "employee"  # the demo person has no such dependent: cover the employee only
            cost = option.costs[level] if option else None
            db.session.add(BenefitEnrolment(
                employee=employee, plan=plan_code, option=option_code, level=level if option else None,
                waived=option is None, employee_cost=cost.employee if cost else 0,
                company_cost=cost.company if cost else 0, window="open", state=EnrolmentState.approved,
                effective_from=start, created_at=chosen_at, decided_at=chosen_at,
                covered=[CoveredPerson(dependent_id=d.id, name=d.name, relation=d.relation, birth_date=d.birth_date)
                         for d in covered]))
            made += 1
    db.session.flush()
    return f"benefits: {made} enrolments"
