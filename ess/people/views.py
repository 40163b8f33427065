"""The colleague directory."""
from flask import Blueprint, abort, render_template, request

from ess.people import directory
from ess.security import allow, rate_limited

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.get("/")
@allow("employee")
@rate_limited("search")
def index():
    query = request.args.get("q", "")
    department_id = request.args.get("department", type=int)
    page = request.args.get("page", 1, type=int)
    result = directory.search_directory(query, department_id, page)
    return render_template(
        "people/directory.html",
        result=result,
        query=query,
        department_id=department_id,
        department_options=directory.department_options(department_id),
    )


@bp.get("/<employee_no>")
@allow("employee")
def profile(employee_no: str):
    colleague = directory.get_colleague(employee_no)
    if colleague is None:
        abort(404)
    return render_template(
        "people/profile.html", colleague=colleague, reports=directory.direct_reports(colleague)
    )
