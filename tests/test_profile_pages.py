"""My details and HR's view: self fields saved at once, approval fields become requests, errors keep the form."""
from sqlalchemy import select

from ess.audit import AuditEvent
from ess.db import db
from ess.people.models import Employee
from ess.profile.models import Dependent, EmergencyContact, PersonalDetails


def employee(number):
    return db.session.scalar(select(Employee).where(Employee.employee_no == number))


def details_of(number):
    return db.session.scalar(select(PersonalDetails).where(PersonalDetails.employee_id == employee(number).id))


DETAILS = {
    "legal_name": "신준호", "preferred_name": "준호", "name_en": "Junho Shin", "personal_email": "junho@mail.example",
    "mobile_phone": "010-2345-6789", "address.country": "KR", "address.postal_code": "06236",
    "address.road": "서울특별시 강남구 테헤란로 152", "address.detail": "101동 1201호", "address.free": "",
}


def test_my_details_page_shows_masked_values(app, demo, browser):
    page = browser("E1041").get("/me").get_data(as_text=True)
    assert "***-****-7891" in page
    assert "******-1******" in page
    assert "12340204567891" not in page and "920315-1" not in page
    assert "신미경" in page and "김서윤" in page


def test_phone_change_is_saved_at_once_and_audited(app, demo, browser):
    b = browser("E1041")
    response = b.post("/me/details", {**DETAILS, "mobile_phone": "010 9876 5432"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert details_of("E1041").mobile_phone == "010-9876-5432"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.changed")).one()
        assert event.changes["mobile_phone"] == {"before": "010-2345-6789", "after": "010-9876-5432"}
        assert event.changes["via"] == "self"
    assert "010-9876-5432" in b.get("/me").get_data(as_text=True)


BANK = {"bank_account.bank": "088", "bank_account.number": "110-987-654321", "bank_account.holder": "신준호"}


def pending_request_id(app, number="E1041"):
    from ess.approvals import services as approvals

    with app.app_context():
        pending = approvals.pending_for_subject("employee", employee(number).id)
        assert len(pending) == 1
        return pending[0].id


def test_bank_account_change_waits_for_hr_then_applies_exactly(app, demo, browser):
    b = browser("E1041")
    response = b.post("/me/bank-account", BANK)
    assert response.status_code == 302
    page = b.get("/me").get_data(as_text=True)
    assert "***-****-7891" in page  # the old account stays until approved
    assert "***-****-4321" in page  # … and the asked one shows, masked, as waiting
    request_id = pending_request_id(app)
    with app.app_context():
        assert details_of("E1041").bank_account_number == "12340204567891"
        asked = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.change_requested")).one()
        assert asked.changes["bank_account"]["after"]["number"] == "***-****-4321"

    hr = browser("E1011")
    detail = hr.get(f"/approvals/{request_id}").get_data(as_text=True)
    assert "***-****-4321" in detail and "110987654321" not in detail
    assert hr.post(f"/approvals/{request_id}/approve").status_code == 302
    with app.app_context():
        account = details_of("E1041")
        assert (account.bank_code, account.bank_account_number, account.bank_account_holder) == (
            "088", "110987654321", "신준호")
        applied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.changed")).one()
        assert applied.actor_id == employee("E1011").id and applied.changes["via"] == "approval"
        assert applied.changes["bank_account"] == {
            "before": {"bank": "004", "number": "***-****-7891", "holder": "신준호"},
            "after": {"bank": "088", "number": "***-****-4321", "holder": "신준호"}}
    history = b.get("/me/history").get_data(as_text=True)
    assert "***-****-4321" in history and "***-****-7891" in history
    assert "110987654321" not in history


def test_approval_applies_only_the_asked_field_even_after_other_changes(app, demo, browser):
    b = browser("E1041")
    b.post("/me/details", {**DETAILS, "legal_name": "신준호A"})
    request_id = pending_request_id(app)
    b.post("/me/details", {**DETAILS, "mobile_phone": "010-1111-2222"})  # another field, meanwhile
    browser("E1011").post(f"/approvals/{request_id}/approve")
    with app.app_context():
        assert employee("E1041").name == "신준호A"
        assert details_of("E1041").mobile_phone == "010-1111-2222"


def test_decider_sees_both_values_when_the_same_field_changed_meanwhile(app, demo, browser):
    b = browser("E1041")
    b.post("/me/bank-account", BANK)
    request_id = pending_request_id(app)
    hr = browser("E1011")
    hr.post("/hr/employees/E1041/bank-account", {**BANK, "bank_account.number": "9999-8888-7777"})
    detail = hr.get(f"/approvals/{request_id}").get_data(as_text=True)
    assert "***-****-7891" in detail    # when asked
    assert "***-****-7777" in detail    # now
    assert "***-****-4321" in detail    # asked for
    assert "99998888777" not in detail
    hr.post(f"/approvals/{request_id}/approve")
    with app.app_context():
        assert details_of("E1041").bank_account_number == "110987654321"


def test_a_second_request_for_the_same_field_is_refused(app, demo, browser):
    b = browser("E1041")
    b.post("/me/bank-account", BANK)
    response = b.post("/me/bank-account?lang=en", {**BANK, "bank_account.number": "110-987-654322"})
    assert response.status_code == 422
    assert "A change to this is already waiting for approval." in response.get_data(as_text=True)


def test_bad_input_is_refused_with_the_form_kept_and_nothing_saved(app, demo, browser):
    b = browser("E1041")
    response = b.post("/me/details", {**DETAILS, "mobile_phone": "010-12", "personal_email": "junho@",
                                      "preferred_name": "새 이름", "address.postal_code": "1234"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="010-12"' in page and 'value="junho@"' in page and 'value="새 이름"' in page
    assert page.count('class="error"') >= 3
    with app.app_context():
        assert details_of("E1041").preferred_name is None
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("profile.%"))).all() == []


def test_bad_rrn_names_the_check_digit_in_english(app, demo, browser):
    b = browser("E1041")
    response = b.post("/me/resident-registration-number?lang=en",
                      {"resident_registration_number.number": "880101-1234567"})
    assert response.status_code == 422
    assert "check digit does not match" in response.get_data(as_text=True)


def test_readonly_fields_are_not_changed_by_the_employee(app, demo, browser):
    b = browser("E1041")
    b.post("/me/details", {**DETAILS, "title": "CTO", "hire_date": "2000-01-01"})
    with app.app_context():
        assert employee("E1041").title == "백엔드 개발자"


def contacts_of(number):
    return db.session.scalars(select(EmergencyContact).where(EmergencyContact.employee_id == employee(number).id)
                              .order_by(EmergencyContact.position)).all()


def test_emergency_contacts_add_edit_order_remove(app, demo, browser):
    b = browser("E1041")
    assert b.post("/me/emergency-contacts", {"op": "add", "name": "신동생", "relation": "sibling",
                                             "phone": "010-5555-6666"}).status_code == 302
    with app.app_context():
        contacts = contacts_of("E1041")
        assert [c.name for c in contacts] == ["신미경", "신동생"]
        second = contacts[1].id
    b.post("/me/emergency-contacts", {"op": "up", "item_id": second})
    b.post("/me/emergency-contacts", {"op": "update", "item_id": second, "name": "신동생",
                                      "relation": "sibling", "phone": "+1 415 555 0123"})
    with app.app_context():
        contacts = contacts_of("E1041")
        assert [(c.name, c.phone) for c in contacts] == [("신동생", "+14155550123"), ("신미경", "010-8765-4321")]
    refused = b.post("/me/emergency-contacts", {"op": "add", "name": "", "relation": "x", "phone": "1"})
    assert refused.status_code == 422
    b.post("/me/emergency-contacts", {"op": "remove", "item_id": second})
    with app.app_context():
        assert [c.name for c in contacts_of("E1041")] == ["신미경"]


def test_dependents_go_through_approval(app, demo, browser):
    b = browser("E1041")
    assert b.post("/me/dependents", {"op": "add", "name": "신하준", "relation": "child",
                                     "birth_date": "2024-03-01"}).status_code == 302
    request_id = pending_request_id(app)
    with app.app_context():
        assert db.session.scalar(select(Dependent).where(Dependent.name == "신하준")) is None
    browser("E1011").post(f"/approvals/{request_id}/approve")
    with app.app_context():
        assert db.session.scalar(select(Dependent).where(Dependent.name == "신하준")).relation == "child"
    future = b.post("/me/dependents", {"op": "add", "name": "미래", "relation": "child", "birth_date": "2999-01-01"})
    assert future.status_code == 422


def test_reveal_is_audited_and_needs_a_post(app, demo, browser):
    b = browser("E1041")
    assert b.get("/me/reveal").status_code == 405
    page = b.post("/me/reveal", {"field": "bank_account"}).get_data(as_text=True)
    assert "12340204567891" in page
    hr = browser("E1011")
    assert "920315-1" in hr.post("/hr/employees/E1041/reveal",
                                 {"field": "resident_registration_number"}).get_data(as_text=True)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.revealed")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.actor_id, e.changes["field"]) for e in events] == [
            (employee("E1041").id, "bank_account"), (employee("E1011").id, "resident_registration_number")]
    no_csrf = b.client.post("/me/reveal", data={"field": "bank_account"})
    assert no_csrf.status_code == 400


def test_hr_edits_any_field_at_once_and_it_is_audited(app, demo, browser):
    hr = browser("E1011")
    page = hr.get("/hr/employees/E1041").get_data(as_text=True)
    assert "***-****-7891" in page and "12340204567891" not in page
    with app.app_context():
        department_id = employee("E1002").department_id
    response = hr.post("/hr/employees/E1041/details", {
        **DETAILS, "legal_name": "신준호", "title": "시니어 백엔드 개발자", "manager": "E1002",
        "department": str(department_id), "hire_date": "2020-01-02"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    hr.post("/hr/employees/E1041/resident-registration-number",
            {"resident_registration_number.number": "210502-4123459",
             "resident_registration_number.new_scheme": "1"})
    with app.app_context():
        person = employee("E1041")
        assert (person.title, person.manager.employee_no, str(person.hire_date)) == (
            "시니어 백엔드 개발자", "E1002", "2020-01-02")
        assert details_of("E1041").resident_registration_number == "210502-4123459"
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.changed")).all()
        assert {e.changes["via"] for e in events} == {"hr"}
        assert any(e.changes.get("resident_registration_number", {}).get("after") == "******-4******"
                   for e in events)
    assert "시니어 백엔드 개발자" in hr.get("/hr/employees/E1041/history").get_data(as_text=True)


def test_hr_sees_pending_requests_of_the_person(app, demo, browser):
    browser("E1041").post("/me/bank-account", BANK)
    page = browser("E1011").get("/hr/employees/E1041").get_data(as_text=True)
    assert "승인을 기다리는 변경" in page and "***-****-4321" in page


def test_export_holds_everything_about_me(app, demo, browser):
    b = browser("E1041")
    b.post("/me/details", {**DETAILS, "mobile_phone": "010-9876-5432"})
    response = b.get("/me/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["employee"]["employee_no"] == "E1041"
    assert data["personal_details"]["mobile_phone"] == "010-9876-5432"
    assert data["personal_details"]["bank_account"]["number"] == "12340204567891"
    assert [c["name"] for c in data["emergency_contacts"]] == ["신미경"]
    assert {d["name"] for d in data["dependents"]} == {"김서윤", "신하린"}
    assert any(e["action"] == "profile.changed" for e in data["history_of_my_record"])
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.exported")).one()


def test_policy_file_decides_what_needs_approval(app, make_app, tmp_path):
    from conftest import Browser, ROLE_GROUPS
    from ess.demo import build_demo

    (tmp_path / "profile.toml").write_text('[fields]\nmobile_phone = "approval"\nbank_account = "self"\n')
    app = make_app(POLICIES_DIR=str(tmp_path))  # the `app` fixture emptied the tables
    with app.app_context():
        build_demo(ROLE_GROUPS)
        db.session.commit()
    b = Browser(app).sign_in("E1041")
    b.post("/me/details", {**DETAILS, "mobile_phone": "010-9876-5432"})
    b.post("/me/bank-account", BANK)
    with app.app_context():
        details = details_of("E1041")
        assert details.mobile_phone == "010-2345-6789"      # waits for approval
        assert details.bank_account_number == "110987654321"  # saved at once
