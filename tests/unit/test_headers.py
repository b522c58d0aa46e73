"""Security headers come from one middleware, for every answer: the one-click link pages (whose URL is the
credential) can be neither framed nor leaked through a Referer; the dashboard's policy is tested with its
pages in test_dashboard.py."""

from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.api.headers import DASHBOARD_POLICY, LINK_PAGE_POLICY, policy_for


def test_a_one_click_link_page_cannot_be_framed_or_leak_its_url(runtime):
    client = TestClient(create_app(runtime))
    page = client.get("/v1/links/not-a-valid-token")
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == LINK_PAGE_POLICY
    assert "frame-ancestors 'none'" in LINK_PAGE_POLICY and "script" not in LINK_PAGE_POLICY
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["x-content-type-options"] == "nosniff"
    for answer in (client.get("/healthz"), client.post("/v1/responses", content=b"{}")):
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_policies_go_by_path_prefix_and_not_by_lookalikes():
    assert policy_for("/ui") == policy_for("/ui/cases/1") == DASHBOARD_POLICY
    assert policy_for("/uix") is None and policy_for("/docs") is None
    assert policy_for("/v1/links/abc") == LINK_PAGE_POLICY
