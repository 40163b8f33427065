"""The request kind `benefit_enrolment`, registered with the approval engine."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ess.approvals.registry import Description, RequestKind, register_kind
from ess.benefits import services
from ess.benefits.models import BenefitEnrolment, EnrolmentState
from ess.benefits.policy import benefits_policy
from ess.db import db
from ess.errors import DomainError


def _subject(request) -> BenefitEnrolment:
    enrolment = db.session.get(BenefitEnrolment, int(request.subject_id))
    if enrolment is None:
        raise DomainError(_l("The enrolment no longer exists."), code="not_found", status=404)
    return enrolment


def names(enrolment: BenefitEnrolment, locale: str | None = None) -> tuple[str, str, str]:
    """(plan, option, level) in the reader's language; codes when the policy no longer has them."""
    locale = locale or str(get_locale() or "ko")
    policy = benefits_policy()
    plan = policy.plan(enrolment.plan)
    option = plan.option(enrolment.option) if plan else None
    level = policy.level(enrolment.level)
    return (plan.name(locale) if plan else enrolment.plan, option.name(locale) if option else (enrolment.option or ""),
            level.name(locale) if level else (enrolment.level or ""))


def summary(enrolment: BenefitEnrolment) -> str:
    plan, option, level = names(enrolment)
    if enrolment.waived:
        return str(_l("%(plan)s: waive", plan=plan))
    return str(_l("%(plan)s: %(option)s, %(level)s (%(cost)s a month)", plan=plan, option=option, level=level,
                  cost=services.won(enrolment.employee_cost)))


def validate(request) -> None:
    if _subject(request).state is not EnrolmentState.pending:
        raise DomainError(_l("This enrolment is no longer pending."), code="not_pending")


def describe(request) -> Description:
    enrolment = _subject(request)
    plan, option, level = names(enrolment)
    previous = services.previous_for(enrolment)
    before = None
    if previous is not None:
        p_plan, p_option, p_level = names(previous)
        before = str(_l("Waived")) if previous.waived else f"{p_option}, {p_level}"
    after = str(_l("Waived")) if enrolment.waived else f"{option}, {level}"
    rows = [(_l("Plan"), None, plan), (_l("Choice"), before, after)]
    if not enrolment.waived:
        covered = ", ".join(f"{c.name} ({services._relation_label(c.relation)})" for c in enrolment.covered)
        rows.append((_l("Covered"), None, covered or str(_l("Employee only"))))
    rows.append((_l("Monthly cost (employee)"), services.won(previous.employee_cost) if previous else None,
                 services.won(enrolment.employee_cost)))
    rows.append((_l("Monthly cost (company)"), services.won(previous.company_cost) if previous else None,
                 services.won(enrolment.company_cost)))
    rows.append((_l("Window"), None, services.window_label(enrolment.window)))
    if enrolment.life_event is not None:
        event_type = benefits_policy().life_events.get(enrolment.life_event.kind)
        rows.append((_l("Life event"), None, f"{event_type.name(str(get_locale() or 'ko')) if event_type else ''} "
                                             f"{enrolment.life_event.event_date.isoformat()}"))
    return Description(summary=summary(enrolment), rows=rows)


def apply(request, actor) -> None:
    services.approve(_subject(request), actor)


def _release(state: EnrolmentState):
    def hook(request, actor) -> None:
        enrolment = _subject(request)
        if enrolment.state is EnrolmentState.pending:
            services.release(enrolment, state, actor)
    return hook


register_kind(RequestKind(
    name="benefit_enrolment", label=_l("Benefit enrolment"), validate=validate, apply=apply, describe=describe,
    on_reject=_release(EnrolmentState.rejected), on_withdraw=_release(EnrolmentState.withdrawn),
    on_cancel=_release(EnrolmentState.cancelled),
))
