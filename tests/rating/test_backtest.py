"""Back-testing on a hand-built history: default rate by grade, migration matrix, limit
effectiveness; and the pure computations on their own."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pytest

from credo.rating import backtest
from credo.rating.defaults import DefaultDefinition

from .conftest import D, invoice, pay
from .histories import rate_as_of

pytestmark = pytest.mark.django_db

START = dt.date(2024, 1, 1)  # window: 1 Jan 2024 to 1 Jan 2025, default = 90+ days past due
# The hand-built amounts are small: without thresholds any residue past due counts.
ANY = DefaultDefinition(min_amount=Decimal(0), min_share=Decimal(0))


@pytest.fixture
def history(make_customer, simple_card, acting):
    """Eight rated customers (one already in default at the start) and one unrated.

    c1 AAA  paid on time                                        -> no default
    c2 AA   no invoice                                          -> no default
    c3 A    due 1 Mar 2024, paid 29 May (89 days)               -> no default
    c4 A    due 1 Mar 2024, paid 31 May: open on 30 May, the
            90th day (1 Mar + 90 = 30 May, 2024 a leap year)    -> default on 30 May
            + 500 due 1 May still open then: exposure 1,500
    c5 BB   due 15 Oct 2024: 90 days on 13 Jan 2025, after the window -> no default
    c6 C    due 1 Dec 2023, unpaid: 31 days at the start, 90 on 29 Feb 2024
                                                                -> default, exposure 700
    c7 C    due 1 Sep 2023, unpaid: 122 days at the start        -> left out (in default)
    c8 B    due 10 Jan 2024, written off 1 Mar (a write-off is a default) -> default on 1 Mar
    c9 unrated, in default                                      -> not in the population
    """
    from credo.decisions.services import credit_limit_set
    from credo.receivables.services import write_off_post

    c = {i: make_customer() for i in range(1, 10)}
    for i, grade in {1: "AAA", 2: "AA", 3: "A", 4: "A", 5: "BB", 6: "C", 7: "C", 8: "B"}.items():
        rate_as_of(c[i], simple_card, grade, dt.date(2023, 12, 31))
    rate_as_of(c[1], simple_card, "C", dt.date(2024, 6, 1))  # after the start: migration only
    rate_as_of(c[5], simple_card, "BBB", dt.date(2024, 7, 1))
    rate_as_of(c[2], simple_card, "AAA", dt.date(2025, 3, 1))  # after both migration dates

    pay(c[1], invoice(c[1], "1000", dt.date(2024, 2, 1)), "1000", dt.date(2024, 2, 10))
    pay(c[3], invoice(c[3], "1000", dt.date(2024, 3, 1)), "1000", dt.date(2024, 5, 29))
    pay(c[4], invoice(c[4], "1000", dt.date(2024, 3, 1)), "1000", dt.date(2024, 5, 31))
    invoice(c[4], "500", dt.date(2024, 5, 1))
    invoice(c[5], "2000", dt.date(2024, 10, 15))
    invoice(c[6], "700", dt.date(2023, 12, 1))
    invoice(c[7], "400", dt.date(2023, 9, 1))
    written = invoice(c[8], "300", dt.date(2024, 1, 10))
    write_off_post(instalment=written.instalments.get(), amount=D("300"),
                   on=dt.date(2024, 3, 1), reason="insolvent")
    invoice(c[9], "900", dt.date(2024, 1, 2))

    for i, amount in {1: "5000", 4: "1000", 6: "500", 7: "100"}.items():
        credit_limit_set(customer=c[i], amount=D(amount), user=acting,
                         valid_from=dt.date(2023, 6, 1))
    return c


def test_default_rate_by_grade(history):
    report = backtest.default_rate_by_grade(window_start=START, definition=ANY)
    assert (report.window_end, report.months, report.default_days) == (
        dt.date(2025, 1, 1), 12, 90
    )
    rows = {row.grade: (row.customers, row.defaults, row.default_rate) for row in report.rows}
    assert rows == {
        "AAA": (1, 0, 0.0), "AA": (1, 0, 0.0), "A": (2, 1, 0.5), "BBB": (0, 0, None),
        "BB": (1, 0, 0.0), "B": (1, 1, 1.0), "CCC": (0, 0, None), "CC": (0, 0, None),
        "C": (1, 1, 1.0),
    }
    assert [row.grade for row in report.rows][:3] == ["AAA", "AA", "A"]
    # 7 rated customers not in default at the start (c7 left out), 3 defaults: c4, c6, c8.
    assert (report.customers, report.defaults, report.excluded_in_default) == (7, 3, 1)
    assert report.default_rate == pytest.approx(3 / 7)
    assert report.monotone is False  # A 50 % then BB 0 %: falls
    json.dumps(report.to_dict())  # JSON-able
    assert report.to_dict()["window_start"] == "2024-01-01"


def test_a_shorter_window_and_definition(history):
    # 3 months to 1 April 2024: c6 (29 Feb) and c8 (written off 1 Mar) default; c4 (30 May)
    # not yet.
    three = DefaultDefinition(months=3, min_amount=Decimal(0), min_share=Decimal(0))
    report = backtest.default_rate_by_grade(window_start=START, definition=three)
    assert report.defaults == 2 and report.months == 3
    # One month: only c6 is 31 days past due by then, neither 90 nor written off.
    one = DefaultDefinition(months=1, min_amount=Decimal(0), min_share=Decimal(0))
    assert backtest.default_rate_by_grade(window_start=START, definition=one).defaults == 0
    # 60 days past due within 1 month: c6 on 30 Jan (1 Dec + 60); c7 is in default at the start
    # already (122 days).
    sixty = DefaultDefinition(days=60, months=1, min_amount=Decimal(0), min_share=Decimal(0))
    report = backtest.default_rate_by_grade(window_start=START, definition=sixty)
    assert report.defaults == 1 and report.excluded_in_default == 1
    assert {row.grade for row in report.rows if row.defaults} == {"C"}
    assert report.definition["code"] == "60dpd1m"


def test_the_configured_thresholds_leave_small_residues_out(history):
    # The setting: material from 1,000 and 1 %. c4 (1,000 open of 1,500) still defaults;
    # c6 (700) and c8 (300 written off) are below 1,000; c7 (400) is no longer in default at
    # the start, so it joins the population and does not default either.
    report = backtest.default_rate_by_grade(window_start=START)
    assert report.definition == {"code": "90dpd12m", "days": 90, "months": 12,
                                 "min_amount": "1000", "min_share": "0.01"}
    assert (report.customers, report.defaults, report.excluded_in_default) == (8, 1, 0)
    assert {row.grade for row in report.rows if row.defaults} == {"A"}


def test_migration_matrix(history):
    matrix = backtest.migration_matrix(start=START, end=dt.date(2024, 12, 31))
    assert matrix.grades == ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
    counts = {
        (matrix.grades[i], matrix.grades[j]): n
        for i, row in enumerate(matrix.counts) for j, n in enumerate(row) if n
    }
    # c1 AAA -> C, c5 BB -> BBB, the rest unchanged (c2's AAA comes later, in 2025).
    assert counts == {
        ("AAA", "C"): 1, ("AA", "AA"): 1, ("A", "A"): 2, ("BB", "BBB"): 1, ("B", "B"): 1,
        ("C", "C"): 2,
    }
    assert (matrix.customers, matrix.upgrades, matrix.downgrades, matrix.unchanged) == (8, 1, 1, 6)
    a_row = matrix.shares[matrix.grades.index("A")]
    assert a_row[matrix.grades.index("A")] == 1.0
    assert matrix.shares[matrix.grades.index("BBB")] == (None,) * 9  # nobody started in BBB
    json.dumps(matrix.to_dict())


def test_limit_effectiveness(history):
    report = backtest.limit_effectiveness(window_start=START, definition=ANY)
    rows = {row.grade: row for row in report.rows if row.customers_with_limit}
    assert set(rows) == {"AAA", "A", "C"}  # c7 (C) is left out: in default at the start
    assert (rows["AAA"].customers_with_limit, rows["AAA"].defaults) == (1, 0)
    assert rows["AAA"].limits_total == D("5000.00") and rows["AAA"].exposure_to_limit is None
    a = rows["A"]  # c4: limit 1,000, exposure at default 1,000 + 500 = 1,500
    assert (a.customers_with_limit, a.defaults, a.default_rate) == (1, 1, 1.0)
    assert (a.defaulted_limits_total, a.exposure_at_default_total) == (D("1000.00"),
                                                                       D("1500.00"))
    assert a.exposure_to_limit == 1.5 and a.over_limit_at_default == 1
    c = rows["C"]  # c6: limit 500, exposure 700
    assert (c.exposure_at_default_total, c.exposure_to_limit) == (D("700.00"), 1.4)
    total = report.total
    assert (total.customers_with_limit, total.defaults, total.over_limit_at_default) == (3, 2, 2)
    assert total.limits_total == D("6500.00")
    # (1,500 + 700) / (1,000 + 500) = 2,200 / 1,500
    assert total.exposure_to_limit == pytest.approx(2200 / 1500)
    assert report.currency == "CNY"
    json.dumps(report.to_dict())


def test_empty_history():
    report = backtest.default_rate_by_grade(window_start=START)
    assert (report.customers, report.defaults, report.default_rate) == (0, 0, None)
    assert report.monotone is True
    matrix = backtest.migration_matrix(start=START, end=dt.date(2024, 12, 31))
    assert matrix.customers == 0 and matrix.counts[0] == (0,) * 9


# --- pure computations ------------------------------------------------------------------------


def test_default_rate_rows_and_monotone():
    rows = backtest.default_rate_rows(
        ["AAA", "AAA", "A", "C", "C"], np.array([False, False, False, True, False]),
        ("AAA", "A", "C"),
    )
    assert [(r.grade, r.customers, r.defaults, r.default_rate) for r in rows] == [
        ("AAA", 2, 0, 0.0), ("A", 1, 0, 0.0), ("C", 2, 1, 0.5)
    ]
    assert backtest._monotone([0.0, None, 0.0, 0.5]) is True
    assert backtest._monotone([0.1, 0.05]) is False
