"""/api/v1/openapi.json: the API described from the code, and /api/v1/docs, its readable reference."""
from flask import Blueprint, current_app, jsonify, render_template

from ess.api.openapi import build_document
from ess.api.reference import reference
from ess.security import ANONYMOUS, allow

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@allow(ANONYMOUS)
def openapi_document():
    return jsonify(build_document(current_app))


@bp.get("/docs")
@allow(ANONYMOUS)
def docs():
    document = build_document(current_app)
    sections, schemas = reference(document)
    return render_template("api/docs.html", document=document, sections=sections, schemas=schemas)
