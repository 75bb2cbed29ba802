"""Reads of the receivables ledger and of the maintained exposure aggregates."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import DecimalField, Min, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from credo.core import rawsql
from credo.customers.models import Customer

from .models import (
    Allocation,
    CreditNote,
    CustomerExposure,
    Dispute,
    FxRate,
    InvoiceInstalment,
    OpenItemDue,
    Payment,
    Security,
    WriteOff,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """Exact cents: SQLite returns sums of decimals through floats (15 significant digits)."""
    return Decimal(value).quantize(CENT)


def money_sum(field: str) -> Coalesce:
    """SUM of a money column, 0.00 when empty, typed so every backend returns exact cents."""
    return Coalesce(
        Sum(field), ZERO, output_field=DecimalField(max_digits=20, decimal_places=2)
    )


def company_currency() -> str:
    """The currency exposure and metrics are expressed in."""
    return str(settings.CREDO_COMPANY_CURRENCY)


def fx_rate(currency: str, on: dt.date) -> Decimal:
    """Company-currency units per unit of ``currency``: the latest rate on or before ``on``."""
    if currency == company_currency():
        return Decimal("1")
    rate = (
        FxRate.objects.filter(currency=currency, rate_date__lte=on)
        .order_by("-rate_date")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise ValidationError(
            {
                "currency": [
                    _("No FX rate for %(currency)s on or before %(date)s: record one first.")
                    % {"currency": currency, "date": on.isoformat()}
                ]
            }
        )
    return rate


def _sum(queryset: QuerySet, field: str = "amount") -> Decimal:
    return cents(queryset.aggregate(total=money_sum(field))["total"])


def instalment_outstanding(instalment: InvoiceInstalment) -> tuple[Decimal, Decimal]:
    """Open amount of one open item (document currency, company currency)."""
    if instalment.invoice.status == "cancelled":
        return ZERO, ZERO
    allocated = Allocation.objects.filter(instalment=instalment).aggregate(
        amount=money_sum("amount"), company=money_sum("amount_company")
    )
    written = WriteOff.objects.filter(instalment=instalment).aggregate(
        amount=money_sum("amount"), company=money_sum("amount_company")
    )
    return (
        cents(instalment.amount - allocated["amount"] - written["amount"]),
        cents(instalment.amount_company - allocated["company"] - written["company"]),
    )


def instalment_disputed(instalment: InvoiceInstalment) -> Decimal:
    """Amount of an open item under open dispute (document currency)."""
    return _sum(instalment.disputes.filter(resolved_on__isnull=True))


def open_disputed_by_instalment(*, customer: Customer) -> dict[int, Decimal]:
    """Amount under open dispute per open item of the customer, in one query."""
    return dict(
        Dispute.objects.filter(instalment__invoice__customer=customer, resolved_on__isnull=True)
        .values_list("instalment_id")
        .annotate(total=Sum("amount"))
    )


def payment_unapplied(payment: Payment) -> Decimal:
    """The part of a payment not allocated to any open item (unapplied cash)."""
    return payment.amount - _sum(payment.allocations.all())


def credit_note_unapplied(credit_note: CreditNote) -> Decimal:
    """The part of a credit note not allocated to any open item."""
    return credit_note.amount - _sum(credit_note.allocations.all())


def open_items(*, customer: Customer) -> list[tuple[InvoiceInstalment, Decimal]]:
    """The customer's open items with their open amount (document currency), by due date."""
    instalments = (
        InvoiceInstalment.objects.filter(invoice__customer=customer)
        .exclude(invoice__status="cancelled")
        .select_related("invoice")
        .annotate(
            allocated=money_sum("allocations__amount"),
        )
        .order_by("due_date", "invoice__number", "sequence")
    )
    written = dict(
        WriteOff.objects.filter(instalment__invoice__customer=customer)
        .values_list("instalment_id")
        .annotate(total=Sum("amount"))
    )
    result: list[tuple[InvoiceInstalment, Decimal]] = []
    for item in instalments:
        open_amount = cents(item.amount - item.allocated - written.get(item.pk, ZERO))
        if open_amount:
            result.append((item, open_amount))
    return result


@dataclass(frozen=True)
class ExposureSnapshot:
    """Exposure buckets of a customer (or group) in the company currency on one day.

    ``overdue`` and ``disputed`` are parts of ``open_receivables``; ``secured`` reduces exposure.
    """

    customer_id: int
    currency: str
    open_orders: Decimal
    delivered_not_invoiced: Decimal
    open_receivables: Decimal
    overdue: Decimal
    disputed: Decimal
    secured: Decimal
    oldest_overdue_days: int | None

    @property
    def gross(self) -> Decimal:
        """Open orders + delivered not invoiced + open receivables."""
        return self.open_orders + self.delivered_not_invoiced + self.open_receivables

    @property
    def net(self) -> Decimal:
        """Gross exposure less the secured part (never below zero)."""
        return max(self.gross - self.secured, ZERO)


_BUCKETS = ("open_orders", "delivered_not_invoiced", "open_receivables", "disputed", "secured")


def _secured_on(customer_ids: list[int], secured_total: Decimal, today: dt.date) -> Decimal:
    """The maintained total counts every security; those not valid today secure nothing. Most
    customers hold none, so the query only runs when something is secured."""
    if not secured_total:
        return ZERO
    not_valid_today = _sum(
        Security.objects.filter(customer_id__in=customer_ids)
        .exclude(valid_from__lte=today, valid_until__isnull=True)
        .exclude(valid_from__lte=today, valid_until__gte=today),
        "amount_company",
    )
    return cents(secured_total - not_valid_today)


@functools.cache
def _customer_snapshot_sql(vendor: str) -> str:
    """The statement of ``_customer_snapshot``, built once per database backend."""
    due = rawsql.table(OpenItemDue)
    overdue_rows = f"FROM {due} d WHERE d.customer_id = %s AND d.due_date < %s AND d.amount > 0"
    columns = ", ".join(f"e.{rawsql.column(CustomerExposure, name)}" for name in _BUCKETS)
    return (
        f"SELECT {columns}, (SELECT SUM(d.amount) {overdue_rows}), "
        f"(SELECT MIN(d.due_date) {overdue_rows}) "
        f"FROM {rawsql.table(CustomerExposure)} e WHERE e.customer_id = %s"
    )


def _customer_snapshot(*, customer_id: int, today: dt.date) -> ExposureSnapshot:
    """One customer (the credit check's hot path): its maintained row and its overdue due-date
    rows in one hand-written statement; building the equivalent ORM queries costs several times
    more than running them."""
    with connection.cursor() as cursor:
        cursor.execute(
            _customer_snapshot_sql(connection.vendor),
            [customer_id, today, customer_id, today, customer_id],
        )
        row = cursor.fetchone()
    # No row yet: no document was ever written for the customer, so nothing is due either.
    values = row or (None,) * (len(_BUCKETS) + 2)
    totals = dict(zip(_BUCKETS, (rawsql.money(value) for value in values), strict=False))
    oldest = rawsql.date(values[-1])
    return ExposureSnapshot(
        customer_id=customer_id,
        currency=company_currency(),
        open_orders=totals["open_orders"],
        delivered_not_invoiced=totals["delivered_not_invoiced"],
        open_receivables=totals["open_receivables"],
        overdue=rawsql.money(values[-2]),
        disputed=totals["disputed"],
        secured=_secured_on([customer_id], totals["secured"], today),
        oldest_overdue_days=(today - oldest).days if oldest is not None else None,
    )


def _group_snapshot(*, customer_ids: list[int], anchor_id: int, today: dt.date) -> ExposureSnapshot:
    totals = CustomerExposure.objects.filter(customer_id__in=customer_ids).aggregate(
        **{bucket: money_sum(bucket) for bucket in _BUCKETS}
    )
    overdue = OpenItemDue.objects.filter(
        customer_id__in=customer_ids, due_date__lt=today, amount__gt=0
    ).aggregate(total=money_sum("amount"), oldest=Min("due_date"))
    oldest = overdue["oldest"]
    return ExposureSnapshot(
        customer_id=anchor_id,
        currency=company_currency(),
        open_orders=cents(totals["open_orders"]),
        delivered_not_invoiced=cents(totals["delivered_not_invoiced"]),
        open_receivables=cents(totals["open_receivables"]),
        overdue=cents(overdue["total"]),
        disputed=cents(totals["disputed"]),
        secured=_secured_on(customer_ids, cents(totals["secured"]), today),
        oldest_overdue_days=(today - oldest).days if oldest is not None else None,
    )


def exposure_snapshot(*, customer: Customer, today: dt.date | None = None) -> ExposureSnapshot:
    """The customer's exposure from the maintained rows only (no ledger sums): O(1)."""
    return _customer_snapshot(customer_id=customer.pk, today=today or timezone.localdate())


def group_members(customer: Customer) -> tuple[int, list[int]]:
    """The top parent of ``customer``'s group and the ids of the whole group (top included)."""
    top = customer
    seen = {top.pk}
    while top.parent_id is not None and top.parent_id not in seen:
        top = Customer.objects.only("pk", "parent_id").get(pk=top.parent_id)
        seen.add(top.pk)
    members = [top.pk]
    level = [top.pk]
    while level:
        level = [
            pk
            for pk in Customer.objects.filter(parent_id__in=level).values_list("pk", flat=True)
            if pk not in members
        ]
        members.extend(level)
    return top.pk, members


def group_exposure_snapshot(
    *, customer: Customer, today: dt.date | None = None
) -> ExposureSnapshot:
    """Exposure of the whole group of ``customer``: its top parent and all descendants."""
    top_id, members = group_members(customer)
    return _group_snapshot(
        customer_ids=members, anchor_id=top_id, today=today or timezone.localdate()
    )
