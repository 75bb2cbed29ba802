"""Reads of credit decisions: the limit in force, list membership, policy, release authority,
the blocked-order worklist and the check history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Q, QuerySet

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


def credit_limit_state(*, customer: Customer, today: dt.date) -> LimitState:
    """What the check uses: an expired limit still gives the figure, flagged as expired.

    A limit that starts in the future does not apply yet.
    """
    active = credit_limit_active(customer=customer, today=today)
    if active is not None:
        review_expired = active.review_due is not None and active.review_due < today
        return LimitState(limit=active, expired=False, review_expired=review_expired)
    expired = (
        CreditLimit.objects.filter(customer=customer, valid_until__lt=today)
        .order_by("-valid_until", "-valid_from")
        .first()
    )
    return LimitState(limit=expired, expired=expired is not None, review_expired=False)


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
    segment_policy = (
        CheckPolicy.objects.filter(segments__customer=customer).first()
    )
    if segment_policy is not None:
        return segment_policy
    return CheckPolicy.objects.filter(key=DEFAULT_POLICY_KEY).first()


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
        OrderCreditDecision.objects.restrict(user)
        .filter(order=order)
        .select_related("decided_by")
    )
