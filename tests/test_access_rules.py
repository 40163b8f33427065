"""Deny by default: every route declares who may use it, and the rule is what each identity gets."""
import pytest

from ess.security import access_roles

# endpoint → (method, path, expected status per identity[, form or JSON data]). Every route must be listed.
# `{name}` in a path is filled from `make_objects` (fresh objects for every identity, owned by EMPLOYEE).
# Method "JSON" posts a JSON body with the CSRF header, as the browser's scripts do.
ANON, EMPLOYEE, MANAGER, HR, IT_AUTHOR, ADMIN = "anonymous", "E1041", "E1005", "E1011", "E1031", "E1034"
IDENTITIES = (ANON, EMPLOYEE, MANAGER, HR, IT_AUTHOR, ADMIN)
SIGNED_IN = {identity: 200 for identity in IDENTITIES if identity != ANON}

MATRIX = {
    "static": ("GET", "/static/css/ess.css", {ANON: 200, **SIGNED_IN}),
    "assets.file": ("GET", "/assets/ess.css", {ANON: 200, **SIGNED_IN}),
    "home.index": ("GET", "/", {ANON: 302, **SIGNED_IN}),
    "home.healthz": ("GET", "/healthz", {ANON: 200, **SIGNED_IN}),
    "auth.login": ("GET", "/auth/login", {ANON: 302, **{i: 302 for i in SIGNED_IN}}),
    "auth.callback": ("GET", "/auth/callback", {ANON: 404, **{i: 404 for i in SIGNED_IN}}),
    "auth.dev_login": ("GET", "/auth/dev-login", {ANON: 200, **SIGNED_IN}),
    "auth.logout": ("POST", "/auth/logout", {ANON: 302, **{i: 302 for i in SIGNED_IN}}),
    "auth.signed_out": ("GET", "/auth/signed-out", {ANON: 200, **SIGNED_IN}),
    "people.index": ("GET", "/people/", {ANON: 302, **SIGNED_IN}),
    "people.profile": ("GET", "/people/E1002", {ANON: 302, **SIGNED_IN}),
    "api.openapi_document": ("GET", "/api/v1/openapi.json", {ANON: 200, **SIGNED_IN}),
    # Integrations: the API reference, people API, service-token admin pages, SCIM (tokens only: 401 for
    # every browser session, admins' included).
    "api.docs": ("GET", "/api/v1/docs", {ANON: 200, **SIGNED_IN}),
    "people_api.employee": ("GET", "/api/v1/employees/E1002", {ANON: 401, **SIGNED_IN}),
    "people_api.me": ("GET", "/api/v1/me", {ANON: 401, **SIGNED_IN}),
    "tokens.index": ("GET", "/admin/tokens/", {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 200}),
    "tokens.create": ("POST", "/admin/tokens/", {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 422}),
    "tokens.revoke": ("POST", "/admin/tokens/999/revoke", {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 404}),
    **{f"scim.{endpoint}": (method, f"/scim/v2{path}", {ANON: 401, **{i: 401 for i in SIGNED_IN}}) for endpoint, method, path in (
        ("service_provider_config", "GET", "/ServiceProviderConfig"), ("resource_types", "GET", "/ResourceTypes"),
        ("resource_type", "GET", "/ResourceTypes/User"), ("schemas", "GET", "/Schemas"),
        ("schema", "GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"), ("users", "GET", "/Users"),
        ("search_users", "POST", "/Users/.search"), ("user", "GET", "/Users/1"), ("groups", "GET", "/Groups"),
        ("search_groups", "POST", "/Groups/.search"), ("group", "GET", "/Groups/1"), ("search_all", "POST", "/.search"),
        ("unknown_root", "GET", "/"), ("unknown", "GET", "/Nothing"))},
    # Approvals: {approval} is EMPLOYEE's certificate request, waiting for HR.
    "approvals.index": ("GET", "/approvals", {ANON: 302, **SIGNED_IN}),
    "approvals.detail": ("GET", "/approvals/{approval}",
                         {ANON: 302, EMPLOYEE: 200, MANAGER: 403, HR: 200, IT_AUTHOR: 403, ADMIN: 200}),
    "approvals.approve": ("POST", "/approvals/{approval}/approve",
                          {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 302, IT_AUTHOR: 403, ADMIN: 403}),
    "approvals.reject": ("POST", "/approvals/{approval}/reject",
                         {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 302, IT_AUTHOR: 403, ADMIN: 403},
                         {"reason": "x"}),
    "approvals.send_back": ("POST", "/approvals/{approval}/send-back",
                            {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 302, IT_AUTHOR: 403, ADMIN: 403},
                            {"question": "x"}),
    "approvals.answer": ("POST", "/approvals/{approval}/answer",
                         {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 403, IT_AUTHOR: 403, ADMIN: 403},
                         {"answer": "x"}),
    "approvals.withdraw": ("POST", "/approvals/{approval}/withdraw",
                           {ANON: 302, EMPLOYEE: 302, MANAGER: 403, HR: 403, IT_AUTHOR: 403, ADMIN: 403}),
    "approvals.cancel": ("POST", "/approvals/{approval}/cancel",
                         {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 302, IT_AUTHOR: 403, ADMIN: 302},
                         {"reason": "x"}),
    "approvals.comment": ("POST", "/approvals/{approval}/comment",
                          {ANON: 302, EMPLOYEE: 302, MANAGER: 403, HR: 302, IT_AUTHOR: 403, ADMIN: 302},
                          {"comment": "x"}),
    "approvals.bulk_approve": ("POST", "/approvals/bulk-approve", {ANON: 302, **{i: 302 for i in SIGNED_IN}}),
    "approvals.my_requests": ("GET", "/requests", {ANON: 302, **SIGNED_IN}),
    "approvals.request_certificate": ("GET", "/requests/certificate", {ANON: 302, **SIGNED_IN}),
    "approvals.delegations": ("GET", "/approvals/delegations", {ANON: 302, **SIGNED_IN}),
    "approvals.end_delegation": ("POST", "/approvals/delegations/{delegation}/end",
                                 {ANON: 302, EMPLOYEE: 302, MANAGER: 404, HR: 404, IT_AUTHOR: 404, ADMIN: 404}),
    "approvals_api.queue": ("GET", "/api/v1/approvals", {ANON: 401, **SIGNED_IN}),
    "approvals_api.approve": ("JSON", "/api/v1/approvals/{approval}/approve",
                              {ANON: 401, EMPLOYEE: 403, MANAGER: 404, HR: 200, IT_AUTHOR: 404, ADMIN: 403}, {}),
    "approvals_api.reject": ("JSON", "/api/v1/approvals/{approval}/reject",
                             {ANON: 401, EMPLOYEE: 403, MANAGER: 404, HR: 200, IT_AUTHOR: 404, ADMIN: 403},
                             {"reason": "x"}),
    "notify.index": ("GET", "/admin/outbox/", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 403, IT_AUTHOR: 403,
                                               ADMIN: 200}),
    "notify.retry": ("POST", "/admin/outbox/{failed_mail}/retry",
                     {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 403, IT_AUTHOR: 403, ADMIN: 302}),
    # Webhooks: administrators only; {webhook} has a given-up {webhook_delivery}.
    "webhooks.index": ("GET", "/admin/webhooks/", {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 200}),
    "webhooks.create": ("POST", "/admin/webhooks/", {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 422}),
    "webhooks.detail": ("GET", "/admin/webhooks/{webhook}", {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 200}),
    "webhooks.update": ("POST", "/admin/webhooks/{webhook}", {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 422}),
    "webhooks.set_enabled": ("POST", "/admin/webhooks/{webhook}/enabled",
                             {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 302}, {"enabled": "0"}),
    "webhooks.delete": ("POST", "/admin/webhooks/{webhook}/delete",
                        {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 302}),
    "webhooks.rotate_secret": ("POST", "/admin/webhooks/{webhook}/rotate-secret",
                               {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 200}),
    "webhooks.send_test": ("POST", "/admin/webhooks/{webhook}/test",
                           {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 302}),
    "webhooks.redeliver": ("POST", "/admin/webhooks/{webhook}/deliveries/{webhook_delivery}/redeliver",
                           {ANON: 302, **{i: 403 for i in SIGNED_IN}, ADMIN: 302}),
    # Benefits: {enrolment} is EMPLOYEE's pending dental choice, {life_event} EMPLOYEE's marriage with a document.
    "benefits.index": ("GET", "/benefits/", {ANON: 302, **SIGNED_IN}),
    "benefits.enrol_form": ("GET", "/benefits/enrol?plan=dental", {ANON: 302, **SIGNED_IN}),
    "benefits.enrol": ("POST", "/benefits/enrol", {ANON: 302, **{i: 422 for i in SIGNED_IN}}),
    "benefits.enrolment": ("GET", "/benefits/enrolments/{enrolment}",
                           {ANON: 302, EMPLOYEE: 200, MANAGER: 403, HR: 200, IT_AUTHOR: 403, ADMIN: 403}),
    "benefits.life_event_form": ("GET", "/benefits/life-events/new", {ANON: 302, **SIGNED_IN}),
    "benefits.report_life_event": ("POST", "/benefits/life-events", {ANON: 302, **{i: 422 for i in SIGNED_IN}}),
    "benefits.life_event_document": ("GET", "/benefits/life-events/{life_event}/document",
                                     {ANON: 302, EMPLOYEE: 200, MANAGER: 403, HR: 200, IT_AUTHOR: 403, ADMIN: 403}),
    "benefits.hr": ("GET", "/benefits/hr", {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    "benefits.export": ("GET", "/benefits/hr/export.csv?for=payroll",
                        {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    "benefits_api.plans": ("GET", "/api/v1/benefits/plans", {ANON: 401, **SIGNED_IN}),
    "benefits_api.my_enrolments": ("GET", "/api/v1/benefits/enrolments", {ANON: 401, **SIGNED_IN}),
    "benefits_api.create_enrolment": ("JSON", "/api/v1/benefits/enrolments",
                                      {ANON: 401, **{i: 422 for i in SIGNED_IN}}, {}),
    # Leave. Requests that do not exist; the owner/manager/HR checks on real ones are in test_leave_access.py.
    "leave.withdraw": ("POST", "/leave/requests/999999/withdraw", {ANON: 302, **{i: 404 for i in SIGNED_IN}}),
    "leave.cancel": ("POST", "/leave/requests/999999/cancel", {ANON: 302, **{i: 404 for i in SIGNED_IN}}),
    "leave.document": ("GET", "/leave/requests/999999/document", {ANON: 302, **{i: 404 for i in SIGNED_IN}}),
    "leave.index": ("GET", "/leave/", {ANON: 302, **SIGNED_IN}),
    "leave.new": ("GET", "/leave/new", {ANON: 302, **SIGNED_IN}),
    "leave.create": ("POST", "/leave/new", {ANON: 302, **{i: 422 for i in SIGNED_IN}}),
    "leave.team": ("GET", "/leave/team", {ANON: 302, **{i: 403 for i in SIGNED_IN}, MANAGER: 200}),
    "leave.reports": ("GET", "/leave/reports", {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    "leave.reports_csv": ("GET", "/leave/reports.csv", {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    "leave.adjust_form": ("GET", "/leave/adjust?employee_no=E1041", {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    "leave.adjust": ("POST", "/leave/adjust", {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 422}),
    "leave.regenerate_feed": ("POST", "/leave/feed/regenerate", {ANON: 302, **{i: 302 for i in SIGNED_IN}}),
    "leave.feed": ("GET", "/leave/feed/not-a-token.ics", {ANON: 404, **{i: 404 for i in SIGNED_IN}}),
    "leave.team_feed": ("GET", "/leave/feed/not-a-token/team.ics", {ANON: 404, **{i: 404 for i in SIGNED_IN}}),
    "leave_api.preview": ("GET", "/api/v1/leave/preview?leave_type=annual&start=2030-01-02",
                          {ANON: 401, **SIGNED_IN}),
    "leave_api.create_request": ("POST", "/api/v1/leave/requests", {ANON: 401, **{i: 415 for i in SIGNED_IN}}),
    "leave_api.list_requests": ("GET", "/api/v1/leave/requests", {ANON: 401, **SIGNED_IN}),
    "leave_api.my_balances": ("GET", "/api/v1/leave/balances", {ANON: 401, **SIGNED_IN}),
    "leave_api.employee_balances": ("GET", "/api/v1/employees/E1041/leave/balances",
                                    {ANON: 401, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    # Personal details: /me is always the signed-in person's own record; /hr/employees is HR's.
    "profile.me": ("GET", "/me", {ANON: 302, **SIGNED_IN}),
    "profile.update_details": ("POST", "/me/details", {ANON: 302, **{i: 422 for i in SIGNED_IN}}),
    "profile.update_bank_account": ("POST", "/me/bank-account", {ANON: 302, **{i: 422 for i in SIGNED_IN}}),
    "profile.update_rrn": ("POST", "/me/resident-registration-number", {ANON: 302, **{i: 422 for i in SIGNED_IN}}),
    "profile.emergency_contacts": ("POST", "/me/emergency-contacts", {ANON: 302, **{i: 422 for i in SIGNED_IN}}),
    "profile.dependents": ("POST", "/me/dependents", {ANON: 302, **{i: 422 for i in SIGNED_IN}}),
    "profile.reveal": ("POST", "/me/reveal", {ANON: 302, **SIGNED_IN}, {"field": "bank_account"}),
    "profile.history": ("GET", "/me/history", {ANON: 302, **SIGNED_IN}),
    "profile.export": ("GET", "/me/export", {ANON: 302, **SIGNED_IN}),
    "profile_hr.index": ("GET", "/hr/employees/", {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    "profile_hr.employee": ("GET", "/hr/employees/E1041", {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    "profile_hr.update_details_hr": ("POST", "/hr/employees/E1041/details",
                                     {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 422}),
    "profile_hr.update_bank_account_hr": ("POST", "/hr/employees/E1041/bank-account",
                                          {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 422}),
    "profile_hr.update_rrn_hr": ("POST", "/hr/employees/E1041/resident-registration-number",
                                 {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 422}),
    "profile_hr.emergency_contacts_hr": ("POST", "/hr/employees/E1041/emergency-contacts",
                                         {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 422}),
    "profile_hr.dependents_hr": ("POST", "/hr/employees/E1041/dependents",
                                 {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 422}),
    "profile_hr.reveal_hr": ("POST", "/hr/employees/E1041/reveal", {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 200},
                             {"field": "bank_account"}),
    "profile_hr.history_hr": ("GET", "/hr/employees/E1041/history", {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    "profile_api.my_profile": ("GET", "/api/v1/me/profile", {ANON: 401, **SIGNED_IN}),
    "profile_api.update_my_profile": ("JSON", "/api/v1/me/profile/changes", {ANON: 401, **SIGNED_IN},
                                      {"mobile_phone": "010-1234-5678"}),
    "profile_api.reveal_mine": ("JSON", "/api/v1/me/profile/reveal", {ANON: 401, **SIGNED_IN}, {"field": "bank_account"}),
    "profile_api.employee_profile": ("GET", "/api/v1/employees/E1041/profile",
                                     {ANON: 401, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    "knowledge.index": ("GET", "/kb/", {ANON: 302, **SIGNED_IN}),
    "knowledge.search_page": ("GET", "/kb/search?q=연차", {ANON: 302, **SIGNED_IN}),
    "knowledge.article": ("GET", "/kb/a/vpn", {ANON: 302, **SIGNED_IN}),
    "knowledge.feedback": ("POST", "/kb/a/vpn/feedback", {ANON: 302, **{i: 422 for i in SIGNED_IN}}),
    "knowledge.acknowledge": ("POST", "/kb/a/code-of-conduct/acknowledge", {ANON: 302, **{i: 302 for i in SIGNED_IN}}),
    "knowledge.attachment": ("GET", "/kb/attachments/999/x.png", {ANON: 302, **{i: 404 for i in SIGNED_IN}}),
    "knowledge.manage": ("GET", "/kb/manage", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 200, IT_AUTHOR: 200, ADMIN: 200}),
    "knowledge.new": ("GET", "/kb/new", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 200, IT_AUTHOR: 200, ADMIN: 200}),
    "knowledge.edit": ("GET", "/kb/a/vpn/edit", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 200, IT_AUTHOR: 200,
                                                 ADMIN: 200}),
    "knowledge.transition": ("POST", "/kb/a/vpn/status", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 422,
                                                          IT_AUTHOR: 422, ADMIN: 422}),
    "knowledge.history": ("GET", "/kb/a/vpn/history", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 200, IT_AUTHOR: 200,
                                                       ADMIN: 200}),
    "knowledge.restore": ("POST", "/kb/a/vpn/restore", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 422, IT_AUTHOR: 422,
                                                        ADMIN: 422}),
    "knowledge.upload": ("POST", "/kb/a/vpn/attachments", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 422,
                                                           IT_AUTHOR: 422, ADMIN: 422}),
    "knowledge.acknowledgements": ("GET", "/kb/a/code-of-conduct/acknowledgements",
                                   {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 200, IT_AUTHOR: 403, ADMIN: 200}),
    "knowledge.acknowledgements_csv": ("GET", "/kb/a/code-of-conduct/acknowledgements.csv",
                                       {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 200, IT_AUTHOR: 403, ADMIN: 200}),
    "knowledge_api.search": ("GET", "/api/v1/kb/search?q=vpn", {ANON: 401, **SIGNED_IN}),
    "knowledge_api.suggest": ("GET", "/api/v1/kb/suggest?q=vp", {ANON: 401, **SIGNED_IN}),
    # Ask HR/IT: {question} is EMPLOYEE's question to HR (answered by HR, with an attachment); {shared} is
    # another of EMPLOYEE's questions, shared as public Q&A; private questions are 404 to everyone else.
    "helpdesk.index": ("GET", "/help/", {ANON: 302, **SIGNED_IN}),
    "helpdesk.ask": ("GET", "/help/ask", {ANON: 302, **SIGNED_IN}),
    "helpdesk.ask_post": ("POST", "/help/ask", {ANON: 302, **{i: 422 for i in SIGNED_IN}}),
    "helpdesk.question": ("GET", "/help/q/{question}",
                          {ANON: 302, EMPLOYEE: 200, MANAGER: 404, HR: 200, IT_AUTHOR: 404, ADMIN: 404}),
    "helpdesk.reply": ("POST", "/help/q/{question}/reply",
                       {ANON: 302, EMPLOYEE: 302, MANAGER: 404, HR: 302, IT_AUTHOR: 404, ADMIN: 404}, {"body": "x"}),
    "helpdesk.resolve": ("POST", "/help/q/{question}/resolve",
                         {ANON: 302, EMPLOYEE: 302, MANAGER: 404, HR: 403, IT_AUTHOR: 404, ADMIN: 404}),
    "helpdesk.draft_article": ("POST", "/help/q/{question}/article",
                               {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 302, IT_AUTHOR: 404, ADMIN: 403}),
    "helpdesk.share": ("POST", "/help/q/{question}/share",
                       {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 302, IT_AUTHOR: 404, ADMIN: 403},
                       {"public_subject": "x", "public_answer": "y"}),
    "helpdesk.unshare": ("POST", "/help/q/{question}/unshare",
                         {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 302, IT_AUTHOR: 404, ADMIN: 403}),
    "helpdesk.attachment": ("GET", "/help/q/{question}/files/{question_file}",
                            {ANON: 302, EMPLOYEE: 200, MANAGER: 404, HR: 200, IT_AUTHOR: 404, ADMIN: 404}),
    "helpdesk.queue": ("GET", "/help/queue", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 200, IT_AUTHOR: 200,
                                              ADMIN: 403}),
    "helpdesk.shared": ("GET", "/help/shared/{shared}", {ANON: 302, **SIGNED_IN}),
    "helpdesk.vote": ("POST", "/help/shared/{shared}/helpful", {ANON: 302, **{i: 302 for i in SIGNED_IN}}),
    "helpdesk.announcements": ("GET", "/help/announcements", {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 200}),
    "helpdesk.create_announcement": ("POST", "/help/announcements",
                                     {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 422}),
    "helpdesk.pin": ("POST", "/help/announcements/{announcement}/pin",
                     {ANON: 302, **{i: 403 for i in SIGNED_IN}, HR: 302}),
    "helpdesk_api.suggestions": ("GET", "/api/v1/helpdesk/suggestions?q=연차", {ANON: 401, **SIGNED_IN}),
    "helpdesk_api.my_questions": ("GET", "/api/v1/helpdesk/questions", {ANON: 401, **SIGNED_IN}),
    # Insights: HR, IT authors and administrators; the search prompt's answer: every employee.
    "insights.index": ("GET", "/insights/", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 200, IT_AUTHOR: 200,
                                             ADMIN: 200}),
    "insights.export": ("GET", "/insights/export.csv", {ANON: 302, EMPLOYEE: 403, MANAGER: 403, HR: 200,
                                                        IT_AUTHOR: 200, ADMIN: 200}),
    "insights.search_feedback": ("POST", "/insights/search-feedback", {ANON: 302, **{i: 302 for i in SIGNED_IN}},
                                 {"q": "연차", "found": "yes"}),
}


def make_objects(app) -> dict:
    """Objects the matrix paths name, created afresh for each identity."""
    from datetime import timedelta

    from sqlalchemy import select

    from ess import clock
    from ess.approvals import services as approvals
    from ess.db import db
    from ess.notify.models import OutboxMessage, OutboxState
    from ess.people.models import Employee

    with app.app_context():
        def person(number):
            return db.session.scalar(select(Employee).where(Employee.employee_no == number))

        owner = person(EMPLOYEE)
        approval = approvals.submit("employment_certificate", requester=owner, subject_type="employee",
                                    subject_id=owner.id, payload={"purpose": "bank", "language": "ko", "copies": 1},
                                    actor=owner)
        delegation = approvals.delegate(actor=owner, delegate_no=MANAGER, starts_on=clock.today(),
                                        ends_on=clock.today() + timedelta(days=3))
        failed = OutboxMessage(to_address="x@hanbit.example", subject="s", text_body="b", topic="t",
                               state=OutboxState.failed, attempts=8)
        db.session.add(failed)
        benefit_objects = _benefit_objects(owner)
        db.session.commit()
        return {**benefit_objects, "approval": approval.id, "delegation": delegation.id, "failed_mail": failed.id,
                **_helpdesk_objects(owner), **_webhook_objects()}


def _webhook_objects() -> dict:
    """A webhook (a fresh name for each identity) with one delivery that was given up."""
    import uuid

    from ess.db import db
    from ess.notify.models import OutboxState
    from ess.webhooks.models import WebhookDelivery, WebhookSubscription

    webhook = WebhookSubscription(name=f"hook-{uuid.uuid4().hex[:8]}", url="https://hooks.example/ess",
                                  events=["approval.decided"], kinds=[], secret="whsec_matrix")
    delivery = WebhookDelivery(uuid=str(uuid.uuid4()), subscription=webhook, event="webhook.test", body="{}",
                               state=OutboxState.failed, attempts=8)
    db.session.add_all([webhook, delivery])
    db.session.commit()
    return {"webhook": webhook.id, "webhook_delivery": delivery.id}


def _helpdesk_objects(owner) -> dict:
    """EMPLOYEE's question to HR, answered by HR, with an attachment; a shared one; an announcement."""
    from sqlalchemy import select

    from ess.db import db
    from ess.helpdesk import services as helpdesk
    from ess.people.models import Employee

    hr = db.session.scalar(select(Employee).where(Employee.employee_no == HR))
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    question = helpdesk.ask(owner, topic="pay", subject="급여일", upload=helpdesk.Upload("a.png", png))
    helpdesk.reply(hr, question, "25일입니다.")
    shared = helpdesk.ask(owner, topic="pay", subject="연말정산")
    helpdesk.reply(hr, shared, "1월입니다.")
    helpdesk.publish_shared(hr, shared, "연말정산 시기", "1월입니다.")
    announcement = helpdesk.create_announcement(hr, "공지")
    db.session.commit()
    return {"question": question.id, "question_file": question.attachments[0].id, "shared": shared.id,
            "announcement": announcement.id}


def _benefit_objects(owner) -> dict:
    """EMPLOYEE's pending dental choice and reported marriage (with a document), made directly: any date."""
    from datetime import date

    from ess.benefits.models import BenefitEnrolment, LifeEvent
    from ess.db import db

    pdf = b"%PDF-1.4\n%%EOF\n"
    life_event = LifeEvent(employee=owner, kind="marriage", event_date=date(2026, 5, 2), document_name="a.pdf",
                           document_type="application/pdf", document_size=len(pdf), document_data=pdf)
    enrolment = BenefitEnrolment(employee=owner, plan="dental", option="basic", level="employee",
                                 employee_cost=6500, company_cost=6500, window="open")
    db.session.add_all([life_event, enrolment])
    db.session.flush()
    return {"enrolment": enrolment.id, "life_event": life_event.id}


def test_every_route_declares_an_access_rule(app):
    missing = [rule.endpoint for rule in app.url_map.iter_rules()
               if access_roles(app.view_functions[rule.endpoint]) is None]
    assert missing == []


def test_every_route_is_in_the_access_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - MATRIX.keys() == set(), "add the new routes to MATRIX with the expected answers"


def test_a_route_without_a_rule_is_refused(make_app):
    app = make_app()

    @app.get("/forgotten")
    def forgotten():
        return "secret"

    assert app.test_client().get("/forgotten").status_code == 403


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access_matrix(app, demo, browser, endpoint):
    method, path, expected, *data = MATRIX[endpoint]
    data = data[0] if data else {}
    for identity in IDENTITIES:
        url = path.format(**make_objects(app)) if "{" in path else path
        b = browser(None if identity == ANON else identity)
        if method == "GET":
            response = b.get(url)
        elif method == "JSON":
            response = b.client.post(url, json=data, headers={"X-CSRFToken": b.csrf()})
        else:
            response = b.post(url, data)
        assert response.status_code == expected[identity], f"{identity} {method} {url}"
