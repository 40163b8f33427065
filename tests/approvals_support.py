"""Helpers for approval tests: people by number, a policies folder with a custom chain, submitting."""
from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from ess.approvals import services as approvals
from ess.db import db
from ess.people.models import Employee

POLICIES = Path(__file__).resolve().parent.parent / "policies"
CERTIFICATE = {"purpose": "bank", "language": "ko", "copies": 1}


def person(number: str) -> Employee:
    return db.session.scalar(select(Employee).where(Employee.employee_no == number))


def policies_with(tmp_path: Path, approvals_toml: str) -> str:
    """A copy of the shipped policies folder with approvals.toml replaced."""
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder, dirs_exist_ok=True)
    (folder / "approvals.toml").write_text(approvals_toml, encoding="utf-8")
    return str(folder)


MANAGER_THEN_HR = """
[kinds.employment_certificate]
steps = [{ decider = "manager" }, { decider = "role", role = "hr" }]
"""


def ask_certificate(number: str = "E1041", **payload):
    requester = person(number)
    return approvals.submit("employment_certificate", requester=requester, subject_type="employee",
                            subject_id=requester.id, payload={**CERTIFICATE, **payload}, actor=requester)
