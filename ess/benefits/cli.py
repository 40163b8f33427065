"""`flask --app wsgi ess benefits …`: reminders before open enrolment closes."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ess.db import db


@click.group("benefits")
def benefits_group():
    """Benefits: reminders during open enrolment."""


@benefits_group.command("remind")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Act as if today were this date (default: today).")
@with_appcontext
def remind_command(as_of):
    """Mail (through the outbox) everyone who has not chosen yet, when open enrolment closes within one of the
    policy's reminder_days. Running it again the same day mails nobody twice."""
    from ess.benefits.services import remind

    summary = remind(as_of.date() if as_of else None)
    db.session.commit()
    window = summary["window"]
    if window is None:
        click.echo("no reminder due: open enrolment is not closing within the reminder days")
        return
    click.echo(f"open enrolment {window.opens.isoformat()} – {window.closes.isoformat()}: "
               f"{summary['reminded']} reminded, {summary['already']} already reminded")
