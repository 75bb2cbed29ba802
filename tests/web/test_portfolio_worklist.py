"""The blocked-order worklist page and its release / reject / recheck decisions."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from credo.core.context import acting_as
from credo.core.models import BusinessEvent, ObjectChange
from credo.decisions.models import OrderCreditDecision, ReleaseAuthority
from credo.decisions.services import credit_check, credit_limit_set
from credo.receivables.services import sales_order_create

pytestmark = pytest.mark.django_db

WORKLIST_URL = reverse("web:portfolio_worklist")
CHECK_DAY = dt.date(2025, 6, 30)
_numbers = itertools.count(1)


def decide_url(order) -> str:
    return reverse("web:portfolio_order_decide", args=[order.pk])


def decision_state():
    return (
        OrderCreditDecision.objects.count(),
        ObjectChange.objects.count(),
        BusinessEvent.objects.count(),
    )


@pytest.fixture
def blocked_order(credit_manager):
    """``blocked_order(customer, amount)``: an order blocked by a limit of 1 on its customer."""
    limited = set()

    def make(customer, amount):
        with acting_as(credit_manager, channel="system"):
            if customer.pk not in limited:
                credit_limit_set(
                    customer=customer,
                    amount=Decimal("1"),
                    user=credit_manager,
                    valid_from=dt.date(2025, 1, 1),
                )
                limited.add(customer.pk)
            order = sales_order_create(
                customer=customer,
                number=f"SO-W{next(_numbers)}",
                order_date=dt.date(2025, 6, 1),
                currency="CNY",
                amount=Decimal(amount),
            )
            credit_check(customer=customer, user=credit_manager, order=order, today=CHECK_DAY)
        order.refresh_from_db()
        assert order.credit_status == "block"
        return order

    return make


@pytest.fixture
def mine(make_customer, account_manager):
    return make_customer(owner=account_manager, name_zh="工作清单甲有限公司")


@pytest.fixture
def theirs(make_customer, other_account_manager):
    return make_customer(owner=other_account_manager, name_zh="工作清单乙有限公司")


def rows(response) -> int:
    return response.content.decode().count('<tr class="worklist-order"')


# Access --------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, mine, blocked_order):
    order = blocked_order(mine, "100")
    for response in (client.get(WORKLIST_URL), client.post(decide_url(order), {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_role_without_the_view_permission_gets_403(client_for, service_agent, no_role_user):
    for user in (service_agent, no_role_user):
        assert client_for(user).get(WORKLIST_URL).status_code == 403


def test_viewer_sees_the_list_without_decision_buttons_and_cannot_post(
    client_for, viewer, mine, blocked_order
):
    order = blocked_order(mine, "100")
    response = client_for(viewer).get(WORKLIST_URL)
    assert response.status_code == 200
    assert rows(response) == 1
    body = response.content.decode()
    assert decide_url(order) not in body
    assert 'value="release"' not in body
    before = decision_state()
    refused = client_for(viewer).post(decide_url(order), {"action": "release", "reason": "x"})
    assert refused.status_code == 403
    assert decision_state() == before


def test_account_manager_sees_only_orders_of_own_customers(
    client_for, account_manager, mine, theirs, blocked_order
):
    own = blocked_order(mine, "100")
    other = blocked_order(theirs, "200")
    response = client_for(account_manager).get(WORKLIST_URL)
    body = response.content.decode()
    assert rows(response) == 1
    assert own.number in body and other.number not in body
    assert "工作清单乙有限公司" not in body


def test_order_of_an_invisible_customer_is_404(client_for, make_user, theirs, blocked_order):
    # An account manager with release permission and authority, but not this customer's.
    outsider = make_user("account_manager")
    outsider.user_permissions.add(Permission.objects.get(codename="release_order"))
    ReleaseAuthority.objects.create(group_name="account_manager", max_amount=Decimal("1000000"))
    outsider = get_user_model().objects.get(pk=outsider.pk)
    order = blocked_order(theirs, "100")
    before = decision_state()
    response = client_for(outsider).post(decide_url(order), {"action": "release", "reason": "ok"})
    assert response.status_code == 404
    assert decision_state() == before
    order.refresh_from_db()
    assert order.credit_status == "block"


def test_unknown_order_is_404(client_for, credit_manager):
    url = reverse("web:portfolio_order_decide", args=[987654])
    response = client_for(credit_manager).post(url, {"action": "release", "reason": "ok"})
    assert response.status_code == 404


def test_decide_only_accepts_post(client_for, credit_manager, mine, blocked_order):
    order = blocked_order(mine, "100")
    assert client_for(credit_manager).get(decide_url(order)).status_code == 405


# The list ------------------------------------------------------------------------------------


def test_largest_first_with_customer_amount_outcome_and_reasons(
    client_for, analyst, mine, theirs, blocked_order
):
    small = blocked_order(mine, "1500")
    large = blocked_order(theirs, "250000")
    response = client_for(analyst).get(WORKLIST_URL)
    body = response.content.decode()
    assert rows(response) == 2
    assert body.index(large.number) < body.index(small.number)
    assert "工作清单甲有限公司" in body and "工作清单乙有限公司" in body
    assert "250,000.00 CNY" in body
    assert "Blocked" in body
    # The reason of the blocking step, with its figures, in words.
    assert "exceeds the available credit" in body
    assert 'value="release"' in body and 'value="reject"' in body and 'value="recheck"' in body
    assert "You may decide on orders up to 500,000.00 CNY." in body


def test_nav_shows_the_worklist_only_with_the_permission(client_for, analyst, service_agent):
    assert WORKLIST_URL in client_for(analyst).get(reverse("web:customer_list")).content.decode()
    agent_page = client_for(service_agent).get(reverse("web:customer_list")).content.decode()
    assert WORKLIST_URL not in agent_page


# Decisions -----------------------------------------------------------------------------------


def test_release_within_authority_is_documented(client_for, analyst, mine, blocked_order):
    order = blocked_order(mine, "400000")
    valid_until = timezone.localdate() + dt.timedelta(days=30)
    response = client_for(analyst).post(
        decide_url(order),
        {
            "action": "release",
            "reason": "客户已付款，待到账",
            "conditions": "预付 30%",
            "valid_until": valid_until.isoformat(),
        },
        follow=True,
    )
    assert response.redirect_chain == [(WORKLIST_URL, 302)]
    assert f"Order {order.number} released." in response.content.decode()
    assert rows(response) == 0
    order.refresh_from_db()
    assert order.credit_status == "released"
    decision = OrderCreditDecision.objects.get()
    assert decision.order == order
    assert decision.action == "release"
    assert decision.decided_by == analyst
    assert decision.reason == "客户已付款，待到账"
    assert decision.conditions == "预付 30%"
    assert decision.valid_until == valid_until
    assert (decision.previous_status, decision.new_status) == ("block", "released")
    change = ObjectChange.objects.get(object_type="decisions.ordercreditdecision")
    assert change.user_id == analyst.pk
    assert change.channel == "ui"
    assert BusinessEvent.objects.filter(name="decisions.order.release").count() == 1


def test_reject(client_for, credit_manager, mine, blocked_order):
    order = blocked_order(mine, "2000")
    response = client_for(credit_manager).post(
        decide_url(order), {"action": "reject", "reason": "no guarantee"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.credit_status == "rejected"
    assert OrderCreditDecision.objects.get().action == "reject"


def test_recheck_runs_the_check_again(client_for, credit_manager, mine, blocked_order):
    order = blocked_order(mine, "2000")
    response = client_for(credit_manager).post(
        decide_url(order), {"action": "recheck", "reason": "payment arrived"}, follow=True
    )
    # The limit of 1 still blocks it: documented, and the order stays on the list.
    assert f"Order {order.number} checked again: Blocked." in response.content.decode()
    decision = OrderCreditDecision.objects.get()
    assert decision.action == "recheck"
    assert decision.credit_check is not None
    assert rows(response) == 1


def test_release_beyond_authority_shows_the_refusal_and_writes_nothing(
    client_for, analyst, mine, blocked_order
):
    order = blocked_order(mine, "600000")
    before = decision_state()
    response = client_for(analyst).post(
        decide_url(order), {"action": "release", "reason": "good customer"}
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert (
        "Your release authority of 500000.00 CNY does not cover this order of 600000.00 CNY."
        in body
    )
    # Shown inline on the worklist, with the typed reason kept.
    assert 'id="blocked-orders"' in body
    assert "good customer" in body
    assert "above your authority" in body
    assert decision_state() == before
    order.refresh_from_db()
    assert order.credit_status == "block"


def test_missing_reason_is_an_error_and_writes_nothing(
    client_for, credit_manager, mine, blocked_order
):
    order = blocked_order(mine, "100")
    before = decision_state()
    response = client_for(credit_manager).post(
        decide_url(order), {"action": "release", "reason": "   "}
    )
    assert response.status_code == 200
    assert "Give the reason for the decision." in response.content.decode()
    assert decision_state() == before


def test_past_valid_until_is_the_services_error(client_for, credit_manager, mine, blocked_order):
    order = blocked_order(mine, "100")
    before = decision_state()
    response = client_for(credit_manager).post(
        decide_url(order), {"action": "release", "reason": "ok", "valid_until": "2000-01-01"}
    )
    assert response.status_code == 200
    assert "The decision cannot be valid until a past date." in response.content.decode()
    assert decision_state() == before


def test_unknown_action_is_an_error(client_for, credit_manager, mine, blocked_order):
    order = blocked_order(mine, "100")
    before = decision_state()
    response = client_for(credit_manager).post(
        decide_url(order), {"action": "approve", "reason": "ok"}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert decision_state() == before


def test_deciding_twice_shows_that_the_order_no_longer_waits(
    client_for, credit_manager, mine, blocked_order
):
    order = blocked_order(mine, "100")
    client = client_for(credit_manager)
    client.post(decide_url(order), {"action": "release", "reason": "ok"})
    response = client.post(decide_url(order), {"action": "reject", "reason": "changed my mind"})
    assert response.status_code == 200
    assert "Only held or blocked orders await a decision." in response.content.decode()
    assert OrderCreditDecision.objects.count() == 1
