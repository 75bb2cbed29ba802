"""Ageing as of past dates and metrics read from a small ledger built through the services."""

from __future__ import annotations

import datetime as dt

import pytest

from credo.customers.models import Customer
from credo.receivables import services
from credo.receivables.ageing import BASIS_INVOICE, YEARS_SCHEME, scheme_get
from credo.receivables.reports import (
    BY_CUSTOMER,
    BY_GROUP,
    BY_OWNER,
    BY_PORTFOLIO,
    ageing_report,
    bucket_label,
    collection_metrics,
    credit_sales,
    paid_amounts,
    receivables_at,
)

from .conftest import D, day

pytestmark = pytest.mark.django_db


def _invoice(customer, number, invoice_date, amount, terms=None, currency="CNY", **kw):
    return services.invoice_post(
        customer=customer,
        number=number,
        invoice_date=day(invoice_date),
        currency=currency,
        amount=D(amount),
        payment_terms=terms,
        **kw,
    )


def _pay(customer, number, on, amount, allocations, currency="CNY"):
    """Post a payment and allocate it: ``allocations`` = [(invoice, amount), ...]."""
    payment = services.payment_post(
        customer=customer,
        number=number,
        payment_date=day(on),
        currency=currency,
        amount=D(amount),
    )
    for invoice, part in allocations:
        services.allocation_create(
            payment=payment,
            instalment=invoice.instalments.get(sequence=1),
            amount=D(part),
            on=day(on),
        )
    return payment


def _only(customer):
    return Customer.objects.filter(pk=customer.pk)


def _row(report, group):
    matches = [row for row in report.rows if row.group == str(group)]
    return matches[0] if matches else None


# ----------------------------------------------------------------------------- ageing as of


def test_invoice_paid_on_day_40_ages_then_disappears(customer, terms):
    # Invoiced 1 January, net 30: due 31 January; paid 10 February (day 40).
    invoice = _invoice(customer, "INV-1", "2025-01-01", "1000.00", terms["net30"])
    _pay(customer, "PAY-1", "2025-02-10", "1000.00", [(invoice, "1000.00")])

    def ageing(as_of):
        return ageing_report(as_of=day(as_of), customers=_only(customer))

    assert ageing("2024-12-31").rows == []  # not yet invoiced
    before_due = _row(ageing("2025-01-20"), customer.pk)
    assert before_due.buckets["not_due"] == D("1000.00") and before_due.overdue == D("0.00")
    on_due_date = _row(ageing("2025-01-31"), customer.pk)
    assert on_due_date.buckets["not_due"] == D("1000.00")  # due today = not yet overdue
    day_35 = _row(ageing("2025-02-05"), customer.pk)  # 5 days overdue
    assert day_35.buckets["d1_30"] == D("1000.00")
    assert day_35.overdue == D("1000.00") and day_35.total == D("1000.00")
    assert sum(day_35.buckets.values()) == D("1000.00")
    assert ageing("2025-02-10").rows == []  # paid that day
    assert ageing("2025-02-14").rows == []  # day 45


def test_partial_payment_write_off_and_credit_note_by_their_dates(customer, terms):
    invoice = _invoice(customer, "INV-2", "2025-01-01", "1000.00", terms["net30"])
    _pay(customer, "PAY-2", "2025-02-15", "300.00", [(invoice, "300.00")])
    services.credit_note_post(
        customer=customer,
        number="CN-2",
        note_date=day("2025-03-10"),
        currency="CNY",
        amount=D("200.00"),
        reason="damaged goods",
        invoice=invoice,
    )
    services.write_off_post(
        instalment=invoice.instalments.get(),
        amount=D("500.00"),
        on=day("2025-06-30"),
        reason="insolvent",
    )
    totals = {
        as_of: ageing_report(as_of=day(as_of), customers=_only(customer)).total
        for as_of in ("2025-02-14", "2025-02-15", "2025-03-10", "2025-06-29", "2025-06-30")
    }
    assert totals["2025-02-14"].buckets["d1_30"] == D("1000.00")
    assert totals["2025-02-15"].buckets["d1_30"] == D("700.00")
    assert totals["2025-03-10"].buckets["d31_60"] == D("500.00")  # 38 days overdue
    assert totals["2025-06-29"].buckets["d91_180"] == D("500.00")  # 149 days
    assert totals["2025-06-30"].total == D("0.00")


def test_cancelled_invoice_counts_until_its_cancel_date(customer):
    invoice = _invoice(customer, "INV-3", "2025-01-10", "400.00")  # due on its date
    services.invoice_cancel(invoice=invoice, on=day("2025-01-20"))
    assert ageing_report(as_of=day("2025-01-19"), customers=_only(customer)).total.total == D(
        "400.00"
    )
    assert ageing_report(as_of=day("2025-01-20"), customers=_only(customer)).rows == []


def test_disputed_part_is_shown_apart_while_the_dispute_is_open(customer, terms):
    invoice = _invoice(customer, "INV-4", "2025-01-01", "1000.00", terms["net30"])
    dispute = services.dispute_open(
        instalment=invoice.instalments.get(),
        amount=D("250.00"),
        reason="short delivery",
        on=day("2025-02-01"),
    )
    services.dispute_resolve(dispute=dispute, on=day("2025-03-01"), resolution="accepted")

    def row(as_of):
        return _row(ageing_report(as_of=day(as_of), customers=_only(customer)), customer.pk)

    before = row("2025-01-31")
    assert before.disputed == D("0.00") and before.buckets["not_due"] == D("1000.00")
    during = row("2025-02-10")
    assert during.disputed == D("250.00")
    assert during.buckets["d1_30"] == D("750.00")  # undisputed part only
    assert during.total == D("1000.00") and during.overdue == D("1000.00")
    after = row("2025-03-01")
    assert after.disputed == D("0.00") and after.buckets["d1_30"] == D("1000.00")


def test_instalments_age_separately_and_foreign_currency_in_company_currency(
    customer, terms, usd_rates
):
    # 40/60 instalments of a USD invoice at 7.20: 288.00 due 4 April, 432.00 due 4 May.
    _invoice(customer, "INV-5", "2025-03-05", "100.00", terms["split"], currency="USD")
    report = ageing_report(as_of=day("2025-04-20"), customers=_only(customer))
    row = _row(report, customer.pk)
    assert row.buckets["d1_30"] == D("288.00")
    assert row.buckets["not_due"] == D("432.00")
    assert row.total == D("720.00") and row.items == 2
    assert report.oldest_due[str(customer.pk)] == day("2025-04-04")


def test_invoice_date_basis_and_years_scheme(customer, terms):
    _invoice(customer, "INV-6", "2023-01-15", "100.00", terms["net30"])
    _invoice(customer, "INV-7", "2025-01-15", "50.00", terms["net30"])
    report = ageing_report(
        as_of=day("2025-01-15"),
        basis=BASIS_INVOICE,
        scheme=YEARS_SCHEME,
        customers=_only(customer),
    )
    assert report.bucket_keys == ["within_1y", "y1_2", "y2_3", "over_3y"]
    row = report.rows[0]
    # 2023-01-15 -> 2025-01-15 is 731 days: the third year
    assert row.buckets == {
        "within_1y": D("50.00"),
        "y1_2": D("0.00"),
        "y2_3": D("100.00"),
        "over_3y": D("0.00"),
    }
    by_due = ageing_report(as_of=day("2025-01-15"), customers=_only(customer))
    assert by_due.rows[0].buckets["not_due"] == D("50.00")
    assert by_due.rows[0].buckets["over_365"] == D("100.00")


def test_custom_scheme_sql_matches_in_memory_bucketing(customer):
    for number, (invoice_date, amount) in enumerate(
        [
            ("2025-03-01", "1.00"),
            ("2025-02-14", "2.00"),
            ("2025-01-30", "4.00"),
            ("2024-12-01", "8.00"),
            ("2024-06-01", "16.00"),
        ]
    ):
        _invoice(customer, f"INV-C{number}", invoice_date, amount)
    scheme = scheme_get("0,15,45,100")
    report = ageing_report(as_of=day("2025-03-01"), scheme=scheme, customers=_only(customer))
    # days overdue: 0, 15, 30, 90, 273
    assert report.rows[0].buckets == {
        "not_due": D("1.00"),
        "d1_15": D("2.00"),
        "d16_45": D("4.00"),
        "d46_100": D("8.00"),
        "over_100": D("16.00"),
    }
    assert [bucket_label(key) for key in report.bucket_keys] == [
        "not due",
        "1-15",
        "16-45",
        "46-100",
        ">100",
    ]


@pytest.fixture
def portfolio(make_customer, account_manager, other_account_manager, acting):
    parent = make_customer(owner=account_manager, name_zh="集团母公司")
    child = make_customer(owner=other_account_manager, name_zh="子公司", parent=parent)
    grandchild = make_customer(owner=account_manager, name_zh="孙公司", parent=child)
    loner = make_customer(owner=other_account_manager, name_zh="独立客户")
    _invoice(parent, "P-1", "2025-01-01", "100.00")
    _invoice(child, "C-1", "2025-01-01", "20.00")
    _invoice(grandchild, "G-1", "2025-03-01", "3.00")
    _invoice(loner, "L-1", "2025-03-01", "4000.00")
    return parent, child, grandchild, loner


def test_ageing_by_owner_group_and_portfolio(portfolio, account_manager, other_account_manager):
    parent, child, grandchild, loner = portfolio
    as_of = day("2025-03-01")
    by_owner = ageing_report(as_of=as_of, by=BY_OWNER)
    assert _row(by_owner, account_manager.pk).total == D("103.00")
    assert _row(by_owner, other_account_manager.pk).total == D("4020.00")
    assert _row(by_owner, account_manager.pk).label == account_manager.username

    by_group = ageing_report(as_of=as_of, by=BY_GROUP)
    assert {row.group: row.total for row in by_group.rows} == {
        str(parent.pk): D("123.00"),
        str(loner.pk): D("4000.00"),
    }
    group_row = _row(by_group, parent.pk)
    assert group_row.items == 3
    assert group_row.buckets["d31_60"] == D("120.00")  # 59 days overdue
    assert group_row.buckets["not_due"] == D("3.00")
    assert "集团母公司" in group_row.label

    by_portfolio = ageing_report(as_of=as_of, by=BY_PORTFOLIO)
    (only,) = by_portfolio.rows
    assert only.total == D("4123.00") and only.overdue == D("120.00")
    assert by_portfolio.total.total == D("4123.00")

    by_customer = ageing_report(as_of=as_of, by=BY_CUSTOMER)
    assert len(by_customer.rows) == 4
    assert by_customer.total.total == D("4123.00")


def test_ageing_restricted_to_visible_customers(portfolio, account_manager):
    visible = Customer.objects.restrict(account_manager)
    report = ageing_report(as_of=day("2025-03-01"), customers=visible)
    parent, _child, grandchild, _loner = portfolio
    assert {row.group for row in report.rows} == {str(parent.pk), str(grandchild.pk)}
    assert report.total.total == D("103.00")


def test_portfolio_without_open_items_is_empty(db):
    report = ageing_report(as_of=day("2025-03-01"), by=BY_PORTFOLIO)
    assert report.rows == [] and report.total.total == D("0.00")


def test_ageing_today_matches_the_maintained_exposure(portfolio):
    from credo.receivables.selectors import exposure_snapshot

    as_of = day("2025-03-01")
    report = ageing_report(as_of=as_of)
    for customer in portfolio:
        snapshot = exposure_snapshot(customer=customer, today=as_of)
        row = _row(report, customer.pk)
        assert row.total == snapshot.open_receivables
        assert row.overdue == snapshot.overdue


# ----------------------------------------------------------------------------- metrics ledger


@pytest.fixture
def ledger(customer, make_customer, terms, acting):
    """Z 500 (Dec, unpaid), A 1,000 (Jan, paid on time), B 2,000 (Feb, paid 10 days late),
    C 3,000 (Mar, not due at the end of March); all net 30. A second customer's invoice must
    not leak into the first customer's metrics."""
    net30 = terms["net30"]
    _invoice(customer, "Z", "2024-12-01", "500.00", net30)  # due 2024-12-31
    a = _invoice(customer, "A", "2025-01-10", "1000.00", net30)  # due 2025-02-09
    b = _invoice(customer, "B", "2025-02-15", "2000.00", net30)  # due 2025-03-17
    _invoice(customer, "C", "2025-03-05", "3000.00", net30)  # due 2025-04-04
    _pay(customer, "P1", "2025-02-09", "1000.00", [(a, "1000.00")])
    _pay(customer, "P2", "2025-03-27", "2000.00", [(b, "2000.00")])
    other = make_customer()
    _invoice(other, "X", "2025-03-01", "99999.00", net30)
    cancelled = _invoice(customer, "Q", "2025-03-02", "777.00", net30)
    services.invoice_cancel(invoice=cancelled, on=day("2025-03-03"))
    return customer, other


def test_balances_and_sales_from_the_ledger(ledger):
    customer, _other = ledger
    balances = receivables_at(
        [day("2024-12-31"), day("2025-02-28"), day("2025-03-31")], customers=_only(customer)
    )
    assert balances[day("2024-12-31")].total == D("500.00")
    assert balances[day("2024-12-31")].current == D("500.00")  # due that day
    assert balances[day("2025-02-28")].total == D("2500.00")
    assert balances[day("2025-02-28")].current == D("2000.00")
    assert balances[day("2025-03-31")].total == D("3500.00")
    assert balances[day("2025-03-31")].oldest_overdue_days(day("2025-03-31")) == 90
    sales = credit_sales(
        [
            (day("2025-01-01"), day("2025-03-31")),
            (day("2025-03-01"), day("2025-03-31")),
            (day("2025-03-01"), day("2025-03-02")),
        ],
        customers=_only(customer),
    )
    # The invoice cancelled on 3 March counts in a period ending before its cancellation.
    assert sales == [D("6000.00"), D("3000.00"), D("777.00")]
    paid = paid_amounts(start=day("2025-01-01"), end=day("2025-03-31"), customers=_only(customer))
    assert [(p.amount, p.days_late) for p in paid] == [(D("1000.00"), 0), (D("2000.00"), 10)]


def test_quarter_metrics_worked_example(ledger):
    customer, _other = ledger
    report = collection_metrics(
        start=day("2025-01-01"), end=day("2025-03-31"), customers=_only(customer)
    )
    m = report.period
    assert (m.opening_receivables, m.credit_sales) == (D("500.00"), D("6000.00"))
    assert (m.closing_receivables, m.closing_current_receivables) == (D("3500.00"), D("3000.00"))
    assert m.dso == D("52.50")  # 3,500 / 6,000 x 90
    assert m.best_possible_dso == D("45.00")  # 3,000 / 6,000 x 90
    assert m.average_days_delinquent == D("7.50")
    assert m.countback_dso == D("38.00")  # March 31 days, then 500 of Feb's 2,000 x 28 = 7
    assert m.cei == D("85.71")  # (500 + 6,000 - 3,500) / (500 + 6,000 - 3,000)
    assert m.average_days_beyond_terms == D("6.67")  # (1,000 x 0 + 2,000 x 10) / 3,000
    assert m.share_paid_on_time == D("33.33")
    assert m.payment_index == D("73")  # (1,000 x 80 + 2,000 x 70) / 3,000
    assert m.maximum_days_past_due == 90  # Z, open and due 31 December


def test_monthly_trend_worked_example(ledger):
    customer, _other = ledger
    report = collection_metrics(
        start=day("2025-03-01"), end=day("2025-03-31"), customers=_only(customer)
    )
    assert len(report.trend) == 12
    assert report.trend[0].start == day("2024-04-01")
    march, february = report.trend[-1], report.trend[-2]
    assert march == report.period
    assert march.dso == D("36.17")  # 3,500 / 3,000 x 31
    assert march.average_days_delinquent == D("5.17")  # 36.17 - 31.00
    assert march.cei == D("80.00")  # (2,500 + 3,000 - 3,500) / (2,500 + 3,000 - 3,000)
    assert march.payment_index == D("70")
    assert march.countback_dso == D("38.00")
    assert (march.average_days_beyond_terms, march.share_paid_on_time) == (D("10.00"), D("0.00"))
    assert march.maximum_days_past_due == 90
    assert february.dso == D("35.00")  # 2,500 / 2,000 x 28
    assert february.best_possible_dso == D("28.00")  # 2,000 / 2,000 x 28
    assert february.average_days_delinquent == D("7.00")
    assert february.countback_dso == D("43.50")  # 28 days, then 500 of Jan's 1,000 x 31
    assert february.cei == D("66.67")  # (1,500 + 2,000 - 2,500) / (1,500 + 2,000 - 2,000)
    assert february.share_paid_on_time == D("100.00")
    assert february.payment_index == D("80")
    assert february.maximum_days_past_due == 59  # Z as of 28 February
    december = report.trend[-4]
    assert december.dso == D("31.00") and december.cei is None  # nothing collectible yet
    april = report.trend[0]
    assert april.dso is None and april.countback_dso == D("0.00") and april.payment_index is None


def test_portfolio_metrics_include_every_customer(ledger):
    report = collection_metrics(start=day("2025-03-01"), end=day("2025-03-31"))
    assert report.period.credit_sales == D("102999.00")
    assert report.period.closing_receivables == D("103499.00")


def test_metrics_reject_a_period_ending_before_it_starts(db):
    with pytest.raises(ValueError):
        collection_metrics(start=dt.date(2025, 3, 2), end=dt.date(2025, 3, 1))
