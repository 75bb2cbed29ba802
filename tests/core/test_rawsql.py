"""credo.core.rawsql: refreshing planner statistics that say "empty" before the batch reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from credo.core import rawsql
from credo.receivables.models import Invoice
from tests.rating.conftest import invoice

pytestmark = pytest.mark.django_db


def _reltuples(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s",
                       [model._meta.db_table])
        return float(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL statistics")
def test_statistics_taken_while_empty_are_refreshed(make_customer):
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {rawsql.table(Invoice)}")  # the table is empty here
    assert _reltuples(Invoice) <= 0
    customer = make_customer()
    for day in range(1, 30):
        invoice(customer, "100", dt.date(2024, 1, day))
    assert rawsql.refresh_stale_statistics([Invoice]) == [Invoice._meta.db_table]
    # ANALYZE saw the transaction's own rows: the planner now knows the table is not empty,
    # and the next call finds nothing stale.
    assert _reltuples(Invoice) >= 29
    assert rawsql.refresh_stale_statistics([Invoice]) == []


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has nothing to refresh")
def test_sqlite_has_nothing_to_refresh():
    assert rawsql.refresh_stale_statistics([Invoice]) == []
