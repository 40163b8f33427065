"""The employee self-service portal: `create_app` builds the Flask application."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

import config as settings

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app from ESS_* environment variables, with `config` overriding (tests pass a mapping)."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_DIR / "instance"),
        template_folder=str(PROJECT_DIR / "templates"),
    )
    app.config.from_mapping(settings.from_env(instance_path=app.instance_path))
    if config:
        app.config.from_mapping(config)
    settings.check_production(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_extensions(app)
    register_blueprints(app)
    register_templates(app)
    register_errors(app)
    register_commands(app)
    if app.config.get("BENCH_SQL_COUNT"):
        from ess.sqlcount import count_statements

        count_statements(app)
    return app


def register_extensions(app: Flask) -> None:
    from ess.auth.oidc import register_oidc_client
    from ess.auth.sessions import register_sessions
    from ess.extensions import csrf, db, limiter, login_manager, migrate
    from ess.i18n import register_i18n

    import ess.models  # noqa: F401  (every table known before migrations or queries)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"))
    login_manager.init_app(app)
    limiter.init_app(app)  # before CSRF, so refused attempts still count against the limit
    csrf.init_app(app)
    register_oidc_client(app)
    register_i18n(app)
    register_sessions(app)


# Every blueprint, page blueprints before their JSON ones; "module:attribute".
BLUEPRINTS = (
    "ess.home.views:bp",
    "ess.assets:bp",
    "ess.auth.views:bp",
    "ess.people.views:bp",
    "ess.people.api:bp",
    "ess.api.views:bp",
    "ess.approvals.views:bp",
    "ess.approvals.api:bp",
    "ess.notify.views:bp",
    "ess.webhooks.views:bp",
    "ess.profile.views:bp",
    "ess.profile.views:hr_bp",
    "ess.profile.api:bp",
    "ess.leave.views:bp",
    "ess.leave.api:bp",
    "ess.benefits.views:bp",
    "ess.benefits.api:bp",
    "ess.knowledge.views:bp",
    "ess.knowledge.api:bp",
    "ess.helpdesk.views:bp",
    "ess.helpdesk.api:bp",
    "ess.insights.views:bp",
    "ess.tokens.views:bp",
    "ess.scim.views:bp",
)


class DatabaseId(IntegerConverter):
    """`<int:…>` in every route: ids beyond the database's INTEGER (2^31 − 1 on PostgreSQL) are simply not
    found (404), never a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    import importlib

    app.url_map.converters["int"] = DatabaseId
    from ess.extensions import csrf
    from ess.security import register_security
    from ess.tokens.auth import register_token_auth

    for entry in BLUEPRINTS:
        module, attribute = entry.split(":")
        blueprint = getattr(importlib.import_module(module), attribute)
        app.register_blueprint(blueprint)
        if blueprint.name == "scim":
            # SCIM clients authenticate with bearer tokens, never cookies, so CSRF does not apply.
            csrf.exempt(blueprint)
    # API writes from a browser session are CSRF-checked by the token layer; both after every blueprint.
    register_token_auth(app)
    register_security(app)


def register_templates(app: Flask) -> None:
    from ess.assets import register_assets
    from ess.navigation import navigation_for

    register_assets(app)

    app.jinja_env.globals["navigation_for"] = navigation_for
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def register_errors(app: Flask) -> None:
    from ess.errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from ess.cli import ess_group

    app.cli.add_command(ess_group)
