"""`flask --app wsgi ess …`: the portal's commands."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ess.db import db


@click.group("ess")
def ess_group():
    """Employee self-service portal commands."""


# Commands that live with their domain: "module:attribute" of a click command or group.
DOMAIN_COMMANDS = (
    "ess.approvals.cli:approvals_group",
    "ess.notify.cli:worker",
    "ess.tokens.cli:tokens_group",
    "ess.knowledge.cli:kb_group",
    "ess.knowledge.cli:tokeniser_command",
    "ess.leave.cli:leave_group",
    "ess.benefits.cli:benefits_group",
    "ess.crypto:rotate_keys_command",
    "ess.backup:backup_command",
    "bench.seed:bench_group",  # benchmark data (bench/): refuses production databases
)


def register_domain_commands() -> None:
    import importlib

    for entry in DOMAIN_COMMANDS:
        module, attribute = entry.split(":")
        ess_group.add_command(getattr(importlib.import_module(module), attribute))


register_domain_commands()


@ess_group.group("people")
def people_group():
    """People: import employees."""


@people_group.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change; write nothing.")
@with_appcontext
def import_people(csv_file, dry_run: bool):
    """Create or update employees from CSV_FILE (all rows or none)."""
    from ess.people.csv_import import import_employees

    summary = import_employees(csv_file.read(), role_groups=current_app.config["ROLE_GROUPS"])
    for error in summary.refused:
        click.echo(f"line {error.line}: {error.reason}", err=True)
    if not summary.ok or dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would be " if dry_run and summary.ok else ""
    click.echo(
        f"{len(summary.created)} {verb}created, {len(summary.updated)} {verb}updated, "
        f"{len(summary.unchanged)} unchanged, {len(summary.refused)} refused"
        + ("" if summary.ok else " — nothing was written")
    )
    if not summary.ok:
        raise SystemExit(1)


def _empty_database() -> None:
    """Drop everything, search indexes and migration history included, so the demo starts clean."""
    engine = db.engine
    db.session.remove()
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            names = [row[0] for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
            for name in names:
                connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
    engine.dispose()


@ess_group.command("demo")
@click.option("--reset/--keep", default=True, help="Start from an empty database (default) or add to it.")
@with_appcontext
def demo(reset: bool):
    """Build the demo company in the configured database."""
    from flask_migrate import upgrade

    from ess.demo import build_demo

    if current_app.config["ESS_ENV"] == "production":
        raise click.ClickException("the demo company is not for production databases")
    if reset:
        _empty_database()
    upgrade(revision="heads")
    summary = build_demo(current_app.config["ROLE_GROUPS"] or None)
    db.session.commit()
    click.echo(f"demo company ready: {summary}")
