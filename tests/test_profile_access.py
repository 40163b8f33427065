"""Someone else's record: every personal-details route and API call answers 403/404 or only ever touches the
caller's own record, never another person's data. E1042 (권나은) and the manager E1005 try E1041's record."""
import pytest
from sqlalchemy import select

from ess.db import db
from ess.people.models import Employee
from ess.profile.models import Dependent, EmergencyContact, PersonalDetails

OWNER, OTHER, MANAGER = "E1041", "E1042", "E1005"
OWNER_SECRETS = ("***-****-7891", "12340204567891", "920315", "신미경", "김서윤", "테헤란로", "010-2345-6789")


def owner_items(app):
    with app.app_context():
        owner = db.session.scalar(select(Employee).where(Employee.employee_no == OWNER))
        contact = db.session.scalar(select(EmergencyContact).where(EmergencyContact.employee_id == owner.id))
        dependent = db.session.scalar(select(Dependent).where(Dependent.employee_id == owner.id))
        return contact.id, dependent.id


def owner_state(app):
    with app.app_context():
        owner = db.session.scalar(select(Employee).where(Employee.employee_no == OWNER))
        details = db.session.scalar(select(PersonalDetails).where(PersonalDetails.employee_id == owner.id))
        contacts = [(c.name, c.phone) for c in db.session.scalars(
            select(EmergencyContact).where(EmergencyContact.employee_id == owner.id))]
        dependents = [(d.name, str(d.birth_date)) for d in db.session.scalars(
            select(Dependent).where(Dependent.employee_id == owner.id))]
        return (owner.name, details.mobile_phone, details.bank_account_number, details.resident_registration_number,
                contacts, dependents)


@pytest.mark.parametrize("op", ["update", "remove", "up", "down"])
def test_emergency_contacts_of_someone_else_are_not_found(app, demo, browser, op):
    contact_id, _ = owner_items(app)
    before = owner_state(app)
    response = browser(OTHER).post("/me/emergency-contacts", {"op": op, "item_id": contact_id, "name": "x",
                                                              "relation": "friend", "phone": "010-1111-2222"})
    assert response.status_code == 404
    assert owner_state(app) == before


@pytest.mark.parametrize("op", ["update", "remove"])
def test_dependents_of_someone_else_are_not_found(app, demo, browser, op):
    _, dependent_id = owner_items(app)
    before = owner_state(app)
    response = browser(OTHER).post("/me/dependents", {"op": op, "item_id": dependent_id, "name": "x",
                                                      "relation": "child", "birth_date": "2020-01-01"})
    assert response.status_code == 404
    assert owner_state(app) == before


@pytest.mark.parametrize("path, data", [
    ("/me/details", {"legal_name": "권나은", "mobile_phone": "010-7777-8888", "employee_no": OWNER,
                     "employee_id": "1"}),
    ("/me/bank-account", {"bank_account.bank": "004", "bank_account.number": "1234567890",
                          "bank_account.holder": "권나은", "employee_no": OWNER}),
    ("/me/resident-registration-number", {"resident_registration_number.number": "880101-1234568",
                                          "employee_no": OWNER}),
])
def test_my_forms_only_ever_change_my_own_record(app, demo, browser, path, data):
    before = owner_state(app)
    browser(OTHER).post(path, data)
    assert owner_state(app) == before


@pytest.mark.parametrize("path", ["/me", "/me/history", "/me/export", "/api/v1/me/profile"])
def test_my_pages_show_only_my_own_record(app, demo, browser, path):
    browser(OWNER).post("/me/details", {"legal_name": "신준호", "mobile_phone": "010-2345-6789",
                                        "preferred_name": "준호씨"})  # something in the owner's history
    page = browser(OTHER).get(path).get_data(as_text=True)
    main = page.split("<main", 1)[-1]
    for secret in OWNER_SECRETS + ("준호씨",):
        assert secret not in main, (path, secret)


@pytest.mark.parametrize("identity", [OTHER, MANAGER])
def test_reveal_shows_only_my_own_values(app, demo, browser, identity):
    for path, data, kwargs in [("/me/reveal", {"field": "bank_account", "employee_no": OWNER}, {}),
                               ("/me/reveal", {"field": "resident_registration_number"}, {})]:
        page = browser(identity).post(path, data, **kwargs).get_data(as_text=True)
        assert "12340204567891" not in page and "920315-1" not in page
    b = browser(identity)
    response = b.client.post("/api/v1/me/profile/reveal", json={"field": "bank_account", "employee_no": OWNER},
                             headers={"X-CSRFToken": b.csrf()})
    assert response.status_code == 200 and "12340204567891" not in response.get_data(as_text=True)


@pytest.mark.parametrize("method, path, data", [
    ("GET", "/hr/employees/", None),
    ("GET", "/hr/employees/E1041", None),
    ("POST", "/hr/employees/E1041/details", {"legal_name": "x"}),
    ("POST", "/hr/employees/E1041/bank-account", {"bank_account.bank": "004", "bank_account.number": "1234567890",
                                                  "bank_account.holder": "x"}),
    ("POST", "/hr/employees/E1041/resident-registration-number", {"resident_registration_number.number": "880101-1234568"}),
    ("POST", "/hr/employees/E1041/emergency-contacts", {"op": "remove", "item_id": "1"}),
    ("POST", "/hr/employees/E1041/dependents", {"op": "remove", "item_id": "1"}),
    ("POST", "/hr/employees/E1041/reveal", {"field": "bank_account"}),
    ("GET", "/hr/employees/E1041/history", None),
    ("GET", "/api/v1/employees/E1041/profile", None),
])
@pytest.mark.parametrize("identity", [OTHER, MANAGER])
def test_hr_routes_refuse_everyone_else(app, demo, browser, method, path, data, identity):
    before = owner_state(app)
    b = browser(identity)
    response = b.get(path) if method == "GET" else b.post(path, data)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "7891" not in body and "신미경" not in body
    assert owner_state(app) == before


def test_api_changes_only_my_own_record(app, demo, browser):
    before = owner_state(app)
    b = browser(OTHER)
    response = b.client.post("/api/v1/me/profile/changes", json={"mobile_phone": "010-7777-8888"},
                             headers={"X-CSRFToken": b.csrf()})
    assert response.status_code == 200
    assert response.get_json()["profile"]["employee_no"] == OTHER
    assert owner_state(app) == before


def test_api_refuses_bad_input_with_the_field(app, demo, browser):
    b = browser(OWNER)
    response = b.client.post("/api/v1/me/profile/changes", json={"mobile_phone": "12"},
                             headers={"X-CSRFToken": b.csrf()})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["field"] == "mobile_phone"
    asked = b.client.post("/api/v1/me/profile/changes", json={"bank_account": {
        "bank": "088", "number": "110-987-654321", "holder": "신준호"}}, headers={"X-CSRFToken": b.csrf()})
    body = asked.get_json()
    assert asked.status_code == 200 and body["requested"] == ["bank_account"] and body["approval_id"]
    assert body["profile"]["bank_account"]["number"] == "***-****-7891"
    assert body["profile"]["pending_fields"] == ["bank_account"]
    assert "110987654321" not in asked.get_data(as_text=True)
