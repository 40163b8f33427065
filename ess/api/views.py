"""/api/v1/openapi.json: the API described from the code."""
from flask import Blueprint, current_app, jsonify

from ess.api.openapi import build_document
from ess.security import ANONYMOUS, allow

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@allow(ANONYMOUS)
def openapi_document():
    return jsonify(build_document(current_app))
