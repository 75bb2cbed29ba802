"""Authentication backend that refuses locked user names and counts failures."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from . import services


class LockoutModelBackend(ModelBackend):
    """ModelBackend plus lockout after CREDO_LOGIN_MAX_FAILURES consecutive failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get("username")
        if not username:
            return None
        if services.login_is_locked(username):
            if request is not None:
                request.credo_login_locked = True
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            entry = services.login_failure_record(
                username=username,
                max_failures=settings.CREDO_LOGIN_MAX_FAILURES,
                lock_minutes=settings.CREDO_LOGIN_LOCK_MINUTES,
            )
            if request is not None and entry.locked_until:
                request.credo_login_locked = True
        else:
            services.login_success_record(username=username)
        return user
