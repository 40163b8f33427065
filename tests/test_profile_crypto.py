"""Sensitive values are encrypted at rest, never stored, logged, audited or mailed in clear; keys rotate."""
import logging

from cryptography.fernet import Fernet
from sqlalchemy import inspect, select, text

from ess.db import db
from ess.people.models import Employee
from ess.profile.models import PersonalDetails

from ess.profile.demo import demo_rrn

RRN = demo_rrn("920315", "1", "54321")
ACCOUNT = "110987654321"
DEMO_ACCOUNT = "12340204567891"
CLEAR_VALUES = (RRN, RRN.replace("-", ""), ACCOUNT, "110-987-654321", DEMO_ACCOUNT)


def every_text_in_the_database() -> str:
    """Every row of every table, as text, read with plain SQL."""
    chunks = []
    with db.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


def test_raw_row_holds_no_clear_rrn_or_account(app, demo):
    with app.app_context():
        employee = db.session.scalar(select(Employee).where(Employee.employee_no == "E1041"))
        details = db.session.scalar(select(PersonalDetails).where(PersonalDetails.employee_id == employee.id))
        details.resident_registration_number = RRN
        details.bank_account_number = ACCOUNT
        db.session.commit()
        raw = db.session.execute(text(
            "SELECT resident_registration_number, bank_account_number FROM personal_details WHERE employee_id = :id"),
            {"id": employee.id}).one()
        assert raw[0].startswith("gAAAA") and raw[1].startswith("gAAAA")  # Fernet tokens
        assert "920315" not in raw[0] and "1234564" not in raw[0] and ACCOUNT not in raw[1]
        db.session.expire_all()
        assert details.resident_registration_number == RRN  # and the model still reads the clear value


def test_no_clear_value_anywhere_after_a_whole_journey(app, demo, browser, caplog):
    """Change, request, approve, reveal, export: the database (audit log, approvals, outbox mails) and the
    log hold no clear sensitive value."""
    caplog.set_level(logging.DEBUG)
    b = browser("E1041")
    b.post("/me/resident-registration-number", {"resident_registration_number.number": RRN})
    b.post("/me/bank-account", {"bank_account.bank": "088", "bank_account.number": "110-987-654321",
                                "bank_account.holder": "신준호"})
    hr = browser("E1011")
    with app.app_context():
        from ess.approvals.models import ApprovalRequest

        ids = [r.id for r in db.session.scalars(select(ApprovalRequest))]
    assert len(ids) == 2
    for request_id in ids:
        page = hr.get(f"/approvals/{request_id}").get_data(as_text=True)
        assert "***-****-4321" in page or "******-1******" in page
        assert hr.post(f"/approvals/{request_id}/approve").status_code == 302
    assert RRN in b.post("/me/reveal", {"field": "resident_registration_number"}).get_data(as_text=True)
    assert hr.post("/hr/employees/E1041/reveal", {"field": "bank_account"}).status_code == 200
    assert b.get("/me/export").status_code == 200
    b.get("/me/history")
    with app.app_context():
        from ess.notify.models import OutboxMessage

        assert db.session.scalar(select(OutboxMessage.id).limit(1)) is not None  # mails were written
        dump = every_text_in_the_database()
        assert "***-****-4321" in dump or "******-1******" in dump  # masked values are there …
        for clear in CLEAR_VALUES:
            assert clear not in dump, clear                         # … clear ones are not
        details = db.session.scalar(select(PersonalDetails).join(Employee).where(Employee.employee_no == "E1041"))
        assert (details.resident_registration_number, details.bank_account_number) == (RRN, ACCOUNT)
    logged = caplog.text
    for clear in CLEAR_VALUES:
        assert clear not in logged, clear


def forget_sensitive_values() -> None:
    """Drop the demo's values (written with the development key) so a test starts with its own keys."""
    db.session.execute(text("UPDATE personal_details SET resident_registration_number = NULL, "
                            "bank_account_number = NULL"))
    db.session.execute(text("DELETE FROM profile_sealed_values"))
    db.session.commit()


def test_rotate_keys_re_encrypts_with_the_new_first_key(app, make_app, demo):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    first = make_app(ENCRYPTION_KEYS=[old_key])
    with first.app_context():
        forget_sensitive_values()
        for details in db.session.scalars(select(PersonalDetails)):
            details.resident_registration_number = RRN
        db.session.commit()
        tokens_before = db.session.execute(text("SELECT resident_registration_number FROM personal_details")).scalars().all()
        assert len(tokens_before) == 4
        assert all(Fernet(old_key.encode()).decrypt(t.encode()) == RRN.encode() for t in tokens_before)

    # New key first, old key still listed: old values decrypt before rotation.
    both = make_app(ENCRYPTION_KEYS=[new_key, old_key])
    with both.app_context():
        assert {d.resident_registration_number for d in db.session.scalars(select(PersonalDetails))} == {RRN}
    result = both.test_cli_runner().invoke(args=["ess", "rotate-keys"])
    assert result.exit_code == 0, result.output
    rotated = len(tokens_before)
    assert f"{rotated} re-encrypted" in result.output and "0 refused" in result.output
    again = both.test_cli_runner().invoke(args=["ess", "rotate-keys"])
    assert "0 re-encrypted" in again.output and f"{rotated} unchanged" in again.output

    # Only the new key now: everything still decrypts; the old key alone no longer does.
    only_new = make_app(ENCRYPTION_KEYS=[new_key])
    with only_new.app_context():
        assert {d.resident_registration_number for d in db.session.scalars(select(PersonalDetails))} == {RRN}
        tokens = db.session.execute(text("SELECT resident_registration_number FROM personal_details")).scalars().all()
        assert all(Fernet(new_key.encode()).decrypt(t.encode()) == RRN.encode() for t in tokens)
        assert not set(tokens) & set(tokens_before)


def test_rotate_reports_values_no_key_opens(app, make_app, demo):
    lost = make_app(ENCRYPTION_KEYS=[Fernet.generate_key().decode()])
    with lost.app_context():
        forget_sensitive_values()
        details = db.session.scalars(select(PersonalDetails)).first()
        details.bank_account_number = ACCOUNT
        db.session.commit()
    other = make_app(ENCRYPTION_KEYS=[Fernet.generate_key().decode()])
    result = other.test_cli_runner().invoke(args=["ess", "rotate-keys"])
    assert result.exit_code == 1
    assert "refused: personal_details.bank_account_number" in result.output


def test_development_key_is_derived_when_no_keys_are_set(make_app):
    from ess.crypto import development_key, keyring

    app = make_app(ENCRYPTION_KEYS=[])
    with app.app_context():
        ring = keyring()
        assert ring.development
        assert ring.first.decrypt(Fernet(development_key(app.config["SECRET_KEY"])).encrypt(b"x")) == b"x"
