"""Mail through the outbox to a real SMTP server on loopback: nothing lost, nothing sent twice."""
import threading

import pytest
from sqlalchemy import func, select

from approvals_support import MANAGER_THEN_HR, ask_certificate, person, policies_with
from ess.approvals import services as approvals
from ess.db import db
from ess.notify.delivery import MAX_ATTEMPTS, deliver_due
from ess.notify.models import OutboxMessage, OutboxState
from mailbox import Mailbox


@pytest.fixture
def mail_app(make_app, app, demo, mailbox, tmp_path):
    return make_app(SMTP_URL=mailbox.url, PUBLIC_URL="https://ess.hanbit.example",
                    POLICIES_DIR=policies_with(tmp_path, MANAGER_THEN_HR))


def run_worker(app, *args):
    return app.test_cli_runner().invoke(args=["ess", "worker", "--once", *args])


def outbox_states(app):
    with app.app_context():
        return dict(db.session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())


def test_nothing_is_queued_for_a_rolled_back_change(mail_app):
    with mail_app.app_context():
        ask_certificate()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_request_walks_manager_then_hr_and_everyone_is_told(mail_app, mailbox):
    with mail_app.app_context():
        request = ask_certificate()
        db.session.commit()
        request_id = request.id
    assert run_worker(mail_app).exit_code == 0
    requester, manager = "junho.shin@hanbit.example", "yuna.choi@hanbit.example"
    assert [m["Subject"] for m in mailbox.to(requester)] == ["요청 접수: 재직증명서 (은행·대출, 1부)"]
    decide = mailbox.to(manager)
    assert len(decide) == 1 and decide[0]["Subject"] == "결재 요청: 재직증명서 (은행·대출, 1부) (신준호)"
    assert f"https://ess.hanbit.example/approvals/{request_id}" in Mailbox.text(decide[0])
    assert f'href="https://ess.hanbit.example/approvals/{request_id}"' in Mailbox.html(decide[0])

    with mail_app.app_context():
        approvals.approve(request_id, actor=person("E1005"))
        db.session.commit()
    run_worker(mail_app)
    hr_people = {"jiyoung.kim@hanbit.example", "sumin.lee@hanbit.example", "seoyeon.park@hanbit.example"}
    assert {m["To"] for m in mailbox.messages[2:]} == hr_people

    with mail_app.app_context():
        approvals.approve(request_id, actor=person("E1011"))
        db.session.commit()
    run_worker(mail_app)
    final = mailbox.to(requester)[-1]
    assert final["Subject"] == "[승인] 재직증명서 (은행·대출, 1부)"
    assert len(mailbox.messages) == 6


def test_mail_is_in_the_recipients_language(mail_app, mailbox):
    with mail_app.app_context():
        person("E1005").locale = "en"
        ask_certificate()
        db.session.commit()
    run_worker(mail_app)
    english = mailbox.to("yuna.choi@hanbit.example")[0]
    assert english["Subject"].startswith("Please decide: ")
    assert "Hello, 최유나" in Mailbox.text(english)


def test_smtp_outage_loses_nothing_and_sends_once(mail_app, mailbox):
    mailbox.stop()
    with mail_app.app_context():
        for number in ("E1041", "E1042", "E1043"):
            ask_certificate(number)
        db.session.commit()
    result = run_worker(mail_app)
    assert "0 sent, 6 to retry" in result.output
    assert outbox_states(mail_app) == {OutboxState.pending: 6}
    with mail_app.app_context():  # let the retry fall due now instead of waiting for the backoff
        from ess import clock

        for message in db.session.scalars(select(OutboxMessage)):
            assert message.attempts == 1 and "ConnectionRefused" in message.last_error
            message.next_attempt_at = clock.now()
        db.session.commit()
    mailbox.start()
    run_worker(mail_app)
    run_worker(mail_app)
    assert len(mailbox.wait_for(6)) == 6
    assert outbox_states(mail_app) == {OutboxState.sent: 6}
    assert len({m["Message-ID"] for m in mailbox.messages}) == 6


def test_gives_up_after_the_limit_and_admin_can_retry(mail_app, mailbox, browser):
    mailbox.stop()
    with mail_app.app_context():
        ask_certificate()
        db.session.commit()
        from ess import clock

        for _ in range(MAX_ATTEMPTS):
            for message in db.session.scalars(select(OutboxMessage)):
                message.next_attempt_at = clock.now()
            db.session.commit()
            deliver_due()
    assert outbox_states(mail_app) == {OutboxState.failed: 2}
    admin = browser("E1034")
    page = admin.get("/admin/outbox/").get_data(as_text=True)
    assert "요청 접수" in page and "ConnectionRefused" in page
    with mail_app.app_context():
        failed_id = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id))
    assert admin.post(f"/admin/outbox/{failed_id}/retry").status_code == 302
    mailbox.start()
    run_worker(mail_app)
    assert len(mailbox.wait_for(1)) == 1


def test_two_workers_never_send_a_message_twice(mail_app, mailbox):
    with mail_app.app_context():
        for number in ("E1041", "E1042", "E1043", "E1044", "E1045", "E1046"):
            ask_certificate(number)
        db.session.commit()
        queued = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    barrier = threading.Barrier(2)

    def work():
        with mail_app.app_context():
            barrier.wait()
            for _ in range(3):
                try:
                    deliver_due()
                except Exception:
                    db.session.rollback()  # SQLite: the other worker held the write lock
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with mail_app.app_context():
        deliver_due()  # whatever a refused claim left behind
    mailbox.wait_for(queued)
    assert len(mailbox.messages) == queued
    assert len({m["Message-ID"] for m in mailbox.messages}) == queued


def test_worker_without_smtp_settings_says_so(make_app, app):
    result = make_app(SMTP_URL=None).test_cli_runner().invoke(args=["ess", "worker", "--once"])
    assert result.exit_code != 0 and "ESS_SMTP_URL" in result.output
