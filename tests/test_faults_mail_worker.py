"""A mail worker killed (SIGKILL) in the middle of sending: no message is lost, and what the portal guarantees
about duplicates holds. The workers are real `flask --app wsgi ess worker` processes on the test database; the
SMTP server is a real aiosmtpd on loopback that stalls on one message, so the kill lands mid-send.

The guarantee is at-least-once with a stable Message-ID:
- killed before the server accepted the message: it is sent once, by the next worker, after the lease;
- killed after the server took the message but before the worker recorded it as sent (the window between
  the server's "250 OK" and our commit): it is sent again, with the same Message-ID, so receivers drop it.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from approvals_support import MANAGER_THEN_HR, ask_certificate, policies_with
from ess import clock
from ess.db import db
from ess.notify.models import OutboxMessage, OutboxState
from mailbox import free_port

PROJECT_DIR = Path(__file__).resolve().parent.parent


class StallingMailbox:
    """Keeps what it receives; the `stall_at`-th message (1-based) gets no answer for a long time, either
    before it is kept (`keep_stalled=False`) or after (`True`: the server has it, the client never hears)."""

    def __init__(self, stall_at: int, keep_stalled: bool):
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.messages: list = []
        self.stall_at = stall_at
        self.keep_stalled = keep_stalled
        self.stalled = threading.Event()
        self.released = threading.Event()
        self.received = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if self.received == self.stall_at:
            if self.keep_stalled:
                self.messages.append(message)
            self.stalled.set()
            while not self.released.is_set():  # no answer until the worker is dead
                await asyncio.sleep(0.05)
            return "451 too late"
        self.messages.append(message)
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)


@pytest.fixture
def queued(make_app, app, demo, tmp_path):
    """Six mails in the outbox (three certificate requests: the requester's receipt and the manager's ask)."""
    portal = make_app(POLICIES_DIR=policies_with(tmp_path, MANAGER_THEN_HR))
    with portal.app_context():
        for number in ("E1041", "E1042", "E1043"):
            ask_certificate(number)
        db.session.commit()
        ids = list(db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
    assert len(ids) == 6
    return portal


def start_worker(database_url: str, smtp_url: str, tmp_path: Path, name: str) -> subprocess.Popen:
    env = {**os.environ, "ESS_ENV": "test", "ESS_DATABASE_URL": database_url, "ESS_SMTP_URL": smtp_url,
           "ESS_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789", "ESS_DEV_LOGIN": "0"}
    log = open(tmp_path / f"{name}.log", "wb")
    return subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "ess", "worker",
                             "--interval", "0.2"], cwd=PROJECT_DIR, env=env, stdout=log, stderr=log)


def states(portal) -> dict:
    with portal.app_context():
        db.session.remove()
        return dict(db.session.execute(select(OutboxMessage.state, func.count())
                                       .group_by(OutboxMessage.state)).all())


def leases_run_out(portal) -> None:
    """What five minutes (the lease) would do: the dead worker's claim expires."""
    with portal.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.locked_until.is_not(None))
                           .values(locked_until=clock.now() - timedelta(seconds=1)))
        db.session.commit()


def expected_ids(portal) -> set[str]:
    from ess.notify.delivery import message_id

    with portal.app_context():
        return {message_id(m) for m in db.session.scalars(select(OutboxMessage))}


def kill_mid_send_then_recover(portal, database_url, tmp_path, box: StallingMailbox) -> None:
    box.controller.start()
    first = start_worker(database_url, box.url, tmp_path, "first")
    second = None
    try:
        assert box.stalled.wait(90), (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        box.released.set()
        # The dead worker sent two, holds the lease on the other four, and recorded nothing for the third.
        assert states(portal) == {OutboxState.sent: 2, OutboxState.pending: 4}
        second = start_worker(database_url, box.url, tmp_path, "second")
        time.sleep(1)
        assert states(portal) == {OutboxState.sent: 2, OutboxState.pending: 4}, "the lease was not respected"
        leases_run_out(portal)
        deadline = time.monotonic() + 60
        while states(portal) != {OutboxState.sent: 6} and time.monotonic() < deadline:
            time.sleep(0.2)
        assert states(portal) == {OutboxState.sent: 6}, (tmp_path / "second.log").read_text()
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait(10)
        box.released.set()
        box.controller.stop()


def test_worker_killed_before_the_server_accepted_loses_nothing_and_sends_once(queued, database_url, tmp_path):
    box = StallingMailbox(stall_at=3, keep_stalled=False)
    kill_mid_send_then_recover(queued, database_url, tmp_path, box)
    box.wait_for(6)
    ids = [m["Message-ID"] for m in box.messages]
    assert len(ids) == 6 and set(ids) == expected_ids(queued)


def test_worker_killed_after_the_server_took_the_message_resends_it_with_the_same_message_id(
        queued, database_url, tmp_path):
    box = StallingMailbox(stall_at=3, keep_stalled=True)
    kill_mid_send_then_recover(queued, database_url, tmp_path, box)
    box.wait_for(7)
    ids = [m["Message-ID"] for m in box.messages]
    assert set(ids) == expected_ids(queued), "every message arrived"
    assert len(ids) == 7
    duplicate = ids[2]
    assert ids.count(duplicate) == 2, "the one in the window came twice, under one Message-ID"
    same = [m for m in box.messages if m["Message-ID"] == duplicate]
    assert same[0]["Subject"] == same[1]["Subject"] and same[0]["To"] == same[1]["To"]
