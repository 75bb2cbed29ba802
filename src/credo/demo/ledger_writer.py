"""Store generated receivables histories: through the services, or as raw rows in bulk.

The service path calls the receivables and decisions services document by document (change
log, events and exposure maintenance as in real use). The bulk path inserts the rows directly
with the same values (company-currency amounts are computed by ``ledger.py`` exactly as the
services compute them) and writes the exposure aggregates (``CustomerExposure`` and
``OpenItemDue``) from the same figures, so ``exposure_reconcile()`` finds no drift afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from credo.customers.models import Customer
from credo.decisions.models import CreditLimit, ListEntry
from credo.receivables.models import (
    Allocation,
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
    WriteOff,
)

from .ledger import PAYMENT_TERMS, LedgerGenerator, LedgerSpec

ZERO = Decimal("0.00")
CREDIT_MANAGER = "manager"  # the demo credit manager approves the limits and list entries


def ensure_master_data_services(generator: LedgerGenerator) -> dict[str, PaymentTerms]:
    """Payment terms and FX rates through the services (missing ones only)."""
    from credo.receivables import services

    for code, name, kind, days, instalments in PAYMENT_TERMS:
        if not PaymentTerms.objects.filter(code=code).exists():
            services.payment_terms_create(code=code, name=name, kind=kind, days=days,
                                          instalments=instalments)
    existing = set(FxRate.objects.values_list("currency", "rate_date"))
    for currency, rows in generator.fx.rates.items():
        for day, rate in rows:
            if (currency, day) not in existing:
                services.fx_rate_set(currency=currency, rate_date=day, rate=rate)
    return {t.code: t for t in PaymentTerms.objects.all()}


def ensure_master_data_bulk(generator: LedgerGenerator, table) -> dict[str, PaymentTerms]:
    """Payment terms and FX rates as raw rows (missing ones only; no change log)."""
    from django.utils import timezone

    now = timezone.now()
    known = set(PaymentTerms.objects.values_list("code", flat=True))
    table(PaymentTerms).insert([
        {"code": code, "name": name, "kind": kind, "days": days, "instalments": instalments,
         "created_at": now, "updated_at": now}
        for code, name, kind, days, instalments in PAYMENT_TERMS if code not in known
    ])
    existing = set(FxRate.objects.values_list("currency", "rate_date"))
    table(FxRate).insert([
        {"currency": currency, "rate_date": day, "rate": rate}
        for currency, rows in generator.fx.rates.items() for day, rate in rows
        if (currency, day) not in existing
    ])
    return {t.code: t for t in PaymentTerms.objects.all()}


def write_ledger_services(*, customer: Customer, ledger: LedgerSpec,
                          terms: dict[str, PaymentTerms], users: dict[str, Any]) -> dict[str, int]:
    """Write one customer's history through the services, in business order."""
    from credo.decisions import services as decisions
    from credo.receivables import services

    counts: dict[str, int] = defaultdict(int)
    currency = ledger.currency
    items: dict[tuple[str, int], InvoiceInstalment] = {}
    for spec in ledger.orders:
        order = services.sales_order_create(
            customer=customer, number=spec.number, order_date=spec.order_date,
            currency=currency, amount=spec.amount, payment_terms=terms[ledger.terms_code],
        )
        counts["orders"] += 1
        if spec.delivery is not None:
            services.delivery_post(order=order, number=spec.delivery[0],
                                   delivery_date=spec.delivery[1], amount=spec.amount)
            counts["deliveries"] += 1
        if spec.invoice is not None:
            invoice = services.invoice_post(
                customer=customer, number=spec.invoice.number,
                invoice_date=spec.invoice.invoice_date, currency=currency,
                amount=spec.invoice.amount, order=order,
            )
            counts["invoices"] += 1
            for instalment in invoice.instalments.all():
                items[(invoice.number, instalment.sequence)] = instalment
                counts["open items"] += 1
    for dispute in ledger.disputes:
        opened = services.dispute_open(
            instalment=items[(dispute.invoice_number, dispute.sequence)],
            amount=dispute.amount, reason=dispute.reason, on=dispute.opened_on,
        )
        if dispute.resolved_on is not None:
            services.dispute_resolve(dispute=opened, on=dispute.resolved_on,
                                     resolution=dispute.resolution)
        counts["disputes"] += 1
    for spec in ledger.payments:
        payment = services.payment_post(
            customer=customer, number=spec.number, payment_date=spec.payment_date,
            currency=currency, amount=spec.amount,
        )
        counts["payments"] += 1
        for allocation in spec.allocations:
            services.allocation_create(
                payment=payment, instalment=items[(allocation.invoice_number,
                                                   allocation.sequence)],
                amount=allocation.amount, on=allocation.allocation_date,
            )
            counts["allocations"] += 1
    for write_off in ledger.write_offs:
        services.write_off_post(
            instalment=items[(write_off.invoice_number, write_off.sequence)],
            amount=write_off.amount, on=write_off.write_off_date, reason=write_off.reason,
        )
        counts["write-offs"] += 1
    manager = users[CREDIT_MANAGER]
    for limit in ledger.limits:
        decisions.credit_limit_set(
            customer=customer, amount=limit.amount, user=manager, currency="CNY",
            valid_from=limit.valid_from, review_due=limit.review_due, note=limit.note,
        )
        counts["credit limits"] += 1
    for entry in ledger.list_entries:
        decisions.list_entry_add(customer=customer, list_kind=entry.list_kind,
                                 reason=entry.reason, user=manager, since=entry.since)
        counts["list entries"] += 1
    return counts


class BulkLedgerRows:
    """Collects the raw rows of a batch of customers' histories, then inserts them."""

    def __init__(self, *, table, terms: dict[str, PaymentTerms], users: dict[str, Any],
                 stamps: dict[str, Any]) -> None:
        self.table = table
        self.terms = terms
        self.manager_id = users[CREDIT_MANAGER].pk
        self.stamps = stamps
        self.rows: dict[type, list[dict[str, Any]]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, customer_id: int, ledger: LedgerSpec) -> None:
        stamps = self.stamps
        rows = self.rows
        currency = ledger.currency
        terms_id = self.terms[ledger.terms_code].pk
        order_ids = self.table(SalesOrder).allocate(len(ledger.orders))
        invoices = ledger.invoices
        invoice_ids = dict(zip((i.number for i in invoices),
                               self.table(Invoice).allocate(len(invoices)), strict=True))
        item_ids: dict[tuple[str, int], int] = {}
        open_orders = delivered_not_invoiced = open_receivables = disputed = ZERO
        due: dict[Any, Decimal] = defaultdict(lambda: ZERO)
        for spec, order_id in zip(ledger.orders, order_ids, strict=True):
            invoiced = spec.invoice is not None
            delivered = spec.delivery is not None
            status = "invoiced" if invoiced else "partly_delivered" if delivered else "open"
            rows[SalesOrder].append({
                **stamps, "id": order_id, "customer_id": customer_id, "number": spec.number,
                "order_date": spec.order_date, "currency": currency, "amount": spec.amount,
                "fx_rate": spec.fx_rate, "amount_company": spec.amount_company,
                "status": status, "delivered_amount": spec.amount if delivered else ZERO,
                "invoiced_amount": spec.amount if invoiced else ZERO,
                "payment_terms_id": terms_id,
            })
            if delivered:
                rows[Delivery].append({
                    **stamps, "order_id": order_id, "number": spec.delivery[0],
                    "delivery_date": spec.delivery[1], "amount": spec.amount,
                })
            if not invoiced:
                if delivered:
                    delivered_not_invoiced += spec.amount_company
                else:
                    open_orders += spec.amount_company
                continue
            invoice = spec.invoice
            invoice_id = invoice_ids[invoice.number]
            rows[Invoice].append({
                **stamps, "id": invoice_id, "customer_id": customer_id,
                "number": invoice.number, "order_id": order_id,
                "invoice_date": invoice.invoice_date, "currency": currency,
                "amount": invoice.amount, "fx_rate": invoice.fx_rate,
                "amount_company": invoice.amount_company, "payment_terms_id": terms_id,
                "status": invoice.status,
            })
            ids = self.table(InvoiceInstalment).allocate(len(invoice.items))
            for item, item_id in zip(invoice.items, ids, strict=True):
                item_ids[(invoice.number, item.sequence)] = item_id
                rows[InvoiceInstalment].append({
                    **stamps, "id": item_id, "invoice_id": invoice_id,
                    "sequence": item.sequence, "due_date": item.due_date,
                    "amount": item.amount, "amount_company": item.amount_company,
                })
                if item.open_company:
                    due[item.due_date] += item.open_company
                    open_receivables += item.open_company
            self.counts["open items"] += len(invoice.items)
        payment_ids = self.table(Payment).allocate(len(ledger.payments))
        for spec, payment_id in zip(ledger.payments, payment_ids, strict=True):
            rows[Payment].append({
                **stamps, "id": payment_id, "customer_id": customer_id, "number": spec.number,
                "payment_date": spec.payment_date, "currency": currency, "amount": spec.amount,
                "fx_rate": spec.fx_rate, "amount_company": spec.amount_company,
            })
            for allocation in spec.allocations:
                rows[Allocation].append({
                    **stamps, "payment_id": payment_id, "credit_note_id": None,
                    "instalment_id": item_ids[(allocation.invoice_number,
                                               allocation.sequence)],
                    "allocation_date": allocation.allocation_date,
                    "amount": allocation.amount, "amount_company": allocation.amount_company,
                })
        for spec in ledger.disputes:
            rows[Dispute].append({
                **stamps, "instalment_id": item_ids[(spec.invoice_number, spec.sequence)],
                "amount": spec.amount, "amount_company": spec.amount_company,
                "reason": spec.reason, "opened_on": spec.opened_on,
                "resolved_on": spec.resolved_on, "resolution": spec.resolution,
            })
            if spec.resolved_on is None:
                disputed += spec.amount_company
        for spec in ledger.write_offs:
            rows[WriteOff].append({
                **stamps, "instalment_id": item_ids[(spec.invoice_number, spec.sequence)],
                "write_off_date": spec.write_off_date, "amount": spec.amount,
                "amount_company": spec.amount_company, "reason": spec.reason,
            })
        for position, limit in enumerate(ledger.limits):
            following = ledger.limits[position + 1] if position + 1 < len(ledger.limits) else None
            rows[CreditLimit].append({
                **stamps, "customer_id": customer_id, "amount": limit.amount,
                "currency": "CNY", "valid_from": limit.valid_from,
                "valid_until": (following.valid_from - dt.timedelta(days=1)
                                if following else None),
                "review_due": limit.review_due, "approved_by_id": self.manager_id,
                "note": limit.note,
            })
        for entry in ledger.list_entries:
            rows[ListEntry].append({
                **stamps, "customer_id": customer_id, "list_kind": entry.list_kind,
                "reason": entry.reason, "since": entry.since, "until": None,
                "added_by_id": self.manager_id,
            })
        if ledger.orders:
            rows[CustomerExposure].append({
                "customer_id": customer_id, "open_orders": open_orders,
                "delivered_not_invoiced": delivered_not_invoiced,
                "open_receivables": open_receivables, "disputed": disputed, "secured": ZERO,
                "updated_at": stamps["updated_at"],
            })
            rows[OpenItemDue] += [
                {"customer_id": customer_id, "due_date": day, "amount": amount}
                for day, amount in sorted(due.items()) if amount
            ]

    def flush(self) -> None:
        names = {
            SalesOrder: "orders", Delivery: "deliveries", Invoice: "invoices",
            Payment: "payments", Allocation: "allocations", Dispute: "disputes",
            WriteOff: "write-offs", CreditLimit: "credit limits", ListEntry: "list entries",
        }
        # Parents before children (foreign keys are checked per statement on PostgreSQL).
        order = [SalesOrder, Delivery, Invoice, InvoiceInstalment, Payment, Allocation, Dispute,
                 WriteOff, CreditLimit, ListEntry, CustomerExposure, OpenItemDue]
        for model in order:
            batch = self.rows.pop(model, [])
            if not batch:
                continue
            ids = [row.pop("id") for row in batch] if "id" in batch[0] else None
            self.table(model).insert(batch, ids=ids)
            if model in names:
                self.counts[names[model]] += len(batch)
