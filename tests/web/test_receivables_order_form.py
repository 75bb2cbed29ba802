"""The new-order form: permissions, what-if writes nothing, save-and-check sets the credit status."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from credo.core.context import acting_as
from credo.core.models import BusinessEvent, ObjectChange
from credo.decisions.models import CreditCheck
from credo.decisions.services import credit_limit_set
from credo.receivables import selectors as ledger
from credo.receivables.models import SalesOrder

pytestmark = pytest.mark.django_db


def form_url(customer) -> str:
    return reverse("web:receivables_order_create", args=[customer.pk])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def limited_customer(make_customer, account_manager, credit_manager):
    """A customer of ``account_manager`` with a limit of 50,000 CNY and nothing owed."""
    customer = make_customer(owner=account_manager)
    with acting_as(credit_manager, channel="system"):
        credit_limit_set(
            customer=customer,
            amount=Decimal("50000.00"),
            user=credit_manager,
            valid_from=timezone.localdate() - dt.timedelta(days=10),
        )
    return customer


def order_data(action: str, **fields) -> dict:
    data = {
        "number": "SO-WEB-1",
        "order_date": timezone.localdate().isoformat(),
        "currency": "CNY",
        "amount": "20000.00",
        "payment_terms": "",
        "action": action,
    }
    data.update(fields)
    return data


def counts() -> tuple[int, int, int, int]:
    return (
        SalesOrder.objects.count(),
        CreditCheck.objects.count(),
        ObjectChange.objects.count(),
        BusinessEvent.objects.count(),
    )


# --- permissions ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, limited_customer):
    for response in (
        client.get(form_url(limited_customer)),
        client.post(form_url(limited_customer), order_data("save")),
    ):
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
    assert SalesOrder.objects.count() == 0


def test_account_manager_may_check_but_not_add_orders(
    client_for, account_manager, make_customer
):
    # Account managers may run a what-if check on their customers but not record orders.
    own = make_customer(owner=account_manager)
    client = client_for(account_manager)
    page = client.get(form_url(own)).content.decode()
    assert 'value="check"' in page and 'value="save"' not in page
    before = counts()
    answer = client.post(form_url(own), order_data("check"))
    assert answer.status_code == 200 and 'data-outcome="' in answer.content.decode()
    assert client.post(form_url(own), order_data("save")).status_code == 403
    assert counts() == before  # what-if writes nothing, the refused save nothing either


def test_viewer_gets_403(client_for, viewer, limited_customer):
    assert client_for(viewer).get(form_url(limited_customer)).status_code == 403


def test_invisible_or_unknown_customer_is_404(client_for, credit_manager, limited_customer):
    client = client_for(credit_manager)
    assert client.get(reverse("web:receivables_order_create", args=[999999])).status_code == 404


def test_team_restriction_gives_404(client_for, make_user, make_customer, limited_customer):
    # A user allowed to add orders but not to see every customer: only own customers.
    from django.contrib.auth.models import Permission

    user = make_user("account_manager")
    user.user_permissions.add(
        Permission.objects.get(codename="add_salesorder", content_type__app_label="receivables")
    )
    client = client_for(user)
    assert client.get(form_url(limited_customer)).status_code == 404
    own = make_customer(owner=user)
    assert client.get(form_url(own)).status_code == 200


def test_form_shows_defaults(client_for, credit_manager, limited_customer):
    page = text_of(client_for(credit_manager).get(form_url(limited_customer)))
    assert f'value="{timezone.localdate().isoformat()}"' in page
    assert '<option value="CNY" selected>' in page
    assert 'name="action" value="check"' in page and 'name="action" value="save"' in page


# --- check only -------------------------------------------------------------------------------


def test_check_only_answers_and_writes_nothing(client_for, credit_manager, limited_customer):
    before = counts()
    response = client_for(credit_manager).post(form_url(limited_customer), order_data("check"))
    assert response.status_code == 200
    page = text_of(response)
    assert counts() == before
    assert "What-if credit check (nothing saved)" in page
    assert 'data-outcome="approve"' in page
    # Nothing owed: available credit is the whole limit.
    assert 'id="rcv-answer-available">50,000 CNY' in page


def test_check_only_lists_every_reason_of_a_block(client_for, credit_manager, limited_customer):
    response = client_for(credit_manager).post(
        form_url(limited_customer), order_data("check", amount="60000.00")
    )
    page = text_of(response)
    assert 'data-outcome="block"' in page
    reasons = re.search(r'id="rcv-reasons">(.*?)</ul>', page).group(1)
    assert reasons.count("<li") >= 1
    assert "If saved, this order would go to the blocked-order worklist." in page
    assert SalesOrder.objects.count() == 0 and CreditCheck.objects.count() == 0


# --- save and check ---------------------------------------------------------------------------


def test_save_and_check_creates_an_approved_order(client_for, credit_manager, limited_customer):
    client = client_for(credit_manager)
    response = client.post(form_url(limited_customer), order_data("save"))
    assert response.status_code == 302
    assert response["Location"].endswith("?tab=receivables")
    order = SalesOrder.objects.get(number="SO-WEB-1")
    assert order.customer == limited_customer
    assert order.amount == Decimal("20000.00")
    assert order.credit_status == "approved"
    check = CreditCheck.objects.get(order=order)
    assert check.outcome == "approve" and check.user == credit_manager
    assert ledger.exposure_snapshot(customer=limited_customer).open_orders == Decimal("20000.00")
    page = text_of(client.get(response["Location"]))
    assert (
        "Order SO-WEB-1 saved. Credit check: Approve; available credit before this order "
        "50,000.00 CNY." in page
    )
    # Every reason of the check follows as its own message.
    assert "Within the limit: 40.00% of the limit of 50000.00 used after the order" in page
    row = re.search(r'data-order="SO-WEB-1">(.*?)</tr>', page).group(1)
    assert '<span class="badge badge-active">Approved</span>' in row


def test_save_and_check_blocks_and_sends_to_worklist(client_for, credit_manager, limited_customer):
    client = client_for(credit_manager)
    response = client.post(form_url(limited_customer), order_data("save", amount="60000.00"))
    assert response.status_code == 302
    order = SalesOrder.objects.get(number="SO-WEB-1")
    assert order.credit_status == "block"
    # A blocked order does not count in the open-orders exposure.
    assert ledger.exposure_snapshot(customer=limited_customer).open_orders == Decimal("0.00")
    page = text_of(client.get(response["Location"]))
    assert "The order went to the blocked-order worklist for a decision." in page
    row = re.search(r'data-order="SO-WEB-1">(.*?)</tr>', page).group(1)
    assert '<span class="badge badge-revoked">Blocked</span>' in row


# --- bad input --------------------------------------------------------------------------------


def test_negative_amount_gets_the_services_field_error(
    client_for, credit_manager, limited_customer
):
    before = counts()
    expected = {
        "check": "The amount must be greater than zero.",  # decisions.services.credit_check
        "save": "The amount must be above zero.",  # receivables.services.sales_order_create
    }
    for action, message in expected.items():
        response = client_for(credit_manager).post(
            form_url(limited_customer), order_data(action, amount="-5")
        )
        assert response.status_code == 200
        page = text_of(response)
        errors = re.search(r'id="id_amount_errors">(.*?)</ul>', page)
        assert errors is not None, action
        assert errors.group(1) == f"<li>{message}</li>"
    assert counts() == before


def test_missing_fx_rate_is_a_field_error_and_saves_nothing(
    client_for, credit_manager, limited_customer
):
    before = counts()
    response = client_for(credit_manager).post(
        form_url(limited_customer), order_data("save", currency="USD")
    )
    assert response.status_code == 200
    page = text_of(response)
    errors = re.findall(r'<ul class="errorlist" id="(\w+)">(.*?)</ul>', page)
    day = timezone.localdate().isoformat()
    assert errors == [
        ("id_currency_errors", f"<li>No FX rate for USD on or before {day}: record one first.</li>")
    ]
    assert counts() == before


def test_duplicate_order_number_is_refused(client_for, credit_manager, limited_customer):
    client = client_for(credit_manager)
    assert client.post(form_url(limited_customer), order_data("save")).status_code == 302
    before = counts()
    response = client.post(form_url(limited_customer), order_data("save"))
    assert response.status_code == 200
    errors = re.search(r'id="id_number_errors">(.*?)</ul>', text_of(response))
    assert errors is not None and "already exists" in errors.group(1)
    assert counts() == before


def test_required_fields(client_for, credit_manager, limited_customer):
    response = client_for(credit_manager).post(
        form_url(limited_customer), order_data("check", number="", amount="")
    )
    page = text_of(response)
    assert 'id="id_number_errors"' in page and 'id="id_amount_errors"' in page
    assert "What-if credit check" not in page


def test_unknown_action_is_refused(client_for, credit_manager, limited_customer):
    response = client_for(credit_manager).post(
        form_url(limited_customer), order_data("delete-everything")
    )
    assert response.status_code == 403
    assert SalesOrder.objects.count() == 0
