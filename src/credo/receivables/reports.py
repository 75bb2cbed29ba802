"""Ageing and collection metrics read from the receivables ledger (reads only, no writes).

Ageing as of any date is reconstructed from history: an open item's amount as of a day is its
amount less the allocations (payments and credit notes) and write-offs dated on or before that
day; invoices not yet issued or already cancelled on that day count nothing; disputes open on that
day are shown apart. Everything is aggregate SQL over the ledger tables (valid on SQLite and
PostgreSQL), one statement per report: never a Python loop over open items.

Amounts are in the company currency (``amount_company`` of each document, the allocations valued
at the invoice's rate so that a settled item leaves exactly zero). Definitions of the metrics:
``docs/receivables-metrics.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from credo.core import rawsql
from credo.customers.models import Customer

from .ageing import (
    BASIS_DUE,
    DEFAULT_SCHEME,
    AgeingRow,
    AgeingScheme,
    date_ranges,
    empty_row,
)
from .metrics import (
    CollectionMetrics,
    MonthSales,
    PaidAmount,
    PeriodFigures,
    add_months,
    days_in_period,
    month_end,
    month_start,
    period_metrics,
    previous_day,
    trailing_months,
)
from .models import Allocation, Dispute, Invoice, InvoiceInstalment, WriteOff

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

BY_CUSTOMER = "customer"
BY_OWNER = "owner"
BY_GROUP = "group"
BY_PORTFOLIO = "portfolio"
GROUPINGS = (BY_CUSTOMER, BY_OWNER, BY_GROUP, BY_PORTFOLIO)

# Months of credit sales the countback DSO may walk back through before extrapolating.
COUNTBACK_HISTORY_MONTHS = 24
TREND_MONTHS = 12

_NAMED_BUCKET_LABELS = {
    "not_due": _("not due"),
    "within_1y": _("within 1 year"),
    "y1_2": _("1-2 years"),
    "y2_3": _("2-3 years"),
    "over_3y": _("over 3 years"),
}


def bucket_label(key: str) -> str:
    """Display label of a bucket key (``d1_30`` -> ``1-30``, ``over_365`` -> ``>365``)."""
    if key in _NAMED_BUCKET_LABELS:
        return str(_NAMED_BUCKET_LABELS[key])
    if key.startswith("over_"):
        return ">" + key.removeprefix("over_")
    if key.startswith("upto_"):
        return "<=" + key.removeprefix("upto_")
    if key.startswith("d") and "_" in key:
        low, high = key[1:].split("_", 1)
        return f"{low}-{high}"
    return key


# --------------------------------------------------------------------------- SQL helpers


def _customer_filter(customers: QuerySet | None, column: str) -> tuple[str, list]:
    """``AND column IN (<customers query>)`` or nothing for the whole portfolio."""
    if customers is None:
        return "", []
    sql, params = customers.order_by().values("pk").query.sql_with_params()
    return f" AND {column} IN ({sql})", list(params)


def _items_sql(dates: Sequence[dt.date], customers: QuerySet | None) -> tuple[str, list]:
    """One row per open item with its open and disputed amount as of each of ``dates``.

    Columns: ``id, customer_id, invoice_date, due_date, open0, disputed0, open1, ...``.
    """
    inst, inv = rawsql.table(InvoiceInstalment), rawsql.table(Invoice)
    alloc, wo, disp = rawsql.table(Allocation), rawsql.table(WriteOff), rawsql.table(Dispute)
    inst_invoice = rawsql.column(InvoiceInstalment, "invoice")
    inv_customer = rawsql.column(Invoice, "customer")
    sql: list[str] = []
    params: list = []

    def add(fragment: str, *fragment_params: object) -> None:
        sql.append(fragment)
        params.extend(fragment_params)

    add(
        f"SELECT inst.id AS id, inv.{inv_customer} AS customer_id, "
        f"inv.{rawsql.column(Invoice, 'invoice_date')} AS invoice_date, "
        f"inst.{rawsql.column(InvoiceInstalment, 'due_date')} AS due_date"
    )
    amount = rawsql.column(InvoiceInstalment, "amount_company")
    invoice_date, cancelled_on = rawsql.column(Invoice, "invoice_date"), rawsql.column(Invoice, "cancelled_on")
    for k, day in enumerate(dates):
        live = (
            f"inv.{invoice_date} <= %s AND (inv.{cancelled_on} IS NULL OR inv.{cancelled_on} > %s)"
        )
        add(
            f", CASE WHEN {live} THEN inst.{amount} - COALESCE(al.a{k}, 0) - COALESCE(wo.w{k}, 0)"
            f" ELSE 0 END AS open{k}",
            day,
            day,
        )
        add(f", CASE WHEN {live} THEN COALESCE(dp.d{k}, 0) ELSE 0 END AS disputed{k}", day, day)
    add(f" FROM {inst} inst JOIN {inv} inv ON inv.id = inst.{inst_invoice}")

    def per_instalment(alias: str, table: str, model: type, prefix: str, live_sql: str, n: int):
        fk = rawsql.column(model, "instalment")
        add(f" LEFT JOIN (SELECT src.{fk} AS instalment_id")
        for k, day in enumerate(dates):
            add(
                f", SUM(CASE WHEN {live_sql} THEN src.{rawsql.column(model, 'amount_company')} ELSE 0 END)"
                f" AS {prefix}{k}",
                *([day] * n),
            )
        add(f" FROM {table} src")
        if customers is not None:
            filter_sql, filter_params = _customer_filter(customers, f"fi.{inv_customer}")
            add(
                f" JOIN {inst} fi_inst ON fi_inst.id = src.{fk}"
                f" JOIN {inv} fi ON fi.id = fi_inst.{inst_invoice} WHERE 1 = 1{filter_sql}",
                *filter_params,
            )
        add(f" GROUP BY src.{fk}) {alias} ON {alias}.instalment_id = inst.id")

    per_instalment(
        "al", alloc, Allocation, "a", f"src.{rawsql.column(Allocation, 'allocation_date')} <= %s", 1
    )
    per_instalment("wo", wo, WriteOff, "w", f"src.{rawsql.column(WriteOff, 'write_off_date')} <= %s", 1)
    opened, resolved = rawsql.column(Dispute, "opened_on"), rawsql.column(Dispute, "resolved_on")
    per_instalment(
        "dp",
        disp,
        Dispute,
        "d",
        f"src.{opened} <= %s AND (src.{resolved} IS NULL OR src.{resolved} > %s)",
        2,
    )
    add(f" WHERE inv.{invoice_date} <= %s", max(dates))
    filter_sql, filter_params = _customer_filter(customers, f"inv.{inv_customer}")
    add(filter_sql, *filter_params)
    return "".join(sql), params


def _capped_disputed(alias: str, k: int) -> str:
    # The disputed part of an item is at most its open amount, never negative.
    return (
        f"CASE WHEN {alias}.open{k} <= 0 OR {alias}.disputed{k} <= 0 THEN 0"
        f" WHEN {alias}.disputed{k} > {alias}.open{k} THEN {alias}.open{k}"
        f" ELSE {alias}.disputed{k} END"
    )


# --------------------------------------------------------------------------- ageing


@dataclass
class AgeingReport:
    """Ageing of the open items as of one date, one row per group and a total row."""

    as_of: dt.date
    by: str
    basis: str
    scheme: str
    bucket_keys: list[str]
    rows: list[AgeingRow]
    total: AgeingRow
    oldest_due: dict[str, dt.date | None] = field(default_factory=dict)

    @property
    def bucket_labels(self) -> list[str]:
        return [bucket_label(key) for key in self.bucket_keys]


def ageing_report(
    *,
    as_of: dt.date,
    by: str = BY_CUSTOMER,
    basis: str = BASIS_DUE,
    scheme: AgeingScheme = DEFAULT_SCHEME,
    customers: QuerySet | None = None,
) -> AgeingReport:
    """Ageing as of ``as_of`` grouped by customer, owner (account manager), group or portfolio.

    Buckets hold the undisputed open amount; ``disputed`` the part under an open dispute on that
    day; ``total`` both; ``overdue`` the whole open amount due before ``as_of``. ``customers``
    limits the report (e.g. ``Customer.objects.restrict(user)``); ``None`` = every customer.
    Owner is the customer's current account manager; group is the top parent company.
    """
    if by not in GROUPINGS:
        raise ValueError(f"Unknown grouping {by!r}")
    ranges = date_ranges(scheme, as_of=as_of, basis=basis)
    keys = [r.key for r in ranges]
    items_sql, items_params = _items_sql([as_of], customers)
    customer_table = rawsql.table(Customer)
    prefix_sql = ""
    join_sql = ""
    if by == BY_CUSTOMER:
        group_expr = "items.customer_id"
    elif by == BY_OWNER:
        group_expr = f"c.{rawsql.column(Customer, 'account_manager')}"
        join_sql = f" JOIN {customer_table} c ON c.id = items.customer_id"
    elif by == BY_GROUP:
        parent = rawsql.column(Customer, "parent")
        # Walk the parent links down from every top company; a customer caught in a parent cycle
        # has no top and stands for itself.
        prefix_sql = (
            "WITH RECURSIVE tops(id, top_id) AS ("
            f"SELECT id, id FROM {customer_table} WHERE {parent} IS NULL "
            f"UNION ALL SELECT child.id, tops.top_id FROM {customer_table} child "
            f"JOIN tops ON child.{parent} = tops.id) "
        )
        group_expr = "COALESCE(tops.top_id, items.customer_id)"
        join_sql = " LEFT JOIN tops ON tops.id = items.customer_id"
    else:
        group_expr = ""
    reference = "items.due_date" if basis == BASIS_DUE else "items.invoice_date"
    # The portfolio is one group: no GROUP BY (an aggregate over no rows gives one empty row).
    select: list[str] = [f"{group_expr or '0'} AS grp"]
    select_params: list = []
    for date_range in ranges:
        conditions = []
        if date_range.first is not None:
            conditions.append(f"{reference} >= %s")
            select_params.append(date_range.first)
        if date_range.last is not None:
            conditions.append(f"{reference} <= %s")
            select_params.append(date_range.last)
        select.append(
            f"SUM(CASE WHEN {' AND '.join(conditions)} THEN items.open0 - items.disp0 ELSE 0 END)"
        )
    select.append("SUM(items.disp0)")
    select.append("SUM(items.open0)")
    select.append("SUM(CASE WHEN items.due_date < %s THEN items.open0 ELSE 0 END)")
    select.append("MIN(CASE WHEN items.due_date < %s AND items.open0 > 0 THEN items.due_date END)")
    select.append("COUNT(*)")
    select_params.extend([as_of, as_of])
    sql = (
        f"{prefix_sql}SELECT {', '.join(select)} FROM ("
        f"SELECT raw.*, {_capped_disputed('raw', 0)} AS disp0 "
        f"FROM ({items_sql}) raw) items{join_sql} "
        f"WHERE items.open0 <> 0{' GROUP BY ' + group_expr if group_expr else ''}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *items_params])
        records = cursor.fetchall()
    rows: list[AgeingRow] = []
    oldest: dict[str, dt.date | None] = {}
    total = empty_row("", keys, str(_("Total")))
    bucket_count = len(keys)
    for record in records:
        if not record[5 + bucket_count]:
            continue  # the portfolio's single row when nothing is open
        group = str(record[0])
        row = empty_row(group, keys)
        for index, key in enumerate(keys):
            row.buckets[key] = rawsql.money(record[1 + index])
        row.disputed = rawsql.money(record[1 + bucket_count])
        row.total = rawsql.money(record[2 + bucket_count])
        row.overdue = rawsql.money(record[3 + bucket_count])
        oldest[group] = rawsql.date(record[4 + bucket_count])
        row.items = int(record[5 + bucket_count])
        rows.append(row)
        total.add(row)
    _label_rows(rows, by)
    rows.sort(key=lambda row: (row.label, row.group))
    return AgeingReport(
        as_of=as_of,
        by=by,
        basis=basis,
        scheme=scheme.key,
        bucket_keys=keys,
        rows=rows,
        total=total,
        oldest_due=oldest,
    )


def customer_label(customer: Customer) -> str:
    name = customer.name_zh or customer.name_en or str(customer.pk)
    return f"{customer.code} {name}" if customer.code else name


def _label_rows(rows: list[AgeingRow], by: str) -> None:
    ids = [int(row.group) for row in rows]
    if by in (BY_CUSTOMER, BY_GROUP):
        customers = Customer.objects.filter(pk__in=ids).only("pk", "code", "name_zh", "name_en")
        labels = {str(c.pk): customer_label(c) for c in customers}
    elif by == BY_OWNER:
        users = get_user_model().objects.filter(pk__in=ids)
        labels = {str(u.pk): (u.get_full_name() or u.get_username()) for u in users}
    else:
        labels = {"0": str(_("Portfolio"))}
    for row in rows:
        row.label = labels.get(row.group, row.group)


# --------------------------------------------------------------------------- balances and sales


@dataclass(frozen=True)
class Balance:
    """Receivables as of one day: everything open, the part not yet due, the oldest overdue."""

    total: Decimal
    current: Decimal
    oldest_overdue_due: dt.date | None

    def oldest_overdue_days(self, as_of: dt.date) -> int | None:
        if self.oldest_overdue_due is None:
            return None
        return (as_of - self.oldest_overdue_due).days


def receivables_at(
    dates: Sequence[dt.date], *, customers: QuerySet | None = None
) -> dict[dt.date, Balance]:
    """Open receivables as of each of ``dates`` (one SQL statement for all of them)."""
    unique = sorted(set(dates))
    if not unique:
        return {}
    items_sql, items_params = _items_sql(unique, customers)
    select: list[str] = []
    select_params: list = []
    for k, day in enumerate(unique):
        select.append(f"SUM(items.open{k})")
        select.append(f"SUM(CASE WHEN items.due_date >= %s THEN items.open{k} ELSE 0 END)")
        select.append(
            f"MIN(CASE WHEN items.due_date < %s AND items.open{k} > 0 THEN items.due_date END)"
        )
        select_params.extend([day, day])
    sql = f"SELECT {', '.join(select)} FROM ({items_sql}) items"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *items_params])
        record = cursor.fetchone()
    result = {}
    for k, day in enumerate(unique):
        result[day] = Balance(
            total=rawsql.money(record[3 * k]),
            current=rawsql.money(record[3 * k + 1]),
            oldest_overdue_due=rawsql.date(record[3 * k + 2]),
        )
    return result


def _invoices(customers: QuerySet | None) -> QuerySet:
    invoices = Invoice.objects.all()
    if customers is not None:
        invoices = invoices.filter(customer__in=customers.order_by().values("pk"))
    return invoices


def credit_sales(
    periods: Sequence[tuple[dt.date, dt.date]], *, customers: QuerySet | None = None
) -> list[Decimal]:
    """Credit sales (invoiced, company currency) of each period, in one aggregate query.

    An invoice counts in the period of its invoice date unless it was cancelled by the period's
    end (a later cancellation lowers the receivable then, like a collection would).
    """
    if not periods:
        return []
    aggregates = {
        f"p{k}": Coalesce(
            Sum(
                "amount_company",
                filter=Q(invoice_date__gte=start, invoice_date__lte=end)
                & (Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=end)),
            ),
            ZERO,
        )
        for k, (start, end) in enumerate(periods)
    }
    first = min(start for start, _end in periods)
    last = max(end for _start, end in periods)
    totals = _invoices(customers).filter(invoice_date__range=(first, last)).aggregate(**aggregates)
    return [rawsql.money(totals[f"p{k}"]) for k in range(len(periods))]


def paid_amounts(
    *, start: dt.date, end: dt.date, customers: QuerySet | None = None
) -> list[PaidAmount]:
    """Cash allocated to open items, paid from ``start`` to ``end`` (by payment date).

    Grouped by (due date, payment date) in SQL: the metrics only need amount x days late.
    Credit-note allocations are not payments and are left out.
    """
    allocations = Allocation.objects.filter(
        payment__isnull=False, payment__payment_date__range=(start, end)
    )
    if customers is not None:
        allocations = allocations.filter(
            instalment__invoice__customer__in=customers.order_by().values("pk")
        )
    grouped = (
        allocations.values("instalment__due_date", "payment__payment_date")
        .annotate(total=Sum("amount_company"))
        .order_by("payment__payment_date", "instalment__due_date")
    )
    return [
        PaidAmount(
            amount=rawsql.money(row["total"]),
            due_date=row["instalment__due_date"],
            paid_date=row["payment__payment_date"],
        )
        for row in grouped
    ]


# --------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class MetricsReport:
    """Collection metrics of one period and their monthly trend (oldest month first)."""

    start: dt.date
    end: dt.date
    period: CollectionMetrics
    trend: list[CollectionMetrics]


def collection_metrics(
    *,
    start: dt.date,
    end: dt.date,
    customers: QuerySet | None = None,
    trend_months: int = TREND_MONTHS,
    history_months: int = COUNTBACK_HISTORY_MONTHS,
) -> MetricsReport:
    """Every metric for ``start``..``end`` and for each of the ``trend_months`` calendar months
    ending with ``end``'s month (the last one month to date), read from the ledger.

    ``customers``: one customer (``Customer.objects.filter(pk=...)``), a group, a user's visible
    customers, or ``None`` for the whole portfolio.
    """
    if end < start:
        raise ValueError("The period ends before it starts.")
    trend = trailing_months(end, trend_months)
    # Monthly credit sales, newest first, far enough back for every countback walk.
    oldest_month = min(month_start(start), trend[0][0])
    months: list[tuple[dt.date, dt.date]] = []
    cursor_month = month_start(end)
    while cursor_month >= add_months(oldest_month, -history_months):
        months.append((cursor_month, min(month_end(cursor_month), end)))
        cursor_month = add_months(cursor_month, -1)
    sales = credit_sales([*months, (start, end)], customers=customers)
    month_sales = [
        MonthSales(days_in_period(month_first, month_last), amount)
        for (month_first, month_last), amount in zip(months, sales[:-1], strict=True)
    ]
    sales_by_month = dict(zip(months, sales[:-1], strict=True))
    period_sales = sales[-1]

    balance_dates = {previous_day(start), end}
    for month_first, month_last in trend:
        balance_dates.update({previous_day(month_first), month_last})
    balances = receivables_at(sorted(balance_dates), customers=customers)
    paid = paid_amounts(start=min(start, trend[0][0]), end=end, customers=customers)

    def figures(first: dt.date, last: dt.date, sales_amount: Decimal) -> PeriodFigures:
        closing = balances[last]
        # Countback walks back from the month holding ``last``.
        history = [
            monthly
            for (month_first, _month_last), monthly in zip(months, month_sales, strict=True)
            if month_first <= last
        ]
        oldest_days = closing.oldest_overdue_days(last)
        return PeriodFigures(
            start=first,
            end=last,
            opening_receivables=balances[previous_day(first)].total,
            credit_sales=sales_amount,
            closing_receivables=closing.total,
            closing_current_receivables=closing.current,
            history_newest_first=history,
            paid=[item for item in paid if first <= item.paid_date <= last],
            open_overdue_days=[] if oldest_days is None else [oldest_days],
        )

    period = period_metrics(figures(start, end, period_sales))
    trend_metrics = [
        period_metrics(figures(first, last, sales_by_month[(first, last)])) for first, last in trend
    ]
    return MetricsReport(start=start, end=end, period=period, trend=trend_metrics)
