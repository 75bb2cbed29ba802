"""Altman Z family: each variant on a worked example, zones and their boundaries, missing data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from credo.rating.engine.altman import (
    ALTMAN_MODELS,
    AltmanVariant,
    AltmanZone,
    altman_variant_for,
    altman_z,
    altman_zone,
)
from credo.rating.engine.ratios import StatementFigures, ValueStatus

# CA 500, CL 250, TA 1000, TL 600, book equity 400, market equity 900, retained 200,
# EBIT 100, sales 1200.
# X1 = (500 - 250) / 1000 = 0.25; X2 = 200 / 1000 = 0.2; X3 = 100 / 1000 = 0.1;
# X4 market = 900 / 600 = 1.5, X4 book = 400 / 600 = 0.666667; X5 = 1200 / 1000 = 1.2
FIGURES = StatementFigures(
    period_end=date(2025, 12, 31),
    current_assets=500.0,
    current_liabilities=250.0,
    total_assets=1000.0,
    total_liabilities=600.0,
    equity=400.0,
    market_value_equity=900.0,
    retained_earnings=200.0,
    operating_profit=100.0,
    revenue=1200.0,
)


def test_original_worked_example():
    # 1.2*0.25 + 1.4*0.2 + 3.3*0.1 + 0.6*1.5 + 1.0*1.2 = 0.3 + 0.28 + 0.33 + 0.9 + 1.2 = 3.01
    result = altman_z(FIGURES, variant="original")
    assert result.score == pytest.approx(3.01)
    assert result.zone == "safe"  # 3.01 > 2.99
    assert result.status is ValueStatus.OK
    assert result.components["x4"] == pytest.approx(1.5)


def test_z_prime_worked_example():
    # 0.717*0.25 + 0.847*0.2 + 3.107*0.1 + 0.420*0.666667 + 0.998*1.2
    # = 0.17925 + 0.1694 + 0.3107 + 0.28 + 1.1976 = 2.13695 -> grey (1.23 .. 2.9)
    result = altman_z(FIGURES, variant=AltmanVariant.Z_PRIME)
    assert result.score == pytest.approx(2.13695)
    assert result.zone is AltmanZone.GREY
    assert set(result.components) == {"x1", "x2", "x3", "x4", "x5"}


def test_z_double_prime_worked_example():
    # 6.56*0.25 + 3.26*0.2 + 6.72*0.1 + 1.05*0.666667 = 1.64 + 0.652 + 0.672 + 0.7 = 3.664
    result = altman_z(FIGURES, variant="z_double_prime")
    assert result.score == pytest.approx(3.664)
    assert result.zone == "safe"  # > 2.6
    assert "x5" not in result.components  # Z'' has no sales term


def test_emerging_market_score_adds_constant():
    # 3.25 + 3.664 = 6.914 -> safe (> 5.85)
    result = altman_z(FIGURES, variant="z_double_prime_em")
    assert result.score == pytest.approx(6.914)
    assert result.zone == "safe"


def test_distress_example():
    # Z'': X1 = (200 - 400) / 1000 = -0.2; X2 = -100 / 1000 = -0.1; X3 = -20 / 1000 = -0.02;
    # X4 = 100 / 900 = 0.111111
    # 6.56*-0.2 + 3.26*-0.1 + 6.72*-0.02 + 1.05*0.111111 = -1.312 - 0.326 - 0.1344 + 0.116667
    # = -1.655733 -> distress
    weak = replace(FIGURES, current_assets=200.0, current_liabilities=400.0,
                   retained_earnings=-100.0, operating_profit=-20.0, total_liabilities=900.0,
                   equity=100.0)
    result = altman_z(weak, variant="z_double_prime")
    assert result.score == pytest.approx(-1.655733, abs=1e-6)
    assert result.zone == "distress"


@pytest.mark.parametrize(
    ("variant", "distress_below", "safe_above"),
    [("original", 1.81, 2.99), ("z_prime", 1.23, 2.9), ("z_double_prime", 1.1, 2.6),
     ("z_double_prime_em", 4.35, 5.85)],
)
def test_zone_boundaries_belong_to_grey(variant, distress_below, safe_above):
    assert altman_zone(safe_above, variant=variant) == "grey"
    assert altman_zone(safe_above + 0.0001, variant=variant) == "safe"
    assert altman_zone(distress_below, variant=variant) == "grey"
    assert altman_zone(distress_below - 0.0001, variant=variant) == "distress"
    # float noise does not cross a boundary
    assert altman_zone(safe_above + 1e-12, variant=variant) == "grey"


def test_published_coefficients():
    assert ALTMAN_MODELS[AltmanVariant.ORIGINAL].weights == {
        "x1": 1.2, "x2": 1.4, "x3": 3.3, "x4": 0.6, "x5": 1.0}
    assert ALTMAN_MODELS[AltmanVariant.Z_PRIME].weights == {
        "x1": 0.717, "x2": 0.847, "x3": 3.107, "x4": 0.420, "x5": 0.998}
    assert ALTMAN_MODELS[AltmanVariant.Z_DOUBLE_PRIME].weights == {
        "x1": 6.56, "x2": 3.26, "x3": 6.72, "x4": 1.05}


def test_missing_retained_earnings_is_not_zero():
    result = altman_z(replace(FIGURES, retained_earnings=None), variant="z_prime")
    assert result.score is None and result.zone is None
    assert result.status is ValueStatus.MISSING_INPUT
    assert "retained_earnings" in result.missing_reason
    assert result.components["x2"] is None
    assert result.components["x1"] == pytest.approx(0.25)  # what can be computed is shown


def test_original_needs_market_value():
    result = altman_z(replace(FIGURES, market_value_equity=None), variant="original")
    assert result.status is ValueStatus.MISSING_INPUT
    assert "market_value_equity" in result.missing_reason
    # Z'' does not need revenue
    assert altman_z(replace(FIGURES, revenue=None), variant="z_double_prime").score is not None


def test_zero_and_negative_denominators():
    no_debt = altman_z(replace(FIGURES, total_liabilities=0.0), variant="z_prime")
    assert (no_debt.score, no_debt.status) == (None, ValueStatus.ZERO_DENOMINATOR)
    no_assets = altman_z(replace(FIGURES, total_assets=0.0), variant="z_double_prime")
    assert no_assets.status is ValueStatus.ZERO_DENOMINATOR
    negative = altman_z(replace(FIGURES, total_assets=-1.0), variant="z_prime")
    assert negative.status is ValueStatus.NEGATIVE_DENOMINATOR
    assert negative.score is None


def test_half_year_flows_are_annualised():
    # EBIT 50 and sales 600 over 6 months -> 100 and 1200 a year: same Z' as the full year
    half = replace(FIGURES, months=6, operating_profit=50.0, revenue=600.0)
    assert altman_z(half, variant="z_prime").score == pytest.approx(2.13695)


def test_variant_choice():
    assert altman_variant_for(listed=True, manufacturer=True) == "original"
    assert altman_variant_for(listed=False, manufacturer=True) == "z_prime"
    assert altman_variant_for(listed=True, manufacturer=False) == "z_double_prime"
    assert altman_variant_for(listed=False, manufacturer=False) == "z_double_prime"


def test_unknown_variant_raises():
    with pytest.raises(ValueError):
        altman_z(FIGURES, variant="zeta")
