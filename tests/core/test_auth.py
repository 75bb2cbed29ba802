"""Password hashing and login lockout through django.contrib.auth.authenticate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import RequestFactory, override_settings
from django.utils import timezone

from credo.core.models import LoginFailure
from credo.settings import base as base_settings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_argon2_is_the_default_hasher_in_the_base_settings():
    assert base_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    with override_settings(PASSWORD_HASHERS=base_settings.PASSWORD_HASHERS):
        encoded = make_password("a-long-passphrase-1")
        assert encoded.startswith("argon2$")
        assert identify_hasher(encoded).algorithm == "argon2"


def _fail(username: str, times: int, request=None) -> None:
    for _ in range(times):
        assert authenticate(request, username=username, password="wrong-password") is None


@override_settings(CREDO_LOGIN_MAX_FAILURES=3, CREDO_LOGIN_LOCK_MINUTES=15)
def test_lockout_after_max_failures_refuses_even_the_right_password(viewer):
    _fail(viewer.username, 2)
    assert authenticate(username=viewer.username, password=PASSWORD) is not None  # resets
    _fail(viewer.username, 3)
    entry = LoginFailure.objects.get(username=viewer.username.lower())
    assert entry.failures == 3 and entry.locked_until is not None
    request = RequestFactory().post("/login/")
    assert authenticate(request, username=viewer.username, password=PASSWORD) is None
    assert request.credo_login_locked is True


@override_settings(CREDO_LOGIN_MAX_FAILURES=3, CREDO_LOGIN_LOCK_MINUTES=15)
def test_lock_is_per_user_name_case_insensitive_and_ends_after_the_window(viewer, monkeypatch):
    _fail(viewer.username.upper(), 3)
    assert authenticate(username=viewer.username, password=PASSWORD) is None

    real_now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: real_now + dt.timedelta(minutes=14))
    assert authenticate(username=viewer.username, password=PASSWORD) is None
    monkeypatch.setattr(timezone, "now", lambda: real_now + dt.timedelta(minutes=16))
    assert authenticate(username=viewer.username, password=PASSWORD) is not None
    assert not LoginFailure.objects.filter(username=viewer.username.lower()).exists()


@override_settings(CREDO_LOGIN_MAX_FAILURES=3, CREDO_LOGIN_LOCK_MINUTES=15)
def test_success_resets_the_failure_count(viewer):
    _fail(viewer.username, 2)
    assert authenticate(username=viewer.username, password=PASSWORD) is not None
    _fail(viewer.username, 2)
    assert authenticate(username=viewer.username, password=PASSWORD) is not None


@override_settings(CREDO_LOGIN_MAX_FAILURES=3, CREDO_LOGIN_LOCK_MINUTES=15)
def test_other_users_are_not_affected(viewer, auditor):
    _fail(viewer.username, 3)
    assert authenticate(username=auditor.username, password=PASSWORD) is not None


@override_settings(CREDO_LOGIN_MAX_FAILURES=2, CREDO_LOGIN_LOCK_MINUTES=15)
def test_unknown_user_names_are_counted_too():
    # Same behaviour for unknown names, so the lock does not reveal which accounts exist.
    _fail("nobody", 2)
    assert LoginFailure.objects.get(username="nobody").locked_until is not None


def test_inactive_user_cannot_log_in(viewer):
    viewer.is_active = False
    viewer.save()
    assert authenticate(username=viewer.username, password=PASSWORD) is None
