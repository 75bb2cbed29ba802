"""Authentication: bearer tokens, the session with CSRF, and the actor bound for logging."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from credo.core.models import ObjectChange
from credo.core.services import api_token_create
from credo.customers.models import Customer
from tests.conftest import PASSWORD

from .conftest import ApiClient, assert_error


@pytest.mark.django_db
def test_no_credentials_is_401():
    body = assert_error(ApiClient().get("/api/v1/customers"), 401, "not_authenticated")
    assert body["field_errors"] == {}


@pytest.mark.django_db
def test_unknown_token_is_401(viewer):
    api_token_create(user=viewer, name="real")
    response = ApiClient("not-a-real-token").get("/api/v1/customers")
    assert_error(response, 401, "not_authenticated")


@pytest.mark.django_db
def test_expired_token_is_401(viewer):
    _token, key = api_token_create(
        user=viewer, name="old", expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    body = assert_error(ApiClient(key).get("/api/v1/customers"), 401, "not_authenticated")
    assert body["message"] == "The API token is invalid or has expired."


@pytest.mark.django_db
def test_token_of_inactive_user_is_401(viewer):
    _token, key = api_token_create(user=viewer, name="t")
    viewer.is_active = False
    viewer.save()
    assert_error(ApiClient(key).get("/api/v1/me"), 401, "not_authenticated")


@pytest.mark.django_db
def test_valid_token_authenticates(viewer):
    _token, key = api_token_create(
        user=viewer, name="fresh", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    response = ApiClient(key).get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == viewer.username
    assert body["roles"] == ["viewer"]
    assert body["can_view_sensitive"] is False


@pytest.mark.django_db
def test_bad_token_is_401_even_with_a_session(viewer):
    client = Client()
    client.login(username=viewer.username, password=PASSWORD)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"})
    assert_error(response, 401, "not_authenticated")


@pytest.mark.django_db
def test_session_authenticates_reads(viewer):
    client = Client()
    assert client.login(username=viewer.username, password=PASSWORD)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == viewer.username


@pytest.mark.django_db
def test_session_write_without_csrf_token_is_refused(account_manager):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=account_manager.username, password=PASSWORD)
    response = client.post(
        "/api/v1/customers", {"name_zh": "无令牌公司"}, content_type="application/json"
    )
    assert_error(response, 403, "csrf_failed")
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_session_write_with_csrf_token_is_accepted(account_manager):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=account_manager.username, password=PASSWORD)
    client.get("/api/v1/docs")  # sets the CSRF cookie like the docs page does
    csrf_token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/customers",
        {"name_zh": "有令牌公司"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token},
    )
    assert response.status_code == 201, response.content
    assert Customer.objects.get().name_zh == "有令牌公司"


@pytest.mark.django_db
def test_token_writes_are_logged_as_the_api_user_with_request_id(account_manager, api_as):
    api = api_as(account_manager)
    api.headers["X-Request-ID"] = "req-api-42"
    response = api.post("/api/v1/customers", {"name_zh": "日志测试有限公司"})
    assert response.status_code == 201
    assert response["X-Request-ID"] == "req-api-42"
    change = ObjectChange.objects.get(object_type="customers.customer", action="create")
    assert change.user_id == account_manager.pk
    assert change.user_name == account_manager.username
    assert change.channel == "api"
    assert change.request_id == "req-api-42"


@pytest.mark.django_db
def test_token_last_use_is_recorded_to_the_minute_not_on_every_request(viewer):
    from credo.core.models import ApiToken

    token, key = api_token_create(user=viewer, name="feed")
    assert token.last_used_at is None
    client = ApiClient(key)
    assert client.get("/api/v1/customers").status_code == 200
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    assert client.get("/api/v1/customers").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first  # no write within a minute
    earlier = first - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    assert client.get("/api/v1/customers").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at > earlier + dt.timedelta(minutes=1)
