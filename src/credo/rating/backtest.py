"""Back-testing of the ratings against what happened afterwards.

* **Default rate by grade**: the customers rated as of the window start (their latest rating
  with ``as_of`` on or before it), and whether they defaulted in the ``months`` after it. A
  good rating system shows default rates rising from AAA to C.
* **Migration matrix**: each customer's grade as of two dates, counts and row shares.
* **Limit effectiveness**: of the customers with a limit in force at the window start, the
  share that defaulted, by grade, and their exposure at default against their limit.

Default: the one definition of ``credo.rating.defaults`` (also used to train from history):
more than ``days`` past due within ``months``, with materiality thresholds; a write-off is a
default on its day. Customers already in default at the window start are left out of the
population (counted in ``excluded_in_default``). The exposure at default is the customer's open
receivables on its first default day.

Reading the rows is one query per table; the computation is NumPy over the extracted arrays
(dates as day numbers, money in cents), no Python loop per item. Results are frozen
dataclasses with ``to_dict()`` giving JSON-ready values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db.models import Q

from credo.rating.engine.grades import NINE_GRADES, TEN_GRADES
from credo.receivables.metrics import add_months

from .defaults import (
    DefaultDefinition,
    LedgerRows,
    configured_definition,
    default_outcomes,
    ledger_rows,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return value


class _Report:
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates ISO, money as strings)."""
        data: dict[str, Any] = _json(dataclasses.asdict(self))  # type: ignore[call-overload]
        return data


def _cents(amounts: Sequence[Decimal]) -> IntArray:
    if not amounts:
        return np.zeros(0, dtype=np.int64)
    return np.rint(np.array(amounts, dtype=np.float64) * 100).astype(np.int64)


def _money(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def grade_order(grades: Sequence[str]) -> tuple[str, ...]:
    """The nine grades best first, D when present, then any other grade seen (sorted)."""
    seen = set(grades)
    order = list(NINE_GRADES) + (["D"] if "D" in seen else [])
    order += sorted(seen - set(TEN_GRADES))
    return tuple(order)


# --------------------------------------------------------------------------- extraction


@dataclass(frozen=True)
class GradesAsOf:
    """Each rated customer's grade as of a day (customer ids sorted ascending)."""

    day: dt.date
    customer_ids: IntArray
    grades: tuple[str, ...]


def grades_as_of(day: dt.date) -> GradesAsOf:
    """The grade of every customer's latest rating with ``as_of`` on or before ``day``."""
    from .models import Rating

    rows = list(
        Rating.objects.filter(as_of__lte=day)
        .order_by("customer_id", "-as_of", "-rated_at", "-id")
        .values_list("customer_id", "grade")
    )
    if not rows:
        return GradesAsOf(day, np.zeros(0, dtype=np.int64), ())
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    # Sorted by customer then newest first: the first row of each customer is its latest.
    unique, first = np.unique(ids, return_index=True)
    return GradesAsOf(day, unique, tuple(rows[i][1] for i in first))


# --------------------------------------------------------------------------- default rates


@dataclass(frozen=True)
class GradeDefaultRate:
    """Customers of a grade at the window start and how many of them defaulted."""

    grade: str
    customers: int
    defaults: int
    default_rate: float | None  # None without customers


@dataclass(frozen=True)
class DefaultRateReport(_Report):
    """Default rate by grade over a window; ``monotone``: the rates never fall from the best
    grade to the worst (grades without customers skipped)."""

    window_start: dt.date
    window_end: dt.date
    months: int
    default_days: int
    definition: dict[str, Any]  # DefaultDefinition.to_dict()
    rows: tuple[GradeDefaultRate, ...]
    customers: int
    defaults: int
    default_rate: float | None
    excluded_in_default: int
    monotone: bool


def default_rate_rows(
    grades: Sequence[str], defaulted: BoolArray, order: Sequence[str]
) -> tuple[GradeDefaultRate, ...]:
    """Customers and defaults per grade (pure)."""
    codes = np.array(grades, dtype=object)
    rows = []
    for grade in order:
        in_grade = codes == grade
        customers = int(np.count_nonzero(in_grade))
        defaults = int(np.count_nonzero(in_grade & defaulted))
        rows.append(
            GradeDefaultRate(grade, customers, defaults, defaults / customers if customers else None)
        )
    return tuple(rows)


def _monotone(rates: Sequence[float | None]) -> bool:
    seen = [rate for rate in rates if rate is not None]
    return all(later >= earlier for earlier, later in zip(seen, seen[1:], strict=False))


def default_rate_by_grade(
    *, window_start: dt.date, definition: DefaultDefinition | None = None,
    ledger: LedgerRows | None = None,
) -> DefaultRateReport:
    """Default rate by grade of the customers rated as of ``window_start`` over the
    definition's months after it (None: the configured definition). ``ledger``: the rows of
    ``defaults.ledger_rows`` for the window when already read."""
    definition = definition or configured_definition()
    window_end = add_months(window_start, definition.months)
    rated = grades_as_of(window_start)
    outcomes = default_outcomes(
        customer_ids=rated.customer_ids, window_start=window_start, definition=definition,
        rows=ledger,
    )
    keep = ~outcomes.in_default_at_start
    grades = [g for g, k in zip(rated.grades, keep, strict=True) if k]
    defaulted = outcomes.defaulted[keep]
    rows = default_rate_rows(grades, defaulted, grade_order(grades))
    customers, defaults = len(grades), int(np.count_nonzero(defaulted))
    return DefaultRateReport(
        window_start=window_start,
        window_end=window_end,
        months=definition.months,
        default_days=definition.days,
        definition=definition.to_dict(),
        rows=rows,
        customers=customers,
        defaults=defaults,
        default_rate=defaults / customers if customers else None,
        excluded_in_default=int(np.count_nonzero(outcomes.in_default_at_start)),
        monotone=_monotone([row.default_rate for row in rows]),
    )


# --------------------------------------------------------------------------- migration


@dataclass(frozen=True)
class MigrationMatrix(_Report):
    """Grade as of ``start`` (rows) against grade as of ``end`` (columns): counts and row
    shares (None for a row without customers), for customers rated on both dates."""

    start: dt.date
    end: dt.date
    grades: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    shares: tuple[tuple[float | None, ...], ...]
    customers: int
    upgrades: int
    downgrades: int
    unchanged: int


def migration_counts(
    from_grades: Sequence[str], to_grades: Sequence[str], order: Sequence[str]
) -> npt.NDArray[np.int64]:
    """Counts matrix ``[from][to]`` over ``order`` (pure)."""
    index = {grade: i for i, grade in enumerate(order)}
    size = len(order)
    matrix = np.zeros((size, size), dtype=np.int64)
    if from_grades:
        rows = np.array([index[g] for g in from_grades], dtype=np.int64)
        columns = np.array([index[g] for g in to_grades], dtype=np.int64)
        np.add.at(matrix, (rows, columns), 1)
    return matrix


def migration_matrix(*, start: dt.date, end: dt.date) -> MigrationMatrix:
    """The rating migration matrix between ``start`` and ``end``."""
    before, after = grades_as_of(start), grades_as_of(end)
    common, left, right = np.intersect1d(
        before.customer_ids, after.customer_ids, assume_unique=True, return_indices=True
    )
    from_grades = [before.grades[i] for i in left]
    to_grades = [after.grades[i] for i in right]
    order = grade_order([*from_grades, *to_grades])
    matrix = migration_counts(from_grades, to_grades, order)
    totals = matrix.sum(axis=1)
    shares = tuple(
        tuple(float(c) / float(totals[i]) if totals[i] else None for c in matrix[i])
        for i in range(len(order))
    )
    return MigrationMatrix(
        start=start,
        end=end,
        grades=order,
        counts=tuple(tuple(int(c) for c in row) for row in matrix),
        shares=shares,
        customers=len(common),
        # Grades run best first: a column left of the diagonal is a better grade.
        upgrades=int(np.tril(matrix, -1).sum()),
        downgrades=int(np.triu(matrix, 1).sum()),
        unchanged=int(np.trace(matrix)),
    )


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class GradeLimitEffectiveness:
    """Customers of a grade with a limit at the window start: how many defaulted, and for
    those the exposure at default against their limit (company currency)."""

    grade: str
    customers_with_limit: int
    defaults: int
    default_rate: float | None
    limits_total: Decimal  # all customers with a limit
    defaulted_limits_total: Decimal
    exposure_at_default_total: Decimal
    exposure_to_limit: float | None  # exposure at default / limit of the defaulted
    over_limit_at_default: int  # defaulted with an exposure above their limit


@dataclass(frozen=True)
class LimitEffectivenessReport(_Report):
    """Limit effectiveness by grade over a window, with the portfolio total as ``total``."""

    window_start: dt.date
    window_end: dt.date
    months: int
    default_days: int
    definition: dict[str, Any]  # DefaultDefinition.to_dict()
    currency: str
    rows: tuple[GradeLimitEffectiveness, ...]
    total: GradeLimitEffectiveness


def _limit_row(
    grade: str, limits: IntArray, defaulted: BoolArray, exposure: IntArray
) -> GradeLimitEffectiveness:
    defaulted_limits = int(limits[defaulted].sum())
    exposure_total = int(exposure[defaulted].sum())
    count, defaults = len(limits), int(np.count_nonzero(defaulted))
    return GradeLimitEffectiveness(
        grade=grade,
        customers_with_limit=count,
        defaults=defaults,
        default_rate=defaults / count if count else None,
        limits_total=_money(int(limits.sum())),
        defaulted_limits_total=_money(defaulted_limits),
        exposure_at_default_total=_money(exposure_total),
        exposure_to_limit=exposure_total / defaulted_limits if defaulted_limits else None,
        over_limit_at_default=int(np.count_nonzero(defaulted & (exposure > limits))),
    )


def limits_at(day: dt.date) -> tuple[IntArray, IntArray]:
    """Customer ids (sorted) and the limit in force on ``day`` in company-currency cents."""
    from credo.decisions.models import CreditLimit
    from credo.receivables import selectors as ledger

    rows = list(
        CreditLimit.objects.filter(valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .order_by("customer_id", "-valid_from")
        .values_list("customer_id", "amount", "currency")
    )
    rates: dict[str, Decimal] = {}
    ids: list[int] = []
    amounts: list[Decimal] = []
    for customer_id, amount, currency in rows:
        if ids and ids[-1] == customer_id:
            continue  # at most one is in force; keep the latest start if data say otherwise
        if currency not in rates:
            rates[currency] = ledger.fx_rate(currency, day)
        ids.append(customer_id)
        amounts.append(amount * rates[currency])
    return np.array(ids, dtype=np.int64), _cents(amounts)


def limit_effectiveness(
    *, window_start: dt.date, definition: DefaultDefinition | None = None,
    ledger: LedgerRows | None = None,
) -> LimitEffectivenessReport:
    """Of the rated customers with a limit in force at ``window_start`` (not already in
    default), the share that defaulted in the definition's months after, by grade, and their exposure
    at default against the limit."""
    from credo.receivables.selectors import company_currency

    definition = definition or configured_definition()
    window_end = add_months(window_start, definition.months)
    rated = grades_as_of(window_start)
    limit_ids, limit_cents = limits_at(window_start)
    common, in_rated, in_limits = np.intersect1d(
        rated.customer_ids, limit_ids, assume_unique=True, return_indices=True
    )
    outcomes = default_outcomes(
        customer_ids=common, window_start=window_start, definition=definition, rows=ledger,
    )
    keep = ~outcomes.in_default_at_start
    grades = np.array([rated.grades[i] for i in in_rated], dtype=object)[keep]
    limits = limit_cents[in_limits][keep]
    defaulted = outcomes.defaulted[keep]
    exposure = outcomes.exposure_at_default[keep]
    rows = tuple(
        _limit_row(grade, limits[grades == grade], defaulted[grades == grade],
                   exposure[grades == grade])
        for grade in grade_order(list(grades))
    )
    return LimitEffectivenessReport(
        window_start=window_start,
        window_end=window_end,
        months=definition.months,
        default_days=definition.days,
        definition=definition.to_dict(),
        currency=company_currency(),
        rows=rows,
        total=_limit_row("", limits, defaulted, exposure),
    )


# --------------------------------------------------------------------------- all three


@dataclass(frozen=True)
class BacktestReports:
    """The three reports over one window, as the page, the API and the command show them."""

    definition: DefaultDefinition
    rates: DefaultRateReport
    migration: MigrationMatrix
    limits: LimitEffectivenessReport

    def access_detail(self) -> str:
        """What the access log records of a view of these reports."""
        d = self.definition
        return (f"start={self.rates.window_start.isoformat()} months={d.months} "
                f"default_days={d.days} min_amount={d.min_amount} min_share={d.min_share} "
                f"end={self.migration.end.isoformat()}")


def backtest_reports(
    *, start: dt.date, definition: DefaultDefinition | None = None, end: dt.date | None = None
) -> BacktestReports:
    """Default rate by grade and limit effectiveness over the window from ``start`` (one read
    of the ledger for both), and the migration matrix from ``start`` to ``end`` (default: the
    window end)."""
    definition = definition or configured_definition()
    ledger = ledger_rows(start=start, end=add_months(start, definition.months))
    rates = default_rate_by_grade(window_start=start, definition=definition, ledger=ledger)
    migration = migration_matrix(start=start, end=end or rates.window_end)
    limits = limit_effectiveness(window_start=start, definition=definition, ledger=ledger)
    return BacktestReports(definition, rates, migration, limits)
