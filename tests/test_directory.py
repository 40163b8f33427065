"""The directory finds colleagues by name or department and shows work details only."""


def listing(page: str) -> str:
    """The result list only, without the header that names the signed-in person."""
    return page.split("<main", 1)[1]


def test_find_by_korean_name_part(app, demo, browser):
    page = listing(browser("E1041").get("/people/?q=지영").get_data(as_text=True))
    assert "김지영" in page and "신준호" not in page


def test_find_by_department_and_english_name(app, demo, browser):
    b = browser("E1041")
    page = listing(b.get("/people/?q=영업팀").get_data(as_text=True))
    assert "정대현" in page and "고은서" in page and "김지영" not in page
    assert "김지영" in b.get("/people/?q=jiyoung").get_data(as_text=True)


def test_wildcards_are_literal(app, demo, browser):
    page = browser("E1041").get("/people/?q=%25").get_data(as_text=True)
    assert "검색과 일치하는 동료가 없습니다." in page


def test_profile_shows_manager_and_reports(app, demo, browser):
    page = browser("E1041").get("/people/E1005").get_data(as_text=True)
    assert "최유나" in page and "신준호" in page and "한빛나" in page


def test_pagination(app, demo, browser):
    b = browser("E1041")
    first = b.get("/people/").get_data(as_text=True)
    assert "page=2" in first
    second = b.get("/people/?page=2").get_data(as_text=True)
    assert "page=1" in second


def test_deactivated_colleague_is_not_listed(app, demo, browser):
    from sqlalchemy import select

    from ess.db import db
    from ess.people.models import Employee

    with app.app_context():
        db.session.scalar(select(Employee).where(Employee.employee_no == "E1042")).deactivate()
        db.session.commit()
    b = browser("E1041")
    assert "검색과 일치하는 동료가 없습니다." in b.get("/people/?q=권나은").get_data(as_text=True)
    assert b.get("/people/E1042").status_code == 404


def test_department_filter_includes_departments_below(app, demo, browser):
    from sqlalchemy import select

    from ess.db import db
    from ess.people.models import Department

    with app.app_context():
        division = db.session.scalar(select(Department).where(Department.name == "기술본부")).id
    page = listing(browser("E1041").get(f"/people/?department={division}").get_data(as_text=True))
    assert "박성민" in page and "최유나" in page and "김지영" not in page
