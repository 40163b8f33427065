"""axe-core in a real Chromium finds no serious or critical violation on the main pages, in Korean and
English, at 390 px and 1280 px (issue #11).

axe is read from tests/a11y/node_modules (the pinned `axe-core` npm package, `make test` installs it)
and injected into each page; nothing is fetched from the internet. One server, one browser and one
signed-in page per person serve every case (about 0.5 s each on an idle 2-core machine).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

import conftest
from browser import chromium, screenshot, serve, sign_in
from ess import clock, create_app
from ess.db import db
from ess.helpdesk.models import Question
from ess.knowledge.models import Article
from ess.notify.models import OutboxMessage, OutboxState
from ess.people.models import Employee

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {390: 844, 1280: 900}
LOCALES = ["ko", "en"]
EMPLOYEE, MANAGER, HR, ADMIN = "E1041", "E1005", "E1002", "E1034"
BLOCKING = {"serious", "critical"}
SHOWN = {"home", "my-leave", "new-leave", "request-detail", "leave-reports", "insights"}  # screenshots, ko


@dataclass(frozen=True)
class Page:
    name: str
    person: str  # who is signed in ("" for nobody)
    path: str  # may name {leave_approval}, {article}, {question}, {webhook}: rows the fixture made
    submit: str = ""  # a button pressed with the form empty, to check the page that shows the errors
    status: int = 200


PAGES = [
    Page("dev-login", "", "/auth/dev-login"),
    Page("signed-out", "", "/auth/signed-out"),
    Page("home", EMPLOYEE, "/"),
    Page("my-leave", EMPLOYEE, "/leave/"),
    Page("new-leave", EMPLOYEE, "/leave/new"),
    Page("new-leave-errors", EMPLOYEE, "/leave/new", submit="#leave-form button[value=submit]"),
    Page("leave-detail", EMPLOYEE, "/approvals/{leave_approval}"),
    Page("my-requests", EMPLOYEE, "/requests"),
    Page("certificate", EMPLOYEE, "/requests/certificate"),
    Page("approvals-queue", MANAGER, "/approvals"),
    Page("request-detail", MANAGER, "/approvals/{leave_approval}"),
    Page("delegations", MANAGER, "/approvals/delegations"),
    Page("team-leave", MANAGER, "/leave/team"),
    Page("personal-details", EMPLOYEE, "/me"),
    Page("personal-history", EMPLOYEE, "/me/history"),
    Page("benefits", EMPLOYEE, "/benefits/"),
    Page("benefits-enrol", EMPLOYEE, "/benefits/enrol"),
    Page("life-event", EMPLOYEE, "/benefits/life-events/new"),
    Page("knowledge-home", EMPLOYEE, "/kb/"),
    Page("knowledge-search", EMPLOYEE, "/kb/search?q=%EC%97%B0%EC%B0%A8"),
    Page("knowledge-article", EMPLOYEE, "/kb/a/{article}"),
    Page("knowledge-article-table", EMPLOYEE, "/kb/a/payroll"),
    Page("help-home", EMPLOYEE, "/help/"),
    Page("ask", EMPLOYEE, "/help/ask"),
    Page("ask-errors", EMPLOYEE, "/help/ask", submit="form.hd-ask button[value=send]"),
    Page("directory", EMPLOYEE, "/people/?q=%EC%98%81%EC%97%85"),
    Page("person", EMPLOYEE, "/people/E1005"),
    Page("not-found", EMPLOYEE, "/no-such-page", status=404),
    Page("api-docs", EMPLOYEE, "/api/v1/docs"),
    Page("hr-employees", HR, "/hr/employees/"),
    Page("hr-employee", HR, "/hr/employees/E1041"),
    Page("leave-reports", HR, "/leave/reports"),
    Page("leave-adjust", HR, "/leave/adjust"),
    Page("benefits-hr", HR, "/benefits/hr"),
    Page("help-queue", HR, "/help/queue"),
    Page("help-question", HR, "/help/q/{question}"),
    Page("announcements", HR, "/help/announcements"),
    Page("knowledge-manage", HR, "/kb/manage"),
    Page("knowledge-new", HR, "/kb/new"),
    Page("knowledge-history", HR, "/kb/a/{article}/history"),
    Page("insights", HR, "/insights/"),
    Page("admin-tokens", ADMIN, "/admin/tokens/"),
    Page("outbox", ADMIN, "/admin/outbox/"),
    Page("webhooks", ADMIN, "/admin/webhooks/"),
    Page("webhook", ADMIN, "/admin/webhooks/{webhook}"),
]


def _person(number: str) -> Employee:
    return db.session.scalar(select(Employee).where(Employee.employee_no == number))


def _build_data(app) -> dict:
    """The demo company plus what makes the pages non-empty: a pending leave request, a token, a webhook
    with a delivery, and mail the outbox gave up on and is still retrying."""
    from ess.demo import build_demo
    from ess.leave import services as leave
    from ess.leave.policy import leave_policy
    from ess.tokens import services as tokens
    from ess.webhooks import services as webhooks

    with app.app_context():
        conftest._empty_tables()
        build_demo(conftest.ROLE_GROUPS, with_articles=True)
        me = _person(EMPLOYEE)
        calendar = leave_policy().calendar_for(me)
        start = clock.today() + timedelta(days=40)
        while not calendar.is_working_day(start):
            start += timedelta(days=1)
        with force_locale("ko"):
            request = leave.submit_request(me, leave_type="annual", start=start, end=start,
                                           reason="가족 행사", actor=me)
            tokens.create_token("hr-sync", ["people:read"], expires_days=90, actor=_person(ADMIN),
                                allowed_scopes=tokens.known_scopes(app))
            webhook, _secret = webhooks.create_subscription("hr-system", "https://hooks.hanbit.example/ess",
                                                            ["approval.decided"], [], actor=_person(ADMIN))
            webhooks.send_test(webhook, actor=_person(ADMIN))
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id).limit(2)).all()
        messages[0].state, messages[0].attempts = OutboxState.failed, 8
        messages[0].last_error = "Connection refused"
        messages[1].attempts, messages[1].last_error = 2, "Connection refused"
        article = db.session.scalar(select(Article.slug).where(Article.slug == "code-of-conduct"))
        question = db.session.scalar(select(Question.id).order_by(Question.id))
        data = {"leave_approval": request.approval_id, "article": article, "question": question,
                "webhook": webhook.id}
        db.session.commit()
    return data


@pytest.fixture(scope="module")
def site(database_url):
    """One app, server and browser for the module; one signed-in page per person, reused."""
    app = create_app(conftest.test_config(database_url))
    data = _build_data(app)
    assert AXE.exists(), "run `make test` (or `npm ci` in tests/a11y) to install axe-core"
    with serve(app) as base, chromium() as browser:
        pages: dict[str, object] = {}

        def page_for(person: str):
            if person not in pages:
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
                context.add_init_script(path=str(AXE))
                # A broken page then fails each case in seconds, not after Playwright's 30 s.
                context.set_default_timeout(10_000)
                page = context.new_page()
                if person:
                    sign_in(page, base, person)
                pages[person] = page
            return pages[person]

        yield base, data, page_for
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']} — {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:8]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("target", PAGES, ids=[p.name for p in PAGES])
def test_no_serious_or_critical_violation(site, target, locale, width):
    base, data, page_for = site
    page = page_for(target.person)
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    path = target.path.format(**data)
    url = f"{base}{path}{'&' if '?' in path else '?'}lang={locale}"
    response = page.goto(url)
    assert response.status == target.status, f"{url} answered {response.status}"
    if target.submit:
        button = page.locator(target.submit)
        button.evaluate("""button => {
            button.form.noValidate = true;
            button.form.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea')
                .forEach(field => { field.value = ''; });
        }""")
        with page.expect_navigation():
            button.click()
        assert page.locator(".error, [role=alert]").count(), "the empty form shows no error"
    # What a closed <details> holds (change forms, filters) is checked too.
    page.evaluate("document.querySelectorAll('details').forEach(details => details.open = true)")
    assert page.locator("html").get_attribute("lang") == locale
    results = page.evaluate("""() => axe.run(document, {
        resultTypes: ['violations'],
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
    })""")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    if blocking or (locale == "ko" and target.name in SHOWN):
        screenshot(page, f"a11y-{target.name}-{locale}-{width}")
    if blocking:
        pytest.fail(f"{target.name} ({locale}, {width} px):\n{_describe(blocking)}", pytrace=False)
