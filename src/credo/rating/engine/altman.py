"""The Altman Z-score family (Altman Z 值) from one period's statement figures.

Components (all divided by closing total assets except X4)::

    X1 = working capital (current assets - current liabilities) / total assets
    X2 = retained earnings / total assets
    X3 = EBIT (operating profit) / total assets
    X4 = equity / total liabilities  (market value for "original", book value otherwise)
    X5 = sales (revenue) / total assets

Variants, coefficients and zones::

    original        Z   = 1.2 X1 + 1.4 X2 + 3.3 X3 + 0.6 X4 + 1.0 X5          listed manufacturers
                    safe > 2.99, grey 1.81 .. 2.99, distress < 1.81
    z_prime         Z'  = 0.717 X1 + 0.847 X2 + 3.107 X3 + 0.420 X4 + 0.998 X5 private firms
                    safe > 2.9,  grey 1.23 .. 2.9,  distress < 1.23
    z_double_prime  Z'' = 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4            non-manufacturers
                    safe > 2.6,  grey 1.1 .. 2.6,   distress < 1.1
    z_double_prime_em  EM score = 3.25 + Z''  (emerging-market credits; optional, not chosen by
                    ``altman_variant_for``); the Z'' zones shifted by the constant:
                    safe > 5.85, grey 4.35 .. 5.85, distress < 4.35

Sources: E. I. Altman, "Financial Ratios, Discriminant Analysis and the Prediction of Corporate
Bankruptcy", Journal of Finance 23(4), 1968 (original); E. I. Altman, "Predicting Financial
Distress of Companies: Revisiting the Z-Score and ZETA Models", NYU Stern working paper, 2000
(Z' and Z'' coefficients and cut-offs); E. I. Altman, "Applications of Distress Prediction
Models: What Have We Learned After 50 Years from the Z-Score Models?", Int. J. Financial Stud.
6(3):70, 2018, https://doi.org/10.3390/ijfs6030070 (the family, EM score = 3.25 + Z'' from
Altman, Hartzell and Peck 1995). Coefficients and zones were checked against
https://www.creditguru.com/index.php/financial-analysis/financial-statement-ratio-analysis/116-ratio-altman-z-score-revised-for-private-firms
(Z': 0.717/0.847/3.107/0.420/0.998, 2.9/1.23) and
http://financialratioss.com/other-financial-ratios-1/altman-z-score-for-non-manufacturer-industrials-and-emerging-market
(Z'' zones 2.6/1.1). Note: some secondary pages print the Z' cut-offs (2.9/1.23) for Z''; we
follow Altman (2000): 2.60/1.10.

Boundary rule: the published grey zones are closed intervals, so a score exactly on a cut-off is
grey (original: 2.99 -> grey, 1.81 -> grey); "safe" is strictly above the upper cut-off and
"distress" strictly below the lower one. The score is rounded to 6 decimals before zoning so
float noise (2.9900000000000002) does not cross a boundary.

Missing rule: any missing input gives ``score=None``, ``zone=None`` and the status
``missing_input`` naming the inputs; a missing retained earnings figure is never taken as 0.
Total assets or total liabilities of 0 give ``zero_denominator`` (a firm without liabilities has
an unbounded X4), negative ones ``negative_denominator``. Components that can be computed are
reported even when the score cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from credo.rating.engine.messages import Message, message
from credo.rating.engine.ratios import StatementFigures, ValueStatus

SCORE_DECIMALS = 6


class AltmanVariant(StrEnum):
    """Keys of the Altman models."""

    ORIGINAL = "original"
    Z_PRIME = "z_prime"
    Z_DOUBLE_PRIME = "z_double_prime"
    Z_DOUBLE_PRIME_EM = "z_double_prime_em"


class AltmanZone(StrEnum):
    """Zones of discrimination."""

    SAFE = "safe"
    GREY = "grey"
    DISTRESS = "distress"


@dataclass(frozen=True)
class AltmanModel:
    """One variant: component weights, constant and zone cut-offs (grey includes both)."""

    variant: AltmanVariant
    weights: dict[str, float]
    constant: float
    safe_above: float
    distress_below: float
    market_value_x4: bool
    label: str


ALTMAN_MODELS: dict[AltmanVariant, AltmanModel] = {
    AltmanVariant.ORIGINAL: AltmanModel(
        AltmanVariant.ORIGINAL, {"x1": 1.2, "x2": 1.4, "x3": 3.3, "x4": 0.6, "x5": 1.0},
        0.0, 2.99, 1.81, True, "Altman Z (listed manufacturers)",
    ),
    AltmanVariant.Z_PRIME: AltmanModel(
        AltmanVariant.Z_PRIME,
        {"x1": 0.717, "x2": 0.847, "x3": 3.107, "x4": 0.420, "x5": 0.998},
        0.0, 2.9, 1.23, False, "Altman Z' (private firms)",
    ),
    AltmanVariant.Z_DOUBLE_PRIME: AltmanModel(
        AltmanVariant.Z_DOUBLE_PRIME, {"x1": 6.56, "x2": 3.26, "x3": 6.72, "x4": 1.05},
        0.0, 2.6, 1.1, False, "Altman Z'' (non-manufacturers)",
    ),
    AltmanVariant.Z_DOUBLE_PRIME_EM: AltmanModel(
        AltmanVariant.Z_DOUBLE_PRIME_EM, {"x1": 6.56, "x2": 3.26, "x3": 6.72, "x4": 1.05},
        3.25, 5.85, 4.35, False, "Altman EM score (3.25 + Z'', emerging markets)",
    ),
}


@dataclass(frozen=True)
class AltmanResult:
    """Score, zone and components of one variant; ``missing_reason`` says why a score is None."""

    variant: AltmanVariant
    score: float | None
    zone: AltmanZone | None
    components: dict[str, float | None] = field(default_factory=dict)
    status: ValueStatus = ValueStatus.OK
    missing_message: Message | None = None

    @property
    def missing_reason(self) -> str:
        """The English text of ``missing_message`` ("" when the score is there)."""
        return "" if self.missing_message is None else self.missing_message.render()


def altman_variant_for(*, listed: bool, manufacturer: bool) -> AltmanVariant:
    """Listed manufacturer -> original; private manufacturer -> Z'; non-manufacturer -> Z''."""
    if not manufacturer:
        return AltmanVariant.Z_DOUBLE_PRIME
    return AltmanVariant.ORIGINAL if listed else AltmanVariant.Z_PRIME


def altman_zone(score: float, *, variant: AltmanVariant | str) -> AltmanZone:
    """The zone of a score: safe strictly above, distress strictly below, grey on the cut-offs."""
    model = ALTMAN_MODELS[AltmanVariant(variant)]
    rounded = round(score, SCORE_DECIMALS)
    if rounded > model.safe_above:
        return AltmanZone.SAFE
    if rounded < model.distress_below:
        return AltmanZone.DISTRESS
    return AltmanZone.GREY


def _inputs_needed(model: AltmanModel) -> dict[str, str]:
    """Figure names each component needs (X4 depends on market vs book equity)."""
    equity = "market_value_equity" if model.market_value_x4 else "equity"
    needs = {
        "x1": "current_assets current_liabilities total_assets",
        "x2": "retained_earnings total_assets",
        "x3": "operating_profit total_assets",
        "x4": f"{equity} total_liabilities",
        "x5": "revenue total_assets",
    }
    return {component: needs[component] for component in model.weights}


def _denominator_problem(name: str, value: float) -> tuple[ValueStatus, Message] | None:
    if value == 0:
        return ValueStatus.ZERO_DENOMINATOR, message("value.zero_denominator", denominator=name)
    if value < 0:
        return ValueStatus.NEGATIVE_DENOMINATOR, message("value.negative_denominator",
                                                         denominator=name)
    return None


def _component(component: str, figures: StatementFigures, model: AltmanModel) -> float | None:
    """One component's value, or None when an input is missing or a denominator is not > 0."""
    names = _inputs_needed(model)[component].split()
    values = [figures.figure(name) for name in names]
    if any(value is None for value in values):
        return None
    v = [value for value in values if value is not None]
    denominator = v[-1]
    if denominator <= 0:
        return None
    if component == "x1":
        return (v[0] - v[1]) / denominator
    return v[0] / denominator


def altman_z(figures: StatementFigures, *, variant: AltmanVariant | str) -> AltmanResult:
    """The Altman score of ``variant`` with its zone and components (see the module docstring).

    Flows (EBIT, sales) are annualised (x 12 / months) so a half-year statement is comparable.
    """
    model = ALTMAN_MODELS[AltmanVariant(variant)]
    annual = _annualised(figures)
    components = {name: _component(name, annual, model) for name in model.weights}
    needed = sorted({n for names in _inputs_needed(model).values() for n in names.split()})
    absent = [name for name in needed if annual.figure(name) is None]
    if absent:
        return AltmanResult(model.variant, None, None, components, ValueStatus.MISSING_INPUT,
                            message("value.missing_inputs", inputs=", ".join(absent)))
    for name in ("total_assets", "total_liabilities"):
        value = annual.figure(name)
        assert value is not None
        problem = _denominator_problem(name, value)
        if problem is not None:
            return AltmanResult(model.variant, None, None, components, problem[0], problem[1])
    score = model.constant + sum(
        weight * _present(components[name]) for name, weight in model.weights.items()
    )
    score = round(score, SCORE_DECIMALS)
    return AltmanResult(model.variant, score, altman_zone(score, variant=model.variant),
                        components)


def _present(value: float | None) -> float:
    assert value is not None  # every input was checked present and denominators positive
    return value


def _annualised(figures: StatementFigures) -> StatementFigures:
    """The figures with EBIT and sales scaled to 12 months (balances unchanged)."""
    if figures.months == 12:
        return figures
    return StatementFigures(
        period_end=figures.period_end,
        months=12,
        current_assets=figures.current_assets,
        current_liabilities=figures.current_liabilities,
        total_assets=figures.total_assets,
        total_liabilities=figures.total_liabilities,
        equity=figures.equity,
        retained_earnings=figures.retained_earnings,
        market_value_equity=figures.market_value_equity,
        operating_profit=figures.annualised("operating_profit"),
        revenue=figures.annualised("revenue"),
    )
