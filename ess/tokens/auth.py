"""Bearer-token authentication for /api/ and /scim/: who the program is, its rate limit, its CSRF rule.

A request with `Authorization: Bearer <token>` to /api/… or /scim/… is made by a TokenPrincipal for
that request only (nothing goes into a session). An unknown, expired or revoked token gets 401.
SCIM takes only tokens: a browser session cookie never authenticates it. API writes from a browser
session still need the CSRF header: the API's views are exempt from Flask-WTF's automatic check because
programs send no cookie, and the check is made here for requests that carry no token.
"""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, request
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from ess.db import db
from ess.errors import problem
from ess.extensions import csrf, limiter
from ess.tokens import services
from ess.tokens.principal import TokenPrincipal

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
DEFAULT_RATE_LIMIT = "3000 per minute"  # app config TOKEN_RATE_LIMIT overrides
TOKEN_PATHS = ("/api/", "/scim/")
MESSAGES = {
    "missing": "Send a service token with the scim scope: Authorization: Bearer <token>.",
    "unknown": "The token is not valid.",
    "expired": "The token has expired.",
    "revoked": "The token was revoked.",
    "rate": "Too many requests with this token; retry after a moment.",
}


def scim_error(status: int, detail: str, scim_type: str | None = None):
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/scim+json"
    return response


def _refuse(status: int, reason: str):
    detail = MESSAGES[reason]
    if request.path.startswith("/scim/"):
        response = scim_error(status, detail)
    else:
        response = problem(status, "Unauthorized" if status == 401 else "Too many requests", detail,
                           code="invalid_token" if status == 401 else "rate_limited")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ess"' + (
            "" if reason == "missing" else ', error="invalid_token"')
    return response


def _bearer() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


# Counters for when the shared store (Redis) does not answer: each process counts on its own meanwhile.
_memory_limiter = FixedWindowRateLimiter(MemoryStorage())
_store_unreachable_logged = False


def _within_rate_limit(token) -> bool:
    global _store_unreachable_logged
    if not limiter.enabled:
        return True
    item = parse_limit(current_app.config.get("TOKEN_RATE_LIMIT") or DEFAULT_RATE_LIMIT)
    try:
        allowed = limiter.limiter.hit(item, "service-token", str(token.id))
    except Exception as error:  # Redis away: programs keep working, limited per process
        if not _store_unreachable_logged:
            current_app.logger.warning("rate-limit store unreachable (%s); service-token limits are counted "
                                       "in this process's memory until it answers", type(error).__name__)
            _store_unreachable_logged = True
        return _memory_limiter.hit(item, "service-token", str(token.id))
    _store_unreachable_logged = False
    return allowed


def authenticate_request():
    """before_request, after the session is loaded and before the access rules."""
    if not request.path.startswith(TOKEN_PATHS):
        return None
    secret = _bearer()
    if secret is None:
        if request.path.startswith("/scim/"):
            return _refuse(401, "missing")
        if request.method not in SAFE_METHODS:
            csrf.protect()  # a browser session writing through the API sends X-CSRFToken
        return None
    token, state = services.authenticate(secret)
    if token is None or state != "active":
        if token is not None:
            services.record_refused(token, reason=state, path=request.path)
            db.session.commit()
        return _refuse(401, state)
    if not _within_rate_limit(token):
        response = _refuse(429, "rate")
        response.headers["Retry-After"] = "60"
        return response
    services.record_use(token, method=request.method, path=request.path)
    principal = TokenPrincipal(token.id, token.name, frozenset(token.scopes))
    db.session.commit()
    g._login_user = principal  # Flask-Login's current_user for this request only
    return None


def register_token_auth(app: Flask) -> None:
    """Call after every API and SCIM blueprint is registered, before ess.security's access rules."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(TOKEN_PATHS):
            csrf.exempt(app.view_functions[rule.endpoint])
    app.before_request(authenticate_request)
