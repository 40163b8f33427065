"""Configuration read from ESS_* environment variables.

Nothing here runs at import time: `Config.from_env()` is called by the application factory, so tests and
tools can build an app from any environment they like.
"""
from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-secret-key-change-me"
ENVIRONMENTS = ("development", "test", "production")


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


# The one list of settings: the README table is checked against it by a test.
SETTINGS: tuple[Setting, ...] = (
    Setting("ESS_ENV", "development", "development, test or production"),
    Setting("ESS_SECRET_KEY", DEFAULT_SECRET_KEY, "signs sessions and CSRF tokens; must be changed in production"),
    Setting("ESS_DATABASE_URL", "sqlite:///<instance>/ess.sqlite3", "SQLAlchemy URL; PostgreSQL in production"),
    Setting("ESS_OIDC_ISSUER", None, "OpenID Connect issuer URL (discovery is read from it)"),
    Setting("ESS_OIDC_CLIENT_ID", None, "client id registered at the identity provider"),
    Setting("ESS_OIDC_CLIENT_SECRET", None, "client secret registered at the identity provider"),
    Setting("ESS_OIDC_SCOPES", "openid email profile groups", "scopes asked for at sign-in"),
    Setting("ESS_ROLE_GROUPS", "{}", 'JSON: role → list of group names, e.g. {"hr": ["HR"], "admin": ["IT-Admins"]}'),
    Setting("ESS_DEV_LOGIN", "on outside production", "1 or 0: the demo sign-in with personas"),
    Setting("ESS_REDIS_URL", None, "Redis for rate limits (memory when unset)"),
    Setting("ESS_SMTP_URL", None, "smtp://user:pass@host:port for outgoing mail"),
    Setting("ESS_MAIL_FROM", "ESS Portal <no-reply@localhost>", "sender address of portal mail"),
    Setting("ESS_ENCRYPTION_KEYS", None, "comma-separated Fernet keys; the first encrypts, all decrypt"),
    Setting("ESS_POLICIES_DIR", "<project>/policies", "folder with the company's policy files"),
    Setting("ESS_DEFAULT_LOCALE", "ko", "ko or en"),
    Setting("ESS_TIMEZONE", "Asia/Seoul", "the company's time zone for calendar dates"),
    Setting("ESS_SESSION_IDLE_MINUTES", "60", "sign out after this many minutes without a request"),
    Setting("ESS_LOGIN_RATE_LIMIT", "20 per minute", "rate limit on the sign-in routes, per client address"),
    Setting("ESS_SEARCH_RATE_LIMIT", "60 per minute", "rate limit per person on searches and search suggestions"),
    Setting("ESS_QUESTION_RATE_LIMIT", "10 per minute", "rate limit per person on questions and replies to HR/IT"),
    Setting("ESS_PUBLIC_URL", None, "the portal's public origin, used in mails (e.g. https://ess.example.com)"),
    Setting("ESS_TODAY", None, "pin today's date (YYYY-MM-DD) for demos and tests; never in production"),
    Setting("ESS_TOKENISER_URL", None,
            "unix:///run/ess/tokeniser.sock or tcp://host:port of `ess tokeniser` (Kiwi in each process when unset)"),
    Setting("ESS_BENCH_SQL_COUNT", "0", "1: every response carries X-SQL-Statements (for bench/; not in production)"),
    Setting("ESS_WEBHOOK_ALLOWED_NETWORKS", None,
            "comma-separated CIDRs of private networks webhooks may reach in production, e.g. 10.20.0.0/16"),
)


def _get(env, name: str) -> str | None:
    value = env.get(name)
    return value if value not in (None, "") else None


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def from_env(env=None, instance_path: str | None = None) -> dict:
    """Build the Flask config mapping from ESS_* variables."""
    env = os.environ if env is None else env
    ess_env = _get(env, "ESS_ENV") or "development"
    if ess_env not in ENVIRONMENTS:
        raise ConfigError(f"ESS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {ess_env!r}")
    production = ess_env == "production"
    instance = Path(instance_path or BASE_DIR / "instance")

    try:
        role_groups = json.loads(_get(env, "ESS_ROLE_GROUPS") or "{}")
    except json.JSONDecodeError as exc:
        raise ConfigError(f"ESS_ROLE_GROUPS is not valid JSON: {exc.msg}") from None
    if not isinstance(role_groups, dict) or not all(
        isinstance(groups, list) and all(isinstance(g, str) for g in groups) for groups in role_groups.values()
    ):
        raise ConfigError("ESS_ROLE_GROUPS must be a JSON object of role → list of group names")

    try:
        idle_minutes = int(_get(env, "ESS_SESSION_IDLE_MINUTES") or "60")
    except ValueError:
        raise ConfigError("ESS_SESSION_IDLE_MINUTES must be a whole number of minutes") from None

    keys = [k.strip() for k in (_get(env, "ESS_ENCRYPTION_KEYS") or "").split(",") if k.strip()]
    webhook_networks = []
    for part in (_get(env, "ESS_WEBHOOK_ALLOWED_NETWORKS") or "").split(","):
        if part.strip():
            try:
                webhook_networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ConfigError(f"ESS_WEBHOOK_ALLOWED_NETWORKS: {part.strip()!r} is not a network "
                                  "such as 10.20.0.0/16") from None
    redis_url = _get(env, "ESS_REDIS_URL")
    tokeniser_url = _get(env, "ESS_TOKENISER_URL")
    if tokeniser_url:
        from ess.knowledge.tokeniser import address

        try:
            address(tokeniser_url)
        except ValueError as error:
            raise ConfigError(f"ESS_TOKENISER_URL: {error}") from None
    return {
        "ESS_ENV": ess_env,
        "SECRET_KEY": _get(env, "ESS_SECRET_KEY") or DEFAULT_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": _get(env, "ESS_DATABASE_URL") or f"sqlite:///{instance / 'ess.sqlite3'}",
        "OIDC_ISSUER": _get(env, "ESS_OIDC_ISSUER"),
        "OIDC_CLIENT_ID": _get(env, "ESS_OIDC_CLIENT_ID"),
        "OIDC_CLIENT_SECRET": _get(env, "ESS_OIDC_CLIENT_SECRET"),
        "OIDC_SCOPES": _get(env, "ESS_OIDC_SCOPES") or "openid email profile groups",
        "ROLE_GROUPS": role_groups,
        "DEV_LOGIN": _flag(_get(env, "ESS_DEV_LOGIN"), default=not production),
        "REDIS_URL": redis_url,
        "SMTP_URL": _get(env, "ESS_SMTP_URL"),
        "MAIL_FROM": _get(env, "ESS_MAIL_FROM") or "ESS Portal <no-reply@localhost>",
        "ENCRYPTION_KEYS": keys,
        "POLICIES_DIR": _get(env, "ESS_POLICIES_DIR") or str(BASE_DIR / "policies"),
        "BABEL_DEFAULT_LOCALE": _get(env, "ESS_DEFAULT_LOCALE") or "ko",
        "BABEL_DEFAULT_TIMEZONE": _get(env, "ESS_TIMEZONE") or "Asia/Seoul",
        "BABEL_TRANSLATION_DIRECTORIES": str(BASE_DIR / "translations"),
        "TIMEZONE": _get(env, "ESS_TIMEZONE") or "Asia/Seoul",
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=idle_minutes),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=idle_minutes),
        "LOGIN_RATE_LIMIT": _get(env, "ESS_LOGIN_RATE_LIMIT") or "20 per minute",
        "SEARCH_RATE_LIMIT": _get(env, "ESS_SEARCH_RATE_LIMIT") or "60 per minute",
        "QUESTION_RATE_LIMIT": _get(env, "ESS_QUESTION_RATE_LIMIT") or "10 per minute",
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Redis away must not take the portal down: limits move to each process's memory (Flask-Limiter
        # logs a warning once) and come back to Redis when it answers again. Short timeouts, so an
        # unreachable Redis costs a request a second at most, never a hang.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1} if redis_url else {},
        "PUBLIC_URL": _get(env, "ESS_PUBLIC_URL"),
        "TODAY": _get(env, "ESS_TODAY"),
        "TOKENISER_URL": tokeniser_url,
        "BENCH_SQL_COUNT": _flag(_get(env, "ESS_BENCH_SQL_COUNT"), default=False),
        "WEBHOOK_ALLOWED_NETWORKS": webhook_networks,
        # Cookie hardening. The name must not be `session`/`_session`: the test identity provider's
        # cookies share the host, and cookies ignore ports.
        "SESSION_COOKIE_NAME": "ess_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "TESTING": ess_env == "test",
    }


def check_production(config: dict) -> None:
    """Refuse to run production with unsafe or missing settings. Raises ConfigError naming the variable."""
    if config["ESS_ENV"] != "production":
        return
    if config["SECRET_KEY"] == DEFAULT_SECRET_KEY or len(config["SECRET_KEY"]) < 32:
        raise ConfigError("ESS_SECRET_KEY must be set to a random value of at least 32 characters in production")
    for key, var in (
        ("OIDC_ISSUER", "ESS_OIDC_ISSUER"),
        ("OIDC_CLIENT_ID", "ESS_OIDC_CLIENT_ID"),
        ("OIDC_CLIENT_SECRET", "ESS_OIDC_CLIENT_SECRET"),
    ):
        if not config.get(key):
            raise ConfigError(f"{var} must be set in production")
    if not config["ENCRYPTION_KEYS"]:
        raise ConfigError("ESS_ENCRYPTION_KEYS must be set in production")
    if config["DEV_LOGIN"]:
        raise ConfigError("ESS_DEV_LOGIN must be off in production")
    if config["TODAY"]:
        raise ConfigError("ESS_TODAY must not be set in production")
