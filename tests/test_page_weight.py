"""Page weight (issue #10): each main page's HTML, CSS and JS together under 60 KB uncompressed and at most
4 requests on a first visit; static files with content-hashed names cached for a year; responses
compressed for browsers that accept it.
"""
from __future__ import annotations

import gzip
import hashlib
import re

import brotli
import pytest

pytestmark = pytest.mark.demo_articles

LIMIT_BYTES = 60 * 1024
LIMIT_REQUESTS = 4
YEAR = "public, max-age=31536000, immutable"
PAGES = [
    ("E1041", "/"),
    ("E1041", "/leave/"),
    ("E1041", "/leave/new"),
    ("E1011", "/approvals"),
    ("E1041", "/kb/a/annual-leave"),
    ("E1041", "/kb/"),
    ("E1041", "/kb/search?q=연차휴가를"),
    ("E1041", "/people/?q=김"),
    ("E1041", "/help/ask"),
    ("E1041", "/benefits/"),
]
# What a browser fetches on its own when it reads the page.
RESOURCE = re.compile(r'<(?:link[^>]*\bhref|script[^>]*\bsrc|img[^>]*\bsrc)="([^"]+)"')


def first_visit(client, path: str) -> tuple[int, int, list[str]]:
    """(requests, uncompressed bytes of HTML + CSS + JS, resource URLs) of loading `path` with an empty cache."""
    page = client.get(path)
    assert page.status_code == 200, path
    html = page.get_data(as_text=True)
    urls = sorted(set(RESOURCE.findall(html)))
    total = len(page.data)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"{path} loads {url} from elsewhere"
        response = client.get(url)
        assert response.status_code == 200, url
        if response.mimetype in ("text/css", "text/javascript", "application/javascript"):
            total += len(response.data)
    return 1 + len(urls), total, urls


@pytest.mark.parametrize("who, path", PAGES)
def test_first_visit_is_light(app, demo, browser, who, path):
    requests, total, urls = first_visit(browser(who), path)
    print(f"{path}: {requests} requests, {total} bytes")
    assert requests <= LIMIT_REQUESTS, (path, urls)
    assert total < LIMIT_BYTES, f"{path}: {total} bytes of HTML, CSS and JS"


def test_static_files_have_content_hashed_names_and_are_cached_for_a_year(app, demo, browser):
    client = browser("E1041")
    html = client.get("/").get_data(as_text=True)
    urls = RESOURCE.findall(html)
    assert {url.rsplit(".", 1)[-1] for url in urls} >= {"css", "js", "svg"}
    for url in urls:
        response = client.get(url)
        digest = re.search(r"\.([0-9a-f]{12})\.\w+$", url)
        assert digest, f"{url} has no content hash in its name"
        assert hashlib.sha256(response.data).hexdigest()[:12] == digest.group(1)
        assert response.headers["Cache-Control"] == YEAR
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    # One stylesheet carries every domain's rules; one script every enhancement.
    css = client.get(next(u for u in urls if u.endswith(".css"))).get_data(as_text=True)
    js = client.get(next(u for u in urls if u.endswith(".js"))).get_data(as_text=True)
    assert ".kb-search" in css and ".team-month" in css and ".hd-thread" in css and ".benefit-list" in css
    assert "window.ess" in js and "leave-preview" in js and "kb-suggestions" in js and "hd-suggestions" in js
    assert client.get("/assets/ess.0123456789ab.css").status_code == 404


def test_a_changed_source_file_gets_a_new_name(app, tmp_path, monkeypatch):
    from ess import assets

    before = assets.build_all()["css"]
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    for source in assets.BUNDLES["css"][2]:
        text = (assets.STATIC / source).read_text(encoding="utf-8")
        (folder / source).write_text(text + ("\n.changed { color: red; }\n" if source == "css/ess.css" else ""),
                                     encoding="utf-8")
    monkeypatch.setattr(assets, "STATIC", folder)
    after = assets._build(*assets.BUNDLES["css"])
    assert after.hashed != before.hashed and b".changed" in after.body


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_responses_are_compressed(app, demo, browser, encoding, decode):
    client = browser("E1011")  # HR, for the CSV report
    html = client.get("/").get_data(as_text=True)
    css = next(u for u in RESOURCE.findall(html) if u.endswith(".css"))
    for url, mimetype in (("/", "text/html"), ("/kb/search?q=연차", "text/html"), (css, "text/css"),
                          ("/api/v1/kb/search?q=연차", "application/json"), ("/leave/reports.csv", "text/csv")):
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": encoding})
        assert packed.mimetype == mimetype, url
        assert packed.headers.get("Content-Encoding") == encoding, url
        assert "Accept-Encoding" in packed.headers.get("Vary", ""), url
        assert len(packed.data) < len(plain.data) / 2, url
        if mimetype != "text/html":  # pages carry a fresh CSRF token each time
            assert decode(packed.data) == plain.data, url
