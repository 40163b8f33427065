"""A small built-in request kind: a certificate of employment (재직증명서) that HR approves.

It proves the engine end to end until the domain kinds land, and stays useful afterwards.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ess import audit
from ess.approvals.registry import Description, RequestKind, register_kind
from ess.errors import DomainError

PURPOSES = {
    "bank": _l("Bank or loan"),
    "visa": _l("Visa or immigration"),
    "government": _l("Government office"),
    "other": _l("Other"),
}
LANGUAGES = {"ko": _l("Korean"), "en": _l("English")}


def validate(request) -> None:
    payload = request.payload
    if payload.get("purpose") not in PURPOSES:
        raise DomainError(_l("Choose what the certificate is for."), field="purpose", code="required")
    if payload.get("language") not in LANGUAGES:
        raise DomainError(_l("Choose the certificate's language."), field="language", code="required")
    copies = payload.get("copies")
    if not isinstance(copies, int) or not 1 <= copies <= 5:
        raise DomainError(_l("Ask for 1 to 5 copies."), field="copies", code="range")
    if len(payload.get("note") or "") > 500:
        raise DomainError(_l("Keep the note under 500 characters."), field="note", code="too_long")


def describe(request) -> Description:
    payload = request.payload
    summary = _l("Certificate of employment (%(purpose)s, %(copies)s)",
                 purpose=PURPOSES.get(payload.get("purpose"), "?"), copies=payload.get("copies"))
    rows = [
        (_l("Purpose"), None, PURPOSES.get(payload.get("purpose"), "?")),
        (_l("Language"), None, LANGUAGES.get(payload.get("language"), "?")),
        (_l("Copies"), None, payload.get("copies")),
    ]
    if payload.get("note"):
        rows.append((_l("Note"), None, payload["note"]))
    return Description(summary=str(summary), rows=rows)


def apply(request, actor) -> None:
    audit.record("certificate.issued", actor=actor, subject=request.requester,
                 changes={"approval_id": request.id, "purpose": request.payload.get("purpose")})


register_kind(RequestKind(
    name="employment_certificate",
    label=_l("Certificate of employment"),
    validate=validate,
    apply=apply,
    describe=describe,
))
