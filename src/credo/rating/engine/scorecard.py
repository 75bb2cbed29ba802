"""Scorecards (评分卡) as versioned JSON data, and scoring a customer's feature values.

A scorecard is data, never code or pickle: ``Scorecard.from_json(card.to_json())`` gives an equal
card and identical scores. The JSON format ``credo.scorecard/1`` is the contract shared with the
statistical trainer (``statistical``) and the templates (``templates/*.json``)::

    {"format": "credo.scorecard/1", "key": ..., "version": 1, "name": ..., "kind": "expert",
     "segment": null | {"industry_sections": [...] | null, "size": [...] | null},
     "scaling": null | {"base_score": 600, "base_odds": 50, "pdo": 20},
     "intercept_points": 0.0, "factors": [...], "weights": null | {...}, "meta": {...}}

Conventions (the engine works in float):

* Numeric bins are half-open ``[lower, upper)``; ``null`` is unbounded. The bins of a numeric
  factor must be listed in ascending order, be contiguous and cover ``(-inf, inf)``.
* A value ``None`` (or a key absent from the values, or NaN) is *missing*; the factor's missing
  rule decides the points and the contribution says which rule applied and why:
  ``"points"`` = the given points; ``"worst"`` = the lowest attainable points of the factor;
  ``"neutral"`` = for statistical cards the points of the bin whose WoE is closest to 0 (first
  such bin on ties; cards without WoE fall back to the expert rule), for expert cards the mean of
  the lowest and highest attainable points. "Attainable" points are the bins' points plus
  ``other_points`` of a categorical factor.
* A categorical value not listed in any bin gets ``other_points``; if the factor has no
  ``other_points`` the missing rule applies with the reason ``"unlisted category"``.
* Total score = ``intercept_points`` + sum of the factor points. Higher is better.
* Reason codes (原因代码): the factors that lost points (max attainable points minus points got),
  largest loss first, ties by factor key.
* Statistical cards: PD = 1 / (1 + odds), odds (good:bad) = base_odds * 2 ** ((score -
  base_score) / pdo).

Expert scorecards are built with :func:`expert_scorecard` from factors whose bins are scored
0..100 and whose weights sum to 1: ``points = weight * bin score * 10`` (rounded to 6 decimals),
so an expert total lies in 0..1000 and a factor with weight 0.05 contributes at most 50 points.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Final, Literal, cast

FORMAT: Final = "credo.scorecard/1"

#: The six dimensions of the credit file (信用档案), in display order.
DIMENSIONS: Final[tuple[str, ...]] = (
    "registration", "business", "finances", "payment", "bank", "public_record",
)
#: English and Chinese labels of the dimensions (see GLOSSARY.md).
DIMENSION_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "registration": ("Basic information", "基本信息"),
    "business": ("Business profile", "业务情况"),
    "finances": ("Financial position", "资产及财务状况"),
    "payment": ("Payment record", "付款记录"),
    "bank": ("Bank relations", "银行往来"),
    "public_record": ("Public record and reputation", "公共记录及行业口碑"),
}
MISSING_RULES: Final[tuple[str, ...]] = ("points", "worst", "neutral")
FACTOR_TYPES: Final[tuple[str, ...]] = ("numeric", "categorical")
KINDS: Final[tuple[str, ...]] = ("expert", "statistical")
#: Size classes used in segments (the features module's ``size_class``).
SIZE_CLASSES: Final[tuple[str, ...]] = ("micro", "small", "medium", "large")
#: Sections (门类) of GB/T 4754-2017, the national industry classification.
INDUSTRY_SECTIONS: Final[tuple[str, ...]] = tuple("ABCDEFGHIJKLMNOPQRST")
#: Expert points per unit of (weight x bin score): 1000 points in total for weights summing to 1.
EXPERT_POINTS_PER_SCORE: Final = 10.0
_TOLERANCE: Final = 1e-6

FactorType = Literal["numeric", "categorical"]
Kind = Literal["expert", "statistical"]
FeatureValue = float | str | None

MISSING_INPUT: Final = "missing input"
NOT_A_NUMBER: Final = "not a number"
UNLISTED_CATEGORY: Final = "unlisted category"


class ScorecardError(ValueError):
    """An invalid scorecard or input; ``path`` locates the problem (``factors[3].bins[1]``)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


def _fmt(number: float) -> str:
    """Short human form of a number: ``2`` for 2.0, ``1.5`` for 1.5."""
    if math.isfinite(number) and number == int(number) and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


# ---------------------------------------------------------------------------------------------
# Value types


@dataclass(frozen=True)
class NumericBin:
    """A half-open interval ``[lower, upper)`` of a numeric factor; ``None`` = unbounded."""

    lower: float | None
    upper: float | None
    points: float
    woe: float | None = None

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in ``[lower, upper)``."""
        return (self.lower is None or value >= self.lower) and (
            self.upper is None or value < self.upper
        )

    @property
    def label(self) -> str:
        """Readable interval: ``< 1``, ``[1, 2)``, ``>= 2`` or ``any``."""
        if self.lower is None and self.upper is None:
            return "any"
        if self.lower is None:
            assert self.upper is not None
            return f"< {_fmt(self.upper)}"
        if self.upper is None:
            return f">= {_fmt(self.lower)}"
        return f"[{_fmt(self.lower)}, {_fmt(self.upper)})"


@dataclass(frozen=True)
class CategoricalBin:
    """A group of category values of a categorical factor sharing the same points."""

    categories: tuple[str, ...]
    points: float
    woe: float | None = None

    @property
    def label(self) -> str:
        """The categories joined by commas."""
        return ", ".join(self.categories)


@dataclass(frozen=True)
class MissingRule:
    """How a missing value is scored: ``points`` (with ``points``), ``worst`` or ``neutral``."""

    rule: str
    points: float | None = None


@dataclass(frozen=True)
class Factor:
    """One scorecard factor (特征): a feature key, its dimension, bins and missing rule."""

    key: str
    dimension: str
    label: str
    type: str
    bins: tuple[NumericBin | CategoricalBin, ...]
    other_points: float | None = None
    missing: MissingRule = MissingRule("worst")

    @property
    def attainable_points(self) -> tuple[float, ...]:
        """Points a present value can get: every bin's points, plus ``other_points`` if set."""
        points = tuple(b.points for b in self.bins)
        return points + ((self.other_points,) if self.other_points is not None else ())

    @property
    def max_points(self) -> float:
        """The highest attainable points (the reference for points lost)."""
        return max(self.attainable_points)

    @property
    def min_points(self) -> float:
        """The lowest attainable points (the ``worst`` missing rule)."""
        return min(self.attainable_points)

    def missing_points(self, kind: str) -> float:
        """Points given when the value is missing, by the factor's missing rule."""
        rule = self.missing.rule
        if rule == "points":
            assert self.missing.points is not None
            return self.missing.points
        if rule == "worst":
            return self.min_points
        # neutral: statistical cards take the bin whose WoE is closest to 0 (log-odds of the
        # population), expert cards the middle of the attainable range.
        if kind == "statistical":
            with_woe = [b for b in self.bins if b.woe is not None]
            if with_woe:
                return min(with_woe, key=lambda b: abs(b.woe or 0.0)).points
        return (self.min_points + self.max_points) / 2.0


@dataclass(frozen=True)
class Scaling:
    """Points-to-odds scaling of a statistical card: odds double every ``pdo`` points.

    odds (good:bad) = base_odds * 2 ** ((score - base_score) / pdo); PD = 1 / (1 + odds).
    """

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    @property
    def factor(self) -> float:
        """Points per unit of ln(odds): pdo / ln 2."""
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        """The score at odds 1:1: base_score - factor * ln(base_odds)."""
        return self.base_score - self.factor * math.log(self.base_odds)

    def to_dict(self) -> dict[str, float]:
        """The card's ``scaling`` entry."""
        return {"base_score": self.base_score, "base_odds": self.base_odds, "pdo": self.pdo}

    def score_to_odds(self, score: float) -> float:
        """Good:bad odds at ``score``."""
        return self.base_odds * math.pow(2.0, (score - self.base_score) / self.pdo)

    def score_to_pd(self, score: float) -> float:
        """Probability of default (违约概率) at ``score``."""
        return 1.0 / (1.0 + self.score_to_odds(score))

    def pd_to_score(self, pd: float) -> float:
        """The score whose PD is ``pd`` (0 < pd < 1): the inverse of :meth:`score_to_pd`."""
        if not 0.0 < pd < 1.0:
            raise ValueError(f"pd must be strictly between 0 and 1, got {pd!r}")
        odds = (1.0 - pd) / pd
        return self.base_score + self.pdo * math.log2(odds / self.base_odds)


@dataclass(frozen=True)
class Segment:
    """Which customers a card is for; ``None`` in a field means any value of that field."""

    industry_sections: tuple[str, ...] | None = None
    sizes: tuple[str, ...] | None = None

    def matches(self, *, industry_section: str | None, size_class: str | None) -> bool:
        """Whether a customer with this industry section and size class falls in the segment."""
        if self.industry_sections is not None and industry_section not in self.industry_sections:
            return False
        return self.sizes is None or size_class in self.sizes

    @property
    def specificity(self) -> tuple[int, int]:
        """Sort key for "most specific": more constrained fields, then fewer listed values."""
        constrained = [v for v in (self.industry_sections, self.sizes) if v is not None]
        return (len(constrained), -sum(len(v) for v in constrained))


# ---------------------------------------------------------------------------------------------
# Scoring results


@dataclass(frozen=True)
class FactorContribution:
    """How one factor scored: the value used, its bin, points, max points and points lost.

    ``bin_index`` is ``None`` when the missing rule applied or the value fell in ``other``.
    ``missing_reason`` says why a value counts as missing (``missing input``, ``not a number``,
    ``unlisted category`` or a reason passed by the caller, e.g. ``zero denominator``).
    """

    key: str
    dimension: str
    label: str
    value: FeatureValue
    bin_index: int | None
    bin_label: str
    points: float
    max_points: float
    points_lost: float
    missing_applied: bool
    missing_rule: str | None
    missing_reason: str | None


@dataclass(frozen=True)
class DimensionSubtotal:
    """Points and max points of one dimension (only dimensions with factors are listed)."""

    dimension: str
    points: float
    max_points: float


@dataclass(frozen=True)
class ScoreResult:
    """A scored customer: total, per-factor contributions, dimension subtotals, reasons, PD."""

    scorecard_key: str
    scorecard_version: int
    kind: str
    score: float
    intercept_points: float
    min_score: float
    max_score: float
    contributions: tuple[FactorContribution, ...]
    dimension_subtotals: tuple[DimensionSubtotal, ...]
    odds: float | None
    pd: float | None

    @property
    def reason_codes(self) -> tuple[FactorContribution, ...]:
        """Factors that lost points, largest loss first, ties by key."""
        lost = [c for c in self.contributions if c.points_lost > _TOLERANCE]
        return tuple(sorted(lost, key=lambda c: (-c.points_lost, c.key)))

    def top_reasons(self, n: int) -> tuple[FactorContribution, ...]:
        """The first ``n`` reason codes."""
        return self.reason_codes[: max(n, 0)]

    @property
    def missing_factors(self) -> tuple[FactorContribution, ...]:
        """Contributions scored by a missing rule."""
        return tuple(c for c in self.contributions if c.missing_applied)

    def contribution(self, key: str) -> FactorContribution:
        """The contribution of factor ``key`` (KeyError if the card has no such factor)."""
        for c in self.contributions:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def by_dimension(self) -> dict[str, float]:
        """Dimension key -> points."""
        return {d.dimension: d.points for d in self.dimension_subtotals}


@dataclass(frozen=True)
class BinChange:
    """A single-factor change of bin that lifts the score to at least a target score."""

    key: str
    dimension: str
    label: str
    from_bin_label: str
    from_points: float
    to_bin_index: int
    to_bin_label: str
    to_points: float
    points_gain: float
    new_score: float
    steps: int  # bins moved (numeric: distance in the ordered bins; categorical/missing: 1)


# ---------------------------------------------------------------------------------------------
# The scorecard


@dataclass(frozen=True)
class Scorecard:
    """A versioned scorecard; validated on construction (raises :class:`ScorecardError`)."""

    key: str
    version: int
    name: str
    kind: str
    segment: Segment | None
    scaling: Scaling | None
    intercept_points: float
    factors: tuple[Factor, ...]
    weights: Mapping[str, float] | None = field(default=None, hash=False)
    meta: Mapping[str, object] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        _validate_card(self)

    # -- scoring ------------------------------------------------------------------------------

    def factor(self, key: str) -> Factor:
        """The factor with ``key`` (KeyError if absent)."""
        for f in self.factors:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def min_score(self) -> float:
        """The lowest possible total."""
        return self.intercept_points + sum(f.min_points for f in self.factors)

    @property
    def max_score(self) -> float:
        """The highest possible total."""
        return self.intercept_points + sum(f.max_points for f in self.factors)

    def score(
        self,
        values: Mapping[str, FeatureValue],
        *,
        missing_reasons: Mapping[str, str] | None = None,
    ) -> ScoreResult:
        """Score feature ``values`` (factor key -> value; absent or ``None`` = missing).

        ``missing_reasons`` (factor key -> reason, e.g. ``"zero denominator"`` from the features
        module) is reported for missing values instead of the generic ``"missing input"``.
        Raises :class:`ScorecardError` for a value of the wrong type (a string for a numeric
        factor, a number for a categorical one).
        """
        reasons = missing_reasons or {}
        contributions = tuple(
            self._contribute(f, values.get(f.key), reasons.get(f.key)) for f in self.factors
        )
        total = self.intercept_points + sum(c.points for c in contributions)
        subtotals = tuple(
            DimensionSubtotal(
                dimension=d,
                points=sum(c.points for c in contributions if c.dimension == d),
                max_points=sum(c.max_points for c in contributions if c.dimension == d),
            )
            for d in DIMENSIONS
            if any(c.dimension == d for c in contributions)
        )
        odds = pd = None
        if self.kind == "statistical" and self.scaling is not None:
            odds = self.scaling.score_to_odds(total)
            pd = self.scaling.score_to_pd(total)
        return ScoreResult(
            scorecard_key=self.key,
            scorecard_version=self.version,
            kind=self.kind,
            score=total,
            intercept_points=self.intercept_points,
            min_score=self.min_score,
            max_score=self.max_score,
            contributions=contributions,
            dimension_subtotals=subtotals,
            odds=odds,
            pd=pd,
        )

    def _contribute(
        self, factor: Factor, raw: object, caller_reason: str | None
    ) -> FactorContribution:
        bin_index: int | None = None
        bin_label = ""
        points: float | None = None
        reason: str | None = None
        value: FeatureValue = None
        path = f"values[{factor.key!r}]"
        if raw is None:
            reason = caller_reason or MISSING_INPUT
        elif factor.type == "numeric":
            if isinstance(raw, str) or not isinstance(raw, int | float | Decimal):
                raise ScorecardError(path, f"numeric factor got {type(raw).__name__} {raw!r}")
            number = float(raw)
            if math.isnan(number):
                reason = caller_reason or NOT_A_NUMBER
            else:
                value = number
                for i, b in enumerate(cast(tuple[NumericBin, ...], factor.bins)):
                    if b.contains(number):
                        bin_index, bin_label, points = i, b.label, b.points
                        break
        else:
            if not isinstance(raw, str):
                raise ScorecardError(path, f"categorical factor got {type(raw).__name__} {raw!r}")
            value = raw
            for i, cb in enumerate(cast(tuple[CategoricalBin, ...], factor.bins)):
                if raw in cb.categories:
                    bin_index, bin_label, points = i, cb.label, cb.points
                    break
            else:
                if factor.other_points is not None:
                    bin_label, points = "other", factor.other_points
                else:
                    reason = UNLISTED_CATEGORY
        missing = points is None
        if points is None:
            points = factor.missing_points(self.kind)
            bin_label = f"missing ({factor.missing.rule})"
        return FactorContribution(
            key=factor.key,
            dimension=factor.dimension,
            label=factor.label,
            value=value,
            bin_index=bin_index,
            bin_label=bin_label,
            points=points,
            max_points=factor.max_points,
            points_lost=factor.max_points - points,
            missing_applied=missing,
            missing_rule=factor.missing.rule if missing else None,
            missing_reason=reason if missing else None,
        )

    def improvements_to_reach(
        self,
        values: Mapping[str, FeatureValue],
        target_score: float,
        *,
        missing_reasons: Mapping[str, str] | None = None,
    ) -> tuple[BinChange, ...]:
        """Per factor, the smallest change of bin that alone lifts the score to ``target_score``.

        Numeric factors move to the nearest bin (fewest bins away; on a tie the one with more
        points) whose points suffice; categorical and missing factors to the listed bin with
        the fewest sufficient points. Factors that cannot reach the target alone are left out;
        an empty tuple also when the score already reaches the target. In the card's order.
        """
        result = self.score(values, missing_reasons=missing_reasons)
        needed = target_score - result.score
        if needed <= 0:
            return ()
        changes: list[BinChange] = []
        for factor, c in zip(self.factors, result.contributions, strict=True):
            candidates: list[tuple[int, float, int]] = []  # (steps, -points, bin index)
            for j, b in enumerate(factor.bins):
                if j == c.bin_index or b.points - c.points < needed - 1e-9:
                    continue
                if factor.type == "numeric" and c.bin_index is not None:
                    steps = abs(j - c.bin_index)
                    candidates.append((steps, -b.points, j))
                else:
                    candidates.append((1, b.points, j))
            if not candidates:
                continue
            _steps, _order, j = min(candidates)
            target_bin = factor.bins[j]
            changes.append(
                BinChange(
                    key=factor.key,
                    dimension=factor.dimension,
                    label=factor.label,
                    from_bin_label=c.bin_label,
                    from_points=c.points,
                    to_bin_index=j,
                    to_bin_label=target_bin.label,
                    to_points=target_bin.points,
                    points_gain=target_bin.points - c.points,
                    new_score=result.score + target_bin.points - c.points,
                    steps=_steps,
                )
            )
        return tuple(changes)

    # -- serialisation ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        """The JSON-ready dict in the format's stable key order."""
        return {
            "format": FORMAT,
            "key": self.key,
            "version": self.version,
            "name": self.name,
            "kind": self.kind,
            "segment": _segment_to_dict(self.segment),
            "scaling": None if self.scaling is None else self.scaling.to_dict(),
            "intercept_points": self.intercept_points,
            "factors": [_factor_to_dict(f) for f in self.factors],
            "weights": None if self.weights is None else dict(self.weights),
            "meta": copy.deepcopy(dict(self.meta)),
        }

    def to_json(self) -> str:
        """Pretty JSON (2-space indent, UTF-8 text, key order as in the format)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Scorecard:
        """Parse and validate a ``credo.scorecard/1`` dict (raises :class:`ScorecardError`)."""
        return _parse_card(data)

    @classmethod
    def from_json(cls, text: str) -> Scorecard:
        """Parse and validate scorecard JSON text."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScorecardError("", f"invalid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ScorecardError("", "a scorecard must be a JSON object")
        return _parse_card(data)


# ---------------------------------------------------------------------------------------------
# Serialisation helpers


def _segment_to_dict(segment: Segment | None) -> dict[str, object] | None:
    if segment is None:
        return None
    return {
        "industry_sections": None
        if segment.industry_sections is None
        else list(segment.industry_sections),
        "size": None if segment.sizes is None else list(segment.sizes),
    }


def _factor_to_dict(f: Factor) -> dict[str, object]:
    bins: list[dict[str, object]] = []
    for b in f.bins:
        if isinstance(b, NumericBin):
            bins.append({"lower": b.lower, "upper": b.upper, "points": b.points, "woe": b.woe})
        else:
            bins.append({"categories": list(b.categories), "points": b.points, "woe": b.woe})
    out: dict[str, object] = {
        "key": f.key,
        "dimension": f.dimension,
        "label": f.label,
        "type": f.type,
        "bins": bins,
    }
    if f.type == "categorical":
        out["other_points"] = f.other_points
    missing: dict[str, object] = {"rule": f.missing.rule}
    if f.missing.points is not None:
        missing["points"] = f.missing.points
    out["missing"] = missing
    return out


def _get(data: Mapping[str, object], name: str, path: str, *, required: bool = True) -> object:
    if name not in data:
        if required:
            raise ScorecardError(_join(path, name), "is required")
        return None
    return data[name]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _as_float(raw: object, path: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ScorecardError(path, f"must be a number, got {raw!r}")
    number = float(raw)
    if not math.isfinite(number):
        raise ScorecardError(path, f"must be finite, got {raw!r}")
    return number


def _as_opt_float(raw: object, path: str) -> float | None:
    return None if raw is None else _as_float(raw, path)


def _as_str(raw: object, path: str) -> str:
    if not isinstance(raw, str):
        raise ScorecardError(path, f"must be a string, got {raw!r}")
    return raw


def _as_list(raw: object, path: str) -> list[object]:
    if not isinstance(raw, list | tuple):
        raise ScorecardError(path, f"must be a list, got {raw!r}")
    return list(raw)


def _as_mapping(raw: object, path: str) -> Mapping[str, object]:
    if not isinstance(raw, Mapping):
        raise ScorecardError(path, f"must be an object, got {raw!r}")
    return cast(Mapping[str, object], raw)


def _as_str_tuple(raw: object, path: str) -> tuple[str, ...]:
    return tuple(_as_str(v, f"{path}[{i}]") for i, v in enumerate(_as_list(raw, path)))


def _parse_card(data: Mapping[str, object]) -> Scorecard:
    fmt = _get(data, "format", "")
    if fmt != FORMAT:
        raise ScorecardError("format", f"expected {FORMAT!r}, got {fmt!r}")
    version = _get(data, "version", "")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ScorecardError("version", f"must be an integer, got {version!r}")
    segment_raw = _get(data, "segment", "", required=False)
    segment = None
    if segment_raw is not None:
        seg = _as_mapping(segment_raw, "segment")
        unknown = sorted(set(seg) - {"industry_sections", "size"})
        if unknown:
            raise ScorecardError("segment", f"unknown field {unknown[0]!r}")
        sections = seg.get("industry_sections")
        sizes = seg.get("size")
        segment = Segment(
            industry_sections=None
            if sections is None
            else _as_str_tuple(sections, "segment.industry_sections"),
            sizes=None if sizes is None else _as_str_tuple(sizes, "segment.size"),
        )
    scaling_raw = _get(data, "scaling", "", required=False)
    scaling = None
    if scaling_raw is not None:
        sc = _as_mapping(scaling_raw, "scaling")
        scaling = Scaling(
            base_score=_as_float(_get(sc, "base_score", "scaling"), "scaling.base_score"),
            base_odds=_as_float(_get(sc, "base_odds", "scaling"), "scaling.base_odds"),
            pdo=_as_float(_get(sc, "pdo", "scaling"), "scaling.pdo"),
        )
    factors = tuple(
        _parse_factor(_as_mapping(raw, f"factors[{i}]"), f"factors[{i}]")
        for i, raw in enumerate(_as_list(_get(data, "factors", ""), "factors"))
    )
    weights_raw = _get(data, "weights", "", required=False)
    weights = None
    if weights_raw is not None:
        w = _as_mapping(weights_raw, "weights")
        weights = {k: _as_float(v, f"weights.{k}") for k, v in w.items()}
    meta_raw = _get(data, "meta", "", required=False)
    meta = {} if meta_raw is None else dict(_as_mapping(meta_raw, "meta"))
    return Scorecard(
        key=_as_str(_get(data, "key", ""), "key"),
        version=version,
        name=_as_str(_get(data, "name", ""), "name"),
        kind=_as_str(_get(data, "kind", ""), "kind"),
        segment=segment,
        scaling=scaling,
        intercept_points=_as_float(
            _get(data, "intercept_points", "", required=False) or 0.0, "intercept_points"
        ),
        factors=factors,
        weights=weights,
        meta=copy.deepcopy(meta),
    )


def _parse_factor(data: Mapping[str, object], path: str) -> Factor:
    ftype = _as_str(_get(data, "type", path), _join(path, "type"))
    if ftype not in FACTOR_TYPES:
        raise ScorecardError(
            _join(path, "type"), f"unknown type {ftype!r} (expected numeric or categorical)"
        )
    bins_raw = _as_list(_get(data, "bins", path), _join(path, "bins"))
    bins: list[NumericBin | CategoricalBin]
    if ftype == "numeric":
        nbins: list[NumericBin] = []
        for i, raw in enumerate(bins_raw):
            bpath = f"{path}.bins[{i}]"
            b = _as_mapping(raw, bpath)
            nbins.append(
                NumericBin(
                    lower=_as_opt_float(_get(b, "lower", bpath), _join(bpath, "lower")),
                    upper=_as_opt_float(_get(b, "upper", bpath), _join(bpath, "upper")),
                    points=_as_float(_get(b, "points", bpath), _join(bpath, "points")),
                    woe=_as_opt_float(b.get("woe"), _join(bpath, "woe")),
                )
            )
        bins = list(nbins)
    else:
        cbins: list[CategoricalBin] = []
        for i, raw in enumerate(bins_raw):
            bpath = f"{path}.bins[{i}]"
            b = _as_mapping(raw, bpath)
            cbins.append(
                CategoricalBin(
                    categories=_as_str_tuple(
                        _get(b, "categories", bpath), _join(bpath, "categories")
                    ),
                    points=_as_float(_get(b, "points", bpath), _join(bpath, "points")),
                    woe=_as_opt_float(b.get("woe"), _join(bpath, "woe")),
                )
            )
        bins = list(cbins)
    mpath = _join(path, "missing")
    m = _as_mapping(_get(data, "missing", path), mpath)
    missing = MissingRule(
        rule=_as_str(_get(m, "rule", mpath), _join(mpath, "rule")),
        points=_as_opt_float(m.get("points"), _join(mpath, "points")),
    )
    return Factor(
        key=_as_str(_get(data, "key", path), _join(path, "key")),
        dimension=_as_str(_get(data, "dimension", path), _join(path, "dimension")),
        label=_as_str(_get(data, "label", path), _join(path, "label")),
        type=ftype,
        bins=tuple(bins),
        other_points=_as_opt_float(data.get("other_points"), _join(path, "other_points")),
        missing=missing,
    )


# ---------------------------------------------------------------------------------------------
# Validation


def _validate_card(card: Scorecard) -> None:
    if not isinstance(card.key, str) or not card.key.strip():
        raise ScorecardError("key", "must be a non-empty string")
    if isinstance(card.version, bool) or not isinstance(card.version, int) or card.version < 1:
        raise ScorecardError("version", f"must be an integer >= 1, got {card.version!r}")
    if not isinstance(card.name, str) or not card.name.strip():
        raise ScorecardError("name", "must be a non-empty string")
    if card.kind not in KINDS:
        raise ScorecardError("kind", f"unknown kind {card.kind!r} (expected expert or statistical)")
    if not math.isfinite(card.intercept_points):
        raise ScorecardError("intercept_points", "must be finite")
    if card.segment is not None:
        _validate_segment(card.segment)
    if card.scaling is not None:
        s = card.scaling
        for name, number in (("base_score", s.base_score), ("base_odds", s.base_odds),
                             ("pdo", s.pdo)):
            if not math.isfinite(number):
                raise ScorecardError(f"scaling.{name}", f"must be finite, got {number!r}")
        if s.base_odds <= 0:
            raise ScorecardError("scaling.base_odds", f"must be > 0, got {_fmt(s.base_odds)}")
        if s.pdo <= 0:
            raise ScorecardError("scaling.pdo", f"must be > 0, got {_fmt(s.pdo)}")
    elif card.kind == "statistical":
        raise ScorecardError("scaling", "a statistical scorecard needs a scaling")
    if not card.factors:
        raise ScorecardError("factors", "at least one factor is required")
    first_at: dict[str, int] = {}
    for i, f in enumerate(card.factors):
        path = f"factors[{i}]"
        if f.key in first_at:
            raise ScorecardError(
                f"{path}.key", f"duplicate factor key {f.key!r} (first at factors[{first_at[f.key]}])"
            )
        first_at[f.key] = i
        _validate_factor(f, path)
    if card.weights is not None:
        _validate_weights(card)
    if not isinstance(card.meta, Mapping):
        raise ScorecardError("meta", "must be an object")


def _validate_segment(segment: Segment) -> None:
    if segment.industry_sections is None and segment.sizes is None:
        raise ScorecardError(
            "segment", "must constrain industry_sections or size (null segment = default card)"
        )
    for name, values, allowed in (
        ("industry_sections", segment.industry_sections, INDUSTRY_SECTIONS),
        ("size", segment.sizes, SIZE_CLASSES),
    ):
        if values is None:
            continue
        if not values:
            raise ScorecardError(f"segment.{name}", "must not be empty (use null for any)")
        for j, v in enumerate(values):
            if v not in allowed:
                raise ScorecardError(
                    f"segment.{name}[{j}]",
                    f"unknown value {v!r} (expected one of {', '.join(allowed)})",
                )


def _validate_factor(f: Factor, path: str) -> None:
    if not isinstance(f.key, str) or not f.key.strip():
        raise ScorecardError(f"{path}.key", "must be a non-empty string")
    if f.dimension not in DIMENSIONS:
        raise ScorecardError(
            f"{path}.dimension",
            f"unknown dimension {f.dimension!r} (expected one of {', '.join(DIMENSIONS)})",
        )
    if not isinstance(f.label, str) or not f.label.strip():
        raise ScorecardError(f"{path}.label", "must be a non-empty string")
    if f.type not in FACTOR_TYPES:
        raise ScorecardError(
            f"{path}.type", f"unknown type {f.type!r} (expected numeric or categorical)"
        )
    if not f.bins:
        raise ScorecardError(f"{path}.bins", "at least one bin is required")
    for j, b in enumerate(f.bins):
        bpath = f"{path}.bins[{j}]"
        if not math.isfinite(b.points):
            raise ScorecardError(f"{bpath}.points", f"must be finite, got {b.points!r}")
        if b.woe is not None and not math.isfinite(b.woe):
            raise ScorecardError(f"{bpath}.woe", f"must be finite, got {b.woe!r}")
    if f.type == "numeric":
        _validate_numeric_bins(f, path)
    else:
        _validate_categorical_bins(f, path)
    rule = f.missing.rule
    mpath = f"{path}.missing"
    if rule not in MISSING_RULES:
        raise ScorecardError(
            f"{mpath}.rule", f"unknown rule {rule!r} (expected one of {', '.join(MISSING_RULES)})"
        )
    if rule == "points":
        if f.missing.points is None or not math.isfinite(f.missing.points):
            raise ScorecardError(f"{mpath}.points", "rule 'points' needs finite points")
    elif f.missing.points is not None:
        raise ScorecardError(f"{mpath}.points", f"only rule 'points' takes points (rule {rule!r})")


def _validate_numeric_bins(f: Factor, path: str) -> None:
    if f.other_points is not None:
        raise ScorecardError(f"{path}.other_points", "only categorical factors have other_points")
    previous_upper: float | None = None
    last = len(f.bins) - 1
    for j, b in enumerate(f.bins):
        bpath = f"{path}.bins[{j}]"
        if not isinstance(b, NumericBin):
            raise ScorecardError(bpath, "a numeric factor needs numeric bins (lower, upper)")
        if b.lower is not None and b.upper is not None and b.lower >= b.upper:
            raise ScorecardError(bpath, f"lower {b.lower!r} >= upper {b.upper!r}")
        if j == 0:
            if b.lower is not None:
                raise ScorecardError(
                    bpath, f"lower must be null (bins must cover -inf), got {b.lower!r}"
                )
        else:
            assert previous_upper is not None
            if b.lower is None or b.lower < previous_upper:
                shown = "null" if b.lower is None else repr(b.lower)
                raise ScorecardError(
                    bpath, f"lower {shown} overlaps the previous bin (upper {previous_upper!r})"
                )
            if b.lower > previous_upper:
                raise ScorecardError(
                    bpath, f"gap: lower {b.lower!r} > previous upper {previous_upper!r}"
                )
        if j == last:
            if b.upper is not None:
                raise ScorecardError(
                    bpath, f"upper must be null (bins must cover +inf), got {b.upper!r}"
                )
        elif b.upper is None:
            raise ScorecardError(bpath, "upper is null but later bins follow (overlap)")
        previous_upper = b.upper


def _validate_categorical_bins(f: Factor, path: str) -> None:
    if f.other_points is not None and not math.isfinite(f.other_points):
        raise ScorecardError(f"{path}.other_points", "must be finite")
    seen: dict[str, int] = {}
    for j, b in enumerate(f.bins):
        bpath = f"{path}.bins[{j}]"
        if not isinstance(b, CategoricalBin):
            raise ScorecardError(bpath, "a categorical factor needs categorical bins (categories)")
        if not b.categories:
            raise ScorecardError(f"{bpath}.categories", "must not be empty")
        for category in b.categories:
            if not isinstance(category, str) or not category:
                raise ScorecardError(f"{bpath}.categories", "must be non-empty strings")
            if category in seen:
                raise ScorecardError(
                    f"{bpath}.categories",
                    f"category {category!r} already in bins[{seen[category]}]",
                )
            seen[category] = j


def _validate_weights(card: Scorecard) -> None:
    assert card.weights is not None
    if card.kind != "expert":
        raise ScorecardError("weights", "only expert scorecards carry weights")
    keys = [f.key for f in card.factors]
    for k in keys:
        if k not in card.weights:
            raise ScorecardError("weights", f"no weight for factor {k!r}")
    for k, w in card.weights.items():
        if k not in keys:
            raise ScorecardError("weights", f"weight for unknown factor {k!r}")
        if not math.isfinite(w) or not 0.0 < w <= 1.0:
            raise ScorecardError(f"weights.{k}", f"must be > 0 and <= 1, got {w!r}")
    total = sum(card.weights.values())
    if abs(total - 1.0) > _TOLERANCE:
        raise ScorecardError("weights", f"sum to {total:.10g}, must be 1")
    # Expert points are weight x score (0..100) x 10: every attainable points value (and the
    # missing rule's points) must lie in 0..weight x 1000.
    for i, f in enumerate(card.factors):
        ceiling = card.weights[f.key] * 100.0 * EXPERT_POINTS_PER_SCORE
        checks: list[tuple[str, float]] = [
            (f"factors[{i}].bins[{j}].points", b.points) for j, b in enumerate(f.bins)
        ]
        if f.other_points is not None:
            checks.append((f"factors[{i}].other_points", f.other_points))
        if f.missing.points is not None:
            checks.append((f"factors[{i}].missing.points", f.missing.points))
        for cpath, points in checks:
            if points < -_TOLERANCE or points > ceiling + _TOLERANCE:
                raise ScorecardError(
                    cpath,
                    f"points {_fmt(points)} outside 0..{_fmt(round(ceiling, 6))} "
                    f"(weight {_fmt(card.weights[f.key])} x 1000)",
                )


# ---------------------------------------------------------------------------------------------
# Expert scorecards


@dataclass(frozen=True)
class ScoredRange:
    """An expert numeric bin ``[lower, upper)`` with a bin score 0..100."""

    lower: float | None
    upper: float | None
    score: float


@dataclass(frozen=True)
class ScoredCategories:
    """An expert categorical bin with a bin score 0..100."""

    categories: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class ExpertFactor:
    """An expert factor as a credit manager edits it: weight, bin scores 0..100, missing rule.

    ``missing_rule`` is ``points`` (with ``missing_score`` 0..100), ``worst`` or ``neutral``.
    """

    key: str
    dimension: str
    label: str
    type: str
    weight: float
    bins: tuple[ScoredRange | ScoredCategories, ...]
    missing_rule: str = "worst"
    missing_score: float | None = None
    other_score: float | None = None


def _expert_points(weight: float, score: float) -> float:
    return round(weight * score * EXPERT_POINTS_PER_SCORE, 6)


def expert_scorecard(
    *,
    key: str,
    version: int,
    name: str,
    factors: Sequence[ExpertFactor],
    segment: Segment | None = None,
    meta: Mapping[str, object] | None = None,
) -> Scorecard:
    """Build an expert scorecard from weighted factors with bin scores 0..100.

    Checks (with the path of the problem): every weight in (0, 1], weights sum to 1 (within
    1e-6), every bin/other/missing score in 0..100; then the card's own validation (bins cover
    the real line without overlap, known dimension and missing rule, unique keys).
    ``points = weight * score * 10`` rounded to 6 decimals, so the total lies in 0..1000.
    """
    for i, ef in enumerate(factors):
        path = f"factors[{i}]"
        if not math.isfinite(ef.weight) or not 0.0 < ef.weight <= 1.0:
            raise ScorecardError(f"{path}.weight", f"must be > 0 and <= 1, got {ef.weight!r}")
        scores: list[tuple[str, float | None]] = [
            (f"{path}.bins[{j}].score", b.score) for j, b in enumerate(ef.bins)
        ]
        scores.append((f"{path}.other_score", ef.other_score))
        scores.append((f"{path}.missing_score", ef.missing_score))
        for spath, score in scores:
            if score is not None and (not math.isfinite(score) or not 0.0 <= score <= 100.0):
                raise ScorecardError(spath, f"must be between 0 and 100, got {score!r}")
    total = sum(ef.weight for ef in factors)
    if factors and abs(total - 1.0) > _TOLERANCE:
        raise ScorecardError("weights", f"sum to {total:.10g}, must be 1")
    built: list[Factor] = []
    for ef in factors:
        bins: tuple[NumericBin | CategoricalBin, ...]
        if ef.type == "numeric" and all(isinstance(b, ScoredRange) for b in ef.bins):
            bins = tuple(
                NumericBin(b.lower, b.upper, _expert_points(ef.weight, b.score))
                for b in cast(tuple[ScoredRange, ...], ef.bins)
            )
        elif ef.type == "categorical" and all(isinstance(b, ScoredCategories) for b in ef.bins):
            bins = tuple(
                CategoricalBin(tuple(b.categories), _expert_points(ef.weight, b.score))
                for b in cast(tuple[ScoredCategories, ...], ef.bins)
            )
        else:
            bins = ()  # reported by the card validation below (type or bin kind mismatch)
            if ef.bins:
                index = len(built)
                raise ScorecardError(
                    f"factors[{index}].bins",
                    f"a {ef.type} factor needs "
                    + ("ScoredRange" if ef.type == "numeric" else "ScoredCategories")
                    + " bins",
                )
        built.append(
            Factor(
                key=ef.key,
                dimension=ef.dimension,
                label=ef.label,
                type=ef.type,
                bins=bins,
                other_points=None
                if ef.other_score is None
                else _expert_points(ef.weight, ef.other_score),
                missing=MissingRule(
                    ef.missing_rule,
                    None
                    if ef.missing_score is None
                    else _expert_points(ef.weight, ef.missing_score),
                ),
            )
        )
    return Scorecard(
        key=key,
        version=version,
        name=name,
        kind="expert",
        segment=segment,
        scaling=None,
        intercept_points=0.0,
        factors=tuple(built),
        weights={ef.key: ef.weight for ef in factors},
        meta=dict(meta or {}),
    )


def expert_factors(card: Scorecard) -> tuple[ExpertFactor, ...]:
    """The editable expert factors of an expert card (bin scores = points / (weight x 10)).

    The inverse of :func:`expert_scorecard`, for the credit manager's editor.
    """
    if card.kind != "expert" or card.weights is None:
        raise ScorecardError("weights", "only an expert scorecard with weights has expert factors")
    out: list[ExpertFactor] = []
    for f in card.factors:
        weight = card.weights[f.key]

        def to_score(points: float, weight: float = weight) -> float:
            return round(points / (weight * EXPERT_POINTS_PER_SCORE), 6)

        bins: tuple[ScoredRange | ScoredCategories, ...]
        if f.type == "numeric":
            bins = tuple(
                ScoredRange(b.lower, b.upper, to_score(b.points))
                for b in cast(tuple[NumericBin, ...], f.bins)
            )
        else:
            bins = tuple(
                ScoredCategories(b.categories, to_score(b.points))
                for b in cast(tuple[CategoricalBin, ...], f.bins)
            )
        out.append(
            ExpertFactor(
                key=f.key,
                dimension=f.dimension,
                label=f.label,
                type=f.type,
                weight=weight,
                bins=bins,
                missing_rule=f.missing.rule,
                missing_score=None if f.missing.points is None else to_score(f.missing.points),
                other_score=None if f.other_points is None else to_score(f.other_points),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Segments


def select_scorecard(
    cards: Iterable[Scorecard], *, industry_section: str | None, size_class: str | None
) -> Scorecard:
    """The most specific card whose segment matches, else the default card (segment null).

    "Most specific": more constrained segment fields first, then fewer listed values, then the
    higher version, then the key (alphabetical) so the choice is deterministic. Raises
    :class:`ScorecardError` when nothing matches and there is no default card.
    """
    pool = list(cards)
    matching = [
        c
        for c in pool
        if c.segment is not None
        and c.segment.matches(industry_section=industry_section, size_class=size_class)
    ]
    if matching:
        return min(
            matching,
            key=lambda c: (
                tuple(-x for x in cast(Segment, c.segment).specificity),
                -c.version,
                c.key,
            ),
        )
    defaults = [c for c in pool if c.segment is None]
    if not defaults:
        raise ScorecardError(
            "",
            f"no scorecard for industry section {industry_section!r} and size "
            f"{size_class!r}, and no default scorecard (segment null)",
        )
    return min(defaults, key=lambda c: (-c.version, c.key))


# ---------------------------------------------------------------------------------------------
# Templates (package data: credo/rating/engine/templates/*.json)


def _templates_folder() -> resources.abc.Traversable:
    return resources.files("credo.rating.engine").joinpath("templates")


def available_templates() -> tuple[str, ...]:
    """Keys of the bundled scorecard templates (file names without ``.json``), sorted."""
    return tuple(
        sorted(
            entry.name.removesuffix(".json")
            for entry in _templates_folder().iterdir()
            if entry.name.endswith(".json")
        )
    )


def load_template(key: str) -> Scorecard:
    """The bundled scorecard template ``key`` (e.g. ``default-expert``), validated."""
    if key not in available_templates():
        raise ScorecardError(
            "template",
            f"unknown template {key!r} (available: {', '.join(available_templates())})",
        )
    card = Scorecard.from_json(
        _templates_folder().joinpath(f"{key}.json").read_text(encoding="utf-8")
    )
    if card.key != key:
        raise ScorecardError("key", f"template file {key}.json holds scorecard {card.key!r}")
    return card


def load_templates() -> tuple[Scorecard, ...]:
    """Every bundled template (for :func:`select_scorecard`)."""
    return tuple(load_template(key) for key in available_templates())
