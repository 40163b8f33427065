"""`flask ess approvals remind`: once a day, remind deciders of overdue steps."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ess import clock
from ess.approvals import mails
from ess.approvals.queue import overdue_steps
from ess.db import db


@click.group("approvals")
def approvals_group():
    """Approval engine tasks."""


@approvals_group.command("remind")
@with_appcontext
def remind():
    """Mail the deciders of overdue steps; each step at most once a day (run it from cron)."""
    today = clock.today()
    reminded = 0
    for step, age in overdue_steps():
        if step.overdue_reminded_on == today:
            continue
        for person in mails.deciders_of(step, step.request.requester_id):
            mails.overdue(step.request, step, person, age)
            reminded += 1
        step.overdue_reminded_on = today
    db.session.commit()
    click.echo(f"{reminded} reminders queued")
