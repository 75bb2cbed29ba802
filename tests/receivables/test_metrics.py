"""Worked examples of every collection metric, computed by hand from the definitions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from credo.receivables.metrics import (
    MonthSales,
    PaidAmount,
    PeriodFigures,
    add_months,
    average_days_beyond_terms,
    average_days_delinquent,
    best_possible_dso,
    collection_effectiveness_index,
    countback_dso,
    maximum_days_past_due,
    month_end,
    payment_index,
    payment_index_for_days,
    period_metrics,
    share_paid_on_time,
    simple_dso,
    trailing_months,
)

D = Decimal


# ----------------------------------------------------------------------------- simple DSO / BPDSO


def test_simple_dso_worked_example():
    # Quarter of 90 days, credit sales 300,000, closing receivables 120,000:
    # 120,000 / 300,000 x 90 = 36 days.
    assert simple_dso(receivables=D("120000"), credit_sales=D("300000"), days=90) == D("36.00")


def test_simple_dso_rounds_half_up_to_hundredths():
    # 100 / 300 x 31 = 10.3333... -> 10.33
    assert simple_dso(receivables=D("100"), credit_sales=D("300"), days=31) == D("10.33")
    # 1 / 8 x 1 = 0.125 -> 0.13 (half up, not banker's rounding)
    assert simple_dso(receivables=D("1"), credit_sales=D("8"), days=1) == D("0.13")


def test_simple_dso_without_sales_is_undefined_and_without_receivables_zero():
    assert simple_dso(receivables=D("500"), credit_sales=D("0"), days=30) is None
    assert simple_dso(receivables=D("0"), credit_sales=D("1000"), days=30) == D("0.00")


def test_best_possible_dso_and_average_days_delinquent():
    # Of the 120,000 owed only 45,000 is not yet due: BPDSO = 45,000 / 300,000 x 90 = 13.5;
    # ADD = DSO - BPDSO = 36 - 13.5 = 22.5 days.
    bpdso = best_possible_dso(current_receivables=D("45000"), credit_sales=D("300000"), days=90)
    assert bpdso == D("13.50")
    dso = simple_dso(receivables=D("120000"), credit_sales=D("300000"), days=90)
    assert average_days_delinquent(dso=dso, best_possible=bpdso) == D("22.50")


def test_bpdso_and_add_undefined_without_sales():
    assert best_possible_dso(current_receivables=D("1"), credit_sales=D("0"), days=30) is None
    assert average_days_delinquent(dso=None, best_possible=D("3")) is None
    assert average_days_delinquent(dso=D("3"), best_possible=None) is None


# ----------------------------------------------------------------------------- countback DSO


def test_countback_dso_worked_example():
    # Receivable at 31 March: 250,000. Credit sales: March 100,000 (31 days), February 120,000
    # (28 days), January 90,000 (31 days).
    # March is fully covered: 31 days, 150,000 left. February fully covered: 28 days, 30,000 left.
    # January only partly: 30,000 / 90,000 x 31 = 10.333 days.
    # Countback DSO = 31 + 28 + 10.333 = 69.33 days.
    months = [
        MonthSales(31, D("100000")),
        MonthSales(28, D("120000")),
        MonthSales(31, D("90000")),
    ]
    assert countback_dso(receivables=D("250000"), months_newest_first=months) == D("69.33")


def test_countback_dso_within_the_first_month():
    # 40,000 owed against March sales of 100,000: 40,000 / 100,000 x 31 = 12.4 days.
    months = [MonthSales(31, D("100000")), MonthSales(28, D("120000"))]
    assert countback_dso(receivables=D("40000"), months_newest_first=months) == D("12.40")


def test_countback_dso_exactly_one_month():
    months = [MonthSales(30, D("50000")), MonthSales(31, D("10"))]
    assert countback_dso(receivables=D("50000"), months_newest_first=months) == D("30.00")


def test_countback_dso_skips_months_without_sales():
    # March had no sales: all 31 days count; then 20,000 of February's 40,000 (28 days) = 14.
    months = [MonthSales(31, D("0")), MonthSales(28, D("40000"))]
    assert countback_dso(receivables=D("20000"), months_newest_first=months) == D("45.00")


def test_countback_dso_beyond_history_uses_average_daily_sales():
    # Two months of 30 days with 30,000 each (1,000 a day); 75,000 owed: 60 days use up 60,000,
    # the remaining 15,000 at 1,000 a day add 15 days = 75.
    months = [MonthSales(30, D("30000")), MonthSales(30, D("30000"))]
    assert countback_dso(receivables=D("75000"), months_newest_first=months) == D("75.00")


def test_countback_dso_edge_cases():
    months = [MonthSales(31, D("0")), MonthSales(30, D("0"))]
    assert countback_dso(receivables=D("0"), months_newest_first=months) == D("0.00")
    assert countback_dso(receivables=D("100"), months_newest_first=months) is None
    assert countback_dso(receivables=D("100"), months_newest_first=[]) is None


# ----------------------------------------------------------------------------- CEI


def test_cei_worked_example():
    # Opening AR 200,000; credit sales 300,000; closing AR 180,000 of which 120,000 not yet due.
    # Collected = 200,000 + 300,000 - 180,000 = 320,000.
    # Collectible = 200,000 + 300,000 - 120,000 = 380,000.
    # CEI = 320,000 / 380,000 x 100 = 84.2105... -> 84.21 %.
    assert collection_effectiveness_index(
        opening_receivables=D("200000"),
        credit_sales=D("300000"),
        closing_receivables=D("180000"),
        closing_current_receivables=D("120000"),
    ) == D("84.21")


def test_cei_is_100_when_everything_collectible_was_collected():
    # Everything still owed at the end is not yet due.
    assert collection_effectiveness_index(
        opening_receivables=D("1000"),
        credit_sales=D("500"),
        closing_receivables=D("400"),
        closing_current_receivables=D("400"),
    ) == D("100.00")


def test_cei_is_0_when_nothing_was_collected():
    assert collection_effectiveness_index(
        opening_receivables=D("1000"),
        credit_sales=D("0"),
        closing_receivables=D("1000"),
        closing_current_receivables=D("0"),
    ) == D("0.00")


def test_cei_undefined_when_nothing_was_collectible():
    # No opening balance, no sales: nothing could have been collected.
    assert (
        collection_effectiveness_index(
            opening_receivables=D("0"),
            credit_sales=D("0"),
            closing_receivables=D("0"),
            closing_current_receivables=D("0"),
        )
        is None
    )
    # All sales still not due at the end: collectible = 0.
    assert (
        collection_effectiveness_index(
            opening_receivables=D("0"),
            credit_sales=D("500"),
            closing_receivables=D("500"),
            closing_current_receivables=D("500"),
        )
        is None
    )


# ----------------------------------------------------------------------------- payment behaviour

PAID = [
    # 1,000 due 10 March paid 5 March (5 days early)
    PaidAmount(D("1000"), date(2025, 3, 10), date(2025, 3, 5)),
    # 3,000 due 10 March paid 20 March (10 days late)
    PaidAmount(D("3000"), date(2025, 3, 10), date(2025, 3, 20)),
    # 2,000 due 31 March paid 30 April (30 days late)
    PaidAmount(D("2000"), date(2025, 3, 31), date(2025, 4, 30)),
    # 4,000 due 15 April paid on the due date
    PaidAmount(D("4000"), date(2025, 4, 15), date(2025, 4, 15)),
]


def test_average_days_beyond_terms_weighted_by_amount():
    # (1,000 x 0 + 3,000 x 10 + 2,000 x 30 + 4,000 x 0) / 10,000 = 90,000 / 10,000 = 9 days.
    assert average_days_beyond_terms(PAID) == D("9.00")


def test_share_paid_on_time_by_amount():
    # On time or early: 1,000 + 4,000 = 5,000 of 10,000 = 50 %.
    assert share_paid_on_time(PAID) == D("50.00")


def test_maximum_days_past_due_covers_paid_and_open_items():
    assert maximum_days_past_due(paid=PAID) == 30
    assert maximum_days_past_due(paid=PAID, open_overdue_days=[45, 3]) == 45
    # Only early payments: nothing past due.
    assert maximum_days_past_due(paid=PAID[:1]) == 0


def test_payment_behaviour_without_payments():
    assert average_days_beyond_terms([]) is None
    assert share_paid_on_time([]) is None
    assert payment_index([]) is None
    assert maximum_days_past_due() is None
    # zero amounts are ignored, not divided by
    assert (
        average_days_beyond_terms([PaidAmount(D("0"), date(2025, 1, 1), date(2025, 2, 1))]) is None
    )


@pytest.mark.parametrize(
    ("days_late", "expected"),
    [
        (-60, D("100")),  # far early: capped at 100
        (-30, D("100")),  # anchor: early
        (-15, D("90")),  # halfway between (-30, 100) and (0, 80)
        (0, D("80")),  # anchor: on time
        (15, D("65")),  # halfway between (0, 80) and (30, 50)
        (30, D("50")),  # anchor: 30 days late
        (75, D("35")),  # halfway between (30, 50) and (120, 20)
        (120, D("20")),  # anchor: 120 days late
        (150, D("10")),  # 1 point per 3 days continues: 20 - 30/3
        (177, D("1")),  # floor reached
        (400, D("1")),  # floor
    ],
)
def test_payment_index_anchors_and_interpolation(days_late, expected):
    assert payment_index_for_days(days_late) == expected


def test_payment_index_between_anchors_is_linear_not_rounded():
    # 10 days late: 80 - 10 x 1 = 70; 10 days early: 80 + 10 x 2/3 = 86.666...
    assert payment_index_for_days(10) == D("70")
    assert payment_index_for_days(-10).quantize(D("0.0001")) == D("86.6667")


def test_payment_index_weighted_by_amount():
    # Scores: 5 days early -> 80 + 5 x 2/3 = 83.333; 10 late -> 70; 30 late -> 50; on time -> 80.
    # (1,000 x 83.333 + 3,000 x 70 + 2,000 x 50 + 4,000 x 80) / 10,000
    # = (83,333.33 + 210,000 + 100,000 + 320,000) / 10,000 = 71.33 -> 71.
    assert payment_index(PAID) == D("71")


def test_payment_index_all_on_time_is_80_and_all_early_is_100():
    assert payment_index([PaidAmount(D("5"), date(2025, 1, 31), date(2025, 1, 31))]) == D("80")
    assert payment_index([PaidAmount(D("5"), date(2025, 3, 31), date(2025, 1, 31))]) == D("100")


# ----------------------------------------------------------------------------- calendar helpers


def test_trailing_months_end_with_the_given_day():
    months = trailing_months(date(2025, 3, 15), 12)
    assert len(months) == 12
    assert months[0] == (date(2024, 4, 1), date(2024, 4, 30))
    assert months[-2] == (date(2025, 2, 1), date(2025, 2, 28))
    assert months[-1] == (date(2025, 3, 1), date(2025, 3, 15))


def test_add_months_clamps_the_day():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 15), -13) == date(2023, 12, 15)
    assert month_end(date(2024, 2, 3)) == date(2024, 2, 29)


# ----------------------------------------------------------------------------- period bundle


def test_period_metrics_bundle_matches_the_single_functions():
    figures = PeriodFigures(
        start=date(2025, 1, 1),
        end=date(2025, 3, 31),
        opening_receivables=D("200000"),
        credit_sales=D("300000"),
        closing_receivables=D("180000"),
        closing_current_receivables=D("120000"),
        history_newest_first=[
            MonthSales(31, D("100000")),
            MonthSales(28, D("120000")),
            MonthSales(31, D("80000")),
        ],
        paid=PAID,
        open_overdue_days=[12],
    )
    metrics = period_metrics(figures)
    assert metrics.days == 90
    # 180,000 / 300,000 x 90 = 54; BPDSO 120,000 / 300,000 x 90 = 36; ADD 18.
    assert metrics.dso == D("54.00")
    assert metrics.best_possible_dso == D("36.00")
    assert metrics.average_days_delinquent == D("18.00")
    # March 100,000 (31 d), then 80,000 of February's 120,000: 80/120 x 28 = 18.667 -> 49.67.
    assert metrics.countback_dso == D("49.67")
    assert metrics.cei == D("84.21")
    assert metrics.average_days_beyond_terms == D("9.00")
    assert metrics.share_paid_on_time == D("50.00")
    assert metrics.maximum_days_past_due == 30
    assert metrics.payment_index == D("71")
    assert metrics.paid_amount == D("10000")


def test_period_metrics_with_nothing_at_all():
    metrics = period_metrics(
        PeriodFigures(
            start=date(2025, 1, 1),
            end=date(2025, 1, 31),
            opening_receivables=D("0"),
            credit_sales=D("0"),
            closing_receivables=D("0"),
            closing_current_receivables=D("0"),
        )
    )
    assert metrics.dso is None
    assert metrics.countback_dso == D("0.00")  # nothing owed: zero days of sales outstanding
    assert metrics.best_possible_dso is None
    assert metrics.average_days_delinquent is None
    assert metrics.cei is None
    assert metrics.average_days_beyond_terms is None
    assert metrics.share_paid_on_time is None
    assert metrics.maximum_days_past_due is None
    assert metrics.payment_index is None
