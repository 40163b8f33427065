"""`flask --app wsgi ess leave …`: accrual."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from ess.db import db


@click.group("leave")
def leave_group():
    """Leave: accrual of grants and expiries."""


@leave_group.command("accrue")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Write what is due up to this date (default: today).")
@with_appcontext
def accrue_command(as_of):
    """Write every grant, expiry and carry-over due; running it again writes nothing new."""
    from ess.leave.services import accrue

    day: date | None = as_of.date() if as_of else None
    def progress(people):
        with click.progressbar(people, label="employees") as items:
            yield from items

    summary = accrue(day, progress=progress)
    db.session.commit()
    click.echo(str(summary))
