"""Reads of collections: overdue items with interest, the level a customer reached, letters,
promises and the prioritised collection worklist.

The worklist reads the maintained ``OpenItemDue`` rows of the receivables ledger (one grouped
query for all customers), never the ledger documents themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Min, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from credo.customers.models import Customer
from credo.decisions.choices import ListKind
from credo.decisions.models import ListEntry
from credo.receivables.models import Dispute, OpenItemDue
from credo.receivables.selectors import (
    company_currency,
    instalment_outstanding,
    money_sum,
    open_items,
)

from .choices import LetterLanguage, LetterStatus, PromiseStatus
from .models import CollectorAssignment, DunningLetter, DunningLevel, PromiseToPay

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DAYS_PER_YEAR = Decimal("365")

# Risk factor of the worklist (until ratings exist): 1 plus these surcharges.
RISK_BASE = Decimal("1")
RISK_BLACKLIST = Decimal("1.0")
RISK_WATCH_LIST = Decimal("0.5")
RISK_PER_BROKEN_PROMISE = Decimal("0.25")
RISK_MAX_BROKEN_PROMISES = 4
BROKEN_PROMISE_LOOKBACK_DAYS = 365


def simple_interest(amount: Decimal, annual_rate_percent: Decimal, days: int) -> Decimal:
    """Simple interest, actual/365: amount x rate% x days / 365, rounded half up to cents."""
    if days <= 0 or not annual_rate_percent:
        return ZERO
    value = amount * annual_rate_percent / Decimal("100") * Decimal(days) / DAYS_PER_YEAR
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class OverdueItem:
    """One open item overdue on ``as_of``, less its part under open dispute."""

    instalment_id: int
    invoice_number: str
    sequence: int
    due_date: dt.date
    currency: str
    open_amount: Decimal
    open_amount_company: Decimal
    days_overdue: int


def overdue_items(*, customer: Customer, as_of: dt.date) -> list[OverdueItem]:
    """The customer's items due before ``as_of`` with their open, undisputed amount.

    Open amounts are those of the ledger now (payments recorded after ``as_of`` count); the
    run is meant for today, a past ``as_of`` only moves the day the letter counts from.
    Disputed parts are not dunned.
    """
    result: list[OverdueItem] = []
    for instalment, open_amount in open_items(customer=customer):
        if instalment.due_date >= as_of or open_amount <= 0:
            continue
        _amount, open_company = instalment_outstanding(instalment)
        disputed = Dispute.objects.filter(
            instalment=instalment, resolved_on__isnull=True
        ).aggregate(amount=money_sum("amount"), company=money_sum("amount_company"))
        dunnable = open_amount - disputed["amount"]
        dunnable_company = open_company - disputed["company"]
        if dunnable <= 0 or dunnable_company <= 0:
            continue
        result.append(
            OverdueItem(
                instalment_id=instalment.pk,
                invoice_number=instalment.invoice.number,
                sequence=instalment.sequence,
                due_date=instalment.due_date,
                currency=instalment.invoice.currency,
                open_amount=dunnable.quantize(CENT),
                open_amount_company=dunnable_company.quantize(CENT),
                days_overdue=(as_of - instalment.due_date).days,
            )
        )
    return result


def level_reached(
    *, days_overdue: int, overdue_amount: Decimal, levels: list[DunningLevel]
) -> DunningLevel | None:
    """The highest level whose day and amount thresholds are both met (None: no level)."""
    reached = None
    for level in sorted(levels, key=lambda lvl: lvl.level):
        if days_overdue >= level.min_days_overdue and overdue_amount >= level.min_amount:
            reached = level
    return reached


def last_sent_level(*, customer: Customer) -> DunningLevel | None:
    """The level of the last letter sent to the customer."""
    letter = (
        DunningLetter.objects.filter(customer=customer, status=LetterStatus.SENT)
        .select_related("level")
        .order_by("-sent_at", "-id")
        .first()
    )
    return letter.level if letter is not None else None


def letter_language(customer: Customer) -> str:
    """Chinese for customers with a Chinese name; English when only an English name exists."""
    if customer.name_zh:
        return LetterLanguage.CHINESE
    return LetterLanguage.ENGLISH if customer.name_en else LetterLanguage.CHINESE


def _decimal(value: object) -> Decimal:
    return Decimal(str(value))


def letter_context(letter: DunningLetter) -> dict:
    """What the letter templates receive: customer, level, items with interest, totals."""
    customer = letter.customer
    chinese = letter.language == LetterLanguage.CHINESE
    items = [
        {
            **item,
            "due_date": dt.date.fromisoformat(item["due_date"]),
            "open_amount": _decimal(item["open_amount"]),
            "open_amount_company": _decimal(item["open_amount_company"]),
            "interest": _decimal(item["interest"]),
        }
        for item in letter.items
    ]
    return {
        "letter": letter,
        "customer": customer,
        "customer_name": (customer.name_zh if chinese else customer.name_en)
        or customer.display_name,
        "level": letter.level,
        "as_of": letter.as_of,
        "items": items,
        "currency": letter.currency,
        "overdue_amount": letter.overdue_amount,
        "interest": letter.interest,
        "fee": letter.fee,
        "total_due": letter.total_due,
        "days_overdue": letter.days_overdue,
        "annual_interest_rate": letter.level.annual_interest_rate,
    }


def letter_render(letter: DunningLetter) -> str:
    """The letter as HTML in its language: the stored copy once sent, else rendered now."""
    if letter.status == LetterStatus.SENT and letter.rendered_html:
        return letter.rendered_html
    template_name = (
        letter.level.template_zh
        if letter.language == LetterLanguage.CHINESE
        else letter.level.template_en
    )
    with translation.override(letter.language):
        return render_to_string(template_name, letter_context(letter))


def letter_list(*, user, status: str = "", customer: Customer | None = None) -> QuerySet:
    """Letters of the customers the user may see, newest first."""
    queryset = DunningLetter.objects.restrict(user).select_related(
        "customer", "level", "sent_by", "proposed_by"
    )
    if status:
        queryset = queryset.filter(status=status)
    if customer is not None:
        queryset = queryset.filter(customer=customer)
    return queryset.order_by("-as_of", "-id")


def letter_get(*, user, pk: int) -> DunningLetter:
    """One letter of a visible customer (DoesNotExist otherwise, shown as 404)."""
    return letter_list(user=user).get(pk=pk)


def promise_list(*, user, customer: Customer | None = None, status: str = "") -> QuerySet:
    """Promises to pay of the customers the user may see, latest promised date first."""
    queryset = PromiseToPay.objects.restrict(user).select_related(
        "customer", "contact", "recorded_by"
    )
    if customer is not None:
        queryset = queryset.filter(customer=customer)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-promised_date", "-id")


def collector_of(customer: Customer):
    """The assigned collector, else the account manager (may be None)."""
    assignment = CollectorAssignment.objects.filter(customer=customer).first()
    return assignment.collector if assignment is not None else customer.account_manager


@dataclass
class WorklistRow:
    """One customer on the collection worklist.

    ``priority`` = overdue amount (company currency) x days overdue of the oldest item x
    ``risk_factor``.
    """

    customer: Customer
    collector: object
    overdue_amount: Decimal
    days_overdue: int
    risk_factor: Decimal
    priority: Decimal
    on_blacklist: bool = False
    on_watch_list: bool = False
    broken_promises: int = 0
    next_promise: PromiseToPay | None = None
    last_letter: DunningLetter | None = None
    currency: str = field(default_factory=company_currency)


def risk_factor(*, blacklisted: bool, watched: bool, broken_promises: int) -> Decimal:
    """1 + 1.0 on the blacklist + 0.5 on the watch list + 0.25 per broken promise (max 4)."""
    factor = RISK_BASE
    if blacklisted:
        factor += RISK_BLACKLIST
    if watched:
        factor += RISK_WATCH_LIST
    factor += RISK_PER_BROKEN_PROMISE * min(broken_promises, RISK_MAX_BROKEN_PROMISES)
    return factor.quantize(CENT)


def collection_worklist(
    *, user, as_of: dt.date, collector_id: int | None = None
) -> list[WorklistRow]:
    """Visible customers with overdue items, highest priority first.

    ``collector_id`` keeps the customers of one collector (the assigned collector, else the
    account manager). A fixed number of queries whatever the number of customers.
    """
    visible = Customer.objects.restrict(user)
    totals = (
        OpenItemDue.objects.filter(customer__in=visible, due_date__lt=as_of, amount__gt=0)
        .values("customer_id")
        .annotate(total=money_sum("amount"), oldest=Min("due_date"))
    )
    overdue = {row["customer_id"]: row for row in totals}
    if not overdue:
        return []
    customers = {
        customer.pk: customer
        for customer in Customer.objects.filter(pk__in=overdue).select_related(
            "account_manager", "collector_assignment__collector"
        )
    }
    lists: dict[int, set[str]] = {}
    for customer_id, kind in (
        ListEntry.objects.filter(customer_id__in=overdue, since__lte=as_of)
        .filter(Q(until__isnull=True) | Q(until__gte=as_of))
        .values_list("customer_id", "list_kind")
    ):
        lists.setdefault(customer_id, set()).add(kind)
    since = as_of - dt.timedelta(days=BROKEN_PROMISE_LOOKBACK_DAYS)
    broken: dict[int, int] = {}
    for customer_id in PromiseToPay.objects.filter(
        customer_id__in=overdue, status=PromiseStatus.BROKEN, resolved_on__gte=since
    ).values_list("customer_id", flat=True):
        broken[customer_id] = broken.get(customer_id, 0) + 1
    next_promise: dict[int, PromiseToPay] = {}
    for promise in PromiseToPay.objects.filter(
        customer_id__in=overdue, status=PromiseStatus.OPEN
    ).order_by("-promised_date"):
        next_promise[promise.customer_id] = promise  # the earliest one wins (last written)
    last_letter: dict[int, DunningLetter] = {}
    for letter in (
        DunningLetter.objects.filter(customer_id__in=overdue, status=LetterStatus.SENT)
        .select_related("level")
        .order_by("sent_at", "id")
    ):
        last_letter[letter.customer_id] = letter
    rows: list[WorklistRow] = []
    for customer_id, figures in overdue.items():
        customer = customers[customer_id]
        assignment = getattr(customer, "collector_assignment", None)
        collector = assignment.collector if assignment is not None else customer.account_manager
        if collector_id is not None and getattr(collector, "pk", None) != collector_id:
            continue
        kinds = lists.get(customer_id, set())
        factor = risk_factor(
            blacklisted=ListKind.BLACKLIST in kinds,
            watched=ListKind.WATCH in kinds,
            broken_promises=broken.get(customer_id, 0),
        )
        amount = Decimal(figures["total"]).quantize(CENT)
        days = (as_of - figures["oldest"]).days
        rows.append(
            WorklistRow(
                customer=customer,
                collector=collector,
                overdue_amount=amount,
                days_overdue=days,
                risk_factor=factor,
                priority=(amount * days * factor).quantize(CENT),
                on_blacklist=ListKind.BLACKLIST in kinds,
                on_watch_list=ListKind.WATCH in kinds,
                broken_promises=broken.get(customer_id, 0),
                next_promise=next_promise.get(customer_id),
                last_letter=last_letter.get(customer_id),
            )
        )
    rows.sort(key=lambda row: (-row.priority, row.customer.pk))
    return rows
