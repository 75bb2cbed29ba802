"""Financial ratios: worked examples by hand, zero/negative denominators, missing inputs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from credo.rating.engine.ratios import (
    RATIO_DEFINITIONS,
    StatementFigures,
    ValueStatus,
    financial_ratios,
    to_float,
)

# A year: CA 500, CL 250, inventory 100, AR 150, TA 1000, TL 600, equity 400,
# revenue 1200, cost of sales 900, EBIT 100, interest 20, net profit 60.
YEAR = StatementFigures.from_amounts(
    period_end=date(2025, 12, 31),
    cash=Decimal("80"),
    accounts_receivable=Decimal("150"),
    inventory=Decimal("100"),
    current_assets=Decimal("500"),
    fixed_assets=Decimal("400"),
    total_assets=Decimal("1000"),
    current_liabilities=Decimal("250"),
    total_liabilities=Decimal("600"),
    equity=Decimal("400"),
    revenue=Decimal("1200"),
    cost_of_sales=Decimal("900"),
    operating_profit=Decimal("100"),
    interest_expense=Decimal("20"),
    net_profit=Decimal("60"),
)
PREVIOUS = StatementFigures.from_amounts(
    period_end=date(2024, 12, 31), revenue=1000, net_profit=50, total_assets=900
)


def test_to_float_keeps_none_and_converts_decimal():
    assert to_float(None) is None
    assert to_float(Decimal("1.5")) == 1.5
    assert to_float(3) == 3.0
    with pytest.raises(TypeError):
        to_float(True)


def test_statement_needs_at_least_one_month():
    with pytest.raises(ValueError):
        StatementFigures(period_end=date(2025, 12, 31), months=0)


def test_worked_example_every_ratio():
    r = financial_ratios(YEAR, PREVIOUS)
    values = {key: ratio.value for key, ratio in r.items()}
    assert values["current_ratio"] == pytest.approx(2.0)  # 500 / 250
    assert values["quick_ratio"] == pytest.approx(1.6)  # (500 - 100) / 250
    assert values["debt_to_assets"] == pytest.approx(0.6)  # 600 / 1000
    assert values["interest_coverage"] == pytest.approx(5.0)  # 100 / 20
    assert values["roa"] == pytest.approx(0.06)  # 60 / 1000 (closing assets)
    assert values["roe"] == pytest.approx(0.15)  # 60 / 400
    assert values["gross_margin"] == pytest.approx(0.25)  # (1200 - 900) / 1200
    assert values["net_margin"] == pytest.approx(0.05)  # 60 / 1200
    assert values["asset_turnover"] == pytest.approx(1.2)  # 1200 / 1000
    assert values["receivable_days"] == pytest.approx(45.625)  # 150 / 1200 * 365
    assert values["inventory_days"] == pytest.approx(40.5555556)  # 100 / 900 * 365
    assert values["sales_growth"] == pytest.approx(0.2)  # 1200 / 1000 - 1
    assert values["profit_growth"] == pytest.approx(0.2)  # 60 / 50 - 1
    assert all(ratio.status is ValueStatus.OK for ratio in r.values())
    assert r["quick_ratio"].inputs == {
        "current_assets": 500.0, "inventory": 100.0, "current_liabilities": 250.0
    }


def test_keys_follow_the_definitions_table():
    assert list(financial_ratios(YEAR)) == list(RATIO_DEFINITIONS)
    assert RATIO_DEFINITIONS["receivable_days"].label_zh == "应收账款周转天数"
    assert RATIO_DEFINITIONS["debt_to_assets"].higher_is_better is False
    assert all(d.label and d.formula and d.label_zh for d in RATIO_DEFINITIONS.values())


# (ratio key, field set to 0 / negative as the denominator)
DENOMINATORS = [
    ("current_ratio", "current_liabilities"),
    ("quick_ratio", "current_liabilities"),
    ("debt_to_assets", "total_assets"),
    ("interest_coverage", "interest_expense"),
    ("roa", "total_assets"),
    ("roe", "equity"),
    ("gross_margin", "revenue"),
    ("net_margin", "revenue"),
    ("asset_turnover", "total_assets"),
    ("receivable_days", "revenue"),
    ("inventory_days", "cost_of_sales"),
]


@pytest.mark.parametrize(("key", "denominator"), DENOMINATORS)
def test_zero_denominator(key, denominator):
    ratio = financial_ratios(replace(YEAR, **{denominator: 0.0}))[key]
    assert ratio.value is None
    assert ratio.status is ValueStatus.ZERO_DENOMINATOR


@pytest.mark.parametrize(("key", "denominator"), DENOMINATORS)
def test_negative_denominator(key, denominator):
    ratio = financial_ratios(replace(YEAR, **{denominator: -10.0}))[key]
    assert ratio.value is None
    assert ratio.status is ValueStatus.NEGATIVE_DENOMINATOR


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("current_ratio", "current_assets"),
        ("quick_ratio", "inventory"),  # no inventory figure is not "no inventory"
        ("debt_to_assets", "total_liabilities"),
        ("interest_coverage", "operating_profit"),
        ("roa", "net_profit"),
        ("roe", "equity"),
        ("gross_margin", "cost_of_sales"),
        ("net_margin", "net_profit"),
        ("asset_turnover", "revenue"),
        ("receivable_days", "accounts_receivable"),
        ("inventory_days", "inventory"),
        ("sales_growth", "revenue"),
        ("profit_growth", "net_profit"),
    ],
)
def test_missing_input_is_never_zero(key, field):
    ratio = financial_ratios(replace(YEAR, **{field: None}), PREVIOUS)[key]
    assert ratio.value is None
    assert ratio.status is ValueStatus.MISSING_INPUT
    assert field in ratio.note


def test_interest_coverage_zero_interest_rule():
    # No interest with positive EBIT: no value, zero_denominator, note says strong.
    ratio = financial_ratios(replace(YEAR, interest_expense=0.0))["interest_coverage"]
    assert (ratio.value, ratio.status) == (None, ValueStatus.ZERO_DENOMINATOR)
    assert "strong" in ratio.note
    weak = financial_ratios(replace(YEAR, interest_expense=0.0, operating_profit=-5.0))
    assert "not positive" in weak["interest_coverage"].note
    # Negative EBIT with interest: a negative coverage is a real value. -50 / 20 = -2.5
    losing = financial_ratios(replace(YEAR, operating_profit=-50.0))["interest_coverage"]
    assert losing.value == pytest.approx(-2.5)


def test_negative_equity_roe_note():
    ratio = financial_ratios(replace(YEAR, equity=-100.0))["roe"]
    assert ratio.status is ValueStatus.NEGATIVE_DENOMINATOR
    assert "equity is negative" in ratio.note


def test_half_year_annualises_flows_and_uses_period_days():
    half = replace(YEAR, months=6, period_end=date(2025, 6, 30))
    r = financial_ratios(half)
    assert r["roa"].value == pytest.approx(0.12)  # 60 x 12/6 / 1000
    assert r["roe"].value == pytest.approx(0.30)  # 120 / 400
    assert r["asset_turnover"].value == pytest.approx(2.4)  # 2400 / 1000
    # days of the period: 365 x 6 / 12 = 182.5; 150 / 1200 x 182.5 = 22.8125
    assert r["receivable_days"].value == pytest.approx(22.8125)
    assert r["net_margin"].value == pytest.approx(0.05)  # a margin needs no annualising


def test_growth_without_previous_is_missing():
    r = financial_ratios(YEAR)
    assert r["sales_growth"].status is ValueStatus.MISSING_INPUT
    assert r["profit_growth"].value is None


def test_growth_previous_zero_and_negative():
    zero = financial_ratios(YEAR, replace(PREVIOUS, revenue=0.0, net_profit=0.0))
    assert zero["sales_growth"].status is ValueStatus.ZERO_DENOMINATOR
    assert zero["profit_growth"].status is ValueStatus.ZERO_DENOMINATOR
    loss = financial_ratios(YEAR, replace(PREVIOUS, net_profit=-30.0))
    assert loss["profit_growth"].status is ValueStatus.NEGATIVE_DENOMINATOR
    assert loss["profit_growth"].value is None


def test_growth_annualises_different_period_lengths():
    # Previous is a half year with revenue 500 -> 1000 annualised; 1200 / 1000 - 1 = 0.2
    half = StatementFigures(period_end=date(2025, 6, 30), months=6, revenue=500.0,
                            net_profit=40.0)
    r = financial_ratios(YEAR, half)
    assert r["sales_growth"].value == pytest.approx(0.2)
    assert r["profit_growth"].value == pytest.approx(-0.25)  # 60 / 80 - 1
    assert "annualised" in r["sales_growth"].note


def test_growth_previous_not_earlier_is_not_meaningful():
    later = replace(PREVIOUS, period_end=date(2026, 12, 31))
    assert financial_ratios(YEAR, later)["sales_growth"].status is ValueStatus.NOT_MEANINGFUL


def test_quick_ratio_can_go_negative_with_more_inventory_than_current_assets():
    # (500 - 600) / 250 = -0.4: odd data, but the arithmetic is kept and flagged ok
    assert financial_ratios(replace(YEAR, inventory=600.0))["quick_ratio"].value == pytest.approx(
        -0.4
    )
