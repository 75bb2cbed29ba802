"""``credo receivables ageing|metrics|reconcile`` through call_command."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from credo.cli import COMMANDS
from credo.receivables import services
from credo.receivables.models import CustomerExposure, OpenItemDue

from .conftest import D, day

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("credo_receivables", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def ledger(make_customer, terms, acting):
    """One customer with 1,000 due 31 January (paid 10 February) and 500 due 28 February."""
    customer = make_customer(code="C-100", name_zh="华东贸易有限公司")
    paid = services.invoice_post(
        customer=customer,
        number="INV-1",
        invoice_date=day("2025-01-01"),
        currency="CNY",
        amount=D("1000.00"),
        payment_terms=terms["net30"],
    )
    services.invoice_post(
        customer=customer,
        number="INV-2",
        invoice_date=day("2025-01-29"),
        currency="CNY",
        amount=D("500.00"),
        payment_terms=terms["net30"],
    )
    payment = services.payment_post(
        customer=customer,
        number="PAY-1",
        payment_date=day("2025-02-10"),
        currency="CNY",
        amount=D("1000.00"),
    )
    services.allocation_create(
        payment=payment,
        instalment=paid.instalments.get(),
        amount=D("1000.00"),
        on=day("2025-02-10"),
    )
    return customer


def test_receivables_is_a_credo_sub_command():
    assert COMMANDS["receivables"][0] == "credo_receivables"


def test_ageing_json_as_of_a_past_date(ledger):
    data = json.loads(run("ageing", "--as-of", "2025-02-05", "--format", "json"))
    assert data["as_of"] == "2025-02-05" and data["currency"] == "CNY"
    assert [b["key"] for b in data["buckets"]][:2] == ["not_due", "d1_30"]
    (row,) = data["rows"]
    assert row["key"] == str(ledger.pk)
    assert row["label"] == "C-100 华东贸易有限公司"
    assert row["buckets"]["d1_30"] == "1000.00"  # 5 days overdue
    assert row["buckets"]["not_due"] == "500.00"
    assert row["total"] == "1500.00" and row["overdue"] == "1000.00"
    assert row["oldest_overdue_days"] == 5
    assert data["total"]["total"] == "1500.00"
    # after the payment only the second invoice is left
    later = json.loads(run("ageing", "--as-of", "2025-02-15", "--format", "json"))
    assert later["rows"][0]["total"] == "500.00"


def test_ageing_table_and_csv(ledger):
    table = run("ageing", "--as-of", "2025-02-05", "--by", "portfolio")
    assert "2025-02-05" in table
    lines = table.splitlines()
    assert "not due" in lines[1] and "1-30" in lines[1] and ">365" in lines[1]
    assert any(line.startswith("Portfolio") and "1,500.00" in line for line in lines)
    assert lines[-1].startswith("Total")

    text = run("ageing", "--as-of", "2025-03-10", "--format", "csv", "--scheme", "years")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "key",
        "label",
        "not_due",
        "within_1y",
        "y1_2",
        "y2_3",
        "over_3y",
        "disputed",
        "total",
        "overdue",
    ]
    assert rows[1][2:] == ["0.00", "500.00", "0.00", "0.00", "0.00", "0.00", "500.00", "500.00"]


def test_ageing_for_one_customer_by_invoice_date(ledger, make_customer, acting):
    other = make_customer()
    services.invoice_post(
        customer=other,
        number="INV-X",
        invoice_date=day("2025-01-01"),
        currency="CNY",
        amount=D("9.00"),
    )
    data = json.loads(
        run(
            "ageing",
            "--as-of",
            "2025-02-05",
            "--customer",
            "C-100",
            "--basis",
            "invoice",
            "--format",
            "json",
        )
    )
    assert [row["key"] for row in data["rows"]] == [str(ledger.pk)]
    # invoices dated 1 and 29 January: 35 and 7 days old
    assert data["rows"][0]["buckets"]["d31_60"] == "1000.00"
    assert data["rows"][0]["buckets"]["d1_30"] == "500.00"


def test_empty_ageing_says_so(db):
    assert "No open receivables." in run("ageing", "--as-of", "2025-01-01")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ageing", "--as-of", "2025-13-01"), "--as-of: 2025-13-01 is not a date; use YYYY-MM-DD."),
        (("ageing", "--scheme", "30,10"), "Unknown ageing scheme 30,10"),
        (("ageing", "--customer", "NOPE"), "No customer has the number, code or id NOPE."),
        (
            ("metrics", "--from", "2025-03-01", "--to", "2025-02-01"),
            "--to must not be before --from.",
        ),
        (("metrics", "--from", "yesterday", "--to", "2025-02-01"), "--from: yesterday"),
    ],
)
def test_bad_input_is_a_clear_error(db, args, message):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert message in str(error.value)


def test_metrics_json_for_a_customer(ledger):
    data = json.loads(
        run(
            "metrics",
            "--customer",
            "C-100",
            "--from",
            "2025-02-01",
            "--to",
            "2025-02-28",
            "--format",
            "json",
        )
    )
    assert data["customer"]["code"] == "C-100"
    period = data["period"]
    # Opening (31 Jan) 1,500; no February sales; closing 500, due 28 Feb: still current then.
    assert period["opening_receivables"] == "1500.00"
    assert period["credit_sales"] == "0.00"
    assert period["closing_receivables"] == "500.00"
    assert period["dso"] is None  # no sales in the period
    # collected 1,000 of 1,500 - 500 current = 1,000 collectible: CEI 100
    assert period["cei"] == "100.00"
    assert period["average_days_beyond_terms"] == "10.00"  # paid 10 days after 31 January
    assert period["payment_index"] == "70"
    assert period["maximum_days_past_due"] == 10
    assert len(data["trend"]) == 12
    assert data["trend"][-2]["start"] == "2025-01-01"
    assert data["trend"][-2]["dso"] == "31.00"  # 1,500 / 1,500 x 31
    assert data["trend"][-2]["cei"] is None  # nothing was collectible in January


def test_metrics_table_and_csv_for_the_portfolio(ledger):
    table = run("metrics", "--from", "2025-01-01", "--to", "2025-01-31")
    assert "Portfolio" in table and "12-month trend" in table
    assert "2025-01" in table and "2024-02" in table
    (january,) = [line for line in table.splitlines() if line.startswith("2025-01")]
    # DSO 31, countback 31, BPDSO 31 (all current), ADD 0, CEI undefined, no payments yet
    assert january.split() == [
        "2025-01",
        "31.00",
        "31.00",
        "31.00",
        "0.00",
        "-",
        "-",
        "-",
        "-",
        "-",
    ]
    text = run("metrics", "--from", "2025-01-01", "--to", "2025-01-31", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 12 + 1
    assert rows[0][:4] == ["start", "end", "opening_receivables", "credit_sales"]
    assert rows[-1][:4] == ["2025-01-01", "2025-01-31", "0.00", "1500.00"]


def test_reconcile_without_drift_exits_normally(ledger):
    assert "No drift" in run("reconcile")


def test_reconcile_reports_drift_and_exits_1_then_fixes_it(ledger):
    # Tamper with the maintained rows behind the services' back.
    CustomerExposure.objects.filter(customer=ledger).update(open_receivables=D("1.00"))
    OpenItemDue.objects.filter(customer=ledger).delete()
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("credo_receivables", "reconcile", stdout=out)
    assert error.value.returncode == 1
    assert "differ from the ledger" in str(error.value)
    report = out.getvalue()
    assert "open_receivables" in report and "1.00" in report and "500.00" in report
    assert "open_item_due" in report and "2025-02-28" in report
    # still wrong: reconcile without --fix changes nothing
    assert CustomerExposure.objects.get(customer=ledger).open_receivables == D("1.00")

    with pytest.raises(CommandError) as fixed:
        call_command("credo_receivables", "reconcile", "--fix", stdout=io.StringIO())
    assert "were corrected" in str(fixed.value)
    assert CustomerExposure.objects.get(customer=ledger).open_receivables == D("500.00")
    assert "No drift" in run("reconcile")


def test_zh_hans_output_uses_the_language_option(ledger):
    # Untranslated strings fall back to English; the option must at least be accepted.
    table = run("--language", "zh-hans", "ageing", "--as-of", "2025-02-05")
    assert "1,500.00" in table
