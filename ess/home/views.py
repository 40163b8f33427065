"""Home page and /healthz."""
from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from ess.db import db
from ess.people import directory
from ess.security import ANONYMOUS, allow

bp = Blueprint("home", __name__)


@bp.get("/")
@allow("employee")
def index():
    me = current_user._get_current_object()
    reports = directory.direct_reports(me) if "manager" in me.roles else []
    return render_template("home/index.html", me=me, reports=reports)


@bp.get("/healthz")
@allow(ANONYMOUS)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
