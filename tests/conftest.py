"""Shared fixtures: an app per test on every database backend, clean tables, signed-in clients."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from ess import create_app
from ess.db import db

PROJECT_DIR = Path(__file__).resolve().parent.parent
ROLE_GROUPS = {"hr": ["HR"], "it_author": ["IT-Authors"], "admin": ["Portal-Admins"]}


def backends() -> list[str]:
    names = ["sqlite"]
    if os.environ.get("ESS_TEST_DATABASE_URL"):
        names.append("postgresql")
    return names


def test_config(database_url: str, **overrides) -> dict:
    config = {
        "ESS_ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DEV_LOGIN": True,
        "OIDC_ISSUER": None,
        "OIDC_CLIENT_ID": None,
        "OIDC_CLIENT_SECRET": None,
        "ROLE_GROUPS": ROLE_GROUPS,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SEARCH_RATE_LIMIT": "1000 per minute",
        "QUESTION_RATE_LIMIT": "1000 per minute",
        "BABEL_DEFAULT_LOCALE": "ko",
        "TODAY": None,
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


def _reset_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=backends())
def database_url(request, tmp_path_factory) -> str:
    """One database per backend for the whole run, built by the migrations (as production is)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        url = os.environ["ESS_TEST_DATABASE_URL"]
        _reset_schema(url)
    app = create_app(test_config(url))
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(database_url):
    """Build an app on the current backend with config overrides; tables start empty."""
    made = []

    def factory(**overrides):
        app = create_app(test_config(database_url, **overrides))
        made.append(app)
        return app

    yield factory
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        _empty_tables()
    yield app


@pytest.fixture
def db_session(app):
    with app.app_context():
        yield db.session


def _wants_articles(request) -> bool:
    """Importing the handbook costs seconds (Kiwi), so only tests marked `demo_articles` get it."""
    if request.node.get_closest_marker("demo_articles"):
        return True
    endpoint = getattr(getattr(request.node, "callspec", None), "params", {}).get("endpoint", "")
    return str(endpoint).startswith(("knowledge", "helpdesk", "insights"))


@pytest.fixture
def demo(app, request):
    """The demo company as `flask ess demo` builds it; the handbook articles only where marked."""
    from ess.demo import build_demo

    with app.app_context():
        build_demo(ROLE_GROUPS, with_articles=_wants_articles(request))
        db.session.commit()


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page carries no csrf-token meta tag"
    return match.group(1)


class Browser:
    """A test client that signs in through the demo sign-in and posts forms with their CSRF token."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def csrf(self) -> str:
        return csrf_token_from(self.client.get("/auth/signed-out").get_data(as_text=True))

    def post(self, path, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        return self.client.post(path, data=data, **kwargs)

    def sign_in(self, employee: str):
        response = self.post("/auth/dev-login", {"employee": employee})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return self


@pytest.fixture
def mailbox():
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""
    from mailbox import Mailbox

    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def browser(app):
    def open_browser(employee: str | None = None) -> Browser:
        b = Browser(app)
        return b.sign_in(employee) if employee else b

    return open_browser
