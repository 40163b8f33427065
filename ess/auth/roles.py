"""Roles from identity-provider groups, through ESS_ROLE_GROUPS; the same rule for SSO, SCIM and CSV."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from ess.people.models import GRANTED_ROLES


def normalise_groups(value) -> list[str]:
    """Providers send groups as a list, a single string, or not at all."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return [str(g).strip() for g in value if str(g).strip()]


def roles_from_groups(groups: Iterable[str], role_groups: Mapping[str, list[str]]) -> set[str]:
    """The explicit roles a person holds given their groups; group names compare case-insensitively."""
    held = {g.casefold() for g in groups}
    return {
        role
        for role, names in role_groups.items()
        if role in GRANTED_ROLES and any(name.casefold() in held for name in names)
    }
