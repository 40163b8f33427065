"""`flask ess backup`: a consistent copy of the database while the portal keeps running.

SQLite is copied with its online backup API (page by page, consistent even while requests write).
PostgreSQL is dumped with `pg_dump --format=custom` when pg_dump is installed; restoring either is
described in the README ("Backup and restore").
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from ess import clock


class BackupError(Exception):
    """The backup could not be made; the message says what to do."""


def default_output(instance_path: str, suffix: str) -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(instance_path) / "backups" / f"ess-{stamp}{suffix}"


def backup_sqlite(database: str, output: Path) -> None:
    if not database or database == ":memory:" or not Path(database).is_file():
        raise BackupError(f"the SQLite database {database!r} is not a file")
    source = sqlite3.connect(database, timeout=30)
    target = sqlite3.connect(output)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def backup_postgresql(url, output: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed here; run `pg_dump --format=custom` from a machine that has "
                          "it (README: Backup and restore)")
    # libpq takes the password from the environment, so it never shows in the process list.
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run([pg_dump, "--format=custom", "--no-owner", "--file", str(output), target],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        output.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")


def make_backup(database_url: str, instance_path: str, output: Path | None = None) -> Path:
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups are made for SQLite and PostgreSQL, not {backend}")
    output = Path(output) if output else default_output(
        instance_path, ".sqlite3" if backend == "sqlite" else ".pgdump")
    if output.exists():
        raise BackupError(f"{output} exists already; choose another --output")
    output.parent.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        backup_sqlite(url.database, output)
    else:
        backup_postgresql(url, output)
    return output


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: instance/backups/ess-<UTC time>.sqlite3 or .pgdump).")
@with_appcontext
def backup_command(output: Path | None):
    """Back up the database while the portal runs (SQLite: online backup; PostgreSQL: pg_dump -Fc)."""
    try:
        written = make_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.instance_path, output)
    except BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"backup written to {written} ({written.stat().st_size:,} bytes)")
