"""Due dates from payment terms, worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credo.receivables.terms import end_of_month, instalment_problems, instalment_schedule


def test_net_30_is_thirty_days_after_the_invoice_date():
    assert instalment_schedule(
        kind="net", days=30, instalments=None, invoice_date=dt.date(2025, 1, 15),
        amount=Decimal("100.00"),
    ) == [(dt.date(2025, 2, 14), Decimal("100.00"))]


@pytest.mark.parametrize(
    ("invoice_date", "due"),
    [
        (dt.date(2025, 1, 15), dt.date(2025, 3, 2)),  # 31 Jan + 30 days
        (dt.date(2025, 2, 1), dt.date(2025, 3, 30)),  # 28 Feb + 30 days (not a leap year)
        (dt.date(2024, 2, 29), dt.date(2024, 3, 30)),  # 29 Feb 2024 + 30 days
        (dt.date(2025, 12, 31), dt.date(2026, 1, 30)),  # across the year end
    ],
)
def test_end_of_month_plus_30(invoice_date, due):
    assert instalment_schedule(
        kind="eom", days=30, instalments=None, invoice_date=invoice_date, amount=Decimal("5"),
    ) == [(due, Decimal("5"))]


def test_end_of_month():
    assert end_of_month(dt.date(2024, 2, 10)) == dt.date(2024, 2, 29)
    assert end_of_month(dt.date(2025, 4, 30)) == dt.date(2025, 4, 30)


def test_instalments_40_60():
    schedule = instalment_schedule(
        kind="instalments", days=0,
        instalments=[{"percent": "40", "days": 30}, {"percent": "60", "days": 60}],
        invoice_date=dt.date(2025, 1, 1), amount=Decimal("1000.00"),
    )
    assert schedule == [
        (dt.date(2025, 1, 31), Decimal("400.00")),
        (dt.date(2025, 3, 2), Decimal("600.00")),
    ]


def test_rounding_remainder_goes_on_the_last_instalment():
    schedule = instalment_schedule(
        kind="instalments", days=0,
        instalments=[{"percent": "33.33", "days": 0}, {"percent": "33.33", "days": 30},
                     {"percent": "33.34", "days": 60}],
        invoice_date=dt.date(2025, 1, 1), amount=Decimal("100.01"),
    )
    # 33.33 % of 100.01 = 33.333333 -> 33.33 twice; the last takes 100.01 - 66.66 = 33.35.
    assert [amount for _due, amount in schedule] == [
        Decimal("33.33"), Decimal("33.33"), Decimal("33.35")
    ]
    assert sum(amount for _due, amount in schedule) == Decimal("100.01")


@pytest.mark.parametrize(
    ("instalments", "problems"),
    [
        ([], ["empty"]),
        ([{"percent": "40"}], ["shape"]),
        ([{"percent": "abc", "days": 1}], ["percent"]),
        ([{"percent": "40", "days": 30}, {"percent": "50", "days": 60}], ["sum"]),
        ([{"percent": "0", "days": 30}, {"percent": "100", "days": 60}], ["percent"]),
        ([{"percent": "50", "days": 60}, {"percent": "50", "days": 30}], ["order"]),
        ([{"percent": "100", "days": -1}], ["days"]),
        ([{"percent": "40", "days": 30}, {"percent": "60", "days": 60}], []),
    ],
)
def test_instalment_problems(instalments, problems):
    assert instalment_problems(instalments) == problems


def test_invalid_instalments_raise():
    with pytest.raises(ValueError):
        instalment_schedule(
            kind="instalments", days=0, instalments=[{"percent": "50", "days": 1}],
            invoice_date=dt.date(2025, 1, 1), amount=Decimal("1"),
        )
