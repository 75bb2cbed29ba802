"""Release / reject / recheck of held and blocked orders: authority by amount, documentation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from credo.core.models import BusinessEvent, ObjectChange
from credo.decisions import services
from credo.decisions.models import OrderCreditDecision, ReleaseAuthority
from credo.decisions.selectors import blocked_order_worklist, release_authority_of

from .conftest import TODAY, D

pytestmark = pytest.mark.django_db


@pytest.fixture
def blocked(customer, acting, ledger, limit_of):
    """``blocked(amount)``: an order of ``amount`` blocked by a limit of 1."""
    limit_of(customer, "1")

    def make(amount):
        order = ledger.order(customer, amount)
        services.credit_check(customer=customer, user=acting, order=order, today=TODAY)
        order.refresh_from_db()
        assert order.credit_status == "block"
        return order

    return make


def _decision_state():
    return (OrderCreditDecision.objects.count(), ObjectChange.objects.count(),
            BusinessEvent.objects.count())


def test_release_is_documented(blocked, analyst):
    order = blocked("400000")
    decision = services.order_release(
        order=order, user=analyst, reason="客户已付款，待到账", conditions="预付 30%",
        valid_until=timezone.localdate() + dt.timedelta(days=30),
    )
    order.refresh_from_db()
    assert order.credit_status == "released"
    assert decision.action == "release"
    assert decision.decided_by == analyst
    assert decision.decided_at is not None
    assert (decision.previous_status, decision.new_status) == ("block", "released")
    assert decision.conditions == "预付 30%"
    assert decision.valid_until == timezone.localdate() + dt.timedelta(days=30)
    assert decision.customer_id == order.customer_id
    change = ObjectChange.objects.get(object_type="decisions.ordercreditdecision")
    assert change.action == "create" and change.customer_id == order.customer_id
    event = BusinessEvent.objects.get(name="decisions.order.release")
    assert event.payload["order_id"] == order.pk
    assert event.payload["new_status"] == "released"
    assert order not in blocked_order_worklist(user=analyst)


def test_reject(blocked, credit_manager):
    order = blocked("2000")
    decision = services.order_reject(order=order, user=credit_manager, reason="no guarantee")
    order.refresh_from_db()
    assert order.credit_status == "rejected"
    assert decision.new_status == "rejected"
    assert BusinessEvent.objects.filter(name="decisions.order.reject").count() == 1
    assert not blocked_order_worklist(user=credit_manager).exists()


def test_recheck_runs_the_check_again(blocked, customer, credit_manager, limit_of):
    order = blocked("2000")
    limit_of(customer, "10000", valid_from=dt.date(2025, 6, 1))  # raised in the meantime
    decision = services.order_recheck(order=order, user=credit_manager, reason="limit raised")
    order.refresh_from_db()
    assert order.credit_status == "approved"
    assert decision.action == "recheck"
    assert decision.new_status == "approved"
    assert decision.credit_check is not None
    assert decision.credit_check.order == order
    assert decision.credit_check.outcome == "approve"


@pytest.mark.parametrize(
    ("role", "amount", "allowed"),
    [
        ("credit_analyst", "500000", True),
        ("credit_analyst", "500000.01", False),
        ("credit_manager", "5000000", True),
        ("credit_manager", "5000001", False),
        ("administrator", "90000000", True),
    ],
)
def test_release_authority_by_amount(blocked, make_user, role, amount, allowed):
    order = blocked(amount)
    user = make_user(role)
    before = _decision_state()
    if allowed:
        services.order_release(order=order, user=user, reason="ok")
        order.refresh_from_db()
        assert order.credit_status == "released"
        return
    with pytest.raises(PermissionDenied) as caught:
        services.order_release(order=order, user=user, reason="ok")
    maximum = release_authority_of(user)
    assert str(caught.value) == (
        f"Your release authority of {maximum} CNY does not cover this order of "
        f"{D(amount).quantize(D('0.01'))} CNY."
    )
    order.refresh_from_db()
    assert order.credit_status == "block"
    assert _decision_state() == before


def test_authority_applies_to_reject_and_recheck_too(blocked, analyst):
    order = blocked("600000")
    for decide in (services.order_reject, services.order_recheck):
        with pytest.raises(PermissionDenied):
            decide(order=order, user=analyst, reason="x")
    order.refresh_from_db()
    assert order.credit_status == "block"


def test_release_authority_of(make_user, acting):
    assert release_authority_of(make_user("credit_analyst")) == D("500000.00")
    assert release_authority_of(make_user("administrator")) is None
    assert str(release_authority_of(make_user("account_manager"))) == "0.00"
    services.release_authority_set(group_name="credit_analyst", max_amount="750000")
    assert release_authority_of(make_user("credit_analyst")) == D("750000.00")


def test_roles_without_release_permission_are_refused(blocked, account_manager, viewer):
    order = blocked("10")
    before = _decision_state()
    for user in (account_manager, viewer):
        with pytest.raises(PermissionDenied) as caught:
            services.order_release(order=order, user=user, reason="ok")
        assert str(caught.value) == "You may not decide on held or blocked orders."
    assert _decision_state() == before


def test_customer_the_user_cannot_see_is_refused(blocked, make_user, customer):
    # An account manager of someone else's customer, given the release permission.
    outsider = make_user("account_manager")
    outsider.user_permissions.add(Permission.objects.get(codename="release_order"))
    ReleaseAuthority.objects.create(group_name="account_manager", max_amount=D("1000000"))
    outsider = get_user_model().objects.get(pk=outsider.pk)
    order = blocked("10")
    with pytest.raises(PermissionDenied) as caught:
        services.order_release(order=order, user=outsider, reason="ok")
    assert str(caught.value) == "You may not decide on orders of this customer."


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"reason": "  "}, {"reason": ["Give the reason for the decision."]}),
        (
            {"reason": "ok", "valid_until": dt.date(2000, 1, 1)},
            {"valid_until": ["The decision cannot be valid until a past date."]},
        ),
    ],
)
def test_bad_decision_input(blocked, credit_manager, kwargs, errors):
    order = blocked("10")
    before = _decision_state()
    with pytest.raises(ValidationError) as caught:
        services.order_release(order=order, user=credit_manager, **kwargs)
    assert caught.value.message_dict == errors
    assert _decision_state() == before


def test_only_held_or_blocked_orders_await_a_decision(customer, acting, ledger, limit_of,
                                                      credit_manager):
    limit_of(customer, "1000")
    order = ledger.order(customer, "10")
    services.credit_check(customer=customer, user=acting, order=order, today=TODAY)
    with pytest.raises(ValidationError) as caught:
        services.order_release(order=order, user=credit_manager, reason="ok")
    assert caught.value.message_dict == {"order": ["Only held or blocked orders await a decision."]}
    assert not OrderCreditDecision.objects.exists()
