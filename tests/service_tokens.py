"""Test helper: create a service token the way an administrator would, and return its secret."""
from __future__ import annotations

from datetime import timedelta

from ess import clock
from ess.db import db


def make_token(app, name: str, scopes, *, expires_days: int | None = None, expired: bool = False,
               revoked: bool = False) -> str:
    from ess.tokens import services

    with app.app_context():
        token, secret = services.create_token(name, list(scopes), expires_days=expires_days, actor=None,
                                              allowed_scopes=services.known_scopes(app))
        if expired:
            token.expires_at = clock.now() - timedelta(minutes=1)
        if revoked:
            services.revoke_token(token, actor=None)
        db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}
