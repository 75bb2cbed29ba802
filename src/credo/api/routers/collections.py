"""Collections endpoints: the prioritised collection worklist, dunning letters (run, list,
view, send, cancel) and a customer's promises to pay.

Handlers only translate between JSON and ``credo.dunning`` services/selectors. A customer
or letter the caller cannot see is a 404; a missing permission is a 403. Amounts are in the
company currency.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from credo.core.permissions import RUN_DUNNING, SEND_DUNNING_LETTER, VIEW_COLLECTION_WORKLIST
from credo.customers.models import Contact
from credo.dunning import selectors, services
from credo.dunning.models import DunningLetter, PromiseToPay

from ..auth import acting_user, require_perm
from ..errors import READ_ERRORS, WRITE_ERRORS, NotFound
from ..schemas.common import InputSchema, PageParams, UserRef, user_ref
from .customers import visible_customer

router = Router(tags=["collections"])


class WorklistFilters(PageParams):
    collector: int | None = Field(
        None, description="Only this collector's customers (user id; assigned collector, else "
        "the account manager)."
    )
    as_of: dt.date | None = Field(None, description="Day the overdue days count to (today).")


class WorklistRowOut(Schema):
    customer: int
    customer_code: str | None
    customer_name: str
    collector: UserRef | None
    currency: str
    overdue_amount: Decimal
    days_overdue: int
    risk_factor: Decimal
    priority: Decimal
    on_blacklist: bool
    on_watch_list: bool
    broken_promises: int
    next_promised_date: dt.date | None
    last_letter_level: int | None


class WorklistPage(Schema):
    as_of: dt.date
    formula: str
    count: int
    limit: int
    offset: int
    items: list[WorklistRowOut]


class LetterItemOut(Schema):
    invoice_number: str
    sequence: int
    due_date: dt.date
    currency: str
    open_amount: Decimal
    open_amount_company: Decimal
    days_overdue: int
    interest: Decimal


class LetterOut(Schema):
    id: int
    customer: int
    customer_name: str
    level: int
    level_name: str
    as_of: dt.date
    status: str
    language: str
    currency: str
    overdue_amount: Decimal
    interest: Decimal
    fee: Decimal
    total_due: Decimal
    days_overdue: int
    items: list[LetterItemOut]
    sent_at: dt.datetime | None
    sent_by: UserRef | None


class LetterHtmlOut(LetterOut):
    html: str


class LetterFilters(PageParams):
    status: str = Field("", description="proposed, sent or cancelled (empty: all).")
    customer: int | None = None


class LetterPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[LetterOut]


class DunningRunIn(InputSchema):
    as_of: dt.date


class DunningRunOut(Schema):
    proposed: list[LetterOut]


class LetterActionIn(InputSchema):
    action: str = Field("send", description="send or cancel")


class PromiseIn(InputSchema):
    amount: Decimal
    promised_date: dt.date
    made_on: dt.date | None = None
    contact: int | None = None
    note: str = ""


class PromiseOut(Schema):
    id: int
    customer: int
    amount: Decimal
    made_on: dt.date
    promised_date: dt.date
    contact: int | None
    note: str
    status: str
    resolved_on: dt.date | None
    recorded_by: UserRef | None


class PromisesOut(Schema):
    items: list[PromiseOut]


FORMULA = (
    "priority = overdue_amount x days_overdue x risk_factor; risk_factor = 1 + 1.0 (blacklist) "
    "+ 0.5 (watch list) + 0.25 x broken promises in the last 365 days (at most 4)"
)


@router.get(
    "/collections/worklist",
    response={200: WorklistPage, **READ_ERRORS},
    summary="Customers with overdue items, highest collection priority first",
)
def worklist(request: HttpRequest, filters: Query[WorklistFilters]):
    require_perm(request, VIEW_COLLECTION_WORKLIST)
    as_of = filters.as_of or timezone.localdate()
    rows = selectors.collection_worklist(
        user=acting_user(request), as_of=as_of, collector_id=filters.collector
    )
    page = rows[filters.offset : filters.offset + filters.limit]
    return {
        "as_of": as_of,
        "formula": FORMULA,
        "count": len(rows),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [
            {
                "customer": row.customer.pk,
                "customer_code": row.customer.code,
                "customer_name": row.customer.display_name,
                "collector": user_ref(row.collector),
                "currency": row.currency,
                "overdue_amount": row.overdue_amount,
                "days_overdue": row.days_overdue,
                "risk_factor": row.risk_factor,
                "priority": row.priority,
                "on_blacklist": row.on_blacklist,
                "on_watch_list": row.on_watch_list,
                "broken_promises": row.broken_promises,
                "next_promised_date": row.next_promise.promised_date if row.next_promise else None,
                "last_letter_level": row.last_letter.level.level if row.last_letter else None,
            }
            for row in page
        ],
    }


def _letter_out(letter: DunningLetter) -> dict[str, Any]:
    return {
        "id": letter.pk,
        "customer": letter.customer_id,
        "customer_name": letter.customer.display_name,
        "level": letter.level.level,
        "level_name": letter.level.name,
        "as_of": letter.as_of,
        "status": letter.status,
        "language": letter.language,
        "currency": letter.currency,
        "overdue_amount": letter.overdue_amount,
        "interest": letter.interest,
        "fee": letter.fee,
        "total_due": letter.total_due,
        "days_overdue": letter.days_overdue,
        "items": letter.items,
        "sent_at": letter.sent_at,
        "sent_by": user_ref(letter.sent_by),
    }


def _visible_letter(request: HttpRequest, pk: int) -> DunningLetter:
    try:
        return selectors.letter_get(user=acting_user(request), pk=pk)
    except DunningLetter.DoesNotExist:
        raise NotFound(_("Letter not found.")) from None


@router.get(
    "/collections/letters",
    response={200: LetterPage, **READ_ERRORS},
    summary="Dunning letters (proposed, sent, cancelled), newest first",
)
def letters(request: HttpRequest, filters: Query[LetterFilters]):
    require_perm(request, "collections.view_dunningletter")
    customer = visible_customer(request, filters.customer) if filters.customer else None
    queryset = selectors.letter_list(
        user=acting_user(request), status=filters.status, customer=customer
    )
    count = queryset.count()
    page = queryset[filters.offset : filters.offset + filters.limit]
    return {
        "count": count, "limit": filters.limit, "offset": filters.offset,
        "items": [_letter_out(letter) for letter in page],
    }


@router.get(
    "/collections/letters/{int:letter_id}",
    response={200: LetterHtmlOut, **READ_ERRORS},
    summary="One dunning letter with its HTML in the customer's language",
)
def letter(request: HttpRequest, letter_id: int):
    require_perm(request, "collections.view_dunningletter")
    found = _visible_letter(request, letter_id)
    return {**_letter_out(found), "html": selectors.letter_render(found)}


@router.post(
    "/collections/dunning-run",
    response={200: DunningRunOut, **WRITE_ERRORS},
    summary="Propose one dunning letter per visible customer with overdue items",
)
def dunning_run(request: HttpRequest, payload: DunningRunIn):
    require_perm(request, RUN_DUNNING)
    proposed = services.dunning_run(as_of=payload.as_of, user=acting_user(request))
    return {"proposed": [_letter_out(letter) for letter in proposed]}


@router.post(
    "/collections/letters/{int:letter_id}/send",
    response={200: LetterOut, **WRITE_ERRORS},
    summary="Send a proposed letter (or cancel it with action=cancel)",
)
def letter_send(request: HttpRequest, letter_id: int, payload: LetterActionIn):
    require_perm(request, SEND_DUNNING_LETTER)
    found = _visible_letter(request, letter_id)
    if payload.action == "cancel":
        done = services.dunning_letter_cancel(letter=found, user=acting_user(request))
    elif payload.action == "send":
        done = services.dunning_letter_send(letter=found, user=acting_user(request))
    else:
        raise ValidationError({"action": [_("Choose send or cancel.")]})
    return _letter_out(done)


def _promise_out(promise: PromiseToPay) -> dict[str, Any]:
    return {
        "id": promise.pk, "customer": promise.customer_id, "amount": promise.amount,
        "made_on": promise.made_on, "promised_date": promise.promised_date,
        "contact": promise.contact_id, "note": promise.note, "status": promise.status,
        "resolved_on": promise.resolved_on, "recorded_by": user_ref(promise.recorded_by),
    }


@router.get(
    "/customers/{int:customer_id}/promises",
    response={200: PromisesOut, **READ_ERRORS},
    summary="A customer's promises to pay",
)
def promises(request: HttpRequest, customer_id: int):
    require_perm(request, "collections.view_promisetopay")
    customer = visible_customer(request, customer_id)
    found = selectors.promise_list(user=acting_user(request), customer=customer)
    return {"items": [_promise_out(promise) for promise in found]}


@router.post(
    "/customers/{int:customer_id}/promises",
    response={200: PromiseOut, **WRITE_ERRORS},
    summary="Record a promise to pay (company currency)",
)
def promise_create(request: HttpRequest, customer_id: int, payload: PromiseIn):
    require_perm(request, "collections.add_promisetopay")
    customer = visible_customer(request, customer_id)
    contact = None
    if payload.contact is not None:
        contact = Contact.objects.filter(pk=payload.contact, customer=customer).first()
        if contact is None:
            raise NotFound(_("Contact not found."))
    created = services.promise_create(
        customer=customer, amount=payload.amount, promised_date=payload.promised_date,
        made_on=payload.made_on, contact=contact, note=payload.note, user=acting_user(request),
    )
    return _promise_out(created)
