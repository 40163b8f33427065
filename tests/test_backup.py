"""`flask ess backup`: back up the demo company, restore it into a fresh database, and find every row of every
table again (search indexes and migration history included)."""
from __future__ import annotations

import shutil
import subprocess
import uuid

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from ess.db import db


def every_row(engine) -> dict[str, list]:
    """Every table the database has (not only the models'), each as a sorted list of rows."""
    tables = {}
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            names = [row[0] for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        else:
            names = inspect(connection).get_table_names(schema="public")
        for name in names:
            rows = connection.execute(text(f'SELECT * FROM "{name}"')).all()
            tables[name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


def run_backup(app, *args):
    return app.test_cli_runner().invoke(args=["ess", "backup", *args])


def test_backup_restores_into_a_fresh_database_with_every_row(app, demo, database_url, tmp_path):
    with app.app_context():
        db.session.remove()
        original = every_row(db.engine)
    assert len(original["employees"]) >= 40
    assert "alembic_version" in original and sum(len(rows) for rows in original.values()) > 500

    output = tmp_path / "ess-backup"
    result = run_backup(app, "--output", str(output))
    assert result.exit_code == 0, result.output
    assert f"backup written to {output}" in result.output

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        restored_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        shutil.copyfile(output, tmp_path / "restored.sqlite3")  # restoring SQLite is putting the file back
        engine = create_engine(restored_url)
        try:
            assert every_row(engine) == original
        finally:
            engine.dispose()
    else:
        fresh = f"ess_restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{fresh}"')
        try:
            target = url.set(drivername="postgresql", database=fresh).render_as_string(hide_password=False)
            restored = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target,
                                       str(output)], capture_output=True, text=True)
            assert restored.returncode == 0, restored.stderr
            engine = create_engine(url.set(database=fresh))
            try:
                assert every_row(engine) == original
            finally:
                engine.dispose()
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
            admin.dispose()


def test_backup_names_a_timestamped_file_and_never_overwrites(app, demo, tmp_path):
    app.instance_path = str(tmp_path)
    first = run_backup(app)
    assert first.exit_code == 0, first.output
    written = first.output.split("backup written to ", 1)[1].split(" (", 1)[0]
    assert written.startswith(str(tmp_path / "backups" / "ess-"))
    again = run_backup(app, "--output", written)
    assert again.exit_code != 0 and "exists already" in again.output
