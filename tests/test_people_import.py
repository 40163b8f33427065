"""`flask ess people import`: all-or-nothing upsert, line-numbered refusals, dry run, roles from groups."""
from sqlalchemy import func, select

from ess.audit import AuditEvent
from ess.db import db
from ess.people.models import Department, Employee

HEADER = "employee_no,email,name,name_en,department,title,manager_employee_no,hire_date,country,groups\n"
GOOD = HEADER + (
    "A1,boss@corp.example,김대표,Boss Kim,본사,대표,,2015-01-02,KR,Portal-Admins\n"
    "A2,hr@corp.example,이인사,HR Lee,본사/인사팀,팀장,A1,2018-03-01,KR,HR;Staff\n"
    "A3,dev@corp.example,박개발,,본사/개발팀,개발자,A2,2024-02-29,KR,\n"
)


def run_import(app, tmp_path, text, *args):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["ess", "people", "import", str(path), *args])


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_import_creates_people_departments_and_roles(app, tmp_path):
    result = run_import(app, tmp_path, GOOD)
    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated, 0 unchanged, 0 refused" in result.output
    with app.app_context():
        dev = db.session.scalar(select(Employee).where(Employee.employee_no == "A3"))
        assert dev.manager.employee_no == "A2"
        assert [d.name for d in dev.department.path()] == ["본사", "개발팀"]
        assert dev.hire_date.isoformat() == "2024-02-29"
        hr = db.session.scalar(select(Employee).where(Employee.employee_no == "A2"))
        assert hr.roles == {"employee", "manager", "hr"}
        boss = db.session.scalar(select(Employee).where(Employee.employee_no == "A1"))
        assert boss.roles == {"employee", "manager", "admin"}
        assert dev.roles == {"employee"}


def test_reimport_is_idempotent_and_reports_updates(app, tmp_path):
    run_import(app, tmp_path, GOOD)
    again = run_import(app, tmp_path, GOOD)
    assert "0 created, 0 updated, 3 unchanged" in again.output
    changed = GOOD.replace("개발자,A2", "선임 개발자,A2").replace("HR;Staff", "Staff")
    result = run_import(app, tmp_path, changed)
    assert "0 created, 2 updated, 1 unchanged" in result.output
    with app.app_context():
        hr = db.session.scalar(select(Employee).where(Employee.employee_no == "A2"))
        assert "hr" not in hr.roles
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "employee.updated")).all()
        assert events[0].changes["title"] == {"before": "개발자", "after": "선임 개발자"}
        role_events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "role.changed")).all()
        assert role_events[-1].changes["roles"] == {"before": ["hr"], "after": []}


def test_bad_rows_are_reported_by_line_and_nothing_is_written(app, tmp_path):
    bad = GOOD + (
        "A4,not-an-email,최오류,,본사,,,2024-01-01,KR,\n"
        "A5,e5@corp.example,,,본사,,,2024-13-01,KR,\n"
        "A6,e6@corp.example,정매니저,,본사,,Z9,2024-01-01,XX,\n"
        "A1,dup@corp.example,중복,,본사,,,2024-01-01,KR,\n"
    )
    result = run_import(app, tmp_path, bad)
    assert result.exit_code == 1
    assert "line 5: email 'not-an-email' is not valid" in result.output
    assert "line 6: name is empty; hire_date '2024-13-01' is not a date" in result.output
    assert "line 7: country 'XX' is not a known country code" in result.output
    assert "line 8: employee_no A1 also on line 2" in result.output
    assert "nothing was written" in result.output
    assert count(app, Employee) == 0 and count(app, Department) == 0


def test_unknown_manager_is_refused(app, tmp_path):
    result = run_import(app, tmp_path, HEADER + "B1,b1@corp.example,갑,,,,Z9,,KR,\n")
    assert result.exit_code == 1 and "line 2: manager Z9 is not an employee" in result.output


def test_missing_columns_are_refused(app, tmp_path):
    result = run_import(app, tmp_path, "employee_no,email\nA1,a@corp.example\n")
    assert result.exit_code == 1 and "header lacks name" in result.output


def test_dry_run_writes_nothing(app, tmp_path):
    result = run_import(app, tmp_path, GOOD, "--dry-run")
    assert result.exit_code == 0 and "3 would be created" in result.output
    assert count(app, Employee) == 0 and count(app, AuditEvent) == 0


def test_groups_map_exactly_like_the_sso_claim(app, tmp_path):
    from ess.auth.roles import roles_from_groups
    from conftest import ROLE_GROUPS

    assert roles_from_groups(["hr", "Staff"], ROLE_GROUPS) == {"hr"}
    assert roles_from_groups(["IT-Authors", "Portal-Admins"], ROLE_GROUPS) == {"it_author", "admin"}
    assert roles_from_groups([], ROLE_GROUPS) == set()
