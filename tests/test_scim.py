"""SCIM 2.0 at /scim/v2: scim2-tester conformance, then what it does not check (filters, pagination, ETags,
authentication), and what the portal does with it (deactivation ends sessions, groups give roles)."""
from __future__ import annotations

from collections import Counter

import pytest
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server
from sqlalchemy import func, select

from ess.audit import AuditEvent
from ess.db import db
from ess.people.models import Employee, EmployeeStatus
from service_tokens import bearer, make_token

SCIM = "/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim(app):
    secret = make_token(app, "idp", ["scim"])
    return Scim(app, secret)


class Scim:
    def __init__(self, app, secret):
        self.app = app
        self.client = app.test_client()
        self.headers = bearer(secret)

    def request(self, method, path, json=None, headers=None):
        response = self.client.open(SCIM + path, method=method, json=json,
                                    headers={**self.headers, **(headers or {})})
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json, **kw):
        return self.request("POST", path, json=json, **kw)

    def create_user(self, user_name, **extra):
        body = {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": user_name, **extra}
        response = self.post("/Users", body)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    def create_group(self, name, member_ids=()):
        response = self.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name,
                                         "members": [{"value": i} for i in member_ids]})
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    def patch(self, path, *operations, headers=None):
        return self.request("PATCH", path, json={"schemas": [PATCH_SCHEMA], "Operations": list(operations)},
                            headers=headers)


def test_scim2_tester_finds_no_error(app):
    secret = make_token(app, "conformance", ["scim"])
    client = WSGISCIMClient(app, base_url="http://localhost/scim/v2", headers=bearer(secret))
    results = check_server(client)
    counts = Counter(result.status.name for result in results)
    print("scim2-tester:", dict(counts))
    failures = [f"{r.title} {r.resource_type or ''}: {r.reason}" for r in results
                if r.status in (Status.ERROR, Status.CRITICAL)]
    assert failures == []
    assert counts["SUCCESS"] >= 60
    # The only skipped checks are for searching several resource types at once, which the portal refuses (501).
    assert all("several resource types" in (r.reason or "") for r in results if r.status is Status.SKIPPED)


def test_discovery_declares_what_the_portal_supports(scim):
    config = scim.get("/ServiceProviderConfig")
    assert config.status_code == 200 and config.mimetype == "application/scim+json"
    body = config.get_json()
    assert body["patch"]["supported"] and body["filter"] == {"supported": True, "maxResults": 200}
    assert body["etag"]["supported"] and not body["bulk"]["supported"]
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    schemas = {s["id"]: [a["name"] for a in s["attributes"]] for s in scim.get("/Schemas").get_json()["Resources"]}
    assert schemas[ENTERPRISE] == ["employeeNumber", "department", "manager"]
    assert schemas[USER_SCHEMA] == ["userName", "displayName", "title", "active", "groups"]


def test_create_user_maps_to_an_employee(scim, app, demo):
    created = scim.create_user(
        "new.hire@hanbit.example", displayName="한새봄", title="사원", externalId="entra-42",
        emails=[{"value": "ignored@hanbit.example", "type": "work"}], name={"givenName": "새봄"},
        **{ENTERPRISE: {"employeeNumber": "E2001", "department": "영업팀",
                        "manager": {"value": _id_of(app, "E1005")}}})
    assert created["userName"] == "new.hire@hanbit.example" and created["active"] is True
    assert created[ENTERPRISE]["manager"]["value"] == _id_of(app, "E1005")
    with app.app_context():
        person = db.session.scalar(select(Employee).where(Employee.employee_no == "E2001"))
        assert (person.email, person.name, person.title, person.department.name, person.manager.employee_no) == (
            "new.hire@hanbit.example", "한새봄", "사원", "영업팀", "E1005")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "employee.provisioned"))
        assert event.changes["token"] == "idp" and event.changes["source"] == "scim"
    again = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "NEW.HIRE@hanbit.example"})
    assert again.status_code == 409 and again.get_json()["scimType"] == "uniqueness"
    assert again.mimetype == "application/scim+json"


def _id_of(app, employee_no):
    with app.app_context():
        return str(db.session.scalar(select(Employee.id).where(Employee.employee_no == employee_no)))


def test_filters(scim, app, demo):
    scim.create_user("kim.filter@hanbit.example", displayName="Filter Kim", externalId="X-1")
    scim.create_user("lee.filter@hanbit.example", displayName="Filter Lee", externalId="x-2")

    def found(expression):
        response = scim.get("/Users", query_string={"filter": expression}) if False else scim.client.get(
            f"{SCIM}/Users", query_string={"filter": expression}, headers=scim.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return sorted(r["userName"] for r in response.get_json()["Resources"])

    assert found('userName eq "KIM.FILTER@hanbit.example"') == ["kim.filter@hanbit.example"]
    assert found('emails.value eq "lee.filter@hanbit.example"') == ["lee.filter@hanbit.example"]
    assert found('externalId eq "X-1"') == ["kim.filter@hanbit.example"]
    assert found('externalId eq "x-1"') == []  # externalId is caseExact
    assert found('displayName sw "filter"') == ["kim.filter@hanbit.example", "lee.filter@hanbit.example"]
    assert found('userName co "filter" and displayName co "lee"') == ["lee.filter@hanbit.example"]
    assert found('userName co "%"') == []  # LIKE wildcards are escaped
    assert found('userName eq "E1041" or userName eq "junho.shin@hanbit.example"') == ["junho.shin@hanbit.example"]
    bad = scim.client.get(f"{SCIM}/Users", query_string={"filter": "userName eq"}, headers=scim.headers)
    assert bad.status_code == 400 and bad.get_json()["scimType"] == "invalidFilter"
    unsupported = scim.client.get(f"{SCIM}/Users", query_string={"filter": 'nickName eq "x"'}, headers=scim.headers)
    assert unsupported.status_code == 400 and unsupported.get_json()["scimType"] == "invalidFilter"
    group = scim.create_group("Sales", [_id_of(app, "E1041")])
    groups = scim.client.get(f"{SCIM}/Groups", query_string={"filter": 'displayName eq "sales"'}, headers=scim.headers)
    assert [g["id"] for g in groups.get_json()["Resources"]] == [group["id"]]
    members = scim.client.get(f"{SCIM}/Groups", headers=scim.headers,
                              query_string={"filter": f'members.value eq "{_id_of(app, "E1041")}"'})
    assert members.get_json()["totalResults"] == 1


def test_pagination(scim, app, demo):
    with app.app_context():
        total = db.session.scalar(select(func.count(Employee.id)))
    first = scim.client.get(f"{SCIM}/Users", query_string={"startIndex": 1, "count": 15}, headers=scim.headers).get_json()
    second = scim.client.get(f"{SCIM}/Users", query_string={"startIndex": 16, "count": 15},
                             headers=scim.headers).get_json()
    assert first["totalResults"] == total == second["totalResults"]
    assert (first["startIndex"], first["itemsPerPage"], second["startIndex"]) == (1, 15, 16)
    ids = [r["id"] for r in first["Resources"]] + [r["id"] for r in second["Resources"]]
    assert len(ids) == len(set(ids)) == 30
    counted = scim.client.get(f"{SCIM}/Users", query_string={"count": 0}, headers=scim.headers).get_json()
    assert counted["totalResults"] == total and counted["Resources"] == []
    past = scim.client.get(f"{SCIM}/Users", query_string={"startIndex": total + 5}, headers=scim.headers).get_json()
    assert past["Resources"] == [] and past["totalResults"] == total
    only = scim.client.get(f"{SCIM}/Users", query_string={"count": 2, "attributes": "userName"},
                           headers=scim.headers).get_json()["Resources"][0]
    assert set(only) <= {"id", "userName", "schemas"}


def test_etags(scim, app, demo):
    created = scim.create_user("etag@hanbit.example", displayName="Etag")
    path = f"/Users/{created['id']}"
    read = scim.get(path)
    etag = read.headers["ETag"]
    assert etag == read.get_json()["meta"]["version"] and etag.startswith('W/"')
    assert scim.get(path, headers={"If-None-Match": etag}).status_code == 304
    stale = scim.patch(path, {"op": "replace", "path": "title", "value": "팀장"}, headers={"If-Match": 'W/"old"'})
    assert stale.status_code == 412
    assert scim.get(path).get_json().get("title") is None
    fresh = scim.patch(path, {"op": "replace", "path": "title", "value": "팀장"}, headers={"If-Match": etag})
    assert fresh.status_code == 200 and fresh.get_json()["title"] == "팀장"
    assert fresh.headers["ETag"] != etag
    assert scim.request("DELETE", path, headers={"If-Match": etag}).status_code == 412
    assert scim.request("DELETE", path, headers={"If-Match": fresh.headers["ETag"]}).status_code == 204


def test_authentication(app, demo, browser):
    good = make_token(app, "good", ["scim"])
    other_scope = make_token(app, "people-reader", ["people:read"])
    revoked = make_token(app, "old", ["scim"], revoked=True)
    expired = make_token(app, "expired", ["scim"], expires_days=30, expired=True)
    client = app.test_client()

    def users(headers):
        return client.get(f"{SCIM}/Users", headers=headers)

    missing = users({})
    assert missing.status_code == 401 and missing.mimetype == "application/scim+json"
    assert missing.get_json()["status"] == "401" and "Bearer" in missing.headers["WWW-Authenticate"]
    assert users(bearer("ess_not-a-real-token")).status_code == 401
    assert users(bearer(revoked)).get_json()["detail"] == "The token was revoked."
    assert users(bearer(expired)).status_code == 401
    forbidden = users(bearer(other_scope))
    assert forbidden.status_code == 403 and forbidden.mimetype == "application/scim+json"
    assert users(bearer(good)).status_code == 200
    # An administrator's browser session is not a SCIM credential.
    admin = browser("E1034")
    assert admin.get(f"{SCIM}/Users").status_code == 401
    assert admin.client.post(f"{SCIM}/Users", json={"userName": "x@y.z"}).status_code == 401
    with app.app_context():
        refused = db.session.scalars(select(AuditEvent.changes).where(AuditEvent.action == "token.refused")).all()
        assert {c["name"] for c in refused} == {"old", "expired"}


def test_deactivation_through_scim_refuses_the_next_page_load(scim, app, demo, browser):
    person = browser("E1041")
    assert person.get("/").status_code == 200
    user_id = _id_of(app, "E1041")
    response = scim.patch(f"/Users/{user_id}", {"op": "Replace", "path": "active", "value": "False"})  # as Entra sends it
    assert response.status_code == 200 and response.get_json()["active"] is False
    page = person.get("/")
    assert page.status_code == 302 and "/auth/" in page.headers["Location"]
    with app.app_context():
        assert db.session.get(Employee, int(user_id)).status is EmployeeStatus.inactive
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "employee.deactivated"))
    assert person.post("/auth/dev-login", {"employee": "E1041"}).status_code == 422


def test_delete_deactivates_keeps_the_record_and_answers_404(scim, app, demo, browser):
    person = browser("E1002")
    user_id = _id_of(app, "E1002")
    assert scim.request("DELETE", f"/Users/{user_id}").status_code == 204
    assert scim.get(f"/Users/{user_id}").status_code == 404
    assert scim.request("DELETE", f"/Users/{user_id}").status_code == 404
    assert person.get("/").status_code == 302
    with app.app_context():
        kept = db.session.get(Employee, int(user_id))
        assert kept is not None and kept.status is EmployeeStatus.inactive
    listed = scim.client.get(f"{SCIM}/Users", query_string={"filter": f'id eq "{user_id}"'}, headers=scim.headers)
    assert listed.get_json()["totalResults"] == 0


def test_groups_give_roles_like_the_groups_claim(scim, app, demo, browser):
    person = browser("E1041")
    assert person.get("/admin/tokens/").status_code == 403
    user_id = _id_of(app, "E1041")
    group = scim.create_group("Staff", [user_id])
    with app.app_context():
        assert db.session.get(Employee, int(user_id)).roles == {"employee"}
    renamed = scim.patch(f"/Groups/{group['id']}", {"op": "replace", "path": "displayName", "value": "portal-admins"})
    assert renamed.status_code == 200
    with app.app_context():
        assert db.session.get(Employee, int(user_id)).roles == {"employee", "admin"}
    # A role change ends the person's sessions; signed in again, the new role shows.
    assert person.get("/").status_code == 302
    assert browser("E1041").get("/admin/tokens/").status_code == 200
    assert scim.get(f"/Users/{user_id}").get_json()["groups"][0]["display"] == "portal-admins"
    hr = scim.create_group("HR")
    added = scim.patch(f"/Groups/{hr['id']}", {"op": "add", "path": "members", "value": [{"value": user_id}]})
    assert added.status_code == 200
    removed = scim.patch(f"/Groups/{group['id']}", {"op": "remove", "path": f'members[value eq "{user_id}"]'})
    assert removed.status_code == 200 and "members" not in removed.get_json()
    with app.app_context():
        assert db.session.get(Employee, int(user_id)).roles == {"employee", "hr"}
        changes = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.action == "role.changed", AuditEvent.subject_id == user_id).order_by(AuditEvent.id)).all()
        assert [(c["source"], c["roles"]["after"]) for c in changes] == [
            ("scim", ["admin"]), ("scim", ["admin", "hr"]), ("scim", ["hr"])]
    assert scim.request("DELETE", f"/Groups/{hr['id']}").status_code == 204
    with app.app_context():
        assert db.session.get(Employee, int(user_id)).roles == {"employee"}
    unknown = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "X", "members": [{"value": "999999"}]})
    assert unknown.status_code == 400 and unknown.get_json()["scimType"] == "invalidValue"


def test_entra_style_patch(scim, app, demo):
    created = scim.create_user("entra@hanbit.example", displayName="Entra")
    manager_id = _id_of(app, "E1005")
    response = scim.patch(
        f"/Users/{created['id']}",
        {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": manager_id},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ignored@hanbit.example"},
        {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "기술본부"},
        {"op": "Replace", "value": {"displayName": "Entra Renamed", "externalId": "obj-1"}},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body[ENTERPRISE]["manager"]["value"] == manager_id and body[ENTERPRISE]["department"] == "기술본부"
    assert body["displayName"] == "Entra Renamed" and body["externalId"] == "obj-1"
    assert body["userName"] == "entra@hanbit.example"


def test_unknown_endpoint_and_method(scim):
    missing = scim.get("/Nothing")
    assert missing.status_code == 404 and missing.get_json()["schemas"] == [
        "urn:ietf:params:scim:api:messages:2.0:Error"]
    assert scim.post("/ServiceProviderConfig", {}).status_code == 405
    assert scim.get("/Users/abc").status_code == 404
