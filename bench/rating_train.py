"""Training time of a statistical scorecard on 100,000 rows.

Rows: credo's own history on the benchmark database (``training.history_table``: the 34
features of every invoiced customer as of T0 = as-of - 12 months, computed by the batch engine,
and the 90dpd12m default flag from the ledger), resampled with replacement to ``--rows`` rows
(numeric features jittered by +-1 % so the resample is not a set of exact duplicates). The
timed part is ``training.train_columns``: the 70/30 split, monotone binning + WOE of every
feature, logistic regression, points, and the validation reports.

Usage (reads only):

    CREDO_VAR_DIR=/tmp/credo-bench-20000-50 python bench/rating_train.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credo.settings.dev")
os.environ.setdefault("DEBUG", "false")
django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402

from credo.demo.generator import DEFAULT_AS_OF  # noqa: E402
from credo.rating import batch, training  # noqa: E402
from credo.rating.engine.features import FEATURE_DEFINITIONS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", default=str(Path(settings.VAR_DIR) / "rating_train.json"))
    args = parser.parse_args()

    clock = time.perf_counter()
    columns, flags, source = training.history_table(as_of=args.as_of)
    history_seconds = time.perf_counter() - clock
    print(f"history table: {len(flags):,} customers, {int(flags.sum()):,} bad, "
          f"{history_seconds:.1f} s", flush=True)

    rng = np.random.default_rng(7)
    picks = rng.integers(0, len(flags), size=args.rows)
    jitter = rng.uniform(0.99, 1.01, size=args.rows)
    rows: dict[str, object] = {}
    for key, values in columns.items():
        if len({v for v in values if v is not None}) <= 1:
            continue  # constant features carry nothing (e.g. Altman without retained earnings)
        if key in batch.CATEGORICAL:
            array = np.asarray(values, dtype=object)[picks]
            rows[key] = list(array)
        else:
            numbers = np.asarray([np.nan if v is None else v for v in values], dtype=float)
            rows[key] = numbers[picks] * jitter
    y = flags[picks]
    categorical = [k for k in rows if k in batch.CATEGORICAL]
    dimensions = {k: FEATURE_DEFINITIONS[k].dimension.value for k in rows}
    clock = time.perf_counter()
    result = training.train_columns(rows, y, key="bench", categorical=categorical,
                                    dimensions=dimensions)
    train_seconds = time.perf_counter() - clock
    figures = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": source, "history_table_seconds": round(history_seconds, 2),
        "rows": args.rows, "bad_rate": round(float(y.mean()), 4), "features": len(rows),
        "factors_kept": len(result.model.features),
        "train_and_validate_seconds": round(train_seconds, 2),
        "holdout_auc": round(result.validation.auc, 4),
        "development_auc": round(result.development.auc, 4),
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end",
    }
    Path(args.out).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
