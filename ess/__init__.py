"""The employee self-service portal: `create_app` builds the Flask application."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

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


def register_blueprints(app: Flask) -> None:
    from ess.api.views import bp as api_bp
    from ess.approvals.api import bp as approvals_api_bp
    from ess.approvals.views import bp as approvals_bp
    from ess.auth.views import bp as auth_bp
    from ess.home.views import bp as home_bp
    from ess.notify.views import bp as notify_bp
    from ess.people.views import bp as people_bp
    from ess.security import register_security
    from ess.benefits.api import bp as benefits_api_bp
    from ess.benefits.views import bp as benefits_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(approvals_bp)
    app.register_blueprint(approvals_api_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(benefits_bp)
    app.register_blueprint(benefits_api_bp)
    from ess.helpdesk.api import bp as helpdesk_api_bp
    from ess.helpdesk.views import bp as helpdesk_bp
    from ess.insights.views import bp as insights_bp

    app.register_blueprint(helpdesk_bp)
    app.register_blueprint(helpdesk_api_bp)
    app.register_blueprint(insights_bp)
    register_security(app)


def register_templates(app: Flask) -> None:
    from ess.navigation import navigation_for

    app.jinja_env.globals["navigation_for"] = navigation_for
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def register_errors(app: Flask) -> None:
    from ess.errors import register_error_handlers

    register_error_handlers(app)


def register_commands(app: Flask) -> None:
    from ess.cli import ess_group

    app.cli.add_command(ess_group)
