"""Training statistical scorecards: points, JSON card, batch scoring, CV on German credit."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from credo.rating.engine.scorecard import Scorecard
from credo.rating.engine.statistical import (
    Scaling,
    TrainingParams,
    compare_models,
    cross_validate,
    is_numeric_column,
    read_csv_table,
    scaled_pd,
    score_rows,
    table_to_columns,
    train_from_table,
    train_scorecard,
    validate_card,
)

GERMAN = Path("/work/shared/data/german_credit.csv")


def _synthetic(rows: int = 2000, seed: int = 1) -> tuple[dict[str, list[object]], np.ndarray]:
    """Leverage raises PD, sector B is risky, noise carries nothing; margin sometimes missing."""
    rng = np.random.default_rng(seed)
    leverage = rng.uniform(0, 3, rows)
    sector = rng.choice(["A", "B", "C"], rows)
    margin = rng.normal(0.1, 0.1, rows)
    noise = rng.normal(size=rows)
    logit = -2.0 + 1.2 * leverage + 0.8 * (sector == "B") - 5.0 * margin
    bad = (rng.uniform(size=rows) < 1 / (1 + np.exp(-logit))).astype(int)
    margin_values: list[object] = [None if i % 10 == 0 else float(m) for i, m in enumerate(margin)]
    columns: dict[str, list[object]] = {
        "leverage": [float(v) for v in leverage], "sector": [str(s) for s in sector],
        "margin": margin_values, "noise": [float(v) for v in noise]}
    return columns, bad


@pytest.fixture(scope="module")
def trained():
    columns, bad = _synthetic()
    model = train_scorecard(columns, bad, key="synthetic", version=3, name="Synthetic card",
                            dimensions={"leverage": "finances", "margin": "finances"})
    return columns, bad, model


def test_scaling_by_hand():
    scaling = Scaling(600, 50, 20)
    # factor = 20 / ln 2 = 28.853901; offset = 600 - 28.853901 * ln 50 (3.912023) = 487.122876
    assert scaling.factor == pytest.approx(28.853901, abs=1e-6)
    assert scaling.offset == pytest.approx(487.122876, abs=1e-6)
    # at 600 the odds are 50:1 -> PD 1/51; at 620 they double to 100:1 -> PD 1/101
    assert list(scaled_pd(scaling, [600, 620])) == pytest.approx([1 / 51, 1 / 101])


def test_card_follows_the_shared_format(trained):
    _, bad, model = trained
    card = model.card
    assert card["format"] == "credo.scorecard/1" and card["kind"] == "statistical"
    assert (card["key"], card["version"], card["name"]) == ("synthetic", 3, "Synthetic card")
    assert card["scaling"] == {"base_score": 600.0, "base_odds": 50.0, "pdo": 20.0}
    assert card["intercept_points"] == pytest.approx(Scaling().offset)
    keys = [f["key"] for f in card["factors"]]
    assert set(keys) == {"leverage", "sector", "margin"}
    assert "noise" in model.excluded and "information value" in model.excluded["noise"]
    factors = {f["key"]: f for f in card["factors"]}
    assert factors["leverage"]["dimension"] == "finances"
    assert factors["sector"]["dimension"] == "business" and factors["sector"]["label"] == "Sector"
    assert factors["margin"]["missing"]["rule"] == "points"  # missing seen in training
    assert factors["leverage"]["missing"] == {"rule": "neutral"}  # none seen
    assert all(b["woe"] is not None for f in card["factors"] for b in f["bins"])
    training = card["meta"]["training"]
    assert training["rows"] == 2000 and training["bads"] == int(bad.sum())
    assert {f["key"] for f in training["features"]} == set(keys)
    assert training["parameters"]["min_iv"] == 0.02
    json.dumps(card)  # JSON-able


def test_points_formula_by_hand(trained):
    # bin points = -factor * (coefficient * woe + intercept / n)
    _, _, model = trained
    factor = Scaling().factor
    n = len(model.features)
    leverage = next(f for f in model.card["factors"] if f["key"] == "leverage")
    coefficient = model.coefficients["leverage"]
    assert coefficient < 0  # WOE positive = good, regression target bad = 1
    for b in leverage["bins"]:
        assert b["points"] == pytest.approx(-factor * (coefficient * b["woe"]
                                                       + model.intercept / n))
    # numeric bins: bad rate rises with leverage -> WOE and points fall bin by bin
    points = [b["points"] for b in leverage["bins"]]
    assert points == sorted(points, reverse=True) and len(points) >= 3


def test_score_is_offset_minus_factor_times_logit(trained):
    columns, _, model = trained
    pd = model.regression_pd(columns)
    expected = Scaling().offset - Scaling().factor * np.log(pd / (1 - pd))
    scores = score_rows(model.card, columns)
    assert np.max(np.abs(scores - expected)) < 1e-8
    assert np.max(np.abs(model.pd(columns) - pd)) < 1e-12


def test_card_scores_like_the_scorecard_module(trained):
    columns, _, model = trained
    card = Scorecard.from_json(json.dumps(model.card))
    scores = score_rows(model.card, columns)
    pd = model.regression_pd(columns)
    for i in range(0, 2000, 37):
        result = card.score({k: v[i] for k, v in columns.items()})
        assert result.score == pytest.approx(scores[i], abs=1e-9)
        assert result.pd == pytest.approx(pd[i], rel=1e-9)
    # unseen missing (neutral rule) and an unseen category (other points) agree too
    odd = {"leverage": [None], "sector": ["Z"], "margin": [None], "noise": [0.0]}
    assert score_rows(model.card, odd)[0] == pytest.approx(
        card.score({"leverage": None, "sector": "Z", "margin": None}).score)
    assert score_rows(card, odd)[0] == score_rows(model.card, odd)[0]
    assert model.regression_pd(odd)[0] == pytest.approx(model.pd(odd)[0])


def test_score_rows_rules_on_a_hand_made_card():
    card = {
        "format": "credo.scorecard/1", "key": "hand", "version": 1, "name": "Hand",
        "kind": "expert", "segment": None, "scaling": None, "intercept_points": 100.0,
        "factors": [
            {"key": "ratio", "dimension": "finances", "label": "Ratio", "type": "numeric",
             "bins": [{"lower": None, "upper": 1.0, "points": 5.0, "woe": None},
                      {"lower": 1.0, "upper": None, "points": 20.0, "woe": None}],
             "missing": {"rule": "worst"}},
            {"key": "form", "dimension": "registration", "label": "Form", "type": "categorical",
             "bins": [{"categories": ["a", "b"], "points": 30.0, "woe": None},
                      {"categories": ["c"], "points": 10.0, "woe": None}],
             "other_points": 0.0, "missing": {"rule": "neutral"}},
        ],
        "weights": None, "meta": {},
    }
    columns = {"ratio": [0.5, None, 3.0, 1.0], "form": ["a", "c", "zz", None]}
    # 100 + 5 + 30 = 135; 100 + worst 5 + 10 = 115; 100 + 20 + other 0 = 120;
    # 100 + 20 + neutral (expert: (min 0 + max 30) / 2 = 15) = 135
    assert list(score_rows(card, columns)) == [135.0, 115.0, 120.0, 135.0]
    parsed = Scorecard.from_dict(card)
    assert [parsed.score({"ratio": r, "form": f}).score
            for r, f in zip(columns["ratio"], columns["form"], strict=True)] == [
        135.0, 115.0, 120.0, 135.0]


def test_training_rejects_bad_input():
    columns, bad = _synthetic(200)
    with pytest.raises(ValueError):
        train_scorecard(columns, np.zeros(200, dtype=int), key="x")
    with pytest.raises(ValueError):
        train_scorecard(columns, bad[:100], key="x")
    with pytest.raises(ValueError):
        train_scorecard(columns, bad, key="x", dimensions={"leverage": "mood"})
    with pytest.raises(ValueError):  # nothing reaches an IV of 10
        train_scorecard(columns, bad, key="x", params=TrainingParams(min_iv=10.0))


def test_table_helpers_and_csv(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("amount,form,status\n10,a,1\n,b,0\n30.5,,1\n", encoding="utf-8")
    table = read_csv_table(path)
    assert table == [{"amount": 10.0, "form": "a", "status": 1.0},
                     {"amount": None, "form": "b", "status": 0.0},
                     {"amount": 30.5, "form": None, "status": 1.0}]
    columns, flags = table_to_columns(table, "status", "1")  # "1" matches 1.0
    assert list(flags) == [1, 0, 1] and columns["amount"] == [10.0, None, 30.5]
    assert is_numeric_column(["1", " 2.5", None, ""]) and not is_numeric_column(["1", "x"])
    assert not is_numeric_column([None, None])


def test_train_from_table_infers_column_types():
    columns, bad = _synthetic(1500, seed=3)
    rows = [{**{k: (None if v[i] is None else str(v[i])) for k, v in columns.items()},
             "outcome": "bad" if bad[i] else "good"} for i in range(1500)]
    model = train_from_table(rows, "outcome", "bad", key="table", exclude=("noise",))
    types = {f["key"]: f["type"] for f in model.card["factors"]}
    assert types == {"leverage": "numeric", "sector": "categorical", "margin": "numeric"}
    assert "noise" not in model.information_values


def test_validate_and_compare_models(trained):
    columns, bad, model = trained
    report = validate_card(model.card, columns, bad, development_scores=model.score(columns))
    assert 0.7 < report.auc < 1 and report.psi is not None and report.psi.psi == 0.0
    assert report.brier is not None and {f.key for f in report.factors} == set(model.features)
    weak = train_scorecard({"noise": columns["noise"], "sector": columns["sector"]}, bad,
                           key="weak", params=TrainingParams(min_iv=0.0))
    result = compare_models(weak.card, model.card, columns, bad)
    champion, challenger = result["champion"], result["challenger"]
    assert result["better"] == "challenger"
    assert result["differences"]["auc"] == pytest.approx(challenger["auc"] - champion["auc"])
    assert result["differences"]["auc"] > 0.1
    json.dumps(result)


@pytest.mark.skipif(not GERMAN.exists(), reason=f"public data set absent: {GERMAN}")
def test_german_credit_cross_validation():
    table = read_csv_table(GERMAN)
    columns, bad = table_to_columns(table, "creditability", "bad")
    assert len(bad) == 1000 and int(bad.sum()) == 300
    result = cross_validate(columns, bad, folds=5, seed=42)
    print(f"\nGerman credit 5-fold CV (seed 42): AUC {result['auc_mean']:.3f} "
          f"+/- {result['auc_sd']:.3f}, KS {result['ks_mean']:.3f}")
    assert result["auc_mean"] >= 0.76
    assert result["ks_mean"] >= 0.40
    # The full model: numeric bins monotone in WOE (and so in points), every coefficient < 0.
    model = train_from_table(table, "creditability", "bad", key="german")
    assert all(c < 0 for c in model.coefficients.values())
    for factor in model.card["factors"]:
        if factor["type"] == "numeric":
            woes = [b["woe"] for b in factor["bins"]]
            steps = np.sign(np.diff(woes))
            assert len(set(steps)) <= 1 and 0 not in steps, factor["key"]
    assert not math.isnan(model.card["meta"]["training"]["features"][0]["iv"])


@pytest.mark.skipif(not GERMAN.exists(), reason=f"public data set absent: {GERMAN}")
def test_german_credit_with_optbinning_prebinning():
    pytest.importorskip("optbinning", reason="the modeling extra is not installed")
    table = read_csv_table(GERMAN)
    columns, bad = table_to_columns(table, "creditability", "bad")
    params = TrainingParams(prebinning="optbinning")
    result = cross_validate(columns, bad, folds=5, seed=42, params=params)
    print(f"\nGerman credit 5-fold CV with optbinning: AUC {result['auc_mean']:.3f} "
          f"+/- {result['auc_sd']:.3f}, KS {result['ks_mean']:.3f}")
    assert result["auc_mean"] >= 0.76
    model = train_from_table(table, "creditability", "bad", key="german-ob", params=params)
    assert model.card["meta"]["training"]["parameters"]["prebinning"] == "optbinning"
    for factor in model.card["factors"]:
        if factor["type"] == "numeric":
            steps = np.sign(np.diff([b["woe"] for b in factor["bins"]]))
            assert len(set(steps)) <= 1 and 0 not in steps, factor["key"]


def test_unknown_prebinning_is_refused():
    from credo.rating.engine.binning import MonotoneBinning

    with pytest.raises(ValueError, match="prebinning must be quantile/optbinning"):
        MonotoneBinning(prebinning="trees").fit([1.0, 2.0, 3.0, 4.0], [0, 1, 0, 1])
