"""Extensions, created unbound; `create_app` binds them to an application.

The OIDC client is not here: Authlib's registry caches clients, so each app gets its own (ess.auth.oidc).
"""
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from ess.db import db

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
compress = Compress()

__all__ = ["db", "migrate", "login_manager", "csrf", "babel", "limiter", "compress"]
