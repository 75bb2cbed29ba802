"""Training of statistical scorecards: binning, WOE, logistic regression, points.

Pipeline (``train_scorecard``): every feature is binned (``binning.MonotoneBinning`` for
numeric, ``binning.CategoricalBinning`` for categorical features) and transformed to WOE;
features with an information value below ``min_iv`` are left out; scikit-learn's
``LogisticRegression`` is fitted on the WOE columns with target bad = 1; features whose
coefficient has the wrong sign are dropped one by one (see below); the coefficients become
points and the result is a scorecard dict in the shared JSON format (``"credo.scorecard/1"``).

Points derivation (goods-as-positive, higher score = better). The regression gives
``logit(PD) = ln(PD / (1 - PD)) = b0 + sum_j b_j * woe_j``. With ``factor = pdo / ln 2`` and
``offset = base_score - factor * ln(base_odds)`` the score is defined through the good:bad odds,
``score = offset + factor * ln(odds)`` and ``ln(odds) = -logit(PD)``, so

    score = offset - factor * (b0 + sum_j b_j * woe_j)
          = offset + sum_j [ -factor * (b_j * woe_j + b0 / n) ]

The card stores ``intercept_points = offset`` (the shared contract: statistical cards carry the
offset there) and, for every bin of factor j, ``points = -factor * (b_j * woe + b0 / n)`` with n
the number of factors kept. Hence total score = offset - factor * logit(PD) exactly, and the
scorecard's PD rule ``odds = base_odds * 2 ** ((score - base_score) / pdo)`` gives back the
regression's PD. Because WOE is positive for good bins, a sound coefficient is negative (more
WOE, less PD, more points); a positive coefficient (usually collinearity) would reverse a
factor's points, so such a feature is dropped and the regression refitted
(``drop_wrong_sign``).

Missing values: a factor with missing values in training gets ``{"rule": "points"}`` with the
missing bin's points; otherwise ``{"rule": "neutral"}`` (the bin whose WOE is closest to 0),
which is also the WOE the training pipeline uses for such values, so both score alike.

Scores are floats (no rounding of points), so ``score_rows`` on the card (and
``Scorecard.score``) reproduce the regression to floating-point precision. The card is checked
with ``scorecard.Scorecard.from_dict`` before it is returned.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from credo.rating.engine.binning import (
    OTHER_INDEX,
    CategoricalBinning,
    MonotoneBinning,
    Monotonic,
    card_bin_index,
    to_float_array,
)
from credo.rating.engine.scorecard import DIMENSIONS, Scaling, Scorecard
from credo.rating.engine.validation import (
    ValidationReport,
    build_report,
    factor_information_values,
    ks_statistic,
)
from credo.rating.engine.validation import auc as auc_of

FloatArray = npt.NDArray[np.float64]
Columns = Mapping[str, Sequence[object]]
Labels = Sequence[int] | Sequence[bool] | npt.NDArray[np.generic]
Binning = MonotoneBinning | CategoricalBinning

CARD_FORMAT = "credo.scorecard/1"


@dataclass(frozen=True)
class TrainingParams:
    """Binning, selection and regression settings of ``train_scorecard``."""

    max_bins: int = 6
    min_bin_share: float = 0.05
    monotonic: Monotonic = "auto"
    n_prebins: int = 20
    special_values: tuple[float, ...] = ()
    prebinning: str = "quantile"  # or "optbinning" (the optional modeling extra)
    min_iv: float = 0.02
    C: float = 1.0
    drop_wrong_sign: bool = True
    max_iter: int = 1000

    def to_dict(self) -> dict[str, object]:
        """JSON-able form (recorded in ``meta.training.parameters``)."""
        data = asdict(self)
        data["special_values"] = list(self.special_values)
        return data


@dataclass(frozen=True)
class TrainedModel:
    """A trained scorecard (``card``, the shared JSON dict) with what produced it."""

    card: dict[str, object]
    binnings: Mapping[str, Binning]
    coefficients: Mapping[str, float]
    intercept: float
    information_values: Mapping[str, float]
    excluded: Mapping[str, str] = field(default_factory=dict)  # feature -> reason

    @property
    def features(self) -> tuple[str, ...]:
        """Keys of the factors kept in the card, in card order."""
        return tuple(self.coefficients)

    def score(self, columns: Columns) -> FloatArray:
        """Scores of many rows (see ``score_rows``)."""
        return score_rows(self.card, columns)

    def pd(self, columns: Columns) -> FloatArray:
        """PDs of many rows from their scores and the card's scaling."""
        return pd_from_scores(self.card, self.score(columns))

    def regression_pd(self, columns: Columns) -> FloatArray:
        """PDs straight from the binnings and the regression (for cross-checks)."""
        logit = np.full(_row_count(columns), self.intercept)
        for key, coefficient in self.coefficients.items():
            logit += coefficient * self.binnings[key].transform(_column(columns, key, len(logit)))
        return 1.0 / (1.0 + np.exp(-logit))

    def to_json(self) -> str:
        """The card as JSON text."""
        return json.dumps(self.card, indent=2, ensure_ascii=False)


def _row_count(columns: Columns) -> int:
    lengths = {len(values) for values in columns.values()}
    if len(lengths) != 1:
        raise ValueError("columns must be non-empty and of equal length")
    return lengths.pop()


def _column(columns: Columns, key: str, rows: int) -> Sequence[object]:
    """A column by key; an absent column counts as all missing."""
    values = columns.get(key)
    return [None] * rows if values is None else values


def is_numeric_column(values: Sequence[object]) -> bool:
    """True when every non-missing value is a number or a string that parses as one.

    A column with no value at all counts as categorical (nothing to cut).
    """
    seen = False
    for value in values:
        if value is None or (isinstance(value, str) and value.strip() == ""):
            continue
        if isinstance(value, bool):
            return False
        if isinstance(value, float) and math.isnan(value):
            continue
        if not isinstance(value, int | float | np.integer | np.floating):
            try:
                float(str(value))
            except ValueError:
                return False
        seen = True
    return seen


def _default_label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _factor_dict(key: str, binning: Binning, points: FloatArray, missing_points: float | None,
                 *, label: str, dimension: str) -> dict[str, object]:
    """One factor of the card from its binning and its points per bin."""
    bins: list[dict[str, object]] = []
    factor: dict[str, object] = {"key": key, "dimension": dimension, "label": label}
    if isinstance(binning, MonotoneBinning):
        factor["type"] = "numeric"
        for (lower, upper), p, w in zip(binning.bounds(), points, binning.woe_, strict=True):
            bins.append({"lower": lower, "upper": upper, "points": float(p), "woe": float(w)})
        factor["bins"] = bins
    else:
        factor["type"] = "categorical"
        for i, (p, w) in enumerate(zip(points, binning.woe_, strict=True)):
            categories = list(binning.categories(i))
            if categories:
                bins.append({"categories": categories, "points": float(p), "woe": float(w)})
        factor["bins"] = bins
        factor["other_points"] = float(points[binning.other_group_])
    factor["missing"] = ({"rule": "neutral"} if missing_points is None
                         else {"rule": "points", "points": float(missing_points)})
    return factor


def _fit_regression(woe: FloatArray, y: npt.NDArray[np.int64], params: TrainingParams
                    ) -> LogisticRegression:
    model = LogisticRegression(C=params.C, max_iter=params.max_iter)
    model.fit(woe, y)
    return model


def _bin_features(columns: Columns, y: npt.NDArray[np.int64], *, params: TrainingParams,
                  categorical: Sequence[str] | None) -> dict[str, Binning]:
    binnings: dict[str, Binning] = {}
    for key, values in columns.items():
        is_categorical = (key in categorical if categorical is not None
                          else not is_numeric_column(values))
        binning: Binning
        if is_categorical:
            binning = CategoricalBinning(max_bins=params.max_bins,
                                         min_bin_share=params.min_bin_share)
        else:
            binning = MonotoneBinning(max_bins=params.max_bins,
                                      min_bin_share=params.min_bin_share,
                                      monotonic=params.monotonic, n_prebins=params.n_prebins,
                                      special_values=params.special_values,
                                      prebinning=params.prebinning)
        binnings[key] = binning.fit(values, y)
    return binnings


def train_scorecard(columns: Columns, y: Labels, *, key: str, version: int = 1,
                    name: str | None = None, scaling: Scaling | None = None,
                    params: TrainingParams | None = None,
                    categorical: Sequence[str] | None = None,
                    dimensions: Mapping[str, str] | None = None,
                    default_dimension: str = "business",
                    labels: Mapping[str, str] | None = None,
                    segment: Mapping[str, object] | None = None,
                    author: str = "", notes: str = "",
                    created: date | None = None) -> TrainedModel:
    """Train a statistical scorecard from feature columns and bad flags (1 = bad).

    ``columns`` maps feature key to values (numbers, strings, None = missing). ``categorical``
    lists the categorical features; by default a column is categorical when some value is not
    a number. ``dimensions`` maps feature key to one of the six credit-file dimensions
    (default ``default_dimension``); ``labels`` gives English labels (default from the key).
    """
    scaling = scaling or Scaling()
    params = params or TrainingParams()
    flags = np.asarray(y).astype(np.int64)
    rows = len(flags)
    if not columns:
        raise ValueError("no feature columns given")
    if _row_count(columns) != rows:
        raise ValueError("feature columns and y differ in length")
    if not np.all((flags == 0) | (flags == 1)) or flags.min() == flags.max():
        raise ValueError("y must hold bad flags 0/1 with both goods and bads")
    dimensions = dimensions or {}
    for feature, dimension in {**dimensions, "(default)": default_dimension}.items():
        if dimension not in DIMENSIONS:
            raise ValueError(f"{feature}: dimension {dimension!r} is not one of {DIMENSIONS}")

    binnings = _bin_features(columns, flags, params=params, categorical=categorical)
    ivs = {k: b.iv_ for k, b in binnings.items()}
    excluded = {k: f"information value {iv:.4f} below {params.min_iv}"
                for k, iv in ivs.items() if iv < params.min_iv}
    kept = [k for k in columns if k not in excluded]
    woe = {k: binnings[k].transform(columns[k]) for k in kept}

    while True:
        if not kept:
            raise ValueError("no feature left to train on (all below the IV threshold or with "
                             "a wrong-sign coefficient)")
        model = _fit_regression(np.column_stack([woe[k] for k in kept]), flags, params)
        coefs = model.coef_[0]
        worst = int(np.argmax(coefs))
        if not params.drop_wrong_sign or coefs[worst] < 0:
            break
        excluded[kept[worst]] = f"coefficient {coefs[worst]:.4f} has the wrong sign"
        kept.pop(worst)

    intercept = float(model.intercept_[0])
    coefficients = {k: float(c) for k, c in zip(kept, coefs, strict=True)}
    n = len(kept)
    factors = []
    for k in kept:
        binning = binnings[k]
        coefficient = coefficients[k]
        points = -scaling.factor * (coefficient * binning.woe_ + intercept / n)
        missing_points = (None if binning.missing_woe_ is None
                          else -scaling.factor * (coefficient * binning.missing_woe_
                                                  + intercept / n))
        factors.append(_factor_dict(k, binning, points, missing_points,
                                    label=(labels or {}).get(k, _default_label(k)),
                                    dimension=dimensions.get(k, default_dimension)))

    created = created or datetime.now(UTC).date()
    card: dict[str, object] = {
        "format": CARD_FORMAT, "key": key, "version": version,
        "name": name or f"Statistical scorecard {key}", "kind": "statistical",
        "segment": None if segment is None else dict(segment),
        "scaling": scaling.to_dict(), "intercept_points": scaling.offset,
        "factors": factors, "weights": None,
        "meta": {
            "created": created.isoformat(), "author": author, "notes": notes,
            "training": {
                "date": created.isoformat(), "rows": rows, "bads": int(flags.sum()),
                "bad_rate": float(flags.mean()),
                "features": [{"key": k, "iv": ivs[k], "coefficient": coefficients[k],
                              "type": "categorical" if isinstance(binnings[k], CategoricalBinning)
                              else "numeric"} for k in kept],
                "excluded": [{"key": k, "iv": ivs[k], "reason": r} for k, r in excluded.items()],
                "intercept": intercept,
                "parameters": params.to_dict(),
                "points": "intercept_points = offset; bin points = -factor * (coefficient * woe"
                          " + intercept / n); score = offset - factor * logit(PD)",
                "woe": "ln(good share / bad share), positive = better",
            },
        },
    }
    Scorecard.from_dict(card)  # the card must satisfy the shared format's validation
    return TrainedModel(card=card, binnings=binnings, coefficients=coefficients,
                        intercept=intercept, information_values=ivs, excluded=excluded)


CardLike = Mapping[str, object] | Scorecard


def as_scorecard(card: CardLike) -> Scorecard:
    """The card as a validated ``Scorecard`` (a dict is parsed with ``Scorecard.from_dict``)."""
    return card if isinstance(card, Scorecard) else Scorecard.from_dict(card)


def score_rows(card: CardLike, columns: Columns) -> FloatArray:
    """Scores of many rows at once (numpy): intercept_points + the points of every factor.

    Same rules as ``Scorecard.score`` (the card is parsed and validated with it, and its
    ``missing_points`` is used): ``columns`` maps factor key to the values of all rows (None or
    NaN = missing; an absent column counts as all missing); a category in no bin gets
    ``other_points`` (the missing rule when the factor has none). One leniency for batch input:
    a numeric factor's value that is not a number (e.g. text "n/a") scores as missing here,
    where ``Scorecard.score`` raises.
    """
    parsed = as_scorecard(card)
    specs = parsed.to_dict()["factors"]
    assert isinstance(specs, list)
    rows = _row_count(columns)
    total = np.full(rows, parsed.intercept_points)
    for factor, spec in zip(parsed.factors, specs, strict=True):
        index = card_bin_index(spec, _column(columns, factor.key, rows))
        points = np.array([b.points for b in factor.bins], dtype=np.float64)
        if_missing = factor.missing_points(parsed.kind)
        if_other = if_missing if factor.other_points is None else factor.other_points
        got = np.where(index >= 0, points[np.maximum(index, 0)], if_missing)
        total += np.where(index == OTHER_INDEX, if_other, got)
    return total


def scaled_pd(scaling: Scaling, scores: FloatArray | Sequence[float]) -> FloatArray:
    """PDs of many scores at once: PD = 1 / (1 + odds), odds = base_odds * 2 ** ((score -
    base_score) / pdo) (the vectorised form of ``Scaling.score_to_pd``)."""
    values = np.asarray(scores, dtype=np.float64)
    log_odds = math.log(scaling.base_odds) + (values - scaling.base_score) * math.log(2.0) / scaling.pdo
    result: FloatArray = 1.0 / (1.0 + np.exp(log_odds))
    return result


def pd_from_scores(card: CardLike, scores: FloatArray | Sequence[float]) -> FloatArray:
    """PDs from scores with the card's scaling (statistical cards only)."""
    parsed = as_scorecard(card)
    if parsed.scaling is None:
        raise ValueError(f"card {parsed.key!r} has no scaling: no PD")
    return scaled_pd(parsed.scaling, scores)


def validate_card(card: CardLike, columns: Columns, y: Labels, *,
                  development_scores: FloatArray | Sequence[float] | None = None,
                  grades: Sequence[str] | None = None, groups: int = 10) -> ValidationReport:
    """Score the rows with the card and build its validation report.

    PDs (Brier score, predicted PD in calibration) need the card's scaling; without it those
    stay empty. Factor IVs are recomputed on these rows with the card's bins.
    """
    parsed = as_scorecard(card)
    scores = score_rows(parsed, columns)
    pd = None if parsed.scaling is None else pd_from_scores(parsed, scores)
    return build_report(
        np.asarray(y), scores, pd, card_key=parsed.key, card_version=parsed.version,
        groups=groups, grades=grades,
        factors=factor_information_values(parsed.to_dict(), columns, np.asarray(y)),
        development_scores=development_scores)


def compare_models(card_a: CardLike, card_b: CardLike, columns: Columns, y: Labels
                   ) -> dict[str, object]:
    """Champion (``card_a``) against challenger (``card_b``) on the same labelled rows.

    Returns both reports, the differences challenger minus champion (AUC, Gini, KS, Brier;
    Brier lower is better) and ``better``: the card with the higher AUC ("champion" on ties).
    """
    champion = validate_card(card_a, columns, y)
    challenger = validate_card(card_b, columns, y)
    differences: dict[str, float | None] = {
        "auc": challenger.auc - champion.auc,
        "gini": challenger.gini - champion.gini,
        "ks": challenger.ks - champion.ks,
        "brier": (None if champion.brier is None or challenger.brier is None
                  else challenger.brier - champion.brier),
    }
    return {
        "champion": champion.to_dict(), "challenger": challenger.to_dict(),
        "differences": differences,
        "better": "challenger" if challenger.auc > champion.auc else "champion",
    }


def cross_validate(columns: Columns, y: Labels, *, folds: int = 5, seed: int = 42,
                   params: TrainingParams | None = None,
                   categorical: Sequence[str] | None = None) -> dict[str, object]:
    """Stratified k-fold cross-validation of the training pipeline (scores from the card).

    Returns per-fold AUC and KS on the held-out fold, their means and standard deviations
    (population sd, ddof=0).
    """
    flags = np.asarray(y).astype(np.int64)
    rows = len(flags)
    if categorical is None:
        categorical = [k for k, v in columns.items() if not is_numeric_column(v)]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    aucs, kss = [], []
    for train_rows, test_rows in splitter.split(np.zeros(rows), flags):
        train = {k: [v[i] for i in train_rows] for k, v in columns.items()}
        test = {k: [v[i] for i in test_rows] for k, v in columns.items()}
        model = train_scorecard(train, flags[train_rows], key="cv", params=params,
                                categorical=categorical)
        scores = score_rows(model.card, test)
        aucs.append(auc_of(flags[test_rows], scores))
        kss.append(ks_statistic(flags[test_rows], scores)[0])
    return {"folds": folds, "seed": seed, "auc": aucs, "ks": kss,
            "auc_mean": float(np.mean(aucs)), "auc_sd": float(np.std(aucs)),
            "ks_mean": float(np.mean(kss)), "ks_sd": float(np.std(kss))}


def _is_bad(label: object, bad_value: str) -> bool:
    """Target equals the bad value as text, or as numbers ("1" matches 1.0)."""
    text = str(label).strip()
    if text == bad_value.strip():
        return True
    try:
        return float(text) == float(bad_value)
    except ValueError:
        return False


def table_to_columns(rows: Sequence[Mapping[str, object]], target: str, bad_value: str, *,
                     exclude: Sequence[str] = ()) -> tuple[dict[str, list[object]],
                                                           npt.NDArray[np.int64]]:
    """Split table rows into feature columns and bad flags (target == bad_value, as text).

    Empty strings become None (missing). Rows without a target value are an error.
    """
    if not rows:
        raise ValueError("no rows")
    names = [k for k in rows[0] if k != target and k not in exclude]
    flags = np.empty(len(rows), dtype=np.int64)
    columns: dict[str, list[object]] = {k: [] for k in names}
    for i, row in enumerate(rows):
        label = row.get(target)
        if label is None or str(label).strip() == "":
            raise ValueError(f"row {i + 1}: no value in target column {target!r}")
        flags[i] = 1 if _is_bad(label, bad_value) else 0
        for k in names:
            value = row.get(k)
            columns[k].append(None if isinstance(value, str) and value.strip() == "" else value)
    return columns, flags


def train_from_table(rows: Sequence[Mapping[str, object]], target: str, bad_value: str, *,
                     key: str = "trained", version: int = 1, name: str | None = None,
                     exclude: Sequence[str] = (), scaling: Scaling | None = None,
                     params: TrainingParams | None = None,
                     dimensions: Mapping[str, str] | None = None,
                     default_dimension: str = "business",
                     labels: Mapping[str, str] | None = None,
                     author: str = "", notes: str = "") -> TrainedModel:
    """Train from table rows (dicts, e.g. ``read_csv_table``): target column ``target``,
    rows whose target equals ``bad_value`` are bad; numeric vs categorical is inferred per
    column (``is_numeric_column``); numeric strings are converted to numbers."""
    columns, flags = table_to_columns(rows, target, bad_value, exclude=exclude)
    categorical = [k for k, v in columns.items() if not is_numeric_column(v)]
    prepared: dict[str, Sequence[object]] = {
        k: (v if k in categorical else list(to_float_array(v))) for k, v in columns.items()}
    return train_scorecard(prepared, flags, key=key, version=version, name=name,
                           scaling=scaling, params=params, categorical=categorical,
                           dimensions=dimensions, default_dimension=default_dimension,
                           labels=labels, author=author, notes=notes)


def read_csv_table(path: str | Path) -> list[dict[str, object]]:
    """Rows of a CSV file (header line, UTF-8, BOM allowed) as dicts.

    Empty cells become None; a column whose non-empty cells all parse as numbers holds floats;
    other columns keep their text.
    """
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        raw = list(csv.DictReader(handle))
    if not raw:
        return []
    numeric = {k for k in raw[0] if is_numeric_column([r[k] for r in raw])}
    table: list[dict[str, object]] = []
    for row in raw:
        out: dict[str, object] = {}
        for k, text in row.items():
            value = None if text is None or text.strip() == "" else text
            out[k] = float(value) if value is not None and k in numeric else value
        table.append(out)
    return table
