"""The demo receivables history: deterministic, consistent with the ledger rules, both writers
agree, exposure aggregates reconcile, and payment behaviour follows the customer's health."""

from __future__ import annotations

import io
import statistics
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from credo.customers.models import Customer
from credo.decisions.models import CreditLimit, ListEntry
from credo.demo.generator import DEFAULT_AS_OF, PortfolioGenerator
from credo.demo.ledger import LedgerGenerator
from credo.demo.writer import load_portfolio
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
from credo.receivables.selectors import payment_unapplied
from credo.receivables.services import exposure_reconcile

pytestmark = pytest.mark.django_db

LEDGER_MODELS = [
    SalesOrder, Delivery, Invoice, InvoiceInstalment, Payment, Allocation, Dispute, WriteOff,
    CreditLimit, ListEntry, CustomerExposure, OpenItemDue, PaymentTerms, FxRate,
]
_SKIPPED = {"id", "created_at", "updated_at"}


def _load(count: int, *, bulk: bool, seed: int = 5, items: float = 6) -> None:
    load_portfolio(
        PortfolioGenerator(seed=seed, count=count), bulk=bulk, batch_size=9,
        ledger=LedgerGenerator(seed=seed, as_of=DEFAULT_AS_OF, items_per_customer=items),
    )


def _key_maps() -> dict[str, dict[int, str]]:
    return {
        "customer_id": dict(Customer.objects.values_list("pk", "code")),
        "order_id": dict(SalesOrder.objects.values_list("pk", "number")),
        "invoice_id": dict(Invoice.objects.values_list("pk", "number")),
        "payment_id": dict(Payment.objects.values_list("pk", "number")),
        "payment_terms_id": dict(PaymentTerms.objects.values_list("pk", "code")),
        "instalment_id": {
            pk: f"{number}/{sequence}" for pk, number, sequence in
            InvoiceInstalment.objects.values_list("pk", "invoice__number", "sequence")
        },
    }


def _ledger_snapshot() -> dict[str, list[tuple]]:
    """Every ledger row with ids replaced by business keys (comparable across loads)."""
    keys = _key_maps()
    result = {}
    for model in LEDGER_MODELS:
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in _SKIPPED]
        rows = []
        for values in model.objects.values_list(*names):
            row = dict(zip(names, values, strict=True))
            for name, mapping in keys.items():
                if name in row and row[name] is not None:
                    row[name] = mapping[row[name]]
            for user_field in ("approved_by_id", "added_by_id"):
                row.pop(user_field, None)
            # -0.00 (a sum that came back to zero) equals 0.00
            rows.append(tuple(sorted(
                (k, str(v + 0 if isinstance(v, Decimal) else v)) for k, v in row.items()
            )))
        result[model.__name__] = sorted(rows)
    return result


def _wipe() -> None:
    for model in (Allocation, Dispute, WriteOff, Payment, InvoiceInstalment, Invoice, Delivery,
                  SalesOrder, CreditLimit, ListEntry, CustomerExposure, OpenItemDue):
        model.objects.all().delete()
    Customer.objects.filter(parent__isnull=False).delete()
    Customer.objects.all().delete()


def test_same_seed_gives_the_same_history_and_another_seed_does_not():
    def histories(seed):
        customers = PortfolioGenerator(seed=seed, count=40).customers()
        ledger = LedgerGenerator(seed=seed, as_of=DEFAULT_AS_OF)
        return [ledger.ledger(spec) for spec in customers]

    assert histories(2) == histories(2)
    assert histories(2) != histories(3)


def test_service_and_bulk_paths_store_identical_ledgers_and_both_reconcile():
    _load(24, bulk=False)
    assert exposure_reconcile() == []
    through_services = _ledger_snapshot()
    _wipe()
    _load(24, bulk=True)
    assert exposure_reconcile() == []
    in_bulk = _ledger_snapshot()

    # The comparison is not vacuous: the history has every kind of document.
    for name in ("SalesOrder", "Delivery", "Invoice", "InvoiceInstalment", "Payment",
                 "Allocation", "CreditLimit", "CustomerExposure", "OpenItemDue", "FxRate"):
        assert through_services[name], name
    for name, rows in through_services.items():
        assert rows == in_bulk[name], name


def test_bulk_history_is_consistent_with_the_ledger_rules():
    _load(150, bulk=True, seed=9, items=10)
    assert exposure_reconcile() == []
    assert CustomerExposure.objects.count() > 100

    # Partial payments: some items are partly paid (allocated, but less than the item).
    partial = [
        item for item in InvoiceInstalment.objects.prefetch_related("allocations")
        if 0 < sum(a.amount for a in item.allocations.all()) < item.amount
    ]
    assert partial
    # One payment settles several items; some cash stays unapplied.
    assert any(p.allocations.count() > 1 for p in Payment.objects.all()[:400])
    assert any(payment_unapplied(p) > 0 for p in Payment.objects.all())
    # Never more allocated than the item, nor before the payment or the invoice.
    for allocation in Allocation.objects.select_related("payment", "instalment__invoice")[:2000]:
        assert allocation.allocation_date >= allocation.payment.payment_date
        assert allocation.allocation_date >= allocation.instalment.invoice.invoice_date
    # Multi-currency documents exist and carry their own rate.
    foreign = Invoice.objects.exclude(currency="CNY")
    assert foreign.exists()
    assert all(invoice.fx_rate != 1 for invoice in foreign)
    # Disputes (open and resolved), write-offs, limits, blacklist and watch list.
    assert Dispute.objects.filter(resolved_on__isnull=True).exists()
    assert Dispute.objects.filter(resolved_on__isnull=False).exists()
    assert WriteOff.objects.exists()
    assert Invoice.objects.filter(status="written_off").exists()
    assert ListEntry.objects.filter(list_kind="blacklist").exists()
    assert CreditLimit.objects.filter(valid_until__isnull=True).count() == (
        CreditLimit.objects.values("customer").distinct().count()
    )
    # The history spans about three years up to the as-of date, and orders are still open.
    dates = Invoice.objects.order_by("invoice_date").values_list("invoice_date", flat=True)
    assert (DEFAULT_AS_OF - dates.first()).days > 900
    assert dates.last() <= DEFAULT_AS_OF
    assert SalesOrder.objects.filter(status="open").exists()
    assert SalesOrder.objects.filter(status="partly_delivered").exists()


def test_weaker_customers_pay_later_and_default_more():
    portfolio = list(PortfolioGenerator(seed=4, count=1500).customers())
    ledger = LedgerGenerator(seed=4, as_of=DEFAULT_AS_OF)
    histories = [(spec.health, ledger.ledger(spec)) for spec in portfolio]
    histories.sort(key=lambda pair: pair[0])
    weak, strong = histories[: len(histories) // 4], histories[-len(histories) // 4:]

    def days_late(group):
        """Amount-weighted days between due date and payment, over every allocation."""
        late = []
        for _health, history in group:
            due = {(inv.number, item.sequence): item.due_date
                   for inv in history.invoices for item in inv.items}
            for payment in history.payments:
                for allocation in payment.allocations:
                    key = (allocation.invoice_number, allocation.sequence)
                    late.append((allocation.allocation_date - due[key]).days)
        return statistics.mean(late)

    def default_rate(group):
        return sum(1 for _h, history in group if history.default_on) / len(group)

    assert days_late(weak) > days_late(strong) + 15
    assert days_late(strong) < 5  # strong firms pay about on time
    assert default_rate(weak) > 4 * max(default_rate(strong), 0.002)
    write_offs = [history for _h, history in histories if history.write_offs]
    assert write_offs and all(history.default_on for history in write_offs)


def test_command_loads_the_history_and_rejects_a_negative_density():
    out = io.StringIO()
    call_command("credo_demo", customers=12, seed=3, fast=True, items_per_customer=4,
                 stdout=out, verbosity=0)
    assert "invoices" in out.getvalue()
    assert InvoiceInstalment.objects.exists()
    assert exposure_reconcile() == []
    _wipe()
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("credo_demo", customers=12, seed=3, items_per_customer=-1, verbosity=0)
    call_command("credo_demo", customers=12, seed=3, fast=True, items_per_customer=0,
                 verbosity=0, stdout=io.StringIO())
    assert Customer.objects.count() == 12 and not SalesOrder.objects.exists()
