"""Extensions, created unbound; `create_app` binds them to an application.

The OIDC client is not here: Authlib's registry caches clients, so each app gets its own (ess.auth.oidc).
"""
import click
from flask.cli import ScriptInfo
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from ess.db import db


class MigrateOnFirstUse:
    """Flask-Migrate, imported when first used. It brings Alembic, Mako and Pygments (about 7 MB in every
    process); only `flask db …` and code that upgrades a database need them, never a web worker."""

    def init_app(self, app, db, directory: str) -> None:
        app.extensions["migrate"] = _PendingMigrate(app, db, directory)
        app.cli.add_command(_db_commands)


def _flask_migrate(app, db, directory: str):
    """The real Flask-Migrate on `app`: it replaces the stand-ins in app.extensions and app.cli."""
    from flask_migrate import Migrate

    import ess.knowledge.search_schema  # noqa: F401  (autogenerate leaves the search engine's own tables alone)

    Migrate(app, db, directory=directory)
    return app.extensions["migrate"]


class _PendingMigrate:
    """Stands in app.extensions["migrate"]; Flask-Migrate's functions (upgrade, …) only read its attributes."""

    def __init__(self, app, db, directory: str):
        self._setup = (app, db, directory)

    def __getattr__(self, name):
        if name.startswith("__") or name == "_setup":
            raise AttributeError(name)
        app = self._setup[0]
        found = app.extensions["migrate"]
        return getattr(found if found is not self else _flask_migrate(*self._setup), name)


class _DbCommands(click.Group):
    """`flask db …`: Flask-Migrate's own command group, set up when the command line gets to it."""

    def make_context(self, info_name, args, parent=None, **extra):
        from flask_migrate.cli import db as db_commands

        app = parent.ensure_object(ScriptInfo).load_app()
        app.extensions["migrate"].directory  # noqa: B018  (sets up Flask-Migrate on this app)
        return db_commands.make_context(info_name, args, parent=parent, **extra)


_db_commands = _DbCommands("db", help="Perform database migrations.")
migrate = MigrateOnFirstUse()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
compress = Compress()

__all__ = ["db", "migrate", "login_manager", "csrf", "babel", "limiter", "compress"]
