"""Domain errors and the HTTP error responses: HTML pages for people, problem+json for programs."""
from __future__ import annotations

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

# Seconds a client is asked to wait when the database does not answer: long enough for a restart or a
# failover, short enough that people retrying by hand are not turned away for long.
DATABASE_RETRY_AFTER = 15
SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "readonly", "read-only")


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


def database_unavailable(error: Exception) -> bool:
    """The database did not answer (down, unreachable, connection cut, SQLite locked past its busy
    timeout, pool exhausted), as opposed to a bug in a query, which stays a 500."""
    if isinstance(error, PoolTimeout) or (isinstance(error, DBAPIError) and error.connection_invalidated):
        return True
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        # SQLite reports mistakes in a statement as OperationalError too; only these mean "unavailable".
        return any(word in str(error.orig).lower() for word in SQLITE_UNAVAILABLE)
    return True


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def handle_database_error(error: Exception):
        from ess.db import db
        from ess.extensions import login_manager

        if not database_unavailable(error):
            return handle_unexpected(error)
        app.logger.warning("database unavailable on %s %s: %s", request.method, request.path,
                           str(getattr(error, "orig", None) or error).splitlines()[0][:300])
        try:
            db.session.rollback()  # nothing of this request is kept
        except Exception:  # the connection is gone; the pool replaces it on the next checkout
            db.session.invalidate()
        # The person cannot be loaded without the database: render the page as for a visitor, so
        # the page itself needs no query.
        g._login_user = login_manager.anonymous_user()
        response = make_response(_respond(
            503, _("The database does not answer at the moment. Nothing was saved; please try again in a moment."),
            code="database_unavailable"))
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response

    @app.errorhandler(StaleDataError)
    def handle_stale_data(error: StaleDataError):
        """A versioned record changed between our reading it and writing it: refuse rather than overwrite."""
        from ess.db import db

        db.session.rollback()
        return _respond(409, _("Someone else changed this meanwhile. Reload the page to see the current "
                               "version, then try again."), code="changed_meanwhile")

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
