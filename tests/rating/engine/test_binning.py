"""Monotone and categorical binning with weight of evidence, checked against hand arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest

from credo.rating.engine.binning import (
    MISSING_INDEX,
    OTHER_INDEX,
    CategoricalBinning,
    MonotoneBinning,
    card_bin_index,
    woe_iv,
)


def _group(value: object, rows: int, bads: int) -> tuple[list[object], list[int]]:
    """``rows`` rows with the same value, the first ``bads`` of them bad."""
    return [value] * rows, [1] * bads + [0] * (rows - bads)


def _data(*groups: tuple[object, int, int]) -> tuple[list[object], list[int]]:
    x: list[object] = []
    y: list[int] = []
    for value, rows, bads in groups:
        gx, gy = _group(value, rows, bads)
        x += gx
        y += gy
    return x, y


def test_woe_and_iv_by_hand():
    # goods (60, 40) -> shares 0.6, 0.4; bads (10, 30) -> shares 0.25, 0.75
    # WOE: ln(0.6 / 0.25) = ln 2.4 = 0.875469; ln(0.4 / 0.75) = ln 0.5333 = -0.628609
    # IV: (0.6 - 0.25) * 0.875469 + (0.4 - 0.75) * -0.628609 = 0.306414 + 0.220013 = 0.526427
    woe, iv = woe_iv([60, 40], [10, 30])
    assert woe == pytest.approx([0.875469, -0.628609], abs=1e-6)
    assert iv.sum() == pytest.approx(0.526427, abs=1e-6)
    assert woe[0] > 0  # more goods than bads (relatively): positive = better


def test_woe_smoothing_when_a_bin_has_no_goods():
    # goods (10, 0), bads (5, 5): a zero -> +0.5 everywhere: goods (10.5, 0.5) of 11,
    # bads (5.5, 5.5) of 11. WOE ln(10.5 / 5.5) = 0.646627; ln(0.5 / 5.5) = -2.397895
    woe, _ = woe_iv([10, 0], [5, 5])
    assert woe == pytest.approx([0.646627, -2.397895], abs=1e-6)
    assert np.all(np.isfinite(woe))


def test_pool_adjacent_violators_merges_the_violating_bins():
    # value 1: 100 rows, 50 bad (0.50); value 2: 100 rows, 30 bad (0.30); value 3: 100 rows,
    # 35 bad (0.35). Descending bad rate is violated by 2 -> 3: they merge into 200 rows,
    # 65 bad (0.325). Goods 185, bads 115 in all.
    # WOE [-inf, 2): ln((50/185) / (50/115)) = ln(0.270270 / 0.434783) = -0.475424
    # WOE [2, +inf): ln((135/185) / (65/115)) = ln(0.729730 / 0.565217) = 0.255464
    x, y = _data((1, 100, 50), (2, 100, 30), (3, 100, 35))
    binning = MonotoneBinning(monotonic="descending").fit(x, y)
    assert list(binning.splits_) == [2.0]
    rows = binning.table()
    assert [(r.label, r.count, r.bads) for r in rows] == [("[-inf, 2)", 100, 50),
                                                          ("[2, +inf)", 200, 65)]
    assert [r.woe for r in rows] == pytest.approx([-0.475424, 0.255464], abs=1e-6)
    assert rows[1].bad_rate == pytest.approx(0.325)
    # IV: (50/185 - 50/115) * -0.475424 + (135/185 - 65/115) * 0.255464
    #   = (-0.164512 * -0.475424) + (0.164512 * 0.255464) = 0.078213 + 0.042027 = 0.120240
    assert binning.iv_ == pytest.approx(0.120240, abs=1e-5)
    assert sum(r.iv for r in rows) == pytest.approx(binning.iv_)


def test_auto_direction_picks_the_more_informative_one():
    # Ascending would merge everything (0.50 > 0.30, then 0.40 > 0.35): one bin, IV 0.
    x, y = _data((1, 100, 50), (2, 100, 30), (3, 100, 35))
    binning = MonotoneBinning().fit(x, y)
    assert binning.direction_ == "descending"
    assert len(binning.table()) == 2
    forced = MonotoneBinning(monotonic="ascending").fit(x, y)
    assert len(forced.table()) == 1 and forced.iv_ == pytest.approx(0.0)


def test_bins_are_monotone_and_respect_max_bins_and_min_share():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 100, 3000)
    # bad rate falls with x, plus noise that breaks monotonicity of fine pre-bins
    y = (rng.uniform(size=3000) < 0.5 - 0.004 * x + 0.05 * np.sin(x)).astype(int)
    binning = MonotoneBinning(max_bins=4, min_bin_share=0.1).fit(x, y)
    rows = binning.table()
    assert 2 <= len(rows) <= 4
    rates = [r.bad_rate for r in rows]
    assert all(a > b for a, b in zip(rates, rates[1:], strict=False))
    assert all(r.count >= 0.1 * 3000 and r.goods > 0 and r.bads > 0 for r in rows)
    assert sum(r.count for r in rows) == 3000
    woes = [r.woe for r in rows]
    assert woes == sorted(woes)  # falling bad rate = rising WOE


def test_small_bin_and_bin_without_bads_are_merged():
    # value 0: 4 rows of 304 (1.3% < 5%) all bad; value 1: 100 rows, 0 bad; 2 and 3 normal.
    x, y = _data((0, 4, 4), (1, 100, 0), (2, 100, 20), (3, 100, 40))
    binning = MonotoneBinning(monotonic=None).fit(x, y)
    rows = binning.table()
    assert all(r.count >= 0.05 * 304 and r.goods > 0 and r.bads > 0 for r in rows)
    assert sum(r.count for r in rows) == 304


def test_missing_and_special_values_get_their_own_bin():
    x, y = _data((1, 100, 10), (2, 100, 40), (None, 30, 15), (math.nan, 10, 5), (-999, 10, 5))
    binning = MonotoneBinning(special_values=(-999,)).fit(x, y)
    missing = binning.table()[-1]
    assert missing.is_missing and missing.label == "missing"
    assert (missing.count, missing.bads) == (50, 25)
    # goods 90+60+25 = 175, bads 10+40+25 = 75: WOE ln((25/175) / (25/75)) = ln(0.428571)
    assert binning.missing_woe_ == pytest.approx(math.log(0.428571), abs=1e-5)
    assert list(binning.transform([None, -999, 1, 2])) == pytest.approx(
        [binning.missing_woe_, binning.missing_woe_, binning.woe_[0], binning.woe_[1]])


def test_missing_unseen_in_training_gets_the_neutral_woe():
    x, y = _data((1, 100, 10), (2, 100, 30), (3, 100, 60))
    binning = MonotoneBinning().fit(x, y)
    assert binning.missing_woe_ is None
    closest = min(binning.woe_, key=abs)
    assert binning.transform([None])[0] == pytest.approx(closest)


def test_bin_index_upper_bound_is_exclusive():
    x, y = _data((1, 100, 50), (2, 100, 30), (3, 100, 35))
    binning = MonotoneBinning(monotonic="descending").fit(x, y)
    assert list(binning.bin_index([1.999, 2.0, 100.0, None])) == [0, 1, 1, MISSING_INDEX]


def test_not_fitted_and_bad_input():
    with pytest.raises(RuntimeError):
        MonotoneBinning().transform([1.0])
    with pytest.raises(ValueError):
        MonotoneBinning().fit([1.0, 2.0], [0, 2])
    with pytest.raises(ValueError):
        MonotoneBinning(monotonic="up").fit([1.0, 2.0], [0, 1])  # type: ignore[arg-type]


def test_categorical_groups_rare_into_other_and_orders_by_bad_rate():
    # A 100 rows 10 bad (0.10), B 100/30 (0.30), C 100/60 (0.60), D 5/2 (0.40):
    # D holds 5/305 = 1.6% < 5% -> rare -> "other" group (0.40); too small, so it merges with
    # the neighbour whose bad rate is closest: B (|0.3 - 0.4| = 0.1 < |0.6 - 0.4| = 0.2).
    x, y = _data(("A", 100, 10), ("B", 100, 30), ("C", 100, 60), ("D", 5, 2))
    binning = CategoricalBinning().fit(x, y)
    rows = binning.table()
    assert [r.categories for r in rows] == [("A",), ("B", "D"), ("C",)]
    assert [(r.count, r.bads) for r in rows] == [(100, 10), (105, 32), (100, 60)]
    assert rows[1].label == "B, D, other"
    # unseen category -> the other group (B, D)
    assert list(binning.bin_index(["C", "Z", None])) == [2, 1, MISSING_INDEX]
    woes = [r.woe for r in rows]
    assert woes == sorted(woes, reverse=True)
    # goods 90+73+40 = 203, bads 102: WOE A = ln((90/203) / (10/102)) = ln(4.522167) = 1.508990
    assert woes[0] == pytest.approx(1.508990, abs=1e-5)


def test_categorical_max_bins_and_missing():
    x, y = _data(("a", 50, 5), ("b", 50, 10), ("c", 50, 15), ("d", 50, 20), (None, 20, 10))
    binning = CategoricalBinning(max_bins=2).fit(x, y)
    rows = binning.table()
    assert len(rows) == 3 and rows[-1].is_missing and rows[-1].count == 20
    assert sum(r.count for r in rows) == 220


def test_card_bin_index_numeric_and_categorical():
    numeric = {"key": "r", "type": "numeric", "bins": [
        {"lower": None, "upper": 1.0}, {"lower": 1.0, "upper": 2.0}, {"lower": 2.0, "upper": None}]}
    assert list(card_bin_index(numeric, [None, 0.5, 1.0, 2.5, "x", math.nan])) == [
        MISSING_INDEX, 0, 1, 2, MISSING_INDEX, MISSING_INDEX]
    categorical = {"key": "c", "type": "categorical", "bins": [
        {"categories": ["a", "b"]}, {"categories": ["c"]}]}
    assert list(card_bin_index(categorical, ["b", "c", "z", None])) == [
        0, 1, OTHER_INDEX, MISSING_INDEX]
