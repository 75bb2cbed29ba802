"""API authentication: bearer tokens for programs, the Django session for the docs page.

Both bind the user to the actor context with channel ``api`` so the change log and the access
log name the API user and the request id. Permission helpers live here too, so every endpoint
checks permissions the same way the UI does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from credo.core.context import bind_user
from credo.core.services import api_token_authenticate

from .errors import CsrfFailed, Forbidden, InvalidToken

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <key>`` with keys made by ``api_token_create``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token.strip())
        if user is None:
            # A wrong token is an error even when a session cookie is present too:
            # silently falling back to the session would hide a broken integration.
            raise InvalidToken()
        request.user = user
        bind_user(user, channel="api")
        return user


class SessionCsrfAuth(AuthBase):
    """The Django session (for the browsable docs), with CSRF checked on unsafe methods.

    Unlike ninja's ``SessionAuth`` the CSRF check only runs once a session user exists, so an
    anonymous request gets 401, not a CSRF 403.
    """

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = settings.SESSION_COOKIE_NAME
    csrf = True  # makes ninja's docs page send the CSRF token

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed()
        bind_user(user, channel="api")
        return user


def api_auth() -> list:
    """The authentication chain used by the whole API (token first)."""
    return [BearerTokenAuth(), SessionCsrfAuth()]


def require_perm(request: HttpRequest, *perms: str) -> None:
    """Raise 403 unless the authenticated user has every one of ``perms``."""
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perms(perms):
        raise Forbidden()


def acting_user(request: HttpRequest):
    """The user ninja authenticated for this request."""
    return request.auth  # type: ignore[attr-defined]
