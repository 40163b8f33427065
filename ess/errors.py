"""Domain errors and the HTTP error responses: HTML pages for people, problem+json for programs."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule refused an action. `field` names the offending input, `code` is stable for programs."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        if status is not None:
            self.status = status


class ConflictError(DomainError):
    status = 409


def wants_problem_json() -> bool:
    if request.path.startswith("/api/") or request.path.startswith("/scim/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def problem(status: int, title: str, detail: str | None = None, **extra):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood"),
        401: _("Please sign in"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("This action is not allowed here"),
        409: _("This changed meanwhile"),
        413: _("The upload is too large"),
        422: _("Please check what you entered"),
        429: _("Too many attempts; please wait a moment"),
        500: _("Something went wrong on our side"),
        503: _("The service is unavailable for a moment"),
    }


def _respond(status: int, detail: str | None = None, field: str | None = None, code: str | None = None):
    title = _titles().get(status, _("Something went wrong on our side"))
    if wants_problem_json():
        return problem(status, title, detail, field=field, code=code)
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        from ess.db import db

        db.session.rollback()  # a refused action leaves nothing half-saved
        return _respond(error.status, str(error.message), error.field, error.code)

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        return _respond(400, _("The form expired or was sent from elsewhere. Please try again."), code="csrf")

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        # Werkzeug's stock descriptions are English prose for developers; show only our own.
        detail = error.description if error.description != type(error).description else None
        return _respond(error.code or 500, detail)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from ess.db import db

        db.session.rollback()
        return _respond(500)
