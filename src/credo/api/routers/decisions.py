"""Credit decision endpoints: the order credit check, a customer's limits and list entries, the
blocked-order worklist and its decisions.

Handlers only translate between JSON and ``credo.decisions`` services/selectors. A customer or
order the caller cannot see is a 404; a missing permission or release authority is a 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from credo.core.permissions import RELEASE_ORDER, RUN_CREDIT_CHECK
from credo.decisions import selectors, services
from credo.decisions.models import CreditLimit, ListEntry, OrderCreditDecision
from credo.receivables.models import SalesOrder

from ..auth import acting_user, require_perm
from ..errors import READ_ERRORS, WRITE_ERRORS, Forbidden, NotFound
from ..schemas.common import paginate, user_ref
from ..schemas.decisions import (
    BlockedOrderFilters,
    BlockedOrderPage,
    CreditCheckIn,
    CreditCheckOut,
    CreditLimitsOut,
    ListEntriesOut,
    OrderDecisionIn,
    OrderDecisionOut,
)
from .customers import visible_customer

router = Router(tags=["credit decisions"])


def _visible_order(request: HttpRequest, pk: int) -> SalesOrder:
    order = SalesOrder.objects.restrict(acting_user(request)).filter(pk=pk).first()
    if order is None:
        raise NotFound(_("Order not found."))
    return order


def _check_out(answer: services.CheckAnswer, order: SalesOrder | None) -> dict[str, Any]:
    return {
        "outcome": answer.outcome,
        "available_credit": answer.available_credit,
        "currency": answer.currency,
        "amount": answer.amount,
        "amount_currency": answer.amount_currency,
        "amount_company": answer.amount_company,
        "limit": answer.limit,
        "limit_expired": answer.limit_expired,
        "counted_exposure": answer.counted_exposure,
        "utilisation_percent": answer.utilisation_percent,
        "secured": answer.secured,
        "buckets": answer.buckets,
        "information_buckets": list(answer.information_buckets),
        "reasons": [
            {
                "step": reason["step"],
                "code": reason["code"],
                "reaction": reason["reaction"],
                "message": reason["message"],
                "figures": reason["params"],
            }
            for reason in answer.reasons
        ],
        "policy": answer.policy_key,
        "what_if": answer.what_if,
        "check_id": answer.check.pk if answer.check is not None else None,
        "order": order.pk if order is not None else None,
        "order_credit_status": answer.order_credit_status,
    }


@router.post(
    "/credit-check",
    response={200: CreditCheckOut, **WRITE_ERRORS},
    summary="Check an order against the customer's credit (approve / warn / hold / block)",
)
def credit_check(request: HttpRequest, payload: CreditCheckIn):
    require_perm(request, RUN_CREDIT_CHECK)
    customer = visible_customer(request, payload.customer)
    order = _visible_order(request, payload.order) if payload.order is not None else None
    answer = services.credit_check(
        customer=customer,
        user=acting_user(request),
        amount=payload.amount,
        currency=payload.currency,
        order=order,
        what_if=payload.what_if,
    )
    return _check_out(answer, order)


def _limit_out(limit: CreditLimit | None) -> dict[str, Any] | None:
    if limit is None:
        return None
    return {
        "id": limit.pk,
        "amount": limit.amount,
        "currency": limit.currency,
        "valid_from": limit.valid_from,
        "valid_until": limit.valid_until,
        "review_due": limit.review_due,
        "approved_by": user_ref(limit.approved_by),
        "note": limit.note,
    }


@router.get(
    "/customers/{int:customer_id}/credit-limits",
    response={200: CreditLimitsOut, **READ_ERRORS},
    summary="A customer's credit limit in force and its history",
)
def credit_limits(request: HttpRequest, customer_id: int):
    require_perm(request, "decisions.view_creditlimit")
    user = acting_user(request)
    customer = visible_customer(request, customer_id)
    state = selectors.credit_limit_state(customer=customer, today=timezone.localdate())
    history = selectors.credit_limit_history(user=user, customer=customer)
    return {
        "current": _limit_out(state.limit),
        "expired": state.expired,
        "review_expired": state.review_expired,
        "history": [_limit_out(limit) for limit in history],
    }


def _entry_out(entry: ListEntry, today) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "list": entry.list_kind,
        "reason": entry.reason,
        "since": entry.since,
        "until": entry.until,
        "active": entry.is_active_on(today),
        "added_by": user_ref(entry.added_by),
    }


@router.get(
    "/customers/{int:customer_id}/list-entries",
    response={200: ListEntriesOut, **READ_ERRORS},
    summary="A customer's blacklist, watch-list and premium-list entries",
)
def list_entries(request: HttpRequest, customer_id: int):
    require_perm(request, "decisions.view_listentry")
    customer = visible_customer(request, customer_id)
    today = timezone.localdate()
    entries = selectors.list_entries(user=acting_user(request), customer=customer)
    return {"items": [_entry_out(entry, today) for entry in entries]}


@router.get(
    "/blocked-orders",
    response={200: BlockedOrderPage, **READ_ERRORS},
    summary="Held and blocked orders awaiting a decision (largest first)",
)
def blocked_orders(request: HttpRequest, filters: Query[BlockedOrderFilters]):
    require_perm(request, "decisions.view_ordercreditdecision")
    queryset = selectors.blocked_order_worklist(user=acting_user(request))
    count, orders = paginate(queryset, filters)
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [
            {
                "id": order.pk,
                "number": order.number,
                "customer": order.customer_id,
                "customer_name": order.customer.display_name,
                "order_date": order.order_date,
                "currency": order.currency,
                "amount": order.amount,
                "amount_company": order.amount_company,
                "credit_status": order.credit_status,
            }
            for order in orders
        ],
    }


def _decision_out(decision: OrderCreditDecision) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "order": decision.order_id,
        "action": decision.action,
        "reason": decision.reason,
        "conditions": decision.conditions,
        "valid_until": decision.valid_until,
        "previous_status": decision.previous_status,
        "new_status": decision.new_status,
        "credit_check_id": decision.credit_check_id,
        "decided_by": user_ref(decision.decided_by),
        "decided_at": decision.created_at,
    }


_DECISION_SERVICES = {
    "release": services.order_release,
    "reject": services.order_reject,
    "recheck": services.order_recheck,
}


def _decide(request: HttpRequest, order_id: int, action: str, payload: OrderDecisionIn):
    require_perm(request, RELEASE_ORDER)
    order = _visible_order(request, order_id)
    try:
        decision = _DECISION_SERVICES[action](
            order=order,
            user=acting_user(request),
            reason=payload.reason,
            conditions=payload.conditions,
            valid_until=payload.valid_until,
        )
    except PermissionDenied as refused:
        # Keep the service's message: it says which authority is missing.
        raise Forbidden(str(refused) or None) from None
    return _decision_out(decision)


@router.post(
    "/blocked-orders/{int:order_id}/release",
    response={200: OrderDecisionOut, **WRITE_ERRORS},
    summary="Release a held or blocked order (within your release authority)",
)
def release_order(request: HttpRequest, order_id: int, payload: OrderDecisionIn):
    return _decide(request, order_id, "release", payload)


@router.post(
    "/blocked-orders/{int:order_id}/reject",
    response={200: OrderDecisionOut, **WRITE_ERRORS},
    summary="Reject a held or blocked order (within your release authority)",
)
def reject_order(request: HttpRequest, order_id: int, payload: OrderDecisionIn):
    return _decide(request, order_id, "reject", payload)


@router.post(
    "/blocked-orders/{int:order_id}/recheck",
    response={200: OrderDecisionOut, **WRITE_ERRORS},
    summary="Run the credit check again on a held or blocked order",
)
def recheck_order(request: HttpRequest, order_id: int, payload: OrderDecisionIn):
    return _decide(request, order_id, "recheck", payload)
