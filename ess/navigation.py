"""The main navigation: which sections a person sees, by role. Domains add their entries here."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: frozenset[str]


NAV_ITEMS = (
    NavItem("home.index", _l("Home"), frozenset({"employee"})),
    NavItem("people.index", _l("Directory"), frozenset({"employee"})),
)


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    roles = user.roles
    return [item for item in NAV_ITEMS if item.roles & roles]
