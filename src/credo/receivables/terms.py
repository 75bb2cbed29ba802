"""Due dates from payment terms. Pure Python (no Django): unit-testable and usable in batch jobs.

Kinds:
- ``net``: one due date, ``days`` after the invoice date;
- ``eom``: one due date, ``days`` after the last day of the invoice month (EOM+N);
- ``instalments``: several due dates, each ``days`` after the invoice date, with a percentage of
  the amount; the rounding remainder goes on the last instalment so the parts sum exactly.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def end_of_month(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def instalment_problems(instalments: Sequence[Any]) -> list[str]:
    """Return the problems of an instalment list as message keys (empty list = valid).

    Keys: ``empty``, ``shape``, ``percent``, ``days``, ``sum``, ``order``.
    """
    if not instalments:
        return ["empty"]
    problems: list[str] = []
    total = Decimal("0")
    previous_days = -1
    for item in instalments:
        if not isinstance(item, dict) or set(item) != {"percent", "days"}:
            return ["shape"]
        try:
            percent = Decimal(str(item["percent"]))
        except (InvalidOperation, ValueError):
            return ["percent"]
        if not percent.is_finite() or percent <= 0 or percent > HUNDRED:
            problems.append("percent")
        days = item["days"]
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            problems.append("days")
        elif days < previous_days:
            problems.append("order")
        else:
            previous_days = days
        total += percent if percent.is_finite() else 0
    if "percent" not in problems and total != HUNDRED:
        problems.append("sum")
    return sorted(set(problems))


def instalment_schedule(
    *,
    kind: str,
    days: int,
    instalments: Sequence[dict[str, Any]] | None,
    invoice_date: dt.date,
    amount: Decimal,
) -> list[tuple[dt.date, Decimal]]:
    """Due dates and amounts of an invoice; amounts sum exactly to ``amount``."""
    if kind == "net":
        return [(invoice_date + dt.timedelta(days=days), amount)]
    if kind == "eom":
        return [(end_of_month(invoice_date) + dt.timedelta(days=days), amount)]
    if kind != "instalments":
        raise ValueError(f"unknown payment terms kind {kind!r}")
    if instalment_problems(instalments or []):
        raise ValueError("invalid instalments")
    assert instalments is not None
    schedule: list[tuple[dt.date, Decimal]] = []
    allocated = Decimal("0")
    for index, item in enumerate(instalments):
        due = invoice_date + dt.timedelta(days=int(item["days"]))
        if index == len(instalments) - 1:
            part = amount - allocated
        else:
            part = (amount * Decimal(str(item["percent"])) / HUNDRED).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
        allocated += part
        schedule.append((due, part))
    return schedule
