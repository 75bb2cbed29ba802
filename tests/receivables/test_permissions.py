"""Roles see the ledger as agreed; an account manager sees only own customers' documents."""

from __future__ import annotations

import pytest

from credo.receivables import services
from credo.receivables.models import Allocation, Delivery, Invoice, InvoiceInstalment

from .conftest import D, day

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "can_view", "can_add"),
    [
        ("credit_manager", True, True), ("credit_analyst", True, True),
        ("account_manager", True, False), ("auditor", True, False), ("viewer", True, False),
        ("service_agent", False, False), ("administrator", True, True),
    ],
)
def test_role_permissions(make_user, role, can_view, can_add):
    user = make_user(role)
    assert user.has_perm("receivables.view_invoice") is can_view
    assert user.has_perm("receivables.view_customerexposure") is can_view
    assert user.has_perm("receivables.add_payment") is can_add
    assert user.has_perm("receivables.add_allocation") is can_add


def test_account_manager_sees_only_own_customers_documents(
    make_customer, acting, account_manager, other_account_manager, credit_manager
):
    mine = make_customer(owner=account_manager)
    theirs = make_customer(owner=other_account_manager)
    for number, customer in (("INV-M", mine), ("INV-T", theirs)):
        invoice = services.invoice_post(customer=customer, number=number,
                                        invoice_date=day("2025-01-01"), currency="CNY",
                                        amount=D("10.00"))
        payment = services.payment_post(customer=customer, number=f"P-{number}",
                                        payment_date=day("2025-01-02"), currency="CNY",
                                        amount=D("5.00"))
        services.allocation_create(payment=payment, instalment=invoice.instalments.get(),
                                   amount=D("5.00"), on=day("2025-01-02"))
        order = services.sales_order_create(customer=customer, number=f"SO-{number}",
                                            order_date=day("2025-01-01"), currency="CNY",
                                            amount=D("10.00"))
        services.delivery_post(order=order, number=f"DL-{number}",
                               delivery_date=day("2025-01-01"), amount=D("1.00"))
    assert list(Invoice.objects.restrict(account_manager).values_list("number", flat=True)) == [
        "INV-M"
    ]
    assert InvoiceInstalment.objects.restrict(account_manager).get().invoice.number == "INV-M"
    assert Allocation.objects.restrict(account_manager).get().payment.number == "P-INV-M"
    assert Delivery.objects.restrict(account_manager).get().number == "DL-INV-M"
    assert Invoice.objects.restrict(credit_manager).count() == 2
