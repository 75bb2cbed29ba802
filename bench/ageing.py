"""Portfolio ageing as of a date: `reports.ageing_report` vs. a bare DuckDB scan of the same columns.

``ageing_report(as_of=..., by="portfolio")`` reconstructs every open item's open and disputed
amount on the day from the ledger (instalments, allocations, write-offs, disputes) in the
application database. The baseline exports those columns once to Parquet (not timed) and then
times a DuckDB group-by computing the same figures (amounts as integer cents). The totals of
both are compared to the cent. Usage:

    CREDO_VAR_DIR=/tmp/credo-bench-20000 python bench/ageing.py [--as-of 2026-06-30] [--repeat 3]

DuckDB and pyarrow are main dependencies (batch rating uses them too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credo.settings.dev")
os.environ.setdefault("DEBUG", "false")  # DEBUG keeps every SQL statement: not a served setup
django.setup()

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from django.db import connection  # noqa: E402

from credo.demo.generator import DEFAULT_AS_OF  # noqa: E402
from credo.receivables.models import (  # noqa: E402
    Allocation,
    Dispute,
    Invoice,
    InvoiceInstalment,
    WriteOff,
)
from credo.receivables.reports import BY_PORTFOLIO, ageing_report  # noqa: E402

EXPORTS = {
    "items": (
        "SELECT ii.id, i.customer_id, i.invoice_date, i.cancelled_on, ii.due_date, "
        "ii.amount_company FROM {items} ii JOIN {invoices} i ON i.id = ii.invoice_id",
        ["id", "customer_id", "invoice_date", "cancelled_on", "due_date", "amount"],
    ),
    "allocations": (
        "SELECT instalment_id, allocation_date, amount_company FROM {allocations}",
        ["instalment_id", "day", "amount"],
    ),
    "write_offs": (
        "SELECT instalment_id, write_off_date, amount_company FROM {write_offs}",
        ["instalment_id", "day", "amount"],
    ),
    "disputes": (
        "SELECT instalment_id, opened_on, resolved_on, amount_company FROM {disputes}",
        ["instalment_id", "opened_on", "resolved_on", "amount"],
    ),
}
DATE_COLUMNS = {"invoice_date", "cancelled_on", "due_date", "day", "opened_on", "resolved_on"}


def _cents(value) -> int:
    # SQLite hands decimals back as floats: round to the cent, then count cents exactly.
    return int((Decimal(str(value)) * 100).to_integral_value())


def export_parquet(directory: Path) -> dict[str, int]:
    """Write the ledger columns the ageing needs to Parquet; returns the row counts."""
    tables = {
        "items": connection.ops.quote_name(InvoiceInstalment._meta.db_table),
        "invoices": connection.ops.quote_name(Invoice._meta.db_table),
        "allocations": connection.ops.quote_name(Allocation._meta.db_table),
        "write_offs": connection.ops.quote_name(WriteOff._meta.db_table),
        "disputes": connection.ops.quote_name(Dispute._meta.db_table),
    }
    counts = {}
    for name, (sql, columns) in EXPORTS.items():
        values: list[list] = [[] for _ in columns]
        with connection.cursor() as cursor:
            cursor.execute(sql.format(**tables))
            while rows := cursor.fetchmany(100_000):
                for row in rows:
                    for position, value in enumerate(row):
                        values[position].append(value)
        arrays = []
        for column, data in zip(columns, values, strict=True):
            if column == "amount":
                arrays.append(pa.array([_cents(v) for v in data], pa.int64()))
            elif column in DATE_COLUMNS:
                parsed = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in data]
                arrays.append(pa.array(parsed, pa.date32()))
            else:
                arrays.append(pa.array(data, pa.int64()))
        pq.write_table(pa.table(arrays, names=columns), directory / f"{name}.parquet")
        counts[name] = len(values[0])
    return counts


DUCKDB_AGEING = """
WITH al AS (SELECT instalment_id, SUM(amount) AS a FROM '{d}/allocations.parquet'
            WHERE day <= $as_of GROUP BY instalment_id),
     wo AS (SELECT instalment_id, SUM(amount) AS w FROM '{d}/write_offs.parquet'
            WHERE day <= $as_of GROUP BY instalment_id),
     dp AS (SELECT instalment_id, SUM(amount) AS d FROM '{d}/disputes.parquet'
            WHERE opened_on <= $as_of AND (resolved_on IS NULL OR resolved_on > $as_of)
            GROUP BY instalment_id),
     open_items AS (
        SELECT it.due_date,
               it.amount - COALESCE(al.a, 0) - COALESCE(wo.w, 0) AS open_amount,
               COALESCE(dp.d, 0) AS disputed
        FROM '{d}/items.parquet' it
        LEFT JOIN al ON al.instalment_id = it.id
        LEFT JOIN wo ON wo.instalment_id = it.id
        LEFT JOIN dp ON dp.instalment_id = it.id
        WHERE it.invoice_date <= $as_of AND (it.cancelled_on IS NULL OR it.cancelled_on > $as_of)),
     capped AS (
        SELECT due_date, open_amount,
               CASE WHEN open_amount <= 0 OR disputed <= 0 THEN 0
                    WHEN disputed > open_amount THEN open_amount ELSE disputed END AS disputed,
               date_diff('day', due_date, $as_of) AS days_overdue
        FROM open_items WHERE open_amount <> 0)
SELECT
  SUM(CASE WHEN days_overdue <= 0 THEN open_amount - disputed ELSE 0 END),
  SUM(CASE WHEN days_overdue BETWEEN 1 AND 30 THEN open_amount - disputed ELSE 0 END),
  SUM(CASE WHEN days_overdue BETWEEN 31 AND 60 THEN open_amount - disputed ELSE 0 END),
  SUM(CASE WHEN days_overdue BETWEEN 61 AND 90 THEN open_amount - disputed ELSE 0 END),
  SUM(CASE WHEN days_overdue BETWEEN 91 AND 180 THEN open_amount - disputed ELSE 0 END),
  SUM(CASE WHEN days_overdue BETWEEN 181 AND 365 THEN open_amount - disputed ELSE 0 END),
  SUM(CASE WHEN days_overdue > 365 THEN open_amount - disputed ELSE 0 END),
  SUM(disputed), SUM(open_amount),
  SUM(CASE WHEN days_overdue > 0 THEN open_amount ELSE 0 END),
  COUNT(*)
FROM capped
"""


def timed(fn, repeat: int):
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", type=dt.date.fromisoformat,
                        default=DEFAULT_AS_OF - dt.timedelta(days=153))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    as_of = args.as_of

    report_s, report_samples, report = timed(
        lambda: ageing_report(as_of=as_of, by=BY_PORTFOLIO), args.repeat
    )
    with tempfile.TemporaryDirectory(prefix="credo-ageing-") as directory:
        start = time.perf_counter()
        counts = export_parquet(Path(directory))
        export_s = time.perf_counter() - start
        database = duckdb.connect()
        query = DUCKDB_AGEING.format(d=directory)
        database.execute(query, {"as_of": as_of}).fetchall()  # warm the file cache
        duck_s, duck_samples, duck = timed(
            lambda: database.execute(query, {"as_of": as_of}).fetchone(), args.repeat
        )
    total = report.total
    expected = [int(v * 100) for v in (
        *[total.buckets[key] for key in report.bucket_keys], total.disputed, total.total,
        total.overdue,
    )]
    assert list(duck[:10]) == expected, (duck, expected)
    print(json.dumps({
        "as_of": as_of.isoformat(),
        "open_items": counts["items"],
        "allocations": counts["allocations"],
        "write_offs": counts["write_offs"],
        "disputes": counts["disputes"],
        "items_open_on_the_day": duck[10],
        "total_open_company_currency": str(total.total),
        "ageing_report_s": round(report_s, 3),
        "ageing_report_samples_s": [round(s, 3) for s in report_samples],
        "duckdb_s": round(duck_s, 3),
        "duckdb_samples_s": [round(s, 3) for s in duck_samples],
        "ratio": round(report_s / duck_s, 1),
        "parquet_export_s_untimed": round(export_s, 1),
        "database": connection.vendor,
    }, indent=1))


if __name__ == "__main__":
    main()
