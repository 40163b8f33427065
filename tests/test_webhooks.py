"""Webhooks for decided requests, posted to a real HTTP receiver on loopback through the outbox worker."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, text

from approvals_support import ask_certificate, person
from ess import clock
from ess.approvals import services as approvals
from ess.audit import AuditEvent
from ess.db import db
from ess.notify.delivery import MAX_ATTEMPTS, deliver_due
from ess.notify.models import OutboxState
from ess.webhooks.models import WebhookDelivery, WebhookSubscription
from mailbox import free_port

TODAY = "2026-11-23"  # a Monday
ADMIN, EMPLOYEE, MANAGER, HR = "E1034", "E1041", "E1005", "E1011"


class Receiver:
    """A tiny HTTP server that keeps every POST and answers with the statuses it is told, then 200."""

    def __init__(self):
        self.port = free_port()
        self.received: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        self.delay = 0.0
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/ess"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def bodies(self) -> list[dict]:
        return [json.loads(item["body"]) for item in self.received]


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What the README tells receivers to do."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) <= tolerance


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def hook_app(make_app, app, demo, mailbox):
    return make_app(SMTP_URL=mailbox.url, PUBLIC_URL="https://ess.hanbit.example", TODAY=TODAY)


@pytest.fixture
def admin(hook_app, browser):
    from conftest import Browser

    return Browser(hook_app).sign_in(ADMIN)


SECRET_RE = re.compile(r'<code id="secret"[^>]*>(whsec_[^<]+)</code>')


def create_webhook(admin, url, *, name="payroll", events=("approval.decided",), kinds=()) -> tuple[int, str]:
    response = admin.post("/admin/webhooks/", {"name": name, "url": url, "events": list(events),
                                               "kinds": list(kinds)})
    page = response.get_data(as_text=True)
    assert response.status_code == 201, page[:2000]
    with admin.app.app_context():
        subscription_id = db.session.scalar(select(WebhookSubscription.id).where(WebhookSubscription.name == name))
    return subscription_id, SECRET_RE.search(page).group(1)


def run_worker(app):
    result = app.test_cli_runner().invoke(args=["ess", "worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def make_due(app):
    """Let retries fall due now instead of waiting for the backoff."""
    with app.app_context():
        for delivery in db.session.scalars(select(WebhookDelivery)):
            delivery.next_attempt_at = clock.now()
        db.session.commit()


def deliveries(app) -> list[tuple]:
    with app.app_context():
        return [(d.event, d.state, d.attempts, d.response_status, d.last_error)
                for d in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]


def approve_leave(app, *, comment=None) -> int:
    from ess.leave import services as leave

    with app.app_context():
        me = person(EMPLOYEE)
        request = leave.submit_request(me, leave_type="annual", start=date(2026, 12, 2), end=date(2026, 12, 2),
                                       reason="병원 진료 (개인 사정)", actor=me)
        db.session.commit()
        approval_id = request.approval_id
        approvals.approve(approval_id, actor=person(MANAGER), comment=comment)
        db.session.commit()
    return approval_id


def test_an_approved_leave_request_is_posted_once_and_signed_with_the_secret_shown_once(hook_app, admin, receiver):
    _, secret = create_webhook(admin, receiver.url)
    approval_id = approve_leave(hook_app, comment="팀 일정 확인함")
    run_worker(hook_app)
    run_worker(hook_app)

    assert len(receiver.received) == 1
    post = receiver.received[0]
    headers = post["headers"]
    assert post["path"] == "/hooks/ess"
    assert headers["Content-Type"] == "application/json" and headers["User-Agent"] == "ESS-Webhooks/1"
    assert verify(secret, headers["X-ESS-Signature"], post["body"])
    assert headers["X-ESS-Signature"].startswith(f"t={headers['X-ESS-Timestamp']},v1=")
    assert not verify(secret + "x", headers["X-ESS-Signature"], post["body"])
    assert not verify(secret, headers["X-ESS-Signature"], post["body"] + b" ")

    body = json.loads(post["body"])
    assert body["id"] == headers["X-ESS-Delivery"] and body["type"] == headers["X-ESS-Event"] == "approval.decided"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["created_at"])
    request = body["data"]["request"]
    assert request["id"] == approval_id and request["kind"] == "leave" and request["state"] == "approved"
    assert request["requester"] == EMPLOYEE and request["decided_by"] == MANAGER
    assert request["subject_type"] == "leave_request" and request["decided_at"].endswith("Z")
    assert request["url"] == f"https://ess.hanbit.example/approvals/{approval_id}"
    # Neither the decider's comment nor the requester's reason leaves the portal.
    assert "팀 일정" not in post["body"].decode() and "병원" not in post["body"].decode()
    assert deliveries(hook_app) == [("approval.decided", OutboxState.sent, 1, 200, None)]


def test_each_outcome_reaches_the_subscriptions_that_asked_for_it(hook_app, admin, receiver):
    create_webhook(admin, receiver.url, name="everything")
    create_webhook(admin, receiver.url, name="rejections", events=["approval.rejected", "approval.withdrawn"])
    with hook_app.app_context():
        rejected = ask_certificate("E1041")
        withdrawn = ask_certificate("E1042")
        cancelled = ask_certificate("E1043")
        db.session.commit()
        approvals.reject(rejected.id, actor=person(HR), reason="서류 부족")
        approvals.withdraw(withdrawn.id, actor=person("E1042"))
        approvals.cancel(cancelled.id, actor=person(HR), reason="중복 요청")
        db.session.commit()
    run_worker(hook_app)
    seen = sorted((b["type"], b["data"]["request"]["state"], b["data"]["request"]["decided_by"])
                  for b in receiver.bodies())
    assert seen == [
        ("approval.decided", "cancelled", HR), ("approval.decided", "rejected", HR),
        ("approval.decided", "withdrawn", "E1042"),
        ("approval.rejected", "rejected", HR), ("approval.withdrawn", "withdrawn", "E1042"),
    ]
    assert "서류 부족" not in str(receiver.bodies()) and "중복" not in str(receiver.bodies())


def test_a_rolled_back_decision_queues_nothing(hook_app, admin, receiver):
    create_webhook(admin, receiver.url)
    with hook_app.app_context():
        request_id = ask_certificate().id
        db.session.commit()
        approvals.reject(request_id, actor=person(HR), reason="x")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_receiver_down_loses_nothing_and_delivers_once_when_it_is_back(hook_app, admin, receiver):
    create_webhook(admin, receiver.url)
    receiver.stop()
    with hook_app.app_context():
        for number in ("E1041", "E1042"):
            request = ask_certificate(number)
            db.session.commit()
            approvals.reject(request.id, actor=person(HR), reason="x")
            db.session.commit()
    assert "2 to retry" in run_worker(hook_app)
    states = deliveries(hook_app)
    assert [(s[1], s[2]) for s in states] == [(OutboxState.pending, 1)] * 2
    assert all("ConnectionError" in s[4] and "refused" in s[4].lower() for s in states)
    run_worker(hook_app)  # not due yet: the backoff holds them back
    assert [s[2] for s in deliveries(hook_app)] == [1, 1]

    receiver.start()
    make_due(hook_app)
    run_worker(hook_app)
    run_worker(hook_app)
    assert len(receiver.received) == 2
    assert len({b["id"] for b in receiver.bodies()}) == 2
    assert [s[1] for s in deliveries(hook_app)] == [OutboxState.sent] * 2


def test_a_receiver_error_is_retried_with_the_same_id(hook_app, admin, receiver):
    _, secret = create_webhook(admin, receiver.url)
    receiver.answers = [(500, {})]
    approve_leave(hook_app)
    run_worker(hook_app)
    assert deliveries(hook_app) == [("approval.decided", OutboxState.pending, 1, 500, "HTTP 500")]
    make_due(hook_app)
    run_worker(hook_app)
    assert deliveries(hook_app) == [("approval.decided", OutboxState.sent, 2, 200, None)]
    first, second = receiver.received
    assert first["body"] == second["body"]
    assert all(verify(secret, post["headers"]["X-ESS-Signature"], post["body"]) for post in receiver.received)


def test_redirects_are_not_followed(hook_app, admin, receiver):
    create_webhook(admin, receiver.url)
    receiver.answers = [(302, {"Location": "http://169.254.169.254/latest/meta-data/"})]
    approve_leave(hook_app)
    run_worker(hook_app)
    assert len(receiver.received) == 1
    assert deliveries(hook_app) == [("approval.decided", OutboxState.pending, 1, 302,
                                     "HTTP 302: redirects are not followed")]


def test_a_slow_receiver_times_out_and_is_retried(hook_app, admin, receiver, monkeypatch):
    from ess.webhooks import delivery

    monkeypatch.setattr(delivery, "TIMEOUT", 0.5)
    create_webhook(admin, receiver.url)
    receiver.delay = 2
    approve_leave(hook_app)
    run_worker(hook_app)
    (event, state, attempts, status, error), = deliveries(hook_app)
    assert state is OutboxState.pending and attempts == 1 and status is None and "Timeout" in error


def test_after_the_limit_it_is_given_up_shown_to_admins_and_can_be_redelivered(hook_app, admin, receiver):
    subscription_id, secret = create_webhook(admin, receiver.url)
    receiver.answers = [(503, {})] * MAX_ATTEMPTS
    approve_leave(hook_app)
    with hook_app.app_context():
        for _ in range(MAX_ATTEMPTS):
            make_due(hook_app)
            deliver_due()
    assert deliveries(hook_app) == [("approval.decided", OutboxState.failed, MAX_ATTEMPTS, 503, "HTTP 503")]
    page = admin.get(f"/admin/webhooks/{subscription_id}").get_data(as_text=True)
    assert "발송 중단" in page and "HTTP 503" in page and "다시 보내기" in page
    assert "웹훅 전송 1건" in admin.get("/admin/outbox/").get_data(as_text=True)

    with hook_app.app_context():
        delivery_id = db.session.scalar(select(WebhookDelivery.id))
    response = admin.post(f"/admin/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver")
    assert response.status_code == 302
    run_worker(hook_app)
    assert deliveries(hook_app) == [("approval.decided", OutboxState.sent, 1, 200, None)]
    assert len(receiver.received) == MAX_ATTEMPTS + 1
    assert len({b["id"] for b in receiver.bodies()}) == 1
    with hook_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "webhook.redelivered")) == 1


def test_a_disabled_webhook_gets_nothing_queued(hook_app, admin, receiver):
    subscription_id, _ = create_webhook(admin, receiver.url)
    assert admin.post(f"/admin/webhooks/{subscription_id}/enabled", {"enabled": "0"}).status_code == 302
    approve_leave(hook_app)
    run_worker(hook_app)
    assert deliveries(hook_app) == [] and receiver.received == []
    assert "꺼짐" in admin.get("/admin/webhooks/").get_data(as_text=True)
    test = admin.post(f"/admin/webhooks/{subscription_id}/test", follow_redirects=True)
    assert "켜세요" in test.get_data(as_text=True) and deliveries(hook_app) == []


def test_the_kind_filter_sends_only_leave(hook_app, admin, receiver):
    create_webhook(admin, receiver.url, kinds=["leave"])
    with hook_app.app_context():
        certificate = ask_certificate()
        db.session.commit()
        approvals.approve(certificate.id, actor=person(HR))
        db.session.commit()
    approval_id = approve_leave(hook_app)
    run_worker(hook_app)
    assert [(b["data"]["request"]["kind"], b["data"]["request"]["id"]) for b in receiver.bodies()] == \
        [("leave", approval_id)]


def test_test_event_rotation_and_redelivery_of_a_delivered_message(hook_app, admin, receiver):
    subscription_id, secret = create_webhook(admin, receiver.url)
    page = admin.post(f"/admin/webhooks/{subscription_id}/test", follow_redirects=True).get_data(as_text=True)
    assert "테스트 이벤트" in page
    run_worker(hook_app)
    (ping,) = receiver.received
    body = json.loads(ping["body"])
    assert body["type"] == "webhook.test" and body["data"] == {"webhook": {"id": subscription_id, "name": "payroll"}}
    assert verify(secret, ping["headers"]["X-ESS-Signature"], ping["body"])

    rotated = admin.post(f"/admin/webhooks/{subscription_id}/rotate-secret")
    new_secret = SECRET_RE.search(rotated.get_data(as_text=True)).group(1)
    assert new_secret != secret
    with hook_app.app_context():
        delivery_id = db.session.scalar(select(WebhookDelivery.id))
    admin.post(f"/admin/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver")
    run_worker(hook_app)
    again = receiver.received[1]
    assert again["body"] == ping["body"]
    assert verify(new_secret, again["headers"]["X-ESS-Signature"], again["body"])
    assert not verify(secret, again["headers"]["X-ESS-Signature"], again["body"])


def test_the_secret_is_stored_encrypted_and_never_audited_or_shown_again(hook_app, admin, receiver):
    subscription_id, secret = create_webhook(admin, receiver.url)
    rotated = admin.post(f"/admin/webhooks/{subscription_id}/rotate-secret")
    new_secret = SECRET_RE.search(rotated.get_data(as_text=True)).group(1)
    with hook_app.app_context():
        raw = db.session.execute(text("SELECT secret FROM webhook_subscriptions")).scalar_one()
        assert raw.startswith("gAAAA") and new_secret not in raw and secret not in raw
        assert db.session.get(WebhookSubscription, subscription_id).secret == new_secret
        audit_text = json.dumps([[e.action, e.changes] for e in db.session.scalars(select(AuditEvent))],
                                ensure_ascii=False)
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("webhook.%"))))
    assert actions == {"webhook.created", "webhook.secret_rotated"}
    assert secret not in audit_text and new_secret not in audit_text and "whsec_" not in audit_text
    for path in ("/admin/webhooks/", f"/admin/webhooks/{subscription_id}"):
        assert "whsec_" not in admin.get(path).get_data(as_text=True)


def test_admin_edits_and_deletes_a_webhook_and_every_change_is_audited(hook_app, admin, receiver):
    subscription_id, _ = create_webhook(admin, receiver.url)
    response = admin.post(f"/admin/webhooks/{subscription_id}", {
        "name": "payroll-sync", "url": receiver.url, "events": ["approval.approved"], "kinds": ["leave"]})
    assert response.status_code == 302
    refused = admin.post(f"/admin/webhooks/{subscription_id}", {
        "name": "payroll-sync", "url": "http://payroll.example/hook", "events": ["approval.approved"]})
    assert refused.status_code == 422 and "https://" in refused.get_data(as_text=True)
    assert admin.post(f"/admin/webhooks/{subscription_id}/delete").status_code == 302
    with hook_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0
        events = {e.action: e.changes for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("webhook.%")))}
    assert events["webhook.updated"]["events"] == {"before": ["approval.decided"], "after": ["approval.approved"]}
    assert events["webhook.updated"]["name"] == {"before": "payroll", "after": "payroll-sync"}
    assert events["webhook.deleted"]["name"] == "payroll-sync"


@pytest.mark.parametrize("url, field_error", [
    ("http://payroll.example/hook", "https://"),
    ("https://169.254.169.254/latest/meta-data/", "웹훅을 보낼 수 없습니다"),
    ("ftp://payroll.example/", "https://"),
    ("https://user:pw@payroll.example/", "비밀번호"),
])
def test_the_form_refuses_unsafe_addresses(hook_app, admin, url, field_error):
    response = admin.post("/admin/webhooks/", {"name": "x", "url": url, "events": ["approval.decided"]})
    assert response.status_code == 422 and field_error in response.get_data(as_text=True)
    with hook_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0


def test_address_rules_in_production():
    import ipaddress

    from ess.errors import DomainError
    from ess.webhooks.guard import AddressRefused, check_address, check_host, check_url

    assert check_url("http://127.0.0.1:9000/x", production=False) == "http://127.0.0.1:9000/x"
    with pytest.raises(DomainError):
        check_url("http://127.0.0.1:9000/x", production=True)
    with pytest.raises(DomainError):
        check_url("https://10.1.2.3/x", production=True)
    allowed = [ipaddress.ip_network("10.1.0.0/16")]
    assert check_url("https://10.1.2.3/x", production=True, allowed_networks=allowed)
    with pytest.raises(AddressRefused):
        check_address(ipaddress.ip_address("::ffff:169.254.169.254"), production=False)
    with pytest.raises(AddressRefused):  # allowed networks never open the metadata range
        check_address(ipaddress.ip_address("169.254.169.254"), production=True,
                      allowed_networks=[ipaddress.ip_network("0.0.0.0/0")])
    with pytest.raises(AddressRefused):  # a name that resolves to loopback, checked at delivery
        check_host("localhost", 443, production=True)
    check_host("localhost", 443, production=False)


def test_delivery_refuses_an_address_the_guard_refuses(hook_app, admin, receiver):
    subscription_id, _ = create_webhook(admin, receiver.url)
    with hook_app.app_context():
        # As if the receiver's name now resolved into the metadata range (only the form checks literal URLs).
        db.session.get(WebhookSubscription, subscription_id).url = "https://169.254.169.254/hook"
        db.session.commit()
    approve_leave(hook_app)
    run_worker(hook_app)
    (_, state, attempts, status, error), = deliveries(hook_app)
    assert state is OutboxState.pending and status is None and error.startswith("refused: 169.254.169.254")
    assert receiver.received == []


def test_the_worker_still_sends_mail(hook_app, admin, receiver, mailbox):
    create_webhook(admin, receiver.url)
    approve_leave(hook_app)
    output = run_worker(hook_app)
    assert len(receiver.received) == 1 and len(mailbox.wait_for(3)) >= 3
    assert "sent" in output
