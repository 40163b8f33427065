"""Which language a page is in: ?lang= (remembered in the session), then the person's choice, then the default."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user

from flask_babel import get_locale

from ess.extensions import babel

LANGUAGES = {"ko": "한국어", "en": "English"}


def remember_requested_language() -> None:
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang


def select_locale() -> str:
    if not has_request_context():  # CLI, worker: the default, or whatever force_locale() set
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = request.args.get("lang") or session.get("lang")
    if lang in LANGUAGES:
        return lang
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def register_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.before_request(remember_requested_language)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale)
