"""Credit decision endpoints: the credit check, limits, list entries, blocked orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from credo.core.context import acting_as
from credo.core.models import BusinessEvent
from credo.decisions.models import CreditCheck, OrderCreditDecision
from credo.decisions.services import credit_check, credit_limit_set, list_entry_add
from credo.receivables.models import SalesOrder
from credo.receivables.services import invoice_post, sales_order_create

from .conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db
URL = "/api/v1/credit-check"


@pytest.fixture
def customer(make_customer, credit_manager):
    customer = make_customer()
    with acting_as(credit_manager, channel="system"):
        credit_limit_set(customer=customer, amount=Decimal("10000"), user=credit_manager,
                         valid_from=dt.date(2020, 1, 1))
        invoice_post(customer=customer, number="INV-1", invoice_date=timezone.localdate(),
                     currency="CNY", amount=Decimal("2000"))
    return customer


def _order(customer, user, amount, number="SO-1"):
    with acting_as(user, channel="system"):
        return sales_order_create(customer=customer, number=number,
                                  order_date=timezone.localdate(), currency="CNY",
                                  amount=Decimal(amount))


def test_check_answers_outcome_available_credit_and_reasons(customer, credit_manager, api_as):
    response = api_as(credit_manager).post(
        URL, {"customer": customer.pk, "amount": "7000", "currency": "CNY"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "approve"  # (2000 + 7000) / 10000 = 90 %: not above 90 %
    assert body["available_credit"] == "8000.00"
    assert body["currency"] == "CNY"
    assert body["utilisation_percent"] == "90.00"
    assert body["buckets"]["open_receivables"] == "2000.00"
    codes = [reason["code"] for reason in body["reasons"]]
    assert codes == ["within_limit", "no_grade"]
    assert body["reasons"][0]["reaction"] == "info"
    check = CreditCheck.objects.get()
    assert body["check_id"] == check.pk
    assert check.user == credit_manager
    assert body["what_if"] is False


def test_reasons_are_all_listed_with_messages(customer, credit_manager, api_as):
    with acting_as(credit_manager, channel="system"):
        list_entry_add(customer=customer, list_kind="blacklist", reason="fraud",
                       user=credit_manager, since=dt.date(2020, 1, 1))
    body = api_as(credit_manager).post(
        URL, {"customer": customer.pk, "amount": "9000", "currency": "CNY", "what_if": True}
    ).json()
    assert body["outcome"] == "block"
    reasons = {reason["code"]: reason for reason in body["reasons"]}
    assert list(reasons) == ["blacklisted", "limit_exceeded", "no_grade"]
    assert reasons["blacklisted"]["message"] == "The customer is on the blacklist."
    assert reasons["limit_exceeded"]["reaction"] == "block"
    assert reasons["limit_exceeded"]["figures"]["available"] == "8000.00"
    assert reasons["limit_exceeded"]["message"] == (
        "The order of 9000.00 exceeds the available credit of 8000.00 (limit 10000.00)."
    )


def test_what_if_writes_nothing(customer, credit_manager, api_as):
    order = _order(customer, credit_manager, "50000")
    events = BusinessEvent.objects.count()
    body = api_as(credit_manager).post(
        URL, {"customer": customer.pk, "order": order.pk, "what_if": True}
    ).json()
    assert body["outcome"] == "block"
    assert body["check_id"] is None
    assert body["order_credit_status"] is None
    assert not CreditCheck.objects.exists()
    assert BusinessEvent.objects.count() == events
    order.refresh_from_db()
    assert order.credit_status == "not_checked"


def test_real_check_on_an_order_sets_its_status(customer, credit_manager, api_as):
    order = _order(customer, credit_manager, "50000")
    body = api_as(credit_manager).post(URL, {"customer": customer.pk, "order": order.pk}).json()
    assert body["outcome"] == "block"
    assert body["order"] == order.pk
    assert body["order_credit_status"] == "block"
    assert body["amount"] == "50000.00" and body["amount_currency"] == "CNY"
    order.refresh_from_db()
    assert order.credit_status == "block"


def test_unauthenticated_is_401(customer):
    assert_error(ApiClient().post(URL, {"customer": customer.pk, "amount": "1",
                                        "currency": "CNY"}), 401, "not_authenticated")


def test_without_permission_is_403(customer, viewer, service_agent, api_as):
    for user in (viewer, service_agent):
        response = api_as(user).post(URL, {"customer": customer.pk, "amount": "1",
                                           "currency": "CNY"})
        assert_error(response, 403, "permission_denied")
    assert not CreditCheck.objects.exists()


def test_customer_not_visible_is_404(customer, other_account_manager, api_as):
    response = api_as(other_account_manager).post(
        URL, {"customer": customer.pk, "amount": "1", "currency": "CNY"}
    )
    assert_error(response, 404, "not_found")
    assert_error(api_as(other_account_manager).post(
        URL, {"customer": 999999, "amount": "1", "currency": "CNY"}), 404, "not_found")


def test_account_manager_checks_own_customer(customer, account_manager, api_as):
    response = api_as(account_manager).post(
        URL, {"customer": customer.pk, "amount": "1", "currency": "CNY"}
    )
    assert response.status_code == 200, response.content


def test_order_not_visible_is_404(customer, make_customer, other_account_manager,
                                  credit_manager, account_manager, api_as):
    foreign = make_customer(owner=other_account_manager)
    order = _order(foreign, credit_manager, "10")
    response = api_as(account_manager).post(URL, {"customer": customer.pk, "order": order.pk})
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("payload", "status", "code", "field"),
    [
        ({"amount": "0", "currency": "CNY"}, 400, "invalid", "amount"),
        ({"amount": "1", "currency": "XYZ"}, 400, "invalid", "currency"),
        ({"amount": "1"}, 400, "invalid", "currency"),
        ({"amount": "abc", "currency": "CNY"}, 422, "invalid_request", "amount"),
        ({"amount": "1", "currency": "CNY", "colour": "red"}, 422, "invalid_request", "colour"),
    ],
)
def test_bad_input(customer, credit_manager, api_as, payload, status, code, field):
    response = api_as(credit_manager).post(URL, {"customer": customer.pk, **payload})
    body = assert_error(response, status, code)
    assert field in body["field_errors"], body
    assert not CreditCheck.objects.exists()


def test_order_of_another_customer_is_400(customer, make_customer, credit_manager, api_as):
    other = make_customer()
    order = _order(other, credit_manager, "10")
    body = assert_error(
        api_as(credit_manager).post(URL, {"customer": customer.pk, "order": order.pk}),
        400, "invalid",
    )
    assert body["field_errors"] == {"order": ["This order belongs to another customer."]}


# --- limits and list entries ------------------------------------------------------------------


def test_credit_limits_and_list_entries(customer, credit_manager, account_manager,
                                        other_account_manager, api_as):
    body = api_as(account_manager).get(f"/api/v1/customers/{customer.pk}/credit-limits").json()
    assert body["current"]["amount"] == "10000.00"
    assert body["expired"] is False
    assert len(body["history"]) == 1
    assert body["current"]["approved_by"]["username"] == credit_manager.username
    with acting_as(credit_manager, channel="system"):
        list_entry_add(customer=customer, list_kind="watch", reason="slow payer",
                       user=credit_manager, since=dt.date(2020, 1, 1))
    entries = api_as(account_manager).get(
        f"/api/v1/customers/{customer.pk}/list-entries"
    ).json()["items"]
    assert [(e["list"], e["reason"], e["active"]) for e in entries] == [
        ("watch", "slow payer", True)
    ]
    for path in ("credit-limits", "list-entries"):
        assert_error(api_as(other_account_manager).get(f"/api/v1/customers/{customer.pk}/{path}"),
                     404, "not_found")


def test_limits_need_view_permission(customer, service_agent, api_as):
    assert_error(api_as(service_agent).get(f"/api/v1/customers/{customer.pk}/credit-limits"),
                 403, "permission_denied")


# --- blocked orders ---------------------------------------------------------------------------


@pytest.fixture
def blocked_order(customer, credit_manager):
    order = _order(customer, credit_manager, "600000")
    with acting_as(credit_manager, channel="system"):
        credit_check(customer=customer, user=credit_manager, order=order)
    order.refresh_from_db()
    assert order.credit_status == "block"
    return order


def test_worklist_and_release(blocked_order, credit_manager, other_account_manager, api_as):
    api = api_as(credit_manager)
    listing = api.get("/api/v1/blocked-orders").json()
    assert listing["count"] == 1
    assert listing["items"][0]["id"] == blocked_order.pk
    assert listing["items"][0]["credit_status"] == "block"
    assert api_as(other_account_manager).get("/api/v1/blocked-orders").json()["count"] == 0

    response = api.post(f"/api/v1/blocked-orders/{blocked_order.pk}/release",
                        {"reason": "bank guarantee received", "conditions": "ship in two lots",
                         "valid_until": str(timezone.localdate() + dt.timedelta(days=7))})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["action"] == "release"
    assert (body["previous_status"], body["new_status"]) == ("block", "released")
    assert body["decided_by"]["username"] == credit_manager.username
    assert SalesOrder.objects.get(pk=blocked_order.pk).credit_status == "released"
    assert api.get("/api/v1/blocked-orders").json()["count"] == 0


def test_release_beyond_authority_is_403_with_the_reason(blocked_order, analyst, api_as):
    body = assert_error(
        api_as(analyst).post(f"/api/v1/blocked-orders/{blocked_order.pk}/release",
                             {"reason": "ok"}),
        403, "permission_denied",
    )
    assert body["message"] == (
        "Your release authority of 500000.00 CNY does not cover this order of 600000.00 CNY."
    )
    assert not OrderCreditDecision.objects.exists()


def test_decisions_need_permission_and_visibility(blocked_order, account_manager,
                                                  other_account_manager, credit_manager,
                                                  api_as):
    assert_error(api_as(account_manager).post(
        f"/api/v1/blocked-orders/{blocked_order.pk}/reject", {"reason": "x"}),
        403, "permission_denied")
    assert_error(api_as(credit_manager).post(
        "/api/v1/blocked-orders/999999/reject", {"reason": "x"}), 404, "not_found")
    body = assert_error(api_as(credit_manager).post(
        f"/api/v1/blocked-orders/{blocked_order.pk}/reject", {"reason": " "}), 400, "invalid")
    assert body["field_errors"] == {"reason": ["Give the reason for the decision."]}
    assert not OrderCreditDecision.objects.exists()


def test_recheck(blocked_order, credit_manager, api_as):
    body = api_as(credit_manager).post(
        f"/api/v1/blocked-orders/{blocked_order.pk}/recheck", {"reason": "payment received"}
    ).json()
    assert body["action"] == "recheck"
    assert body["new_status"] == "block"  # nothing changed: still over the limit
    assert body["credit_check_id"] == CreditCheck.objects.latest("id").pk
