"""Monotone binning with weight of evidence (WOE) for statistical scorecards.

Conventions (shared with ``statistical`` and ``validation``):

- ``y`` is the bad flag: 1 = bad, 0 = good.
- WOE of a bin = ln(share of all goods in the bin / share of all bads in the bin). Positive WOE
  means the bin holds relatively more goods: positive = better credit.
- IV (information value) = sum over bins of (good share - bad share) * WOE; always >= 0.
- Smoothing: when some bin of a feature has no goods or no bads, every bin of that feature gets
  +0.5 goods and +0.5 bads before the shares are taken (``SMOOTHING``), so WOE stays finite. When
  every bin holds both, no smoothing is applied and the figures are the plain textbook ones.
- Numeric bins are half-open intervals ``[lower, upper)``; ``None`` means unbounded. A value
  ``v`` falls in the bin with ``lower <= v < upper``.
- Missing values (``None``, NaN, and any declared ``special_values`` sentinel such as -999) get
  their own bin when the training data holds any. A missing value seen only at transform time
  gets the WOE of the "neutral" bin: the bin whose WOE is closest to 0, which is the scorecard's
  ``"neutral"`` missing rule for statistical cards.

Also here: :func:`card_bin_index`, which places raw values in the bins of a scorecard factor
(JSON dict); ``statistical.score_rows`` and ``validation`` both use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Monotonic = Literal["auto", "ascending", "descending"] | None

SMOOTHING = 0.5
"""Pseudo-count added to goods and bads of every bin when some bin lacks goods or bads."""

MISSING_LABEL = "missing"
OTHER_CATEGORY = "__other__"
"""Marker of the group that takes rare categories and categories unseen in training."""

# Index codes returned by card_bin_index for rows that fall in no listed bin.
MISSING_INDEX = -1
OTHER_INDEX = -2


@dataclass(frozen=True)
class BinRow:
    """One row of a binning table (a bin with its counts, bad rate, WOE and IV part)."""

    label: str
    lower: float | None
    upper: float | None
    categories: tuple[str, ...] | None
    is_missing: bool
    count: int
    goods: int
    bads: int
    bad_rate: float
    woe: float
    iv: float

    def to_dict(self) -> dict[str, object]:
        """JSON-able form (categories as a list)."""
        data = asdict(self)
        data["categories"] = None if self.categories is None else list(self.categories)
        return data


def woe_iv(goods: Sequence[float] | FloatArray, bads: Sequence[float] | FloatArray
           ) -> tuple[FloatArray, FloatArray]:
    """WOE and IV contribution per bin from good and bad counts per bin.

    Smoothing (+0.5 to goods and bads of every bin) applies only when some bin has 0 goods or
    0 bads. Example without smoothing: goods (60, 40), bads (10, 30): good shares 0.6/0.4, bad
    shares 0.25/0.75, WOE ln(0.6/0.25) = 0.8755, ln(0.4/0.75) = -0.6286.
    """
    g = np.asarray(goods, dtype=np.float64)
    b = np.asarray(bads, dtype=np.float64)
    if g.size == 0:
        return np.zeros(0), np.zeros(0)
    if np.any(g <= 0) or np.any(b <= 0):
        g = g + SMOOTHING
        b = b + SMOOTHING
    good_share = g / g.sum()
    bad_share = b / b.sum()
    woe = np.log(good_share / bad_share)
    return woe, (good_share - bad_share) * woe


def to_float_array(values: Sequence[object] | npt.NDArray[np.generic]) -> FloatArray:
    """Numeric values as floats; None, empty strings and unparsable values become NaN."""
    out = np.empty(len(values), dtype=np.float64)
    for i, value in enumerate(values):
        out[i] = _to_float(value)
    return out


def _to_float(value: object) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return math.nan


def _bad_flags(y: Sequence[object] | npt.NDArray[np.generic]) -> IntArray:
    flags = np.asarray(y).astype(np.int64)
    if flags.ndim != 1 or not np.all((flags == 0) | (flags == 1)):
        raise ValueError("y must be a one-dimensional sequence of bad flags 0/1")
    return flags


def _format_bound(value: float) -> str:
    return f"{value:g}"


def _interval_label(lower: float | None, upper: float | None) -> str:
    low = "-inf" if lower is None else _format_bound(lower)
    high = "+inf" if upper is None else _format_bound(upper)
    return f"[{low}, {high})"


def _neutral_position(woe: FloatArray) -> int:
    """Index of the bin whose WOE is closest to 0 (first one on ties)."""
    return int(np.argmin(np.abs(woe)))


def _iv_of(goods: Sequence[float], bads: Sequence[float]) -> float:
    return float(woe_iv(goods, bads)[1].sum())


class _Blocks:
    """Adjacent groups of pre-bins with their good/bad counts, merged step by step."""

    def __init__(self, goods: list[float], bads: list[float]) -> None:
        self.goods = goods
        self.bads = bads
        self.members: list[list[int]] = [[i] for i in range(len(goods))]

    def __len__(self) -> int:
        return len(self.goods)

    def rate(self, i: int) -> float:
        return self.bads[i] / (self.goods[i] + self.bads[i])

    def count(self, i: int) -> float:
        return self.goods[i] + self.bads[i]

    def merge(self, i: int) -> None:
        """Merge block i with block i + 1."""
        self.goods[i] += self.goods.pop(i + 1)
        self.bads[i] += self.bads.pop(i + 1)
        self.members[i] += self.members.pop(i + 1)

    def cheapest_merge(self, candidates: Sequence[int]) -> int:
        """Of the merges (i, i + 1) listed, the one that keeps the most IV."""
        best, best_iv = candidates[0], -math.inf
        for i in candidates:
            goods = self.goods[:i] + [self.goods[i] + self.goods[i + 1]] + self.goods[i + 2:]
            bads = self.bads[:i] + [self.bads[i] + self.bads[i + 1]] + self.bads[i + 2:]
            iv = _iv_of(goods, bads)
            if iv > best_iv:
                best, best_iv = i, iv
        return best

    def enforce_size(self, min_count: float) -> None:
        """Merge every block that is too small or lacks goods or bads into a neighbour.

        The neighbour is the one whose bad rate is closest (the merge that changes least).
        """
        while len(self) > 1:
            weak = [i for i in range(len(self))
                    if self.count(i) < min_count or self.goods[i] == 0 or self.bads[i] == 0]
            if not weak:
                return
            i = min(weak, key=self.count)
            if i == 0:
                self.merge(0)
            elif i == len(self) - 1:
                self.merge(i - 1)
            else:
                left = abs(self.rate(i - 1) - self.rate(i))
                right = abs(self.rate(i + 1) - self.rate(i))
                self.merge(i - 1 if left <= right else i)

    def pool_adjacent_violators(self, ascending: bool) -> None:
        """Merge adjacent blocks until the bad rate is strictly monotone (PAVA)."""
        i = 0
        while i < len(self) - 1:
            violates = (self.rate(i) >= self.rate(i + 1) if ascending
                        else self.rate(i) <= self.rate(i + 1))
            if violates:
                self.merge(i)
                i = max(i - 1, 0)  # the merged block may now violate against its left neighbour
            else:
                i += 1

    def reduce_to(self, max_bins: int) -> None:
        """Merge adjacent blocks (least IV lost first) until at most max_bins remain."""
        while len(self) > max(max_bins, 1):
            self.merge(self.cheapest_merge(range(len(self) - 1)))


class MonotoneBinning:
    """Binning of one numeric feature with a monotone bad rate, in scikit-learn style.

    Fit: quantile pre-bins (``n_prebins``), then merges of adjacent bins until every bin holds
    at least ``min_bin_share`` of the non-missing rows and both goods and bads, then pool
    adjacent violators until the bad rate is strictly monotone (``monotonic``: "ascending" =
    bad rate rises with the value, "descending", "auto" = the direction with the higher IV,
    None = no monotonicity), then merges (least IV lost first) down to ``max_bins``.

    ``special_values`` are sentinel codes (e.g. -999, 999999) treated as missing.

    ``prebinning``: "quantile" (the default, NumPy only) or "optbinning", where the optional
    ``optbinning`` package (the ``modeling`` extra) finds the cut points by mathematical
    programming (``OptimalBinning``, monotone trend, same ``max_bins`` and ``min_bin_share``);
    the size, monotonicity and bin-count rules above are then applied to its cuts as to the
    quantile ones, so both give a valid monotone binning.

    Learned attributes: ``splits_`` (cut points; bin i is ``[splits_[i-1], splits_[i])``),
    ``direction_``, ``goods_``, ``bads_``, ``woe_``, ``iv_bins_`` (per numeric bin),
    ``missing_counts_`` ((goods, bads) or None), ``missing_woe_``, ``missing_iv_``, ``iv_``.
    """

    def __init__(self, max_bins: int = 6, min_bin_share: float = 0.05,
                 monotonic: Monotonic = "auto", n_prebins: int = 20,
                 special_values: Sequence[float] = (), prebinning: str = "quantile") -> None:
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.monotonic = monotonic
        self.n_prebins = n_prebins
        self.special_values = special_values
        self.prebinning = prebinning

    def _prepare(self, x: Sequence[object] | npt.NDArray[np.generic]) -> FloatArray:
        values = to_float_array(x)
        if len(self.special_values):
            values[np.isin(values, np.asarray(self.special_values, dtype=np.float64))] = math.nan
        return values

    def fit(self, x: Sequence[object] | npt.NDArray[np.generic],
            y: Sequence[object] | npt.NDArray[np.generic]) -> MonotoneBinning:
        """Learn the bins from values ``x`` and bad flags ``y`` (1 = bad)."""
        if self.monotonic not in ("auto", "ascending", "descending", None):
            raise ValueError(f"monotonic must be auto/ascending/descending/None, "
                             f"not {self.monotonic!r}")
        if self.prebinning not in ("quantile", "optbinning"):
            raise ValueError(f"prebinning must be quantile/optbinning, not {self.prebinning!r}")
        values = self._prepare(x)
        flags = _bad_flags(y)
        if len(values) != len(flags):
            raise ValueError("x and y differ in length")
        missing = np.isnan(values)
        present, present_flags = values[~missing], flags[~missing]
        if present.size == 0:
            raise ValueError("no non-missing value to bin")

        pre_splits = (self._optbinning_splits(present, present_flags)
                      if self.prebinning == "optbinning" else self._pre_splits(present))
        index = np.searchsorted(pre_splits, present, side="right")
        n_pre = len(pre_splits) + 1
        bads = np.bincount(index, weights=present_flags, minlength=n_pre)
        counts = np.bincount(index, minlength=n_pre).astype(np.float64)
        blocks = _Blocks(list(counts - bads), list(bads))
        blocks.enforce_size(self.min_bin_share * present.size)

        if self.monotonic is None:
            self.direction_: str | None = None
            blocks.reduce_to(self.max_bins)
        else:
            directions = ([True, False] if self.monotonic == "auto"
                          else [self.monotonic == "ascending"])
            candidates = []
            for ascending in directions:
                trial = _Blocks(list(blocks.goods), list(blocks.bads))
                trial.members = [list(m) for m in blocks.members]
                trial.pool_adjacent_violators(ascending)
                trial.reduce_to(self.max_bins)
                candidates.append((_iv_of(trial.goods, trial.bads), ascending, trial))
            _, ascending, blocks = max(candidates, key=lambda c: c[0])
            self.direction_ = "ascending" if ascending else "descending"

        # The cut point in front of block k is the pre-split in front of its first pre-bin.
        self.splits_ = np.array([pre_splits[m[0] - 1] for m in blocks.members[1:]],
                                dtype=np.float64)
        self.goods_ = np.array(blocks.goods, dtype=np.float64)
        self.bads_ = np.array(blocks.bads, dtype=np.float64)
        if missing.any():
            missing_bads = float(flags[missing].sum())
            self.missing_counts_: tuple[float, float] | None = (
                float(missing.sum()) - missing_bads, missing_bads)
            goods = np.append(self.goods_, self.missing_counts_[0])
            bads = np.append(self.bads_, self.missing_counts_[1])
        else:
            self.missing_counts_ = None
            goods, bads = self.goods_, self.bads_
        woe, iv = woe_iv(goods, bads)
        n_bins = len(self.goods_)
        self.woe_ = woe[:n_bins]
        self.iv_bins_ = iv[:n_bins]
        self.missing_woe_: float | None = float(woe[n_bins]) if missing.any() else None
        self.missing_iv_ = float(iv[n_bins]) if missing.any() else 0.0
        self.iv_ = float(iv.sum())
        return self

    def _pre_splits(self, present: FloatArray) -> FloatArray:
        """Quantile cut points taken from the data, without empty leading bins."""
        levels = np.linspace(0.0, 1.0, max(self.n_prebins, 1) + 1)[1:-1]
        cuts = np.unique(np.quantile(present, levels, method="higher"))
        return cuts[cuts > present.min()]

    def _optbinning_splits(self, present: FloatArray, flags: IntArray) -> FloatArray:
        """Cut points of optbinning's ``OptimalBinning`` (imported only when asked for)."""
        try:
            from optbinning import OptimalBinning  # type: ignore[import-untyped]
        except ImportError as error:
            raise ValueError(
                "prebinning='optbinning' needs the optbinning package: install the 'modeling' "
                "extra (uv sync --extra modeling)"
            ) from error
        trend = {"auto": "auto_asc_desc", "ascending": "ascending",
                 "descending": "descending", None: None}[self.monotonic]
        optimal = OptimalBinning(dtype="numerical", solver="cp", monotonic_trend=trend,
                                 max_n_bins=self.max_bins, min_bin_size=self.min_bin_share)
        optimal.fit(present, flags.astype(np.int64))
        cuts = np.unique(np.asarray(optimal.splits, dtype=np.float64))
        result: FloatArray = cuts[cuts > present.min()]
        return result

    def _check_fitted(self) -> None:
        if not hasattr(self, "splits_"):
            raise RuntimeError("MonotoneBinning is not fitted yet; call fit first")

    @property
    def neutral_woe_(self) -> float:
        """WOE given to missing values when no missing value was seen in training."""
        self._check_fitted()
        return float(self.woe_[_neutral_position(self.woe_)])

    def bin_index(self, x: Sequence[object] | npt.NDArray[np.generic]) -> IntArray:
        """Bin number per value (0 .. n-1), or ``MISSING_INDEX`` for missing values."""
        self._check_fitted()
        values = self._prepare(x)
        index = np.searchsorted(self.splits_, values, side="right").astype(np.int64)
        index[np.isnan(values)] = MISSING_INDEX
        return index

    def transform(self, x: Sequence[object] | npt.NDArray[np.generic]) -> FloatArray:
        """WOE per value (missing: the missing bin's WOE, or the neutral WOE if none)."""
        index = self.bin_index(x)
        missing_woe = self.neutral_woe_ if self.missing_woe_ is None else self.missing_woe_
        return np.where(index == MISSING_INDEX, missing_woe, self.woe_[np.maximum(index, 0)])

    def fit_transform(self, x: Sequence[object] | npt.NDArray[np.generic],
                      y: Sequence[object] | npt.NDArray[np.generic]) -> FloatArray:
        """Fit, then transform the same values."""
        return self.fit(x, y).transform(x)

    def bounds(self) -> list[tuple[float | None, float | None]]:
        """``(lower, upper)`` of every numeric bin; None = unbounded."""
        self._check_fitted()
        edges: list[float | None] = [None, *(float(s) for s in self.splits_), None]
        return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]

    def table(self) -> list[BinRow]:
        """One row per bin (numeric bins in order, then the missing bin if any)."""
        self._check_fitted()
        rows = []
        for i, (lower, upper) in enumerate(self.bounds()):
            goods, bads = int(self.goods_[i]), int(self.bads_[i])
            rows.append(BinRow(
                label=_interval_label(lower, upper), lower=lower, upper=upper, categories=None,
                is_missing=False, count=goods + bads, goods=goods, bads=bads,
                bad_rate=bads / (goods + bads), woe=float(self.woe_[i]),
                iv=float(self.iv_bins_[i])))
        if self.missing_counts_ is not None and self.missing_woe_ is not None:
            goods, bads = int(self.missing_counts_[0]), int(self.missing_counts_[1])
            rows.append(BinRow(
                label=MISSING_LABEL, lower=None, upper=None, categories=None, is_missing=True,
                count=goods + bads, goods=goods, bads=bads, bad_rate=bads / (goods + bads),
                woe=self.missing_woe_, iv=self.missing_iv_))
        return rows


def _category(value: object) -> str | None:
    """Category key of a raw value; None, NaN and blank text are missing.

    (A blank category could not be listed in a card: the format wants non-empty categories.)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return text if text.strip() else None


class CategoricalBinning:
    """Grouping of one categorical feature's values into bins by bad rate.

    Categories holding less than ``min_bin_share`` of the non-missing rows are pooled into an
    "other" group, which also takes categories unseen in training. Groups are ordered by bad
    rate; groups too small or lacking goods or bads are merged into the neighbour with the
    closest bad rate; then neighbours (least IV lost first) are merged down to ``max_bins``.
    Missing values (None) get their own bin when present in training.

    Learned attributes: ``groups_`` (tuple of category tuples, in rising bad rate),
    ``other_group_`` (index of the group that takes rare and unseen categories), ``goods_``,
    ``bads_``, ``woe_``, ``iv_bins_``, ``missing_counts_``, ``missing_woe_``, ``missing_iv_``,
    ``iv_``.
    """

    def __init__(self, max_bins: int = 6, min_bin_share: float = 0.05) -> None:
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share

    def fit(self, x: Sequence[object] | npt.NDArray[np.generic],
            y: Sequence[object] | npt.NDArray[np.generic]) -> CategoricalBinning:
        """Learn the groups from values ``x`` and bad flags ``y`` (1 = bad)."""
        flags = _bad_flags(y)
        if len(x) != len(flags):
            raise ValueError("x and y differ in length")
        keys = [_category(v) for v in x]
        goods: dict[str, float] = {}
        bads: dict[str, float] = {}
        missing_goods = missing_bads = 0.0
        for key, flag in zip(keys, flags, strict=True):
            if key is None:
                missing_bads += flag
                missing_goods += 1 - flag
            else:
                goods[key] = goods.get(key, 0.0) + (1 - flag)
                bads[key] = bads.get(key, 0.0) + flag
        n_present = sum(goods.values()) + sum(bads.values())
        if n_present == 0:
            raise ValueError("no non-missing value to bin")
        min_count = self.min_bin_share * n_present

        # Rare categories form the "other" group; it exists even when empty (unseen categories).
        rare = sorted(k for k in goods if goods[k] + bads[k] < min_count)
        groups: list[list[str]] = [[k] for k in goods if k not in rare]
        groups.append([OTHER_CATEGORY, *rare])
        group_goods = [sum(goods.get(k, 0.0) for k in g) for g in groups]
        group_bads = [sum(bads.get(k, 0.0) for k in g) for g in groups]
        # An empty "other" group gets no place of its own: it rides with the largest group.
        if group_goods[-1] + group_bads[-1] == 0 and len(groups) > 1:
            groups.pop()
            group_goods.pop()
            group_bads.pop()
            largest = int(np.argmax(np.add(group_goods, group_bads)))
            groups[largest].append(OTHER_CATEGORY)

        order = sorted(range(len(groups)),
                       key=lambda i: (group_bads[i] / (group_goods[i] + group_bads[i]),
                                      sorted(groups[i])))
        blocks = _Blocks([group_goods[i] for i in order], [group_bads[i] for i in order])
        blocks.enforce_size(min_count)
        blocks.pool_adjacent_violators(ascending=True)  # merges exact ties in bad rate only
        blocks.reduce_to(self.max_bins)

        merged: list[tuple[str, ...]] = []
        for members in blocks.members:
            cats = [c for i in members for c in groups[order[i]]]
            merged.append(tuple(sorted(cats, key=lambda c: (c == OTHER_CATEGORY, c))))
        self.groups_ = tuple(merged)
        self.other_group_ = next(i for i, g in enumerate(merged) if OTHER_CATEGORY in g)
        self.goods_ = np.array(blocks.goods, dtype=np.float64)
        self.bads_ = np.array(blocks.bads, dtype=np.float64)
        has_missing = missing_goods + missing_bads > 0
        self.missing_counts_: tuple[float, float] | None = (
            (missing_goods, missing_bads) if has_missing else None)
        all_goods = np.append(self.goods_, missing_goods) if has_missing else self.goods_
        all_bads = np.append(self.bads_, missing_bads) if has_missing else self.bads_
        woe, iv = woe_iv(all_goods, all_bads)
        n_bins = len(merged)
        self.woe_ = woe[:n_bins]
        self.iv_bins_ = iv[:n_bins]
        self.missing_woe_: float | None = float(woe[n_bins]) if has_missing else None
        self.missing_iv_ = float(iv[n_bins]) if has_missing else 0.0
        self.iv_ = float(iv.sum())
        self._lookup = {c: i for i, g in enumerate(merged) for c in g if c != OTHER_CATEGORY}
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "groups_"):
            raise RuntimeError("CategoricalBinning is not fitted yet; call fit first")

    @property
    def neutral_woe_(self) -> float:
        """WOE given to missing values when no missing value was seen in training."""
        self._check_fitted()
        return float(self.woe_[_neutral_position(self.woe_)])

    def categories(self, group: int) -> tuple[str, ...]:
        """The named categories of a group (without the "other" marker)."""
        self._check_fitted()
        return tuple(c for c in self.groups_[group] if c != OTHER_CATEGORY)

    def bin_index(self, x: Sequence[object] | npt.NDArray[np.generic]) -> IntArray:
        """Group number per value; unseen categories go to the other group; missing = -1."""
        self._check_fitted()
        out = np.empty(len(x), dtype=np.int64)
        for i, value in enumerate(x):
            key = _category(value)
            out[i] = MISSING_INDEX if key is None else self._lookup.get(key, self.other_group_)
        return out

    def transform(self, x: Sequence[object] | npt.NDArray[np.generic]) -> FloatArray:
        """WOE per value (missing: the missing bin's WOE, or the neutral WOE if none)."""
        index = self.bin_index(x)
        missing_woe = self.neutral_woe_ if self.missing_woe_ is None else self.missing_woe_
        return np.where(index == MISSING_INDEX, missing_woe, self.woe_[np.maximum(index, 0)])

    def fit_transform(self, x: Sequence[object] | npt.NDArray[np.generic],
                      y: Sequence[object] | npt.NDArray[np.generic]) -> FloatArray:
        """Fit, then transform the same values."""
        return self.fit(x, y).transform(x)

    def table(self) -> list[BinRow]:
        """One row per group (rising bad rate), then the missing bin if any."""
        self._check_fitted()
        rows = []
        for i in range(len(self.groups_)):
            cats = self.categories(i)
            label = ", ".join(cats) if cats else "other"
            if i == self.other_group_ and cats:
                label += ", other"
            goods, bads = int(self.goods_[i]), int(self.bads_[i])
            count = goods + bads
            rows.append(BinRow(
                label=label, lower=None, upper=None, categories=cats, is_missing=False,
                count=count, goods=goods, bads=bads,
                bad_rate=bads / count if count else math.nan, woe=float(self.woe_[i]),
                iv=float(self.iv_bins_[i])))
        if self.missing_counts_ is not None and self.missing_woe_ is not None:
            goods, bads = int(self.missing_counts_[0]), int(self.missing_counts_[1])
            rows.append(BinRow(
                label=MISSING_LABEL, lower=None, upper=None, categories=None, is_missing=True,
                count=goods + bads, goods=goods, bads=bads, bad_rate=bads / (goods + bads),
                woe=self.missing_woe_, iv=self.missing_iv_))
        return rows


def card_bin_index(factor: Mapping[str, object],
                   values: Sequence[object] | npt.NDArray[np.generic]) -> IntArray:
    """Place raw values in the bins of one scorecard factor (the shared JSON dict).

    Returns the bin position per value (first matching bin), ``MISSING_INDEX`` for missing
    values (None, NaN; for numeric factors also values that do not parse as numbers) and
    ``OTHER_INDEX`` for values in no listed bin (categorical: an unlisted category; numeric: a
    value in a gap between bins, which trained cards never have).
    """
    bins = factor["bins"]
    if not isinstance(bins, Sequence):
        raise ValueError(f"factor {factor.get('key')!r}: bins must be a list")
    out = np.full(len(values), OTHER_INDEX, dtype=np.int64)
    if factor.get("type") == "categorical":
        lookup: dict[str, int] = {}
        for position, item in enumerate(bins):
            for category in item["categories"]:
                lookup.setdefault(str(category), position)
        for i, value in enumerate(values):
            key = _category(value)
            out[i] = MISSING_INDEX if key is None else lookup.get(key, OTHER_INDEX)
        return out
    return numeric_bin_index(
        [(item.get("lower"), item.get("upper")) for item in bins], to_float_array(values)
    )


def numeric_bin_index(bounds: Sequence[tuple[object, object]], numbers: FloatArray) -> IntArray:
    """Place numbers in ``[lower, upper)`` bins (``None`` = unbounded): the first matching bin's
    position, ``MISSING_INDEX`` for NaN, ``OTHER_INDEX`` for a value in no bin."""
    out = np.full(len(numbers), OTHER_INDEX, dtype=np.int64)
    unplaced = ~np.isnan(numbers)
    for position, (lower, upper) in enumerate(bounds):
        inside = unplaced.copy()
        if lower is not None:
            inside &= numbers >= float(lower)  # type: ignore[arg-type]
        if upper is not None:
            inside &= numbers < float(upper)  # type: ignore[arg-type]
        out[inside] = position
        unplaced &= ~inside
    out[np.isnan(numbers)] = MISSING_INDEX
    return out
