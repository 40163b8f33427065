"""The one place that knows what time it is, so tests and demos can set the date (ESS_TODAY)."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def company_timezone() -> ZoneInfo:
    name = current_app.config["TIMEZONE"] if has_app_context() else "Asia/Seoul"
    return ZoneInfo(name)


def today() -> date:
    """Today's calendar date in the company's time zone, or the pinned ESS_TODAY."""
    if has_app_context() and current_app.config.get("TODAY"):
        return date.fromisoformat(current_app.config["TODAY"])
    return now().astimezone(company_timezone()).date()
