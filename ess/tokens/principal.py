"""What `current_user` is during a request made with a service token: a program, not a person."""
from __future__ import annotations

from dataclasses import dataclass

from ess.errors import DomainError


def required_scopes(view) -> frozenset[str]:
    """The scopes that let a token call a view: `token_scopes` (SCIM) or its API operation's scopes."""
    scopes = getattr(view, "token_scopes", None)
    if scopes is None:
        operation = getattr(view, "api_operation", None)
        scopes = operation.scopes if operation is not None else ()
    return frozenset(scopes)


def token_scopes(*scopes: str):
    """Declare the scopes a service token needs for a view that is not an API operation (SCIM)."""

    def decorate(view):
        view.token_scopes = frozenset(scopes)
        return view

    return decorate


@dataclass(frozen=True)
class TokenPrincipal:
    """A signed-in program. It holds no roles and has no person behind it (`id` is None), so a view
    that needs a person refuses it; `ess.security` lets it call only views naming one of its scopes."""

    token_id: int
    name: str
    scopes: frozenset[str]

    is_service = True
    is_authenticated = True
    is_active = True
    is_anonymous = False
    id = None
    locale = None
    roles = frozenset()

    @property
    def display_name(self) -> str:
        return f"token {self.name}"

    def get_id(self):  # never stored in a session
        return None

    def authorize(self, view) -> None:
        needed = required_scopes(view)
        if not needed:
            raise DomainError("This operation needs a signed-in person; service tokens cannot call it.",
                              code="person_required", status=403)
        if not needed & self.scopes:
            raise DomainError(f"This token lacks the scope {' or '.join(sorted(needed))}.", field="scope",
                              code="insufficient_scope", status=403)


def is_person(user) -> bool:
    """True for a signed-in employee, False for anonymous users and service tokens."""
    return bool(user is not None and user.is_authenticated and not getattr(user, "is_service", False))


def audit_actor(actor) -> tuple[object | None, dict]:
    """The employee to name as the actor of an audit event, and facts saying which token acted."""
    if getattr(actor, "is_service", False):
        return None, {"token": actor.name}
    return actor, {}
