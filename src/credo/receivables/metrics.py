"""Collection metrics: pure functions over Decimal figures (no Django, no database).

Every function takes plain figures (amounts in the company currency, dates) and returns a
``Decimal`` rounded for display, or ``None`` when the metric is undefined (for instance a DSO
without credit sales). ``reports.py`` reads the figures from the ledger; the definitions, the
CEI variant and the payment-index anchors are documented in ``docs/receivables-metrics.md``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")
DAYS_PLACES = Decimal("0.01")
PERCENT_PLACES = Decimal("0.01")
INDEX_PLACES = Decimal("1")

# Payment index anchors: (days beyond due date, index). Negative days = paid early.
# 100 = paid 30 or more days early, 80 = on the due date, 50 = 30 days late, 20 = 120 days late;
# linear in between. Past 120 days the 30->120 slope (1 point per 3 days) continues down to the
# floor of 1, reached at 177 days late.
PAYMENT_INDEX_ANCHORS: tuple[tuple[int, int], ...] = ((-30, 100), (0, 80), (30, 50), (120, 20))
PAYMENT_INDEX_FLOOR = Decimal("1")
PAYMENT_INDEX_CEILING = Decimal("100")


def _round(value: Decimal, places: Decimal = DAYS_PLACES) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- calendar helpers


def month_start(day: date) -> date:
    """First day of the month of ``day``."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """Last day of the month of ``day``."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (day clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def trailing_months(until: date, count: int = 12) -> list[tuple[date, date]]:
    """The ``count`` calendar months ending with the month of ``until``, oldest first.

    The last month ends on ``until`` itself (a month to date when ``until`` is not a month end).
    """
    months: list[tuple[date, date]] = []
    for back in range(count - 1, -1, -1):
        start = month_start(add_months(month_start(until), -back))
        end = until if back == 0 else month_end(start)
        months.append((start, end))
    return months


def days_in_period(start: date, end: date) -> int:
    """Number of days from ``start`` to ``end``, both included."""
    return (end - start).days + 1


# --------------------------------------------------------------------------- DSO family


def simple_dso(*, receivables: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """Simple DSO = closing receivables / credit sales of the period x days of the period.

    ``None`` without credit sales (the ratio is undefined); 0 when nothing is owed.
    """
    if credit_sales <= ZERO:
        return None
    return _round(receivables / credit_sales * days)


def best_possible_dso(
    *, current_receivables: Decimal, credit_sales: Decimal, days: int
) -> Decimal | None:
    """Best possible DSO = current (not yet due) receivables / credit sales x days."""
    if credit_sales <= ZERO:
        return None
    return _round(current_receivables / credit_sales * days)


def average_days_delinquent(
    *, dso: Decimal | None, best_possible: Decimal | None
) -> Decimal | None:
    """Average days delinquent (ADD) = DSO - best possible DSO (same period, same sales)."""
    if dso is None or best_possible is None:
        return None
    return _round(dso - best_possible)


@dataclass(frozen=True)
class MonthSales:
    """Credit sales of one calendar month (or month to date) and its number of days."""

    days: int
    credit_sales: Decimal


def countback_dso(
    *, receivables: Decimal, months_newest_first: Sequence[MonthSales]
) -> Decimal | None:
    """Countback DSO: walk back month by month until the receivable is used up.

    Starting from the newest month, each month whose credit sales are fully covered by the
    remaining receivable adds all its days and its sales are subtracted; the month that is only
    partly covered adds ``remaining / sales x days`` and the walk stops. When the history runs out
    before the receivable is used up, the rest is converted to days at the average daily sales of
    the whole history (``None`` when there were no sales at all).
    """
    remaining = receivables
    if remaining <= ZERO:
        return _round(ZERO)
    total_days = Decimal(0)
    for month in months_newest_first:
        if remaining <= month.credit_sales:
            return _round(total_days + remaining / month.credit_sales * month.days)
        remaining -= month.credit_sales
        total_days += month.days
    history_days = sum(month.days for month in months_newest_first)
    history_sales = sum((month.credit_sales for month in months_newest_first), ZERO)
    if history_sales <= ZERO:
        return None
    return _round(total_days + remaining / (history_sales / history_days))


def collection_effectiveness_index(
    *,
    opening_receivables: Decimal,
    credit_sales: Decimal,
    closing_receivables: Decimal,
    closing_current_receivables: Decimal,
) -> Decimal | None:
    """CEI in percent (the variant of the issue, see the docs).

    CEI = (opening AR + credit sales - closing total AR)
          / (opening AR + credit sales - closing current AR) x 100

    The numerator is what was collected (or otherwise cleared) in the period; the denominator is
    what could have been collected: everything owed except what is still not due at the end.
    ``None`` when nothing was collectible (denominator zero or negative).
    """
    collectible = opening_receivables + credit_sales - closing_current_receivables
    if collectible <= ZERO:
        return None
    collected = opening_receivables + credit_sales - closing_receivables
    return _round(collected / collectible * HUNDRED, PERCENT_PLACES)


# --------------------------------------------------------------------------- payment behaviour


@dataclass(frozen=True)
class PaidAmount:
    """An amount settled against an open item: how much, when it was due, when it was paid."""

    amount: Decimal
    due_date: date
    paid_date: date

    @property
    def days_late(self) -> int:
        """Days beyond terms; negative when paid early."""
        return (self.paid_date - self.due_date).days


def _paid_total(paid: Sequence[PaidAmount]) -> Decimal:
    return sum((item.amount for item in paid), ZERO)


def average_days_beyond_terms(paid: Iterable[PaidAmount]) -> Decimal | None:
    """Average days beyond terms weighted by amount; early or on-time payments count as 0.

    sum(amount x max(0, paid - due)) / sum(amount); ``None`` when nothing was paid.
    """
    items = [item for item in paid if item.amount > ZERO]
    total = _paid_total(items)
    if total <= ZERO:
        return None
    weighted = sum((item.amount * max(0, item.days_late) for item in items), ZERO)
    return _round(weighted / total)


def share_paid_on_time(paid: Iterable[PaidAmount]) -> Decimal | None:
    """Percentage of the paid amount that was paid on or before its due date."""
    items = [item for item in paid if item.amount > ZERO]
    total = _paid_total(items)
    if total <= ZERO:
        return None
    on_time = sum((item.amount for item in items if item.days_late <= 0), ZERO)
    return _round(on_time / total * HUNDRED, PERCENT_PLACES)


def maximum_days_past_due(
    *, paid: Iterable[PaidAmount] = (), open_overdue_days: Iterable[int] = ()
) -> int | None:
    """The longest delay seen: paid items' days late and open items' days overdue.

    Returns 0 when everything was paid on time and nothing is overdue, ``None`` without any data.
    """
    delays = [item.days_late for item in paid if item.amount > ZERO]
    delays.extend(open_overdue_days)
    if not delays:
        return None
    return max(0, max(delays))


def payment_index_for_days(days_late: int) -> Decimal:
    """Index (1-100) of one payment made ``days_late`` days after its due date.

    Linear between the anchors (-30, 100), (0, 80), (30, 50), (120, 20); flat at 100 when paid
    more than 30 days early; past 120 days the last slope continues down to the floor of 1.
    """
    anchors = PAYMENT_INDEX_ANCHORS
    if days_late <= anchors[0][0]:
        return PAYMENT_INDEX_CEILING
    for (left_days, left_index), (right_days, right_index) in zip(
        anchors, anchors[1:], strict=False
    ):
        if days_late <= right_days:
            slope = Decimal(right_index - left_index) / Decimal(right_days - left_days)
            return left_index + slope * (days_late - left_days)
    (left_days, left_index), (right_days, right_index) = anchors[-2], anchors[-1]
    slope = Decimal(right_index - left_index) / Decimal(right_days - left_days)
    return max(PAYMENT_INDEX_FLOOR, right_index + slope * (days_late - right_days))


def payment_index(paid: Iterable[PaidAmount]) -> Decimal | None:
    """Amount-weighted average of each paid amount's index, rounded to a whole number (1-100)."""
    items = [item for item in paid if item.amount > ZERO]
    total = _paid_total(items)
    if total <= ZERO:
        return None
    weighted = sum((item.amount * payment_index_for_days(item.days_late) for item in items), ZERO)
    return _round(weighted / total, INDEX_PLACES)


# --------------------------------------------------------------------------- period bundle


@dataclass(frozen=True)
class PeriodFigures:
    """Ledger figures of one period, in the company currency.

    ``history_newest_first`` holds the monthly credit sales used by the countback DSO, starting
    with the period's last month and going back as far as the reader looked (at least the period).
    """

    start: date
    end: date
    opening_receivables: Decimal
    credit_sales: Decimal
    closing_receivables: Decimal
    closing_current_receivables: Decimal
    history_newest_first: Sequence[MonthSales] = ()
    paid: Sequence[PaidAmount] = ()
    open_overdue_days: Sequence[int] = ()

    @property
    def days(self) -> int:
        return days_in_period(self.start, self.end)


@dataclass(frozen=True)
class CollectionMetrics:
    """All metrics of one period; ``None`` where a metric is undefined."""

    start: date
    end: date
    days: int
    opening_receivables: Decimal
    credit_sales: Decimal
    closing_receivables: Decimal
    closing_current_receivables: Decimal
    dso: Decimal | None
    countback_dso: Decimal | None
    best_possible_dso: Decimal | None
    average_days_delinquent: Decimal | None
    cei: Decimal | None
    average_days_beyond_terms: Decimal | None
    share_paid_on_time: Decimal | None
    maximum_days_past_due: int | None
    payment_index: Decimal | None
    paid_amount: Decimal = field(default=ZERO)

    METRIC_NAMES = (
        "dso",
        "countback_dso",
        "best_possible_dso",
        "average_days_delinquent",
        "cei",
        "average_days_beyond_terms",
        "share_paid_on_time",
        "maximum_days_past_due",
        "payment_index",
    )


def period_metrics(figures: PeriodFigures) -> CollectionMetrics:
    """Every metric of one period from its figures."""
    days = figures.days
    dso = simple_dso(
        receivables=figures.closing_receivables, credit_sales=figures.credit_sales, days=days
    )
    bpdso = best_possible_dso(
        current_receivables=figures.closing_current_receivables,
        credit_sales=figures.credit_sales,
        days=days,
    )
    history = list(figures.history_newest_first) or [MonthSales(days, figures.credit_sales)]
    return CollectionMetrics(
        start=figures.start,
        end=figures.end,
        days=days,
        opening_receivables=figures.opening_receivables,
        credit_sales=figures.credit_sales,
        closing_receivables=figures.closing_receivables,
        closing_current_receivables=figures.closing_current_receivables,
        dso=dso,
        countback_dso=countback_dso(
            receivables=figures.closing_receivables, months_newest_first=history
        ),
        best_possible_dso=bpdso,
        average_days_delinquent=average_days_delinquent(dso=dso, best_possible=bpdso),
        cei=collection_effectiveness_index(
            opening_receivables=figures.opening_receivables,
            credit_sales=figures.credit_sales,
            closing_receivables=figures.closing_receivables,
            closing_current_receivables=figures.closing_current_receivables,
        ),
        average_days_beyond_terms=average_days_beyond_terms(figures.paid),
        share_paid_on_time=share_paid_on_time(figures.paid),
        maximum_days_past_due=maximum_days_past_due(
            paid=figures.paid, open_overdue_days=figures.open_overdue_days
        ),
        payment_index=payment_index(figures.paid),
        paid_amount=_paid_total([item for item in figures.paid if item.amount > ZERO]),
    )


def previous_day(day: date) -> date:
    """The day before ``day`` (the opening balance of a period is the closing of that day)."""
    return day - timedelta(days=1)
