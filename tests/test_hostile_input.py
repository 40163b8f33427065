"""Hostile input into every HTML form: hypothesis fills the fields each form declares with control
characters, 1 MB values, long lists, injection strings and odd file names; the portal answers with the form
and its error, a refusal (400/404/409/413/422) or a redirect when the value is fine — never a 500, and a
refused post leaves the database as it was. Forms are found by reading the pages, so new ones are covered.

The JSON API gets the same treatment from schemathesis in test_api.py and test_leave_api_fuzz.py."""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ess.db import db
from test_access_rules import ADMIN, EMPLOYEE, HR, MATRIX, make_objects
from test_web_security import snapshot

EXAMPLES_PER_FORM = 8
# Forms that change who is signed in: posting junk to them is the sign-in tests' business.
NOT_FUZZED = ("/auth/",)
# Tables a refused request may still write: the search log (a "find answers" step is a search).
LOGS = {"search_queries"}
MEGABYTE = "가" * (1024 * 1024 // 3)  # 1 MB of UTF-8
HOSTILE = [
    "{{7*7}}", "{% for x in range(10**9) %}{% endfor %}", "${7*7}", "'; DROP TABLE employees; --", "' OR '1'='1",
    "\" OR 1=1 --", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
    "../../etc/passwd", "..\\..\\windows\\win.ini", "\x00", "a\x00b", "\x1b[31mred", "\r\nSet-Cookie: x=1",
    "\u202eevil", "\ufeff", "\u200b", "-1", "0", "99999999999999999999999", "1e309", "NaN", "-0.5", "2026-02-30",
    "9999-12-31", "0001-01-01", "", " ", "가" * 300, "E1041", "null", "[]", "{}", "%00", "%s%s%s%n",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(codec="utf-8"), max_size=40),  # includes control characters
    st.just(MEGABYTE),
)


class FormReader(HTMLParser):
    """The POST forms of a page: action, whether it takes files, and each named field with its value."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {"action": attrs.get("action"), "files": set(), "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "textarea", "select", "button") and attrs.get("name"):
            name = attrs["name"]
            if attrs.get("type") == "file":
                self._form["files"].add(name)
            elif name != "csrf_token":
                self._form["fields"].setdefault(name, set())
                if attrs.get("value") is not None:
                    self._form["fields"][name].add(attrs["value"])
            self._select = name if tag == "select" else None
        elif tag == "option" and self._select and attrs.get("value") is not None:
            self._form["fields"][self._select].add(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def post_forms(client, objects) -> dict[str, dict]:
    """Every POST form on every page in the access matrix, by action; forms sharing an action merged."""
    found: dict[str, dict] = {}
    for method, path, *_ in MATRIX.values():
        if method != "GET":
            continue
        url = path.format(**objects)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        reader = FormReader()
        reader.feed(response.get_data(as_text=True))
        for form in reader.forms:
            action = urlsplit(form["action"] or url)._replace(fragment="").geturl()
            if action.startswith(NOT_FUZZED):
                continue
            merged = found.setdefault(action, {"files": set(), "fields": {}, "page": url})
            merged["files"] |= form["files"]
            for name, values in form["fields"].items():
                merged["fields"].setdefault(name, set()).update(values)
    return found


@st.composite
def hostile_form(draw, form):
    """Each declared field kept as the page offers it, left out, made hostile, or sent 10,000 times; plus
    fields nobody declared; file fields get odd names, labels and contents."""
    data = {}
    for name, offered in sorted(form["fields"].items()):
        choice = draw(st.sampled_from(["offered", "missing", "hostile", "hostile", "many"]))
        if choice == "offered" and offered:
            data[name] = draw(st.sampled_from(sorted(offered)))
        elif choice == "hostile":
            data[name] = draw(hostile_text)
        elif choice == "many":
            data[name] = [draw(st.sampled_from(HOSTILE))] * 10_000
    for extra in draw(st.lists(st.sampled_from(["id", "employee_id", "state", "role", "__proto__", "a" * 300]),
                               max_size=2)):
        data[extra] = draw(hostile_text)
    for name in sorted(form["files"]):
        content = draw(st.sampled_from([b"", b"<html><script>alert(1)</script>", b"%PDF-1.4\n%%EOF\n",
                                        b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, b"\x00" * 6_000_000]))
        filename = draw(st.sampled_from(["../../etc/passwd", "..\\..\\a.png", "a.pdf\x00.html", "<b>.png",
                                         "가" * 300 + ".pdf", ".htaccess", "a.png"]))
        label = draw(st.sampled_from(["text/html", "image/png", "application/pdf", "application/x-msdownload"]))
        data[name] = (io.BytesIO(content), filename, label)
    return data


ACCEPTED = {200, 302, 400, 404, 409, 413, 422}
ERROR_MARKS = ('class="error', "error-page", 'role="alert"')  # a field's error, the error page, a notice


def _fuzz_forms_as(app, browser, identity) -> int:
    objects = make_objects(app)
    person = browser(identity)
    forms = post_forms(person.client, objects)
    assert forms, f"no form found for {identity}"
    posts, failures, token = 0, [], person.csrf()
    with app.app_context():
        before = snapshot()
    for action, form in sorted(forms.items()):
        @settings(max_examples=EXAMPLES_PER_FORM, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(data=hostile_form(form))
        def post(data):
            nonlocal posts, before
            posts += 1
            response = person.client.post(action, data={**data, "csrf_token": token})
            status = response.status_code
            assert status in ACCEPTED, f"{action} answered {status} to {_short(data)}"
            with app.app_context():
                after = snapshot()
            html = response.get_data(as_text=True)
            assert "<script>alert(1)</script>" not in html and "onerror=alert(1)" not in html, f"{action} echoes markup"
            refused = status != 302 and (status != 200 or any(mark in html for mark in ERROR_MARKS))
            if not refused:
                before = after  # accepted as valid (a redirect, or a page such as a revealed value)
                return
            changed = {name for name in before if before[name] != after[name]} - LOGS
            assert not changed, f"{action} refused ({status}) but wrote {changed}: {_short(data)}"
            if status in (413, 422):
                assert any(mark in html for mark in ERROR_MARKS), \
                    f"{action} {status} without a message: {_short(data)}"

        try:
            post()
        except AssertionError as failure:  # go on, so one run lists every form that fails
            failures.append(str(failure).splitlines()[0])
        assert person.get("/").status_code == 200, f"{action} signed {identity} out"
    assert failures == [], "\n".join(failures)
    return posts


def _short(data) -> dict:
    return {k: (v[:60] if isinstance(v, str) else f"[{len(v)} × {v[0][:20]!r}]" if isinstance(v, list) else v[1])
            for k, v in data.items()}


# A manager's and an IT author's forms are among these (deciding leave, writing articles).
@pytest.mark.parametrize("identity", [EMPLOYEE, HR, ADMIN])
@pytest.mark.demo_articles
def test_every_form_survives_hostile_input(app, demo, browser, identity):
    posts = _fuzz_forms_as(app, browser, identity)
    assert posts >= EXAMPLES_PER_FORM


INVALID_UTF8 = [b"%FF%FE", b"%C0%AF", b"%ED%A0%80", b"%E0%80", b"\xff\xfe", b"%F4%90%80%80"]


@pytest.mark.parametrize("raw", INVALID_UTF8)
def test_invalid_utf8_in_forms_and_query_strings(app, demo, browser, raw):
    """Werkzeug decodes bytes that are not UTF-8 with U+FFFD; what is stored is that, never a 500."""
    person = browser(EMPLOYEE)
    token = person.csrf()
    body = b"csrf_token=" + token.encode() + b"&topic=pay&subject=" + raw + b"%ED%95%9C&details=" + raw
    response = person.client.post("/help/ask", data=body, content_type="application/x-www-form-urlencoded")
    # Percent-escaped bytes are decoded with U+FFFD; bare non-ASCII bytes are not a form at all (400).
    assert response.status_code in ((302, 422) if raw.startswith(b"%") else (400,))
    for url in (b"/people/?q=", b"/kb/search?q=", b"/api/v1/kb/search?q=", b"/leave/?year="):
        answer = person.client.get(url.decode() + raw.decode("latin-1"))
        assert answer.status_code in (200, 400, 422), (url, raw, answer.status_code)
    from sqlalchemy import select

    from ess.helpdesk.models import Question

    with app.app_context():
        subjects = db.session.scalars(select(Question.subject).where(Question.subject.endswith("한"))).all()
    for subject in subjects:
        subject.encode("utf-8")  # stored text is valid UTF-8 (undecodable bytes became U+FFFD)
        assert not re.search(r"[\ud800-\udfff]", subject)


def test_invalid_utf8_in_json_is_a_clean_400(app, demo, browser):
    person = browser(EMPLOYEE)
    response = person.client.post("/api/v1/me/profile/changes", data=b'{"mobile_phone": "\xff\xfe"}',
                                  content_type="application/json", headers={"X-CSRFToken": person.csrf()})
    assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("text", ["a\x00b", "\x1b[2J\x07", "\ud800"])
def test_control_characters_in_free_text(app, demo, browser, text):
    """PostgreSQL refuses NUL in text and UTF-8 has no lone surrogates: such input is refused or cleaned,
    never a 500, on every backend."""
    person, hr = browser(EMPLOYEE), browser(HR)
    objects = make_objects(app)
    raw = text.encode("utf-8", "surrogatepass")
    token = person.csrf()
    posts = [
        (person, "/help/ask", {"topic": "pay", "subject": text, "details": text}),
        (person, f"/help/q/{objects['question']}/reply", {"body": text}),
        (person, f"/approvals/{objects['approval']}/comment", {"comment": text}),
        (person, "/me/details", {"preferred_name": text, "mobile_phone": "010-1234-5678"}),
        (hr, "/help/announcements", {"title": text, "body": text}),
    ]
    for who, url, form in posts:
        body = "&".join(f"{k}={v}" for k, v in form.items() if v != text).encode()
        body += b"".join(b"&" + k.encode() + b"=" + b"".join(b"%%%02X" % byte for byte in raw)
                         for k, v in form.items() if v == text)
        body += b"&csrf_token=" + (token if who is person else hr.csrf()).encode()
        response = who.client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code in ((422,) if "\x00" in text else (200, 302, 422)), f"{url}: {response.status_code}"
    api = person.client.post("/api/v1/me/profile/changes", json={"preferred_name": text},
                             headers={"X-CSRFToken": token})
    assert api.status_code in (200, 400, 422), api.get_data(as_text=True)[:300]
    if text != "\x1b[2J\x07":
        assert api.status_code == 422 and api.get_json()["field"] == "preferred_name"
    if text == "a\x00b":  # (a surrogate's bytes in a URL are invalid UTF-8: they arrive as U+FFFD)
        page = person.client.get("/people/?q=" + quote(text.encode("utf-8", "surrogatepass")))
        assert page.status_code == 422 and "q 항목" in page.get_data(as_text=True)
        assert person.get("/people/E1002%00").status_code == 404
