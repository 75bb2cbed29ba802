"""Payments, credit notes, allocations, write-offs and disputes, worked by hand."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from credo.core.models import BusinessEvent, ObjectChange
from credo.receivables import services
from credo.receivables.models import Allocation, Dispute, OpenItemDue, WriteOff
from credo.receivables.selectors import (
    credit_note_unapplied,
    exposure_snapshot,
    instalment_outstanding,
    open_items,
    payment_unapplied,
)

from .conftest import D, day

pytestmark = pytest.mark.django_db


def _invoice(customer, number, amount, invoice_date="2025-01-10", **kw):
    return services.invoice_post(customer=customer, number=number,
                                 invoice_date=day(invoice_date), currency=kw.pop("currency", "CNY"),
                                 amount=D(amount), **kw)


def _payment(customer, number, amount, payment_date="2025-02-01", currency="CNY"):
    return services.payment_post(customer=customer, number=number,
                                 payment_date=day(payment_date), currency=currency,
                                 amount=D(amount))


def _state():
    return (
        Allocation.objects.count(), WriteOff.objects.count(), Dispute.objects.count(),
        sorted(OpenItemDue.objects.values_list("due_date", "amount")),
        ObjectChange.objects.filter(object_type__startswith="receivables.").count(),
        BusinessEvent.objects.filter(name__startswith="receivables.").count(),
    )


def _rejects(call, field, message):
    before = _state()
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.message_dict[field] == [message]
    assert _state() == before


def test_partial_allocation_leaves_the_rest_open(customer):
    invoice = _invoice(customer, "INV-1", "1000.00")
    item = invoice.instalments.get()
    payment = _payment(customer, "P-1", "300.00")
    services.allocation_create(payment=payment, instalment=item, amount=D("300.00"),
                               on=day("2025-02-01"))
    assert instalment_outstanding(item) == (D("700.00"), D("700.00"))
    invoice.refresh_from_db()
    assert invoice.status == "open"
    assert exposure_snapshot(customer=customer).open_receivables == D("700.00")
    assert payment_unapplied(payment) == D("0.00")
    assert services.exposure_reconcile() == []


def test_one_payment_to_many_invoices_and_unapplied_cash(customer):
    first = _invoice(customer, "INV-A", "400.00")
    second = _invoice(customer, "INV-B", "250.00", invoice_date="2025-01-20")
    payment = _payment(customer, "P-2", "1000.00")
    services.allocation_create(payment=payment, instalment=first.instalments.get(),
                               amount=D("400.00"), on=day("2025-02-01"))
    services.allocation_create(payment=payment, instalment=second.instalments.get(),
                               amount=D("250.00"), on=day("2025-02-02"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("paid", "paid")
    assert payment_unapplied(payment) == D("350.00")  # unapplied cash
    snap = exposure_snapshot(customer=customer, today=day("2025-03-01"))
    assert (snap.open_receivables, snap.overdue, snap.oldest_overdue_days) == (
        D("0"), D("0"), None
    )
    assert not OpenItemDue.objects.exists()
    assert open_items(customer=customer) == []
    assert services.exposure_reconcile() == []


def test_over_allocation_of_the_payment_is_rejected(customer):
    first = _invoice(customer, "INV-A", "400.00")
    second = _invoice(customer, "INV-B", "400.00")
    payment = _payment(customer, "P-3", "500.00")
    services.allocation_create(payment=payment, instalment=first.instalments.get(),
                               amount=D("400.00"), on=day("2025-02-01"))
    _rejects(
        lambda: services.allocation_create(payment=payment, instalment=second.instalments.get(),
                                           amount=D("100.01"), on=day("2025-02-01")),
        "amount", "The amount exceeds the unapplied part of the document (100.00).",
    )


def test_over_allocation_of_the_open_item_is_rejected(customer, terms):
    invoice = _invoice(customer, "INV-S", "1000.00", payment_terms=terms["split"])
    first, _second = invoice.instalments.order_by("sequence")
    payment = _payment(customer, "P-4", "1000.00")
    _rejects(
        lambda: services.allocation_create(payment=payment, instalment=first,
                                           amount=D("400.01"), on=day("2025-02-01")),
        "amount", "The amount exceeds the open amount of the item (400.00 CNY).",
    )


def test_instalments_paid_one_by_one(customer, terms):
    invoice = _invoice(customer, "INV-S", "1000.00", payment_terms=terms["split"])
    first, second = invoice.instalments.order_by("sequence")
    payment = _payment(customer, "P-5", "1000.00")
    services.allocation_create(payment=payment, instalment=first, amount=D("400.00"),
                               on=day("2025-02-01"))
    snap = exposure_snapshot(customer=customer, today=day("2025-03-20"))
    assert (snap.open_receivables, snap.overdue, snap.oldest_overdue_days) == (
        D("600.00"), D("600.00"), 9  # second item due 10 Jan + 60 days = 11 March
    )
    assert exposure_snapshot(customer=customer, today=day("2025-03-11")).overdue == D("0")
    services.allocation_create(payment=payment, instalment=second, amount=D("600.00"),
                               on=day("2025-02-01"))
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert services.exposure_reconcile() == []


def test_currency_mismatch_is_rejected(customer, usd_rates):
    invoice = _invoice(customer, "INV-C", "100.00")
    payment = _payment(customer, "P-USD", "100.00", currency="USD")
    _rejects(
        lambda: services.allocation_create(payment=payment, instalment=invoice.instalments.get(),
                                           amount=D("10.00"), on=day("2025-02-01")),
        "currency", "Currency mismatch: the payment is in USD, the invoice in CNY.",
    )


def test_allocation_before_the_document_date_is_rejected(customer):
    invoice = _invoice(customer, "INV-D", "100.00", invoice_date="2025-03-01")
    payment = _payment(customer, "P-6", "100.00", payment_date="2025-02-01")
    message = "An allocation cannot be dated before the payment, credit note or invoice."
    for on in ("2025-01-31", "2025-02-15"):  # before the payment, before the invoice
        _rejects(
            lambda on=on: services.allocation_create(
                payment=payment, instalment=invoice.instalments.get(), amount=D("10.00"),
                on=day(on),
            ),
            "allocation_date", message,
        )


def test_allocation_source_rules(customer, make_customer):
    invoice = _invoice(customer, "INV-E", "100.00")
    item = invoice.instalments.get()
    other_payment = _payment(make_customer(), "P-OTHER", "100.00")
    _rejects(lambda: services.allocation_create(instalment=item, amount=D("1.00"),
                                                on=day("2025-02-01")),
             "payment", "Allocate either a payment or a credit note.")
    _rejects(lambda: services.allocation_create(payment=other_payment, instalment=item,
                                                amount=D("1.00"), on=day("2025-02-01")),
             "payment", "The document and the invoice belong to different customers.")
    payment = _payment(customer, "P-7", "100.00")
    _rejects(lambda: services.allocation_create(payment=payment, instalment=item,
                                                amount=D("-1.00"), on=day("2025-02-01")),
             "amount", "The amount must be above zero.")


def test_reversal_reopens_item_and_payment(customer):
    invoice = _invoice(customer, "INV-R", "100.00")
    payment = _payment(customer, "P-8", "100.00")
    allocation = services.allocation_create(payment=payment, instalment=invoice.instalments.get(),
                                            amount=D("100.00"), on=day("2025-02-01"))
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    reversal = services.allocation_reverse(allocation=allocation, on=day("2025-03-01"))
    invoice.refresh_from_db()
    assert invoice.status == "open"
    assert payment_unapplied(payment) == D("100.00")
    assert exposure_snapshot(customer=customer).open_receivables == D("100.00")
    assert services.exposure_reconcile() == []
    assert BusinessEvent.objects.filter(name="receivables.allocation.reversed").count() == 1
    # Nothing is deleted: the original stays, the reversal entry negates it from its date.
    assert (reversal.reverses, reversal.amount, reversal.allocation_date) == (
        allocation, D("-100.00"), day("2025-03-01"))
    assert Allocation.objects.filter(instalment__invoice=invoice).count() == 2
    assert not Allocation.objects.filter(instalment__invoice=invoice).live().exists()


def test_ageing_before_a_reversal_still_sees_the_item_paid(customer):
    from credo.receivables.reports import BY_PORTFOLIO, ageing_report

    invoice = _invoice(customer, "INV-RH", "100.00")  # due 2025-01-10 + terms
    payment = _payment(customer, "P-RH", "100.00")
    allocation = services.allocation_create(payment=payment, instalment=invoice.instalments.get(),
                                            amount=D("100.00"), on=day("2025-02-01"))
    services.allocation_reverse(allocation=allocation, on=day("2025-03-01"))

    def open_on(date):
        return ageing_report(as_of=day(date), by=BY_PORTFOLIO).total.total

    assert open_on("2025-01-31") == D("100.00")  # invoiced, not yet paid
    assert open_on("2025-02-15") == D("0.00")  # paid between allocation and reversal
    assert open_on("2025-03-01") == D("100.00")  # open again from the reversal date


def test_reversing_twice_or_backdated_or_a_reversal_is_rejected(customer):
    invoice = _invoice(customer, "INV-R2", "100.00")
    payment = _payment(customer, "P-R2", "100.00")
    allocation = services.allocation_create(payment=payment, instalment=invoice.instalments.get(),
                                            amount=D("100.00"), on=day("2025-02-01"))
    _rejects(lambda: services.allocation_reverse(allocation=allocation, on=day("2025-01-31")),
             "reversal_date", "A reversal cannot be dated before the allocation it reverses.")
    reversal = services.allocation_reverse(allocation=allocation, on=day("2025-02-02"))
    _rejects(lambda: services.allocation_reverse(allocation=allocation, on=day("2025-02-03")),
             "allocation", "The allocation is already reversed.")
    _rejects(lambda: services.allocation_reverse(allocation=reversal, on=day("2025-02-03")),
             "allocation", "A reversal entry cannot itself be reversed.")
    # The payment can be applied again, and the invoice cancelled once nothing is in force.
    again = services.allocation_create(payment=payment, instalment=invoice.instalments.get(),
                                       amount=D("40.00"), on=day("2025-02-03"))
    assert payment_unapplied(payment) == D("60.00")
    services.allocation_reverse(allocation=again, on=day("2025-02-04"))
    services.invoice_cancel(invoice=invoice, on=day("2025-02-05"))
    invoice.refresh_from_db()
    assert invoice.status == "cancelled"
    assert services.exposure_reconcile() == []


def test_cancelling_an_invoice_with_allocations_is_rejected(customer):
    invoice = _invoice(customer, "INV-F", "100.00")
    payment = _payment(customer, "P-9", "10.00")
    services.allocation_create(payment=payment, instalment=invoice.instalments.get(),
                               amount=D("10.00"), on=day("2025-02-01"))
    _rejects(lambda: services.invoice_cancel(invoice=invoice, on=day("2025-02-02")),
             "status", "The invoice has payments or credit notes allocated: reverse them first.")
    invoice.refresh_from_db()
    assert invoice.status == "open"


def test_allocating_to_a_cancelled_invoice_is_rejected(customer):
    invoice = _invoice(customer, "INV-G", "100.00")
    services.invoice_cancel(invoice=invoice, on=day("2025-01-11"))
    payment = _payment(customer, "P-10", "10.00")
    _rejects(lambda: services.allocation_create(payment=payment,
                                                instalment=invoice.instalments.get(),
                                                amount=D("10.00"), on=day("2025-02-01")),
             "instalment", "The invoice is cancelled.")


def test_credit_note_against_an_invoice_is_allocated(customer, terms):
    invoice = _invoice(customer, "INV-H", "1000.00", payment_terms=terms["split"])
    note = services.credit_note_post(customer=customer, number="CN-1",
                                     note_date=day("2025-01-15"), currency="CNY",
                                     amount=D("500.00"), reason="damaged goods", invoice=invoice)
    first, second = invoice.instalments.order_by("sequence")
    # Earliest due first: 400 closes the first item, 100 goes to the second.
    assert instalment_outstanding(first)[0] == D("0.00")
    assert instalment_outstanding(second)[0] == D("500.00")
    assert credit_note_unapplied(note) == D("0.00")
    assert exposure_snapshot(customer=customer).open_receivables == D("500.00")
    assert services.exposure_reconcile() == []


def test_credit_note_larger_than_the_invoice_keeps_the_rest_unapplied(customer):
    invoice = _invoice(customer, "INV-I", "100.00")
    note = services.credit_note_post(customer=customer, number="CN-2",
                                     note_date=day("2025-01-15"), currency="CNY",
                                     amount=D("150.00"), reason="rebate", invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert credit_note_unapplied(note) == D("50.00")
    other = _invoice(customer, "INV-J", "80.00")
    services.allocation_create(credit_note=note, instalment=other.instalments.get(),
                               amount=D("50.00"), on=day("2025-01-15"))
    assert exposure_snapshot(customer=customer).open_receivables == D("30.00")


def test_credit_note_validation(customer):
    invoice = _invoice(customer, "INV-K", "100.00")
    base = {"customer": customer, "number": "CN-X", "note_date": day("2025-01-15"),
            "currency": "CNY", "amount": D("10.00"), "reason": "x"}
    _rejects(lambda: services.credit_note_post(**{**base, "reason": " "}),
             "reason", "Give the reason for the credit note.")
    _rejects(lambda: services.credit_note_post(**{**base, "note_date": day("2025-01-01")},
                                               invoice=invoice),
             "note_date", "A credit note cannot be dated before its invoice.")
    _rejects(lambda: services.credit_note_post(**{**base, "currency": "EUR", "fx_rate": D("8")},
                                               invoice=invoice),
             "currency", "The credit note must be in the invoice's currency.")


def test_write_off_closes_the_invoice(customer):
    invoice = _invoice(customer, "INV-W", "100.00")
    item = invoice.instalments.get()
    payment = _payment(customer, "P-11", "70.00")
    services.allocation_create(payment=payment, instalment=item, amount=D("70.00"),
                               on=day("2025-02-01"))
    _rejects(lambda: services.write_off_post(instalment=item, amount=D("30.01"),
                                             on=day("2025-06-30"), reason="insolvent"),
             "amount", "The amount exceeds the open amount of the item (30.00 CNY).")
    _rejects(lambda: services.write_off_post(instalment=item, amount=D("30.00"),
                                             on=day("2025-06-30"), reason=""),
             "reason", "Give the reason for the write-off.")
    _rejects(lambda: services.write_off_post(instalment=item, amount=D("30.00"),
                                             on=day("2025-01-01"), reason="insolvent"),
             "write_off_date", "A write-off cannot be dated before its invoice.")
    services.write_off_post(instalment=item, amount=D("30.00"), on=day("2025-06-30"),
                            reason="insolvent")
    invoice.refresh_from_db()
    assert invoice.status == "written_off"
    assert exposure_snapshot(customer=customer).open_receivables == D("0")
    _rejects(lambda: services.invoice_cancel(invoice=invoice, on=day("2025-07-01")),
             "status", "The invoice has payments or credit notes allocated: reverse them first.")
    assert services.exposure_reconcile() == []


def test_dispute_open_and_resolve(customer):
    invoice = _invoice(customer, "INV-X", "100.00")
    item = invoice.instalments.get()
    dispute = services.dispute_open(instalment=item, amount=D("40.00"), reason="short delivery",
                                    on=day("2025-01-20"))
    snap = exposure_snapshot(customer=customer)
    assert (snap.open_receivables, snap.disputed) == (D("100.00"), D("40.00"))
    _rejects(lambda: services.dispute_open(instalment=item, amount=D("60.01"), reason="more",
                                           on=day("2025-01-20")),
             "amount", "The amount exceeds the open, undisputed part of the item (60.00).")
    _rejects(lambda: services.invoice_cancel(invoice=invoice, on=day("2025-01-21")),
             "status", "Resolve the open disputes of the invoice first.")
    _rejects(lambda: services.dispute_resolve(dispute=dispute, on=day("2025-01-19"),
                                              resolution="credit note"),
             "resolved_on", "A dispute cannot be resolved before it was opened.")
    _rejects(lambda: services.dispute_resolve(dispute=dispute, on=day("2025-01-25"),
                                              resolution=""),
             "resolution", "Describe how the dispute was resolved.")
    assert services.exposure_reconcile() == []
    services.dispute_resolve(dispute=dispute, on=day("2025-01-25"),
                             resolution="credit note CN-9 issued")
    assert exposure_snapshot(customer=customer).disputed == D("0")
    _rejects(lambda: services.dispute_resolve(dispute=dispute, on=day("2025-01-26"),
                                              resolution="again"),
             "resolved_on", "The dispute is already resolved.")
    assert services.exposure_reconcile() == []
