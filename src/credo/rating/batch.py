"""Batch rating (``credo rating run``): the whole portfolio, a segment or a list of customers.

Vectorised end to end (ARCHITECTURE rule 6): per chunk of customers (ordered by id) the inputs
are read from the app database with a handful of SQL statements into Arrow tables, the 34
features are computed column-wise with DuckDB SQL and numpy, every chunk is scored per scorecard
with the arithmetic of ``statistical.score_rows`` (bins placed with numpy; a test checks both
agree), and the ratings are written in bulk. Each chunk commits on its
own; the run's state (scope, as-of date, last customer id done, counts) lives in a small JSON
file ``<CREDO_VAR_DIR>/rating-runs/<run_id>.json`` so ``--resume RUN_ID`` carries on after the
last committed chunk.

Same rules as the single-customer path (``services.customer_rate`` -> ``selectors
.feature_inputs`` -> ``engine.features.compute_features``); ``tests/rating/test_batch.py`` proves
score (1e-6), grade, PD, reason codes and every feature value and status equal on a demo
portfolio, on SQLite and PostgreSQL. How each rule is reproduced:

* amounts are read as integer cents and converted to yuan as ``cents x unit / 100`` (exact
  integers divided once: the same float as ``float(Decimal)``); amounts in another currency take
  the latest FX rate on or before the day (statement: period end; capital: the rating day;
  bank relations and public records: their own as-of), exactly, with Python integers (only
  those rows: a small share);
* payment behaviour: the paid amounts grouped by (customer, due date, payment date) as
  ``receivables.reports.paid_amounts`` does, the metrics of ``receivables.metrics`` in integer
  arithmetic (days beyond terms exact; the payment index rounded half up from the exact
  rational, with the per-customer Decimal function only for the rare exact ties), the balances
  with ``receivables.reports``' own open-items SQL grouped by customer;
* statements: the latest known period (ties: the longer period), the previous one within
  45 days of a year earlier (same period length first, then the closest), then the ratios and
  Altman with the engine's missing / zero / negative denominator statuses.

Left out on purpose, documented: the batch writes no per-rating change log (``ObjectChange``)
and no per-rating business event, but ONE ``rating.batch.completed`` event per run (like the
demo's bulk writer, see ``credo.demo.writer._RawTable`` and docs/decisions/0003); grade changes
are notified as digests at the end of the run (``services.batch_changes_notify``: one message
and one e-mail per recipient, not one per change);
feature sources and notes are the single path's structured messages (``engine.messages``: the
statement's period, the missing inputs of a ratio, "no payment record" ...), and a missing value's
reason in the contributions is its note, as in the single path. Messages are kept
dictionary-encoded per feature (``MessageColumn``): each distinct message of a chunk is built
and rendered once, whatever the number of customers.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credo.core import rawsql
from credo.core.services import business_event_emit
from credo.creditfile.choices import UNIT_MULTIPLIER
from credo.customers.models import Customer
from credo.rating.engine.binning import MISSING_INDEX, OTHER_INDEX, numeric_bin_index
from credo.rating.engine.features import (
    BAD_PAYMENT_EXPERIENCES,
    DAYS_PER_YEAR,
    DEFAULT_LOOKBACK_YEARS,
    FEATURE_DEFINITIONS,
    INACTIVE_LISTING_STATUSES,
    MANUFACTURING_SECTION,
    PREVIOUS_PERIOD_TOLERANCE_DAYS,
    SIZE_CLASSES,
    public_records_source,
    size_class_source,
)
from credo.rating.engine.grades import GradeScale
from credo.rating.engine.messages import Message, message
from credo.rating.engine.scorecard import (
    UNLISTED_CATEGORY,
    Factor,
    Scorecard,
    ScorecardError,
    select_scorecard,
)
from credo.rating.engine.statistical import scaled_pd
from credo.receivables.metrics import PaidAmount, add_months, payment_index
from credo.receivables.reports import _items_sql
from credo.receivables.selectors import company_currency

from . import selectors
from .choices import RatingTrigger
from .models import Rating, ScorecardVersion

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Progress = Callable[[int, int, float], None]

DEFAULT_BATCH_SIZE = 2_000
TOP_REASONS = 5
REASON_TOLERANCE = 1e-6  # the engine's points-lost tolerance for reason codes
STATUS_OK = "ok"
MISSING = "missing_input"
ZERO = "zero_denominator"
NEGATIVE = "negative_denominator"
NOT_MEANINGFUL = "not_meaningful"
FX_MISSING = "fx_rate_missing"
RATE_SCALE = 10**8  # FX rates have 8 decimals
STATEMENT_MONTHS = selectors.STATEMENT_MONTHS
STATEMENT_LINES = selectors.STATEMENT_LINES
FEATURE_KEYS = tuple(FEATURE_DEFINITIONS)
CATEGORICAL = frozenset(k for k, d in FEATURE_DEFINITIONS.items() if d.kind == "categorical")


class BatchError(ValueError):
    """A batch run cannot start or continue (bad scope, unknown run ...); message translated."""


# =========================================================================== run state


def runs_dir() -> Path:
    """Where run records live: ``<CREDO_VAR_DIR>/rating-runs``."""
    return Path(settings.VAR_DIR) / "rating-runs"


@dataclass
class RunState:
    """One batch run: what it covers and how far it got (saved after every chunk)."""

    run_id: str
    as_of: str
    scope: dict[str, Any]
    batch_size: int
    status: str = "running"  # running | finished
    last_customer_id: int = 0
    total: int = 0
    done: int = 0
    rated: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    chunks: int = 0
    started_at: str = ""
    finished_at: str = ""
    seconds: dict[str, float] = field(default_factory=dict)  # extract/features/scoring/write

    @property
    def path(self) -> Path:
        return runs_dir() / f"{self.run_id}.json"

    def save(self) -> None:
        """Write the record atomically (temp file + rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True), encoding="utf-8")
        temp.replace(self.path)

    @classmethod
    def load(cls, run_id: str) -> RunState:
        """The saved run ``run_id`` (BatchError when there is none)."""
        path = runs_dir() / f"{run_id}.json"
        if not run_id.replace("-", "").isalnum() or not path.exists():
            raise BatchError(gettext("No rating run %(run)s (looked in %(dir)s).")
                             % {"run": run_id, "dir": runs_dir()})
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def _add_seconds(state: RunState, part: str, seconds: float) -> None:
    state.seconds[part] = round(state.seconds.get(part, 0.0) + seconds, 3)


# =========================================================================== extraction


@dataclass(frozen=True)
class Extract:
    """The inputs of one chunk of customers, as Arrow tables."""

    as_of: dt.date
    customers: pa.Table
    statements: pa.Table
    trade_references: pa.Table
    bank_relations: pa.Table
    public_records: pa.Table
    invoiced: pa.Table
    paid: pa.Table
    balances: pa.Table
    fx: pa.Table


def extract(customer_ids: Sequence[int], *, as_of: dt.date) -> Extract:
    """Read everything the features need about ``customer_ids`` as of ``as_of`` (point in time,
    like ``selectors.feature_inputs``): ~10 SQL statements whatever the number of customers."""
    from credo.creditfile.models import (
        BankRelation,
        BusinessProfile,
        FinancialStatement,
        PublicRecord,
        TradeReference,
    )
    from credo.customers.models import Industry
    from credo.receivables.models import Allocation, FxRate, Invoice, InvoiceInstalment, Payment

    rawsql.refresh_stale_statistics([
        Customer, BusinessProfile, FinancialStatement, TradeReference, BankRelation,
        PublicRecord, Invoice, InvoiceInstalment, Allocation, Payment, FxRate,
    ])
    cust_filter, cust_params = rawsql.id_filter("c.id", customer_ids)
    cu, ind, bp = rawsql.table(Customer), rawsql.table(Industry), rawsql.table(BusinessProfile)
    profile_customer = rawsql.column(BusinessProfile, "customer")
    profile_as_of = rawsql.column(BusinessProfile, "as_of")
    customers = rawsql.fetch_arrow(
        f"SELECT c.id, c.{rawsql.column(Customer, 'founding_date')}, "
        f"{rawsql.cents('c.' + rawsql.column(Customer, 'registered_capital'))}, "
        f"c.{rawsql.column(Customer, 'registered_capital_currency')}, "
        f"{rawsql.cents('c.' + rawsql.column(Customer, 'paid_in_capital'))}, "
        f"c.{rawsql.column(Customer, 'paid_in_capital_currency')}, c.{rawsql.column(Customer, 'legal_form')}, "
        f"c.{rawsql.column(Customer, 'size_class')}, COALESCE(p.{rawsql.column(Industry, 'code')}, i.{rawsql.column(Industry, 'code')}),"
        f" i.id, (SELECT b.{rawsql.column(BusinessProfile, 'employees')} FROM {bp} b "
        f"WHERE b.{profile_customer} = c.id AND b.{profile_as_of} <= %s "
        f"ORDER BY b.{profile_as_of} DESC, b.id DESC LIMIT 1) "
        f"FROM {cu} c LEFT JOIN {ind} i ON i.id = c.{rawsql.column(Customer, 'industry')} "
        f"LEFT JOIN {ind} p ON p.id = i.{rawsql.column(Industry, 'parent')} WHERE{cust_filter} ORDER BY c.id",
        [as_of, *cust_params],
        ["customer_id", "founded", "registered_cents", "registered_currency", "paid_in_cents",
         "paid_in_currency", "legal_form", "size_class", "section", "industry_id", "employees"],
    )

    def records(model: type, columns: Sequence[tuple[str, str]], extra: str = "",
                extra_params: Sequence[object] = ()) -> pa.Table:
        where, params = rawsql.id_filter(f"r.{rawsql.column(model, 'customer')}", customer_ids)
        select = ", ".join(expr for expr, _name in columns)
        return rawsql.fetch_arrow(
            f"SELECT r.{rawsql.column(model, 'customer')}, {select} FROM {rawsql.table(model)} r "
            f"WHERE{where} AND r.{rawsql.column(model, 'as_of')} <= %s{extra}",
            [*params, as_of, *extra_params], ["customer_id", *(name for _expr, name in columns)],
        )

    fs = FinancialStatement
    statements = records(
        fs,
        [(f"r.{rawsql.column(fs, 'period_end')}", "period_end"), (f"r.{rawsql.column(fs, 'period_type')}", "period_type"),
         (f"r.{rawsql.column(fs, 'unit')}", "unit"), (f"r.{rawsql.column(fs, 'currency')}", "currency")]
        + [(rawsql.cents(f"r.{rawsql.column(fs, line)}"), line) for line in STATEMENT_LINES],
        f" AND r.{rawsql.column(fs, 'period_end')} <= %s", [as_of],
    )
    tr = TradeReference
    trade_references = records(
        tr, [(f"r.{rawsql.column(tr, 'payment_experience')}", "experience"),
             (f"r.{rawsql.column(tr, 'days_beyond_terms')}", "days"), (f"r.{rawsql.column(tr, 'as_of')}", "as_of")])
    br = BankRelation
    bank_relations = records(
        br, [(f"r.{rawsql.column(br, 'overdue_count')}", "overdue_count"),
             (rawsql.cents(f"r.{rawsql.column(br, 'overdue_amount')}"), "amount_cents"),
             (f"r.{rawsql.column(br, 'currency')}", "currency"), (f"r.{rawsql.column(br, 'as_of')}", "as_of")])
    pr = PublicRecord
    public_records = records(
        pr, [(f"r.{rawsql.column(pr, 'kind')}", "kind"), (f"r.{rawsql.column(pr, 'role')}", "role"),
             (rawsql.cents(f"r.{rawsql.column(pr, 'amount')}"), "amount_cents"),
             (f"r.{rawsql.column(pr, 'currency')}", "currency"), (f"r.{rawsql.column(pr, 'status')}", "status"),
             (f"r.{rawsql.column(pr, 'event_date')}", "event_date"), (f"r.{rawsql.column(pr, 'as_of')}", "as_of")])

    inv_customer = rawsql.column(Invoice, "customer")
    where, params = rawsql.id_filter(f"inv.{inv_customer}", customer_ids)
    invoiced = rawsql.fetch_arrow(
        f"SELECT DISTINCT inv.{inv_customer} FROM {rawsql.table(Invoice)} inv WHERE{where} "
        f"AND inv.{rawsql.column(Invoice, 'invoice_date')} <= %s", [*params, as_of], ["customer_id"])

    # Paid amounts as receivables.reports.paid_amounts: cash allocations (not credit notes) by
    # payment date over the two 12-month windows, grouped by (customer, due date, paid date).
    year_ago_end = add_months(as_of, -selectors.PAYMENT_WINDOW_MONTHS)
    window_start = add_months(year_ago_end, -selectors.PAYMENT_WINDOW_MONTHS) + dt.timedelta(1)
    al, pay, inst = Allocation, Payment, InvoiceInstalment
    paid = rawsql.fetch_arrow(
        f"SELECT inv.{inv_customer}, inst.{rawsql.column(inst, 'due_date')}, "
        f"pay.{rawsql.column(pay, 'payment_date')}, SUM(al.{rawsql.column(al, 'amount_company')}) "
        f"FROM {rawsql.table(al)} al JOIN {rawsql.table(pay)} pay ON pay.id = al.{rawsql.column(al, 'payment')} "
        f"JOIN {rawsql.table(inst)} inst ON inst.id = al.{rawsql.column(al, 'instalment')} "
        f"JOIN {rawsql.table(Invoice)} inv ON inv.id = inst.{rawsql.column(inst, 'invoice')} "
        f"WHERE al.{rawsql.column(al, 'payment')} IS NOT NULL AND pay.{rawsql.column(pay, 'payment_date')} "
        f"BETWEEN %s AND %s AND{where} "
        f"GROUP BY inv.{inv_customer}, inst.{rawsql.column(inst, 'due_date')}, pay.{rawsql.column(pay, 'payment_date')}",
        [window_start, as_of, *params], ["customer_id", "due", "paid", "sum_amount"])

    # Balances with the receivables report's own open-items SQL, grouped by customer.
    chunk = Customer.objects.filter(pk__gte=min(customer_ids), pk__lte=max(customer_ids))
    if len(customer_ids) != max(customer_ids) - min(customer_ids) + 1:
        chunk = chunk.filter(pk__in=list(customer_ids))
    items_sql, items_params = _items_sql([as_of], chunk)
    balances = rawsql.fetch_arrow(
        "SELECT items.customer_id, SUM(items.open0), "
        "SUM(CASE WHEN items.due_date >= %s THEN items.open0 ELSE 0 END), "
        "MIN(CASE WHEN items.due_date < %s AND items.open0 > 0 THEN items.due_date END) "
        f"FROM ({items_sql}) items GROUP BY items.customer_id",
        [as_of, as_of, *items_params], ["customer_id", "sum_total", "sum_current", "oldest_due"])

    fx = rawsql.fetch_arrow(
        f"SELECT {rawsql.column(FxRate, 'currency')}, {rawsql.column(FxRate, 'rate_date')}, "
        f"CAST({rawsql.column(FxRate, 'rate')} AS VARCHAR(40)) FROM {rawsql.table(FxRate)} "
        f"ORDER BY {rawsql.column(FxRate, 'currency')}, {rawsql.column(FxRate, 'rate_date')}",
        [], ["currency", "rate_date", "rate"])
    return Extract(as_of=as_of, customers=customers, statements=statements,
                   trade_references=trade_references, bank_relations=bank_relations,
                   public_records=public_records, invoiced=invoiced, paid=paid,
                   balances=balances, fx=fx)


# =========================================================================== conversions


class FxTable:
    """FX rates as integers scaled by 1e8, looked up vectorised (latest on or before a day)."""

    def __init__(self, table: pa.Table) -> None:
        self.home = company_currency()
        self.rates: dict[str, tuple[npt.NDArray[np.int64], list[int]]] = {}
        currencies = table.column("currency").to_pylist()
        days = _days(table.column("rate_date"))
        texts = table.column("rate").to_pylist()
        for currency in sorted(set(currencies)):
            rows = [i for i, c in enumerate(currencies) if c == currency]
            self.rates[currency] = (days[rows], [int(Decimal(str(texts[i])) * RATE_SCALE)
                                                 for i in rows])

    def yuan(self, cents: FloatArray, currency: Sequence[object], days: IntArray,
             unit: IntArray | int = 1) -> tuple[FloatArray, BoolArray]:
        """``cents`` x ``unit`` in yuan (NaN stays NaN) and a mask of rows without an FX rate.

        Home currency: ``cents * unit / 100`` (exact integers, one correctly rounded division:
        the float of the single path's Decimal). Other currencies: exact with Python integers.
        """
        units = np.broadcast_to(np.asarray(unit, dtype=np.int64), cents.shape)
        present = ~np.isnan(cents)
        whole = np.where(present, cents, 0).astype(np.int64) * units
        out = np.where(present, whole / 100.0, np.nan)
        no_rate = np.zeros(len(cents), dtype=bool)
        currency_array = np.asarray(currency, dtype=object)
        foreign = present & (currency_array != self.home)
        for i in np.flatnonzero(foreign):
            code = str(currency_array[i])
            dates, rates = self.rates.get(code, (np.array([], dtype=np.int64), []))
            position = int(np.searchsorted(dates, days[i], side="right")) - 1
            if position < 0:
                out[i] = np.nan
                no_rate[i] = True
                continue
            out[i] = float(Decimal(int(whole[i]) * rates[position]) / (100 * RATE_SCALE))
        return out, no_rate


def _days(column: pa.ChunkedArray | pa.Array) -> IntArray:
    """A date32 column as days since 1970 (missing = a very large sentinel)."""
    values = column.cast(pa.int32()).to_numpy(zero_copy_only=False)
    if isinstance(values, np.ma.MaskedArray):  # pragma: no cover
        values = values.filled(2**30)
    result = np.where(np.isnan(values.astype(np.float64)), 2**30, values)
    return result.astype(np.int64)


def _floats(column: pa.ChunkedArray | pa.Array) -> FloatArray:
    return column.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64)


def _day_number(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _from_day(number: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(number))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# =========================================================================== features


class MessageColumn:
    """One optional engine message per customer, dictionary-encoded.

    ``codes[i]`` indexes ``table`` (-1: no message), so a column of thousands of customers holds
    a handful of distinct messages, each rendered (English text and stored JSON) once.
    """

    __slots__ = ("codes", "table", "texts", "stored")

    def __init__(self, codes: IntArray, table: Sequence[Message],
                 rendered: tuple[npt.NDArray[Any], npt.NDArray[Any]] | None = None) -> None:
        self.codes = codes
        self.table = tuple(table)
        if rendered is None:
            # One extra slot at the end: code -1 picks "" / None (no message).
            rendered = (
                np.array([m.render() for m in self.table] + [""], dtype=object),
                np.array([json.dumps(m.to_json(), ensure_ascii=False) for m in self.table]
                         + [None], dtype=object))
        self.texts, self.stored = rendered

    @classmethod
    def constant(cls, n: int, item: Message | None) -> MessageColumn:
        """The same message (or none) for ``n`` customers."""
        if item is None:
            return cls(np.full(n, -1, dtype=np.int64), ())
        return cls(np.zeros(n, dtype=np.int64), (item,))

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, position: int) -> Message | None:
        code = int(self.codes[position])
        return None if code < 0 else self.table[code]

    def take(self, rows: IntArray) -> MessageColumn:
        """The customers at positions ``rows`` (same table, rendered texts shared)."""
        return MessageColumn(self.codes[rows], self.table, (self.texts, self.stored))

    def text_array(self) -> npt.NDArray[Any]:
        """English text per customer ("" for none)."""
        return self.texts[self.codes]

    def stored_array(self) -> npt.NDArray[Any]:
        """Stored JSON text per customer (None for none)."""
        return self.stored[self.codes]


class _Messages:
    """Builds a :class:`MessageColumn` rule by rule; the first rule matching a customer wins
    (rules are added in the single path's order of checks)."""

    def __init__(self, n: int) -> None:
        self.codes = np.full(n, -1, dtype=np.int64)
        self.table: list[Message] = []
        self._ids: dict[tuple[object, ...], int] = {}

    def _id(self, item: Message) -> int:
        key = (item.code, *sorted(item.params.items()))
        if key not in self._ids:
            self._ids[key] = len(self.table)
            self.table.append(item)
        return self._ids[key]

    def add(self, mask: BoolArray, make: Callable[..., Message],
            *params: npt.NDArray[Any]) -> _Messages:
        """Where ``mask`` holds (and no earlier rule matched): ``make(*values)``, called once per
        distinct combination of the integer ``params`` at those customers."""
        rows = np.flatnonzero(mask & (self.codes < 0))
        if not len(rows):
            return self
        if not params:
            self.codes[rows] = self._id(make())
            return self
        keys = np.stack([np.asarray(p, dtype=np.int64)[rows] for p in params], axis=1)
        uniques, inverse = np.unique(keys, axis=0, return_inverse=True)
        ids = np.array([self._id(make(*(int(v) for v in row))) for row in uniques],
                       dtype=np.int64)
        self.codes[rows] = ids[inverse.reshape(-1)]
        return self

    def column(self) -> MessageColumn:
        return MessageColumn(self.codes, self.table)


@dataclass
class FeatureColumns:
    """The 34 features of many customers: value (NaN / None = missing), status, data date,
    source and note (the single path's structured messages)."""

    customer_ids: IntArray
    values: dict[str, npt.NDArray[Any]]
    statuses: dict[str, npt.NDArray[Any]]
    dates: dict[str, npt.NDArray[Any]]  # day numbers; -1 = none
    sources: dict[str, MessageColumn]
    notes: dict[str, MessageColumn]
    skipped: dict[int, str] = field(default_factory=dict)  # customer id -> reason

    def __len__(self) -> int:
        return len(self.customer_ids)

    def value_list(self, key: str) -> list[object]:
        """Values of one feature as Python objects (None = missing)."""
        values = self.values[key]
        if key in CATEGORICAL:
            return list(values)
        return [None if np.isnan(v) else float(v) for v in values]

    def row(self, index: int) -> dict[str, tuple[object, str]]:
        """One customer's features as {key: (value, status)} (tests, diagnostics)."""
        return {key: (self.value_list(key)[index], str(self.statuses[key][index]))
                for key in FEATURE_KEYS}

    def scoring_columns(self) -> dict[str, Any]:
        """The column dict ``score_rows`` reads (numeric as float arrays with NaN)."""
        return {key: (list(self.values[key]) if key in CATEGORICAL else self.values[key])
                for key in FEATURE_KEYS}

    def take(self, rows: IntArray) -> FeatureColumns:
        """The customers at positions ``rows``."""
        return FeatureColumns(
            customer_ids=self.customer_ids[rows],
            values={k: v[rows] for k, v in self.values.items()},
            statuses={k: v[rows] for k, v in self.statuses.items()},
            dates={k: v[rows] for k, v in self.dates.items()},
            sources={k: v.take(rows) for k, v in self.sources.items()},
            notes={k: v.take(rows) for k, v in self.notes.items()},
        )


_Message = Message | MessageColumn | _Messages | None


def _column(n: int, item: _Message) -> MessageColumn:
    if isinstance(item, MessageColumn):
        return item
    if isinstance(item, _Messages):
        return item.column()
    return MessageColumn.constant(n, item)


class _Builder:
    """Collects feature columns aligned on the chunk's customers."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.values: dict[str, npt.NDArray[Any]] = {}
        self.statuses: dict[str, npt.NDArray[Any]] = {}
        self.dates: dict[str, npt.NDArray[Any]] = {}
        self.sources: dict[str, MessageColumn] = {}
        self.notes: dict[str, MessageColumn] = {}

    def messages(self) -> _Messages:
        """A new message column builder for this chunk."""
        return _Messages(self.n)

    def set(self, key: str, value: npt.NDArray[Any], status: npt.NDArray[Any] | None = None,
            *, day: npt.NDArray[Any] | int = -1, source: _Message = None,
            note: _Message = None) -> None:
        if key in CATEGORICAL:
            value = np.asarray(value, dtype=object)
            present = np.array([v is not None for v in value], dtype=bool)
        else:
            value = np.asarray(value, dtype=np.float64)
            present = ~np.isnan(value)
        if status is None:
            status = np.where(present, STATUS_OK, MISSING)
        self.values[key] = value
        self.statuses[key] = np.asarray(status, dtype=object)
        self.dates[key] = np.broadcast_to(np.asarray(day, dtype=np.int64), (self.n,)).copy()
        self.sources[key] = _column(self.n, source)
        self.notes[key] = _column(self.n, note)


# Message makers for ``_Messages.add``: called once per distinct parameter combination.


def _same(item: Message) -> Message:
    return item


def _fixed(item: Message) -> Callable[[], Message]:
    """A maker giving always ``item``."""
    return functools.partial(_same, item)


def _statement_source(day: int, months: int) -> Message:
    return message("source.statement", period_end=_from_day(day).isoformat(), months=months)


def _altman_source(day: int, manufacturer: int) -> Message:
    return message("source.altman", period_end=_from_day(day).isoformat(),
                   variant="z_prime" if manufacturer else "z_double_prime")


def _count_message(code: str, count: int) -> Message:
    return message(code, count=count)


def _counted(code: str) -> Callable[[int], Message]:
    """A maker of the message ``code`` with its ``count`` parameter."""
    return functools.partial(_count_message, code)


def _size_source(employees: int, revenue: int) -> Message:
    return size_class_source(employees=bool(employees), revenue=bool(revenue))


def _no_previous_note(day: int) -> Message:
    return message("feature.no_previous_statement", period_end=_from_day(day).isoformat())


def _annualised_note(months: int, previous_months: int) -> Message:
    return message("ratio.annualised_periods", months=months, previous_months=previous_months)


def _inputs_note(names: Sequence[str], absent: int) -> Message:
    """``value.missing_inputs`` naming the inputs whose bit is set in ``absent``."""
    return message("value.missing_inputs",
                   inputs=", ".join(name for bit, name in enumerate(names) if absent >> bit & 1))


def _missing_inputs(notes: _Messages, names: Sequence[str], absent: Sequence[BoolArray]
                    ) -> _Messages:
    """The rule "missing: <inputs>" naming, in ``names`` order, the inputs absent per customer
    (one bit per input, so each distinct combination is rendered once)."""
    bits = np.zeros(len(notes.codes), dtype=np.int64)
    for bit, flags in enumerate(absent):
        bits |= flags.astype(np.int64) << bit
    return notes.add(bits > 0, functools.partial(_inputs_note, tuple(names)), bits)


def _denominator_notes(notes: _Messages, denominator: FloatArray, name: str, *,
                       negative: Message | None = None) -> _Messages:
    """The rules "<name> is 0" then "<name> is negative" (or the ratio's own wording)."""
    notes.add(denominator == 0, _fixed(message("value.zero_denominator", denominator=name)))
    return notes.add(denominator < 0, _fixed(
        negative or message("value.negative_denominator", denominator=name)))


def _status(missing: BoolArray, denominator: FloatArray, *, negative: bool = True
            ) -> npt.NDArray[Any]:
    """missing_input / zero_denominator / negative_denominator / ok, in the engine's order."""
    status = np.full(len(missing), STATUS_OK, dtype=object)
    status[denominator == 0] = ZERO
    if negative:
        status[denominator < 0] = NEGATIVE
    status[missing] = MISSING
    return status


def _divide(numerator: FloatArray, denominator: FloatArray, missing: BoolArray
            ) -> tuple[FloatArray, npt.NDArray[Any]]:
    status = _status(missing, denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(status == STATUS_OK, numerator / denominator, np.nan)
    return value, status


def _align(ids: IntArray, table: pa.Table, column: str, fill: float = np.nan) -> FloatArray:
    """``table.column`` placed on the positions of ``ids`` (by its customer_id)."""
    out = np.full(len(ids), fill, dtype=np.float64)
    if table.num_rows:
        positions = np.searchsorted(ids, table.column("customer_id").to_numpy())
        out[positions] = _floats(table.column(column))
    return out


def compute_features(data: Extract, *, lookback_years: int = DEFAULT_LOOKBACK_YEARS
                     ) -> FeatureColumns:
    """The 34 features of every customer in ``data`` (rules of ``engine.features``)."""
    as_of = data.as_of
    today = _day_number(as_of)
    ids = data.customers.column("customer_id").to_numpy().astype(np.int64)
    n = len(ids)
    fx = FxTable(data.fx)
    b = _Builder(n)
    no_fx = np.zeros(n, dtype=bool)

    def positions(table: pa.Table) -> IntArray:
        return np.searchsorted(ids, table.column("customer_id").to_numpy()).astype(np.int64)

    # ------------------------------------------------------------------ statements
    st = data.statements
    unit = np.array([UNIT_MULTIPLIER.get(u, 1) for u in st.column("unit").to_pylist()],
                    dtype=np.int64)
    st_days = _days(st.column("period_end"))
    currencies = st.column("currency").to_pylist()
    lines: dict[str, FloatArray] = {}
    st_pos = positions(st)
    for line in STATEMENT_LINES:
        lines[line], missing_rate = fx.yuan(_floats(st.column(line)), currencies, st_days, unit)
        np.logical_or.at(no_fx, st_pos[missing_rate], True)
    months = np.array([STATEMENT_MONTHS.get(p, 12) for p in st.column("period_type").to_pylist()],
                      dtype=np.int64)
    statement_table = pa.table({
        "row": np.arange(st.num_rows), "customer_id": st.column("customer_id"),
        "period_end": st.column("period_end"), "period_type": st.column("period_type"),
        "months": months,
    })
    chosen = rawsql.duckdb_query({"s": statement_table}, f"""
        WITH cur AS (
            SELECT * FROM (
                SELECT s.*, row_number() OVER (PARTITION BY customer_id
                    ORDER BY period_end DESC, months DESC, period_end, period_type, row) AS k
                FROM s) WHERE k = 1),
        target AS (
            SELECT customer_id, row AS cur_row, months AS cur_months, period_end AS cur_end,
                   CASE WHEN month(period_end) = 2 AND day(period_end) = 29
                        THEN make_date(year(period_end) - 1, 2, 28)
                        ELSE make_date(year(period_end) - 1, month(period_end), day(period_end))
                   END AS target
            FROM cur),
        prev AS (
            SELECT * FROM (
                SELECT t.customer_id, s.row AS prev_row, row_number() OVER (
                    PARTITION BY t.customer_id
                    ORDER BY (s.months <> t.cur_months), abs(date_diff('day', t.target,
                    s.period_end)), s.period_end, s.period_type, s.row) AS k
                FROM target t JOIN s ON s.customer_id = t.customer_id
                WHERE abs(date_diff('day', t.target, s.period_end))
                      <= {PREVIOUS_PERIOD_TOLERANCE_DAYS}) WHERE k = 1)
        SELECT t.customer_id, t.cur_row, p.prev_row FROM target t
        LEFT JOIN prev p USING (customer_id) ORDER BY t.customer_id""")
    has_current = np.zeros(n, dtype=bool)
    cur_row = np.zeros(n, dtype=np.int64)
    prev_row = np.full(n, -1, dtype=np.int64)
    if chosen.num_rows:
        where = positions(chosen)
        has_current[where] = True
        cur_row[where] = chosen.column("cur_row").to_numpy()
        prev = chosen.column("prev_row").to_numpy(zero_copy_only=False)
        prev_row[where] = np.where(np.isnan(prev.astype(np.float64)), -1, prev).astype(np.int64)
    has_previous = prev_row >= 0

    def current(line: str) -> FloatArray:
        return np.where(has_current, lines[line][cur_row] if st.num_rows else np.nan, np.nan)

    f = {line: current(line) for line in STATEMENT_LINES}
    cur_months = np.where(has_current, months[cur_row] if st.num_rows else 12, 12)
    factor = 12 / cur_months  # the engine's annualisation_factor (12 / months)
    period_days = 365.0 * cur_months / 12
    statement_day = np.where(has_current, st_days[cur_row] if st.num_rows else -1, -1)
    period_months = months[cur_row] if st.num_rows else np.full(n, 12)
    statement_source = b.messages().add(
        has_current, _statement_source, statement_day, period_months).column()
    no_statement = message("feature.no_statement", as_of=as_of.isoformat())

    def finance_notes() -> _Messages:
        return b.messages().add(~has_current, _fixed(no_statement))

    def missing(*names: str) -> BoolArray:
        result = ~has_current
        for name in names:
            result = result | np.isnan(f[name])
        return result

    def ratio(key: str, numerator: FloatArray, denominator: str, *inputs: str,
              negative: Message | None = None) -> None:
        below = f[denominator]
        value, status = _divide(numerator, below, missing(*inputs))
        # The notes of ``engine.ratios._divide``: missing inputs, then 0, then negative.
        note = _missing_inputs(finance_notes(), inputs, [np.isnan(f[name]) for name in inputs])
        if key == "interest_coverage":  # the wording says whether EBIT is positive
            strong = f["operating_profit"] > 0
            for kind, mask in (("zero", below == 0), ("negative", below < 0)):
                note.add(mask & strong, _fixed(message(f"ratio.interest_{kind}_strong")))
                note.add(mask, _fixed(message(f"ratio.interest_{kind}_weak")))
        _denominator_notes(note, below, denominator, negative=negative)
        b.set(key, value, status, day=statement_day, source=statement_source, note=note)

    ratio("current_ratio", f["current_assets"], "current_liabilities",
          "current_assets", "current_liabilities")
    ratio("quick_ratio", f["current_assets"] - f["inventory"], "current_liabilities",
          "current_assets", "inventory", "current_liabilities")
    ratio("debt_to_assets", f["total_liabilities"], "total_assets",
          "total_liabilities", "total_assets")
    ratio("interest_coverage", f["operating_profit"], "interest_expense",
          "operating_profit", "interest_expense")
    ratio("roa", f["net_profit"] * factor, "total_assets", "net_profit", "total_assets")
    ratio("roe", f["net_profit"] * factor, "equity", "net_profit", "equity",
          negative=message("ratio.negative_equity"))
    ratio("gross_margin", f["revenue"] - f["cost_of_sales"], "revenue", "revenue",
          "cost_of_sales")
    ratio("net_margin", f["net_profit"], "revenue", "net_profit", "revenue")
    ratio("asset_turnover", f["revenue"] * factor, "total_assets", "revenue", "total_assets")
    ratio("receivable_days", f["accounts_receivable"] * period_days, "revenue",
          "accounts_receivable", "revenue")
    ratio("inventory_days", f["inventory"] * period_days, "cost_of_sales", "inventory",
          "cost_of_sales")
    prev_months = np.where(has_previous, months[prev_row] if st.num_rows else 12, 12)
    # Without the previous statement the single path names no source either.
    growth_source = b.messages().add(
        has_current & has_previous, _statement_source, statement_day, period_months).column()
    for key, line in (("sales_growth", "revenue"), ("profit_growth", "net_profit")):
        now = f[line] * factor
        before = np.where(has_previous, lines[line][prev_row] if st.num_rows else np.nan,
                          np.nan) * (12 / prev_months)
        gone = ~has_current | ~has_previous | np.isnan(now) | np.isnan(before)
        value, status = _divide(now - before, before, gone)
        # The notes of ``engine.ratios._growth`` (and the features' "no previous statement").
        note = finance_notes().add(~has_previous, _no_previous_note, statement_day)
        previous = f"previous_{line}"
        _missing_inputs(note, (line, previous), [np.isnan(now), np.isnan(before)])
        _denominator_notes(note, before, previous,
                           negative=message("ratio.negative_previous", figure=line))
        note.add((status == STATUS_OK) & (cur_months != prev_months), _annualised_note,
                 cur_months, prev_months)
        b.set(key, value, status, day=statement_day, source=growth_source, note=note)

    # Altman: Z' for manufacturers (section C), Z'' otherwise (credo records no listing);
    # without a retained-earnings line the engine reports missing_input, reproduced here.
    sections = data.customers.column("section").to_pylist()
    manufacturer = np.array([(s or "").upper() == MANUFACTURING_SECTION for s in sections],
                            dtype=bool)
    retained = f["retained_earnings"]
    ebit, sales = f["operating_profit"] * factor, f["revenue"] * factor
    ta, tl = f["total_assets"], f["total_liabilities"]
    needed = [f["current_assets"], f["current_liabilities"], retained, ebit, f["equity"], tl, ta]
    absent = ~has_current | np.logical_or.reduce([np.isnan(x) for x in needed])
    absent |= manufacturer & np.isnan(sales)
    with np.errstate(divide="ignore", invalid="ignore"):
        x1 = (f["current_assets"] - f["current_liabilities"]) / ta
        x2, x3, x4, x5 = retained / ta, ebit / ta, f["equity"] / tl, sales / ta
        z_prime = 0 + 0.717 * x1 + 0.847 * x2 + 3.107 * x3 + 0.420 * x4 + 0.998 * x5
        z_double = 0 + 6.56 * x1 + 3.26 * x2 + 6.72 * x3 + 1.05 * x4
    score = np.round(np.where(manufacturer, z_prime, z_double), 6)
    status = np.full(n, STATUS_OK, dtype=object)
    for denominator in (tl, ta):  # the engine checks total assets first
        status[denominator < 0] = NEGATIVE
        status[denominator == 0] = ZERO
    status[absent] = MISSING
    score = np.where(status == STATUS_OK, score, np.nan)
    safe, distress = np.where(manufacturer, 2.9, 2.6), np.where(manufacturer, 1.23, 1.1)
    zone = np.where(np.isnan(score), None,  # type: ignore[call-overload]
                    np.where(score > safe, "safe", np.where(score < distress, "distress", "grey")))
    altman_source = b.messages().add(has_current, _altman_source, statement_day,
                                     manufacturer).column()
    # The notes of ``engine.altman.altman_z``: the missing inputs in name order (revenue only
    # for Z'), then total assets, then total liabilities not positive.
    figures = {"current_assets": f["current_assets"],
               "current_liabilities": f["current_liabilities"], "equity": f["equity"],
               "operating_profit": ebit, "retained_earnings": retained, "total_assets": ta,
               "total_liabilities": tl}
    absent_figures = {name: np.isnan(values) for name, values in figures.items()}
    absent_figures["revenue"] = manufacturer & np.isnan(sales)
    names = sorted(absent_figures)
    altman_note = _missing_inputs(finance_notes(), names, [absent_figures[k] for k in names])
    for name, values in (("total_assets", ta), ("total_liabilities", tl)):
        _denominator_notes(altman_note, values, name)
    altman_notes = altman_note.column()
    b.set("altman_z", score, status, day=statement_day, source=altman_source, note=altman_notes)
    b.set("altman_zone", zone, status, day=statement_day, source=altman_source,
          note=altman_notes)

    # ------------------------------------------------------------------ payment behaviour
    _payment_features(b, data, ids, today)
    _trade_reference_features(b, data, ids)
    _bank_features(b, data, ids, fx, no_fx)
    _public_record_features(b, data, ids, fx, no_fx, as_of, lookback_years)
    _registration_features(b, data, ids, fx, no_fx, today, f, factor, has_current,
                           statement_day)

    skipped = {int(i): FX_MISSING for i in ids[no_fx]}
    return FeatureColumns(customer_ids=ids, values=b.values, statuses=b.statuses, dates=b.dates,
                          sources=b.sources, notes=b.notes, skipped=skipped)


def _index3(days_late: IntArray) -> IntArray:
    """3 x the payment index of ``receivables.metrics.payment_index_for_days`` (an integer:
    the anchors' slopes are -2/3, -1 and -1/3 points per day)."""
    d = days_late
    return np.select(
        [d <= -30, d <= 0, d <= 30, d <= 120],
        [np.full_like(d, 300), 300 - 2 * (d + 30), 240 - 3 * d, 150 - (d - 30)],
        np.maximum(3, 60 - (d - 120)),
    )


def _payment_features(b: _Builder, data: Extract, ids: IntArray, today: int) -> None:
    n = len(ids)
    as_of = data.as_of
    has_payment = np.zeros(n, dtype=bool)
    if data.invoiced.num_rows:
        has_payment[np.searchsorted(ids, data.invoiced.column("customer_id").to_numpy())] = True
    paid = data.paid
    start = _day_number(add_months(as_of, -selectors.PAYMENT_WINDOW_MONTHS)) + 1
    year_ago_end = start - 1
    cust = np.searchsorted(ids, paid.column("customer_id").to_numpy()).astype(np.int64)
    due, paid_day = _days(paid.column("due")), _days(paid.column("paid"))
    cents = np.rint(_floats(paid.column("sum_amount")) * 100).astype(np.int64)
    late = paid_day - due
    positive = cents > 0  # metrics use amount > 0 (the grouped, rounded amount)
    now = positive & (paid_day >= start)
    before = positive & (paid_day <= year_ago_end)

    def weighted(mask: BoolArray, weights: IntArray) -> tuple[IntArray, IntArray]:
        return (np.bincount(cust[mask], weights=(cents * weights)[mask], minlength=n)
                .round().astype(np.int64),
                np.bincount(cust[mask], weights=cents[mask], minlength=n).round().astype(np.int64))

    # Days beyond terms: sum(amount x max(0, late)) / sum(amount), 2 decimals half up (exact).
    w, total = weighted(now, np.maximum(late, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        hundredths = (200 * w + total) // np.maximum(2 * total, 1)
    dbt = np.where(has_payment & (total > 0), hundredths / 100.0, np.nan)

    def index(mask: BoolArray) -> FloatArray:
        w3, t = weighted(mask, _index3(late))
        safe_t = np.maximum(t, 1)
        value = (2 * w3 + 3 * safe_t) // (6 * safe_t)  # floor(w3 / 3t + 1/2): half up
        result = np.where(has_payment & (t > 0), value.astype(np.float64), np.nan)
        ties = np.flatnonzero(has_payment & (t > 0) & ((2 * w3 + 3 * safe_t) % (6 * safe_t) == 0))
        for position in ties:  # exact .5: the Decimal path decides (rare)
            rows = np.flatnonzero(mask & (cust == position))
            items = [PaidAmount(Decimal(int(cents[r])) / 100, _from_day(due[r]),
                                _from_day(paid_day[r])) for r in rows]
            exact = payment_index(items)
            result[position] = np.nan if exact is None else float(exact)
        return result

    index_now, index_before = index(now), index(before)
    totals, current = (_align(ids, data.balances, "sum_total"),
                       _align(ids, data.balances, "sum_current"))
    total_cents = np.rint(np.nan_to_num(totals) * 100)
    current_cents = np.rint(np.nan_to_num(current) * 100)
    oldest = np.full(n, -1, dtype=np.int64)
    if data.balances.num_rows:
        where = np.searchsorted(ids, data.balances.column("customer_id").to_numpy())
        days = _days(data.balances.column("oldest_due"))
        oldest[where] = np.where(days >= 2**30, -1, today - days)
    max_late = np.full(n, -(2**40), dtype=np.int64)
    np.maximum.at(max_late, cust[now], late[now])
    max_late = np.maximum(max_late, oldest)
    any_delay = (np.bincount(cust[now], minlength=n) > 0) | (oldest >= 0)
    max_dpd = np.where(has_payment & any_delay, np.maximum(0, max_late).astype(np.float64), np.nan)

    src = b.messages().add(has_payment, _fixed(message("source.receivables_metrics")))
    day = np.where(has_payment, today, -1)
    no_record = ~has_payment
    no_payment_record = _fixed(message("feature.no_payment_record"))
    for key, value in (("days_beyond_terms", dbt), ("payment_index", index_now),
                       ("max_days_past_due", max_dpd)):
        value = np.where(has_payment, value, np.nan)
        note = b.messages().add(no_record, no_payment_record).add(
            np.isnan(value), _fixed(message("feature.not_available", feature=key)))
        b.set(key, value, day=day, source=src, note=note)
    overdue_cents = total_cents - current_cents
    status = np.full(n, STATUS_OK, dtype=object)
    status[total_cents == 0] = ZERO
    status[total_cents < 0] = NEGATIVE
    status[~has_payment] = MISSING
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(status == STATUS_OK, (overdue_cents / 100.0) / (total_cents / 100.0),
                         np.nan)
    # The overdue amount and the open receivables always exist with a payment record (the
    # balance query gives 0 when nothing is open), so "overdue inputs missing" never applies.
    note = b.messages().add(no_record, no_payment_record).add(
        total_cents == 0, _fixed(message("feature.no_open_receivables"))).add(
        total_cents < 0, _fixed(message("feature.negative_open_receivables")))
    b.set("overdue_share", share, status, day=day, source=src, note=note)
    trend = np.where(has_payment, index_now - index_before, np.nan)
    note = b.messages().add(no_record, no_payment_record).add(
        np.isnan(trend), _fixed(message("feature.payment_trend_missing")))
    b.set("payment_trend", trend, day=day, source=src, note=note)


def _trade_reference_features(b: _Builder, data: Extract, ids: IntArray) -> None:
    n = len(ids)
    tr = data.trade_references
    where = np.searchsorted(ids, tr.column("customer_id").to_numpy()).astype(np.int64)
    experience = np.asarray(tr.column("experience").to_pylist(), dtype=object)
    days = _floats(tr.column("days"))
    inferred = np.isnan(days) & (experience == "prompt")  # prompt = paid within terms
    days = np.where(inferred, 0.0, days)
    count = np.bincount(where, minlength=n)
    with_days = ~np.isnan(days)
    day_count = np.bincount(where[with_days], minlength=n)
    day_sum = np.bincount(where[with_days], weights=days[with_days], minlength=n)
    bad = np.isin(experience, list(BAD_PAYMENT_EXPERIENCES))
    bad_count = np.bincount(where[bad], minlength=n)
    latest = np.full(n, -1, dtype=np.int64)
    np.maximum.at(latest, where, _days(tr.column("as_of")))
    src = b.messages().add(count > 0, _counted("source.trade_references"), count).column()
    none = b.messages().add(count == 0, _fixed(message("feature.no_trade_reference")))
    prompt_count = np.bincount(where[inferred], minlength=n)
    days_note = b.messages().add(count == 0, _fixed(message("feature.no_trade_reference"))).add(
        day_count == 0, _fixed(message("feature.no_trade_reference_days"))).add(
        prompt_count > 0, _counted("feature.prompt_references_counted"), prompt_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        b.set("trade_ref_days_beyond_terms",
              np.where(day_count > 0, day_sum / np.maximum(day_count, 1), np.nan),
              day=latest, source=src, note=days_note)
        b.set("trade_ref_bad_share",
              np.where(count > 0, bad_count / np.maximum(count, 1), np.nan), day=latest,
              source=src, note=none)


def _bank_features(b: _Builder, data: Extract, ids: IntArray, fx: FxTable, no_fx: BoolArray
                   ) -> None:
    n = len(ids)
    br = data.bank_relations
    where = np.searchsorted(ids, br.column("customer_id").to_numpy()).astype(np.int64)
    amounts, missing_rate = fx.yuan(_floats(br.column("amount_cents")),
                                    br.column("currency").to_pylist(), _days(br.column("as_of")))
    np.logical_or.at(no_fx, where[missing_rate], True)
    amounts = np.nan_to_num(amounts)  # a required field: never None (0 when none)
    count = np.bincount(where, minlength=n)
    overdue = np.bincount(where, weights=_floats(br.column("overdue_count")), minlength=n)
    total = np.bincount(where, weights=amounts, minlength=n)
    latest = np.full(n, -1, dtype=np.int64)
    np.maximum.at(latest, where, _days(br.column("as_of")))
    src = b.messages().add(count > 0, _counted("source.bank_relations"), count).column()
    none = b.messages().add(count == 0, _fixed(message("feature.no_bank_relation"))).column()
    b.set("bank_overdue_count", np.where(count > 0, overdue, np.nan), day=latest, source=src,
          note=none)
    b.set("bank_overdue_amount", np.where(count > 0, total, np.nan), day=latest, source=src,
          note=none)


def _public_record_features(b: _Builder, data: Extract, ids: IntArray, fx: FxTable,
                            no_fx: BoolArray, as_of: dt.date, lookback_years: int) -> None:
    n = len(ids)
    pr = data.public_records
    where = np.searchsorted(ids, pr.column("customer_id").to_numpy()).astype(np.int64)
    record_as_of = _days(pr.column("as_of"))
    event = _days(pr.column("event_date"))
    dated = np.where(event < 2**30, event, record_as_of)
    known = dated <= _day_number(as_of)
    start = _day_number(_years_before(as_of, lookback_years))
    window = known & (dated >= start)
    kind = np.asarray(pr.column("kind").to_pylist(), dtype=object)
    role = np.asarray(pr.column("role").to_pylist(), dtype=object)
    status = np.asarray(pr.column("status").to_pylist(), dtype=object)
    amounts, missing_rate = fx.yuan(_floats(pr.column("amount_cents")),
                                    pr.column("currency").to_pylist(), record_as_of)
    np.logical_or.at(no_fx, where[missing_rate], True)
    any_known = np.bincount(where[known], minlength=n) > 0
    lawsuits = window & (kind == "lawsuit") & (role == "defendant") & (status != "withdrawn")

    def count(mask: BoolArray) -> FloatArray:
        return np.bincount(where[mask], minlength=n).astype(np.float64)

    with_amount = lawsuits & ~np.isnan(amounts)
    amount = np.bincount(where[with_amount], weights=amounts[with_amount], minlength=n)
    listing = known & (kind == "dishonest_debtor") & ~np.isin(status,
                                                              list(INACTIVE_LISTING_STATUSES))
    latest = np.full(n, -1, dtype=np.int64)
    np.maximum.at(latest, where[known], dated[known])
    window_source = public_records_source(start=_years_before(as_of, lookback_years),
                                          as_of=as_of, lookback_years=lookback_years)
    listing_source = message("source.public_records_listing", as_of=as_of.isoformat())
    window_src = b.messages().add(any_known, _fixed(window_source)).column()
    listing_src = b.messages().add(any_known, _fixed(listing_source)).column()
    # Notes: nobody searched; else, on the amount, the lawsuits without an amount. Every record
    # has an as_of (a required column), so the single path's "undated records" never applies.
    not_searched = b.messages().add(
        ~any_known, _fixed(message("feature.no_public_record_search"))).column()
    without_amount = count(lawsuits & np.isnan(amounts)).astype(np.int64)
    amount_note = b.messages().add(
        ~any_known, _fixed(message("feature.no_public_record_search"))).add(
        without_amount > 0, _counted("feature.lawsuits_without_amount"), without_amount)
    for key, value in (("lawsuits_defendant_count", count(lawsuits)),
                       ("lawsuits_defendant_amount", amount),
                       ("enforcement_count", count(window & (kind == "enforcement"))),
                       ("dishonest_debtor", (count(listing) > 0).astype(np.float64)),
                       ("penalties_count", count(window & (kind == "admin_penalty")))):
        b.set(key, np.where(any_known, value, np.nan), day=latest,
              source=listing_src if key == "dishonest_debtor" else window_src,
              note=amount_note if key == "lawsuits_defendant_amount" else not_searched)


def _registration_features(b: _Builder, data: Extract, ids: IntArray, fx: FxTable,
                           no_fx: BoolArray, today: int, f: Mapping[str, FloatArray],
                           factor: npt.NDArray[Any], has_current: BoolArray,
                           statement_day: IntArray) -> None:
    n = len(ids)
    cu = data.customers
    founded = _days(cu.column("founded"))
    has_founded = founded < 2**30
    days = today - founded
    # round((as_of - founded).days / 365.25, 2) = round(400 d / 1461) / 100, exact (no ties:
    # 1461 is odd and prime to 400).
    hundredths = (800 * days + 1461) // 2922
    years = np.where(has_founded & (days >= 0), hundredths / 100.0, np.nan)
    status = np.where(~has_founded, MISSING, np.where(days < 0, NOT_MEANINGFUL, STATUS_OK))
    registration = message("source.registration")
    note = b.messages().add(~has_founded, _fixed(message("feature.founding_date_missing"))).add(
        days < 0, _fixed(message("feature.founded_after_as_of", as_of=data.as_of.isoformat())))
    b.set("years_in_business", years, status.astype(object),
          day=np.where(has_founded & (days >= 0), founded, -1),
          source=b.messages().add(has_founded, _fixed(registration)), note=note)
    assert DAYS_PER_YEAR == 365.25  # the exact integer form above relies on it

    day = np.full(n, today, dtype=np.int64)
    registered, miss_r = fx.yuan(_floats(cu.column("registered_cents")),
                                 cu.column("registered_currency").to_pylist(), day)
    paid_in, miss_p = fx.yuan(_floats(cu.column("paid_in_cents")),
                              cu.column("paid_in_currency").to_pylist(), day)
    no_fx |= miss_r | miss_p
    value, status = _divide(paid_in, registered, np.isnan(registered) | np.isnan(paid_in))
    both = ~np.isnan(registered) & ~np.isnan(paid_in)
    note = b.messages().add(~both, _fixed(message("feature.capital_missing"))).add(
        registered <= 0, _fixed(message("feature.registered_capital_not_positive")))
    b.set("paid_in_ratio", value, status, source=b.messages().add(both, _fixed(registration)),
          note=note)

    employees = _floats(cu.column("employees"))
    revenue = np.where(has_current, f["revenue"] * factor, np.nan)
    given = np.asarray([s or None for s in cu.column("size_class").to_pylist()], dtype=object)

    def steps(values: FloatArray, thresholds: Sequence[float]) -> IntArray:
        out = np.full(n, len(thresholds), dtype=np.int64)
        for position in range(len(thresholds) - 1, -1, -1):
            out = np.where(values >= thresholds[position], position, out)
        return out

    by_employees = np.where(np.isnan(employees), -1, steps(employees, (1000, 300, 20)))
    by_revenue = np.where(np.isnan(revenue), -1,
                          steps(revenue, (400_000_000.0, 20_000_000.0, 3_000_000.0)))
    derived_index = np.maximum(by_employees, by_revenue)
    classes = np.asarray(SIZE_CLASSES + (None,), dtype=object)
    derived = classes[np.where(derived_index < 0, len(SIZE_CLASSES), derived_index)]
    has_given = np.array([g is not None for g in given], dtype=bool)
    size = np.where(has_given, given, derived)
    size_day = np.where(~has_given & ~np.isnan(revenue), statement_day, -1)
    source = b.messages().add(has_given, _fixed(registration)).add(
        derived_index >= 0, _size_source, ~np.isnan(employees), ~np.isnan(revenue))
    note = b.messages().add(~has_given & (derived_index < 0),
                            _fixed(message("feature.size_class_missing")))
    b.set("size_class", size, day=size_day, source=source, note=note)
    legal = np.asarray([s or None for s in cu.column("legal_form").to_pylist()], dtype=object)
    note = b.messages().add(legal == None,  # noqa: E711 - element-wise
                            _fixed(message("feature.legal_form_missing")))
    b.set("legal_form", legal, source=registration, note=note)
    b.set("employees", employees, source=registration, note=b.messages().add(
        np.isnan(employees), _fixed(message("feature.employees_missing"))))


def batch_features(customer_ids: Sequence[int], *, as_of: dt.date) -> FeatureColumns:
    """Extract and compute the features of ``customer_ids`` as of ``as_of`` (one chunk)."""
    return compute_features(extract(sorted(customer_ids), as_of=as_of))


# =========================================================================== scoring


@dataclass(frozen=True)
class CardInfo:
    """An active scorecard version with its parsed card and grade scale."""

    version: ScorecardVersion
    card: Scorecard
    scale: GradeScale


def active_cards() -> list[CardInfo]:
    """The active scorecard versions, parsed once per run."""
    return [CardInfo(v, selectors.engine_scorecard(v), selectors.grade_scale_for(v))
            for v in selectors.active_scorecards()]


def choose_cards(features: FeatureColumns, sections: Sequence[str | None],
                 customer_sizes: Sequence[str | None], cards: Sequence[CardInfo]
                 ) -> npt.NDArray[Any]:
    """Index into ``cards`` of the scorecard of each customer (-1: none applies), chosen like
    ``selectors.active_scorecard_for`` once per (industry section, size class)."""
    chosen = np.full(len(features), -1, dtype=np.int64)
    if not cards:
        return chosen
    sizes = features.values["size_class"]
    engine_cards = [c.card for c in cards]
    by_identity = {(c.card.key, c.card.version): i for i, c in enumerate(cards)}
    combos: dict[tuple[str | None, str | None], list[int]] = {}
    for i, (section, size, own) in enumerate(zip(sections, sizes, customer_sizes, strict=True)):
        combos.setdefault((section, size if isinstance(size, str) else (own or None)),
                          []).append(i)
    for (section, size), rows in combos.items():
        try:
            card = select_scorecard(engine_cards, industry_section=section, size_class=size)
        except ScorecardError:
            continue
        chosen[rows] = by_identity[(card.key, card.version)]
    return chosen


def _half_up(values: FloatArray, places: int) -> IntArray:
    """``Decimal(repr(v)).quantize(10**-places, ROUND_HALF_UP)`` as integer units of
    10**-places (the single path's rounding): floor(v x 10**p + 1/2), with the Decimal rule
    applied only where v x 10**p is within 1e-6 of a half (a possible tie)."""
    scale = 10.0**places
    scaled = values * scale
    units = np.floor(scaled + 0.5)
    near_tie = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    quantum = Decimal(1).scaleb(-places)
    for i in np.flatnonzero(near_tie):
        exact = Decimal(repr(float(values[i]))).quantize(quantum, rounding=ROUND_HALF_UP)
        units[i] = float(exact.scaleb(places))
    return units.astype(np.int64)


@dataclass
class ScoredChunk:
    """Scores, grades, PDs and the JSON explanation of the customers of one chunk.

    ``score_cents`` is the score rounded half up to 2 decimals in hundredths; ``pd_micro`` the
    PD rounded to 6 decimals in millionths (-1: none), capped at 0.999999.
    """

    customer_ids: IntArray
    card_index: IntArray
    raw_scores: FloatArray
    score_cents: IntArray
    grades: npt.NDArray[Any]
    pd_micro: IntArray
    reason_keys: npt.NDArray[Any]  # (n, 5) factor keys, None where fewer reasons
    reasons_json: npt.NDArray[Any]
    contributions_json: npt.NDArray[Any]
    features_json: list[str]

    def reasons(self, row: int) -> list[str]:
        """The reason codes (factor keys, largest loss first) of one customer."""
        return [k for k in self.reason_keys[row] if k is not None]

    def score(self, row: int) -> Decimal:
        return Decimal(int(self.score_cents[row])).scaleb(-2)

    def pd(self, row: int) -> Decimal | None:
        micro = int(self.pd_micro[row])
        return None if micro < 0 else Decimal(micro).scaleb(-6)


PD_CAP_MICRO = 999_999


def score_features(features: FeatureColumns, chosen: IntArray, cards: Sequence[CardInfo]
                   ) -> ScoredChunk:
    """Score each customer with its card (per card group), grade, PD, reasons, explanation."""
    n = len(features)
    raw = np.full(n, np.nan)
    score_cents = np.zeros(n, dtype=np.int64)
    pd_micro = np.full(n, -1, dtype=np.int64)
    grades = np.full(n, "", dtype=object)
    reason_keys = np.full((n, TOP_REASONS), None, dtype=object)
    reasons_json = np.full(n, "[]", dtype=object)
    contributions_json = np.full(n, "[]", dtype=object)
    for index, info in enumerate(cards):
        rows = np.flatnonzero(chosen == index)
        if not len(rows):
            continue
        group = features.take(rows)
        explained = _explain(info.card, group)
        total = explained.total
        raw[rows] = total
        cents = _half_up(total, 2)
        score_cents[rows] = cents
        rounded = cents / 100.0  # the engine grades float(score rounded to 2 decimals)
        codes = np.full(len(rows), "", dtype=object)
        for grade in reversed(info.scale.grades):  # the best grade reached wins
            reached = (np.ones(len(rows), dtype=bool) if grade.min_score is None
                       else rounded >= grade.min_score)
            codes[reached] = grade.code
        grades[rows] = codes
        if info.card.kind == "statistical" and info.card.scaling is not None:
            pds = scaled_pd(info.card.scaling, total)
        else:
            pds = _grade_pds(info.scale, codes)
        pd_micro[rows] = np.minimum(_half_up(pds, 6), PD_CAP_MICRO)
        reason_keys[rows] = explained.reason_keys
        reasons_json[rows] = explained.reasons_json
        contributions_json[rows] = explained.contributions_json
    return ScoredChunk(customer_ids=features.customer_ids, card_index=chosen, raw_scores=raw,
                       score_cents=score_cents, grades=grades, pd_micro=pd_micro,
                       reason_keys=reason_keys, reasons_json=reasons_json,
                       contributions_json=contributions_json,
                       features_json=_features_json(features))


def _grade_pds(scale: GradeScale, codes: npt.NDArray[Any]) -> FloatArray:
    pds = np.full(len(codes), np.nan)
    for grade in scale.grades:
        pds[codes == grade.code] = grade.pd
    return pds


def bin_index(factor: Factor, values: npt.NDArray[Any]) -> IntArray:
    """``binning.card_bin_index`` vectorised for the batch's columns (float arrays with NaN,
    object arrays of str/None): first matching bin, MISSING_INDEX, OTHER_INDEX."""
    out = np.full(len(values), OTHER_INDEX, dtype=np.int64)
    if factor.type == "categorical":
        lookup: dict[str, int] = {}
        for position, item in enumerate(factor.bins):
            for category in item.categories:  # type: ignore[union-attr]
                lookup.setdefault(str(category), position)
        present = np.array([v is not None for v in values], dtype=bool) if len(values) else \
            np.zeros(0, dtype=bool)
        texts = np.where(present, values, "").astype(str)
        uniques, inverse = np.unique(texts, return_inverse=True)
        mapped = np.array([lookup.get(u, OTHER_INDEX) if u.strip() else MISSING_INDEX
                           for u in uniques], dtype=np.int64)
        out = mapped[inverse] if len(uniques) else out
        out[~present] = MISSING_INDEX
        return out
    return numeric_bin_index(
        [(item.lower, item.upper) for item in factor.bins],  # type: ignore[union-attr]
        np.asarray(values, dtype=np.float64),
    )


@dataclass
class _Explained:
    total: FloatArray
    reason_keys: npt.NDArray[Any]
    reasons_json: npt.NDArray[Any]
    contributions_json: npt.NDArray[Any]


def _explain(card: Scorecard, group: FeatureColumns) -> _Explained:
    """Points per factor (the arithmetic of ``statistical.score_rows``: intercept, then each
    factor's points added in card order), the top reasons (largest loss first, ties by key)
    and the contributions / reasons JSON, built by DuckDB."""
    n = len(group)
    total = np.full(n, card.intercept_points)
    table: dict[str, Any] = {"row": np.arange(n)}
    struct_sql = []
    lost = np.zeros((n, len(card.factors)))
    for j, factor in enumerate(card.factors):
        values = group.values.get(factor.key)
        if values is None:
            values = np.full(n, None if factor.type == "categorical" else np.nan, dtype=object
                             if factor.type == "categorical" else np.float64)
        index = bin_index(factor, values)
        points = np.array([bin_.points for bin_ in factor.bins], dtype=np.float64)
        labels = np.array([bin_.label for bin_ in factor.bins], dtype=object)
        if_missing = factor.missing_points(card.kind)
        if_other = if_missing if factor.other_points is None else factor.other_points
        got = np.where(index >= 0, points[np.maximum(index, 0)], if_missing)
        is_other = index == OTHER_INDEX
        got = np.where(is_other, if_other, got)
        total += got
        lost[:, j] = factor.max_points - got
        missing_applied = (index < 0) & ~(is_other & (factor.other_points is not None))
        label = np.where(index >= 0, labels[np.maximum(index, 0)],
                         np.where(missing_applied, f"missing ({factor.missing.rule})", "other"))
        reason = _missing_reasons(group, factor, is_other)
        if factor.type == "numeric":
            table[f"v{j}"] = pa.array(np.asarray(values, dtype=np.float64), from_pandas=True)
        else:
            table[f"v{j}"] = pa.array(values, type=pa.string(), from_pandas=True)
        table[f"b{j}"] = pa.array(index, mask=index < 0)
        table[f"l{j}"] = pa.array(label.astype(str))
        table[f"p{j}"] = got
        table[f"m{j}"] = missing_applied
        table[f"r{j}"] = pa.array(reason, type=pa.string())
        rule = f"'{_sql_text(factor.missing.rule)}'"
        value_sql = f"round(v{j}, 6)" if factor.type == "numeric" else f"v{j}"
        top = f"CAST({factor.max_points!r} AS DOUBLE)"
        struct_sql.append(
            f"{{'key': '{_sql_text(factor.key)}', 'dimension': '{_sql_text(factor.dimension)}', "
            f"'label': '{_sql_text(factor.label)}', 'value': to_json({value_sql}), "
            f"'bin_index': b{j}, 'bin_label': l{j}, "
            f"'points': round(p{j}, 6), 'max_points': round({top}, 6), "
            f"'points_lost': round({top} - p{j}, 6), "
            f"'missing_applied': m{j}, 'missing_rule': CASE WHEN m{j} THEN {rule} END, "
            f"'missing_reason': CASE WHEN m{j} THEN r{j} END}}")
    empty = np.full(n, "[]", dtype=object)
    if not struct_sql:
        return _Explained(total, np.full((n, TOP_REASONS), None, dtype=object), empty, empty)
    # Top reasons: factors ordered by key first, then a stable sort by loss (ties keep key order).
    keys = np.array([f.key for f in card.factors], dtype=object)
    by_key = np.argsort(keys, kind="stable")
    order = by_key[np.argsort(-lost[:, by_key], axis=1, kind="stable")][:, :TOP_REASONS]
    top_lost = np.take_along_axis(lost, order, axis=1)
    chosen = top_lost > REASON_TOLERANCE
    reason_keys = np.where(chosen, keys[order], None)  # type: ignore[call-overload]
    counts = chosen.sum(axis=1)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    table["top"] = pa.ListArray.from_arrays(offsets, pa.array(order[chosen] + 1))
    result = rawsql.duckdb_query({"t": pa.table(table)}, f"""
        WITH c AS (SELECT row, top, [{', '.join(struct_sql)}] AS items FROM t)
        SELECT to_json(items)::VARCHAR AS contributions,
          to_json(list_transform(top, lambda i: struct_pack(key := items[i].key,
             label := items[i].label, dimension := items[i].dimension,
             value := items[i].value, bin_label := items[i].bin_label,
             points := items[i].points, max_points := items[i].max_points,
             points_lost := items[i].points_lost,
             missing_reason := items[i].missing_reason)))::VARCHAR AS reasons
        FROM c ORDER BY row""")
    return _Explained(
        total, reason_keys,
        np.asarray(result.column("reasons").to_pylist(), dtype=object),
        np.asarray(result.column("contributions").to_pylist(), dtype=object))


def _missing_reasons(group: FeatureColumns, factor: Factor, is_other: BoolArray
                     ) -> npt.NDArray[Any]:
    """Why each customer's value counts as missing, as the single path tells the scorecard
    (``services._missing_reasons`` and ``Scorecard.score``): the feature's note, else its
    status; a category no bin lists "unlisted category"; a number outside every bin none."""
    n = len(group)
    status = group.statuses.get(factor.key, np.full(n, MISSING, dtype=object))
    reason = np.char.replace(status.astype(str), "_", " ").astype(object)
    note = group.notes.get(factor.key)
    if note is not None:
        reason = np.where(note.codes >= 0, note.text_array(), reason)
    other = np.array([UNLISTED_CATEGORY if factor.type == "categorical" else None],
                     dtype=object)
    return np.where(is_other, other, reason)


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _features_json(features: FeatureColumns) -> list[str]:
    """The feature snapshot of every customer (value, status, as_of, source, note, their
    structured messages, dimension), built by DuckDB as JSON text."""
    n = len(features)
    if not n:
        return []
    table: dict[str, Any] = {}
    parts = []
    for j, key in enumerate(FEATURE_KEYS):
        values = features.values[key]
        if key in CATEGORICAL:
            table[f"v{j}"] = pa.array(values, type=pa.string(), from_pandas=True)
        else:
            table[f"v{j}"] = pa.array(values, from_pandas=True)
        table[f"s{j}"] = pa.array(features.statuses[key].astype(str))
        days = features.dates[key]
        table[f"d{j}"] = pa.array(days.astype(np.int32), mask=days < 0).cast(pa.date32())
        source, note = features.sources[key], features.notes[key]
        table[f"o{j}"] = pa.array(source.text_array(), type=pa.string())
        table[f"m{j}"] = pa.array(source.stored_array(), type=pa.string())
        table[f"n{j}"] = pa.array(note.text_array(), type=pa.string())
        table[f"q{j}"] = pa.array(note.stored_array(), type=pa.string())
        dimension = FEATURE_DEFINITIONS[key].dimension.value
        value = f"v{j}" if key in CATEGORICAL else f"round(v{j}, 6)"
        parts.append(
            f"'{key}': {{'value': {value}, 'status': s{j}, "
            f"'as_of': strftime(d{j}, '%Y-%m-%d'), 'source': o{j}, 'note': n{j}, "
            f"'source_message': json(m{j}), 'note_message': json(q{j}), "
            f"'dimension': '{dimension}'}}")
    result = rawsql.duckdb_query({"t": pa.table(table)},
                   f"SELECT to_json({{{', '.join(parts)}}})::VARCHAR AS j FROM t")
    return result.column("j").to_pylist()


# =========================================================================== writing


@transaction.atomic
def ratings_write(scored: ScoredChunk, *, rows: IntArray, cards: Sequence[CardInfo],
                  as_of: dt.date) -> int:
    """Write one batch rating per customer at ``rows`` of ``scored`` in bulk, one transaction.

    Change-log-free bulk path (like the demo's ``_RawTable``, docs/decisions/0003): per
    customer the previous current rating is un-marked and the new one inserted as current with
    the previous grade; no ObjectChange and no per-customer business event (the run emits one
    ``rating.batch.completed`` event). Returns the number of ratings written.
    """
    if not len(rows):
        return 0
    ids = [int(i) for i in scored.customer_ids[rows]]
    rating_table, customer_col = rawsql.table(Rating), rawsql.column(Rating, "customer")
    current_col = rawsql.column(Rating, "is_current")
    previous: dict[int, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 900):
            part = ids[start:start + 900]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT {customer_col}, {rawsql.column(Rating, 'grade')} FROM {rating_table} "
                f"WHERE {current_col} = %s AND {customer_col} IN ({marks})", [True, *part])
            previous.update({int(c): str(g) for c, g in cursor.fetchall()})
            cursor.execute(
                f"UPDATE {rating_table} SET {current_col} = %s, {rawsql.column(Rating, 'updated_at')} = %s "
                f"WHERE {current_col} = %s AND {customer_col} IN ({marks})",
                [False, timezone.now(), True, *part])
    now = timezone.now()
    names = ["customer", "rated_at", "as_of", "score", "grade", "pd", "scorecard", "reasons",
             "contributions", "features", "trigger", "previous_grade", "is_current",
             "created_at", "updated_at"]
    fields: list[Any] = [Rating._meta.get_field(name) for name in names]
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    placeholders = ", ".join(
        f"%s{json_cast}" if name in {"reasons", "contributions", "features"} else "%s"
        for name in names)
    extra: list[Any] = [f for f in Rating._meta.concrete_fields
             if f.name not in names and f.name != "id"]
    columns = [f.column for f in fields] + [f.column for f in extra]
    extra_values = [f.get_db_prep_save(f.get_default(), connection) for f in extra]
    sql = (f"INSERT INTO {rating_table} ({', '.join(rawsql.quote(c) for c in columns)}) "
           f"VALUES ({placeholders}{', %s' * len(extra)})")
    day = fields[2].get_db_prep_save(as_of, connection)
    stamp = fields[1].get_db_prep_save(now, connection)
    decimal_score, decimal_pd = fields[3], fields[5]
    params = []
    for row, customer_id in zip(rows, ids, strict=True):
        version = cards[int(scored.card_index[row])].version
        pd = scored.pd(row)
        params.append((
            customer_id, stamp, day, decimal_score.get_db_prep_save(scored.score(row), connection),
            scored.grades[row],
            None if pd is None else decimal_pd.get_db_prep_save(pd, connection),
            version.pk, scored.reasons_json[row], scored.contributions_json[row],
            scored.features_json[row], RatingTrigger.BATCH.value, previous.get(customer_id, ""),
            True, stamp, stamp, *extra_values))
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    reviews_schedule_bulk(ids)
    return len(params)


def reviews_schedule_bulk(customer_ids: Sequence[int]) -> int:
    """Move (or create) each customer's open credit review from its current rating's grade,
    as ``services.review_schedule`` does one customer at a time (bulk: no per-row change log,
    like the ratings above). Returns the number of reviews written."""
    from .choices import ReviewStatus
    from .models import CreditReview
    from .services import review_due_on, review_policy

    policy = review_policy()
    current = {
        customer_id: (rating_id, grade, as_of)
        for customer_id, rating_id, grade, as_of in Rating.objects.filter(
            is_current=True, customer_id__in=customer_ids
        ).values_list("customer_id", "id", "grade", "as_of")
    }
    open_reviews = dict(
        CreditReview.objects.filter(
            status=ReviewStatus.SCHEDULED, customer_id__in=list(current)
        ).values_list("customer_id", "id")
    )
    due_dates: dict[tuple[str, dt.date], dt.date] = {}  # a handful of (grade, day) pairs
    now = timezone.now()
    updates: list[tuple[Any, ...]] = []
    creates = []
    stamp = connection.ops.adapt_datetimefield_value(now)
    for customer_id, (rating_id, grade, as_of) in current.items():
        key = (grade, as_of)
        if key not in due_dates:
            due_dates[key] = review_due_on(grade=grade, rated_on=as_of, policy=policy)
        due_on = due_dates[key]
        review_id = open_reviews.get(customer_id)
        if review_id is None:
            creates.append(CreditReview(customer_id=customer_id, due_on=due_on, grade=grade,
                                        rating_id=rating_id, status=ReviewStatus.SCHEDULED))
        else:
            updates.append((connection.ops.adapt_datefield_value(due_on), grade, rating_id,
                            stamp, review_id))
    if updates:
        # One prepared statement run per row: bulk_update's CASE over every row took ~6x as
        # long per chunk on the one-million-customer database.
        c = functools.partial(rawsql.column, CreditReview)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {rawsql.table(CreditReview)} SET {c('due_on')} = %s, "
                f"{c('grade')} = %s, {c('rating')} = %s, {c('updated_at')} = %s "
                f"WHERE id = %s", updates)
    CreditReview.objects.bulk_create(creates, batch_size=900)
    return len(updates) + len(creates)


# =========================================================================== the run


def scope_customer_ids(scope: Mapping[str, Any]) -> list[int]:
    """Customer ids of a scope, ordered: all customers (also for a segment, filtered later
    by the card chosen) or the listed customer codes (BatchError naming unknown codes)."""
    codes = scope.get("customers")
    if codes:
        found = dict(Customer.objects.filter(code__in=codes).values_list("code", "pk"))
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise BatchError(gettext("Unknown customer codes: %(codes)s.")
                             % {"codes": ", ".join(unknown)})
        return sorted(found.values())
    return list(Customer.objects.order_by("pk").values_list("pk", flat=True))


def chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])


def run_start(*, scope: Mapping[str, Any], as_of: dt.date, batch_size: int = DEFAULT_BATCH_SIZE
              ) -> RunState:
    """A new run record (saved) for ``scope`` as of ``as_of``; validates the arguments."""
    if batch_size < 1:
        raise BatchError(gettext("The batch size must be at least 1."))
    if as_of > timezone.localdate():
        raise BatchError(gettext("A rating cannot be as of a future date."))
    segment = scope.get("segment")
    if segment and not ScorecardVersion.objects.filter(key=segment, status="active").exists():
        raise BatchError(gettext("No active scorecard has the key %(key)s.") % {"key": segment})
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    state = RunState(run_id=f"{stamp}-{secrets.token_hex(3)}", as_of=as_of.isoformat(),
                     scope=dict(scope), batch_size=batch_size,
                     started_at=timezone.now().isoformat())
    state.save()
    return state


def run_continue(state: RunState, *, progress: Progress | None = None,
                 stop_after_chunks: int | None = None, notify: bool = True) -> RunState:
    """Rate the customers of ``state`` after its last committed chunk; saves the state after
    every chunk. ``stop_after_chunks`` stops early (tests simulate an interruption with it)."""
    if state.status == "finished":
        raise BatchError(gettext("Rating run %(run)s has already finished.")
                         % {"run": state.run_id})
    as_of = dt.date.fromisoformat(state.as_of)
    all_ids = scope_customer_ids(state.scope)
    state.total = len(all_ids)
    pending = [i for i in all_ids if i > state.last_customer_id]
    cards = active_cards()
    segment = state.scope.get("segment")
    started = time.monotonic()
    for chunks_here, chunk in enumerate(chunks(pending, state.batch_size), start=1):
        clock = time.perf_counter()
        data = extract(chunk, as_of=as_of)
        _add_seconds(state, "extract", time.perf_counter() - clock)
        clock = time.perf_counter()
        features = compute_features(data)
        sections = data.customers.column("section").to_pylist()
        own_sizes = [s or None for s in data.customers.column("size_class").to_pylist()]
        _add_seconds(state, "features", time.perf_counter() - clock)
        clock = time.perf_counter()
        chosen = choose_cards(features, sections, own_sizes, cards)
        scored = score_features(features, chosen, cards)
        _add_seconds(state, "scoring", time.perf_counter() - clock)
        clock = time.perf_counter()
        eligible = chosen >= 0
        skipped_ids = set(features.skipped)
        eligible &= ~np.isin(features.customer_ids, list(skipped_ids))
        if segment:
            in_segment = np.array([c >= 0 and cards[c].card.key == segment for c in chosen],
                                  dtype=bool)
            eligible &= in_segment
        else:
            in_segment = np.ones(len(chosen), dtype=bool)
        written = ratings_write(scored, rows=np.flatnonzero(eligible), cards=cards, as_of=as_of)
        _add_seconds(state, "write", time.perf_counter() - clock)
        state.rated += written
        no_card = int(np.sum((chosen < 0) & in_segment))
        if no_card:
            state.skipped["no_scorecard"] = state.skipped.get("no_scorecard", 0) + no_card
        if skipped_ids:
            state.skipped[FX_MISSING] = state.skipped.get(FX_MISSING, 0) + len(skipped_ids)
        state.done += len(chunk)
        state.last_customer_id = chunk[-1]
        state.chunks += 1
        state.save()
        if progress is not None:
            progress(state.done, state.total, time.monotonic() - started)
        if stop_after_chunks is not None and chunks_here >= stop_after_chunks:
            return state
    state.status = "finished"
    state.finished_at = timezone.now().isoformat()
    with transaction.atomic():
        business_event_emit(
            name="rating.batch.completed", customer_id=None,
            payload={"run_id": state.run_id, "as_of": state.as_of, "scope": state.scope,
                     "rated": state.rated, "skipped": state.skipped},
        )
    state.save()
    if notify:
        from .services import batch_changes_notify

        batch_changes_notify(run_id=state.run_id, as_of=as_of,
                             since=dt.datetime.fromisoformat(state.started_at))
    return state


SKIP_LABELS = {
    "no_scorecard": _("no active scorecard applies"),
    FX_MISSING: _("an FX rate is missing"),
}
