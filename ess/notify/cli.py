"""`flask ess worker`: deliver the outbox (mail and webhooks)."""
from __future__ import annotations

import signal
import time

import click
from flask.cli import with_appcontext

from ess.db import db
from ess.notify.delivery import SmtpSettingsError, deliver_due


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now and stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@with_appcontext
def worker(once: bool, interval: float):
    """Send queued mail over SMTP (ESS_SMTP_URL) and webhooks over HTTP, retrying with backoff. Safe to run
    several at once."""
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    while True:
        try:
            report = deliver_due()
        except SmtpSettingsError as error:
            raise click.ClickException(str(error))
        except Exception as error:  # the database may be away for a while: wait and try again
            db.session.rollback()
            click.echo(f"worker: {type(error).__name__}: {error}", err=True)
            report = None
        if report and (report.sent or report.retried or report.failed):
            click.echo(f"{report.sent} sent, {report.retried} to retry, {report.failed} given up")
        db.session.remove()
        if once or stopping:
            break
        time.sleep(interval)
