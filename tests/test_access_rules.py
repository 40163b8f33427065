"""Deny by default: every route declares who may use it, and the rule is what each identity gets."""
import pytest

from ess.security import access_roles

# endpoint → (method, path, expected status per identity). Every route must be listed here.
ANON, EMPLOYEE, MANAGER, HR, IT_AUTHOR, ADMIN = "anonymous", "E1041", "E1005", "E1011", "E1031", "E1034"
IDENTITIES = (ANON, EMPLOYEE, MANAGER, HR, IT_AUTHOR, ADMIN)
SIGNED_IN = {identity: 200 for identity in IDENTITIES if identity != ANON}

MATRIX = {
    "static": ("GET", "/static/css/ess.css", {ANON: 200, **SIGNED_IN}),
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
}


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
    method, path, expected = MATRIX[endpoint]
    for identity in IDENTITIES:
        b = browser(None if identity == ANON else identity)
        if method == "GET":
            response = b.get(path)
        else:
            response = b.post(path)
        assert response.status_code == expected[identity], f"{identity} {method} {path}"
