"""Several writers at once on the same customers, then reconcile: the drift must be zero.

Runs on SQLite and PostgreSQL. On PostgreSQL the writers really overlap and the exposure-row
lock (select_for_update) serialises them per customer; on SQLite the database serialises
writers itself (``BEGIN IMMEDIATE``), and a writer that finds the shared in-memory test
database locked retries its whole (atomic, so side-effect free) service call.
"""

from __future__ import annotations

import random
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections
from django.db.models import Sum

from credo.receivables import services
from credo.receivables.models import Allocation, InvoiceInstalment, Payment
from credo.receivables.selectors import exposure_snapshot

from .conftest import D, day

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6
ROUNDS = 12


def _with_retry(call):
    """Retry a call (atomic service or read) while shared-cache SQLite reports a lock."""
    for _attempt in range(200):
        try:
            return call()
        except OperationalError as exc:
            if "locked" not in str(exc).lower():
                raise
            time.sleep(random.uniform(0.001, 0.01))
    raise AssertionError("database stayed locked")


def _run_threads(target, count):
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def wrapper(index):
        try:
            barrier.wait()
            target(index)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrapper, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


@pytest.fixture
def shared_customers(make_customer, acting):
    return [make_customer() for _ in range(3)]


def test_concurrent_writers_leave_no_drift(shared_customers, terms):
    numbers = iter(range(1, 10_000))
    number_lock = threading.Lock()

    def next_number(prefix):
        with number_lock:
            return f"{prefix}-{next(numbers)}"

    rejected = []

    def one_round(rng, customer, action):
        if action == "order":
            order = _with_retry(lambda: services.sales_order_create(
                customer=customer, number=next_number("SO"), order_date=day("2025-01-01"),
                currency="CNY", amount=D("100.00")))
            _with_retry(lambda: services.delivery_post(
                order=order, number=next_number("DL"), delivery_date=day("2025-01-02"),
                amount=D("40.00")))
            _with_retry(lambda: services.invoice_post(
                customer=customer, number=next_number("INV"), invoice_date=day("2025-01-03"),
                currency="CNY", amount=D("30.00"), order=order))
        elif action == "invoice":
            amount = D(f"{rng.randint(10, 500)}.{rng.randint(0, 99):02d}")
            _with_retry(lambda: services.invoice_post(
                customer=customer, number=next_number("INV"), invoice_date=day("2025-01-05"),
                currency="CNY", amount=amount, payment_terms=terms["split"]))
        elif action in ("pay", "credit", "dispute"):
            item = _with_retry(lambda: (
                InvoiceInstalment.objects.filter(invoice__customer=customer)
                .exclude(invoice__status__in=["paid", "cancelled"])
                .select_related("invoice").order_by("?").first()
            ))
            if item is None:
                return
            amount = D(f"{rng.randint(1, 150)}.00")
            if action == "pay":
                payment = _with_retry(lambda: services.payment_post(
                    customer=customer, number=next_number("P"), payment_date=day("2025-02-01"),
                    currency="CNY", amount=amount))
                _with_retry(lambda: services.allocation_create(
                    payment=payment, instalment=item, amount=amount, on=day("2025-02-01")))
            elif action == "credit":
                _with_retry(lambda: services.credit_note_post(
                    customer=customer, number=next_number("CN"), note_date=day("2025-02-01"),
                    currency="CNY", amount=amount, reason="rebate", invoice=item.invoice))
            else:
                _with_retry(lambda: services.dispute_open(
                    instalment=item, amount=D("1.00"), reason="quality", on=day("2025-02-01")))
        else:
            order = _with_retry(lambda: customer.sales_orders.order_by("?").first())
            status = rng.choice(["hold", "approved", "block"])
            if order is not None:
                _with_retry(lambda: services.sales_order_set_credit_status(
                    order=order, status=status))

    def writer(index):
        rng = random.Random(index)
        for _round in range(ROUNDS):
            customer = rng.choice(shared_customers)
            action = rng.choice(["order", "invoice", "pay", "credit", "dispute", "status"])
            try:
                one_round(rng, customer, action)
            except ValidationError as exc:  # a race lost fairly, e.g. the item got paid
                rejected.append(exc)

    _run_threads(writer, THREADS)
    # The writers really wrote (through their own connections), most calls succeeded.
    from credo.receivables.models import Invoice

    assert Invoice.objects.count() >= THREADS * ROUNDS // 4
    assert len(rejected) < THREADS * ROUNDS // 2
    assert services.exposure_reconcile() == []
    # No open item was over-allocated and no payment applied beyond its amount.
    for item in InvoiceInstalment.objects.annotate(paid=Sum("allocations__amount")):
        assert (item.paid or 0) <= item.amount
    for payment in Payment.objects.annotate(applied=Sum("allocations__amount")):
        assert (payment.applied or 0) <= payment.amount
    assert sum(
        exposure_snapshot(customer=c).open_receivables for c in shared_customers
    ) > Decimal("0")


def test_racing_allocations_of_one_payment_cannot_over_allocate(shared_customers):
    customer = shared_customers[0]
    items = [
        services.invoice_post(customer=customer, number=f"INV-R{i}",
                              invoice_date=day("2025-01-01"), currency="CNY",
                              amount=D("60.00")).instalments.get()
        for i in range(THREADS)
    ]
    payment = services.payment_post(customer=customer, number="P-RACE",
                                    payment_date=day("2025-01-02"), currency="CNY",
                                    amount=D("100.00"))
    outcomes: list[str] = []

    def allocate(index):
        try:
            _with_retry(lambda: services.allocation_create(
                payment=payment, instalment=items[index], amount=D("60.00"),
                on=day("2025-01-02")))
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["amount"][0])

    _run_threads(allocate, THREADS)
    assert outcomes.count("ok") == 1
    assert Allocation.objects.filter(payment=payment).count() == 1
    assert exposure_snapshot(customer=customer).open_receivables == D("300.00")
    assert services.exposure_reconcile() == []
    assert connection.vendor in ("sqlite", "postgresql")
