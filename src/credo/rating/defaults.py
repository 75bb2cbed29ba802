"""The default definition, one for training from history and for back-testing.

A customer **is in default on a day** when either

* its **past-due amount** — the open amount of its items at least ``days`` days past due — is
  material: at least ``min_amount`` (company currency) **and** at least ``min_share`` of all its
  open receivables that day; or
* an amount written off that day is material by the same two tests (the written-off amount
  against the open receivables just before the write-off). A write-off is a credit loss, so it
  is a default on its day, however few days past due the item was.

An item's open amount on a day is its amount (company currency) less the allocations (payments
and credit notes, reversal entries included) and the write-offs dated on or before that day;
the item counts only while it is live (invoiced on or before the day, not cancelled by then).
An item's days past due run from its due date, **except while it is in dispute** (from the
first dispute's opening to the last one's resolution, in whole or in part): a disputed item is
not past due, and the days of the dispute do not count towards the ``days``.

**Defaulted within a window** (start, end]: in default on some day of the window. Customers
already in default on the window's first day (state at ``start``) are not in the population: the
back-test and the training rows leave them out and count them. The exposure at default is the
customer's open receivables on its first default day (before that day's write-off).

Written as ``90dpd12m`` (days past due, months of the performance window), with the two
materiality thresholds beside it. The default comes from the setting
``CREDO_DEFAULT_DEFINITION``: 90 days, 12 months, 1,000 and 1 %. Without thresholds (0 and 0)
any residue past due counts, which makes small unpaid remainders look like defaults.

The computation is exact and vectorised: each item, allocation and write-off becomes dated
changes of the past-due and the open amounts; sorted by customer and day, their running sums
give both amounts on every day either changes, and the test is made on each of those days (the
amounts stay constant in between). NumPy over arrays of day numbers and cents, no Python loop
per item.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.utils.translation import gettext

from credo.core import rawsql
from credo.receivables.metrics import add_months

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NEVER = np.iinfo(np.int64).max // 2  # a day number later than any date
DEFAULT_DAYS = 90
DEFAULT_MONTHS = 12
DEFAULT_MIN_AMOUNT = Decimal("1000")
DEFAULT_MIN_SHARE = Decimal("0.01")
DAYS_CHOICES = (30, 60, 90, 180)  # the days past due the page and the API offer


class DefinitionError(ValueError):
    """A default definition that cannot be used; the message is translated."""


@dataclass(frozen=True)
class DefaultDefinition:
    """Days past due, performance window in months and the two materiality thresholds."""

    days: int = DEFAULT_DAYS
    months: int = DEFAULT_MONTHS
    min_amount: Decimal = DEFAULT_MIN_AMOUNT  # company currency
    min_share: Decimal = DEFAULT_MIN_SHARE  # of the open receivables, 0..1

    def __post_init__(self) -> None:
        if self.days < 1 or self.months < 1:
            raise DefinitionError(gettext("Days past due and months must be at least 1."))
        if self.min_amount < 0:
            raise DefinitionError(gettext("The materiality amount must not be negative."))
        if not Decimal(0) <= self.min_share <= Decimal(1):
            raise DefinitionError(gettext("The materiality share must be between 0 and 100 %."))

    @property
    def code(self) -> str:
        """``90dpd12m``."""
        return f"{self.days}dpd{self.months}m"

    @classmethod
    def parse(
        cls, text: str, *, min_amount: Decimal | str | None = None,
        min_share: Decimal | str | None = None,
    ) -> DefaultDefinition:
        """``90dpd12m`` with thresholds (None: the configured ones); DefinitionError."""
        match = re.fullmatch(r"(\d+)dpd(\d+)m", text.strip().lower())
        if match is None:
            raise DefinitionError(
                gettext("Unknown default definition %(definition)s: write it like 90dpd12m "
                        "(days past due, months).") % {"definition": text}
            )
        configured = configured_definition()
        return cls(
            days=int(match.group(1)),
            months=int(match.group(2)),
            min_amount=configured.min_amount if min_amount is None else _decimal(min_amount),
            min_share=configured.min_share if min_share is None else _decimal(min_share),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (amounts as strings)."""
        return {"code": self.code, "days": self.days, "months": self.months,
                "min_amount": str(self.min_amount), "min_share": str(self.min_share)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DefaultDefinition:
        """The inverse of ``to_dict`` (the code is ignored: days and months say it)."""
        return cls(
            days=int(data.get("days", DEFAULT_DAYS)),
            months=int(data.get("months", DEFAULT_MONTHS)),
            min_amount=_decimal(data.get("min_amount", DEFAULT_MIN_AMOUNT)),
            min_share=_decimal(data.get("min_share", DEFAULT_MIN_SHARE)),
        )

    def describe(self) -> str:
        """One translated line, e.g. "90+ days past due within 12 months; material from
        1,000.00 CNY and 1.0 % of the open receivables"."""
        from credo.receivables.selectors import company_currency

        return gettext(
            "%(days)s+ days past due within %(months)s months; material from %(amount)s "
            "%(currency)s and %(share)s of the open receivables"
        ) % {
            "days": self.days, "months": self.months, "amount": f"{self.min_amount:,.2f}",
            "currency": company_currency(), "share": f"{100 * self.min_share:.1f} %",
        }


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise DefinitionError(
            gettext("%(value)s is not a number.") % {"value": value}
        ) from None


def configured_definition() -> DefaultDefinition:
    """The definition of the setting ``CREDO_DEFAULT_DEFINITION`` (a dict like ``to_dict``)."""
    return DefaultDefinition.from_dict(getattr(settings, "CREDO_DEFAULT_DEFINITION", {}))


def definition_with(
    *, days: int | None = None, months: int | None = None,
    min_amount: object = None, min_percent: object = None,
) -> DefaultDefinition:
    """The configured definition with the parts given (None: the configured part); the share
    in percent, as forms and options take it; amounts as numbers or text. DefinitionError when
    not a number or out of range."""
    configured = configured_definition()
    return DefaultDefinition(
        days=configured.days if days is None else days,
        months=configured.months if months is None else months,
        min_amount=configured.min_amount if min_amount is None else _decimal(min_amount),
        min_share=configured.min_share if min_percent is None else _decimal(min_percent) / 100,
    )


# --------------------------------------------------------------------------- the ledger


@dataclass(frozen=True)
class LedgerRows:
    """Instalments with their allocations and write-offs, as arrays (day numbers, cents)."""

    instalment_ids: IntArray  # sorted ascending
    customer_ids: IntArray
    due: IntArray
    invoiced: IntArray
    cancelled: IntArray  # NEVER when not cancelled
    amount: IntArray
    allocation_instalment: IntArray  # index into the instalment arrays
    allocation_day: IntArray
    allocation_amount: IntArray  # reversal entries negative
    write_off_instalment: IntArray
    write_off_day: IntArray
    write_off_amount: IntArray
    # Per instalment: the day its first dispute opened and the day its last one was resolved
    # (NEVER: no dispute / still open).
    dispute_from: IntArray
    dispute_until: IntArray

    @classmethod
    def build(
        cls, *, instalment_ids: Sequence[int], customer_ids: Sequence[int], due: Sequence[int],
        invoiced: Sequence[int], cancelled: Sequence[int], amount: Sequence[int],
        allocations: Sequence[tuple[int, int, int]] = (),
        write_offs: Sequence[tuple[int, int, int]] = (),
        disputes: Sequence[tuple[int, int, int]] = (),
    ) -> LedgerRows:
        """Rows from plain lists; allocations and write-offs as (instalment position, day,
        cents), disputes as (instalment position, opened, resolved or NEVER). For tests and
        small inputs."""

        def column(values: Sequence[int]) -> IntArray:
            return np.asarray(values, dtype=np.int64).reshape(-1)

        def part(rows: Sequence[tuple[int, int, int]], i: int) -> IntArray:
            return np.asarray([row[i] for row in rows], dtype=np.int64).reshape(-1)

        return cls(
            instalment_ids=column(instalment_ids), customer_ids=column(customer_ids),
            due=column(due), invoiced=column(invoiced), cancelled=column(cancelled),
            amount=column(amount),
            allocation_instalment=part(allocations, 0), allocation_day=part(allocations, 1),
            allocation_amount=part(allocations, 2),
            write_off_instalment=part(write_offs, 0), write_off_day=part(write_offs, 1),
            write_off_amount=part(write_offs, 2),
            **_dispute_spans(len(instalment_ids), part(disputes, 0), part(disputes, 1),
                             part(disputes, 2)),
        )


def _dispute_spans(size: int, item: IntArray, opened: IntArray, resolved: IntArray
                   ) -> dict[str, IntArray]:
    """Per instalment, from the first dispute's opening to the last one's resolution."""
    start = np.full(size, NEVER, dtype=np.int64)
    until = np.zeros(size, dtype=np.int64)
    np.minimum.at(start, item, opened)
    np.maximum.at(until, item, resolved)
    return {"dispute_from": start, "dispute_until": np.where(start < NEVER, until, NEVER)}


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - dt.date(1970, 1, 1)).days


def date_of(number: int) -> dt.date:
    """The inverse of ``day_number``."""
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(number))


def _days(column: pa.ChunkedArray) -> IntArray:
    """A date32 column as day numbers; null -> ``NEVER``."""
    numbers = pc.cast(column, pa.int32()).to_numpy(zero_copy_only=False)
    filled = np.where(pc.is_null(column).to_numpy(zero_copy_only=False), NEVER,
                      np.nan_to_num(numbers.astype(np.float64)))
    return filled.astype(np.int64)


def _ints(column: pa.ChunkedArray) -> IntArray:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64).reshape(-1)


def ledger_rows(*, start: dt.date, end: dt.date, customer_ids: Sequence[int] | None = None
                ) -> LedgerRows:
    """The instalments invoiced by ``end`` and not cancelled by ``start`` (of ``customer_ids``,
    or of every customer), with their allocations and write-offs dated by ``end``: three SQL
    statements."""
    from credo.receivables.models import (
        Allocation,
        Dispute,
        Invoice,
        InvoiceInstalment,
        WriteOff,
    )

    rawsql.refresh_stale_statistics([Invoice, InvoiceInstalment, Allocation, WriteOff, Dispute])
    t, c = rawsql.table, rawsql.column
    inst, inv = InvoiceInstalment, Invoice
    where = (f" inv.{c(inv, 'invoice_date')} <= %s AND (inv.{c(inv, 'cancelled_on')} IS NULL"
             f" OR inv.{c(inv, 'cancelled_on')} > %s)")
    params: list[object] = [end, start]
    if customer_ids is not None:
        if not len(customer_ids):
            return LedgerRows.build(instalment_ids=[], customer_ids=[], due=[], invoiced=[],
                                    cancelled=[], amount=[])
        scope, scope_params = rawsql.id_filter(f"inv.{c(inv, 'customer')}", customer_ids)
        where += f" AND{scope}"
        params += scope_params
    items = rawsql.fetch_arrow(
        f"SELECT inst.id, inv.{c(inv, 'customer')}, inst.{c(inst, 'due_date')}, "
        f"inv.{c(inv, 'invoice_date')}, inv.{c(inv, 'cancelled_on')}, "
        f"{rawsql.cents('inst.' + c(inst, 'amount_company'))} "
        f"FROM {t(inst)} inst JOIN {t(inv)} inv ON inv.id = inst.{c(inst, 'invoice')} "
        f"WHERE{where} ORDER BY inst.id",
        params, ["item", "customer_id", "due_date", "invoice_date", "cancelled_on", "cents"])

    def of_items(model: type, fields: Sequence[str], names: Sequence[str], date_field: str,
                 money: str = "") -> pa.Table:
        """Rows of ``model`` on the items read above, dated by ``end``."""
        selected = [f"s.{c(model, 'instalment')}", *(f"s.{c(model, f)}" for f in fields)]
        if money:
            selected.append(rawsql.cents(f"s.{c(model, money)}"))
        return rawsql.fetch_arrow(
            f"SELECT {', '.join(selected)} FROM {t(model)} s "
            f"JOIN {t(inst)} inst ON inst.id = s.{c(model, 'instalment')} "
            f"JOIN {t(inv)} inv ON inv.id = inst.{c(inst, 'invoice')} "
            f"WHERE{where} AND s.{c(model, date_field)} <= %s",
            [*params, end], ["item", *names])

    def settlements(model: type, date_field: str) -> pa.Table:
        return of_items(model, [date_field], ["settled_on", "cents"], date_field,
                        money="amount_company")

    ids = _ints(items.column("item"))

    def positions(table: pa.Table) -> tuple[IntArray, IntArray, IntArray]:
        # Every settlement's instalment was read (same filter), so searchsorted finds it.
        where_in = np.searchsorted(ids, _ints(table.column("item")))
        return (where_in.astype(np.int64), _days(table.column("settled_on")),
                _ints(table.column("cents")))

    allocation = positions(settlements(Allocation, "allocation_date"))
    write_off = positions(settlements(WriteOff, "write_off_date"))
    disputes = of_items(Dispute, ["opened_on", "resolved_on"], ["opened_on", "resolved_on"],
                        "opened_on")
    resolved = _days(disputes.column("resolved_on"))
    return LedgerRows(
        instalment_ids=ids,
        customer_ids=_ints(items.column("customer_id")),
        due=_days(items.column("due_date")),
        invoiced=_days(items.column("invoice_date")),
        cancelled=_days(items.column("cancelled_on")),
        amount=_ints(items.column("cents")),
        allocation_instalment=allocation[0], allocation_day=allocation[1],
        allocation_amount=allocation[2],
        write_off_instalment=write_off[0], write_off_day=write_off[1],
        write_off_amount=write_off[2],
        **_dispute_spans(len(ids), np.searchsorted(ids, _ints(disputes.column("item"))),
                         _days(disputes.column("opened_on")), resolved),
    )


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcomes:
    """Per population customer: in default on the window's first day, first default day in
    the window (``NEVER`` if none) and the exposure at default in cents (0 if none)."""

    customer_ids: IntArray
    in_default_at_start: BoolArray
    default_day: IntArray
    exposure_at_default: IntArray

    @property
    def defaulted(self) -> BoolArray:
        """Defaulted within the window (never true for those in default at the start)."""
        return self.default_day < NEVER


@dataclass(frozen=True)
class _Changes:
    """Dated changes of one customer's past-due and open amounts, and write-offs."""

    owner: IntArray
    day: IntArray
    past_due: IntArray
    open: IntArray
    written_off: IntArray


def _past_due_spans(rows: LedgerRows, days: int) -> tuple[tuple[IntArray, IntArray], ...]:
    """The days each item counts as past due, as (from, until) pairs (empty when from >=
    until): while it is live and not in dispute, once its days past due reach ``days``. The
    days past due run from the due date but not while the item is in dispute: a dispute
    opened before the item reached ``days`` pauses the count until it is resolved; one opened
    later takes the item out until it is resolved."""
    opened, resolved = rows.dispute_from, rows.dispute_until
    paused_from = np.maximum(opened, rows.due)
    disputed = (opened < NEVER) & (resolved > paused_from)
    pauses = disputed & (paused_from < rows.due + days)
    reached = rows.due + days
    reached = np.where(pauses & (resolved >= NEVER), NEVER,
                       np.where(pauses, reached + (resolved - paused_from), reached))
    reached = np.where(reached >= NEVER, NEVER, np.maximum(reached, rows.invoiced))
    # Disputed after reaching: past due until the dispute opens, again from its resolution.
    later = disputed & ~pauses
    first_until = np.where(later, np.minimum(opened, rows.cancelled), rows.cancelled)
    second_from = np.where(later, resolved, NEVER)
    return (reached, first_until), (second_from, rows.cancelled)


def _item_changes(rows: LedgerRows, owner: IntArray, days: int) -> _Changes:
    """An item adds its amount to the open receivables from its invoice day to its
    cancellation, and to the past-due amount on the days of ``_past_due_spans``; allocations
    and write-offs take theirs off from their own day (or the span's start) to the span's end.
    Only items of the population (``owner`` >= 0)."""
    member = owner >= 0
    spans = {"open": ((rows.invoiced, rows.cancelled),), "past_due": _past_due_spans(rows, days)}
    whos: list[IntArray] = []
    dates: list[IntArray] = []
    amounts: dict[str, list[IntArray]] = {"open": [], "past_due": [], "written_off": []}

    def add(kind: str, who: IntArray, day: IntArray, cents: IntArray) -> None:
        whos.append(who)
        dates.append(day)
        for name, values in amounts.items():
            values.append(cents if name == kind else np.zeros(len(who), dtype=np.int64))

    for kind, pairs in spans.items():
        for begin, until in pairs:
            # The item: +amount from the span's start, -amount at its end.
            counts = member & (begin < until)
            add(kind, owner[counts], begin[counts], rows.amount[counts])
            ends = counts & (until < NEVER)
            add(kind, owner[ends], until[ends], -rows.amount[ends])
            # Allocations and write-offs dated before the span's end: -amount from their day
            # or the span's start, whichever is later; back at the span's end, which took the
            # whole amount off.
            for item, day, cents in (
                (rows.allocation_instalment, rows.allocation_day, rows.allocation_amount),
                (rows.write_off_instalment, rows.write_off_day, rows.write_off_amount),
            ):
                settles = counts[item] & (day < until[item])
                add(kind, owner[item][settles], np.maximum(day, begin[item])[settles],
                    -cents[settles])
                back = settles & (until[item] < NEVER)
                add(kind, owner[item][back], until[item][back], cents[back])
    # The write-offs themselves, on their day, as possible default triggers.
    item = rows.write_off_instalment
    triggers = member[item] & (rows.write_off_day < rows.cancelled[item])
    add("written_off", owner[item][triggers], rows.write_off_day[triggers],
        rows.write_off_amount[triggers])
    return _Changes(
        owner=np.concatenate(whos), day=np.concatenate(dates),
        past_due=np.concatenate(amounts["past_due"]), open=np.concatenate(amounts["open"]),
        written_off=np.concatenate(amounts["written_off"]),
    )


def _material(past_due: IntArray, open_: IntArray, definition: DefaultDefinition) -> BoolArray:
    amount = int(definition.min_amount * 100)
    share = float(definition.min_share)
    return (past_due > 0) & (past_due >= amount) & (past_due >= share * open_)


def compute_outcomes(
    *, population: IntArray, rows: LedgerRows, start: int, end: int,
    definition: DefaultDefinition,
) -> Outcomes:
    """Default outcomes of the ``population`` customers (sorted ids) in the window
    (``start``, ``end``] (day numbers), from the ledger rows (see the module docstring)."""
    size = len(population)
    in_default_at_start = np.zeros(size, dtype=bool)
    default_day = np.full(size, NEVER, dtype=np.int64)
    exposure = np.zeros(size, dtype=np.int64)
    if size == 0 or len(rows.instalment_ids) == 0:
        return Outcomes(population, in_default_at_start, default_day, exposure)
    where = np.searchsorted(population, rows.customer_ids)
    member = (where < size) & (population[np.minimum(where, size - 1)] == rows.customer_ids)
    owner = np.where(member, where, -1).astype(np.int64)

    changes = _item_changes(rows, owner, definition.days)
    keep = changes.day <= end
    order = np.lexsort((changes.day[keep], changes.owner[keep]))
    who, day = changes.owner[keep][order], changes.day[keep][order]
    if not len(who):
        return Outcomes(population, in_default_at_start, default_day, exposure)
    # Running sums per customer: the cumulative sum less its value before the customer's
    # first change.
    position = np.arange(len(who))
    group_start = np.maximum.accumulate(
        np.where(np.r_[True, who[1:] != who[:-1]], position, 0))

    def running(values: IntArray) -> IntArray:
        ordered = values[keep][order]
        total = np.cumsum(ordered)
        return total - (total - ordered)[group_start]

    past_due, open_ = running(changes.past_due), running(changes.open)
    # One state per (customer, day): the last change of the day; that day's write-offs summed.
    last_of_day = np.r_[(who[1:] != who[:-1]) | (day[1:] != day[:-1]), True]
    first_of_day = np.flatnonzero(np.r_[True, last_of_day[:-1]])
    written = np.add.reduceat(changes.written_off[keep][order], first_of_day)
    who, day = who[last_of_day], day[last_of_day]
    past_due, open_ = past_due[last_of_day], open_[last_of_day]

    # In default at the start: the state of the customer's last day on or before ``start``.
    before = day <= start
    last_before = np.full(size, -1, dtype=np.int64)
    np.maximum.at(last_before, who[before], np.flatnonzero(before))
    has_state = last_before >= 0
    at_start = last_before[has_state]
    in_default_at_start[has_state] = _material(past_due[at_start], open_[at_start], definition)

    # First default day in the window, and the open receivables then (before a write-off).
    write_off_default = (written > 0) & _material(written, open_ + written, definition)
    defaults = (day > start) & (_material(past_due, open_, definition) | write_off_default)
    defaults &= ~in_default_at_start[who]
    # Sorted by customer then day: a customer's smallest position is its earliest day.
    first = np.full(size, len(who), dtype=np.int64)
    hits = np.flatnonzero(defaults)
    np.minimum.at(first, who[hits], hits)
    found = first < len(who)
    default_day[found] = day[first[found]]
    exposure[found] = (open_ + written)[first[found]]
    return Outcomes(population, in_default_at_start, default_day, exposure)


def default_outcomes(
    *, customer_ids: IntArray, window_start: dt.date, definition: DefaultDefinition,
    rows: LedgerRows | None = None,
) -> Outcomes:
    """``compute_outcomes`` for the window from ``window_start`` over ``definition.months``
    (``rows``: the ledger read for the window, read here when not given)."""
    window_end = add_months(window_start, definition.months)
    if rows is None:
        rows = ledger_rows(start=window_start, end=window_end)
    return compute_outcomes(
        population=np.asarray(customer_ids, dtype=np.int64), rows=rows,
        start=day_number(window_start), end=day_number(window_end), definition=definition,
    )
