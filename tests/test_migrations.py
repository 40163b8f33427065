"""Migrations build the schema from empty, and they match the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sqlalchemy import inspect

import ess.knowledge.search_schema  # noqa: F401  (autogenerate leaves the search engine's own tables alone)
from ess.db import db


def test_models_and_migrations_agree(app):
    # The session fixture built this database with `flask db upgrade`; compare it with the models.
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgrade_from_empty_database(make_app, tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        # On PostgreSQL the session fixture already ran the upgrade on an empty schema.
        app = make_app()
        with app.app_context(), db.engine.connect() as connection:
            version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        assert version
        return
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    assert {"employees", "departments", "identities", "audit_events", "alembic_version"} <= tables
