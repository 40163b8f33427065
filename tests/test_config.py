"""Configuration comes from ESS_* variables; production refuses unsafe settings with one clear line."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import config
from ess import create_app

PROJECT_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_OK = {
    "ESS_ENV": "production",
    "ESS_SECRET_KEY": "x" * 40,
    "ESS_OIDC_ISSUER": "https://login.example.com",
    "ESS_OIDC_CLIENT_ID": "ess",
    "ESS_OIDC_CLIENT_SECRET": "s3cret",
    "ESS_ENCRYPTION_KEYS": "MGn6eSNpRYdyXr1yPhHzwTTOoAJSH-4uEbSLHR-wbMk=",
    "ESS_DATABASE_URL": "sqlite://",
}


def start_production(**env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESS_")}
    env.update(PRODUCTION_OK)
    env.update(env_overrides)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([sys.executable, "-c", "import wsgi"], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=60)


def test_production_starts_with_complete_settings():
    result = start_production()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("variable,value", [
    ("ESS_SECRET_KEY", None),
    ("ESS_SECRET_KEY", config.DEFAULT_SECRET_KEY),
    ("ESS_OIDC_ISSUER", None),
    ("ESS_OIDC_CLIENT_ID", None),
    ("ESS_OIDC_CLIENT_SECRET", None),
    ("ESS_ENCRYPTION_KEYS", None),
    ("ESS_DEV_LOGIN", "1"),
])
def test_production_refuses_unsafe_settings_naming_the_variable(variable, value):
    result = start_production(**{variable: value})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], result.stderr


def test_flask_cli_exits_non_zero_in_bad_production():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESS_")}
    env.update(ESS_ENV="production")
    result = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "ess", "--help"],
                            cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "ESS_SECRET_KEY" in result.stderr


def test_settings_come_from_environment_only():
    values = config.from_env({"ESS_ROLE_GROUPS": '{"hr": ["HR"]}', "ESS_DATABASE_URL": "sqlite:///x.db",
                              "ESS_SESSION_IDLE_MINUTES": "15"})
    assert values["ROLE_GROUPS"] == {"hr": ["HR"]}
    assert values["SQLALCHEMY_DATABASE_URI"] == "sqlite:///x.db"
    assert values["SESSION_IDLE_TIMEOUT"].total_seconds() == 900
    assert values["BABEL_DEFAULT_LOCALE"] == "ko" and values["TIMEZONE"] == "Asia/Seoul"
    assert values["DEV_LOGIN"] is True


@pytest.mark.parametrize("raw", ['["hr"]', "{not json", '{"hr": "HR"}'])
def test_bad_role_groups_are_refused_with_the_variable_named(raw):
    with pytest.raises(config.ConfigError, match="ESS_ROLE_GROUPS"):
        config.from_env({"ESS_ROLE_GROUPS": raw})


def test_every_setting_is_documented_in_the_readme():
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    undocumented = [s.name for s in config.SETTINGS if f"`{s.name}`" not in readme]
    assert undocumented == []


def test_default_database_lives_in_instance_folder():
    values = config.from_env({}, instance_path="/srv/ess/instance")
    assert values["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/ess/instance/ess.sqlite3"


def test_create_app_accepts_overrides(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "ESS_ENV": "test", "TESTING": True})
    assert app.template_folder.endswith("templates") and app.config["TESTING"]
