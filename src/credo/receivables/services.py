"""Writes to the receivables ledger.

Every service is keyword-only and atomic, validates before writing anything, logs the change
(core ``model_*`` helpers), emits a typed ``receivables.*`` business event, and updates the
customer's exposure aggregates (``CustomerExposure``, ``OpenItemDue``) in the same transaction.

Concurrency: each service first locks the customer's ``CustomerExposure`` row (created on first
use), so all writes for one customer are serialised and the ledger reads that validate a write
(unapplied cash, open amount of an item) cannot race. Document rows are locked after it, always
in that order, so writers do not deadlock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from credo.core.services import business_event_emit, model_create, model_update
from credo.customers.choices import Currency
from credo.customers.models import Customer

from .choices import (
    CREDIT_STATUSES_NOT_COUNTED,
    ORDER_STATUSES_OPEN,
    CreditStatus,
    InvoiceStatus,
    OrderStatus,
    SecurityKind,
    TermsKind,
)
from .models import (
    Allocation,
    CreditNote,
    CustomerExposure,
    Delivery,
    Dispute,
    FxRate,
    Invoice,
    InvoiceInstalment,
    OpenItemDue,
    Payment,
    PaymentTerms,
    SalesOrder,
    Security,
    WriteOff,
)
from .selectors import (
    cents,
    company_currency,
    credit_note_unapplied,
    fx_rate,
    instalment_disputed,
    instalment_outstanding,
    payment_unapplied,
)
from .terms import instalment_schedule

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
EXPOSURE_BUCKETS = (
    "open_orders", "delivered_not_invoiced", "open_receivables", "disputed", "secured",
)


# --- validation helpers -------------------------------------------------------------------


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _customer(value: Customer | int | None) -> Customer:
    """Resolve a customer instance or id; an unknown customer is a validation error."""
    pk = value.pk if isinstance(value, Customer) else value
    customer = Customer.objects.filter(pk=pk).first() if pk is not None else None
    if customer is None:
        raise _fail("customer", _("Unknown customer."))
    return customer


def _amount(value: Any, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """A positive money amount with at most two decimals (zero only when allowed)."""
    try:
        amount = Decimal(str(value)) if value is not None else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise _fail(field, _("Enter an amount."))
    if amount < 0 or (amount == 0 and not allow_zero):
        raise _fail(field, _("The amount must be above zero."))
    if amount != amount.quantize(CENT):
        raise _fail(field, _("Amounts have at most two decimal places."))
    return amount.quantize(CENT)


def _date(value: Any, field: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _fail(field, _("Enter a date."))
    return value


def _currency(value: str) -> str:
    if value not in Currency.values:
        raise _fail("currency", _("Unknown currency %(currency)s.") % {"currency": value})
    return value


def _rate(currency: str, on: dt.date, given: Any) -> Decimal:
    """The FX rate of a document: the one given, else the table's rate on the document date."""
    if given is None:
        return fx_rate(currency, on)
    try:
        rate = Decimal(str(given))
    except (InvalidOperation, ValueError):
        raise _fail("fx_rate", _("Enter an FX rate.")) from None
    if not rate.is_finite() or rate <= 0:
        raise _fail("fx_rate", _("The FX rate must be above zero."))
    if currency == company_currency() and rate != 1:
        raise _fail("fx_rate", _("The company currency has an FX rate of 1."))
    return rate


def _to_company(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


# --- exposure maintenance -----------------------------------------------------------------


def _lock_exposure(customer_id: int) -> CustomerExposure:
    """Lock (creating on first use) the customer's exposure row: serialises its writers."""
    row = CustomerExposure.objects.select_for_update().filter(customer_id=customer_id).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return CustomerExposure.objects.create(customer_id=customer_id)
    except IntegrityError:  # another writer created it first; its insert lock made us wait
        return CustomerExposure.objects.select_for_update().get(customer_id=customer_id)


def _bump(customer_id: int, **deltas: Decimal) -> None:
    """Add ``deltas`` to the (already locked) exposure row with F() updates."""
    changes: dict[str, Any] = {
        name: F(name) + delta for name, delta in deltas.items() if delta
    }
    if changes:
        changes["updated_at"] = timezone.now()
        CustomerExposure.objects.filter(customer_id=customer_id).update(**changes)


def _bump_due(customer_id: int, due_date: dt.date, delta: Decimal) -> None:
    """Add ``delta`` to the open amount due on ``due_date``; rows at zero are removed."""
    if not delta:
        return
    row = (
        OpenItemDue.objects.select_for_update()
        .filter(customer_id=customer_id, due_date=due_date)
        .first()
    )
    if row is None:
        OpenItemDue.objects.create(customer_id=customer_id, due_date=due_date, amount=delta)
    elif row.amount + delta == 0:
        row.delete()
    else:
        OpenItemDue.objects.filter(pk=row.pk).update(amount=F("amount") + delta)


def order_exposure(order: SalesOrder) -> tuple[Decimal, Decimal]:
    """(open orders, delivered not invoiced) of one order in the company currency.

    Open orders: the part neither delivered nor invoiced, while the order is open or partly
    delivered and its credit status lets it ship. Delivered not invoiced: delivered minus
    invoiced, while the order is not cancelled or closed.
    """
    if order.status in (OrderStatus.CANCELLED, OrderStatus.CLOSED):
        return ZERO, ZERO
    open_part = ZERO
    if (
        order.status in ORDER_STATUSES_OPEN
        and order.credit_status not in CREDIT_STATUSES_NOT_COUNTED
    ):
        open_part = max(order.amount - max(order.delivered_amount, order.invoiced_amount), ZERO)
    not_invoiced = max(order.delivered_amount - order.invoiced_amount, ZERO)
    return _to_company(open_part, order.fx_rate), _to_company(not_invoiced, order.fx_rate)


def _order_status(order: SalesOrder) -> str:
    if order.status in (OrderStatus.CANCELLED, OrderStatus.CLOSED):
        return order.status
    if order.invoiced_amount >= order.amount:
        return OrderStatus.INVOICED
    if order.delivered_amount > 0 or order.invoiced_amount > 0:
        return OrderStatus.PARTLY_DELIVERED
    return OrderStatus.OPEN


def _order_change(order: SalesOrder, data: dict[str, Any]) -> None:
    """Update a locked order and move its exposure by the difference."""
    before = order_exposure(order)
    # Work out the new status on a copy: model_update must see the old values to log the change.
    fields = order._meta.concrete_fields
    preview = SalesOrder(**{field.attname: getattr(order, field.attname) for field in fields})
    for name, value in data.items():
        setattr(preview, name, value)
    data["status"] = _order_status(preview)
    model_update(instance=order, data=data, customer_id_attr="customer_id")
    after = order_exposure(order)
    _bump(
        order.customer_id,
        open_orders=after[0] - before[0],
        delivered_not_invoiced=after[1] - before[1],
    )


def _lock_order(order: SalesOrder) -> SalesOrder:
    _lock_exposure(order.customer_id)
    return SalesOrder.objects.select_for_update().get(pk=order.pk)


# --- master data --------------------------------------------------------------------------


@transaction.atomic
def payment_terms_create(
    *, code: str, name: str, kind: str, days: int = 0, instalments: list | None = None
) -> PaymentTerms:
    """Create a payment-terms template (net N, EOM+N, or instalments with percentages)."""
    if kind not in TermsKind.values:
        raise _fail("kind", _("Unknown payment terms kind."))
    terms = model_create(
        model=PaymentTerms,
        data={"code": code, "name": name, "kind": kind, "days": days,
              "instalments": instalments or []},
        customer_id_attr=None,
    )
    business_event_emit(
        name="receivables.payment_terms.created", customer_id=None, payload={"code": code}
    )
    return terms


@transaction.atomic
def fx_rate_set(*, currency: str, rate_date: dt.date, rate: Decimal) -> FxRate:
    """Record (or correct) the rate of ``currency`` on ``rate_date`` in company-currency units.

    Correcting a rate does not revalue documents already posted: they keep their own rate.
    """
    _currency(currency)
    _date(rate_date, "rate_date")
    if currency == company_currency():
        raise _fail("currency", _("The company currency needs no FX rate."))
    value = _rate(currency, rate_date, rate)
    existing = FxRate.objects.select_for_update().filter(
        currency=currency, rate_date=rate_date
    ).first()
    if existing is None:
        record = model_create(
            model=FxRate,
            data={"currency": currency, "rate_date": rate_date, "rate": value},
            customer_id_attr=None,
        )
    else:
        model_update(instance=existing, data={"rate": value}, customer_id_attr=None)
        record = existing
    business_event_emit(
        name="receivables.fx_rate.set", customer_id=None,
        payload={"currency": currency, "rate_date": rate_date, "rate": value},
    )
    return record


@transaction.atomic
def security_add(
    *,
    customer: Customer | int,
    kind: str,
    amount: Any,
    currency: str,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    description: str = "",
    fx_rate: Any = None,
) -> Security:
    """Record collateral, a guarantee or credit insurance: the secured part of the exposure."""
    owner = _customer(customer)
    if kind not in SecurityKind.values:
        raise _fail("kind", _("Unknown kind of security."))
    value = _amount(amount)
    _currency(currency)
    _date(valid_from, "valid_from")
    if valid_until is not None and _date(valid_until, "valid_until") < valid_from:
        raise _fail("valid_until", _("The end of validity cannot be before its start."))
    rate = _rate(currency, valid_from, fx_rate)
    _lock_exposure(owner.pk)
    security = model_create(
        model=Security,
        data={"customer": owner, "kind": kind, "amount": value, "currency": currency,
              "fx_rate": rate, "amount_company": _to_company(value, rate),
              "valid_from": valid_from, "valid_until": valid_until,
              "description": description},
        customer_id_attr="customer_id",
    )
    _bump(owner.pk, secured=security.amount_company)
    business_event_emit(
        name="receivables.security.added", customer_id=owner.pk,
        payload={"kind": kind, "amount": value, "currency": currency},
    )
    return security


# --- orders and deliveries ----------------------------------------------------------------


@transaction.atomic
def sales_order_create(
    *,
    customer: Customer | int,
    number: str,
    order_date: dt.date,
    currency: str,
    amount: Any,
    payment_terms: PaymentTerms | None = None,
    fx_rate: Any = None,
) -> SalesOrder:
    """Record a sales order; its amount counts as open orders until delivered or invoiced."""
    owner = _customer(customer)
    value = _amount(amount)
    _currency(currency)
    _date(order_date, "order_date")
    rate = _rate(currency, order_date, fx_rate)
    _lock_exposure(owner.pk)
    order = model_create(
        model=SalesOrder,
        data={"customer": owner, "number": number, "order_date": order_date,
              "currency": currency, "amount": value, "fx_rate": rate,
              "amount_company": _to_company(value, rate), "payment_terms": payment_terms},
        customer_id_attr="customer_id",
    )
    open_orders, _not_invoiced = order_exposure(order)
    _bump(owner.pk, open_orders=open_orders)
    business_event_emit(
        name="receivables.sales_order.created", customer_id=owner.pk,
        payload={"number": number, "amount": value, "currency": currency},
    )
    return order


@transaction.atomic
def sales_order_cancel(*, order: SalesOrder) -> SalesOrder:
    """Cancel an order that nothing was delivered or invoiced against."""
    locked = _lock_order(order)
    if locked.status == OrderStatus.CANCELLED:
        raise _fail("status", _("The order is already cancelled."))
    if locked.delivered_amount or locked.invoiced_amount:
        raise _fail(
            "status", _("An order with deliveries or invoices cannot be cancelled.")
        )
    _order_change(locked, {"status": OrderStatus.CANCELLED})
    business_event_emit(
        name="receivables.sales_order.cancelled", customer_id=locked.customer_id,
        payload={"number": locked.number},
    )
    return locked


@transaction.atomic
def sales_order_close(*, order: SalesOrder, on: dt.date) -> SalesOrder:
    """Close an order short: what is not yet delivered will not ship, so it leaves the
    open-orders exposure. Goods delivered but not invoiced must be invoiced first."""
    _date(on, "closed_on")
    locked = _lock_order(order)
    if locked.status in (OrderStatus.CANCELLED, OrderStatus.CLOSED):
        raise _fail("status", _("The order is already closed or cancelled."))
    if on < locked.order_date:
        raise _fail("closed_on", _("An order cannot be closed before its date."))
    not_invoiced = locked.delivered_amount - locked.invoiced_amount
    if not_invoiced > 0:
        raise _fail(
            "status",
            _("Invoice the delivered goods first (%(amount)s %(currency)s delivered, not "
              "invoiced).") % {"amount": not_invoiced, "currency": locked.currency},
        )
    _order_change(locked, {"status": OrderStatus.CLOSED, "closed_on": on})
    business_event_emit(
        name="receivables.sales_order.closed", customer_id=locked.customer_id,
        payload={"number": locked.number, "on": on},
    )
    return locked


@transaction.atomic
def sales_order_set_credit_status(
    *, order: SalesOrder, status: str, valid_until: dt.date | None = None
) -> SalesOrder:
    """Set the order's credit status (from the credit check or a release/reject decision).

    Held, blocked and rejected orders leave the open-orders exposure; others count again.
    ``valid_until`` is kept only with a release: the last day the order may ship on it.
    """
    if status not in CreditStatus.values:
        raise _fail("credit_status", _("Unknown credit status."))
    locked = _lock_order(order)
    previous = locked.credit_status
    _order_change(locked, {
        "credit_status": status,
        "credit_valid_until": valid_until if status == CreditStatus.RELEASED else None,
    })
    business_event_emit(
        name="receivables.sales_order.credit_status_set", customer_id=locked.customer_id,
        payload={"number": locked.number, "from": previous, "to": status},
    )
    return locked


@transaction.atomic
def delivery_post(
    *, order: SalesOrder, number: str, delivery_date: dt.date, amount: Any
) -> Delivery:
    """Record a delivery: moves its value from open orders to delivered-not-invoiced."""
    value = _amount(amount)
    _date(delivery_date, "delivery_date")
    locked = _lock_order(order)
    if locked.status not in ORDER_STATUSES_OPEN:
        raise _fail("order", _("Only open or partly delivered orders can be delivered."))
    if delivery_date < locked.order_date:
        raise _fail("delivery_date", _("A delivery cannot be dated before its order."))
    if locked.credit_status in CREDIT_STATUSES_NOT_COUNTED:
        raise _fail(
            "order",
            _("The order's credit status is “%(status)s”: it may not ship until it "
              "is released.") % {"status": locked.get_credit_status_display()},
        )
    if (
        locked.credit_status == CreditStatus.RELEASED
        and locked.credit_valid_until is not None
        and delivery_date > locked.credit_valid_until
    ):
        raise _fail(
            "delivery_date",
            _("The release of this order was valid until %(date)s: recheck the order first.")
            % {"date": locked.credit_valid_until.isoformat()},
        )
    if locked.delivered_amount + value > locked.amount:
        raise _fail(
            "amount",
            _("Deliveries would exceed the order amount (%(remaining)s left to deliver).")
            % {"remaining": locked.amount - locked.delivered_amount},
        )
    delivery = model_create(
        model=Delivery,
        data={"order": locked, "number": number, "delivery_date": delivery_date,
              "amount": value},
        customer_id_attr="customer_pk",
    )
    _order_change(locked, {"delivered_amount": locked.delivered_amount + value})
    business_event_emit(
        name="receivables.delivery.posted", customer_id=locked.customer_id,
        payload={"number": number, "order": locked.number, "amount": value},
    )
    return delivery


# --- invoices -----------------------------------------------------------------------------


@transaction.atomic
def invoice_post(
    *,
    customer: Customer | int,
    number: str,
    invoice_date: dt.date,
    currency: str,
    amount: Any,
    order: SalesOrder | None = None,
    payment_terms: PaymentTerms | None = None,
    fx_rate: Any = None,
) -> Invoice:
    """Post an invoice and its open items (due dates from the payment terms).

    Without terms (on the invoice or its order) the invoice is due on its date. An invoice
    against an order moves that value out of the order's exposure.
    """
    owner = _customer(customer)
    value = _amount(amount)
    _currency(currency)
    _date(invoice_date, "invoice_date")
    rate = _rate(currency, invoice_date, fx_rate)
    _lock_exposure(owner.pk)
    locked_order = None
    if order is not None:
        locked_order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        if locked_order.customer_id != owner.pk:
            raise _fail("order", _("The order belongs to another customer."))
        if locked_order.currency != currency:
            raise _fail("currency", _("The invoice must be in the order's currency."))
        if locked_order.status == OrderStatus.CANCELLED:
            raise _fail("order", _("A cancelled order cannot be invoiced."))
        if invoice_date < locked_order.order_date:
            raise _fail("invoice_date", _("An invoice cannot be dated before its order."))
        if locked_order.invoiced_amount + value > locked_order.amount:
            raise _fail(
                "amount",
                _("Invoices would exceed the order amount (%(remaining)s left to invoice).")
                % {"remaining": locked_order.amount - locked_order.invoiced_amount},
            )
        payment_terms = payment_terms or locked_order.payment_terms
    amount_company = _to_company(value, rate)
    invoice = model_create(
        model=Invoice,
        data={"customer": owner, "number": number, "order": locked_order,
              "invoice_date": invoice_date, "currency": currency, "amount": value,
              "fx_rate": rate, "amount_company": amount_company,
              "payment_terms": payment_terms},
        customer_id_attr="customer_id",
    )
    if payment_terms is None:
        schedule = [(invoice_date, value)]
    else:
        schedule = instalment_schedule(
            kind=payment_terms.kind, days=payment_terms.days,
            instalments=payment_terms.instalments, invoice_date=invoice_date, amount=value,
        )
    company_left = amount_company
    for sequence, (due_date, part) in enumerate(schedule, start=1):
        # The last instalment takes the rounding remainder in the company currency too.
        part_company = company_left if sequence == len(schedule) else _to_company(part, rate)
        company_left -= part_company
        InvoiceInstalment.objects.create(
            invoice=invoice, sequence=sequence, due_date=due_date, amount=part,
            amount_company=part_company,
        )
        _bump_due(owner.pk, due_date, part_company)
    _bump(owner.pk, open_receivables=amount_company)
    if locked_order is not None:
        _order_change(
            locked_order, {"invoiced_amount": locked_order.invoiced_amount + value}
        )
    business_event_emit(
        name="receivables.invoice.posted", customer_id=owner.pk,
        payload={"number": number, "amount": value, "currency": currency,
                 "instalments": len(schedule)},
    )
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, on: dt.date) -> Invoice:
    """Cancel an open invoice that has no allocations, write-offs or open disputes."""
    _date(on, "cancelled_on")
    _lock_exposure(invoice.customer_id)
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status == InvoiceStatus.CANCELLED:
        raise _fail("status", _("The invoice is already cancelled."))
    if on < locked.invoice_date:
        raise _fail("cancelled_on", _("An invoice cannot be cancelled before its date."))
    if Allocation.objects.filter(instalment__invoice=locked).live().exists():
        raise _fail(
            "status",
            _("The invoice has payments or credit notes allocated: reverse them first."),
        )
    if WriteOff.objects.filter(instalment__invoice=locked).exists():
        raise _fail("status", _("A partly written-off invoice cannot be cancelled."))
    if Dispute.objects.filter(instalment__invoice=locked, resolved_on__isnull=True).exists():
        raise _fail("status", _("Resolve the open disputes of the invoice first."))
    for instalment in locked.instalments.all():
        _bump_due(locked.customer_id, instalment.due_date, -instalment.amount_company)
    _bump(locked.customer_id, open_receivables=-locked.amount_company)
    model_update(
        instance=locked, data={"status": InvoiceStatus.CANCELLED, "cancelled_on": on},
        customer_id_attr="customer_id",
    )
    if locked.order_id is not None:
        order = SalesOrder.objects.select_for_update().get(pk=locked.order_id)
        _order_change(order, {"invoiced_amount": order.invoiced_amount - locked.amount})
    business_event_emit(
        name="receivables.invoice.cancelled", customer_id=locked.customer_id,
        payload={"number": locked.number, "on": on},
    )
    return locked


def _invoice_status_refresh(invoice_id: int) -> None:
    """Paid / written off once nothing is open, open again after a reversal."""
    invoice = Invoice.objects.get(pk=invoice_id)
    if invoice.status == InvoiceStatus.CANCELLED:
        return
    open_total = ZERO
    for instalment in invoice.instalments.all():
        open_total += instalment_outstanding(instalment)[0]
    has_write_offs = WriteOff.objects.filter(instalment__invoice=invoice).exists()
    if open_total:
        status = InvoiceStatus.OPEN
    elif has_write_offs:
        status = InvoiceStatus.WRITTEN_OFF
    else:
        status = InvoiceStatus.PAID
    model_update(instance=invoice, data={"status": status}, customer_id_attr="customer_id")


def _lock_instalment(instalment: InvoiceInstalment) -> InvoiceInstalment:
    """Lock the customer's exposure, then the open item (fresh, with its invoice)."""
    customer_id = Invoice.objects.values_list("customer_id", flat=True).get(
        pk=instalment.invoice_id
    )
    _lock_exposure(customer_id)
    locked = InvoiceInstalment.objects.select_for_update().get(pk=instalment.pk)
    locked.invoice = Invoice.objects.get(pk=locked.invoice_id)
    if locked.invoice.status == InvoiceStatus.CANCELLED:
        raise _fail("instalment", _("The invoice is cancelled."))
    return locked


def _reduce_open_item(
    instalment: InvoiceInstalment, amount: Decimal, field: str
) -> tuple[Decimal, Decimal]:
    """Check ``amount`` against the open amount; return it with its company-currency value."""
    open_amount, open_company = instalment_outstanding(instalment)
    if amount > open_amount:
        raise _fail(
            field,
            _("The amount exceeds the open amount of the item (%(open)s %(currency)s).")
            % {"open": open_amount, "currency": instalment.invoice.currency},
        )
    if amount == open_amount:
        return amount, open_company
    return amount, min(_to_company(amount, instalment.invoice.fx_rate), open_company)


def _open_item_moved(instalment: InvoiceInstalment, company_delta: Decimal) -> None:
    customer_id = instalment.invoice.customer_id
    _bump(customer_id, open_receivables=company_delta)
    _bump_due(customer_id, instalment.due_date, company_delta)


# --- credit notes, payments, allocations --------------------------------------------------


@transaction.atomic
def payment_post(
    *,
    customer: Customer | int,
    number: str,
    payment_date: dt.date,
    currency: str,
    amount: Any,
    fx_rate: Any = None,
) -> Payment:
    """Record cash received; it stays unapplied until allocated to open items."""
    owner = _customer(customer)
    value = _amount(amount)
    _currency(currency)
    _date(payment_date, "payment_date")
    rate = _rate(currency, payment_date, fx_rate)
    _lock_exposure(owner.pk)
    payment = model_create(
        model=Payment,
        data={"customer": owner, "number": number, "payment_date": payment_date,
              "currency": currency, "amount": value, "fx_rate": rate,
              "amount_company": _to_company(value, rate)},
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name="receivables.payment.posted", customer_id=owner.pk,
        payload={"number": number, "amount": value, "currency": currency},
    )
    return payment


@transaction.atomic
def credit_note_post(
    *,
    customer: Customer | int,
    number: str,
    note_date: dt.date,
    currency: str,
    amount: Any,
    reason: str,
    invoice: Invoice | None = None,
    fx_rate: Any = None,
) -> CreditNote:
    """Record a credit note; with an invoice it is allocated to that invoice's open items
    (earliest due first) as far as they are open, the rest stays unapplied."""
    owner = _customer(customer)
    value = _amount(amount)
    _currency(currency)
    _date(note_date, "note_date")
    if not (reason or "").strip():
        raise _fail("reason", _("Give the reason for the credit note."))
    rate = _rate(currency, note_date, fx_rate)
    _lock_exposure(owner.pk)
    if invoice is not None:
        invoice = Invoice.objects.get(pk=invoice.pk)
        if invoice.customer_id != owner.pk:
            raise _fail("invoice", _("The invoice belongs to another customer."))
        if invoice.currency != currency:
            raise _fail("currency", _("The credit note must be in the invoice's currency."))
        if invoice.status == InvoiceStatus.CANCELLED:
            raise _fail("invoice", _("The invoice is cancelled."))
        if note_date < invoice.invoice_date:
            raise _fail("note_date", _("A credit note cannot be dated before its invoice."))
    note = model_create(
        model=CreditNote,
        data={"customer": owner, "number": number, "note_date": note_date,
              "currency": currency, "amount": value, "fx_rate": rate,
              "amount_company": _to_company(value, rate), "invoice": invoice,
              "reason": reason},
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name="receivables.credit_note.posted", customer_id=owner.pk,
        payload={"number": number, "amount": value, "currency": currency},
    )
    if invoice is not None:
        left = value
        for instalment in invoice.instalments.order_by("due_date", "sequence"):
            open_amount = instalment_outstanding(instalment)[0]
            part = min(left, open_amount)
            if part > 0:
                allocation_create(credit_note=note, instalment=instalment, amount=part,
                                  on=note_date)
                left -= part
            if not left:
                break
    return note


@transaction.atomic
def allocation_create(
    *,
    payment: Payment | None = None,
    credit_note: CreditNote | None = None,
    instalment: InvoiceInstalment,
    amount: Any,
    on: dt.date,
) -> Allocation:
    """Apply part of a payment or credit note to one open item (partial allowed).

    Rejected: both or neither source, another customer's document, another currency, an
    allocation dated before either document, more than the source's unapplied amount or more
    than the item's open amount.
    """
    if (payment is None) == (credit_note is None):
        raise _fail("payment", _("Allocate either a payment or a credit note."))
    value = _amount(amount)
    _date(on, "allocation_date")
    locked_item = _lock_instalment(instalment)
    invoice = locked_item.invoice
    source: Payment | CreditNote
    if payment is not None:
        source = Payment.objects.select_for_update().get(pk=payment.pk)
        source_date, unapplied = source.payment_date, payment_unapplied(source)
        source_field = "payment"
    else:
        assert credit_note is not None
        source = CreditNote.objects.select_for_update().get(pk=credit_note.pk)
        source_date, unapplied = source.note_date, credit_note_unapplied(source)
        source_field = "credit_note"
    if source.customer_id != invoice.customer_id:
        raise _fail(source_field, _("The document and the invoice belong to different customers."))
    if source.currency != invoice.currency:
        raise _fail(
            "currency",
            _("Currency mismatch: the %(document)s is in %(source)s, the invoice in %(invoice)s.")
            % {"document": source._meta.verbose_name, "source": source.currency,
               "invoice": invoice.currency},
        )
    if on < source_date or on < invoice.invoice_date:
        raise _fail(
            "allocation_date",
            _("An allocation cannot be dated before the payment, credit note or invoice."),
        )
    if value > unapplied:
        raise _fail(
            "amount",
            _("The amount exceeds the unapplied part of the document (%(unapplied)s).")
            % {"unapplied": unapplied},
        )
    value, value_company = _reduce_open_item(locked_item, value, "amount")
    allocation = model_create(
        model=Allocation,
        data={"payment": source if payment is not None else None,
              "credit_note": source if credit_note is not None else None,
              "instalment": locked_item, "allocation_date": on, "amount": value,
              "amount_company": value_company},
        customer_id_attr="customer_pk",
    )
    _open_item_moved(locked_item, -value_company)
    _invoice_status_refresh(invoice.pk)
    business_event_emit(
        name="receivables.allocation.created", customer_id=invoice.customer_id,
        payload={"source": source.number, "invoice": invoice.number,
                 "sequence": locked_item.sequence, "amount": value},
    )
    return allocation


@transaction.atomic
def allocation_reverse(*, allocation: Allocation, on: dt.date | None = None) -> Allocation:
    """Undo an allocation from ``on`` (default today): the item is open again, the payment or
    credit note unapplied.

    The original stays; a reversal entry with the negated amounts is dated ``on``, so the
    history (ageing as of an earlier day) still shows the item as paid until then.
    """
    on = timezone.localdate() if on is None else on
    _date(on, "reversal_date")
    locked_item = _lock_instalment(allocation.instalment)
    locked = Allocation.objects.select_for_update().filter(pk=allocation.pk).first()
    if locked is None:
        raise _fail("allocation", _("The allocation no longer exists."))
    if locked.reverses_id is not None:
        raise _fail("allocation", _("A reversal entry cannot itself be reversed."))
    if Allocation.objects.filter(reverses=locked).exists():
        raise _fail("allocation", _("The allocation is already reversed."))
    if on < locked.allocation_date:
        raise _fail("reversal_date",
                    _("A reversal cannot be dated before the allocation it reverses."))
    source = locked.payment or locked.credit_note
    assert source is not None
    reversal = model_create(
        model=Allocation,
        data={"payment": locked.payment, "credit_note": locked.credit_note,
              "instalment": locked_item, "allocation_date": on, "amount": -locked.amount,
              "amount_company": -locked.amount_company, "reverses": locked},
        customer_id_attr="customer_pk",
    )
    _open_item_moved(locked_item, locked.amount_company)
    _invoice_status_refresh(locked_item.invoice_id)
    business_event_emit(
        name="receivables.allocation.reversed", customer_id=locked_item.invoice.customer_id,
        payload={"source": source.number, "invoice": locked_item.invoice.number,
                 "amount": locked.amount, "on": on},
    )
    return reversal


# --- write-offs and disputes --------------------------------------------------------------


@transaction.atomic
def write_off_post(
    *, instalment: InvoiceInstalment, amount: Any, on: dt.date, reason: str
) -> WriteOff:
    """Write off (part of) an open item as uncollectable."""
    value = _amount(amount)
    _date(on, "write_off_date")
    if not (reason or "").strip():
        raise _fail("reason", _("Give the reason for the write-off."))
    locked_item = _lock_instalment(instalment)
    if on < locked_item.invoice.invoice_date:
        raise _fail("write_off_date", _("A write-off cannot be dated before its invoice."))
    value, value_company = _reduce_open_item(locked_item, value, "amount")
    write_off = model_create(
        model=WriteOff,
        data={"instalment": locked_item, "write_off_date": on, "amount": value,
              "amount_company": value_company, "reason": reason},
        customer_id_attr="customer_pk",
    )
    _open_item_moved(locked_item, -value_company)
    _invoice_status_refresh(locked_item.invoice_id)
    business_event_emit(
        name="receivables.write_off.posted", customer_id=locked_item.invoice.customer_id,
        payload={"invoice": locked_item.invoice.number, "sequence": locked_item.sequence,
                 "amount": value},
    )
    return write_off


@transaction.atomic
def dispute_open(
    *, instalment: InvoiceInstalment, amount: Any, reason: str, on: dt.date
) -> Dispute:
    """Flag (part of) an open item as disputed by the customer."""
    value = _amount(amount)
    _date(on, "opened_on")
    if not (reason or "").strip():
        raise _fail("reason", _("Give the reason for the dispute."))
    locked_item = _lock_instalment(instalment)
    if on < locked_item.invoice.invoice_date:
        raise _fail("opened_on", _("A dispute cannot be opened before the invoice date."))
    open_amount, open_company = instalment_outstanding(locked_item)
    undisputed = open_amount - instalment_disputed(locked_item)
    if value > undisputed:
        raise _fail(
            "amount",
            _("The amount exceeds the open, undisputed part of the item (%(open)s).")
            % {"open": undisputed},
        )
    value_company = (
        open_company if value == open_amount
        else min(_to_company(value, locked_item.invoice.fx_rate), open_company)
    )
    dispute = model_create(
        model=Dispute,
        data={"instalment": locked_item, "amount": value, "amount_company": value_company,
              "reason": reason, "opened_on": on},
        customer_id_attr="customer_pk",
    )
    _bump(locked_item.invoice.customer_id, disputed=value_company)
    business_event_emit(
        name="receivables.dispute.opened", customer_id=locked_item.invoice.customer_id,
        payload={"invoice": locked_item.invoice.number, "sequence": locked_item.sequence,
                 "amount": value},
    )
    return dispute


@transaction.atomic
def dispute_resolve(*, dispute: Dispute, on: dt.date, resolution: str) -> Dispute:
    """Close a dispute with its resolution (a credit note or write-off is posted separately)."""
    _date(on, "resolved_on")
    if not (resolution or "").strip():
        raise _fail("resolution", _("Describe how the dispute was resolved."))
    locked_item = _lock_instalment(dispute.instalment)
    locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if locked.resolved_on is not None:
        raise _fail("resolved_on", _("The dispute is already resolved."))
    if on < locked.opened_on:
        raise _fail("resolved_on", _("A dispute cannot be resolved before it was opened."))
    model_update(
        instance=locked, data={"resolved_on": on, "resolution": resolution},
        customer_id_attr="customer_pk",
    )
    _bump(locked_item.invoice.customer_id, disputed=-locked.amount_company)
    business_event_emit(
        name="receivables.dispute.resolved", customer_id=locked_item.invoice.customer_id,
        payload={"invoice": locked_item.invoice.number, "amount": locked.amount},
    )
    return locked


# --- reconcile ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    """A maintained aggregate that differs from the ledger (``due_date`` for OpenItemDue)."""

    customer_id: int
    bucket: str
    maintained: Decimal
    ledger: Decimal
    due_date: dt.date | None = None


def _ledger_exposure() -> tuple[dict[int, dict[str, Decimal]], dict[tuple[int, dt.date], Decimal]]:
    """Every exposure bucket and open amount per due date, recomputed from the documents."""
    buckets: dict[int, dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(EXPOSURE_BUCKETS, ZERO)
    )
    due: dict[tuple[int, dt.date], Decimal] = defaultdict(lambda: ZERO)
    orders = SalesOrder.objects.filter(status__in=list(ORDER_STATUSES_OPEN)).only(
        "customer_id", "status", "credit_status", "amount", "delivered_amount",
        "invoiced_amount", "fx_rate",
    )
    for order in orders.iterator(chunk_size=2000):
        open_orders, not_invoiced = order_exposure(order)
        buckets[order.customer_id]["open_orders"] += open_orders
        buckets[order.customer_id]["delivered_not_invoiced"] += not_invoiced
    live = {"invoice__status__in": [s for s in InvoiceStatus.values if s != "cancelled"]}
    for customer_id, due_date, total in (
        InvoiceInstalment.objects.filter(**live)
        .values_list("invoice__customer_id", "due_date")
        .annotate(total=Sum("amount_company"))
    ):
        due[(customer_id, due_date)] += cents(total)
    for model in (Allocation, WriteOff):
        for customer_id, due_date, total in (
            model.objects.filter(**{f"instalment__{k}": v for k, v in live.items()})
            .values_list("instalment__invoice__customer_id", "instalment__due_date")
            .annotate(total=Sum("amount_company"))
        ):
            due[(customer_id, due_date)] -= cents(total)
    for (customer_id, _due_date), total in due.items():
        buckets[customer_id]["open_receivables"] += total
    for customer_id, total in (
        Dispute.objects.filter(resolved_on__isnull=True)
        .values_list("instalment__invoice__customer_id")
        .annotate(total=Sum("amount_company"))
    ):
        buckets[customer_id]["disputed"] += cents(total)
    for customer_id, total in Security.objects.values_list("customer_id").annotate(
        total=Sum("amount_company")
    ):
        buckets[customer_id]["secured"] += cents(total)
    return buckets, due


@transaction.atomic
def exposure_reconcile(*, fix: bool = False) -> list[Drift]:
    """Recompute every exposure aggregate from the ledger and list the differences.

    With ``fix`` the maintained rows are set to the ledger values. The list should be empty:
    anything else means a write bypassed the services.
    """
    ledger, ledger_due = _ledger_exposure()
    drifts: list[Drift] = []
    maintained = {row.customer_id: row for row in CustomerExposure.objects.select_for_update()}
    for customer_id in sorted(set(ledger) | set(maintained)):
        row = maintained.get(customer_id)
        expected = ledger.get(customer_id) or dict.fromkeys(EXPOSURE_BUCKETS, ZERO)
        wrong = {}
        for bucket in EXPOSURE_BUCKETS:
            actual = getattr(row, bucket) if row is not None else ZERO
            if actual != expected[bucket]:
                drifts.append(Drift(customer_id, bucket, actual, expected[bucket]))
                wrong[bucket] = expected[bucket]
        if fix and wrong:
            CustomerExposure.objects.update_or_create(customer_id=customer_id, defaults=wrong)
    maintained_due = {
        (row.customer_id, row.due_date): row.amount
        for row in OpenItemDue.objects.select_for_update()
    }
    for key in sorted(set(ledger_due) | set(maintained_due)):
        actual = maintained_due.get(key, ZERO)
        expected_due = ledger_due.get(key, ZERO)
        if actual != expected_due:
            drifts.append(
                Drift(key[0], "open_item_due", actual, expected_due, due_date=key[1])
            )
            if fix:
                if expected_due:
                    OpenItemDue.objects.update_or_create(
                        customer_id=key[0], due_date=key[1], defaults={"amount": expected_due}
                    )
                else:
                    OpenItemDue.objects.filter(customer_id=key[0], due_date=key[1]).delete()
    if drifts:
        business_event_emit(
            name="receivables.exposure.drift", customer_id=None,
            payload={"drifts": len(drifts), "fixed": fix},
        )
    return drifts
