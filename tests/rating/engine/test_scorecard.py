"""Scorecards: validation with precise paths, scoring, missing rules, reasons, JSON, templates."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest

from credo.rating.engine.scorecard import (
    DIMENSIONS,
    ExpertFactor,
    Scaling,
    Scorecard,
    ScorecardError,
    ScoredCategories,
    ScoredRange,
    Segment,
    available_templates,
    expert_factors,
    expert_scorecard,
    load_template,
    load_templates,
    select_scorecard,
)


def card_dict() -> dict[str, Any]:
    """A small statistical card: intercept 500, two numeric and one categorical factor."""
    return {
        "format": "credo.scorecard/1",
        "key": "test-card",
        "version": 3,
        "name": "Test card",
        "kind": "statistical",
        "segment": None,
        "scaling": {"base_score": 600.0, "base_odds": 50.0, "pdo": 20.0},
        "intercept_points": 500.0,
        "factors": [
            {
                "key": "current_ratio", "dimension": "finances", "label": "Current ratio",
                "type": "numeric",
                "bins": [
                    {"lower": None, "upper": 1.0, "points": 5.0, "woe": -0.8},
                    {"lower": 1.0, "upper": 2.0, "points": 20.0, "woe": 0.1},
                    {"lower": 2.0, "upper": None, "points": 30.0, "woe": 0.7},
                ],
                "missing": {"rule": "neutral"},
            },
            {
                "key": "days_beyond_terms", "dimension": "payment", "label": "Days beyond terms",
                "type": "numeric",
                "bins": [
                    {"lower": None, "upper": 1.0, "points": 40.0, "woe": 0.5},
                    {"lower": 1.0, "upper": 31.0, "points": 25.0, "woe": -0.2},
                    {"lower": 31.0, "upper": None, "points": 0.0, "woe": -1.5},
                ],
                "missing": {"rule": "points", "points": 12.0},
            },
            {
                "key": "legal_form", "dimension": "registration", "label": "Legal form",
                "type": "categorical",
                "bins": [
                    {"categories": ["state_owned", "listed"], "points": 30.0, "woe": None},
                    {"categories": ["limited"], "points": 20.0, "woe": None},
                ],
                "other_points": 10.0,
                "missing": {"rule": "worst"},
            },
        ],
        "weights": None,
        "meta": {"created": "2026-11-30", "training": {"auc": 0.71}},
    }


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(ScorecardError) as caught:
        Scorecard.from_dict(data)
    return str(caught.value)


# --- scoring ----------------------------------------------------------------------------------


def test_score_total_contributions_subtotals_and_pd():
    card = Scorecard.from_dict(card_dict())
    result = card.score({"current_ratio": 1.5, "days_beyond_terms": 0.0, "legal_form": "limited"})
    # 500 intercept + 20 (current ratio in [1, 2)) + 40 (DBT < 1) + 20 (limited) = 580
    assert result.score == 580.0
    cr = result.contribution("current_ratio")
    assert (cr.bin_index, cr.bin_label, cr.points, cr.max_points, cr.points_lost) == (
        1, "[1, 2)", 20.0, 30.0, 10.0,
    )
    assert cr.value == 1.5 and not cr.missing_applied and cr.missing_reason is None
    assert result.by_dimension == {"registration": 20.0, "finances": 20.0, "payment": 40.0}
    # subtotals follow the dimension order of the credit file
    assert [d.dimension for d in result.dimension_subtotals] == [
        "registration", "finances", "payment",
    ]
    # odds = 50 * 2 ** ((580 - 600) / 20) = 50 * 0.5 = 25; PD = 1 / 26
    assert result.odds == pytest.approx(25.0)
    assert result.pd == pytest.approx(1 / 26)
    # min 500 + 5 + 0 + 10 = 515; max 500 + 30 + 40 + 30 = 600
    assert (result.min_score, result.max_score) == (515.0, 600.0)


def test_bin_boundaries_are_half_open():
    card = Scorecard.from_dict(card_dict())
    # exactly 2.0 belongs to [2, inf), 0.999 to (-inf, 1)
    assert card.score({"current_ratio": 2.0}).contribution("current_ratio").points == 30.0
    assert card.score({"current_ratio": 0.999}).contribution("current_ratio").points == 5.0
    assert card.score({"current_ratio": 1.0}).contribution("current_ratio").bin_index == 1


def test_scaling_helpers_are_inverse():
    scaling = Scaling(base_score=600, base_odds=50, pdo=20)
    # PD 1/51 -> odds 50 -> base score 600; PD 1/101 -> odds 100 (doubled) -> 600 + 20 = 620
    assert scaling.pd_to_score(1 / 51) == pytest.approx(600.0)
    assert scaling.pd_to_score(1 / 101) == pytest.approx(620.0)
    assert scaling.score_to_pd(620.0) == pytest.approx(1 / 101)
    # 530: odds = 50 * 2 ** -3.5 = 4.419417; PD = 1 / 5.419417 = 0.184522
    assert scaling.score_to_pd(530.0) == pytest.approx(0.184522, abs=1e-6)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        scaling.pd_to_score(0.0)


def test_expert_card_has_no_pd():
    card = load_template("default-expert")
    result = card.score({})
    assert result.pd is None and result.odds is None


# --- missing rules ----------------------------------------------------------------------------


def test_missing_rules_points_worst_and_statistical_neutral():
    card = Scorecard.from_dict(card_dict())
    result = card.score({"current_ratio": None, "legal_form": None})
    # neutral on a statistical card: the bin whose WoE is closest to 0 -> [1, 2) (WoE 0.1) = 20
    cr = result.contribution("current_ratio")
    assert (cr.points, cr.missing_applied, cr.missing_rule) == (20.0, True, "neutral")
    assert cr.missing_reason == "missing input" and cr.bin_index is None
    assert cr.bin_label == "missing (neutral)"
    # absent key = missing; rule "points" gives 12
    dbt = result.contribution("days_beyond_terms")
    assert (dbt.points, dbt.missing_rule, dbt.points_lost) == (12.0, "points", 28.0)
    # worst = lowest attainable points incl. other_points (10)
    assert result.contribution("legal_form").points == 10.0
    # 500 + 20 + 12 + 10 = 542
    assert result.score == 542.0
    assert [c.key for c in result.missing_factors] == [
        "current_ratio", "days_beyond_terms", "legal_form",
    ]


def test_neutral_on_expert_card_is_middle_of_min_and_max():
    data = card_dict()
    data["kind"] = "expert"
    data["scaling"] = None
    card = Scorecard.from_dict(data)
    # expert neutral: (min 5 + max 30) / 2 = 17.5 (the WoE is ignored)
    assert card.score({}).contribution("current_ratio").points == 17.5


def test_missing_reason_from_caller_and_nan():
    card = Scorecard.from_dict(card_dict())
    result = card.score(
        {"current_ratio": None, "days_beyond_terms": float("nan")},
        missing_reasons={"current_ratio": "zero denominator"},
    )
    assert result.contribution("current_ratio").missing_reason == "zero denominator"
    assert result.contribution("days_beyond_terms").missing_reason == "not a number"
    assert result.contribution("days_beyond_terms").points == 12.0


def test_unlisted_category_gets_other_points_or_the_missing_rule():
    card = Scorecard.from_dict(card_dict())
    other = card.score({"legal_form": "partnership"}).contribution("legal_form")
    assert (other.points, other.bin_label, other.bin_index, other.missing_applied) == (
        10.0, "other", None, False,
    )
    data = card_dict()
    data["factors"][2]["other_points"] = None
    data["factors"][2]["missing"] = {"rule": "points", "points": 3.0}
    card = Scorecard.from_dict(data)
    c = card.score({"legal_form": "partnership"}).contribution("legal_form")
    assert (c.points, c.missing_applied, c.missing_reason) == (3.0, True, "unlisted category")


def test_wrong_value_types_are_rejected():
    card = Scorecard.from_dict(card_dict())
    with pytest.raises(ScorecardError, match=r"values\['current_ratio'\]: numeric factor got str"):
        card.score({"current_ratio": "1.5"})
    with pytest.raises(ScorecardError, match=r"values\['legal_form'\]: categorical factor got"):
        card.score({"legal_form": 1.0})


# --- reason codes -----------------------------------------------------------------------------


def test_reason_codes_by_points_lost_then_key():
    card = Scorecard.from_dict(card_dict())
    result = card.score({"current_ratio": 1.5, "days_beyond_terms": 10.0, "legal_form": "x"})
    # lost: current_ratio 30-20 = 10; days_beyond_terms 40-25 = 15; legal_form 30-10 = 20
    assert [c.key for c in result.reason_codes] == [
        "legal_form", "days_beyond_terms", "current_ratio",
    ]
    assert [c.key for c in result.top_reasons(2)] == ["legal_form", "days_beyond_terms"]
    # ties by key: current_ratio and legal_form both lose 10 (30-20), DBT at its max loses 0
    tied = card.score({"current_ratio": 1.5, "days_beyond_terms": 0.0, "legal_form": "limited"})
    assert [c.key for c in tied.reason_codes] == ["current_ratio", "legal_form"]
    assert tied.top_reasons(0) == ()


# --- what would change the score --------------------------------------------------------------


def test_improvements_to_reach_pick_the_nearest_sufficient_bin():
    card = Scorecard.from_dict(card_dict())
    values = {"current_ratio": 0.5, "days_beyond_terms": 45.0, "legal_form": "limited"}
    # score = 500 + 5 + 0 + 20 = 525; target 545 needs +20
    changes = {c.key: c for c in card.improvements_to_reach(values, 545.0)}
    # current ratio: next bin gives +15 (not enough), two bins up +25 -> [2, inf)
    assert changes["current_ratio"].to_bin_label == ">= 2"
    assert changes["current_ratio"].steps == 2
    assert changes["current_ratio"].new_score == 550.0
    # DBT: one bin up gives +25 -> [1, 31), the nearest sufficient bin
    assert (changes["days_beyond_terms"].to_bin_index, changes["days_beyond_terms"].steps) == (1, 1)
    # legal form: listed bins give at most +10 -> cannot reach alone
    assert "legal_form" not in changes
    assert card.improvements_to_reach(values, 500.0) == ()


# --- JSON -------------------------------------------------------------------------------------


def test_json_round_trip_gives_identical_dict_and_scores():
    data = card_dict()
    card = Scorecard.from_dict(data)
    assert card.to_dict() == data
    again = Scorecard.from_json(card.to_json())
    assert again == card and again.to_dict() == data
    values = {"current_ratio": 1.2, "days_beyond_terms": None, "legal_form": "listed"}
    assert again.score(values) == card.score(values)
    # stable key order as in the format
    assert list(json.loads(card.to_json())) == [
        "format", "key", "version", "name", "kind", "segment", "scaling", "intercept_points",
        "factors", "weights", "meta",
    ]


def test_to_dict_does_not_share_meta():
    card = Scorecard.from_dict(card_dict())
    out = card.to_dict()
    out["meta"]["training"]["auc"] = 0.0  # type: ignore[index]
    assert card.to_dict()["meta"] == {"created": "2026-11-30", "training": {"auc": 0.71}}


# --- validation -------------------------------------------------------------------------------


def test_reversed_bin_bounds():
    data = card_dict()
    data["factors"][0]["bins"][1]["lower"] = 2.0
    data["factors"][0]["bins"][1]["upper"] = 1.5
    assert error_of(data) == "factors[0].bins[1]: lower 2.0 >= upper 1.5"


def test_overlap_gap_and_coverage():
    data = card_dict()
    data["factors"][1]["bins"][1]["lower"] = 0.5
    assert error_of(data) == (
        "factors[1].bins[1]: lower 0.5 overlaps the previous bin (upper 1.0)"
    )
    data = card_dict()
    data["factors"][1]["bins"][2]["lower"] = 40.0
    assert error_of(data) == "factors[1].bins[2]: gap: lower 40.0 > previous upper 31.0"
    data = card_dict()
    data["factors"][0]["bins"][0]["lower"] = 0.0
    assert error_of(data) == (
        "factors[0].bins[0]: lower must be null (bins must cover -inf), got 0.0"
    )
    data = card_dict()
    data["factors"][0]["bins"][2]["upper"] = 10.0
    assert error_of(data) == (
        "factors[0].bins[2]: upper must be null (bins must cover +inf), got 10.0"
    )


def test_duplicate_key_dimension_rule_and_type_errors():
    data = card_dict()
    data["factors"][2]["key"] = "current_ratio"
    assert error_of(data) == (
        "factors[2].key: duplicate factor key 'current_ratio' (first at factors[0])"
    )
    data = card_dict()
    data["factors"][1]["dimension"] = "finance"
    assert error_of(data) == (
        "factors[1].dimension: unknown dimension 'finance' (expected one of registration, "
        "business, finances, payment, bank, public_record)"
    )
    data = card_dict()
    data["factors"][2]["missing"] = {"rule": "zero"}
    assert error_of(data) == (
        "factors[2].missing.rule: unknown rule 'zero' (expected one of points, worst, neutral)"
    )
    data = card_dict()
    data["factors"][1]["missing"] = {"rule": "points"}
    assert error_of(data) == "factors[1].missing.points: rule 'points' needs finite points"
    data = card_dict()
    data["factors"][0]["type"] = "ordinal"
    assert error_of(data) == (
        "factors[0].type: unknown type 'ordinal' (expected numeric or categorical)"
    )
    data = card_dict()
    data["factors"][2]["bins"][1]["categories"] = ["limited", "listed"]
    assert error_of(data) == "factors[2].bins[1].categories: category 'listed' already in bins[0]"
    data = card_dict()
    data["factors"][0]["bins"][1]["points"] = "20"
    assert error_of(data) == "factors[0].bins[1].points: must be a number, got '20'"


def test_card_level_errors():
    data = card_dict()
    data["format"] = "credo.scorecard/2"
    assert error_of(data) == "format: expected 'credo.scorecard/1', got 'credo.scorecard/2'"
    data = card_dict()
    data["scaling"] = None
    assert error_of(data) == "scaling: a statistical scorecard needs a scaling"
    data = card_dict()
    data["version"] = 0
    assert error_of(data) == "version: must be an integer >= 1, got 0"
    data = card_dict()
    data["scaling"]["pdo"] = 0
    assert error_of(data) == "scaling.pdo: must be > 0, got 0"
    data = card_dict()
    data["segment"] = {"industry_sections": ["Z"], "size": None}
    assert error_of(data) == (
        "segment.industry_sections[0]: unknown value 'Z' (expected one of A, B, C, D, E, F, G, "
        "H, I, J, K, L, M, N, O, P, Q, R, S, T)"
    )
    data = card_dict()
    data["weights"] = {"current_ratio": 1.0}
    assert error_of(data) == "weights: only expert scorecards carry weights"
    data = card_dict()
    del data["factors"][0]["bins"]
    assert error_of(data) == "factors[0].bins: is required"


def test_expert_weights_are_checked_on_load():
    data = card_dict()
    data["kind"], data["scaling"] = "expert", None
    data["weights"] = {"current_ratio": 0.5, "days_beyond_terms": 0.3, "legal_form": 0.1}
    assert error_of(data) == "weights: sum to 0.9, must be 1"
    # 0.02 x 1000 = 20 points at most for legal_form, but a bin has 30
    data["weights"] = {"current_ratio": 0.5, "days_beyond_terms": 0.48, "legal_form": 0.02}
    assert error_of(data) == (
        "factors[2].bins[0].points: points 30 outside 0..20 (weight 0.02 x 1000)"
    )


# --- expert builder ---------------------------------------------------------------------------


def expert_specs() -> list[ExpertFactor]:
    return [
        ExpertFactor(
            key="current_ratio", dimension="finances", label="Current ratio", type="numeric",
            weight=0.6,
            bins=(ScoredRange(None, 1.0, 0), ScoredRange(1.0, 2.0, 50), ScoredRange(2.0, None, 100)),
            missing_rule="worst",
        ),
        ExpertFactor(
            key="size_class", dimension="registration", label="Size class", type="categorical",
            weight=0.4,
            bins=(ScoredCategories(("large",), 100), ScoredCategories(("small", "micro"), 25)),
            missing_rule="points", missing_score=10, other_score=60,
        ),
    ]


def test_expert_points_are_weight_times_score_times_ten():
    card = expert_scorecard(key="mini", version=1, name="Mini", factors=expert_specs())
    # current ratio: 0.6 x {0, 50, 100} x 10 = {0, 300, 600}
    # size class: 0.4 x {100, 25} x 10 = {400, 100}
    assert [b.points for b in card.factor("current_ratio").bins] == [0.0, 300.0, 600.0]
    assert [b.points for b in card.factor("size_class").bins] == [400.0, 100.0]
    assert card.factor("size_class").other_points == 240.0  # 0.4 x 60 x 10
    assert card.factor("size_class").missing.points == 40.0  # 0.4 x 10 x 10
    # min 0 + min(400, 100, other 240) = 100; max 600 + 400 = 1000
    assert (card.min_score, card.max_score) == (100.0, 1000.0)
    # 1.5 -> 300, medium (unlisted) -> other 240: 540
    assert card.score({"current_ratio": 1.5, "size_class": "medium"}).score == 540.0
    assert card.weights == {"current_ratio": 0.6, "size_class": 0.4}
    # the editor's inverse gives back the specs
    assert list(expert_factors(card)) == expert_specs()


def test_expert_builder_reports_precise_errors():
    specs = expert_specs()
    bad_weights = [specs[0], ExpertFactor(**{**specs[1].__dict__, "weight": 0.3})]
    with pytest.raises(ScorecardError, match=r"^weights: sum to 0\.9, must be 1$"):
        expert_scorecard(key="m", version=1, name="M", factors=bad_weights)
    bad_score = [
        ExpertFactor(**{**specs[0].__dict__, "bins": (ScoredRange(None, 1.0, 0),
                                                        ScoredRange(1.0, None, 120))}),
        specs[1],
    ]
    with pytest.raises(ScorecardError) as caught:
        expert_scorecard(key="m", version=1, name="M", factors=bad_score)
    assert str(caught.value) == "factors[0].bins[1].score: must be between 0 and 100, got 120"
    zero = [ExpertFactor(**{**specs[0].__dict__, "weight": 0.0}), specs[1]]
    with pytest.raises(ScorecardError, match=r"^factors\[0\]\.weight: must be > 0 and <= 1"):
        expert_scorecard(key="m", version=1, name="M", factors=zero)
    gap = [
        ExpertFactor(**{**specs[0].__dict__, "bins": (ScoredRange(None, 1.0, 0),
                                                        ScoredRange(1.5, None, 100))}),
        specs[1],
    ]
    with pytest.raises(ScorecardError) as caught:
        expert_scorecard(key="m", version=1, name="M", factors=gap)
    assert str(caught.value) == "factors[0].bins[1]: gap: lower 1.5 > previous upper 1.0"


# --- segments ---------------------------------------------------------------------------------


def test_select_scorecard_most_specific_else_default():
    base = card_dict()

    def variant(key: str, segment: dict[str, Any] | None, version: int = 1) -> Scorecard:
        data = copy.deepcopy(base)
        data.update(key=key, segment=segment, version=version)
        return Scorecard.from_dict(data)

    default = variant("default", None)
    manufacturing = variant("manufacturing", {"industry_sections": ["C"], "size": None})
    small_manufacturing = variant(
        "small-manufacturing", {"industry_sections": ["C"], "size": ["micro", "small"]}
    )
    cards = [default, manufacturing, small_manufacturing]
    pick = select_scorecard
    assert pick(cards, industry_section="C", size_class="small") is small_manufacturing
    assert pick(cards, industry_section="C", size_class="large") is manufacturing
    assert pick(cards, industry_section="G", size_class="small") is default
    assert pick(cards, industry_section=None, size_class=None) is default
    newer_default = variant("default", None, version=2)
    assert pick([default, newer_default], industry_section="G", size_class=None) is newer_default
    with pytest.raises(ScorecardError, match="no default scorecard"):
        pick([manufacturing], industry_section="G", size_class="small")


def test_segment_specificity_prefers_fewer_listed_values():
    broad = Segment(industry_sections=tuple("ABDEFG"))
    narrow = Segment(sizes=("micro",))
    assert narrow.specificity > broad.specificity


# --- templates --------------------------------------------------------------------------------

CANONICAL = {
    "finances": {
        "current_ratio", "quick_ratio", "debt_to_assets", "interest_coverage", "roa", "roe",
        "gross_margin", "net_margin", "asset_turnover", "receivable_days", "inventory_days",
        "sales_growth", "profit_growth", "altman_zone",
    },
    "payment": {
        "days_beyond_terms", "payment_index", "overdue_share", "max_days_past_due",
        "payment_trend", "trade_ref_days_beyond_terms", "trade_ref_bad_share",
    },
    "bank": {"bank_overdue_count"},
    "public_record": {
        "lawsuits_defendant_count", "enforcement_count", "dishonest_debtor", "penalties_count",
    },
    "registration": {"years_in_business", "paid_in_ratio", "size_class"},
}


def dimension_weights(card: Scorecard) -> dict[str, float]:
    assert card.weights is not None
    totals: dict[str, float] = {}
    for f in card.factors:
        totals[f.dimension] = totals.get(f.dimension, 0.0) + card.weights[f.key]
    return {k: round(v, 6) for k, v in totals.items()}


def test_templates_load_and_round_trip():
    assert {"default-expert", "services-expert", "small-firm-expert"} <= set(
        available_templates()
    )
    for card in load_templates():
        assert Scorecard.from_json(card.to_json()) == card
        assert card.kind == "expert" and card.max_score == pytest.approx(1000.0)
        assert {f.dimension for f in card.factors} <= set(DIMENSIONS)
        assert {f.key for f in card.factors} == set().union(*CANONICAL.values())
        for f in card.factors:  # explicit rule and documented cut-offs for every factor
            assert f.missing.rule in ("points", "worst", "neutral")
            assert f.key in card.meta["factor_notes"]  # type: ignore[operator]
    with pytest.raises(ScorecardError, match="unknown template 'nope'"):
        load_template("nope")


def test_default_template_weights_and_a_worked_score():
    card = load_template("default-expert")
    assert card.segment is None
    assert dimension_weights(card) == {
        "finances": 0.35, "payment": 0.3, "bank": 0.1, "public_record": 0.15,
        "registration": 0.1,
    }
    for dimension, keys in CANONICAL.items():
        assert {f.key for f in card.factors if f.dimension == dimension} == keys
    # A customer that is perfect everywhere except an active dishonest-debtor listing:
    best = {"altman_zone": "safe", "size_class": "large"}
    perfect = {f.key: best.get(f.key) for f in card.factors}
    for f in card.factors:
        if f.type == "numeric":
            top = max(f.bins, key=lambda b: b.points)
            lower, upper = top.lower, top.upper  # type: ignore[union-attr]
            perfect[f.key] = (lower if lower is not None else (upper or 0.0) - 1.0)
    assert card.score(perfect).score == pytest.approx(1000.0)
    listed = card.score({**perfect, "dishonest_debtor": 1.0})
    # dishonest_debtor: weight 0.05 -> 50 points lost -> 950
    assert listed.score == pytest.approx(950.0)
    assert listed.top_reasons(1)[0].key == "dishonest_debtor"
    # missing statements: debt_to_assets (worst) loses the full 0.04 x 1000 = 40 points
    no_finances = card.score({k: v for k, v in perfect.items() if k != "debt_to_assets"})
    assert no_finances.contribution("debt_to_assets").points == 0.0
    assert no_finances.contribution("debt_to_assets").missing_rule == "worst"


def test_segment_variants():
    services = load_template("services-expert")
    assert services.segment is not None and services.segment.industry_sections is not None
    assert "C" not in services.segment.industry_sections
    assert services.weights is not None and services.weights["inventory_days"] == 0.01
    small = load_template("small-firm-expert")
    assert dimension_weights(small)["payment"] == 0.4
    assert dimension_weights(small)["finances"] == 0.25
    cards = load_templates()
    assert select_scorecard(cards, industry_section="C", size_class="large").key == (
        "default-expert"
    )
    assert select_scorecard(cards, industry_section="G", size_class="large").key == (
        "services-expert"
    )
    assert select_scorecard(cards, industry_section="C", size_class="micro").key == (
        "small-firm-expert"
    )


def test_nan_in_json_is_rejected():
    data = card_dict()
    data["intercept_points"] = math.inf
    assert error_of(data) == "intercept_points: must be finite, got inf"
