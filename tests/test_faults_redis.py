"""Redis (rate-limit counters) goes away: the portal keeps serving people and programs, limits go on in each
process's memory, and the log says so once. Redis is the real server on 127.0.0.1:6379 behind a TCP proxy
that the test cuts."""
from __future__ import annotations

import logging
import uuid

import pytest

import config
from conftest import Browser
from ess.extensions import limiter
from service_tokens import bearer, make_token
from tcp_proxy import TcpProxy

FALLBACK_WARNING = "Rate limit storage unreachable - falling back to in-memory storage"


@pytest.fixture
def redis_proxy():
    proxy = TcpProxy("127.0.0.1", 6379).start()
    yield proxy
    proxy.cut()


@pytest.fixture
def redis_app(make_app, app, demo, redis_proxy):
    """The portal configured through the documented ESS_REDIS_URL, as production is."""
    settings = config.from_env({"ESS_REDIS_URL": f"redis://127.0.0.1:{redis_proxy.port}/0"})
    keys = [key for key in settings if key.startswith("RATELIMIT_")]
    portal = make_app(**{key: settings[key] for key in keys}, LOGIN_RATE_LIMIT="6 per minute",
                      RATELIMIT_KEY_PREFIX=f"ess-faults-{uuid.uuid4().hex[:8]}")
    yield portal
    limiter._storage_dead = False  # one limiter object serves every app built in this process


def sign_in_attempts_until_refused(portal, limit: int) -> int:
    client = portal.test_client()
    for attempt in range(1, limit + 3):
        if client.get("/auth/dev-login").status_code == 429:
            return attempt
    return 0


def test_redis_going_away_keeps_the_portal_serving_and_says_so_once(redis_app, redis_proxy, caplog):
    caplog.set_level(logging.INFO)
    person = Browser(redis_app).sign_in("E1041")  # counted in Redis (2 sign-in route hits)
    assert person.get("/").status_code == 200
    secret = make_token(redis_app, "payroll", ["people:read"])
    assert redis_app.test_client().get("/api/v1/employees/E1041", headers=bearer(secret)).status_code == 200
    assert FALLBACK_WARNING not in caplog.text

    # The network to Redis fails: pages, sign-in and the API still answer.
    redis_proxy.cut()
    assert person.get("/").status_code == 200
    assert person.get("/leave/").status_code == 200
    assert redis_app.test_client().get("/api/v1/employees/E1041", headers=bearer(secret)).status_code == 200
    assert redis_app.test_client().get("/api/v1/employees/E1041", headers=bearer(secret)).status_code == 200
    newcomer = Browser(redis_app).sign_in("E1042")
    assert newcomer.get("/").status_code == 200

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings].count(FALLBACK_WARNING) == 1
    assert sum("service-token limits are counted in this process's memory" in r.getMessage()
               for r in warnings) == 1

    # Limits still hold, counted in memory since the cut: with 6 a minute, a 429 comes by the 6th request.
    assert 0 < sign_in_attempts_until_refused(redis_app, 6) <= 6

