"""Grade scales: cut-off boundaries, PDs, validation, calibration, review intervals, terms."""

from __future__ import annotations

import pytest

from credo.rating.engine.grades import (
    NINE_GRADES,
    TEN_GRADES,
    Grade,
    GradeError,
    GradeScale,
    ReviewPolicy,
    TermsPolicy,
    calibrate_pd,
    default_scale,
    grade_improvements,
    next_review_interval,
    statistical_scale,
    terms_for_grade,
)
from credo.rating.engine.scorecard import (
    ExpertFactor,
    Scaling,
    ScoredRange,
    expert_scorecard,
)


def test_default_nine_scale_boundaries():
    scale = default_scale()
    assert scale.codes == NINE_GRADES
    # a cut-off belongs to its grade: 900 is AAA, just below is AA
    assert scale.grade_for_score(900).code == "AAA"
    assert scale.grade_for_score(899.999).code == "AA"
    assert scale.grade_for_score(1000).code == "AAA"
    assert scale.grade_for_score(600).code == "BBB"
    assert scale.grade_for_score(599.99).code == "BB"
    assert scale.grade_for_score(200).code == "CC"
    assert scale.grade_for_score(199.99).code == "C"
    # the lowest grade takes every score below, even below the expert range
    assert scale.grade_for_score(-50).code == "C"
    assert scale.pd_for_grade("BBB") == 0.008
    assert scale.pd_for_grade("C") == 0.5


def test_ten_scale_adds_d_alone_in_class_d():
    scale = default_scale("ten")
    assert scale.codes == TEN_GRADES
    assert scale.grade_for_score(100).code == "C"
    assert scale.grade_for_score(99.5).code == "D"
    d = scale.grade("D")
    assert (d.grade_class, d.class_label, d.class_label_zh, d.label_zh) == (
        "D", "Class D", "D类", "违约",
    )
    assert [g.code for g in scale.grades if g.grade_class == "C"] == ["CCC", "CC", "C"]


def test_grade_labels_and_classes():
    aa = default_scale().grade("AA")
    assert (aa.grade_class, aa.class_label_zh, aa.label, aa.label_zh) == (
        "A", "A类", "Very strong", "信用优良",
    )
    assert default_scale().grade("BB").grade_class == "B"
    assert default_scale().next_better("BBB").code == "A"  # type: ignore[union-attr]
    assert default_scale().next_better("AAA") is None
    with pytest.raises(GradeError, match="unknown grade 'D' on the nine scale"):
        default_scale().grade("D")


def test_scale_json_round_trip():
    scale = default_scale("ten")
    again = GradeScale.from_json(scale.to_json())
    assert again == scale and again.to_dict() == scale.to_dict()


def nine(min_scores: list[float | None], pds: list[float]) -> GradeScale:
    return GradeScale(
        scale="nine",
        grades=tuple(Grade(c, s, p) for c, s, p in zip(NINE_GRADES, min_scores, pds, strict=True)),
    )


CUTS: list[float | None] = [900, 800, 700, 600, 500, 400, 300, 200, None]
PDS = [0.001, 0.002, 0.004, 0.008, 0.016, 0.035, 0.08, 0.16, 0.5]


def test_scale_validation_messages():
    with pytest.raises(GradeError) as caught:
        nine([900, 800, 800, 600, 500, 400, 300, 200, None], PDS)
    assert str(caught.value) == (
        "grades[2].min_score: 800 must be below AA's 800 (cut-offs strictly decreasing)"
    )
    with pytest.raises(GradeError) as caught:
        nine(CUTS, [0.001, 0.002, 0.0015, 0.008, 0.016, 0.035, 0.08, 0.16, 0.5])
    assert str(caught.value) == (
        "grades[2].pd: 0.0015 is below AA's 0.002 (PDs must not decrease from AAA down)"
    )
    with pytest.raises(GradeError, match=r"^grades\[8\]\.pd: must be strictly between 0 and 1"):
        nine(CUTS, [*PDS[:8], 1.0])
    with pytest.raises(GradeError, match=r"^grades\[8\]\.min_score: must be null"):
        nine([*CUTS[:8], 100], PDS)
    with pytest.raises(GradeError, match="the nine scale needs grades AAA, AA, A"):
        GradeScale(scale="nine", grades=(Grade("AAA", None, 0.01),))
    with pytest.raises(GradeError, match="^format: expected"):
        GradeScale.from_dict({"format": "x"})


def test_statistical_scale_from_scaling():
    scaling = Scaling(base_score=600, base_odds=50, pdo=20)
    scale = statistical_scale(scaling)
    # AAA/AA edge: sqrt(0.001 x 0.002) = 0.0014142; odds = (1 - p) / p = 706.107;
    # score = 600 + 20 x log2(706.107 / 50) = 600 + 20 x 3.819886 = 676.40
    assert scale.grade("AAA").min_score == 676.4
    # each grade's own PD maps to a score inside its band
    for g in scale.grades:
        assert scale.grade_for_score(scaling.pd_to_score(g.pd)).code == g.code
    tied = nine(CUTS, [0.001, 0.002, 0.002, 0.008, 0.016, 0.035, 0.08, 0.16, 0.5])
    with pytest.raises(GradeError, match="A and AA share PD 0.002"):
        statistical_scale(scaling, base=tied)


def test_calibrate_pd_hand_computed():
    scale = default_scale()
    observations = [("AA", i < 5) for i in range(100)] + [("A", i < 1) for i in range(100)]
    result = calibrate_pd(scale, observations, prior_weight=100)
    rows = {r.code: r for r in result.grades}
    # shrinkage with m = 100 pseudo-observations at the prior PD:
    # AA: (5 + 100 x 0.002) / (100 + 100) = 5.2 / 200 = 0.026
    # A:  (1 + 100 x 0.004) / 200 = 1.4 / 200 = 0.007
    assert rows["AA"].smoothed_pd == pytest.approx(0.026)
    assert rows["A"].smoothed_pd == pytest.approx(0.007)
    assert rows["AA"].observed_rate == 0.05 and rows["AAA"].observed_rate is None
    # PAV: AA 0.026 > A 0.007 -> pool (5.2 + 1.4) / 400 = 0.0165; that is > BBB 0.008
    # (no data, weight 100) -> pool (6.6 + 0.8) / 500 = 0.0148; BB 0.016 >= 0.0148 stops.
    for code in ("AA", "A", "BBB"):
        assert rows[code].calibrated_pd == pytest.approx(0.0148)
    assert rows["AAA"].calibrated_pd == pytest.approx(0.001)
    assert rows["BB"].calibrated_pd == pytest.approx(0.016)
    pds = [g.pd for g in result.scale.grades]
    assert pds == sorted(pds)
    assert result.scale.grade("A").min_score == 700  # cut-offs kept


def test_calibrate_pd_rejects_unknown_grades_and_clips():
    with pytest.raises(GradeError, match=r"^observations\[1\]: unknown grade 'D'"):
        calibrate_pd(default_scale(), [("A", False), ("D", True)])
    # all C defaulting with a tiny prior: (10 + 0.001 x 0.5) / 10.001 ~ 1 -> clipped to 0.9999
    result = calibrate_pd(default_scale(), [("C", True)] * 10, prior_weight=0.001)
    assert result.pds["C"] == 0.9999


def test_review_intervals_and_policy():
    assert [next_review_interval(g) for g in TEN_GRADES] == [12, 12, 9, 6, 4, 1, 1, 1, 1, 1]
    policy = ReviewPolicy.from_dict({"months": {**ReviewPolicy().months, "A": 12}})
    assert next_review_interval("A", policy) == 12
    assert ReviewPolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(GradeError, match=r"^months\.BB: must be an integer >= 1, got 0"):
        ReviewPolicy(months={**ReviewPolicy().months, "BB": 0})


def test_terms_for_grade():
    assert terms_for_grade("AAA").term_days == 90
    assert terms_for_grade("AA").term_days == 60
    assert terms_for_grade("A").term_days == 45
    bbb = terms_for_grade("BBB")
    assert bbb.open_account and bbb.term_days == 30
    b = terms_for_grade("B")
    assert not b.open_account and b.term_days is None
    assert b.methods == ("guarantee", "letter_of_credit", "cash_against_documents")
    assert b.labels_zh == ("担保", "信用证", "付款交单")
    assert terms_for_grade("CCC").methods == b.methods
    for code in ("CC", "C", "D"):
        assert terms_for_grade(code).prepayment_only
    policy = TermsPolicy.from_dict(TermsPolicy().to_dict())
    assert policy == TermsPolicy()
    raw = TermsPolicy().to_dict()
    raw["terms"]["BB"] = {"methods": ["open_account"], "term_days": None}  # type: ignore[index]
    with pytest.raises(GradeError, match=r"^terms\.BB\.term_days: open account needs"):
        TermsPolicy.from_dict(raw)


def test_grade_improvements_lists_changes_to_the_next_grade():
    card = expert_scorecard(
        key="mini", version=1, name="Mini",
        factors=[
            ExpertFactor(
                key="current_ratio", dimension="finances", label="Current ratio",
                type="numeric", weight=0.5,
                bins=(ScoredRange(None, 1.0, 0), ScoredRange(1.0, 2.0, 60),
                      ScoredRange(2.0, None, 100)),
            ),
            ExpertFactor(
                key="years_in_business", dimension="registration", label="Years",
                type="numeric", weight=0.5,
                bins=(ScoredRange(None, 3.0, 20), ScoredRange(3.0, None, 100)),
            ),
        ],
    )
    # 1.5 -> 0.5 x 60 x 10 = 300; 2 years -> 0.5 x 20 x 10 = 100; total 400 = B (>= 400)
    improvement = grade_improvements(card, {"current_ratio": 1.5, "years_in_business": 2},
                                     default_scale())
    assert (improvement.score, improvement.grade, improvement.target_grade) == (400.0, "B", "BB")
    # BB needs 500: current ratio >= 2 gives +200 -> 600; years >= 3 gives +400 -> 800
    changes = {c.key: c for c in improvement.changes}
    assert changes["current_ratio"].to_bin_label == ">= 2"
    assert changes["years_in_business"].new_score == 800.0
    top = grade_improvements(card, {"current_ratio": 3, "years_in_business": 10}, default_scale())
    assert (top.grade, top.target_grade, top.changes) == ("AAA", None, ())
