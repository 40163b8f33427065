"""Service-token use cases: create (the secret is returned once), revoke, authenticate, record use."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from ess import audit, clock
from ess.db import db
from ess.errors import ConflictError, DomainError
from ess.tokens.models import ServiceToken, TokenState

# Scopes offered even before an endpoint declares them; API operations add theirs (see `known_scopes`).
BASE_SCOPES = ("scim", "people:read", "leave:read")
SECRET_PREFIX = "ess_"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
MAX_EXPIRES_DAYS = 3650
AUDIT_EVERY = timedelta(minutes=1)


def known_scopes(app) -> list[str]:
    """BASE_SCOPES plus every scope an API operation of this app declares."""
    from ess.tokens.principal import required_scopes

    scopes = set(BASE_SCOPES)
    for view in app.view_functions.values():
        scopes |= required_scopes(view)
    return sorted(scopes)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def find_by_name(name: str) -> ServiceToken | None:
    return db.session.scalar(select(ServiceToken).where(ServiceToken.name == name))


def list_tokens() -> list[ServiceToken]:
    return list(db.session.scalars(select(ServiceToken).order_by(ServiceToken.revoked_at.is_not(None),
                                                                 ServiceToken.name)))


def create_token(name: str, scopes, *, expires_days: int | None, actor, allowed_scopes) -> tuple[ServiceToken, str]:
    """Create a token; returns it with its secret, which is shown once and never stored."""
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise DomainError(_l("Use 1–80 letters, digits, dots, hyphens or underscores, starting with a letter or digit."),
                          field="name", code="invalid")
    if find_by_name(name) is not None:
        raise ConflictError(_l("A token with this name exists already (revoked tokens keep their names)."),
                            field="name", code="taken")
    scopes = sorted({s.strip() for s in scopes if s and s.strip()})
    if not scopes:
        raise DomainError(_l("Choose at least one scope."), field="scopes", code="required")
    unknown = [s for s in scopes if s not in allowed_scopes]
    if unknown:
        raise DomainError(_l("Unknown scope: %(scopes)s", scopes=", ".join(unknown)), field="scopes", code="invalid")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise DomainError(_l("The expiry must be between 1 and %(max)s days.", max=MAX_EXPIRES_DAYS),
                          field="expires_days", code="invalid")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = ServiceToken(
        name=name, secret_hash=hash_secret(secret), hint=secret[:12], scopes=scopes, created_at=now,
        created_by_id=getattr(actor, "id", None),
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record("token.created", actor=actor, subject=token, changes={
        "name": name, "scopes": scopes, "expires_at": token.expires_at.isoformat() if token.expires_at else None})
    return token, secret


def revoke_token(token: ServiceToken, *, actor) -> bool:
    """Revoke a token at once; False when it was revoked already."""
    if not token.revoke(clock.now()):
        return False
    token.revoked_by_id = getattr(actor, "id", None)
    audit.record("token.revoked", actor=actor, subject=token, changes={"name": token.name})
    db.session.flush()
    return True


def authenticate(secret: str) -> tuple[ServiceToken | None, str]:
    """The token this secret belongs to and its state: ("active"), "expired", "revoked" or "unknown"."""
    secret = (secret or "").strip()
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None, "unknown"
    token = db.session.scalar(select(ServiceToken).where(ServiceToken.secret_hash == hash_secret(secret)))
    if token is None:
        return None, "unknown"
    return token, token.state().value


def _claim_audit_slot(token: ServiceToken, now) -> bool:
    """Atomically take this minute's audit slot for the token (parallel requests write one event)."""
    result = db.session.execute(
        update(ServiceToken)
        .where(ServiceToken.id == token.id,
               or_(ServiceToken.last_audited_at.is_(None), ServiceToken.last_audited_at <= now - AUDIT_EVERY))
        .values(last_audited_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_use(token: ServiceToken, *, method: str, path: str) -> None:
    """Remember when the token was last used; audit at most one use a minute per token."""
    now = clock.now()
    db.session.execute(update(ServiceToken).where(ServiceToken.id == token.id).values(last_used_at=now)
                       .execution_options(synchronize_session=False))
    if _claim_audit_slot(token, now):
        audit.record("token.used", subject=token, changes={"name": token.name, "method": method, "path": path[:200]})
    db.session.flush()


def record_refused(token: ServiceToken, *, reason: str, path: str) -> None:
    """A revoked or expired token was tried: audited, at most once a minute per token."""
    if _claim_audit_slot(token, clock.now()):
        audit.record("token.refused", subject=token, changes={"name": token.name, "reason": reason, "path": path[:200]})
    db.session.flush()


__all__ = ["TokenState", "known_scopes", "create_token", "revoke_token", "authenticate", "record_use",
           "record_refused", "find_by_name", "list_tokens", "hash_secret"]
