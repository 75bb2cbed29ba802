"""Concurrent real checks of one customer's orders are serialised (exposure row, then order).

Five unchecked orders of 300 against a limit of 1000 all count as open orders (1500). Checked
one after the other, the first two are blocked (each leaves the exposure) and the last three
fit (900 of 1000). Checks that read the exposure at the same time would all see 1500 and all
block; the lock makes the result the same as in sequence. Runs on SQLite and PostgreSQL; on
SQLite a check that finds the shared test database locked retries (it is atomic).
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import OperationalError, connections

from credo.decisions import services
from credo.decisions.models import CheckPolicy, CreditCheck, ReleaseAuthority
from credo.receivables.models import SalesOrder
from credo.receivables.services import exposure_reconcile

from .conftest import TODAY, D

pytestmark = pytest.mark.django_db(transaction=True)


def _with_retry(call):
    for _attempt in range(400):
        try:
            return call()
        except OperationalError as exc:
            if "locked" not in str(exc).lower():
                raise
            time.sleep(random.uniform(0.001, 0.01))
    raise AssertionError("database stayed locked")


def test_concurrent_order_checks_give_the_sequential_result(customer, acting, ledger,
                                                            limit_of):
    limit_of(customer, "1000")
    orders = [ledger.order(customer, "300") for _ in range(5)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(orders))

    def run(order):
        try:
            barrier.wait()
            _with_retry(lambda: services.credit_check(customer=customer, user=acting,
                                                      order=order, today=TODAY))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    statuses = sorted(SalesOrder.objects.filter(customer=customer)
                      .values_list("credit_status", flat=True))
    assert statuses == ["approved", "approved", "approved", "block", "block"]
    assert CreditCheck.objects.count() == 5
    assert exposure_reconcile() == []


def test_defaults_come_back_after_a_flush(acting):
    """A transactional test flushes migration data; post_migrate seeds it again."""
    ReleaseAuthority.objects.filter(group_name="credit_manager").update(max_amount=D("1"))
    ReleaseAuthority.objects.filter(group_name="credit_analyst").delete()
    CheckPolicy.objects.all().delete()
    services.decisions_defaults_ensure()
    assert dict(ReleaseAuthority.objects.values_list("group_name", "max_amount")) == {
        "credit_manager": D("1.00"),  # existing rows are never changed
        "credit_analyst": D("500000.00"),
    }
    assert CheckPolicy.objects.filter(key="default").exists()
