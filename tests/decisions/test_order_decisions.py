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


# --- shipping gate and release validity ---------------------------------------------------


def test_held_blocked_or_rejected_orders_may_not_ship(blocked, credit_manager):
    from credo.receivables.services import delivery_post

    order = blocked("2000")
    before = _decision_state()
    with pytest.raises(ValidationError) as info:
        delivery_post(order=order, number="D-B1", delivery_date=dt.date(2025, 6, 2),
                      amount=D("100"))
    assert info.value.message_dict["order"] == [
        "The order's credit status is “Blocked”: it may not ship until it is released."]
    assert _decision_state() == before
    services.order_reject(order=order, user=credit_manager, reason="no guarantee")
    with pytest.raises(ValidationError):
        delivery_post(order=order, number="D-B2", delivery_date=dt.date(2025, 6, 2),
                      amount=D("100"))


def test_release_lets_the_order_ship_until_its_valid_until_day(blocked, credit_manager):
    from credo.receivables.services import delivery_post

    order = blocked("2000")
    today = timezone.localdate()
    services.order_release(order=order, user=credit_manager, reason="paid in advance",
                           valid_until=today + dt.timedelta(days=10))
    order.refresh_from_db()
    assert order.credit_valid_until == today + dt.timedelta(days=10)
    delivery_post(order=order, number="D-V1", delivery_date=today + dt.timedelta(days=10),
                  amount=D("500"))
    with pytest.raises(ValidationError) as info:
        delivery_post(order=order, number="D-V2", delivery_date=today + dt.timedelta(days=11),
                      amount=D("500"))
    assert info.value.message_dict["delivery_date"] == [
        "The release of this order was valid until "
        f"{(today + dt.timedelta(days=10)).isoformat()}: recheck the order first."]
    order.refresh_from_db()
    assert order.delivered_amount == D("500")


def test_expired_releases_are_rechecked_and_return_to_the_worklist(
    blocked, credit_manager, customer, limit_of
):
    today = timezone.localdate()
    still_valid = blocked("2000")
    expiring = blocked("3000")
    open_ended = blocked("4000")
    for order, days in ((still_valid, 20), (expiring, 5)):
        services.order_release(order=order, user=credit_manager, reason="ok",
                               valid_until=today + dt.timedelta(days=days))
    services.order_release(order=open_ended, user=credit_manager, reason="ok")
    assert services.released_orders_expire(today=today + dt.timedelta(days=5)) == []

    decisions = services.released_orders_expire(today=today + dt.timedelta(days=6))
    assert [d.order_id for d in decisions] == [expiring.pk]
    decision = decisions[0]
    assert (decision.action, decision.previous_status, decision.new_status) == (
        "expire", "released", "block")
    assert decision.decided_by is None and decision.credit_check is not None
    expiring.refresh_from_db()
    assert (expiring.credit_status, expiring.credit_valid_until) == ("block", None)
    assert expiring in blocked_order_worklist(user=credit_manager)
    still_valid.refresh_from_db()
    open_ended.refresh_from_db()
    assert (still_valid.credit_status, open_ended.credit_status) == ("released", "released")
    # Run again the same day: nothing left to expire.
    assert services.released_orders_expire(today=today + dt.timedelta(days=6)) == []


def test_expired_release_passes_when_the_check_now_approves(
    blocked, credit_manager, customer, limit_of
):
    today = timezone.localdate()
    order = blocked("2000")
    services.order_release(order=order, user=credit_manager, reason="ok",
                           valid_until=today + dt.timedelta(days=1))
    limit_of(customer, "1000000", valid_from=dt.date(2025, 7, 1))
    [decision] = services.released_orders_expire(today=today + dt.timedelta(days=2))
    order.refresh_from_db()
    assert decision.new_status == order.credit_status == "approved"
    assert order not in blocked_order_worklist(user=credit_manager)


def test_expire_releases_command(blocked, credit_manager):
    import io

    from django.core.management import call_command

    from credo.cli import COMMANDS

    assert COMMANDS["decisions"][0] == "credo_decisions"
    order = blocked("2000")
    today = timezone.localdate()
    services.order_release(order=order, user=credit_manager, reason="ok",
                           valid_until=today + dt.timedelta(days=1))
    stdout = io.StringIO()
    call_command("credo_decisions", "expire-releases",
                 "--as-of", (today + dt.timedelta(days=3)).isoformat(), stdout=stdout)
    out = stdout.getvalue()
    assert f"{order.number}: release expired, rechecked: Blocked" in out
    assert "1 orders rechecked." in out
