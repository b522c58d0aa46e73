"""Credentials are compared in constant time: every configured token and every candidate signature goes
through hmac.compare_digest, so the time taken says nothing about how much of a guess was right."""

import hmac

from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.ingest import signature

REAL_COMPARE = hmac.compare_digest


def test_every_configured_token_is_compared_with_compare_digest(runtime, monkeypatch):
    runtime.settings.api_tokens = type(runtime.settings.api_tokens)("tok-one,tok-two,tok-three")
    calls = []

    def spy(a, b):
        calls.append((a, b))
        return REAL_COMPARE(a, b)

    monkeypatch.setattr("npsloop.services.tokens.hmac.compare_digest", spy)
    with TestClient(create_app(runtime)) as client:
        assert client.get("/v1/teams", headers={"Authorization": "Bearer tok-two"}).status_code == 200
        assert len(calls) == 3  # no early exit on the match
        calls.clear()
        assert client.get("/v1/teams", headers={"Authorization": "Bearer tok-twx"}).status_code == 401
        assert len(calls) == 3


def test_every_secret_is_compared_with_compare_digest(monkeypatch):
    calls = []

    def spy(a, b):
        calls.append((a, b))
        return REAL_COMPARE(a, b)

    monkeypatch.setattr("npsloop.ingest.signature.hmac.compare_digest", spy)
    header = signature.sign(b"{}", "s2", 1000)
    assert signature.verify(header, b"{}", {"a": ["s1", "s2"]}, now=1000, tolerance=300) == "a"
    assert len(calls) == 2
