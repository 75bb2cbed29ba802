"""Ageing buckets: pure functions (no Django, no database).

A scheme is an ordered list of buckets, each a closed range of days. The days of an open item
are counted from its due date (``basis="due"``: days overdue, 0 or less = not due) or from its
invoice date (``basis="invoice"``: the age of the invoice). On the invoice basis nothing is "not
due", so buckets lying wholly at or below 0 days are merged into the next one.

The same ranges drive the Python bucketing here and the SQL ``CASE`` in ``reports.py``: SQL
compares dates, so :func:`date_ranges` turns the day ranges into due-date (or invoice-date) ranges
for one as-of date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

BASIS_DUE = "due"
BASIS_INVOICE = "invoice"
BASES = (BASIS_DUE, BASIS_INVOICE)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Bucket:
    """Days from ``min_days`` to ``max_days`` (both included; ``None`` = unbounded)."""

    key: str
    min_days: int | None
    max_days: int | None

    def holds(self, days: int) -> bool:
        return (self.min_days is None or days >= self.min_days) and (
            self.max_days is None or days <= self.max_days
        )


@dataclass(frozen=True)
class AgeingScheme:
    """An ordered, gap-free list of buckets covering every whole number of days."""

    key: str
    buckets: tuple[Bucket, ...]

    def __post_init__(self) -> None:
        if not self.buckets:
            raise ValueError("An ageing scheme needs at least one bucket.")
        if self.buckets[0].min_days is not None or self.buckets[-1].max_days is not None:
            raise ValueError("The first and last buckets of a scheme must be open-ended.")
        for lower, upper in zip(self.buckets, self.buckets[1:], strict=False):
            if lower.max_days is None or upper.min_days != lower.max_days + 1:
                raise ValueError("Ageing buckets must be contiguous and ascending.")

    def for_basis(self, basis: str) -> tuple[Bucket, ...]:
        """The buckets used on ``basis``; on the invoice basis "not due" buckets are merged."""
        if basis not in BASES:
            raise ValueError(f"Unknown ageing basis {basis!r}; use 'due' or 'invoice'.")
        if basis == BASIS_DUE:
            return self.buckets
        kept = [b for b in self.buckets if b.max_days is None or b.max_days > 0]
        first = kept[0]
        return (Bucket(first.key, None, first.max_days), *kept[1:])

    def keys(self, basis: str = BASIS_DUE) -> list[str]:
        return [bucket.key for bucket in self.for_basis(basis)]

    def bucket_for(self, days: int, basis: str = BASIS_DUE) -> str:
        """Key of the bucket holding an item ``days`` past its due (or invoice) date."""
        for bucket in self.for_basis(basis):
            if bucket.holds(days):
                return bucket.key
        raise AssertionError("unreachable: schemes cover every number of days")


def scheme_from_limits(key: str, upper_limits: Sequence[int]) -> AgeingScheme:
    """A scheme from ascending upper limits, e.g. ``[0, 30, 60]`` ->
    ``<=0 (not due), 1-30, 31-60, >60``. Keys are ``not_due`` for the bucket ending at 0,
    ``d<lo>_<hi>`` for closed ranges and ``over_<n>`` for the last one."""
    limits = list(upper_limits)
    if not limits:
        raise ValueError("Give at least one bucket limit.")
    if any(b <= a for a, b in zip(limits, limits[1:], strict=False)):
        raise ValueError("Bucket limits must be strictly ascending.")
    buckets: list[Bucket] = []
    lower: int | None = None
    for upper in limits:
        if lower is None:
            bucket_key = "not_due" if upper == 0 else f"upto_{upper}"
        else:
            bucket_key = f"d{lower}_{upper}"
        buckets.append(Bucket(bucket_key, lower, upper))
        lower = upper + 1
    buckets.append(Bucket(f"over_{limits[-1]}", lower, None))
    return AgeingScheme(key, tuple(buckets))


DEFAULT_SCHEME = scheme_from_limits("default", [0, 30, 60, 90, 180, 365])
# 1年以内 / 1-2年 / 2-3年 / 3年以上 (with "not due" kept apart on the due-date basis).
YEARS_SCHEME = AgeingScheme(
    "years",
    (
        Bucket("not_due", None, 0),
        Bucket("within_1y", 1, 365),
        Bucket("y1_2", 366, 730),
        Bucket("y2_3", 731, 1095),
        Bucket("over_3y", 1096, None),
    ),
)
SCHEMES = {DEFAULT_SCHEME.key: DEFAULT_SCHEME, YEARS_SCHEME.key: YEARS_SCHEME}


def scheme_get(name: str) -> AgeingScheme:
    """A named scheme (``default``, ``years``) or a custom one from limits ``"0,30,60,90"``."""
    if name in SCHEMES:
        return SCHEMES[name]
    try:
        limits = [int(part) for part in name.split(",") if part.strip()]
    except ValueError:
        raise ValueError(
            f"Unknown ageing scheme {name!r}; use default, years or limits like 0,30,60."
        ) from None
    return scheme_from_limits("custom", limits)


@dataclass(frozen=True)
class DateRange:
    """Dates from ``first`` to ``last`` (both included; ``None`` = unbounded)."""

    key: str
    first: date | None
    last: date | None

    def holds(self, day: date) -> bool:
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)


def date_ranges(scheme: AgeingScheme, *, as_of: date, basis: str = BASIS_DUE) -> list[DateRange]:
    """The buckets as ranges of due (or invoice) dates for one as-of date.

    ``days = as_of - date``, so ``min_days <= days <= max_days`` is
    ``as_of - max_days <= date <= as_of - min_days``.
    """
    ranges = []
    for bucket in scheme.for_basis(basis):
        first = None if bucket.max_days is None else as_of - timedelta(days=bucket.max_days)
        last = None if bucket.min_days is None else as_of - timedelta(days=bucket.min_days)
        ranges.append(DateRange(bucket.key, first, last))
    return ranges


# --------------------------------------------------------------------------- in-memory ageing


@dataclass(frozen=True)
class AgeingItem:
    """One open item as of the ageing date (amounts in the company currency)."""

    group: str
    invoice_date: date
    due_date: date
    open_amount: Decimal
    disputed_amount: Decimal = ZERO


@dataclass
class AgeingRow:
    """Open amounts of one group: undisputed per bucket, disputed apart, and the total."""

    group: str
    label: str = ""
    buckets: dict[str, Decimal] = field(default_factory=dict)
    disputed: Decimal = ZERO
    total: Decimal = ZERO
    overdue: Decimal = ZERO
    items: int = 0

    def add(self, other: AgeingRow) -> None:
        for key, amount in other.buckets.items():
            self.buckets[key] = self.buckets.get(key, ZERO) + amount
        self.disputed += other.disputed
        self.total += other.total
        self.overdue += other.overdue
        self.items += other.items


def empty_row(group: str, keys: Iterable[str], label: str = "") -> AgeingRow:
    return AgeingRow(group=group, label=label, buckets=dict.fromkeys(keys, ZERO))


def age_items(
    items: Iterable[AgeingItem],
    *,
    as_of: date,
    scheme: AgeingScheme = DEFAULT_SCHEME,
    basis: str = BASIS_DUE,
) -> list[AgeingRow]:
    """Bucket open items in memory (reference implementation of the SQL in reports.py).

    The undisputed part of each item goes to its bucket; the disputed part (at most the open
    amount) goes to ``disputed``. ``overdue`` is the whole open amount past its due date,
    disputed or not. Rows come back sorted by group.
    """
    keys = scheme.keys(basis)
    rows: dict[str, AgeingRow] = {}
    for item in items:
        if item.open_amount == 0:
            continue
        row = rows.setdefault(item.group, empty_row(item.group, keys))
        disputed = min(max(item.disputed_amount, ZERO), item.open_amount)
        reference = item.due_date if basis == BASIS_DUE else item.invoice_date
        bucket = scheme.bucket_for((as_of - reference).days, basis)
        row.buckets[bucket] += item.open_amount - disputed
        row.disputed += disputed
        row.total += item.open_amount
        if item.due_date < as_of:
            row.overdue += item.open_amount
        row.items += 1
    return [rows[group] for group in sorted(rows)]
