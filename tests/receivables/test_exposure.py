"""Exposure snapshots: multi-currency, securities, groups, reconcile."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from credo.customers.services import customer_update
from credo.receivables import services
from credo.receivables.models import CustomerExposure, OpenItemDue
from credo.receivables.selectors import exposure_snapshot, group_exposure_snapshot

from .conftest import D, day

pytestmark = pytest.mark.django_db


def test_multi_currency_at_the_rate_of_the_document_date(customer, usd_rates):
    # 7.10 from 1 Jan, 7.20 from 1 March.
    order = services.sales_order_create(customer=customer, number="SO-U",
                                        order_date=day("2025-02-01"), currency="USD",
                                        amount=D("100.00"))
    assert (order.fx_rate, order.amount_company) == (D("7.1"), D("710.00"))
    invoice = services.invoice_post(customer=customer, number="INV-U",
                                    invoice_date=day("2025-03-05"), currency="USD",
                                    amount=D("100.00"), order=order)
    assert (invoice.fx_rate, invoice.amount_company) == (D("7.2"), D("720.00"))
    snap = exposure_snapshot(customer=customer, today=day("2025-03-05"))
    assert (snap.currency, snap.open_orders, snap.open_receivables) == (
        "CNY", D("0"), D("720.00")
    )
    # A USD payment at a later rate pays the USD item; the receivable leaves at the invoice's
    # rate (FX difference is not exposure), so a fully paid item is exactly zero.
    services.fx_rate_set(currency="USD", rate_date=day("2025-04-01"), rate=D("7.3"))
    payment = services.payment_post(customer=customer, number="P-U",
                                    payment_date=day("2025-04-02"), currency="USD",
                                    amount=D("100.00"))
    assert payment.amount_company == D("730.00")
    services.allocation_create(payment=payment, instalment=invoice.instalments.get(),
                               amount=D("33.33"), on=day("2025-04-02"))
    # 33.33 x 7.2 = 239.976 -> 239.98
    assert exposure_snapshot(customer=customer).open_receivables == D("480.02")
    services.allocation_create(payment=payment, instalment=invoice.instalments.get(),
                               amount=D("66.67"), on=day("2025-04-02"))
    assert exposure_snapshot(customer=customer).open_receivables == D("0")
    assert services.exposure_reconcile() == []


def test_instalment_company_amounts_sum_exactly(customer, usd_rates, terms):
    invoice = services.invoice_post(customer=customer, number="INV-V",
                                    invoice_date=day("2025-01-02"), currency="USD",
                                    amount=D("333.33"), payment_terms=terms["split"],
                                    fx_rate=D("7.12345678"))
    company = list(invoice.instalments.values_list("amount_company", flat=True))
    assert sum(company) == invoice.amount_company == D("2374.46")  # 2374.4618...


def test_given_fx_rate_rules(customer):
    with pytest.raises(ValidationError) as info:
        services.invoice_post(customer=customer, number="INV-W",
                              invoice_date=day("2025-01-02"), currency="CNY",
                              amount=D("1.00"), fx_rate=D("2"))
    assert info.value.message_dict["fx_rate"] == ["The company currency has an FX rate of 1."]


def test_security_reduces_net_exposure_while_valid(customer):
    services.invoice_post(customer=customer, number="INV-S", invoice_date=day("2025-01-02"),
                          currency="CNY", amount=D("1000.00"))
    services.security_add(customer=customer, kind="guarantee", amount=D("300.00"),
                          currency="CNY", valid_from=day("2025-01-01"),
                          valid_until=day("2025-06-30"), description="bank guarantee")
    inside = exposure_snapshot(customer=customer, today=day("2025-03-01"))
    assert (inside.secured, inside.gross, inside.net) == (
        D("300.00"), D("1000.00"), D("700.00")
    )
    after = exposure_snapshot(customer=customer, today=day("2025-07-01"))
    assert (after.secured, after.net) == (D("0"), D("1000.00"))
    before = exposure_snapshot(customer=customer, today=day("2024-12-31"))
    assert before.secured == D("0")
    assert services.exposure_reconcile() == []


def test_security_validation(customer):
    base = {"customer": customer, "kind": "collateral", "amount": D("1.00"),
            "currency": "CNY", "valid_from": day("2025-01-02")}
    for override, field, message in [
        ({"kind": "hope"}, "kind", "Unknown kind of security."),
        ({"amount": D("-1")}, "amount", "The amount must be above zero."),
        ({"valid_until": day("2025-01-01")}, "valid_until",
         "The end of validity cannot be before its start."),
    ]:
        with pytest.raises(ValidationError) as info:
            services.security_add(**{**base, **override})
        assert info.value.message_dict[field] == [message]
    assert exposure_snapshot(customer=customer).secured == D("0")


def test_group_exposure_rolls_up_parent_and_subsidiaries(make_customer, acting):
    parent = make_customer()
    child = make_customer(parent=parent)
    grandchild = make_customer(parent=child)
    outsider = make_customer()
    for number, member, amount, due in [
        ("G-1", parent, "100.00", "2025-01-01"), ("G-2", child, "200.00", "2025-02-01"),
        ("G-3", grandchild, "300.00", "2025-03-01"), ("G-4", outsider, "999.00", "2025-01-01"),
    ]:
        services.invoice_post(customer=member, number=number, invoice_date=day(due),
                              currency="CNY", amount=D(amount))
    services.sales_order_create(customer=child, number="G-SO", order_date=day("2025-01-01"),
                                currency="CNY", amount=D("50.00"))
    for member in (parent, child, grandchild):
        snap = group_exposure_snapshot(customer=member, today=day("2025-02-15"))
        assert snap.customer_id == parent.pk
        assert (snap.open_receivables, snap.open_orders, snap.overdue) == (
            D("600.00"), D("50.00"), D("300.00")
        )
        assert snap.oldest_overdue_days == 45
    alone = group_exposure_snapshot(customer=outsider, today=day("2025-02-15"))
    assert (alone.customer_id, alone.open_receivables) == (outsider.pk, D("999.00"))
    # Moving the grandchild out of the group moves its exposure with it.
    customer_update(customer=grandchild, parent=None)
    assert group_exposure_snapshot(customer=parent).open_receivables == D("300.00")


def test_reconcile_reports_and_fixes_drift(customer):
    services.invoice_post(customer=customer, number="INV-R", invoice_date=day("2025-01-02"),
                          currency="CNY", amount=D("100.00"))
    assert services.exposure_reconcile() == []
    # Simulate a write that bypassed the services.
    CustomerExposure.objects.filter(customer=customer).update(open_receivables=D("90.00"))
    OpenItemDue.objects.filter(customer=customer).update(amount=D("1.00"))
    OpenItemDue.objects.create(customer=customer, due_date=day("2030-01-01"), amount=D("5.00"))
    drifts = services.exposure_reconcile()
    assert [(d.bucket, d.maintained, d.ledger, d.due_date) for d in drifts] == [
        ("open_receivables", D("90.00"), D("100.00"), None),
        ("open_item_due", D("1.00"), D("100.00"), day("2025-01-02")),
        ("open_item_due", D("5.00"), D("0"), day("2030-01-01")),
    ]
    assert len(services.exposure_reconcile()) == 3  # reporting alone changes nothing
    services.exposure_reconcile(fix=True)
    assert services.exposure_reconcile() == []
    assert exposure_snapshot(customer=customer).open_receivables == D("100.00")


def test_reconcile_notices_a_missing_exposure_row(customer):
    services.invoice_post(customer=customer, number="INV-M", invoice_date=day("2025-01-02"),
                          currency="CNY", amount=D("100.00"))
    CustomerExposure.objects.filter(customer=customer).delete()
    drifts = services.exposure_reconcile(fix=True)
    assert [(d.bucket, d.ledger) for d in drifts] == [("open_receivables", D("100.00"))]
    assert exposure_snapshot(customer=customer).open_receivables == D("100.00")
