"""The main navigation: which sections a person sees, by role. Domains add their entries here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask_babel import lazy_gettext as _l


def _approvals_waiting(user) -> int:
    from ess.approvals.queue import waiting_count

    return waiting_count(user)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: frozenset[str]
    # A number shown beside the label (e.g. requests waiting for me); 0 hides it.
    badge: Callable | None = None


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object
    badge: int = 0


# Self-service first, then deciding, then the HR, IT and admin tools.
NAV_ITEMS = (
    NavItem("home.index", _l("Home"), frozenset({"employee"})),
    NavItem("profile.me", _l("My details"), frozenset({"employee"})),
    NavItem("leave.index", _l("My leave"), frozenset({"employee"})),
    NavItem("benefits.index", _l("My benefits"), frozenset({"employee"})),
    NavItem("approvals.my_requests", _l("My requests"), frozenset({"employee"})),
    NavItem("knowledge.index", _l("Handbook & guides"), frozenset({"employee"})),
    NavItem("helpdesk.index", _l("Ask HR/IT"), frozenset({"employee"})),
    NavItem("people.index", _l("Directory"), frozenset({"employee"})),
    NavItem("approvals.index", _l("Approvals"), frozenset({"employee"}), badge=_approvals_waiting),
    NavItem("leave.team", _l("Team calendar"), frozenset({"manager"})),
    NavItem("helpdesk.queue", _l("Questions to my team"), frozenset({"hr", "it_author"})),
    NavItem("profile_hr.index", _l("Employees"), frozenset({"hr"})),
    NavItem("leave.reports", _l("Leave reports"), frozenset({"hr"})),
    NavItem("benefits.hr", _l("Benefits"), frozenset({"hr"})),
    NavItem("helpdesk.announcements", _l("Announcements"), frozenset({"hr"})),
    NavItem("knowledge.manage", _l("Manage articles"), frozenset({"hr", "it_author", "admin"})),
    NavItem("insights.index", _l("Insights"), frozenset({"hr", "it_author", "admin"})),
    NavItem("notify.index", _l("Outbox"), frozenset({"admin"})),
    NavItem("tokens.index", _l("Service tokens"), frozenset({"admin"})),
    NavItem("webhooks.index", _l("Webhooks"), frozenset({"admin"})),
)


def navigation_for(user) -> list[NavEntry]:
    if not user.is_authenticated:
        return []
    roles = user.roles
    return [
        NavEntry(item.endpoint, item.label, item.badge(user) if item.badge else 0)
        for item in NAV_ITEMS
        if item.roles & roles
    ]
