"""Static files for a first visit in few requests: every stylesheet in one file and every script in one,
built from the source files in ess/static when the app starts, named by a hash of their content and cached
by browsers for a year. A changed source file gives a new name, so nobody keeps a stale copy.

The source files stay where they are and are edited as before; templates ask `asset_url("css")`,
`asset_url("js")` or `asset_url("icon")` instead of naming them. Responses, these included, are compressed
(zstd, brotli or gzip, as the browser accepts) by Flask-Compress.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, request, url_for

from ess.security import ANONYMOUS, allow

STATIC = Path(__file__).resolve().parent / "static"
YEAR = 365 * 24 * 3600

# Order matters for the stylesheet: the shared rules first, then each domain's (as the pages loaded them).
# Every script is an enhancement that looks for its own form and does nothing elsewhere; ess.js comes first
# because the others use window.ess.
BUNDLES = {
    "css": ("ess.css", "text/css", ("css/ess.css", "css/benefits.css", "css/leave.css", "css/knowledge.css",
                                    "css/helpdesk.css", "css/webhooks.css")),
    "js": ("ess.js", "text/javascript", ("js/ess.js", "js/leave.js", "js/kb-suggest.js",
                                         "js/helpdesk-suggest.js")),
    "icon": ("favicon.svg", "image/svg+xml", ("favicon.svg",)),
}

# What the portal sends that compresses well (images and uploads are compressed already).
COMPRESSED = ("text/html", "text/css", "text/javascript", "application/javascript", "application/json",
              "application/problem+json", "application/scim+json", "text/csv", "text/calendar", "text/plain",
              "image/svg+xml")

bp = Blueprint("assets", __name__)


@dataclass(frozen=True)
class Bundle:
    name: str  # e.g. ess.css
    hashed: str  # e.g. ess.3f2a9c1d0b7e.css
    mimetype: str
    body: bytes
    stamp: tuple  # the sources' modification times, to rebuild in development


def _build(name: str, mimetype: str, sources: tuple[str, ...]) -> Bundle:
    parts, stamp = [], []
    for source in sources:
        path = STATIC / source
        stamp.append(path.stat().st_mtime_ns)
        text = path.read_text(encoding="utf-8").rstrip("\n")
        # A comment naming each part keeps the bundle readable in the browser's tools.
        parts.append(f"/* {source} */\n{text}\n" if len(sources) > 1 else text + "\n")
    separator = ";\n" if mimetype == "text/javascript" else "\n"
    body = separator.join(parts).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()[:12]
    stem, dot, ext = name.rpartition(".")
    return Bundle(name=name, hashed=f"{stem}.{digest}{dot}{ext}", mimetype=mimetype, body=body, stamp=tuple(stamp))


def build_all() -> dict[str, Bundle]:
    return {key: _build(*spec) for key, spec in BUNDLES.items()}


def _bundles() -> dict[str, Bundle]:
    bundles = current_app.extensions["ess_assets"]
    if current_app.debug:  # `flask run --debug`: an edited source shows on the next page load
        fresh = {key: spec for key, spec in BUNDLES.items()
                 if tuple((STATIC / s).stat().st_mtime_ns for s in spec[2]) != bundles[key].stamp}
        if fresh:
            bundles = {**bundles, **{key: _build(*spec) for key, spec in fresh.items()}}
            current_app.extensions["ess_assets"] = bundles
    return bundles


def asset_url(key: str) -> str:
    return url_for("assets.file", name=_bundles()[key].hashed)


@bp.get("/assets/<name>")
@allow(ANONYMOUS)
def file(name: str):
    """The hashed name is cached for a year and never revalidated; the plain name (for people and tools
    that look) is revalidated each time."""
    for bundle in _bundles().values():
        if name in (bundle.hashed, bundle.name):
            break
    else:
        abort(404)
    response = current_app.response_class(bundle.body, mimetype=bundle.mimetype)
    if name == bundle.hashed:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    response.set_etag(bundle.hashed)
    return response.make_conditional(request)


def register_assets(app: Flask) -> None:
    from ess.extensions import compress

    app.extensions["ess_assets"] = build_all()
    app.jinja_env.globals["asset_url"] = asset_url
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSED))
    compress.init_app(app)
