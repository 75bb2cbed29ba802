"""Credit-limit methods, combination rules, grade cap and rounding, with hand arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from credo.rating.engine.limits import (
    LimitError,
    LimitInputs,
    LimitPolicy,
    monthly_purchases_limit,
    recommend_limit,
    requested_limit,
    tangible_net_worth_limit,
    to_money,
    trade_references_limit,
    working_capital_limit,
)

FULL = LimitInputs(
    equity=Decimal("5000000"),
    intangible_assets=1_000_000,
    current_assets=3_000_000.0,
    current_liabilities=1_500_000,
    annual_purchases=2_400_000,
    terms_days=60,
    trade_reference_highest_credits=[300_000, Decimal("500000"), 800_000],
    requested_amount=600_000,
)


def test_tangible_net_worth():
    result = tangible_net_worth_limit(FULL)
    # (5,000,000 - 1,000,000) x 10 % = 400,000
    assert result.amount == pytest.approx(400_000)
    assert result.lines == (
        "Tangible net worth = equity 5,000,000 - intangible assets 1,000,000 = 4,000,000",
        "10 % x 4,000,000 = 400,000",
    )
    # intangibles not given: taken as 0 and said so; 5,000,000 x 10 % = 500,000
    no_intangibles = tangible_net_worth_limit(LimitInputs(equity=5_000_000))
    assert no_intangibles.amount == pytest.approx(500_000)
    assert no_intangibles.lines[0] == "Intangible assets not given: taken as 0"


def test_tangible_net_worth_negative_zero_and_missing():
    negative = tangible_net_worth_limit(LimitInputs(equity=200_000, intangible_assets=300_000))
    # 200,000 - 300,000 = -100,000 -> no limit
    assert (negative.amount, negative.reason) == (None, "negative tangible net worth")
    assert negative.lines[-1] == "No limit: negative tangible net worth"
    assert "= -100,000" in negative.lines[0]
    zero = tangible_net_worth_limit(LimitInputs(equity=300_000, intangible_assets=300_000))
    assert zero.reason == "zero tangible net worth"
    missing = tangible_net_worth_limit(LimitInputs())
    assert (missing.amount, missing.reason) == (None, "missing input: equity")


def test_working_capital():
    # (3,000,000 - 1,500,000) x 20 % = 300,000
    assert working_capital_limit(FULL).amount == pytest.approx(300_000)
    negative = working_capital_limit(LimitInputs(current_assets=1, current_liabilities=2))
    assert negative.reason == "negative working capital"
    missing = working_capital_limit(LimitInputs(current_assets=10))
    assert missing.reason == "missing input: current_liabilities"


def test_monthly_purchases():
    result = monthly_purchases_limit(FULL, factor=1.5)
    # 2,400,000 / 12 = 200,000 a month; 60 days / 30 = 2 months; x 1.5 = 600,000
    assert result.amount == pytest.approx(600_000)
    assert result.lines == (
        "Monthly purchases = 2,400,000 / 12 = 200,000",
        "Months of terms = 60 days / 30 = 2",
        "200,000 x 2 x factor 1.5 = 600,000",
    )
    assert monthly_purchases_limit(LimitInputs(annual_purchases=100)).reason == (
        "missing input: terms_days"
    )
    assert monthly_purchases_limit(LimitInputs(annual_purchases=0, terms_days=30)).reason == (
        "no purchases"
    )


def test_trade_references_and_requested():
    # median of 300,000 / 500,000 / 800,000 = 500,000; max = 800,000
    assert trade_references_limit(FULL).amount == 500_000
    assert trade_references_limit(FULL, statistic="max").amount == 800_000
    # median of two = mean of the middle pair: (300,000 + 500,000) / 2 = 400,000
    two = LimitInputs(trade_reference_highest_credits=[300_000, None, 500_000])
    assert trade_references_limit(two).amount == 400_000
    assert trade_references_limit(LimitInputs()).reason == (
        "missing input: trade_reference_highest_credits"
    )
    assert requested_limit(FULL).amount == 600_000
    assert requested_limit(LimitInputs()).amount is None


def test_to_money_rejects_nonsense():
    assert to_money(Decimal("12.50")) == 12.5
    assert to_money(None) is None
    with pytest.raises(LimitError, match="^equity: must be a number, got True"):
        to_money(True, "equity")
    with pytest.raises(LimitError, match="must be finite"):
        to_money(float("nan"))


def test_minimum_combination_with_grade_not_capping():
    rec = recommend_limit(FULL, LimitPolicy(), grade="A")
    # TNW 400,000; WC 300,000; monthly 200,000 x 2 x 1.0 = 400,000; refs 500,000; req 600,000
    # minimum = 300,000; A cap 2,000,000 not reached; already a multiple of 10,000
    assert rec.amount == 300_000
    assert rec.combined_by == "minimum" and not rec.capped_by_grade
    assert "Minimum of 400,000, 300,000, 400,000, 500,000, 600,000 = 300,000" in rec.lines
    assert rec.lines[-1] == "Recommended limit: 300,000"
    assert [r.method for r in rec.method_results] == [
        "tangible_net_worth", "working_capital", "monthly_purchases", "trade_references",
        "requested",
    ]


def test_median_and_weighted_combinations_skip_missing_methods():
    inputs = LimitInputs(equity=-100_000, current_assets=3_000_000, current_liabilities=1_500_000,
                         trade_reference_highest_credits=[500_000], requested_amount=455_000)
    median = recommend_limit(inputs, LimitPolicy(combination="median"), grade=None)
    # TNW negative and monthly missing -> median of 300,000, 500,000, 455,000 = 455,000
    # rounded down to 10,000 -> 450,000
    assert median.amount == 450_000
    assert median.method_results[0].reason == "negative tangible net worth"
    assert "Rounded down to 10,000: 450,000" in median.lines
    policy = LimitPolicy(
        combination="weighted",
        weights={"tangible_net_worth": 1, "working_capital": 1, "monthly_purchases": 1,
                 "trade_references": 2, "requested": 1},
    )
    weighted = recommend_limit(inputs, policy)
    # weights renormalised over available methods: (1 x 300,000 + 2 x 500,000 + 1 x 455,000)/4
    # = 1,755,000 / 4 = 438,750 -> rounded down 430,000
    assert weighted.amount == 430_000
    assert "Weighted: (1 x 300,000 + 2 x 500,000 + 1 x 455,000) / 4 = 438,750" in weighted.lines


def test_grade_cap_and_prepayment_only():
    big = LimitInputs(requested_amount=9_000_000)
    policy = LimitPolicy(methods=("requested",))
    capped = recommend_limit(big, policy, grade="BB")
    assert (capped.amount, capped.capped_by_grade) == (500_000, True)
    assert "Grade BB: capped at 500,000" in capped.lines
    prepay = recommend_limit(FULL, LimitPolicy(), grade="CC")
    assert prepay.amount == 0 and prepay.prepayment_only and prepay.capped_by_grade
    # no method gives an amount: None, unless the grade forces 0
    nothing = recommend_limit(LimitInputs(), LimitPolicy(), grade="A")
    assert nothing.amount is None and not nothing.capped_by_grade
    assert nothing.lines[-1] == "Recommended limit: none (no method gave an amount)"
    assert recommend_limit(LimitInputs(), LimitPolicy(), grade="D").amount == 0
    uncapped = recommend_limit(big, LimitPolicy(methods=("requested",), rounding=0), grade="ZZ")
    assert uncapped.amount == 9_000_000 and "Grade ZZ: no cap" in uncapped.lines


def test_policy_json_round_trip_and_validation():
    policy = LimitPolicy(combination="weighted",
                         weights={"working_capital": 1.0, "requested": 3.0},
                         methods=("working_capital", "requested"), rounding=1000)
    again = LimitPolicy.from_json(policy.to_json())
    assert again == policy and again.to_dict() == policy.to_dict()
    with pytest.raises(LimitError) as caught:
        LimitPolicy(combination="average")
    assert str(caught.value) == (
        "combination: unknown rule 'average' (expected one of minimum, weighted, median)"
    )
    with pytest.raises(LimitError, match=r"^weights\.requested: must be > 0, got None"):
        LimitPolicy(methods=("working_capital", "requested"), combination="weighted",
                    weights={"working_capital": 1.0})
    with pytest.raises(LimitError, match=r"^methods\[0\]: unknown method 'equity'"):
        LimitPolicy(methods=("equity",))
    with pytest.raises(LimitError, match=r"^grade_caps\.A: must be >= 0 or null, got -1"):
        LimitPolicy(grade_caps={"A": -1})
