"""Batch rating end to end from the app database, with a pandas row-wise baseline.

1. ``credo.rating.batch`` rates every customer as of the demo date: extract (SQL -> Arrow),
   features (DuckDB + numpy), scoring (``score_rows`` per card, grades, PD, reasons, JSON built
   by DuckDB), write (bulk insert, one commit per chunk). The run's own timers give the
   breakdown; the wall-clock time includes everything.
2. Baseline on a sample: the SAME extracted Arrow data turned into a pandas DataFrame with one
   row per customer (its statements, references, records and paid amounts as lists), then
   ``DataFrame.apply`` of the per-customer engine functions (receivables.metrics for the payment
   figures, ``engine.features.compute_features``, ``Scorecard.score``, grade) on each row.
   Amount conversions are shared (done before), so the ratio compares features + scoring per
   customer. The baseline's scores are checked against the batch's.

Usage (writes ratings: use a copy of the benchmark database):

    CREDO_VAR_DIR=/tmp/credo-rating-bench python bench/rating_batch.py [--sample 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credo.settings.dev")
os.environ.setdefault("DEBUG", "false")
django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from credo.customers.models import Customer  # noqa: E402
from credo.demo.generator import DEFAULT_AS_OF  # noqa: E402
from credo.rating import batch  # noqa: E402
from credo.rating.engine.features import (  # noqa: E402
    BankRelationInput,
    FeatureInputs,
    PaymentBehaviourInput,
    PublicRecordInput,
    RegistrationInput,
    TradeReferenceInput,
    compute_features,
)
from credo.rating.engine.ratios import StatementFigures  # noqa: E402
from credo.rating.engine.scorecard import select_scorecard  # noqa: E402
from credo.receivables.metrics import (  # noqa: E402
    PaidAmount,
    add_months,
    average_days_beyond_terms,
    maximum_days_past_due,
    payment_index,
)
from credo.receivables.models import InvoiceInstalment  # noqa: E402


def baseline(data: batch.Extract, cards: list[batch.CardInfo]) -> tuple[pd.DataFrame, float]:
    """Row-wise: one DataFrame row per customer, engine functions per row via apply."""
    from decimal import Decimal

    as_of = data.as_of
    fx = batch.FxTable(data.fx)
    # Shared conversions (vectorised, same as the batch): statement lines, record amounts.
    st = data.statements
    unit = np.array([batch.UNIT_MULTIPLIER.get(u, 1) for u in st.column("unit").to_pylist()])
    st_days = batch._days(st.column("period_end"))
    st_frame = st.select(["customer_id", "period_end", "period_type"]).to_pandas()
    for line in batch.STATEMENT_LINES:
        st_frame[line] = fx.yuan(batch._floats(st.column(line)), st.column("currency").to_pylist(),
                                 st_days, unit)[0]
    br, pr = data.bank_relations, data.public_records
    br_frame = br.to_pandas()
    br_frame["amount"] = np.nan_to_num(fx.yuan(batch._floats(br.column("amount_cents")),
                                               br.column("currency").to_pylist(),
                                               batch._days(br.column("as_of")))[0])
    pr_frame = pr.to_pandas()
    pr_frame["amount"] = fx.yuan(batch._floats(pr.column("amount_cents")),
                                 pr.column("currency").to_pylist(),
                                 batch._days(pr.column("as_of")))[0]
    cu = data.customers.to_pandas()
    cu["registered"] = fx.yuan(batch._floats(data.customers.column("registered_cents")),
                               cu["registered_currency"].tolist(),
                               np.full(len(cu), batch._day_number(as_of)))[0]
    cu["paid_in"] = fx.yuan(batch._floats(data.customers.column("paid_in_cents")),
                            cu["paid_in_currency"].tolist(),
                            np.full(len(cu), batch._day_number(as_of)))[0]

    started = time.perf_counter()
    frame = cu.set_index("customer_id")
    groups = {
        "statements": st_frame.groupby("customer_id"),
        "trade": data.trade_references.to_pandas().groupby("customer_id"),
        "bank": br_frame.groupby("customer_id"),
        "public": pr_frame.groupby("customer_id"),
        "paid": data.paid.to_pandas().groupby("customer_id"),
    }
    invoiced = set(data.invoiced.column("customer_id").to_pylist())
    balances = data.balances.to_pandas().set_index("customer_id")
    start = add_months(as_of, -12) + dt.timedelta(days=1)
    engine_cards = [c.card for c in cards]
    by_identity = {(c.card.key, c.card.version): c for c in cards}

    def rows(name, customer_id):
        group = groups[name]
        return group.get_group(customer_id) if customer_id in group.groups else None

    def nan_none(value):
        return None if value is None or value != value else value

    def rate(row):
        cid = row.name
        statements = []
        frame_st = rows("statements", cid)
        if frame_st is not None:
            for s in frame_st.itertuples():
                statements.append(StatementFigures(
                    period_end=s.period_end, months=batch.STATEMENT_MONTHS.get(s.period_type, 12),
                    **{line: nan_none(getattr(s, line)) for line in batch.STATEMENT_LINES}))
        payment = None
        if cid in invoiced:
            paid = rows("paid", cid)
            items = [] if paid is None else [
                PaidAmount(Decimal(str(round(p.sum_amount, 2))), p.due, p.paid)
                for p in paid.itertuples()]
            now = [p for p in items if p.paid_date >= start]
            before = [p for p in items if p.paid_date < start]
            balance = balances.loc[cid] if cid in balances.index else None
            total = 0.0 if balance is None else round(float(balance.sum_total), 2)
            current = 0.0 if balance is None else round(float(balance.sum_current), 2)
            oldest = None if balance is None or balance.oldest_due is None else (
                as_of - balance.oldest_due).days
            payment = PaymentBehaviourInput(
                days_beyond_terms=average_days_beyond_terms(now),
                payment_index=payment_index(now),
                overdue_amount=round(total - current, 2), open_receivables=total,
                max_days_past_due=maximum_days_past_due(
                    paid=now, open_overdue_days=[] if oldest is None else [oldest]),
                payment_index_year_ago=payment_index(before), as_of=as_of)
        trade = rows("trade", cid)
        bank = rows("bank", cid)
        public = rows("public", cid)
        inputs = FeatureInputs(
            registration=RegistrationInput(
                founded=nan_none(row.founded), registered_capital=nan_none(row.registered),
                paid_in_capital=nan_none(row.paid_in), legal_form=row.legal_form or None,
                listed=False, industry_section=row.section, size_class=row.size_class or None,
                employees=None if row.employees != row.employees or row.employees is None
                else int(row.employees)),
            statements=statements, payment=payment,
            trade_references=[] if trade is None else [
                TradeReferenceInput(t.experience, None,
                                    None if t.days != t.days or t.days is None else int(t.days),
                                    t.as_of) for t in trade.itertuples()],
            bank_relations=[] if bank is None else [
                BankRelationInput(int(b.overdue_count), b.amount, "unknown", b.as_of)
                for b in bank.itertuples()],
            public_records=[] if public is None else [
                PublicRecordInput(p.kind, p.role, nan_none(p.amount), p.status,
                                  nan_none(p.event_date), p.as_of) for p in public.itertuples()],
        )
        features = compute_features(inputs, as_of=as_of)
        size = features["size_class"].value
        card = select_scorecard(engine_cards, industry_section=row.section,
                                size_class=size if isinstance(size, str) else None)
        info = by_identity[(card.key, card.version)]
        result = card.score(features.values())
        grade = info.scale.grade_for_score(round(result.score, 2)).code
        return pd.Series({"score": result.score, "grade": grade,
                          "reasons": [c.key for c in result.top_reasons(5)]})

    result = frame.apply(rate, axis=1)
    return result, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--out", default=str(Path(settings.VAR_DIR) / "rating_batch.json"))
    args = parser.parse_args()
    customers = Customer.objects.count()
    items = InvoiceInstalment.objects.count()
    print(f"{customers:,} customers, {items:,} open items, as of {args.as_of}", flush=True)

    def progress(done, total, seconds):
        sys.stderr.write(f"\r  {done:,}/{total:,} customers {seconds:7.1f} s")
        sys.stderr.flush()

    started = time.perf_counter()
    state = batch.run_start(scope={"all": True}, as_of=args.as_of, batch_size=args.batch_size)
    state = batch.run_continue(state, progress=progress)
    wall = time.perf_counter() - started
    sys.stderr.write("\n")
    print(f"batch: {state.rated:,} rated in {wall:.1f} s ({state.rated / wall:,.0f}/s); "
          f"breakdown {state.seconds}", flush=True)

    # Baseline on a sample: same extraction, then row-wise engine functions.
    ids = sorted(Customer.objects.order_by("pk").values_list("pk", flat=True))
    rng = np.random.default_rng(1)
    sample = sorted(int(i) for i in rng.choice(ids, size=min(args.sample, len(ids)),
                                               replace=False))
    cards = batch.active_cards()
    clock = time.perf_counter()
    data = batch.extract(sample, as_of=args.as_of)
    extract_seconds = time.perf_counter() - clock
    clock = time.perf_counter()
    features = batch.compute_features(data)
    chosen = batch.choose_cards(features, data.customers.column("section").to_pylist(),
                                [s or None for s in data.customers.column("size_class").to_pylist()],
                                cards)
    scored = batch.score_features(features, chosen, cards)
    vector_seconds = time.perf_counter() - clock
    rows, row_seconds = baseline(data, cards)
    same = int(np.sum(np.isclose(rows["score"].to_numpy(dtype=float), scored.raw_scores,
                                 atol=1e-6)))
    same_grade = int(np.sum(rows["grade"].to_numpy() == np.array(scored.grades)))
    n = len(sample)
    figures = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor, "customers": customers, "open_items": items,
        "as_of": args.as_of.isoformat(), "batch_size": args.batch_size,
        "batch": {"rated": state.rated, "wall_seconds": round(wall, 2),
                  "per_second": round(state.rated / wall, 1), "breakdown_seconds": state.seconds,
                  "skipped": state.skipped, "run_id": state.run_id},
        "baseline_sample": {
            "customers": n, "extract_seconds": round(extract_seconds, 3),
            "vectorised_features_scoring_seconds": round(vector_seconds, 3),
            "pandas_rowwise_seconds": round(row_seconds, 3),
            "vectorised_ms_per_customer": round(1000 * vector_seconds / n, 4),
            "rowwise_ms_per_customer": round(1000 * row_seconds / n, 4),
            "ratio_rowwise_over_vectorised": round(row_seconds / vector_seconds, 1),
            "same_score": same, "same_grade": same_grade,
        },
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end",
    }
    Path(args.out).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
