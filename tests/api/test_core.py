"""History, access log, OpenAPI document, offline docs page and translated errors."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from credo.core.models import AccessLog
from credo.customers.services import customer_update
from tests.conftest import PASSWORD

from .conftest import ApiClient, assert_error
from .test_customers import BAD_USCC, VALID_ID_NUMBER


@pytest.mark.django_db
def test_history_shows_before_and_after(make_customer, credit_manager, api_as):
    customer = make_customer(name_en="Old Name")
    api = api_as(credit_manager)
    api.patch(f"/api/v1/customers/{customer.pk}", {"name_en": "New Name"})
    response = api.get(f"/api/v1/customers/{customer.pk}/history")
    assert response.status_code == 200, response.content
    page = response.json()
    assert page["count"] == 2
    latest = page["items"][0]
    assert latest["action"] == "update"
    assert latest["user_name"] == credit_manager.username
    assert latest["channel"] == "api"
    assert latest["before"]["name_en"] == "Old Name"
    assert latest["after"]["name_en"] == "New Name"
    assert {"field": "name_en", "before": "Old Name", "after": "New Name"} in latest["changes"]
    assert page["items"][1]["action"] == "create"
    assert page["items"][1]["before"] is None

    only_updates = api.get(f"/api/v1/customers/{customer.pk}/history", action="update").json()
    assert only_updates["count"] == 1


@pytest.mark.django_db
def test_history_masks_id_numbers_without_sensitive_permission(
    make_customer, account_manager, credit_manager, api_as
):
    person = make_customer(kind="individual", name_zh="张三", id_number=VALID_ID_NUMBER)
    customer_update(customer=person, phone="13800000000")
    masked = api_as(account_manager).get(f"/api/v1/customers/{person.pk}/history").json()
    created = masked["items"][-1]
    assert created["after"]["id_number"] == "110105********002X"
    assert VALID_ID_NUMBER not in str(masked)
    clear = api_as(credit_manager).get(f"/api/v1/customers/{person.pk}/history").json()
    assert clear["items"][-1]["after"]["id_number"] == VALID_ID_NUMBER


@pytest.mark.django_db
def test_history_needs_changelog_permission(make_customer, viewer, api_as):
    customer = make_customer()
    assert_error(
        api_as(viewer).get(f"/api/v1/customers/{customer.pk}/history"), 403, "permission_denied"
    )


@pytest.mark.django_db
def test_access_log_only_for_auditors(make_customer, auditor, credit_manager, api_as):
    customer = make_customer()
    api_as(credit_manager).get(f"/api/v1/customers/{customer.pk}/history")
    assert_error(api_as(credit_manager).get("/api/v1/access-log"), 403, "permission_denied")
    response = api_as(auditor).get("/api/v1/access-log", customer=customer.pk)
    assert response.status_code == 200, response.content
    page = response.json()
    assert page["count"] == 1
    entry = page["items"][0]
    assert entry["user_name"] == credit_manager.username
    assert entry["resource"] == "history"
    assert entry["channel"] == "api"
    assert entry["sensitive_shown"] is True
    assert api_as(auditor).get("/api/v1/access-log", user="nobody").json()["count"] == 0


@pytest.mark.django_db
def test_reading_history_is_written_to_the_access_log(make_customer, account_manager, api_as):
    customer = make_customer()
    api = api_as(account_manager)
    api.headers["X-Request-ID"] = "req-hist"
    api.get(f"/api/v1/customers/{customer.pk}/history")
    entry = AccessLog.objects.get()
    assert entry.user == account_manager
    assert entry.customer_id == customer.pk
    assert entry.request_id == "req-hist"
    assert entry.sensitive_shown is False


@pytest.mark.django_db
def test_openapi_document_loads(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "credo API"
    assert "/api/v1/customers" in document["paths"]
    assert "/api/v1/customers/{customer_id}/history" in document["paths"]
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["BearerTokenAuth"].items()


@pytest.mark.django_db
def test_docs_page_uses_only_local_assets(viewer):
    client = Client()
    client.login(username=viewer.username, password=PASSWORD)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    asset_urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert asset_urls, html
    for url in asset_urls:
        assert not re.match(r"^(https?:)?//", url), url
        assert url.startswith("/static/"), url
    assert "cdn" not in html.lower()


@pytest.mark.django_db
def test_messages_follow_accept_language(account_manager, api_as):
    api = api_as(account_manager, language="zh-hans")
    body = assert_error(
        api.post("/api/v1/customers", {"name_zh": "坏代码公司", "uscc": BAD_USCC}), 400, "invalid"
    )
    with translation.override("zh-hans"):
        expected_message = translation.gettext("The data is not valid.")
        expected_field = translation.gettext(
            "The check character of this unified social credit code is %(got)s but should "
            "be %(expected)s: please check the code for a typing error."
        ) % {"got": "4", "expected": "3"}
    assert body["message"] == expected_message
    assert body["field_errors"]["uscc"] == [expected_field]


@pytest.mark.django_db
def test_401_message_is_translated(db):
    body = assert_error(ApiClient(language="zh-hans").get("/api/v1/me"), 401, "not_authenticated")
    with translation.override("zh-hans"):
        expected = translation.gettext(
            "Authentication is required: send 'Authorization: Bearer <token>'."
        )
    assert body["message"] == expected
