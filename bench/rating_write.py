"""The batch rating's write step on one chunk, timed apart from the rest and rolled back.

Scores one chunk of customers (default: the 5,000 after the first 20,000) as ``credo rating run``
does, then writes it twice inside transactions that are rolled back, timing the whole write and
the part spent moving the open credit reviews (``batch.reviews_schedule_bulk``). Meaningful on a
database whose customers already have ratings and open reviews (a rated demo).

    CREDO_VAR_DIR=/tmp/credo-bench-1m-10 python bench/rating_write.py [--skip 20000] [--size 5000]
    DATABASE_URL=postgres://…/credo python bench/rating_write.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credo.settings.dev")
django.setup()

import numpy as np  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from credo.customers.models import Customer  # noqa: E402
from credo.rating import batch  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip", type=int, default=20_000)
    parser.add_argument("--size", type=int, default=batch.DEFAULT_BATCH_SIZE)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 30))
    args = parser.parse_args()

    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True)
               [args.skip:args.skip + args.size])
    cards = batch.active_cards()
    data = batch.extract(ids, as_of=args.as_of)
    features = batch.compute_features(data)
    sections = data.customers.column("section").to_pylist()
    sizes = [s or None for s in data.customers.column("size_class").to_pylist()]
    chosen = batch.choose_cards(features, sections, sizes, cards)
    scored = batch.score_features(features, chosen, cards)
    rows = np.flatnonzero(chosen >= 0)
    json_bytes = [len(scored.features_json[r]) + len(scored.reasons_json[r])
                  + len(scored.contributions_json[r]) for r in rows]

    moving = batch.reviews_schedule_bulk
    spent: dict[str, float] = {}

    def timed_reviews(customer_ids):
        clock = time.perf_counter()
        written = moving(customer_ids)
        spent["reviews"] = time.perf_counter() - clock
        return written

    batch.reviews_schedule_bulk = timed_reviews
    for attempt in (1, 2):
        with transaction.atomic():
            clock = time.perf_counter()
            batch.ratings_write(scored, rows=rows, cards=cards, as_of=args.as_of)
            total = time.perf_counter() - clock
            transaction.set_rollback(True)
        print(f"{connection.vendor} write #{attempt} of {len(rows):,} ratings: {total:.2f} s, "
              f"of which moving the reviews {spent['reviews']:.2f} s; JSON per rating "
              f"{sum(json_bytes) / max(len(json_bytes), 1) / 1000:.1f} kB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
