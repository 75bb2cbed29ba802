"""Validation of a scorecard on labelled data: discrimination, calibration, stability.

Pure numpy. Conventions:

- ``bad`` holds bad flags (1 = bad, 0 = good).
- ``scores`` are scorecard scores where HIGHER = BETTER credit (fewer bads). AUC is the
  probability that a random good scores above a random bad (ties count one half), computed as
  the Mann-Whitney U statistic with average ranks. Gini (accuracy ratio) = 2 * AUC - 1.
- KS = the largest distance between the cumulative score distributions of goods and of bads.
- Brier score = mean of (predicted PD - bad flag)^2; needs PDs (statistical cards).
- PSI (population stability index) between a development and a current score distribution:
  bins from the development deciles, PSI = sum((a - e) * ln(a / e)) over bins of the current
  share a and development share e; a share of 0 is floored at ``PSI_FLOOR`` (0.0001) so the
  logarithm stays finite. Usual reading: < 0.10 stable, 0.10-0.25 shift to watch, > 0.25
  significant shift.
- Information value per factor is recomputed on the validation data from the card's bins
  (see ``binning.woe_iv`` for WOE, IV and smoothing).
"""

from __future__ import annotations

import html as html_lib
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import numpy.typing as npt

from credo.rating.engine.binning import (
    MISSING_INDEX,
    MISSING_LABEL,
    OTHER_INDEX,
    card_bin_index,
    woe_iv,
)

FloatArray = npt.NDArray[np.float64]
ArrayLike = Sequence[float] | Sequence[int] | Sequence[bool] | npt.NDArray[np.generic]

PSI_FLOOR = 1e-4
"""Share used in place of 0 for an empty PSI bin (development or current)."""


def _flags(bad: ArrayLike) -> npt.NDArray[np.int64]:
    flags = np.asarray(bad).astype(np.int64)
    if flags.ndim != 1 or not np.all((flags == 0) | (flags == 1)):
        raise ValueError("bad must be a one-dimensional sequence of flags 0/1")
    return flags


def _floats(values: ArrayLike, name: str) -> FloatArray:
    out = np.asarray(values, dtype=np.float64)
    if out.ndim != 1 or np.isnan(out).any():
        raise ValueError(f"{name} must be one-dimensional numbers without NaN")
    return out


def average_ranks(values: ArrayLike) -> FloatArray:
    """Ranks 1..n of the values, ties sharing the mean of their ranks (e.g. 1, 2.5, 2.5, 4)."""
    data = np.asarray(values, dtype=np.float64)
    _, inverse, counts = np.unique(data, return_inverse=True, return_counts=True)
    first_rank = np.cumsum(counts) - counts + 1.0  # rank of the first element of each tie group
    return (first_rank + (counts - 1) / 2.0)[inverse]


def auc(bad: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve for scores where higher = better (Mann-Whitney, ties = 1/2)."""
    flags = _flags(bad)
    data = _floats(scores, "scores")
    n_bad = int(flags.sum())
    n_good = len(flags) - n_bad
    if n_bad == 0 or n_good == 0:
        raise ValueError("AUC needs both goods and bads")
    ranks = average_ranks(data)
    u_good = ranks[flags == 0].sum() - n_good * (n_good + 1) / 2.0
    return float(u_good / (n_good * n_bad))


def gini(bad: ArrayLike, scores: ArrayLike) -> float:
    """Gini coefficient (accuracy ratio) = 2 * AUC - 1."""
    return 2.0 * auc(bad, scores) - 1.0


def ks_statistic(bad: ArrayLike, scores: ArrayLike) -> tuple[float, float]:
    """KS statistic and the score where it is reached (first such score).

    At every distinct score t: F_bad(t) = share of bads scoring <= t, F_good(t) likewise;
    KS = max |F_bad(t) - F_good(t)|.
    """
    flags = _flags(bad)
    data = _floats(scores, "scores")
    n_bad = int(flags.sum())
    n_good = len(flags) - n_bad
    if n_bad == 0 or n_good == 0:
        raise ValueError("KS needs both goods and bads")
    thresholds = np.unique(data)
    cum_bad = np.searchsorted(np.sort(data[flags == 1]), thresholds, side="right") / n_bad
    cum_good = np.searchsorted(np.sort(data[flags == 0]), thresholds, side="right") / n_good
    distance = np.abs(cum_bad - cum_good)
    at = int(np.argmax(distance))
    return float(distance[at]), float(thresholds[at])


def brier_score(bad: ArrayLike, pd: ArrayLike) -> float:
    """Mean squared difference between predicted PD and the bad flag."""
    flags = _flags(bad)
    probabilities = _floats(pd, "pd")
    return float(np.mean((probabilities - flags) ** 2))


@dataclass(frozen=True)
class CalibrationRow:
    """One group of a calibration table (score band or grade)."""

    group: str
    score_min: float
    score_max: float
    count: int
    bads: int
    observed_bad_rate: float
    predicted_pd_mean: float | None


def calibration_table(bad: ArrayLike, scores: ArrayLike, pd: ArrayLike | None = None, *,
                      groups: int = 10,
                      labels: Sequence[str] | None = None) -> tuple[CalibrationRow, ...]:
    """Observed bad rate against mean predicted PD, by score band or by given labels (grades).

    Without ``labels``: bands ``(lower, upper]`` cut at the score quantiles (``groups`` of
    them, fewer when tied scores make quantiles coincide or a band is empty); rows run from the lowest (worst) scores up, and equal
    scores always share a band. With ``labels``: one row per label, ordered by mean score.
    """
    flags = _flags(bad)
    data = _floats(scores, "scores")
    probabilities = None if pd is None else _floats(pd, "pd")
    if labels is not None:
        if len(labels) != len(flags):
            raise ValueError("labels and bad differ in length")
        names = [str(label) for label in labels]
        keys = sorted(set(names), key=lambda k: (float(np.mean(data[np.array(names) == k])), k))
        group_of = np.array([keys.index(n) for n in names], dtype=np.int64)
    else:
        levels = np.linspace(0.0, 1.0, max(groups, 1) + 1)[1:-1]
        cuts = np.unique(np.quantile(data, levels))
        # A band holds the scores up to and including its cut, so a heavy tie at the lowest
        # score forms a band of its own instead of swallowing everything above it.
        group_of = np.searchsorted(cuts, data, side="left").astype(np.int64)
        keys = []
    rows: list[CalibrationRow] = []
    for g in np.unique(group_of):
        mask = group_of == g
        rows.append(CalibrationRow(
            group=keys[g] if keys else f"{len(rows) + 1}",
            score_min=float(data[mask].min()), score_max=float(data[mask].max()),
            count=int(mask.sum()), bads=int(flags[mask].sum()),
            observed_bad_rate=float(flags[mask].mean()),
            predicted_pd_mean=None if probabilities is None else float(probabilities[mask].mean()),
        ))
    return tuple(rows)


@dataclass(frozen=True)
class PsiRow:
    """One bin of a PSI computation (shares before flooring)."""

    lower: float | None
    upper: float | None
    expected_share: float
    actual_share: float
    contribution: float


@dataclass(frozen=True)
class PsiResult:
    """Population stability index with its bins."""

    psi: float
    rows: tuple[PsiRow, ...]

    @property
    def reading(self) -> str:
        """Usual reading of the PSI: stable / watch / shifted."""
        if self.psi < 0.10:
            return "stable"
        return "watch" if self.psi <= 0.25 else "shifted"


def population_stability(expected: ArrayLike, actual: ArrayLike, *, bins: int = 10,
                         floor: float = PSI_FLOOR) -> PsiResult:
    """PSI of ``actual`` (current) scores against ``expected`` (development) scores.

    Bins: ``[lower, upper)`` cut at the development quantiles (deciles by default; fewer when
    ties make quantiles coincide). Shares of 0 are replaced by ``floor`` in the formula.
    """
    dev = _floats(expected, "expected")
    cur = _floats(actual, "actual")
    if dev.size == 0 or cur.size == 0:
        raise ValueError("PSI needs scores on both sides")
    levels = np.linspace(0.0, 1.0, max(bins, 1) + 1)[1:-1]
    cuts = np.unique(np.quantile(dev, levels))
    n_bins = len(cuts) + 1
    e = np.bincount(np.searchsorted(cuts, dev, side="right"), minlength=n_bins) / dev.size
    a = np.bincount(np.searchsorted(cuts, cur, side="right"), minlength=n_bins) / cur.size
    e_floor, a_floor = np.maximum(e, floor), np.maximum(a, floor)
    parts = (a_floor - e_floor) * np.log(a_floor / e_floor)
    edges: list[float | None] = [None, *(float(c) for c in cuts), None]
    rows = tuple(PsiRow(lower=edges[i], upper=edges[i + 1], expected_share=float(e[i]),
                        actual_share=float(a[i]), contribution=float(parts[i]))
                 for i in range(n_bins))
    return PsiResult(psi=float(parts.sum()), rows=rows)


@dataclass(frozen=True)
class FactorIV:
    """Information value of one factor recomputed on the validation data."""

    key: str
    iv: float
    bins: tuple[tuple[str, int, int, float], ...]  # (label, goods, bads, woe)


def _factor_bin_labels(factor: Mapping[str, object]) -> list[str]:
    labels = []
    bins = factor["bins"]
    assert isinstance(bins, Sequence)
    for item in bins:
        if factor.get("type") == "categorical":
            labels.append(", ".join(str(c) for c in item["categories"]))
        else:
            low, high = item.get("lower"), item.get("upper")
            labels.append(f"[{'-inf' if low is None else f'{low:g}'}, "
                          f"{'+inf' if high is None else f'{high:g}'})")
    return labels


def factor_information_values(card: Mapping[str, object], columns: Mapping[str, Sequence[object]],
                              bad: ArrayLike) -> tuple[FactorIV, ...]:
    """IV of every card factor on the given data, using the card's bins.

    Missing values form their own bin; values in no listed bin (unlisted categories) form an
    "other" bin. Empty bins are dropped before WOE/IV (they carry no information).
    """
    flags = _flags(bad)
    factors = card["factors"]
    assert isinstance(factors, Sequence)
    out = []
    for factor in factors:
        key = str(factor["key"])
        values: Sequence[object] = columns.get(key, [None] * len(flags))
        index = card_bin_index(factor, values)
        labels = _factor_bin_labels(factor)
        codes = [*range(len(labels)), MISSING_INDEX, OTHER_INDEX]
        names = [*labels, MISSING_LABEL, "other"]
        kept = [(name, int(((index == code) & (flags == 0)).sum()),
                 int(((index == code) & (flags == 1)).sum()))
                for code, name in zip(codes, names, strict=True)]
        kept = [k for k in kept if k[1] + k[2] > 0]
        woe, iv = woe_iv([k[1] for k in kept], [k[2] for k in kept])
        out.append(FactorIV(key=key, iv=float(iv.sum()), bins=tuple(
            (name, goods, bads, float(w)) for (name, goods, bads), w in zip(kept, woe, strict=True)
        )))
    return tuple(out)


@dataclass(frozen=True)
class ValidationReport:
    """Validation figures of one scorecard on one labelled sample (JSON-able via to_dict)."""

    card_key: str
    card_version: int
    rows: int
    bads: int
    auc: float
    gini: float
    ks: float
    ks_score: float
    brier: float | None
    calibration: tuple[CalibrationRow, ...]
    factors: tuple[FactorIV, ...] = ()
    psi: PsiResult | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def bad_rate(self) -> float:
        """Observed bad rate of the sample."""
        return self.bads / self.rows

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able dict (tuples become lists)."""
        data = asdict(self)
        data["bad_rate"] = self.bad_rate
        if self.psi is not None:
            data["psi"]["reading"] = self.psi.reading
        return _jsonable(data)

    def html(self, *, title: str | None = None,
             scorecard: Mapping[str, object] | None = None) -> str:
        """A self-contained HTML page (tables only, no scripts, no external assets); with
        ``scorecard`` (the card's JSON dict) the scorecard table comes first: every factor's
        bins with their WOE and points, and the points of a missing value."""
        esc = html_lib.escape
        heading = title or f"Validation report: {self.card_key} v{self.card_version}"
        parts = [
            "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{esc(heading)}</title>",
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
            "margin-bottom:1.5em}th,td{border:1px solid #999;padding:.25em .6em;"
            "text-align:right}th{background:#eee}td.l,th.l{text-align:left}</style>",
            "</head><body>", f"<h1>{esc(heading)}</h1>",
            *(_scorecard_table(scorecard) if scorecard is not None else []),
            "<h2>Discrimination</h2>",
            _html_table(["Measure", "Value"], [
                ["Rows", str(self.rows)], ["Bads", str(self.bads)],
                ["Bad rate", _fmt(self.bad_rate)], ["AUC", _fmt(self.auc)],
                ["Gini", _fmt(self.gini)], ["KS", _fmt(self.ks)],
                ["KS at score", _fmt(self.ks_score)],
                ["Brier score", "n/a" if self.brier is None else _fmt(self.brier)],
            ]),
            "<h2>Calibration</h2>",
            _html_table(
                ["Group", "Score from", "Score to", "Count", "Bads", "Observed bad rate",
                 "Predicted PD (mean)"],
                [[r.group, _fmt(r.score_min, 2), _fmt(r.score_max, 2), str(r.count), str(r.bads),
                  _fmt(r.observed_bad_rate),
                  "n/a" if r.predicted_pd_mean is None else _fmt(r.predicted_pd_mean)]
                 for r in self.calibration]),
        ]
        if self.factors:
            parts += ["<h2>Information value per factor</h2>", _html_table(
                ["Factor", "Information value"],
                [[f.key, _fmt(f.iv)] for f in sorted(self.factors, key=lambda f: -f.iv)])]
        if self.psi is not None:
            parts += [f"<h2>Population stability (PSI {_fmt(self.psi.psi)}: "
                      f"{esc(self.psi.reading)})</h2>", _html_table(
                ["Score from", "Score to", "Development share", "Current share", "PSI part"],
                [["-inf" if r.lower is None else _fmt(r.lower, 2),
                  "+inf" if r.upper is None else _fmt(r.upper, 2),
                  _fmt(r.expected_share), _fmt(r.actual_share), _fmt(r.contribution)]
                 for r in self.psi.rows])]
        if self.notes:
            parts += ["<h2>Notes</h2><ul>", *(f"<li>{esc(n)}</li>" for n in self.notes), "</ul>"]
        parts.append("</body></html>")
        return "\n".join(parts)


def _bin_label(item: Mapping[str, object]) -> str:
    categories = item.get("categories")
    if isinstance(categories, list):
        return ", ".join(str(c) for c in categories)
    lower, upper = item.get("lower"), item.get("upper")
    low = "-inf" if lower is None else f"{float(str(lower)):g}"
    high = "+inf" if upper is None else f"{float(str(upper)):g}"
    return f"[{low}, {high})"


def _scorecard_table(card: Mapping[str, object]) -> list[str]:
    """The scorecard as an HTML table: factor, bin, WOE, points (one row per bin)."""
    rows: list[list[str]] = []
    factors = card.get("factors")
    for factor in factors if isinstance(factors, list) else []:
        if not isinstance(factor, dict):
            continue
        name = str(factor.get("label") or factor.get("key"))
        bins = factor.get("bins")
        for item in bins if isinstance(bins, list) else []:
            if isinstance(item, dict):
                woe = item.get("woe")
                rows.append([name, _bin_label(item),
                             "" if woe is None else _fmt(float(str(woe))),
                             _fmt(float(str(item.get("points", 0))), 2)])
        missing = factor.get("missing")
        if isinstance(missing, dict):
            points = missing.get("points")
            rows.append([name, f"missing ({missing.get('rule')})", "",
                         "" if points is None else _fmt(float(str(points)), 2)])
    intercept = card.get("intercept_points")
    head = "<h2>Scorecard</h2>"
    if intercept is not None:
        head += f"<p>Intercept points: {_fmt(float(str(intercept)), 2)}</p>"
    return [head, _html_table(["Factor", "Bin", "WOE", "Points"], rows)]


def _fmt(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}f}"


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    esc = html_lib.escape
    head = "".join(f'<th class="l">{esc(h)}</th>' if i == 0 else f"<th>{esc(h)}</th>"
                   for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f'<td class="l">{esc(c)}</td>' if i == 0 else f"<td>{esc(c)}</td>"
                         for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _jsonable(value: object) -> dict[str, object]:
    converted = _convert(value)
    assert isinstance(converted, dict)
    return converted


def _convert(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _convert(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_convert(v) for v in value]
    if isinstance(value, np.floating | float):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, np.integer):
        return int(value)
    return value


def build_report(bad: ArrayLike, scores: ArrayLike, pd: ArrayLike | None = None, *,
                 card_key: str = "", card_version: int = 0, groups: int = 10,
                 grades: Sequence[str] | None = None,
                 factors: Sequence[FactorIV] = (),
                 development_scores: ArrayLike | None = None) -> ValidationReport:
    """Assemble a ValidationReport from scores (higher = better) and optional PDs.

    ``grades`` (one label per row) switches the calibration table from score bands to grades;
    ``development_scores`` adds the PSI of these scores against the development ones.
    """
    flags = _flags(bad)
    data = _floats(scores, "scores")
    if len(data) != len(flags):
        raise ValueError("scores and bad differ in length")
    ks, ks_at = ks_statistic(flags, data)
    area = auc(flags, data)
    notes = []
    if pd is None:
        notes.append("No PD given: Brier score and predicted PD not available.")
    return ValidationReport(
        card_key=card_key, card_version=card_version, rows=len(flags), bads=int(flags.sum()),
        auc=area, gini=2.0 * area - 1.0, ks=ks, ks_score=ks_at,
        brier=None if pd is None else brier_score(flags, pd),
        calibration=calibration_table(flags, data, pd, groups=groups, labels=grades),
        factors=tuple(factors),
        psi=None if development_scores is None else population_stability(development_scores,
                                                                          data),
        notes=tuple(notes),
    )
