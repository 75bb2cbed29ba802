"""Validation figures (AUC, KS, Brier, PSI, calibration, IV) against hand-computed values."""

from __future__ import annotations

import json
import math

import pytest

from credo.rating.engine.validation import (
    PSI_FLOOR,
    auc,
    average_ranks,
    brier_score,
    build_report,
    calibration_table,
    factor_information_values,
    gini,
    ks_statistic,
    population_stability,
)

# goods score 3, 4, 5; bads score 1, 3 (higher score = better)
BAD = [0, 0, 0, 1, 1]
SCORES = [3.0, 4.0, 5.0, 1.0, 3.0]


def test_average_ranks_share_ties():
    assert list(average_ranks([10, 20, 20, 30])) == [1.0, 2.5, 2.5, 4.0]


def test_auc_with_a_tie_by_hand():
    # pairs (good, bad): (3,1) win, (3,3) tie = 1/2, (4,1), (4,3), (5,1), (5,3) win
    # -> 5.5 / 6 = 0.916667. Ranks: 1 -> 1, 3 -> 2.5 (twice), 4 -> 4, 5 -> 5;
    # goods' rank sum 2.5 + 4 + 5 = 11.5; U = 11.5 - 3 * 4 / 2 = 5.5; AUC = 5.5 / (3 * 2).
    assert auc(BAD, SCORES) == pytest.approx(5.5 / 6)
    assert gini(BAD, SCORES) == pytest.approx(2 * 5.5 / 6 - 1)  # 0.833333


def test_auc_all_tied_is_one_half_and_reversed_is_complement():
    assert auc([0, 1, 0, 1], [7, 7, 7, 7]) == pytest.approx(0.5)
    assert auc(BAD, [-s for s in SCORES]) == pytest.approx(1 - 5.5 / 6)
    with pytest.raises(ValueError):
        auc([0, 0], [1, 2])


def test_ks_by_hand():
    # t = 1: F_bad = 1/2, F_good = 0   -> 0.5
    # t = 3: F_bad = 2/2, F_good = 1/3 -> 0.666667 (max)
    # t = 4: F_bad = 1,   F_good = 2/3 -> 0.333333
    # t = 5: 1 and 1                   -> 0
    ks, at = ks_statistic(BAD, SCORES)
    assert ks == pytest.approx(2 / 3)
    assert at == 3.0


def test_brier_by_hand():
    # ((0.1 - 0)^2 + (0.8 - 1)^2 + (0.3 - 1)^2) / 3 = (0.01 + 0.04 + 0.49) / 3 = 0.18
    assert brier_score([0, 1, 1], [0.1, 0.8, 0.3]) == pytest.approx(0.18)


def test_psi_by_hand():
    # development 1..10, 2 bins: median 5.5 -> [.., 5.5) holds 5, [5.5, ..) holds 5: e = .5, .5
    # current 1, 2, 3, 6, 7, 8, 9, 10, 10, 10: a = 0.3, 0.7
    # PSI = (0.3 - 0.5) ln(0.3 / 0.5) + (0.7 - 0.5) ln(0.7 / 0.5)
    #     = (-0.2)(-0.510826) + (0.2)(0.336472) = 0.102165 + 0.067294 = 0.169460
    result = population_stability(range(1, 11), [1, 2, 3, 6, 7, 8, 9, 10, 10, 10], bins=2)
    assert result.psi == pytest.approx(0.169460, abs=1e-6)
    assert [r.expected_share for r in result.rows] == [0.5, 0.5]
    assert [r.actual_share for r in result.rows] == pytest.approx([0.3, 0.7])
    assert result.rows[0].upper == 5.5 and result.reading == "watch"


def test_psi_with_an_empty_bin_uses_the_floor():
    # current all >= 5.5: a = 0 -> floored to 0.0001, 1.0
    # (0.0001 - 0.5) ln(0.0001 / 0.5) + (1 - 0.5) ln(1 / 0.5)
    #   = (-0.4999)(-8.517193) + 0.5 * 0.693147 = 4.257745 + 0.346574 = 4.604319
    result = population_stability(range(1, 11), [6, 7, 8, 9], bins=2)
    assert PSI_FLOOR == 1e-4
    assert result.psi == pytest.approx(4.604319, abs=1e-6)
    assert result.rows[0].actual_share == 0.0
    assert result.reading == "shifted"


def test_psi_of_identical_distributions_is_zero():
    assert population_stability(range(100), range(100)).psi == pytest.approx(0.0)


def test_calibration_bands_keep_ties_together():
    # scores 1,1,1,1,2,3; 2 bands: median 1.0 -> band (.., 1] holds the four 1s, (1, ..] the rest
    bad = [1, 1, 0, 0, 0, 1]
    pd = [0.5, 0.5, 0.5, 0.5, 0.2, 0.4]
    rows = calibration_table(bad, [1, 1, 1, 1, 2, 3], pd, groups=2)
    assert [(r.count, r.bads) for r in rows] == [(4, 2), (2, 1)]
    assert [r.observed_bad_rate for r in rows] == [0.5, 0.5]
    assert [r.predicted_pd_mean for r in rows] == pytest.approx([0.5, 0.3])  # (0.2 + 0.4) / 2


def test_calibration_deciles_and_grades():
    rows = calibration_table([0] * 15 + [1] * 5, list(range(20)), groups=10)
    assert [r.count for r in rows] == [2] * 10
    assert rows[-1].bads == 2 and rows[0].bads == 0  # scores 18, 19 are the two last bads
    graded = calibration_table([1, 0, 0, 0], [1, 5, 2, 6], labels=["B", "A", "B", "A"])
    assert [(r.group, r.count, r.bads) for r in graded] == [("B", 2, 1), ("A", 2, 0)]


def test_factor_iv_recomputed_from_card_bins():
    # bin [.., 1): goods 1, bads 2; bin [1, ..): goods 2, bads 1 (3 goods, 3 bads in all)
    # WOE ln((1/3) / (2/3)) = -0.693147 and +0.693147
    # IV = (1/3 - 2/3)(-0.693147) + (2/3 - 1/3)(0.693147) = 0.462098
    card = {"factors": [{"key": "r", "type": "numeric", "bins": [
        {"lower": None, "upper": 1.0, "points": 0.0}, {"lower": 1.0, "upper": None, "points": 9}],
        "missing": {"rule": "worst"}}]}
    (factor,) = factor_information_values(card, {"r": [0, 0, 0, 2, 2, 2]}, [1, 1, 0, 0, 0, 1])
    assert factor.iv == pytest.approx(0.462098, abs=1e-6)
    assert [b[0] for b in factor.bins] == ["[-inf, 1)", "[1, +inf)"]


def test_report_is_json_able_and_html_is_escaped():
    report = build_report(BAD, SCORES, [0.1, 0.1, 0.05, 0.6, 0.3], card_key="<card & co>",
                          card_version=2, groups=2, development_scores=[1, 2, 3, 4, 5])
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["auc"] == pytest.approx(5.5 / 6) and data["bad_rate"] == pytest.approx(0.4)
    assert data["psi"]["reading"] in {"stable", "watch", "shifted"}
    # Brier: (0.01 + 0.01 + 0.0025 + 0.16 + 0.49) / 5 = 0.6725 / 5 = 0.1345
    assert data["brier"] == pytest.approx(0.1345)
    page = report.html()
    assert page.startswith("<!DOCTYPE html>") and "&lt;card &amp; co&gt;" in page
    assert "<card" not in page and "<script" not in page and "http" not in page
    assert "Calibration" in page and "Population stability" in page
    assert not math.isnan(report.ks)


def test_report_without_pd_notes_it():
    report = build_report(BAD, SCORES)
    assert report.brier is None and report.notes
    assert all(r.predicted_pd_mean is None for r in report.calibration)
