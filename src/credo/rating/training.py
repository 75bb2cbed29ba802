"""Training statistical scorecards for credo (``credo rating train / register / compare``).

Two sources of training rows:

* an external CSV file (UTF-8 with or without BOM, or GBK/GB18030: decoded like the importer,
  ``credo.importer.readers.decode``), a target column and the value that marks a bad row;
* credo's own history (``--from-history``): for every customer that had been invoiced by the
  observation date T0 = as-of less the definition's months, the 34 rating features as of T0
  (the batch engine, ``credo.rating.batch``, point in time) and whether it defaulted in the
  performance window (T0, as-of] under the default definition of ``credo.rating.defaults``
  (the one the back-test uses: by default 90+ days past due within 12 months, material from
  1,000 and 1 % of the open receivables; a write-off is a default). Customers already in
  default on T0 are left out (their count is in the card's ``meta.source``).

The rows are split 70/30 (stratified, seed 42): the card is trained on the development part
and validated on the hold-out part (AUC, Gini, KS, calibration, Brier, IV per factor and PSI of
the hold-out against development scores). The card JSON embeds the validation report in
``meta.validation`` (and the development figures in ``meta.development``); ``--report`` writes
the report as an HTML page too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext

from credo.rating.engine.binning import to_float_array
from credo.rating.engine.features import FEATURE_DEFINITIONS
from credo.rating.engine.scorecard import Scaling, Scorecard, ScorecardError
from credo.rating.engine.statistical import (
    TrainedModel,
    TrainingParams,
    compare_models,
    is_numeric_column,
    score_rows,
    table_to_columns,
    train_scorecard,
    validate_card,
)
from credo.rating.engine.validation import ValidationReport
from credo.receivables.metrics import add_months

from . import batch
from .defaults import (
    DefaultDefinition,
    DefinitionError,
    compute_outcomes,
    configured_definition,
    day_number,
    definition_with,
    ledger_rows,
)

HOLDOUT_SHARE = 0.3
SEED = 42


class TrainingError(ValueError):
    """Bad training input (file, column, bad value, definition); the message is translated."""


# =========================================================================== tables


def read_table(path: str | Path, *, encoding: str = "") -> tuple[list[dict[str, object]], str]:
    """Rows of a CSV file as dicts and the encoding used (UTF-8 or GB18030/GBK detected).

    Empty cells become None; a column whose non-empty cells all parse as numbers holds floats.
    """
    from credo.importer.readers import FileProblem, decode

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise TrainingError(gettext("Cannot read %(path)s: %(error)s")
                            % {"path": path, "error": error.strerror}) from None
    try:
        text, codec, _detected = decode(data, encoding)
    except FileProblem as problem:
        raise TrainingError(str(problem)) from None
    raw = list(csv.DictReader(io.StringIO(text)))
    if not raw:
        raise TrainingError(gettext("%(path)s has no data rows.") % {"path": path})
    numeric = {k for k in raw[0] if is_numeric_column([r[k] for r in raw])}
    table: list[dict[str, object]] = []
    for row in raw:
        out: dict[str, object] = {}
        for key, cell in row.items():
            value = None if cell is None or cell.strip() == "" else cell
            out[key] = float(value) if value is not None and key in numeric else value
        table.append(out)
    return table, codec


def _bad_value(rows: Sequence[Mapping[str, object]], target: str, bad: str | None) -> str:
    if not rows or target not in rows[0]:
        names = ", ".join(rows[0]) if rows else ""
        raise TrainingError(gettext("The file has no column %(column)s (columns: %(names)s).")
                            % {"column": target, "names": names})
    values = {str(r[target]).strip() for r in rows if r[target] is not None}
    if bad is None:
        if "bad" in values:
            return "bad"
        if values <= {"0", "1", "0.0", "1.0"}:
            return "1"
        raise TrainingError(gettext("Give --bad: the value of %(column)s that marks a bad row "
                                    "(values: %(values)s).")
                            % {"column": target, "values": ", ".join(sorted(values)[:10])})
    flags = [_is_bad(v, bad) for v in values]
    if not any(flags) or all(flags):
        raise TrainingError(gettext("%(value)s must mark some but not all rows of %(column)s "
                                    "as bad (values: %(values)s).")
                            % {"value": bad, "column": target,
                               "values": ", ".join(sorted(values)[:10])})
    return bad


def _is_bad(text: str, bad: str) -> bool:
    if text == bad.strip():
        return True
    try:
        return float(text) == float(bad)
    except ValueError:
        return False


def prepare_columns(columns: Mapping[str, Sequence[object]],
                    categorical: Sequence[str] | None = None
                    ) -> tuple[dict[str, Any], list[str]]:
    """Numeric columns as float arrays (NaN = missing), categorical ones as lists."""
    if categorical is None:
        categorical = [k for k, v in columns.items() if not is_numeric_column(v)]
    prepared: dict[str, Any] = {
        k: (list(v) if k in categorical else to_float_array(v)) for k, v in columns.items()}
    return prepared, list(categorical)


def split(flags: npt.NDArray[np.int64], *, share: float = HOLDOUT_SHARE, seed: int = SEED
          ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Stratified development / hold-out row positions."""
    rng = np.random.default_rng(seed)
    development, holdout = [], []
    for label in (0, 1):
        rows = np.flatnonzero(flags == label)
        rng.shuffle(rows)
        cut = int(round(len(rows) * share))
        holdout.append(rows[:cut])
        development.append(rows[cut:])
    return np.sort(np.concatenate(development)), np.sort(np.concatenate(holdout))


def _subset(columns: Mapping[str, Sequence[object]], rows: npt.NDArray[np.int64]
            ) -> dict[str, Sequence[object]]:
    out: dict[str, Sequence[object]] = {}
    for key, values in columns.items():
        if isinstance(values, np.ndarray):
            out[key] = values[rows]
        else:
            out[key] = [values[i] for i in rows]
    return out


@dataclass(frozen=True)
class TrainingResult:
    """A trained card (JSON dict with the validation report in meta) and its reports."""

    card: dict[str, object]
    model: TrainedModel
    validation: ValidationReport
    development: ValidationReport
    rows: int
    bads: int

    def to_json(self) -> str:
        """The card JSON written to MODEL.json."""
        return json.dumps(self.card, indent=2, ensure_ascii=False)


def train_columns(columns: Mapping[str, Sequence[object]], flags: npt.NDArray[np.int64], *,
                  key: str, version: int = 1, categorical: Sequence[str] | None = None,
                  dimensions: Mapping[str, str] | None = None,
                  labels: Mapping[str, str] | None = None, notes: str = "",
                  source: Mapping[str, object] | None = None,
                  prebinning: str = "quantile", scaling: Scaling | None = None
                  ) -> TrainingResult:
    """Train on 70 % of the rows, validate on the other 30 %; the card carries both reports.
    ``scaling``: base score, odds and PDO of the points (default 600 at 50:1, PDO 20)."""
    if len(flags) < 20 or flags.sum() < 5 or (len(flags) - flags.sum()) < 5:
        raise TrainingError(gettext("Too few rows to train: %(rows)s rows, %(bads)s bad (at "
                                    "least 20 rows with 5 good and 5 bad are needed).")
                            % {"rows": len(flags), "bads": int(flags.sum())})
    prepared, categorical = prepare_columns(columns, categorical)
    development, holdout = split(flags)
    dev_columns, hold_columns = _subset(prepared, development), _subset(prepared, holdout)
    model = train_scorecard(dev_columns, flags[development], key=key, version=version,
                            categorical=categorical, dimensions=dimensions, labels=labels,
                            notes=notes, params=TrainingParams(prebinning=prebinning),
                            scaling=scaling)
    dev_scores = score_rows(model.card, dev_columns)
    development_report = validate_card(model.card, dev_columns, flags[development])
    validation = validate_card(model.card, hold_columns, flags[holdout],
                               development_scores=dev_scores)
    card = dict(model.card)
    meta = dict(card.get("meta") or {})  # type: ignore[call-overload]
    meta["validation"] = validation.to_dict()
    meta["development"] = {"rows": development_report.rows, "auc": development_report.auc,
                           "gini": development_report.gini, "ks": development_report.ks}
    meta["source"] = dict(source or {})
    card["meta"] = meta
    Scorecard.from_dict(card)
    return TrainingResult(card=card, model=model, validation=validation,
                          development=development_report, rows=len(flags),
                          bads=int(flags.sum()))


def train_file(path: str | Path, *, target: str, bad: str | None = None, key: str = "trained",
               version: int = 1, encoding: str = "", prebinning: str = "quantile",
               scaling: Scaling | None = None
               ) -> TrainingResult:
    """Train a card from an external CSV file (see the module docstring)."""
    rows, codec = read_table(path, encoding=encoding)
    bad_value = _bad_value(rows, target, bad)
    columns, flags = table_to_columns(rows, target, bad_value)
    return train_columns(columns, flags, key=key, version=version, prebinning=prebinning,
                         scaling=scaling,
                         source={"file": Path(path).name, "encoding": codec, "target": target,
                                 "bad": bad_value})


# =========================================================================== from history


def scaling_from(*, base_score: object = None, base_odds: object = None, pdo: object = None
                 ) -> Scaling:
    """Points scaling from the command line (None: the default of each); TrainingError."""
    default = Scaling()
    values = {"base_score": base_score, "base_odds": base_odds, "pdo": pdo}
    parsed: dict[str, float] = {}
    for name, value in values.items():
        try:
            parsed[name] = getattr(default, name) if value is None else float(str(value))
        except ValueError:
            raise TrainingError(gettext("%(value)s is not a number.") % {"value": value}
                                ) from None
    if not parsed["base_odds"] > 0 or not parsed["pdo"] > 0:
        raise TrainingError(gettext("The base odds and the points to double the odds must be "
                                    "above 0."))
    return Scaling(**parsed)


def definition_from(text: str = "", *, min_amount: object = None,
                    min_percent: object = None) -> DefaultDefinition:
    """The default definition ``90dpd12m`` (empty: the configured days and months) with the
    materiality thresholds (None: the configured ones; the share in percent); TrainingError."""
    try:
        days = months = None
        if text:
            parsed = DefaultDefinition.parse(text)
            days, months = parsed.days, parsed.months
        return definition_with(days=days, months=months, min_amount=min_amount,
                               min_percent=min_percent)
    except DefinitionError as error:
        raise TrainingError(str(error)) from None


def history_table(*, as_of: dt.date, definition: DefaultDefinition | None = None,
                  batch_size: int = batch.DEFAULT_BATCH_SIZE
                  ) -> tuple[dict[str, list[object]], npt.NDArray[np.int64], dict[str, object]]:
    """Training rows from credo's history: features as of T0 = ``as_of`` less the definition's
    months, and whether the customer defaulted in (T0, ``as_of``] (``credo.rating.defaults``).
    Customers not invoiced by T0, or already in default on T0, are left out."""
    definition = definition or configured_definition()
    observation = add_months(as_of, -definition.months)
    ids = batch.scope_customer_ids({"all": True})
    columns: dict[str, list[object]] = {k: [] for k in batch.FEATURE_KEYS}
    flags: list[npt.NDArray[np.int64]] = []
    kept_total = excluded_total = 0
    for chunk in batch.chunks(ids, batch_size):
        data = batch.extract(chunk, as_of=observation)
        features = batch.compute_features(data)
        invoiced = np.zeros(len(chunk), dtype=bool)
        if data.invoiced.num_rows:
            invoiced[np.searchsorted(features.customer_ids,
                                     data.invoiced.column("customer_id").to_numpy())] = True
        candidates = features.customer_ids[invoiced]
        if not len(candidates):
            continue
        outcomes = compute_outcomes(
            population=candidates,
            rows=ledger_rows(start=observation, end=as_of,
                             customer_ids=[int(i) for i in candidates]),
            start=day_number(observation), end=day_number(as_of), definition=definition)
        rows = np.flatnonzero(invoiced)[~outcomes.in_default_at_start]
        excluded_total += int(np.count_nonzero(outcomes.in_default_at_start))
        if not len(rows):
            continue
        kept = features.take(rows)
        for key in batch.FEATURE_KEYS:
            columns[key].extend(kept.value_list(key))
        flags.append(outcomes.defaulted[~outcomes.in_default_at_start].astype(np.int64))
        kept_total += len(rows)
    y = np.concatenate(flags) if flags else np.zeros(0, dtype=np.int64)
    source = {"history": True, "definition": definition.code,
              "default_definition": definition.to_dict(),
              "observation_date": observation.isoformat(), "performance_end": as_of.isoformat(),
              "customers": kept_total, "excluded_in_default": excluded_total}
    return columns, y, source


def train_history(*, as_of: dt.date, definition: DefaultDefinition | None = None,
                  key: str = "history-statistical", version: int = 1,
                  prebinning: str = "quantile", scaling: Scaling | None = None
                  ) -> TrainingResult:
    """Train a card on credo's own history (see the module docstring)."""
    columns, flags, source = history_table(as_of=as_of, definition=definition)
    # Features that never vary carry no information (e.g. Altman where no statement gives
    # retained earnings).
    usable = {k: v for k, v in columns.items() if len({x for x in v if x is not None}) > 1}
    categorical = [k for k in usable if k in batch.CATEGORICAL]
    dimensions = {k: FEATURE_DEFINITIONS[k].dimension.value for k in usable}
    labels = {k: FEATURE_DEFINITIONS[k].label for k in usable}
    return train_columns(usable, flags, key=key, version=version, categorical=categorical,
                         dimensions=dimensions, labels=labels, source=source,
                         prebinning=prebinning, scaling=scaling,
                         notes=gettext("Trained on credo's history, default = %(definition)s")
                         % {"definition": (definition or configured_definition()).describe()})


# =========================================================================== cards


def load_card(path: str | Path) -> dict[str, Any]:
    """A card JSON file, validated by the engine (TrainingError with the problem)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise TrainingError(gettext("Cannot read %(path)s: %(error)s")
                            % {"path": path, "error": error.strerror}) from None
    try:
        data = json.loads(text)
        Scorecard.from_dict(data)
    except (ValueError, ScorecardError) as error:
        raise TrainingError(gettext("%(path)s is not a valid scorecard: %(problem)s")
                            % {"path": path, "problem": error}) from None
    assert isinstance(data, dict)
    return data


def register_card(path: str | Path, *, activate: bool = False, notes: str = ""):
    """Store a trained card as a new scorecard version (draft, or active with ``activate``)
    through ``services.scorecard_version_create`` with its validation report."""
    from django.core.exceptions import ValidationError

    from credo.core.context import acting_as

    from . import services

    card = load_card(path)
    meta = card.get("meta") or {}
    report = meta.get("validation") if isinstance(meta, dict) else None
    try:
        with acting_as(None, channel="cli"):
            version = services.scorecard_version_create(
                definition=card, user=None, notes=notes or f"credo rating register {path}",
                validation_report=report)
            if activate:
                version = services.scorecard_version_activate(version=version, user=None)
    except ValidationError as error:
        messages = "; ".join(str(m) for m in error.messages)
        raise TrainingError(messages) from None
    return version


def compare_files(champion: str | Path, challenger: str | Path, *, data: str | Path,
                  target: str, bad: str | None = None) -> dict[str, object]:
    """Champion vs challenger (two card files) on the same labelled CSV file."""
    card_a, card_b = load_card(champion), load_card(challenger)
    rows, _codec = read_table(data)
    bad_value = _bad_value(rows, target, bad)
    columns, flags = table_to_columns(rows, target, bad_value)
    prepared, _categorical = prepare_columns(columns)
    return compare_models(card_a, card_b, prepared, flags)
