"""Reads of credit decisions: the limit in force, list membership, policy, release authority,
the blocked-order worklist and the check history."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Max, Q, QuerySet

from credo.core import rawsql
from credo.customers.models import Customer
from credo.receivables import selectors as ledger
from credo.receivables.choices import ORDER_STATUSES_OPEN, CreditStatus
from credo.receivables.models import SalesOrder

from .check_engine import (
    CENT,
    DEFAULT_COUNTED_BUCKETS,
    counted_exposure,
    credit_position,
    default_policy,
    limit_grades,
    parse_policy,
)
from .choices import DEFAULT_POLICY_KEY, ListKind
from .models import (
    CheckPolicy,
    CreditCheck,
    CreditLimit,
    CustomerSegment,
    ListEntry,
    OrderCreditDecision,
    ReleaseAuthority,
)

# Roles with no maximum release authority.
UNLIMITED_RELEASE_GROUPS = frozenset({"administrator"})
WORKLIST_CREDIT_STATUSES = (CreditStatus.HOLD, CreditStatus.BLOCK)


@dataclass(frozen=True)
class LimitState:
    """The limit that applies today: the active one, else the latest expired one, else none."""

    limit: CreditLimit | None
    expired: bool
    review_expired: bool


def _valid_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def credit_limit_active(*, customer: Customer, today: dt.date) -> CreditLimit | None:
    """The limit valid on ``today`` (at most one: the services forbid overlaps)."""
    return (
        CreditLimit.objects.filter(customer=customer)
        .filter(_valid_on(today))
        .order_by("-valid_from")
        .first()
    )


def credit_review_overdue(*, customer_id: int, today: dt.date) -> bool:
    """Whether the customer's open periodic credit review (rating app) is past its due date."""
    from credo.rating.choices import ReviewStatus
    from credo.rating.models import CreditReview

    return CreditReview.objects.filter(
        customer_id=customer_id, status=ReviewStatus.SCHEDULED, due_on__lt=today
    ).exists()


def credit_limit_state(*, customer: Customer, today: dt.date) -> LimitState:
    """What the check uses: an expired limit still gives the figure, flagged as expired.

    A limit that starts in the future does not apply yet. The review has expired when the
    limit in force is past its review date or the customer's periodic credit review is overdue.
    """
    review_overdue = credit_review_overdue(customer_id=customer.pk, today=today)
    active = credit_limit_active(customer=customer, today=today)
    if active is not None:
        review_expired = active.review_due is not None and active.review_due < today
        return LimitState(
            limit=active, expired=False, review_expired=review_expired or review_overdue
        )
    expired = (
        CreditLimit.objects.filter(customer=customer, valid_until__lt=today)
        .order_by("-valid_until", "-valid_from")
        .first()
    )
    return LimitState(limit=expired, expired=expired is not None, review_expired=review_overdue)


def limit_in_company_currency(limit: CreditLimit, day: dt.date) -> Decimal:
    """The limit's amount in the company currency at ``day``'s FX rate."""
    return (limit.amount * ledger.fx_rate(limit.currency, day)).quantize(CENT)


@dataclass(frozen=True)
class LimitPosition:
    """The limit in force against an exposure snapshot, counted as the credit check counts it."""

    limit: CreditLimit | None
    limit_company: Decimal | None
    expired: bool
    review_expired: bool
    counted_exposure: Decimal
    counted_buckets: tuple[str, ...]
    available_credit: Decimal
    utilisation_percent: Decimal | None
    warn_above: Decimal
    block_above: Decimal


def limit_position(
    *, customer: Customer, snapshot: ledger.ExposureSnapshot, today: dt.date
) -> LimitPosition:
    """Limit, counted exposure, available credit and utilisation before any new order.

    Same definitions as the credit check (``check_engine.credit_position``); an expired limit
    still gives the figure.
    """
    state = credit_limit_state(customer=customer, today=today)
    row = check_policy_for(customer)
    policy = parse_policy(row.steps, row.counted_buckets) if row is not None else default_policy()
    counted = tuple(policy.counted_buckets) if row is not None else DEFAULT_COUNTED_BUCKETS
    buckets = {name: getattr(snapshot, name) for name in DEFAULT_COUNTED_BUCKETS}
    exposure = counted_exposure(buckets, counted)
    limit_company = (
        limit_in_company_currency(state.limit, today) if state.limit is not None else None
    )
    available, utilisation = credit_position(
        limit=limit_company, exposure=exposure, secured=snapshot.secured
    )
    warn, block = limit_grades(policy)
    return LimitPosition(
        limit=state.limit,
        limit_company=limit_company,
        expired=state.expired,
        review_expired=state.review_expired,
        counted_exposure=exposure,
        counted_buckets=counted,
        available_credit=ledger.cents(available),
        utilisation_percent=None if utilisation is None else utilisation.quantize(CENT),
        warn_above=warn,
        block_above=block,
    )


def credit_limit_history(*, user, customer: Customer) -> QuerySet[CreditLimit]:
    """Every limit of a visible customer, newest first."""
    return (
        CreditLimit.objects.restrict(user)
        .filter(customer=customer)
        .select_related("approved_by")
        .order_by("-valid_from", "-id")
    )


def list_entries(*, user, customer: Customer) -> QuerySet[ListEntry]:
    """All list entries of a visible customer (current and past), newest first."""
    return (
        ListEntry.objects.restrict(user)
        .filter(customer=customer)
        .select_related("added_by")
        .order_by("-since", "-id")
    )


def active_list_kinds(*, customer: Customer, today: dt.date) -> set[str]:
    """The lists the customer is on today."""
    return set(
        ListEntry.objects.filter(customer=customer, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .values_list("list_kind", flat=True)
    )


def is_blacklisted(*, customer: Customer, today: dt.date) -> bool:
    return ListKind.BLACKLIST in active_list_kinds(customer=customer, today=today)


def check_policy_for(customer: Customer) -> CheckPolicy | None:
    """The policy of the customer's segment, else the default policy (None if not seeded)."""
    segment_policy = CheckPolicy.objects.filter(segments__customer=customer).first()
    if segment_policy is not None:
        return segment_policy
    return CheckPolicy.objects.filter(key=DEFAULT_POLICY_KEY).first()


@dataclass(frozen=True)
class CheckContext:
    """What the credit check reads besides the exposure: limit, lists and policy."""

    limit_state: LimitState
    lists: frozenset[str]
    policy: CheckPolicy | None
    grade: str | None = None  # the current rating's grade (after any approved override)


_LIMIT_FIELDS = ("id", "amount", "currency", "valid_from", "valid_until", "review_due")
_REVIEW_OPEN = "scheduled"  # rating.choices.ReviewStatus.SCHEDULED
_POLICY_FIELDS = ("id", "key", "name", "counted_buckets", "steps")


@functools.cache
def _check_context_sql(vendor: str) -> str:
    """The statement of ``check_context``, built once per database backend."""
    limits, entries = rawsql.table(CreditLimit), rawsql.table(ListEntry)
    segments, policies = rawsql.table(CustomerSegment), rawsql.table(CheckPolicy)
    limit_columns = ", ".join(f"l.{rawsql.column(CreditLimit, f)}" for f in _LIMIT_FIELDS)
    policy_columns = ", ".join(f"p.{rawsql.column(CheckPolicy, f)}" for f in _POLICY_FIELDS)
    valid_until, valid_from = (
        rawsql.column(CreditLimit, "valid_until"),
        rawsql.column(CreditLimit, "valid_from"),
    )
    kind, since, until = (
        rawsql.column(ListEntry, "list_kind"),
        rawsql.column(ListEntry, "since"),
        rawsql.column(ListEntry, "until"),
    )
    in_force = f"(x.{valid_until} IS NULL OR x.{valid_until} >= %s)"
    on_list = ", ".join(
        f"EXISTS (SELECT 1 FROM {entries} le WHERE le.customer_id = %s AND le.{kind} = %s "
        f"AND le.{since} <= %s AND (le.{until} IS NULL OR le.{until} >= %s))"
        for _kind in ListKind.values
    )
    from credo.rating.models import CreditReview, Rating

    current_grade = (
        f"(SELECT g.{rawsql.column(Rating, 'grade')} FROM {rawsql.table(Rating)} g "
        # bare boolean column: the form of the partial unique index on current ratings
        f"WHERE g.customer_id = %s AND g.{rawsql.column(Rating, 'is_current')})"
    )
    review_overdue = (
        f"EXISTS (SELECT 1 FROM {rawsql.table(CreditReview)} r WHERE r.customer_id = %s "
        f"AND r.{rawsql.column(CreditReview, 'status')} = %s "
        f"AND r.{rawsql.column(CreditReview, 'due_on')} < %s)"
    )
    return (
        f"SELECT {limit_columns}, {policy_columns}, {on_list}, {current_grade}, {review_overdue} "
        f"FROM (SELECT 1 AS one) base "
        # The limit in force, else the latest expired one; at most one is in force (services).
        f"LEFT JOIN (SELECT x.* FROM {limits} x WHERE x.customer_id = %s "
        f"AND x.{valid_from} <= %s ORDER BY CASE WHEN {in_force} THEN 0 ELSE 1 END, "
        f"x.{valid_until} DESC, x.{valid_from} DESC, x.id DESC LIMIT 1) l ON 1 = 1 "
        f"LEFT JOIN {policies} p ON p.id = COALESCE("
        f"(SELECT s.{rawsql.column(CustomerSegment, 'policy')} FROM {segments} s "
        f"WHERE s.customer_id = %s), "
        f"(SELECT d.id FROM {policies} d WHERE d.{rawsql.column(CheckPolicy, 'key')} = %s))"
    )


def check_context(*, customer_id: int, today: dt.date) -> CheckContext:
    """``credit_limit_state``, ``active_list_kinds`` and ``check_policy_for`` in one statement
    (with the overdue credit review of ``credit_review_overdue``).

    The credit check's hot path: building the equivalent ORM queries costs several times more
    than running them. Same rules: the limit valid today, else the latest expired one (a limit
    starting later does not apply); the segment's policy, else the default one. The unit tests
    hold this reading and the ORM selectors to the same answers.
    """
    list_kinds = list(ListKind.values)
    sql = _check_context_sql(connection.vendor)
    params: list = []
    for list_kind in list_kinds:
        params += [customer_id, list_kind, today, today]
    params += [customer_id, customer_id, _REVIEW_OPEN, today]
    params += [customer_id, today, today, customer_id, DEFAULT_POLICY_KEY]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    limit_row = dict(zip(_LIMIT_FIELDS, row[: len(_LIMIT_FIELDS)], strict=True))
    policy_row = dict(
        zip(
            _POLICY_FIELDS,
            row[len(_LIMIT_FIELDS) : len(_LIMIT_FIELDS) + len(_POLICY_FIELDS)],
            strict=True,
        )
    )
    flags = row[len(_LIMIT_FIELDS) + len(_POLICY_FIELDS) : -2]
    lists = frozenset(k for k, flag in zip(list_kinds, flags, strict=True) if flag)
    grade = row[-2]
    review_overdue = bool(row[-1])

    limit = None
    expired = review_expired = False
    if limit_row["id"] is not None:
        valid_from = rawsql.date(limit_row["valid_from"])
        assert valid_from is not None  # NOT NULL column
        limit = CreditLimit(
            id=limit_row["id"],
            customer_id=customer_id,
            amount=rawsql.money(limit_row["amount"]),  # MONEY: two decimals
            currency=limit_row["currency"],
            valid_from=valid_from,
            valid_until=rawsql.date(limit_row["valid_until"]),
            review_due=rawsql.date(limit_row["review_due"]),
        )
        expired = limit.valid_until is not None and limit.valid_until < today
        review_expired = not expired and limit.review_due is not None and limit.review_due < today
    review_expired = review_expired or review_overdue
    policy = None
    if policy_row["id"] is not None:
        policy = CheckPolicy(
            id=policy_row["id"],
            key=policy_row["key"],
            name=policy_row["name"],
            counted_buckets=rawsql.json_value(policy_row["counted_buckets"]),
            steps=rawsql.json_value(policy_row["steps"]),
        )
    return CheckContext(
        limit_state=LimitState(limit=limit, expired=expired, review_expired=review_expired),
        lists=lists,
        policy=policy,
        grade=grade,
    )


def release_authority_of(user) -> Decimal | None:
    """The largest order amount (company currency) ``user`` may decide on; None = no maximum.

    Without any authority row for their roles the maximum is 0.
    """
    if user.is_superuser:
        return None
    groups = set(user.groups.values_list("name", flat=True))
    if groups & UNLIMITED_RELEASE_GROUPS:
        return None
    maximum = ReleaseAuthority.objects.filter(group_name__in=groups).aggregate(
        maximum=Max("max_amount")
    )["maximum"]
    # Quantized: SQLite's MAX() drops the trailing zeros of the stored cents.
    return Decimal(maximum if maximum is not None else 0).quantize(Decimal("0.01"))


def blocked_order_worklist(*, user) -> QuerySet[SalesOrder]:
    """Open orders on hold or blocked awaiting a decision, of customers ``user`` may see.

    Largest first: they tie up the most business.
    """
    return (
        SalesOrder.objects.restrict(user)
        .filter(credit_status__in=WORKLIST_CREDIT_STATUSES, status__in=ORDER_STATUSES_OPEN)
        .select_related("customer")
        .order_by("-amount_company", "order_date", "pk")
    )


def credit_checks(*, user, customer: Customer) -> QuerySet[CreditCheck]:
    """The check log of a visible customer, newest first."""
    return CreditCheck.objects.restrict(user).filter(customer=customer).select_related("user")


def order_decisions(*, user, order: SalesOrder) -> QuerySet[OrderCreditDecision]:
    """The documented decisions on an order, newest first."""
    return (
        OrderCreditDecision.objects.restrict(user).filter(order=order).select_related("decided_by")
    )
