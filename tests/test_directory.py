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


# --- The search served by ix_employees_directory finds what the plain rule finds, in the same order ---------

def _reference(query: str, department_ids: set[int] | None = None) -> list[str]:
    """The directory's rule as it was written before it had an index of its own: `lower(field) LIKE '%query%'`
    on the name, English name, title and (joined) department name of every active person, by name, then id."""
    from sqlalchemy import func, or_, select

    from ess.db import db
    from ess.people.models import Department, Employee, EmployeeStatus

    statement = (select(Employee.employee_no).outerjoin(Department, Department.id == Employee.department_id)
                 .where(Employee.status == EmployeeStatus.active))
    query = query.strip()
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            Employee.name, Employee.name_en, Employee.title, Department.name))))
    if department_ids:
        statement = statement.where(Employee.department_id.in_(department_ids))
    return list(db.session.scalars(statement.order_by(Employee.name, Employee.id)))


def _every_page(query: str, department_id: int | None = None) -> list[str]:
    from ess.people.directory import search_directory

    found, page = [], 1
    while True:
        result = search_directory(query, department_id, page)
        found += [person.employee_no for person in result.people]
        if not result.has_next:
            return found
        page += 1


def _awkward_colleagues() -> None:
    """People whose fields make matching easy to get wrong: shared names (order by id), capitals, missing English
    name, title or department, wildcards in a name, someone who left, and 40 namesakes to fill two pages."""
    from ess.db import db
    from ess.people.models import Department, Employee, EmployeeStatus

    sales = db.session.scalar(db.select(Department).where(Department.name == "영업팀"))
    people = [
        ("X001", "이준", "Jun LEE", "대리", sales.id), ("X002", "이준", "jun lee", "팀장", None),
        ("X003", "이준", None, None, sales.id), ("X004", "박%_준", "Park Percent", "사원", None),
        ("X005", "정하늘", "Haneul Jung", "Lead Engineer", sales.id), ("X006", "떠난사람", "Gone Away", "대리", None),
    ] + [(f"Y{n:03d}", f"한테스트{n % 7}", f"Test Han {n}", "연구원", sales.id if n % 2 else None)
         for n in range(40)]
    for number, name, name_en, title, department_id in people:
        db.session.add(Employee(employee_no=number, name=name, name_en=name_en, title=title,
                                department_id=department_id, email=f"{number.lower()}@example.com"))
    db.session.flush()
    db.session.scalar(db.select(Employee).where(Employee.employee_no == "X006")).status = EmployeeStatus.inactive
    db.session.commit()


QUERIES = ["", "김", "이준", "준", "jun", "JUN", "Lee", "n l", "한테스트", "test han 3", "팀", "영업", "영업팀", "대리",
           "lead", "ENGINEER", "%", "_", "%_", "박%", "\\", "gone", "E10", "nobody-like-this",
           # A newline joins the fields of the search key: no field holds one, so these match nobody.
           "lee\n대리", "jun lee\n팀장", "n\nL"]


def test_search_finds_what_the_plain_rule_finds_in_the_same_order(app, demo):
    from ess.db import db
    from ess.people.directory import department_and_below
    from ess.people.models import Department

    with app.app_context():
        _awkward_colleagues()
        technology = db.session.scalar(db.select(Department.id).where(Department.name == "기술본부"))
        sales = db.session.scalar(db.select(Department.id).where(Department.name == "영업팀"))
        for query in QUERIES:
            assert _every_page(query) == _reference(query), repr(query)
        for department in (technology, sales):
            below = department_and_below(department)
            for query in ("", "이준", "한테스트", "대리", "영업"):
                assert _every_page(query, department) == _reference(query, below), (query, department)
        # Both pages of a long result are full and in order.
        assert len(_reference("한테스트")) == 40 and len(_every_page("한테스트")) == 40


def test_a_query_spanning_two_fields_finds_nobody_on_the_page(app, demo, browser):
    with app.app_context():
        _awkward_colleagues()
    b = browser("E1041")
    assert "이준" in listing(b.get("/people/?q=jun lee").get_data(as_text=True))
    assert "검색과 일치하는 동료가 없습니다." in b.get("/people/?q=jun%20lee%0A팀장").get_data(as_text=True)


# --- Every way a name is written leaves it searchable ----------------------------------------------------------
# The search key is a column the database generates from the name, English name and title, so no write path has
# to remember it; these go through each path that writes those fields and search for what it wrote.

def _found(query: str) -> list[str]:
    from ess.people.directory import search_directory

    return [person.employee_no for person in search_directory(query).people]


def test_names_written_by_import_scim_profile_and_bulk_insert_are_searchable(app, demo):
    from sqlalchemy import insert, update

    from conftest import ROLE_GROUPS
    from ess.db import db
    from ess.people.csv_import import import_employees
    from ess.people.models import Employee
    from ess.profile import fields
    from ess.scim import services as scim
    from ess.scim.resources import UserData

    with app.app_context():
        # CSV import: a new person, and a person renamed.
        header = "employee_no,email,name,name_en,department,title,manager_employee_no,hire_date,country,groups\n"
        summary = import_employees(header + "Z001,z001@example.com,가져온사람,Imported Person,영업팀,수습,,,KR,\n"
                                   "E1041,jiyoung.kim@example.com,김새롬,Saerom Kim,,선임,,,KR,\n",
                                   role_groups=ROLE_GROUPS)
        assert summary.ok, summary.refused
        db.session.commit()
        assert _found("가져온사람") == ["Z001"] and _found("imported") == ["Z001"]
        assert _found("김새롬") == ["E1041"] and _found("saerom") == ["E1041"] and "E1041" not in _found("지영")

        # SCIM: provisioned, then renamed with a new title.
        data = dict(user_name="scim.person@example.com", title="인턴", active=True, external_id=None,
                    employee_number=None, department=None, manager_id=None)
        employee = scim.create_user(UserData(display_name="스킴사람", **data), actor=None)
        db.session.commit()
        assert _found("스킴사람") == [employee.employee_no]
        scim.replace_user(employee, UserData(display_name="스킴새이름", **{**data, "title": "정규직"}), actor=None)
        db.session.commit()
        assert _found("스킴새이름") == [employee.employee_no] and _found("정규직") == [employee.employee_no]
        assert _found("스킴사람") == []

        # Profile: HR changes a legal name, English name and title (what an approved change writes).
        someone = db.session.scalar(db.select(Employee).where(Employee.employee_no == "E1042"))
        for field, value in (("legal_name", "권새이름"), ("name_en", "Saeireum Kwon"), ("title", "수석연구원")):
            fields.write(someone, None, field, value)
        db.session.commit()
        for query in ("권새이름", "saeireum", "수석연구원"):
            assert "E1042" in _found(query), query

        # Bulk INSERT and UPDATE statements, as `ess bench seed` writes on SQLite (COPY on PostgreSQL, below).
        db.session.execute(insert(Employee), [dict(employee_no="Z002", name="벌크사람", name_en="Bulk Person",
                                                   title="계약직", email="z002@example.com")])
        db.session.execute(update(Employee).where(Employee.employee_no == "Z001").values(name="바뀐사람"))
        db.session.commit()
        assert _found("벌크사람") == ["Z002"] and _found("계약직") == ["Z002"] and _found("bulk person") == ["Z002"]
        assert _found("바뀐사람") == ["Z001"] and _found("가져온사람") == []


def test_people_written_by_the_bench_seed_are_searchable(make_app):
    """`ess bench seed` writes people with COPY on PostgreSQL and bulk INSERTs on SQLite, bypassing the ORM."""
    from sqlalchemy import select

    from ess.db import db
    from ess.people.models import Employee
    from test_bench_seed import _empty

    app = make_app(TODAY="2026-06-15")
    with app.app_context():
        _empty()
        result = app.test_cli_runner().invoke(args=["ess", "bench", "seed", "--employees", "13", "--articles", "0",
                                                    "--years", "1"])
        assert result.exit_code == 0, result.output
        people = db.session.execute(select(Employee.employee_no, Employee.name, Employee.name_en, Employee.title)).all()
        assert len(people) == 13
        for number, name, name_en, title in people:
            assert number in _found(name), name
            assert number in _found(name_en.upper()), name_en
            assert number in _found(title), title
