"""API test helpers: a JSON client authenticated with a real bearer token per user."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from credo.core.services import api_token_create


class ApiClient:
    """Thin wrapper over Django's test client that sends JSON and a bearer token."""

    def __init__(self, token: str | None = None, language: str | None = None):
        self.client = Client()
        self.headers: dict[str, str] = {}
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"
        if language is not None:
            self.headers["Accept-Language"] = language

    def _send(self, method: str, path: str, data=None, **params):
        call = getattr(self.client, method)
        if method == "get":
            return call(path, data or params or None, headers=self.headers)
        body = json.dumps(data) if data is not None else None
        return call(path, body, content_type="application/json", headers=self.headers)

    def get(self, path: str, **params):
        return self._send("get", path, **params)

    def post(self, path: str, data=None):
        return self._send("post", path, data)

    def patch(self, path: str, data=None):
        return self._send("patch", path, data)

    def put(self, path: str, data=None):
        return self._send("put", path, data)

    def delete(self, path: str):
        return self._send("delete", path)


@pytest.fixture
def api_as(db):
    """``api_as(user)`` -> an ApiClient carrying a fresh token of ``user``."""

    def make(user, *, language: str | None = None) -> ApiClient:
        _token, key = api_token_create(user=user, name="test")
        return ApiClient(key, language=language)

    return make


def assert_error(response, status: int, code: str) -> dict:
    """The response is an error in the common format with this status and code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "field_errors"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body
