"""Sign-in and sign-out pages: SSO at /auth/login → /auth/callback, and the demo sign-in."""
from __future__ import annotations

from urllib.parse import urlencode

from authlib.integrations.base_client.errors import OAuthError
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from ess.auth import oidc, services
from ess.auth.personas import demo_personas
from ess.auth.sessions import end_session, start_session
from ess.db import db
from ess.errors import DomainError
from ess.extensions import limiter
from ess.security import ANONYMOUS, allow, safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


# Limits on the whole blueprint are checked before CSRF, so refused attempts count too.
limiter.limit(_login_rate_limit)(bp)


def _refuse(reason: str, message, status: int = 403, **facts):
    """A failed sign-in: undo anything half-done, keep only the audit event, show a clear page."""
    db.session.rollback()
    services.record_failed_sign_in(reason, **facts)
    db.session.commit()
    return render_template("auth/refused.html", message=message), status


def _provider_down(error: Exception):
    current_app.logger.warning("identity provider unreachable at %s: %s", request.path, type(error).__name__)
    return render_template("auth/provider_down.html"), 503


@bp.get("/login")
@allow(ANONYMOUS)
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    if not oidc.oidc_configured():
        if current_app.config["DEV_LOGIN"]:
            return redirect(url_for("auth.dev_login", next=next_url))
        return render_template("auth/not_configured.html"), 503
    session["next"] = next_url
    try:
        oidc.read_discovery()
        return oidc.client().authorize_redirect(url_for("auth.callback", _external=True))
    except Exception as error:  # the provider's discovery document could not be read
        return _provider_down(error)


@bp.get("/callback")
@allow(ANONYMOUS)
def callback():
    if not oidc.oidc_configured():
        abort(404)
    if "error" in request.args:
        return _refuse("provider_error", request.args.get("error_description") or request.args["error"][:100])
    try:
        token = oidc.client().authorize_access_token()
        claims = oidc.merged_claims(token)
    except OAuthError as exc:  # tampered or replayed state, bad code, bad id_token
        return _refuse(exc.error or "oauth_error", None, status=400)
    except OSError as error:  # the provider went down between its login form and our code exchange
        return _provider_down(error)
    except ValueError as exc:
        return _refuse("invalid_token", None, status=400, detail=str(exc)[:200])
    try:
        employee = services.sign_in_with_claims(
            current_app.config["OIDC_ISSUER"], claims, current_app.config["ROLE_GROUPS"]
        )
    except services.SignInRefused as refusal:
        return _refuse(refusal.code, refusal.message, sub=str(claims.get("sub", ""))[:255])
    next_url = session.get("next")
    db.session.commit()
    start_session(employee, id_token=token.get("id_token"), signed_in_with="oidc")
    return redirect(safe_next(next_url))


@bp.route("/dev-login", methods=["GET", "POST"])
@allow(ANONYMOUS)
def dev_login():
    if not current_app.config["DEV_LOGIN"] or current_app.config["ESS_ENV"] == "production":
        abort(404)
    error = None
    typed = request.form.get("employee", "")
    if request.method == "POST":
        try:
            employee = services.sign_in_for_demo(typed)
        except DomainError as refusal:
            db.session.rollback()
            services.record_failed_sign_in(refusal.code, identifier=typed[:100])
            db.session.commit()
            error = refusal.message
        else:
            db.session.commit()
            start_session(employee, signed_in_with="dev")
            return redirect(safe_next(request.args.get("next")))
    return render_template(
        "auth/dev_login.html",
        personas=demo_personas(),
        typed=typed,
        error=error,
        next=request.args.get("next", ""),
    ), (422 if error else 200)


@bp.post("/logout")
@allow("employee")
def logout():
    id_token = session.get("id_token")
    services.record_sign_out(current_user._get_current_object())
    db.session.commit()
    end_session()
    if id_token and oidc.oidc_configured():
        try:
            endpoint = oidc.end_session_endpoint()
        except Exception:
            current_app.logger.warning("identity provider unreachable at sign-out; signed out locally only")
            endpoint = None
        if endpoint:
            query = urlencode(
                {
                    "id_token_hint": id_token,
                    "post_logout_redirect_uri": url_for("auth.signed_out", _external=True),
                    "client_id": current_app.config["OIDC_CLIENT_ID"],
                }
            )
            return redirect(f"{endpoint}?{query}")
    return redirect(url_for("auth.signed_out"))


@bp.get("/signed-out")
@allow(ANONYMOUS)
def signed_out():
    return render_template("auth/signed_out.html")
