"""Approval pages and JSON: what requesters and deciders see and do."""
from approvals_support import ask_certificate
from ess.db import db


def test_certificate_form_keeps_input_and_names_the_field(app, demo, browser):
    b = browser("E1041")
    response = b.post("/requests/certificate", {"purpose": "", "language": "en", "copies": "2", "note": "급함"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "증명서 용도를 선택해 주세요." in page
    assert '<option value="en" selected>' in page and "급함" in page


def test_request_and_decide_through_pages(app, demo, browser):
    b = browser("E1041")
    response = b.post("/requests/certificate", {"purpose": "visa", "language": "en", "copies": "2"})
    assert response.status_code == 302
    detail_url = response.headers["Location"]
    assert "재직증명서 (비자·출입국, 2부)" in b.get("/requests").get_data(as_text=True)

    hr = browser("E1011")
    page = hr.get(detail_url).get_data(as_text=True)
    assert "내 결정" in page
    version = page.split('name="version" value="')[1].split('"')[0]
    refused = hr.post(detail_url + "/reject", {"version": version, "reason": ""})
    assert refused.status_code == 422 and "사유를 입력해 주세요." in refused.get_data(as_text=True)
    assert hr.post(detail_url + "/approve", {"version": version}).status_code == 302
    again = hr.post(detail_url + "/approve", {"version": version})
    assert again.status_code == 409
    assert "이미 결정되었거나 그사이에 바뀐 요청입니다." in again.get_data(as_text=True)
    assert "승인" in b.get(detail_url).get_data(as_text=True)


def test_api_queue_and_decisions(app, demo, browser):
    with app.app_context():
        request = ask_certificate()
        db.session.commit()
        request_id, version = request.id, request.version
    hr = browser("E1011")
    queue = hr.get("/api/v1/approvals?state=pending").json
    assert [item["id"] for item in queue["approvals"]] == [request_id]
    assert queue["approvals"][0]["requester"]["employee_no"] == "E1041"

    no_csrf = hr.client.post(f"/api/v1/approvals/{request_id}/reject", json={"reason": "x"})
    assert no_csrf.status_code == 400
    missing = hr.client.post(f"/api/v1/approvals/{request_id}/reject", json={}, headers={"X-CSRFToken": hr.csrf()})
    assert missing.status_code == 422 and missing.mimetype == "application/problem+json"
    assert missing.json["field"] == "reason"
    approved = hr.client.post(f"/api/v1/approvals/{request_id}/approve", json={"version": version},
                              headers={"X-CSRFToken": hr.csrf()})
    assert approved.status_code == 200 and approved.json["state"] == "approved"
    twice = hr.client.post(f"/api/v1/approvals/{request_id}/approve", json={},
                           headers={"X-CSRFToken": hr.csrf()})
    assert twice.status_code == 409 and twice.json["code"] == "already_decided"
    assert hr.get("/api/v1/approvals?state=bogus").status_code == 422


def test_delegation_page_sets_cover(app, demo, browser):
    manager = browser("E1005")
    bad = manager.post("/approvals/delegations", {"delegate": "E1005", "starts_on": "2026-12-01",
                                                  "ends_on": "2026-12-05"})
    assert bad.status_code == 422 and "자기 자신을" in bad.get_data(as_text=True)
    good = manager.post("/approvals/delegations", {"delegate": "E1041", "starts_on": "2026-12-01",
                                                   "ends_on": "2099-12-05"})
    assert good.status_code == 302
    assert "신준호" in manager.get("/approvals/delegations").get_data(as_text=True)
    assert "최유나" in browser("E1041").get("/approvals/delegations").get_data(as_text=True)
