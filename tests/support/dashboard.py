"""What the dashboard's tests over HTTP share: a browser logged in with a token, the CSRF value a page's forms
carry, the errors shown beside a form's fields, a secret shown once, and the database file as a thief would copy
it (to prove a secret is not stored in clear)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from npsloop.api.app import create_app
from npsloop.bootstrap import Runtime
from tests.conftest import TOKEN

FIELD_ERROR = r'<span class="field-error" id="([\w-]+)-error" role="alert">([^<]*)</span>'


def login(rt: Runtime, token: str = TOKEN, next: str = "/ui/cases") -> tuple[TestClient, httpx.Response]:
    """A browser (redirects not followed) that posted the login form, and the login's answer."""
    client = TestClient(create_app(rt), follow_redirects=False)
    return client, client.post("/ui/login", data={"token": token, "next": next})


def logged_in(rt: Runtime, token: str = TOKEN) -> TestClient:
    """A browser whose login with the token succeeded."""
    client, answer = login(rt, token)
    assert answer.status_code == 303
    return client


def csrf_value(page: str) -> str:
    """The CSRF value of the first form on the page."""
    found = re.search(r'name="csrf" value="(\w+)"', page)
    assert found is not None, "no form with a CSRF value on the page"
    return found.group(1)


def csrf_of(client: TestClient, path: str) -> str:
    """The CSRF value of the page at path, as the browser gets it."""
    return csrf_value(client.get(path).text)


def field_errors(page: str) -> dict[str, str]:
    """Each field's error, as it stands in the markup (quotes escaped)."""
    return dict(re.findall(FIELD_ERROR, page))


def field_messages(page: str) -> dict[str, str]:
    """Each field's error, as the reader sees it (markup unescaped)."""
    return {key: html.unescape(message) for key, message in re.findall(FIELD_ERROR, page)}


def shown_secret(page: str) -> str:
    """The secret shown once on the page answering the POST that made it."""
    found = re.search(r'<textarea id="secret"[^>]*>([^<]+)</textarea>', page)
    assert found is not None, "no secret shown on the page"
    return found.group(1)


def database_bytes(rt: Runtime) -> bytes:
    """The whole SQLite file, as a thief would copy it."""
    rt.engine.dispose()
    return Path(rt.settings.database_url.split("///", 1)[1]).read_bytes()
