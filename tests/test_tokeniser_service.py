"""The tokeniser service (`flask --app wsgi ess tokeniser`): a web process with ESS_TOKENISER_URL set indexes and
searches exactly as one with Kiwi in its own memory, without ever loading Kiwi; when the service is away it
tokenises by itself (one warning) and goes back to the service when it answers again.

Everything is real: the service is the command started as a subprocess on a temporary socket, and one check
runs the portal in a fresh subprocess, whose `sys.modules` tells whether Kiwi was imported there.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select

import config
from conftest import ROLE_GROUPS, Browser
from ess.db import db
from ess.knowledge import search as kb_search
from ess.knowledge import tokens as tk
from ess.knowledge.models import Article, SearchDoc
from mailbox import free_port

pytestmark = pytest.mark.demo_articles

PROJECT_DIR = Path(__file__).resolve().parent.parent
SECRET = "test-secret-key-that-is-long-enough-0123456789"
# Korean with particles and compounds (비밀번호 is split in one sentence and kept whole in another), English,
# mixed, and words Kiwi joins (Wi-Fi).
QUERIES = ["연차", "비밀번호", "비밀번호를 잊어버렸어요", "비밀번호 변경", "급여명세서는", "연차휴가를 신청하려면",
           "복지 포인트 사용", "재택근무", "vpn", "VPN 접속이 안 돼요", "Wi-Fi 연결", "annual leave", "password",
           "Outlook 메일", "스캔"]
# An article written through the editor while the test runs (the save path that indexes it).
SCAN_ARTICLE = {"title": "프린터 스캔 설정", "slug": "scan-setup", "space": "it", "lang": "ko", "category": "장비",
                "tags": "스캔, 프린터", "summary": "스캔 요약",
                "body": "## 스캔\n\n스캔 버튼을 누릅니다. 비밀번호 변경 후 다시 로그인하세요.\n", "owner": "E1031"}


class TokeniserService:
    """`flask --app wsgi ess tokeniser` in a subprocess, on a Unix socket (or TCP on loopback)."""

    def __init__(self, directory: Path, database_url: str, kind: str = "unix"):
        self.directory = directory
        self.database_url = database_url
        if kind == "unix":
            self.where = ("--socket", str(directory / "tokeniser.sock"))
            self.url = f"unix://{directory / 'tokeniser.sock'}"
        else:
            port = free_port()
            self.where = ("--bind", f"127.0.0.1:{port}")
            self.url = f"tcp://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.log = directory / "tokeniser.log"

    def start(self) -> TokeniserService:
        env = {**os.environ, "ESS_ENV": "test", "ESS_DATABASE_URL": self.database_url, "ESS_SECRET_KEY": SECRET}
        env.pop("ESS_TOKENISER_URL", None)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "ess", "tokeniser", *self.where],
                cwd=PROJECT_DIR, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                self.stats()
                return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"the tokeniser did not answer: {self.log.read_text()}")

    def stats(self) -> dict:
        """The service's own count of texts it tokenised (a fresh connection, as a monitor would ask)."""
        from ess.knowledge.tokeniser import address

        family, where = address(self.url)
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(5)
            probe.connect(where)
            probe.sendall(b'{"stats": true}\n')
            return json.loads(probe.makefile("rb").readline())

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def short_dir():
    # A Unix socket's path must stay under 108 bytes: pytest's tmp_path can be longer.
    directory = Path(tempfile.mkdtemp(prefix="ess-tok-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def service(short_dir, database_url):
    running = TokeniserService(short_dir, database_url).start()
    yield running
    running.stop()


def fresh_caches() -> None:
    """Queries are tokenised once per process (lru_cache): forget them, so the next search tokenises again."""
    for cached in (tk._query_units, tk.query_groups, tk.query_terms):
        cached.cache_clear()


def results(b: Browser, queries=QUERIES) -> dict:
    found = {}
    for query in queries:
        response = b.get("/api/v1/kb/search", query_string={"q": query, "limit": 20})
        assert response.status_code == 200, response.get_data(as_text=True)
        found[query] = [(hit["slug"], hit["score"]) for hit in response.get_json()["results"]]
    return found


def in_process_results(app) -> dict:
    fresh_caches()
    return results(Browser(app).sign_in("E1041"))


def index_rows() -> dict:
    return {doc.article_id: (doc.title_tokens, doc.tag_tokens, doc.body_tokens)
            for doc in db.session.scalars(select(SearchDoc))}


def reindexed_in_process(app) -> dict:
    """Every readable article indexed again by Kiwi in this process (the app has no tokeniser set)."""
    assert not app.config.get("TOKENISER_URL")
    with app.app_context():
        db.session.execute(delete(SearchDoc))
        for article in db.session.scalars(select(Article)):
            kb_search.reindex(article)
        db.session.commit()
        return index_rows()


def publish_scan_article(portal) -> None:
    """An IT author writes the article in the editor, submits it, and a second author publishes it."""
    author, reviewer = Browser(portal).sign_in("E1031"), Browser(portal).sign_in("E1032")
    assert author.post("/kb/new", SCAN_ARTICLE).status_code == 302
    assert author.post("/kb/a/scan-setup/status", {"action": "submit"}).status_code == 302
    assert reviewer.post("/kb/a/scan-setup/status", {"action": "publish"}).status_code == 302


@pytest.mark.parametrize("kind", ["unix", "tcp"])
def test_the_service_gives_the_units_kiwi_gives_here(make_app, short_dir, database_url, kind):
    running = TokeniserService(short_dir, database_url, kind).start()
    try:
        portal = make_app(TOKENISER_URL=running.url)
        handbook = [path.read_text(encoding="utf-8") for path in sorted((PROJECT_DIR / "policies").rglob("*.md"))]
        texts = QUERIES + handbook
        with portal.app_context():
            served = [tk._units(text) for text in texts]
            served_tokens = [tk.tokens(text, compounds=True) for text in texts]
        assert running.stats()["texts"] == 2 * len(texts)  # every one of them went to the service
    finally:
        running.stop()
    assert served == [tk._local_units(text) for text in texts]
    assert served_tokens == [tk.tokens(text, compounds=True) for text in texts]  # no app: Kiwi in this process
    assert tk.tokens("비밀번호를") == ["비밀", "번호"] and served_tokens[QUERIES.index("비밀번호 변경")][:2] == [
        "비밀번호", "변경"]


def test_articles_indexed_and_searched_through_the_service_are_as_with_kiwi_here(app, make_app, service, caplog):
    portal = make_app(TOKENISER_URL=service.url)
    with portal.app_context():
        from ess.demo import build_demo

        build_demo(ROLE_GROUPS, with_articles=True)  # the handbook import, as `flask ess demo` runs it
        db.session.commit()
        through_service = index_rows()
    assert service.stats()["texts"] >= 3 * len(through_service) > 60
    fresh_caches()
    searched = results(Browser(portal).sign_in("E1041"))

    assert through_service == reindexed_in_process(app)
    assert searched == in_process_results(app)
    assert searched["비밀번호를 잊어버렸어요"][0][0] == "password-reset" and searched["vpn"][0][0] == "vpn"
    assert not [r for r in caplog.records if "tokeniser" in r.getMessage()]  # the service answered throughout


def test_a_web_process_using_the_service_never_loads_kiwi(app, demo, service, database_url, capsys):
    # A fresh process builds the portal as gunicorn's workers do, an author saves and publishes an article,
    # and a reader searches: all through the service. It reports what it found and what it imported.
    script = f"""
import json, re, sys
from ess import create_app

app = create_app()
FORM = {SCAN_ARTICLE!r}

def post(client, path, data):
    page = client.get("/auth/signed-out").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = client.post(path, data={{**data, "csrf_token": token}})
    assert answer.status_code == 302, (path, answer.status_code, answer.get_data(as_text=True)[:500])

def signed_in(employee):
    client = app.test_client()
    post(client, "/auth/dev-login", {{"employee": employee}})
    return client

author, reviewer, reader = signed_in("E1031"), signed_in("E1032"), signed_in("E1041")
post(author, "/kb/new", FORM)
post(author, "/kb/a/scan-setup/status", {{"action": "submit"}})
post(reviewer, "/kb/a/scan-setup/status", {{"action": "publish"}})
found = {{}}
for query in {QUERIES!r}:
    answer = reader.get("/api/v1/kb/search", query_string={{"q": query, "limit": 20}})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    found[query] = [(hit["slug"], hit["score"]) for hit in answer.get_json()["results"]]
assert reader.get("/kb/search", query_string={{"q": "비밀번호"}}).status_code == 200
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"results": found, "peak_mb": peak / 1024,
                  "kiwi_imported": sorted(m for m in sys.modules if m.split(".")[0].startswith("kiwipiepy"))}}))
"""
    env = {**os.environ, "ESS_ENV": "test", "ESS_DATABASE_URL": database_url, "ESS_SECRET_KEY": SECRET,
           "ESS_DEV_LOGIN": "1", "ESS_TOKENISER_URL": service.url, "ESS_SEARCH_RATE_LIMIT": "1000 per minute"}
    env.pop("ESS_TODAY", None)
    before = service.stats()["texts"]
    run = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    with capsys.disabled():
        print(f"\nweb process with the tokeniser service: peak RSS {report['peak_mb']:.1f} MB, "
              f"Kiwi imported: {report['kiwi_imported'] or 'no'}")

    assert report["kiwi_imported"] == []
    # Kiwi's model alone takes about 330 MB: a process that held it could not stay under this.
    assert report["peak_mb"] < 250
    assert service.stats()["texts"] > before  # the article's fields and the queries went to the service
    found = {query: [tuple(hit) for hit in hits] for query, hits in report["results"].items()}
    assert found == in_process_results(app)
    assert found["스캔"][0][0] == "scan-setup"
    with app.app_context():
        saved = index_rows()
    assert saved == reindexed_in_process(app)  # the saved article's tokens are those Kiwi gives here


def test_search_and_saves_work_while_the_service_is_down_and_it_is_used_again_when_back(
        app, demo, make_app, service, caplog):
    caplog.set_level(logging.INFO)
    expected = in_process_results(app)
    portal = make_app(TOKENISER_URL=service.url, TOKENISER_RETRY_SECONDS=1)
    reader = Browser(portal).sign_in("E1041")
    fresh_caches()
    assert results(reader, ["연차"]) == {"연차": expected["연차"]}
    assert service.stats()["texts"] >= 1

    service.kill()
    fresh_caches()
    half = len(QUERIES) // 2
    during = results(reader, QUERIES[:half])
    time.sleep(1.2)  # past the retry interval: the service is asked again, still in vain
    during |= results(reader, QUERIES[half:])
    publish_scan_article(portal)  # an article saved meanwhile is indexed here, as Kiwi indexes it

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "tokeniser" in r.getMessage()]
    assert len(warnings) == 1 and service.url in warnings[0] and "does not answer" in warnings[0]
    with app.app_context():
        saved = index_rows()
    assert saved == reindexed_in_process(app)
    assert during == expected
    expected = in_process_results(app)  # now with the new article
    assert expected["스캔"][0][0] == "scan-setup"

    service.start()
    time.sleep(1.2)
    fresh_caches()
    assert results(reader) == expected
    assert service.stats()["texts"] >= len(QUERIES)  # the restarted service tokenised every query again
    assert len([r for r in caplog.records if r.levelno == logging.WARNING and "tokeniser" in r.getMessage()]) == 1
    assert any("answers again" in r.getMessage() for r in caplog.records)


def test_every_request_line_gets_one_answer_and_a_bad_one_does_not_end_the_connection(service):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        connection.connect(service.url.removeprefix("unix://"))
        answers = connection.makefile("rb")
        for line in ['{"text": "급여명세서는 어디서"}', "not json", '["text"]', '{"text": 3}',
                     '{"text": "VPN 접속"}', '{"stats": true}']:
            connection.sendall(line.encode() + b"\n")
        replies = [json.loads(answers.readline()) for _ in range(6)]
    assert replies[0] == {"units": [["급여", "명세서"]]}
    assert [sorted(reply) for reply in replies[1:4]] == [["error"]] * 3
    assert replies[4] == {"units": [["vpn"], ["접속"]]}
    assert replies[5]["texts"] == 2 and replies[5]["clients"] == 1


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379", "unix://", "tcp://127.0.0.1", "/run/ess/t.sock"])
def test_a_wrong_tokeniser_address_is_refused_naming_the_setting(url):
    with pytest.raises(config.ConfigError, match="ESS_TOKENISER_URL"):
        config.from_env({"ESS_TOKENISER_URL": url})


def test_a_tokeniser_address_is_read_when_the_app_is_built():
    assert config.from_env({})["TOKENISER_URL"] is None
    assert config.from_env({"ESS_TOKENISER_URL": "unix:///run/ess/tokeniser.sock"})["TOKENISER_URL"] == \
        "unix:///run/ess/tokeniser.sock"
