"""Who may use which route (deny by default), security headers and safe redirects."""
from __future__ import annotations

import re
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request, url_for
from flask_login import current_user

ANONYMOUS = "anonymous"
ROLES = ("employee", "manager", "hr", "it_author", "admin")
# Only a service token holding one of the view's scopes (ess.tokens); never a person's session.
SERVICE_TOKEN = "service_token"


def allow(*roles: str) -> Callable:
    """Declare who may use a view: `anonymous`, or any of the roles. Checked before the view runs."""
    unknown = set(roles) - set(ROLES) - {ANONYMOUS, SERVICE_TOKEN}
    if not roles or unknown:
        raise ValueError(f"allow() needs known roles, got {roles!r}")

    def decorate(view):
        view.access_roles = frozenset(roles)
        return view

    return decorate


def access_roles(view) -> frozenset[str] | None:
    return getattr(view, "access_roles", None)


def user_may(user, roles: frozenset[str]) -> bool:
    if ANONYMOUS in roles:
        return True
    if not user.is_authenticated:
        return False
    return bool(roles & user.roles)


def enforce_access_rules() -> None:
    """before_request: refuse any route without an access rule, and any user the rule does not name."""
    if request.endpoint is None:
        return  # 404 / 405 follow
    view = current_app.view_functions[request.endpoint]
    roles = access_roles(view)
    if roles is None:
        current_app.logger.error("route %s has no access rule; refused", request.endpoint)
        abort(403)
    if ANONYMOUS in roles:
        return
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)  # programs get problem+json, not a sign-in page
        from ess.extensions import login_manager

        return login_manager.unauthorized()
    if getattr(current_user, "is_service", False):
        # A service token holds no roles: it may call only views that name one of its scopes.
        current_user.authorize(view)
        return
    if not user_may(current_user, roles):
        abort(403)


# U+0000 cannot be stored in PostgreSQL text, and lone surrogates cannot be encoded as UTF-8; nobody types
# either, and letting them through would fail at the database (a 500) instead of at the door.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable_field(value, name: str = "") -> str | None:
    """The name of the first field (dotted for JSON) holding an unstorable character, or None."""
    if isinstance(value, str):
        return name or "body" if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        path = f"{name}.{key}" if name else str(key)
        if isinstance(key, str) and UNSTORABLE.search(key):
            return path
        found = _unstorable_field(item, path)
        if found:
            return found
    return None


def refuse_unstorable_input() -> None:
    """before_request: refuse (422) a query, form or JSON body with U+0000 or a lone surrogate, naming the
    field."""
    from flask_babel import gettext as _

    from ess.errors import DomainError

    sources = [request.args.to_dict(flat=False)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sources.append(request.form.to_dict(flat=False))
        if request.is_json:
            sources.append(request.get_json(silent=True))
    for source in sources:
        field = _unstorable_field(source)
        if field:
            field = re.sub(r"\.\d+$", "", field)  # a form field's repeated values, not their positions
            raise DomainError(_("%(field)s contains a character that cannot be stored (U+0000 or a broken "
                                "character). Remove it and try again.", field=UNSTORABLE.sub("?", field)),
                              field=UNSTORABLE.sub("?", field), code="invalid_character")
    if _unstorable_field(request.view_args or {}):
        abort(404)  # nothing stored can be named so


def person_or_address() -> str:
    """Rate-limit key: the signed-in person (so colleagues behind one office NAT do not share a budget),
    else the client address."""
    if current_user.is_authenticated and not getattr(current_user, "is_service", False):
        return f"person:{current_user.get_id().split(':', 1)[0]}"
    return f"address:{request.remote_addr}"


def rate_limited(kind: str) -> Callable:
    """One budget per person for every route of a kind ("search": ESS_SEARCH_RATE_LIMIT, "question":
    ESS_QUESTION_RATE_LIMIT), so the page and the API share it. Over it: 429 (a page, or problem+json)."""
    from ess.extensions import limiter

    return limiter.shared_limit(lambda: current_app.config[f"{kind.upper()}_RATE_LIMIT"], scope=kind,
                                key_func=person_or_address)


def require(condition: bool) -> None:
    """Object-level check inside a view: 403 unless the condition holds."""
    if not condition:
        abort(403)


def safe_next(target: str | None, fallback_endpoint: str = "home.index") -> str:
    """Where to go after sign-in: only a path on this site, never another host or scheme."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
            and not any(ord(c) < 32 for c in target)
        ):
            return target
    return url_for(fallback_endpoint)


def _content_security_policy() -> str:
    form_action = "'self'"
    issuer = current_app.config.get("OIDC_ISSUER")
    if issuer:
        # Chromium applies form-action to the redirect after a form post (sign-out goes to the provider).
        parts = urlsplit(issuer)
        form_action += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"object-src 'none'; base-uri 'self'; form-action {form_action}; frame-ancestors 'none'"
    )


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", _content_security_policy())
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def register_security(app: Flask) -> None:
    app.before_request(enforce_access_rules)
    app.before_request(refuse_unstorable_input)
    app.after_request(set_security_headers)
    # Flask's own static route gets its rule here, since it is not declared with @allow.
    static_view = app.view_functions.get("static")
    if static_view is not None:
        static_view.access_roles = frozenset({ANONYMOUS})
