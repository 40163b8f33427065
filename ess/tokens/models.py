"""A service token: a name, scopes, an expiry; only the SHA-256 of its secret is stored."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ess import clock
from ess.db import UTCDateTime, db
from ess.people.models import Employee


class TokenState(enum.Enum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


class ServiceToken(db.Model):
    __tablename__ = "service_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, so people can tell their tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When a use was last written to the audit log (at most one event a minute per token).
    last_audited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[Employee | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[Employee | None] = relationship(foreign_keys=[revoked_by_id])

    def state(self, now: datetime | None = None) -> TokenState:
        now = now or clock.now()
        if self.revoked_at is not None:
            return TokenState.revoked
        if self.expires_at is not None and self.expires_at <= now:
            return TokenState.expired
        return TokenState.active

    def revoke(self, now: datetime | None = None) -> bool:
        """Revoke the token; False when it was revoked already."""
        if self.revoked_at is not None:
            return False
        self.revoked_at = now or clock.now()
        return True
