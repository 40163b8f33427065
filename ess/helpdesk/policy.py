"""Topics and the team each routes to, from `policies/helpdesk.toml`."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

TEAMS = {"hr": _l("HR"), "it": _l("IT")}
# Who answers a team's questions (admins run the system; they do not read people's questions).
TEAM_ROLES = {"hr": "hr", "it": "it_author"}


class PolicyError(Exception):
    pass


@dataclass(frozen=True)
class Topic:
    key: str
    team: str
    ko: str
    en: str

    @property
    def name(self) -> str:
        return self.en if str(get_locale() or "ko") == "en" else self.ko


DEFAULT_TOPICS = (
    Topic("hr_other", "hr", "인사 문의", "HR question"),
    Topic("it_other", "it", "IT 문의", "IT question"),
)


def parse_topics(text: str) -> tuple[Topic, ...]:
    raw = tomllib.loads(text).get("topics", [])
    topics, seen = [], set()
    for index, item in enumerate(raw, 1):
        key, team = str(item.get("key", "")).strip(), item.get("team")
        if not key or key in seen:
            raise PolicyError(f"topics #{index}: key missing or repeated")
        if team not in TEAMS:
            raise PolicyError(f"topics #{index} ({key}): team must be hr or it")
        seen.add(key)
        topics.append(Topic(key, team, str(item.get("ko") or key), str(item.get("en") or item.get("ko") or key)))
    return tuple(topics) or DEFAULT_TOPICS


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> tuple[Topic, ...]:
    return parse_topics(Path(path).read_text(encoding="utf-8"))


def topics() -> tuple[Topic, ...]:
    path = Path(current_app.config["POLICIES_DIR"]) / "helpdesk.toml"
    if not path.exists():
        return DEFAULT_TOPICS
    return _load(str(path), path.stat().st_mtime)


def topic(key: str | None) -> Topic | None:
    return next((t for t in topics() if t.key == key), None)


def topic_name(key: str) -> str:
    found = topic(key)
    return found.name if found else key


def teams_of(user) -> list[str]:
    """The teams whose questions this person answers."""
    roles = user.roles
    return [team for team, role in TEAM_ROLES.items() if role in roles]
