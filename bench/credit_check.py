"""Credit-check latency: maintained exposure aggregates vs. summing the ledger per request.

Two measurements in one run, on the same customers and amounts:

1. in-process: ``credo.decisions.services.credit_check(..., what_if=True)`` as shipped (reads
   the maintained ``CustomerExposure`` / ``OpenItemDue`` rows), next to the same service with
   the exposure snapshot replaced by ``ledger_exposure_snapshot`` below, which computes every
   bucket with SQL SUMs over the documents on each request (the baseline). Both answer each
   request in turn and must give the same answer (checked);
2. over HTTP: ``POST /api/v1/credit-check`` with a bearer token against a ``runserver`` child
   process on 127.0.0.1, once as shipped and once with the baseline patched in (sequential
   requests, same request list).

Usage:

    CREDO_VAR_DIR=/tmp/credo-bench-20000-50 python bench/credit_check.py [--checks 2000] [--http 500]

(expects a database loaded with `credo demo --customers N --items-per-customer M`; `bench/run.py`
prepares one.)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credo.settings.dev")
os.environ.setdefault("DEBUG", "false")  # DEBUG keeps every SQL statement: not a served setup
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from credo.core.services import api_token_create  # noqa: E402
from credo.customers.models import Customer  # noqa: E402
from credo.decisions import services as decision_services  # noqa: E402
from credo.receivables import selectors as receivables_selectors  # noqa: E402
from credo.receivables.models import (  # noqa: E402
    Allocation,
    CustomerExposure,
    Dispute,
    Invoice,
    InvoiceInstalment,
    SalesOrder,
    Security,
    WriteOff,
)
from credo.receivables.selectors import ExposureSnapshot, cents, company_currency  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ZERO = Decimal("0.00")


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _dec(value) -> Decimal:
    return cents(Decimal(str(value))) if value is not None else ZERO


def ledger_exposure_snapshot(*, customer: Customer, today: dt.date | None = None
                             ) -> ExposureSnapshot:
    """The baseline: every exposure bucket summed from the documents with SQL, per request."""
    today = today or timezone.localdate()
    orders, invoices, items = _t(SalesOrder), _t(Invoice), _t(InvoiceInstalment)
    allocations, write_offs, disputes = _t(Allocation), _t(WriteOff), _t(Dispute)
    with connection.cursor() as cursor:
        # Open orders (undelivered, uninvoiced part of orders that may ship) and delivered,
        # not invoiced; the same rule as receivables.services.order_exposure.
        cursor.execute(
            f"SELECT SUM(CASE WHEN status IN ('open', 'partly_delivered') "
            f"AND credit_status NOT IN ('hold', 'block', 'rejected') "
            f"AND amount > delivered_amount AND amount > invoiced_amount "
            f"THEN ROUND((amount - CASE WHEN delivered_amount > invoiced_amount "
            f"THEN delivered_amount ELSE invoiced_amount END) * fx_rate, 2) ELSE 0 END), "
            f"SUM(CASE WHEN delivered_amount > invoiced_amount "
            f"THEN ROUND((delivered_amount - invoiced_amount) * fx_rate, 2) ELSE 0 END) "
            f"FROM {orders} WHERE customer_id = %s AND status NOT IN ('cancelled', 'closed')",
            [customer.pk],
        )
        open_orders, not_invoiced = cursor.fetchone()
        # Open receivables per item: amount less allocations and write-offs.
        cursor.execute(
            f"SELECT SUM(open_amount), "
            f"SUM(CASE WHEN due_date < %s AND open_amount > 0 THEN open_amount ELSE 0 END), "
            f"MIN(CASE WHEN due_date < %s AND open_amount > 0 THEN due_date END) FROM ("
            f"SELECT ii.due_date, ROUND(ii.amount_company "
            f"- COALESCE((SELECT SUM(a.amount_company) FROM {allocations} a "
            f"WHERE a.instalment_id = ii.id), 0) "
            f"- COALESCE((SELECT SUM(w.amount_company) FROM {write_offs} w "
            f"WHERE w.instalment_id = ii.id), 0), 2) AS open_amount "
            f"FROM {items} ii JOIN {invoices} i ON i.id = ii.invoice_id "
            f"WHERE i.customer_id = %s AND i.status <> 'cancelled') open_items",
            [today, today, customer.pk],
        )
        receivables, overdue, oldest = cursor.fetchone()
        cursor.execute(
            f"SELECT SUM(d.amount_company) FROM {disputes} d "
            f"JOIN {items} ii ON ii.id = d.instalment_id JOIN {invoices} i ON i.id = ii.invoice_id "
            f"WHERE i.customer_id = %s AND d.resolved_on IS NULL",
            [customer.pk],
        )
        disputed = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT SUM(amount_company) FROM {_t(Security)} WHERE customer_id = %s "
            f"AND valid_from <= %s AND (valid_until IS NULL OR valid_until >= %s)",
            [customer.pk, today, today],
        )
        secured = cursor.fetchone()[0]
    if isinstance(oldest, str):  # SQLite returns dates from raw SQL as text
        oldest = dt.date.fromisoformat(oldest)
    return ExposureSnapshot(
        customer_id=customer.pk, currency=company_currency(),
        open_orders=_dec(open_orders), delivered_not_invoiced=_dec(not_invoiced),
        open_receivables=_dec(receivables), overdue=_dec(overdue), disputed=_dec(disputed),
        secured=_dec(secured),
        oldest_overdue_days=(today - oldest).days if oldest is not None else None,
    )


@contextlib.contextmanager
def snapshot_from(function):
    """Make the credit check read its exposure snapshot from ``function``."""
    original = receivables_selectors.exposure_snapshot
    receivables_selectors.exposure_snapshot = function
    try:
        yield
    finally:
        receivables_selectors.exposure_snapshot = original


VARIANTS = {
    "maintained": None,  # the shipped selector
    "ledger_sums": ledger_exposure_snapshot,
}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3),
        "mean_ms": round(statistics.mean(ordered) * 1000, 3),
    }


def _answer_key(answer) -> tuple:
    return (answer.outcome, answer.available_credit, tuple(sorted(answer.buckets.items())),
            tuple(r["code"] for r in answer.reasons))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, ledger_sums: bool) -> None:
    """Child process: the web app on 127.0.0.1:port, optionally with the baseline patched in."""
    from django.core.management import call_command

    if ledger_sums:
        receivables_selectors.exposure_snapshot = ledger_exposure_snapshot
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, insecure_serving=True)


def http_loop(requests: list[tuple[int, Decimal]], key: str, *, ledger_sums: bool) -> list[float]:
    """Sequential POSTs to a server child process; returns each request's latency."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, __file__, "--serve", str(port)]
    if ledger_sums:
        command.append("--ledger-sums")
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/v1/credit-check"
    try:
        for _attempt in range(300):  # wait for the server to listen
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        samples = []
        for position, (customer_id, amount) in enumerate(requests):
            body = json.dumps({"customer": customer_id, "amount": str(amount),
                               "currency": "CNY", "what_if": True}).encode()
            request = urllib.request.Request(url, data=body, method="POST", headers={
                "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:
                payload = json.loads(response.read())
            elapsed = time.perf_counter() - start
            if position >= 20:  # the first requests warm the server up
                samples.append(elapsed)
            assert payload["outcome"] in {"approve", "warn", "hold", "block"}, payload
        return samples
    finally:
        server.terminate()
        server.wait(timeout=10)


def compare(requests, check) -> dict:
    """Time the check with maintained aggregates and with ledger sums on the same requests."""
    # The variants answer each request in turn (rotating which goes first), so caches and
    # machine noise treat them alike; all must give the same answer.
    names = list(VARIANTS)
    samples: dict[str, list[float]] = {name: [] for name in names}
    answers = []
    for position, (customer_id, amount) in enumerate(requests):
        keys = {}
        shift = position % len(names)
        for name in names[shift:] + names[:shift]:
            function = VARIANTS[name]
            context = snapshot_from(function) if function else contextlib.nullcontext()
            with context:
                start = time.perf_counter()
                answer = check(customer_id, amount)
                samples[name].append(time.perf_counter() - start)
            keys[name] = _answer_key(answer)
        assert len(set(keys.values())) == 1, (customer_id, amount, keys)
        answers.append(keys["maintained"])
    result = {
        "checks": len(requests),
        "customers_checked": len({customer_id for customer_id, _amount in requests}),
        **{f"in_process_{name}": percentiles(samples[name]) for name in names},
        "outcomes": {o: sum(1 for a in answers if a[0] == o)
                     for o in sorted({a[0] for a in answers})},
    }
    for stat in ("p50_ms", "p99_ms"):
        result[f"ratio_ledger_sums_to_maintained_{stat[:3]}"] = round(
            result["in_process_ledger_sums"][stat] / result["in_process_maintained"][stat], 2
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=2000, help="checks per in-process variant")
    parser.add_argument("--http", type=int, default=500, help="HTTP requests (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--heavy", type=int, default=50,
                        help="also check the N customers with the most open items")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--ledger-sums", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.ledger_sums)
        return
    user = get_user_model().objects.get(username="demo")
    rng = random.Random(args.seed)
    customer_ids = list(CustomerExposure.objects.values_list("customer_id", flat=True))
    chosen = [rng.choice(customer_ids) for _ in range(args.checks)]
    customers = Customer.objects.in_bulk(set(chosen))
    requests = [(pk, Decimal(rng.randrange(1_000, 500_000))) for pk in chosen]
    today = timezone.localdate()  # the API checks as of today too

    def check(customer_id, amount):
        return decision_services.credit_check(
            customer=customers[customer_id], user=user, amount=amount, currency="CNY",
            what_if=True, today=today,
        )

    for customer_id, amount in requests[:50]:  # warm caches and connections
        check(customer_id, amount)
    result = {
        "customers": Customer.objects.count(),
        "open_items": InvoiceInstalment.objects.count(),
    }
    result.update(compare(requests, check))
    # The customers with the most open items, where summing the ledger costs most.
    heavy_ids = list(
        Invoice.objects.values("customer_id").annotate(items=Count("instalments"))
        .order_by("-items").values_list("customer_id", flat=True)[: args.heavy]
    )
    customers.update(Customer.objects.in_bulk(heavy_ids))
    heavy_requests = [(rng.choice(heavy_ids), Decimal(rng.randrange(1_000, 500_000)))
                      for _ in range(min(args.checks, 1000))]
    result["heavy_customers"] = {
        "customers": len(heavy_ids),
        "open_items_each_min": Invoice.objects.filter(customer_id__in=heavy_ids)
        .values("customer_id").annotate(items=Count("instalments"))
        .order_by("items").values_list("items", flat=True).first(),
        **compare(heavy_requests, check),
    }
    if args.http:
        _token, key = api_token_create(user=user, name="bench credit check")
        http_requests = requests[: args.http + 20]
        result["http_requests"] = len(http_requests) - 20
        result["http_maintained"] = percentiles(http_loop(http_requests, key, ledger_sums=False))
        result["http_ledger_sums"] = percentiles(http_loop(http_requests, key, ledger_sums=True))
        for stat in ("p50_ms", "p99_ms"):
            result[f"http_ratio_ledger_sums_to_maintained_{stat[:3]}"] = round(
                result["http_ledger_sums"][stat] / result["http_maintained"][stat], 2
            )
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
