"""The portfolio's yearly bad rate under the default definition, with and without thresholds.

Reads the whole ledger once (``defaults.ledger_rows``) and computes the outcomes of every
customer invoiced by the window start, for the configured definition and for looser and
stricter thresholds; also the rate among customers on the blacklist (the demo blacklists the
customers it makes default) and among the others.

    CREDO_VAR_DIR=/tmp/credo-calib-50 python bench/default_rate.py [--start 2025-11-30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credo.settings.dev")
django.setup()

import numpy as np  # noqa: E402

from credo.decisions.models import ListEntry  # noqa: E402
from credo.rating.defaults import (  # noqa: E402
    DefaultDefinition,
    compute_outcomes,
    configured_definition,
    day_number,
    ledger_rows,
)
from credo.receivables.metrics import add_months  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 11, 30))
    args = parser.parse_args()
    configured = configured_definition()
    end = add_months(args.start, configured.months)
    clock = time.perf_counter()
    rows = ledger_rows(start=args.start, end=end)
    print(f"ledger read in {time.perf_counter() - clock:.1f} s: {len(rows.instalment_ids):,} "
          f"items, {len(rows.allocation_day):,} allocations, {len(rows.write_off_day):,} "
          f"write-offs")
    population = np.unique(rows.customer_ids[rows.invoiced <= day_number(args.start)])
    blacklisted = set(ListEntry.objects.filter(list_kind="blacklist")
                      .values_list("customer_id", flat=True))
    for amount, share in ((0, 0), (configured.min_amount, configured.min_share),
                          (5000, Decimal("0.05")), (10000, Decimal("0.1"))):
        definition = DefaultDefinition(days=configured.days, months=configured.months,
                                       min_amount=Decimal(amount), min_share=Decimal(share))
        outcomes = compute_outcomes(population=population, rows=rows,
                                    start=day_number(args.start), end=day_number(end),
                                    definition=definition)
        kept = ~outcomes.in_default_at_start
        bad = outcomes.defaulted[kept]
        black = np.array([int(i) in blacklisted for i in population[kept]], dtype=bool)
        print(f"from {amount} and {Decimal(share) * 100:.0f} %: {len(population):,} customers, "
              f"{int((~kept).sum()):,} in default at the start, bad rate "
              f"{bad.mean():.4f}; blacklisted {black.sum():,} ({bad[black].mean():.4f} bad), "
              f"others {bad[~black].mean():.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
