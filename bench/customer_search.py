"""Customer-list search: the semi-join selector vs. the join + DISTINCT formulation it replaced.

Both run in the same process on the same database, so the ratio is what counts. Usage:

    CREDO_VAR_DIR=/tmp/bench-100k python bench/customer_search.py [--repeat 5]

(expects a database loaded with `credo demo --customers N`; `bench/run.py` prepares one.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credo.settings.dev")
os.environ.setdefault("DEBUG", "false")  # DEBUG keeps every SQL statement: not a served setup
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Q  # noqa: E402

from credo.customers.models import Customer  # noqa: E402
from credo.customers.selectors import customer_list  # noqa: E402

TERMS = {"name": "恒达", "phone digits": "138", "customer number": "C00050000"}


def joined_baseline(user, term: str):
    """The first formulation: one OR over joined tables, de-duplicated by a sub-select."""
    q = (
        Q(name_zh__icontains=term) | Q(name_en__icontains=term) | Q(code__iexact=term)
        | Q(uscc__iexact=term.upper()) | Q(aliases__name__icontains=term)
        | Q(contacts__phone__contains=term) | Q(contacts__mobile__contains=term)
        | Q(phone__contains=term) | Q(external_ids__external_id__iexact=term)
    )
    return (
        Customer.objects.restrict(user)
        .filter(pk__in=Customer.objects.filter(q).values("pk"))
        .order_by("code", "pk")
    )


def first_page(qs) -> tuple[int, list[int]]:
    return qs.count(), [c.pk for c in qs[:25]]


def timed(fn, repeat: int) -> tuple[float, tuple[int, list[int]]]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    user = get_user_model().objects.get(username="demo")
    rows = []
    for label, term in TERMS.items():
        base_s, base_result = timed(lambda t=term: first_page(joined_baseline(user, t)), args.repeat)
        new_s, new_result = timed(
            lambda t=term: first_page(customer_list(user=user, search=t)), args.repeat
        )
        assert base_result == new_result, f"results differ for {term!r}"
        rows.append(
            {"search": label, "term": term, "matches": new_result[0],
             "selector_ms": round(new_s * 1000, 1), "baseline_ms": round(base_s * 1000, 1),
             "speed-up": round(base_s / new_s, 2)}
        )
    print(json.dumps({"customers": Customer.objects.count(), "rows": rows}, ensure_ascii=False,
                     indent=1))


if __name__ == "__main__":
    main()
