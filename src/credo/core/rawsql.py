"""Helpers for the few hand-written SQL statements (reports, the credit check's reads).

Names come from the models' metadata, quoted for the active backend; values are converted the
same way on SQLite (text dates, int/float sums, JSON as text) and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db import connection

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type) -> str:
    """The quoted table name of ``model``."""
    return quote(model._meta.db_table)  # type: ignore[attr-defined]


def column(model: type, field_name: str) -> str:
    """The quoted column name of ``model.field_name``."""
    return quote(model._meta.get_field(field_name).column)  # type: ignore[attr-defined]


def money(value: object) -> Decimal:
    """Exact cents: SQLite returns sums of decimal columns as int/float, PostgreSQL Decimal."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT)


def date(value: object) -> dt.date | None:
    """A date column or aggregate: SQLite hands back text."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def json_value(value: object) -> Any:
    """A JSON column read by raw SQL (text on both backends under Django)."""
    if isinstance(value, (str, bytes, bytearray)):
        return json.loads(value)
    return value
