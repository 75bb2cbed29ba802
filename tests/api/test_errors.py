"""The error format for conflicts, unexpected failures and the pydantic/Django mappings."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError

from credo.api.errors import django_validation_field_errors, pydantic_field_errors
from credo.api.routers import customers as customers_router

from .conftest import assert_error


@pytest.mark.django_db
def test_database_conflict_is_409(make_customer, credit_manager, api_as, monkeypatch):
    customer = make_customer()

    def refuse(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(customers_router.services, "customer_update", refuse)
    response = api_as(credit_manager).patch(f"/api/v1/customers/{customer.pk}", {"name_en": "X"})
    body = assert_error(response, 409, "conflict")
    assert body["message"] == "The change conflicts with existing data."


@pytest.mark.django_db
def test_protected_delete_is_409(make_customer, credit_manager, api_as, monkeypatch):
    customer = make_customer()

    def refuse(**kwargs):
        raise ProtectedError("protected", set())

    monkeypatch.setattr(customers_router.services, "customer_delete", refuse)
    body = assert_error(
        api_as(credit_manager).delete(f"/api/v1/customers/{customer.pk}"), 409, "conflict"
    )
    assert body["message"] == "Other records still refer to this object."


@pytest.mark.django_db
def test_unexpected_error_is_500_in_the_same_format(make_customer, viewer, api_as, monkeypatch):
    customer = make_customer()

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(customers_router, "customer_get", explode)
    body = assert_error(api_as(viewer).get(f"/api/v1/customers/{customer.pk}"), 500, "server_error")
    assert "boom" not in body["message"]  # internals are logged, not shown


def test_pydantic_locations_become_field_names():
    errors = [
        {
            "loc": ("body", "payload", "founding_date"),
            "type": "date_from_datetime_parsing",
            "msg": "Input should be a valid date",
        },
        {"loc": ("body", "payload", "tags", 0), "type": "string_type", "msg": "x"},
        {"loc": ("query", "limit"), "type": "less_than_equal", "msg": "Input should be <= 500"},
    ]
    assert pydantic_field_errors(errors) == {
        "founding_date": ["Enter a date as YYYY-MM-DD."],
        "tags.0": ["Enter text."],
        "limit": ["Input should be <= 500"],
    }


def test_django_errors_without_fields_go_under_all():
    assert django_validation_field_errors(ValidationError("Whole object wrong.")) == {
        "__all__": ["Whole object wrong."]
    }
    assert django_validation_field_errors(ValidationError({"uscc": ["Bad."]})) == {"uscc": ["Bad."]}


@pytest.mark.django_db
def test_body_that_is_not_json_is_an_error_in_the_common_format(account_manager, api_as):
    api = api_as(account_manager)
    response = api.client.post(
        "/api/v1/customers", "{not json", content_type="application/json", headers=api.headers
    )
    body = assert_error(response, 400, "bad_request")
    assert body["message"] == "The request body is not valid JSON."


@pytest.mark.django_db
def test_unsupported_method_is_405_in_the_common_format(account_manager, api_as):
    api = api_as(account_manager)
    response = api.put("/api/v1/customers", {})
    body = assert_error(response, 405, "method_not_allowed")
    assert body["message"] == "This method is not allowed here."
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.django_db
def test_body_that_is_not_an_object_is_a_non_field_error(account_manager, api_as):
    response = api_as(account_manager).post("/api/v1/customers", [1, 2])
    body = assert_error(response, 422, "invalid_request")
    assert body["field_errors"] == {"__all__": ["Enter an object."]}
