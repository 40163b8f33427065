"""Admin pages for service tokens: list, create (the secret is shown once), revoke."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ess.db import db
from ess.errors import DomainError
from ess.security import allow
from ess.tokens import services
from ess.tokens.models import ServiceToken

bp = Blueprint("tokens", __name__, url_prefix="/admin/tokens")
EXPIRY_CHOICES = ("30", "90", "365", "never")


def _render_index(form=None, error=None, status=200):
    return render_template(
        "tokens/index.html",
        tokens=services.list_tokens(),
        scopes=services.known_scopes(current_app),
        expiry_choices=EXPIRY_CHOICES,
        form=form or {"name": "", "scopes": [], "expires": "90"},
        error=error,
    ), status


@bp.get("/")
@allow("admin")
def index():
    return _render_index()


@bp.post("/")
@allow("admin")
def create():
    form = {"name": request.form.get("name", "").strip(), "scopes": request.form.getlist("scopes"),
            "expires": request.form.get("expires", "90")}
    if form["expires"] not in EXPIRY_CHOICES:
        form["expires"] = "90"
    expires_days = None if form["expires"] == "never" else int(form["expires"])
    try:
        token, secret = services.create_token(form["name"], form["scopes"], expires_days=expires_days,
                                              actor=current_user._get_current_object(),
                                              allowed_scopes=services.known_scopes(current_app))
    except DomainError as error:
        db.session.rollback()
        return _render_index(form, error, status=error.status)
    db.session.commit()
    # Rendered, not redirected: the secret must not travel through the session cookie.
    return render_template("tokens/created.html", token=token, secret=secret), 201


@bp.post("/<int:token_id>/revoke")
@allow("admin")
def revoke(token_id: int):
    token = db.session.get(ServiceToken, token_id)
    if token is None:
        abort(404)
    if services.revoke_token(token, actor=current_user._get_current_object()):
        flash(_("Token %(name)s was revoked; programs using it are refused from now on.", name=token.name), "info")
    db.session.commit()
    return redirect(url_for("tokens.index"))
