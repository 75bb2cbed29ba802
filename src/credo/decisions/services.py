"""Writes of credit decisions: limits, lists, policies and segments, release authorities, the
order credit check and the decisions on held and blocked orders.

Every function is keyword-only and atomic, validates, writes the change log (through the core
``model_*`` helpers) and a typed business event in the same transaction. A real credit check is
itself a log row (``CreditCheck``), so it is written directly rather than change-logged.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credo.core.services import business_event_emit, model_create, model_update
from credo.customers.choices import Currency
from credo.customers.models import Customer
from credo.receivables import selectors as receivables_selectors
from credo.receivables.choices import ORDER_STATUSES_OPEN, CreditStatus
from credo.receivables.models import CustomerExposure, SalesOrder
from credo.receivables.services import order_exposure, sales_order_set_credit_status

from . import selectors
from .check_engine import (
    DEFAULT_COUNTED_BUCKETS,
    DEFAULT_STEPS,
    PART_BUCKETS,
    TOP_LEVEL_BUCKETS,
    CheckInput,
    CheckResult,
    Outcome,
    counted_exposure,
    evaluate,
    parse_policy,
)
from .choices import DEFAULT_POLICY_KEY, DecisionAction, ListKind
from .messages import reason_message
from .models import (
    CheckPolicy,
    CreditCheck,
    CreditLimit,
    CustomerSegment,
    ListEntry,
    OrderCreditDecision,
    ReleaseAuthority,
)

CENT = Decimal("0.01")
ZERO = Decimal("0")
RELEASE_ORDER = "decisions.release_order"

# The order's credit status after a real check with this outcome.
CREDIT_STATUS_FOR_OUTCOME = {
    Outcome.APPROVE: CreditStatus.APPROVED,
    Outcome.WARN: CreditStatus.WARN,
    Outcome.HOLD: CreditStatus.HOLD,
    Outcome.BLOCK: CreditStatus.BLOCK,
}


def _today() -> dt.date:
    return timezone.localdate()


def _decimal_or_error(value: Any, field_name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationError({field_name: [_("Enter a number.")]})
    # Cents as stored (10 -> 10.00); more decimals are left for the model to refuse.
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return number.quantize(CENT)
    return number


# --- credit limits ----------------------------------------------------------------------------


@transaction.atomic
def credit_limit_set(
    *,
    customer: Customer,
    amount: Decimal,
    user,
    currency: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    review_due: dt.date | None = None,
    note: str = "",
) -> CreditLimit:
    """Grant a limit from ``valid_from`` (default today); the limit in force then ends the day
    before, so only one limit is ever valid on a day.

    A limit that starts on or after ``valid_from`` must be ended first: rewriting planned limits
    silently would lose a documented decision.
    """
    start = valid_from or _today()
    # Lock the customer's limits so two grants cannot both pass the overlap check.
    existing = list(
        CreditLimit.objects.select_for_update().filter(customer=customer).order_by("valid_from")
    )
    if any(limit.valid_from >= start for limit in existing):
        raise ValidationError(
            {"valid_from": [_("A limit starting on or after this date already exists.")]}
        )
    new_limit = model_create(
        model=CreditLimit,
        data={
            "customer": customer,
            "amount": _decimal_or_error(amount, "amount"),
            "currency": currency or receivables_selectors.company_currency(),
            "valid_from": start,
            "valid_until": valid_until,
            "review_due": review_due,
            "approved_by": user,
            "note": note,
        },
        customer_id_attr="customer_id",
    )
    for previous in existing:
        if previous.valid_until is None or previous.valid_until >= start:
            model_update(
                instance=previous,
                data={"valid_until": start - dt.timedelta(days=1)},
                customer_id_attr="customer_id",
            )
    business_event_emit(
        name="decisions.credit_limit.set",
        customer_id=customer.pk,
        payload={
            "limit_id": new_limit.pk,
            "amount": new_limit.amount,
            "currency": new_limit.currency,
            "valid_from": new_limit.valid_from,
            "valid_until": new_limit.valid_until,
        },
    )
    return new_limit


@transaction.atomic
def credit_limit_end(*, limit: CreditLimit, on: dt.date | None = None) -> CreditLimit:
    """End a limit on ``on`` (default today): it is not valid after that day."""
    end = on or _today()
    if limit.valid_until is not None and limit.valid_until <= end:
        raise ValidationError({"valid_until": [_("This limit has already ended.")]})
    model_update(instance=limit, data={"valid_until": end}, customer_id_attr="customer_id")
    business_event_emit(
        name="decisions.credit_limit.ended",
        customer_id=limit.customer_id,
        payload={"limit_id": limit.pk, "valid_until": end},
    )
    return limit


@transaction.atomic
def credit_limit_review_set(*, limit: CreditLimit, review_due: dt.date | None) -> CreditLimit:
    """Set (or clear) the date by which the limit must be reviewed."""
    if model_update(instance=limit, data={"review_due": review_due}, customer_id_attr="customer_id"):
        business_event_emit(
            name="decisions.credit_limit.review_set",
            customer_id=limit.customer_id,
            payload={"limit_id": limit.pk, "review_due": review_due},
        )
    return limit


# --- lists ------------------------------------------------------------------------------------


@transaction.atomic
def list_entry_add(
    *,
    customer: Customer,
    list_kind: str,
    reason: str,
    user,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> ListEntry:
    """Put a customer on a list (blacklist, watch list, premium) from ``since`` (default today)."""
    start = since or _today()
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the reason for the list entry.")]})
    overlapping = ListEntry.objects.filter(customer=customer, list_kind=list_kind).exclude(
        until__lt=start
    )
    if until is not None:
        overlapping = overlapping.exclude(since__gt=until)
    if list_kind in ListKind.values and overlapping.exists():
        raise ValidationError(
            {"list_kind": [_("The customer is already on this list for that period.")]}
        )
    entry = model_create(
        model=ListEntry,
        data={
            "customer": customer,
            "list_kind": list_kind,
            "reason": reason.strip(),
            "since": start,
            "until": until,
            "added_by": user,
        },
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name="decisions.list_entry.added",
        customer_id=customer.pk,
        payload={"entry_id": entry.pk, "list": list_kind, "since": start, "until": until},
    )
    if list_kind == ListKind.BLACKLIST:
        # Blacklisting is a credit event: the customer is re-rated after commit.
        from credo.rating.services import list_entry_added

        transaction.on_commit(functools.partial(list_entry_added, entry.pk), robust=True)
    return entry


@transaction.atomic
def list_entry_end(*, entry: ListEntry, on: dt.date | None = None) -> ListEntry:
    """Take the customer off the list after ``on`` (default today)."""
    end = on or _today()
    if entry.until is not None and entry.until <= end:
        raise ValidationError({"until": [_("This list entry has already ended.")]})
    model_update(instance=entry, data={"until": end}, customer_id_attr="customer_id")
    business_event_emit(
        name="decisions.list_entry.ended",
        customer_id=entry.customer_id,
        payload={"entry_id": entry.pk, "list": entry.list_kind, "until": end},
    )
    return entry


# --- policies, segments, authorities ----------------------------------------------------------


@transaction.atomic
def check_policy_save(
    *,
    key: str,
    name: str,
    steps: list[dict[str, Any]],
    counted_buckets: list[str] | None = None,
) -> CheckPolicy:
    """Create or change the check policy of a segment (validated by the engine's parser)."""
    data = {
        "name": name,
        "steps": steps,
        "counted_buckets": list(
            DEFAULT_COUNTED_BUCKETS if counted_buckets is None else counted_buckets
        ),
    }
    policy = CheckPolicy.objects.select_for_update().filter(key=key).first()
    if policy is None:
        policy = model_create(model=CheckPolicy, data={"key": key, **data}, customer_id_attr=None)
    elif not model_update(instance=policy, data=data, customer_id_attr=None):
        return policy
    business_event_emit(
        name="decisions.check_policy.saved", customer_id=None, payload={"key": key}
    )
    return policy


def default_policy_ensure() -> CheckPolicy:
    """The default policy; created with the engine's default steps if it was removed."""
    policy = CheckPolicy.objects.filter(key=DEFAULT_POLICY_KEY).first()
    if policy is not None:
        return policy
    return check_policy_save(
        key=DEFAULT_POLICY_KEY, name=str(_("Default")), steps=list(DEFAULT_STEPS)
    )


# Seeded by migration 0002 as well; kept here for databases flushed after migrating.
DEFAULT_RELEASE_AUTHORITIES = {
    "credit_manager": Decimal("5000000.00"),
    "credit_analyst": Decimal("500000.00"),
}


@transaction.atomic
def decisions_defaults_ensure() -> None:
    """Create the default policy and the default release authorities where they are missing.

    Runs after every migrate (and after a test-database flush, which removes migration data);
    existing rows are never changed.
    """
    default_policy_ensure()
    for group_name, max_amount in DEFAULT_RELEASE_AUTHORITIES.items():
        ReleaseAuthority.objects.get_or_create(
            group_name=group_name, defaults={"max_amount": max_amount}
        )


@transaction.atomic
def customer_segment_set(*, customer: Customer, policy: CheckPolicy | None) -> None:
    """Assign the customer to a segment's policy, or back to the default (``None``)."""
    segment = CustomerSegment.objects.filter(customer=customer).first()
    if policy is None or policy.key == DEFAULT_POLICY_KEY:
        if segment is not None:
            from credo.core.services import model_delete

            model_delete(instance=segment, customer_id_attr="customer_id")
    elif segment is None:
        model_create(
            model=CustomerSegment,
            data={"customer": customer, "policy": policy},
            customer_id_attr="customer_id",
        )
    elif not model_update(
        instance=segment, data={"policy": policy}, customer_id_attr="customer_id"
    ):
        return
    business_event_emit(
        name="decisions.segment.set",
        customer_id=customer.pk,
        payload={"policy": policy.key if policy is not None else DEFAULT_POLICY_KEY},
    )


@transaction.atomic
def release_authority_set(*, group_name: str, max_amount: Decimal) -> ReleaseAuthority:
    """Set the largest order amount (company currency) a role may release."""
    authority = ReleaseAuthority.objects.filter(group_name=group_name).first()
    amount = _decimal_or_error(max_amount, "max_amount")
    if authority is None:
        authority = model_create(
            model=ReleaseAuthority,
            data={"group_name": group_name, "max_amount": amount},
            customer_id_attr=None,
        )
    else:
        model_update(instance=authority, data={"max_amount": amount}, customer_id_attr=None)
    business_event_emit(
        name="decisions.release_authority.set",
        customer_id=None,
        payload={"group": group_name, "max_amount": amount},
    )
    return authority


# --- the credit check -------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckAnswer:
    """A credit check's answer, ready for the UI and the API (messages in the active language).

    ``check`` is the stored log row; None for a what-if check.
    """

    outcome: str
    available_credit: Decimal
    currency: str  # the company currency: figures below are in it
    amount: Decimal
    amount_currency: str
    amount_company: Decimal
    counted_exposure: Decimal
    utilisation_percent: Decimal | None
    limit: Decimal | None
    limit_expired: bool
    buckets: dict[str, Decimal]
    secured: Decimal
    information_buckets: tuple[str, ...]
    reasons: list[dict[str, Any]]
    policy_key: str
    what_if: bool
    check: CreditCheck | None = None
    order_credit_status: str | None = None
    figures: dict[str, Any] = field(default_factory=dict)


def order_counted_open_amount(order: SalesOrder) -> Decimal:
    """The part of ``order`` already inside the customer's open-orders bucket (company currency).

    Checking an order that already counts must not add it a second time.
    """
    return order_exposure(order)[0]


def _lock_order(order: SalesOrder) -> SalesOrder:
    """Lock the customer's exposure row, then the order (the ledger writers' lock order).

    Serialises real checks and decisions on one customer's orders: two orders cannot both take
    the same available credit.
    """
    list(CustomerExposure.objects.select_for_update().filter(customer_id=order.customer_id))
    return SalesOrder.objects.select_for_update().get(pk=order.pk)


def _reason_rows(result: CheckResult) -> list[dict[str, Any]]:
    return [
        {
            "step": reason.step,
            "code": reason.code,
            "reaction": str(reason.reaction),
            "params": {key: str(value) for key, value in reason.params.items()},
        }
        for reason in result.reasons
    ]


def reasons_with_messages(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored reason rows with their message in the active language."""
    return [{**row, "message": reason_message(row["code"], row["params"])} for row in rows]


def _validated_check_input(
    *, customer: Customer, amount: Any, currency: str | None, order: SalesOrder | None
) -> tuple[Decimal, str]:
    errors: dict[str, list] = {}
    if order is not None:
        if order.customer_id != customer.pk:
            errors["order"] = [_("This order belongs to another customer.")]
        elif order.status not in ORDER_STATUSES_OPEN:
            errors["order"] = [_("Only open orders can be checked.")]
        if amount is None:
            amount = order.amount
        if not currency:
            currency = order.currency
    number: Decimal | None = None
    if amount is None:
        errors["amount"] = [_("This field is required.")]
    else:
        try:
            number = _decimal_or_error(amount, "amount")
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            if number <= ZERO:
                errors["amount"] = [_("The amount must be greater than zero.")]
    if not currency:
        errors["currency"] = [_("This field is required.")]
    elif currency not in Currency.values:
        errors["currency"] = [_("Unknown currency: %(currency)s.") % {"currency": currency}]
    if errors:
        raise ValidationError(errors)
    assert number is not None and currency is not None
    return number, currency


def credit_check(
    *,
    customer: Customer,
    user,
    amount: Any = None,
    currency: str | None = None,
    order: SalesOrder | None = None,
    what_if: bool = False,
    today: dt.date | None = None,
) -> CheckAnswer:
    """Check whether an order of ``amount`` may go through: approve, warn, hold or block.

    Reads only maintained rows (exposure snapshot, limit, lists, policy): no ledger sums. A
    what-if check writes nothing and opens no transaction (on SQLite a transaction here would
    take the write lock). A real check is logged; on an order it also sets the order's credit
    status, which puts held and blocked orders on the worklist.
    """
    arguments = {"customer": customer, "user": user, "amount": amount, "currency": currency,
                 "order": order, "what_if": what_if, "today": today}
    if what_if:
        return _credit_check(**arguments)
    with transaction.atomic():
        return _credit_check(**arguments)


def _credit_check(
    *,
    customer: Customer,
    user,
    amount: Any,
    currency: str | None,
    order: SalesOrder | None,
    what_if: bool,
    today: dt.date | None,
) -> CheckAnswer:
    day = today or _today()
    if order is not None and not what_if:
        order = _lock_order(order)
    number, currency = _validated_check_input(
        customer=customer, amount=amount, currency=currency, order=order
    )
    amount_company = (number * receivables_selectors.fx_rate(currency, day)).quantize(CENT)

    snapshot = receivables_selectors.exposure_snapshot(customer=customer, today=day)
    buckets = {
        name: getattr(snapshot, name) for name in (*TOP_LEVEL_BUCKETS, *PART_BUCKETS)
    }
    if order is not None:
        buckets["open_orders"] -= order_counted_open_amount(order)

    context = selectors.check_context(customer_id=customer.pk, today=day)
    limit_state, lists = context.limit_state, context.lists
    limit_company: Decimal | None = None
    if limit_state.limit is not None:
        limit_company = selectors.limit_in_company_currency(limit_state.limit, day)

    policy_row = context.policy or default_policy_ensure()
    policy = parse_policy(policy_row.steps, policy_row.counted_buckets)
    group_counted: Decimal | None = None
    if policy.needs_group_exposure:
        group = receivables_selectors.group_exposure_snapshot(customer=customer, today=day)
        group_counted = counted_exposure(
            {name: getattr(group, name) for name in TOP_LEVEL_BUCKETS}, policy.counted_buckets
        ) - group.secured

    result = evaluate(
        CheckInput(
            order_amount=amount_company,
            limit=limit_company,
            buckets=buckets,
            secured=snapshot.secured,
            oldest_overdue_days=snapshot.oldest_overdue_days,
            blacklisted=ListKind.BLACKLIST in lists,
            watchlisted=ListKind.WATCH in lists,
            limit_expired=limit_state.expired,
            review_expired=limit_state.review_expired,
            grade=context.grade,
            group_counted_exposure=group_counted,
        ),
        policy,
    )
    rows = _reason_rows(result)
    figures = {
        "buckets": {name: str(value) for name, value in buckets.items()},
        "secured": str(snapshot.secured),
        "oldest_overdue_days": snapshot.oldest_overdue_days,
        "limit": None if limit_company is None else str(limit_company),
        "limit_id": limit_state.limit.pk if limit_state.limit is not None else None,
        "limit_expired": limit_state.expired,
        "review_expired": limit_state.review_expired,
        "lists": sorted(lists),
        "grade": context.grade,
        "counted_exposure": str(result.counted_exposure),
        "utilisation_percent": (
            None if result.utilisation_percent is None else str(result.utilisation_percent)
        ),
        "day": day.isoformat(),
    }
    answer_fields: dict[str, Any] = {
        "outcome": str(result.outcome),
        "available_credit": result.available_credit,
        "currency": snapshot.currency,
        "amount": number,
        "amount_currency": currency,
        "amount_company": amount_company,
        "counted_exposure": result.counted_exposure,
        "utilisation_percent": result.utilisation_percent,
        "limit": limit_company,
        "limit_expired": limit_state.expired,
        "buckets": buckets,
        "secured": snapshot.secured,
        "information_buckets": result.information_buckets,
        "reasons": reasons_with_messages(rows),
        "policy_key": policy_row.key,
        "what_if": what_if,
        "figures": figures,
    }
    if what_if:
        return CheckAnswer(**answer_fields)

    check = CreditCheck.objects.create(
        customer=customer,
        order=order,
        amount=number,
        currency=currency,
        amount_company=amount_company,
        outcome=result.outcome,
        available_credit=result.available_credit,
        reasons=rows,
        figures=figures,
        policy_key=policy_row.key,
        what_if=False,
        user=user if getattr(user, "pk", None) else None,
    )
    business_event_emit(
        name="decisions.credit_check.performed",
        customer_id=customer.pk,
        payload={
            "check_id": check.pk,
            "order_id": order.pk if order is not None else None,
            "outcome": str(result.outcome),
            "amount_company": amount_company,
            "available_credit": result.available_credit,
        },
    )
    if result.utilisation_percent is not None and result.utilisation_percent > 100:
        # A limit breach is a credit event (once per breach): re-rated after commit.
        from credo.rating.services import credit_check_limit_breach

        transaction.on_commit(functools.partial(credit_check_limit_breach, check.pk), robust=True)
    order_status = None
    if order is not None:
        order_status = CREDIT_STATUS_FOR_OUTCOME[result.outcome]
        sales_order_set_credit_status(order=order, status=order_status)
    return CheckAnswer(**answer_fields, check=check, order_credit_status=order_status)


# --- decisions on held and blocked orders -----------------------------------------------------


def _authorise_decision(*, order: SalesOrder, user) -> None:
    if not user.has_perm(RELEASE_ORDER):
        raise PermissionDenied(gettext("You may not decide on held or blocked orders."))
    if not SalesOrder.objects.restrict(user).filter(pk=order.pk).exists():
        raise PermissionDenied(gettext("You may not decide on orders of this customer."))
    maximum = selectors.release_authority_of(user)
    if maximum is not None and order.amount_company > maximum:
        raise PermissionDenied(
            gettext(
                "Your release authority of %(maximum)s %(currency)s does not cover this order "
                "of %(amount)s %(currency)s."
            )
            % {
                "maximum": maximum,
                "amount": order.amount_company,
                "currency": receivables_selectors.company_currency(),
            }
        )


def _decide(
    *,
    order: SalesOrder,
    user,
    action: str,
    reason: str,
    conditions: str,
    valid_until: dt.date | None,
) -> OrderCreditDecision:
    order = _lock_order(order)
    _authorise_decision(order=order, user=user)
    errors: dict[str, list] = {}
    if order.credit_status not in selectors.WORKLIST_CREDIT_STATUSES:
        errors["order"] = [_("Only held or blocked orders await a decision.")]
    elif order.status not in ORDER_STATUSES_OPEN:
        errors["order"] = [_("Only open orders can be decided on.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the decision.")]
    if valid_until is not None and valid_until < _today():
        errors["valid_until"] = [_("The decision cannot be valid until a past date.")]
    if errors:
        raise ValidationError(errors)

    previous_status = order.credit_status
    check = None
    if action == DecisionAction.RECHECK:
        answer = credit_check(customer=order.customer, order=order, user=user)
        check = answer.check
        new_status = answer.order_credit_status
    else:
        new_status = (
            CreditStatus.RELEASED if action == DecisionAction.RELEASE else CreditStatus.REJECTED
        )
        sales_order_set_credit_status(order=order, status=new_status, valid_until=valid_until)
    decision = model_create(
        model=OrderCreditDecision,
        data={
            "customer_id": order.customer_id,
            "order": order,
            "action": action,
            "reason": reason.strip(),
            "conditions": (conditions or "").strip(),
            "valid_until": valid_until,
            "previous_status": previous_status,
            "new_status": new_status,
            "credit_check": check,
            "decided_by": user if getattr(user, "pk", None) else None,
        },
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name=f"decisions.order.{action}",
        customer_id=order.customer_id,
        payload={
            "order_id": order.pk,
            "decision_id": decision.pk,
            "previous_status": previous_status,
            "new_status": new_status,
            "amount_company": order.amount_company,
            "valid_until": valid_until,
        },
    )
    return decision


@transaction.atomic
def order_release(
    *, order: SalesOrder, user, reason: str, conditions: str = "",
    valid_until: dt.date | None = None,
) -> OrderCreditDecision:
    """Release a held or blocked order (within the user's release authority), documented."""
    return _decide(order=order, user=user, action=DecisionAction.RELEASE, reason=reason,
                   conditions=conditions, valid_until=valid_until)


@transaction.atomic
def order_reject(
    *, order: SalesOrder, user, reason: str, conditions: str = "",
    valid_until: dt.date | None = None,
) -> OrderCreditDecision:
    """Reject a held or blocked order: it stays off the exposure and off the worklist."""
    return _decide(order=order, user=user, action=DecisionAction.REJECT, reason=reason,
                   conditions=conditions, valid_until=valid_until)


@transaction.atomic
def order_recheck(
    *, order: SalesOrder, user, reason: str, conditions: str = "",
    valid_until: dt.date | None = None,
) -> OrderCreditDecision:
    """Run the credit check again on a held or blocked order (e.g. after a payment)."""
    return _decide(order=order, user=user, action=DecisionAction.RECHECK, reason=reason,
                   conditions=conditions, valid_until=valid_until)


def released_orders_expire(*, today: dt.date | None = None) -> list[OrderCreditDecision]:
    """Recheck every open order whose release ran out before ``today``.

    A release is valid until the date the decision gave; after it the order must pass the credit
    check again: approved or warned it may ship, held or blocked it is back on the worklist.
    Each order is rechecked in its own transaction and documented as an "expire" decision by the
    system (no user). Run daily (``credo decisions expire-releases``); delivery of an order whose
    release has run out is refused in any case.
    """
    day = today or _today()
    expired = SalesOrder.objects.filter(
        credit_status=CreditStatus.RELEASED,
        status__in=list(ORDER_STATUSES_OPEN),
        credit_valid_until__lt=day,
    ).order_by("credit_valid_until", "pk")
    decisions = []
    for order in expired.iterator(chunk_size=500):
        with transaction.atomic():
            locked = _lock_order(order)
            if locked.credit_status != CreditStatus.RELEASED or locked.credit_valid_until is None:
                continue  # decided on meanwhile
            valid_until = locked.credit_valid_until
            answer = credit_check(customer=locked.customer, order=locked, user=None, today=day)
            decision = model_create(
                model=OrderCreditDecision,
                data={
                    "customer_id": locked.customer_id,
                    "order": locked,
                    "action": DecisionAction.EXPIRE,
                    "reason": gettext(
                        "The release was valid until %(date)s; the order was checked again."
                    ) % {"date": valid_until.isoformat()},
                    "conditions": "",
                    "valid_until": None,
                    "previous_status": CreditStatus.RELEASED,
                    "new_status": answer.order_credit_status,
                    "credit_check": answer.check,
                    "decided_by": None,
                },
                customer_id_attr="customer_id",
            )
            business_event_emit(
                name="decisions.order.expire",
                customer_id=locked.customer_id,
                payload={"order_id": locked.pk, "decision_id": decision.pk,
                         "new_status": answer.order_credit_status, "valid_until": valid_until},
            )
            decisions.append(decision)
    return decisions
