"""Orders, deliveries, invoices and their open items; every bad input writes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from credo.core.models import BusinessEvent, ObjectChange
from credo.receivables import services
from credo.receivables.models import (
    CustomerExposure,
    Delivery,
    FxRate,
    Invoice,
    InvoiceInstalment,
    OpenItemDue,
    PaymentTerms,
    SalesOrder,
)
from credo.receivables.selectors import exposure_snapshot

from .conftest import D, day

pytestmark = pytest.mark.django_db


def _counts():
    return (
        SalesOrder.objects.count(), Delivery.objects.count(), Invoice.objects.count(),
        InvoiceInstalment.objects.count(), OpenItemDue.objects.count(),
        ObjectChange.objects.filter(object_type__startswith="receivables.").count(),
        BusinessEvent.objects.filter(name__startswith="receivables.").count(),
    )


def _exposure(customer):
    snap = exposure_snapshot(customer=customer, today=day("2025-01-01"))
    return snap.open_orders, snap.delivered_not_invoiced, snap.open_receivables


def _rejects(call, field, message):
    before = _counts()
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.message_dict[field] == [message]
    assert _counts() == before


def test_order_delivery_invoice_move_exposure(customer, terms):
    order = services.sales_order_create(
        customer=customer, number="SO-1", order_date=day("2025-01-02"), currency="CNY",
        amount=D("1000.00"), payment_terms=terms["net30"],
    )
    assert _exposure(customer) == (D("1000.00"), D("0"), D("0"))
    services.delivery_post(order=order, number="DL-1", delivery_date=day("2025-01-05"),
                           amount=D("600.00"))
    order.refresh_from_db()
    assert order.status == "partly_delivered"
    assert order.delivered_amount == D("600.00")
    assert _exposure(customer) == (D("400.00"), D("600.00"), D("0"))
    invoice = services.invoice_post(
        customer=customer, number="INV-1", invoice_date=day("2025-01-06"), currency="CNY",
        amount=D("600.00"), order=order,
    )
    assert invoice.payment_terms == terms["net30"]  # taken from the order
    assert list(invoice.instalments.values_list("due_date", "amount")) == [
        (day("2025-02-05"), D("600.00"))
    ]
    assert _exposure(customer) == (D("400.00"), D("0"), D("600.00"))
    services.invoice_post(
        customer=customer, number="INV-2", invoice_date=day("2025-01-07"), currency="CNY",
        amount=D("400.00"), order=order,
    )
    order.refresh_from_db()
    assert order.status == "invoiced"
    assert _exposure(customer) == (D("0"), D("0"), D("1000.00"))
    assert services.exposure_reconcile() == []
    events = set(BusinessEvent.objects.values_list("name", flat=True))
    assert {"receivables.sales_order.created", "receivables.delivery.posted",
            "receivables.invoice.posted"} <= events
    assert ObjectChange.objects.filter(object_type="receivables.invoice").count() == 2


def test_instalment_terms_create_two_open_items(customer, terms):
    invoice = services.invoice_post(
        customer=customer, number="INV-S", invoice_date=day("2025-01-01"), currency="CNY",
        amount=D("1000.00"), payment_terms=terms["split"],
    )
    assert list(invoice.instalments.values_list("sequence", "due_date", "amount")) == [
        (1, day("2025-01-31"), D("400.00")), (2, day("2025-03-02"), D("600.00")),
    ]
    assert list(OpenItemDue.objects.values_list("due_date", "amount")) == [
        (day("2025-01-31"), D("400.00")), (day("2025-03-02"), D("600.00")),
    ]
    snap = exposure_snapshot(customer=customer, today=day("2025-02-15"))
    assert snap.overdue == D("400.00")
    assert snap.oldest_overdue_days == 15


def test_eom_terms(customer, terms):
    invoice = services.invoice_post(
        customer=customer, number="INV-E", invoice_date=day("2025-01-15"), currency="CNY",
        amount=D("10.00"), payment_terms=terms["eom30"],
    )
    assert invoice.instalments.get().due_date == day("2025-03-02")


def test_invoice_without_terms_is_due_on_its_date(customer):
    invoice = services.invoice_post(
        customer=customer, number="INV-0", invoice_date=day("2025-01-15"), currency="CNY",
        amount=D("10.00"),
    )
    assert invoice.instalments.get().due_date == day("2025-01-15")


def test_payment_terms_validation(acting):
    with pytest.raises(ValidationError) as info:
        services.payment_terms_create(
            code="BAD", name="Bad", kind="instalments",
            instalments=[{"percent": "40", "days": 30}, {"percent": "50", "days": 60}],
        )
    assert info.value.message_dict["instalments"] == [
        "Instalment percentages must add up to 100."
    ]
    with pytest.raises(ValidationError) as info:
        services.payment_terms_create(
            code="BAD", name="Bad", kind="net", days=30,
            instalments=[{"percent": "100", "days": 30}],
        )
    assert info.value.message_dict["instalments"] == [
        "Only instalment terms have a list of instalments."
    ]
    assert not PaymentTerms.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (D("-5.00"), "The amount must be above zero."),
        (D("0"), "The amount must be above zero."),
        (D("1.005"), "Amounts have at most two decimal places."),
        ("abc", "Enter an amount."),
        (None, "Enter an amount."),
    ],
)
def test_invoice_rejects_bad_amounts(customer, amount, message):
    _rejects(
        lambda: services.invoice_post(
            customer=customer, number="INV-X", invoice_date=day("2025-01-01"),
            currency="CNY", amount=amount,
        ),
        "amount", message,
    )


def test_unknown_customer_is_rejected(acting):
    _rejects(
        lambda: services.invoice_post(
            customer=999999, number="INV-X", invoice_date=day("2025-01-01"),
            currency="CNY", amount=D("1.00"),
        ),
        "customer", "Unknown customer.",
    )
    _rejects(
        lambda: services.sales_order_create(
            customer=None, number="SO-X", order_date=day("2025-01-01"), currency="CNY",
            amount=D("1.00"),
        ),
        "customer", "Unknown customer.",
    )


def test_unknown_currency_and_missing_fx_rate(customer):
    _rejects(
        lambda: services.payment_post(
            customer=customer, number="P-X", payment_date=day("2025-01-01"), currency="XYZ",
            amount=D("1.00"),
        ),
        "currency", "Unknown currency XYZ.",
    )
    _rejects(
        lambda: services.invoice_post(
            customer=customer, number="INV-X", invoice_date=day("2025-01-01"),
            currency="USD", amount=D("1.00"),
        ),
        "currency",
        "No FX rate for USD on or before 2025-01-01: record one first.",
    )


def test_duplicate_invoice_number_is_rejected(customer):
    services.invoice_post(customer=customer, number="INV-D", invoice_date=day("2025-01-01"),
                          currency="CNY", amount=D("1.00"))
    with pytest.raises(ValidationError) as info:
        services.invoice_post(customer=customer, number="INV-D",
                              invoice_date=day("2025-01-01"), currency="CNY", amount=D("2.00"))
    assert "number" in info.value.message_dict
    assert Invoice.objects.count() == 1
    assert exposure_snapshot(customer=customer).open_receivables == D("1.00")


def test_invoice_against_order_validation(customer, make_customer):
    order = services.sales_order_create(customer=customer, number="SO-2",
                                        order_date=day("2025-01-10"), currency="CNY",
                                        amount=D("100.00"))
    other = make_customer()
    base = {"number": "INV-X", "invoice_date": day("2025-01-10"), "currency": "CNY",
            "amount": D("10.00"), "order": order}
    _rejects(lambda: services.invoice_post(customer=other, **base),
             "order", "The order belongs to another customer.")
    _rejects(lambda: services.invoice_post(customer=customer, **{**base, "currency": "EUR",
                                                                 "fx_rate": D("7.8")}),
             "currency", "The invoice must be in the order's currency.")
    _rejects(lambda: services.invoice_post(customer=customer,
                                           **{**base, "invoice_date": day("2025-01-09")}),
             "invoice_date", "An invoice cannot be dated before its order.")
    _rejects(lambda: services.invoice_post(customer=customer,
                                           **{**base, "amount": D("100.01")}),
             "amount", "Invoices would exceed the order amount (100.00 left to invoice).")


def test_delivery_validation(customer):
    order = services.sales_order_create(customer=customer, number="SO-3",
                                        order_date=day("2025-01-10"), currency="CNY",
                                        amount=D("100.00"))
    _rejects(lambda: services.delivery_post(order=order, number="DL-X",
                                            delivery_date=day("2025-01-09"), amount=D("1.00")),
             "delivery_date", "A delivery cannot be dated before its order.")
    _rejects(lambda: services.delivery_post(order=order, number="DL-X",
                                            delivery_date=day("2025-01-11"), amount=D("100.50")),
             "amount", "Deliveries would exceed the order amount (100.00 left to deliver).")
    _rejects(lambda: services.delivery_post(order=order, number="DL-X",
                                            delivery_date=day("2025-01-11"), amount=D("-1")),
             "amount", "The amount must be above zero.")


def test_order_cancel(customer):
    order = services.sales_order_create(customer=customer, number="SO-4",
                                        order_date=day("2025-01-10"), currency="CNY",
                                        amount=D("100.00"))
    services.sales_order_cancel(order=order)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert _exposure(customer) == (D("0"), D("0"), D("0"))
    _rejects(lambda: services.sales_order_cancel(order=order),
             "status", "The order is already cancelled.")
    _rejects(lambda: services.invoice_post(customer=customer, number="INV-X",
                                           invoice_date=day("2025-01-11"), currency="CNY",
                                           amount=D("1.00"), order=order),
             "order", "A cancelled order cannot be invoiced.")


def test_order_with_delivery_cannot_be_cancelled(customer):
    order = services.sales_order_create(customer=customer, number="SO-5",
                                        order_date=day("2025-01-10"), currency="CNY",
                                        amount=D("100.00"))
    services.delivery_post(order=order, number="DL-5", delivery_date=day("2025-01-10"),
                           amount=D("1.00"))
    _rejects(lambda: services.sales_order_cancel(order=order),
             "status", "An order with deliveries or invoices cannot be cancelled.")


def test_order_closed_short_leaves_open_orders(customer):
    order = services.sales_order_create(customer=customer, number="SO-C1",
                                        order_date=day("2025-01-10"), currency="CNY",
                                        amount=D("100.00"))
    services.delivery_post(order=order, number="DL-C1", delivery_date=day("2025-01-12"),
                           amount=D("30.00"))
    assert _exposure(customer)[:2] == (D("70.00"), D("30.00"))
    _rejects(lambda: services.sales_order_close(order=order, on=day("2025-01-20")),
             "status", "Invoice the delivered goods first (30.00 CNY delivered, not invoiced).")
    services.invoice_post(customer=customer, number="INV-C1", invoice_date=day("2025-01-15"),
                          currency="CNY", amount=D("30.00"), order=order)
    _rejects(lambda: services.sales_order_close(order=order, on=day("2025-01-09")),
             "closed_on", "An order cannot be closed before its date.")
    services.sales_order_close(order=order, on=day("2025-01-20"))
    order.refresh_from_db()
    assert (order.status, order.closed_on) == ("closed", day("2025-01-20"))
    assert _exposure(customer)[:2] == (D("0"), D("0"))  # the 70 not shipped no longer counts
    assert exposure_snapshot(customer=customer).open_receivables == D("30.00")
    assert BusinessEvent.objects.filter(name="receivables.sales_order.closed").count() == 1
    _rejects(lambda: services.sales_order_close(order=order, on=day("2025-01-21")),
             "status", "The order is already closed or cancelled.")
    _rejects(lambda: services.delivery_post(order=order, number="DL-C2",
                                            delivery_date=day("2025-01-22"), amount=D("1.00")),
             "order", "Only open or partly delivered orders can be delivered.")
    assert services.exposure_reconcile() == []


def test_held_blocked_rejected_orders_leave_open_orders(customer):
    order = services.sales_order_create(customer=customer, number="SO-6",
                                        order_date=day("2025-01-10"), currency="CNY",
                                        amount=D("100.00"))
    for status, counted in [("hold", D("0")), ("released", D("100.00")), ("block", D("0")),
                            ("approved", D("100.00")), ("rejected", D("0"))]:
        services.sales_order_set_credit_status(order=order, status=status)
        assert exposure_snapshot(customer=customer).open_orders == counted
    order.refresh_from_db()
    assert order.credit_status == "rejected"
    assert services.exposure_reconcile() == []
    with pytest.raises(ValidationError) as info:
        services.sales_order_set_credit_status(order=order, status="maybe")
    assert info.value.message_dict["credit_status"] == ["Unknown credit status."]


def test_invoice_cancel_restores_exposure_and_order(customer, terms):
    order = services.sales_order_create(customer=customer, number="SO-7",
                                        order_date=day("2025-01-10"), currency="CNY",
                                        amount=D("100.00"))
    invoice = services.invoice_post(customer=customer, number="INV-7",
                                    invoice_date=day("2025-01-10"), currency="CNY",
                                    amount=D("100.00"), order=order,
                                    payment_terms=terms["split"])
    assert _exposure(customer) == (D("0"), D("0"), D("100.00"))
    _rejects(lambda: services.invoice_cancel(invoice=invoice, on=day("2025-01-09")),
             "cancelled_on", "An invoice cannot be cancelled before its date.")
    services.invoice_cancel(invoice=invoice, on=day("2025-01-20"))
    invoice.refresh_from_db()
    order.refresh_from_db()
    assert (invoice.status, invoice.cancelled_on) == ("cancelled", day("2025-01-20"))
    assert (order.status, order.invoiced_amount) == ("open", D("0.00"))
    assert _exposure(customer) == (D("100.00"), D("0"), D("0"))
    assert not OpenItemDue.objects.exists()
    assert services.exposure_reconcile() == []
    _rejects(lambda: services.invoice_cancel(invoice=invoice, on=day("2025-01-21")),
             "status", "The invoice is already cancelled.")


def test_fx_rate_set_and_lookup(acting):
    from credo.receivables.selectors import fx_rate

    services.fx_rate_set(currency="USD", rate_date=day("2025-01-01"), rate=D("7.1"))
    services.fx_rate_set(currency="USD", rate_date=day("2025-01-01"), rate=D("7.15"))
    assert FxRate.objects.get().rate == D("7.15")  # corrected, not duplicated
    assert fx_rate("USD", day("2025-06-30")) == D("7.15")
    assert fx_rate("CNY", day("2000-01-01")) == D("1")
    with pytest.raises(ValidationError) as info:
        services.fx_rate_set(currency="CNY", rate_date=day("2025-01-01"), rate=D("1"))
    assert info.value.message_dict["currency"] == ["The company currency needs no FX rate."]
    with pytest.raises(ValidationError) as info:
        services.fx_rate_set(currency="USD", rate_date=day("2025-01-02"), rate=D("-1"))
    assert info.value.message_dict["fx_rate"] == ["The FX rate must be above zero."]
    assert FxRate.objects.count() == 1


def test_exposure_row_created_on_first_use(customer):
    assert not CustomerExposure.objects.filter(customer=customer).exists()
    snap = exposure_snapshot(customer=customer)
    assert snap.open_receivables == D("0") and snap.oldest_overdue_days is None
    services.payment_post(customer=customer, number="P-1", payment_date=day("2025-01-01"),
                          currency="CNY", amount=D("5.00"))
    assert CustomerExposure.objects.filter(customer=customer).exists()
