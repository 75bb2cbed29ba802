"""Writes of collections: dunning levels, the dunning run, sending and cancelling letters,
promises to pay and their review, collector assignments.

Every function is keyword-only and atomic, validates, writes the change log (through the core
``model_*`` helpers) and a typed business event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credo.core.services import business_event_emit, model_create, model_update
from credo.customers.models import Contact, Customer
from credo.receivables.models import OpenItemDue, Payment
from credo.receivables.selectors import company_currency, money_sum

from . import selectors
from .choices import DunningTone, LetterStatus, PromiseStatus
from .models import CollectorAssignment, DunningLetter, DunningLevel, PromiseToPay

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
LETTERS = "collections/letters/"

# The default ladder; also seeded by migration 0002 (which keeps its own copy of the values).
DEFAULT_LEVELS: list[dict[str, Any]] = [
    {"level": 1, "name": "Friendly reminder", "min_days_overdue": 1, "fee": "0.00",
     "annual_interest_rate": "0", "tone": DunningTone.FRIENDLY},
    {"level": 2, "name": "Firm reminder", "min_days_overdue": 30, "fee": "0.00",
     "annual_interest_rate": "0", "tone": DunningTone.FIRM},
    {"level": 3, "name": "Final notice", "min_days_overdue": 60, "fee": "200.00",
     "annual_interest_rate": "12", "tone": DunningTone.FINAL},
    {"level": 4, "name": "Hand over to collection", "min_days_overdue": 90, "fee": "500.00",
     "annual_interest_rate": "12", "tone": DunningTone.HANDOVER},
]


def _template_names(tone: str) -> tuple[str, str]:
    return f"{LETTERS}{tone}_zh.html", f"{LETTERS}{tone}_en.html"


def _decimal(value: Any, field_name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationError({field_name: [_("Enter a number.")]})
    return number


def _date(value: Any, field_name: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field_name: [_("Enter a valid date.")]})
    return value


# --- dunning levels ---------------------------------------------------------------------------


@transaction.atomic
def dunning_level_save(
    *,
    level: int,
    name: str,
    min_days_overdue: int,
    tone: str,
    min_amount: Any = ZERO,
    fee: Any = ZERO,
    annual_interest_rate: Any = ZERO,
    template_zh: str = "",
    template_en: str = "",
) -> DunningLevel:
    """Create or change the dunning level numbered ``level`` (templates default to the tone's)."""
    default_zh, default_en = _template_names(tone)
    data = {
        "level": level,
        "name": name,
        "min_days_overdue": min_days_overdue,
        "min_amount": _decimal(min_amount, "min_amount"),
        "fee": _decimal(fee, "fee"),
        "annual_interest_rate": _decimal(annual_interest_rate, "annual_interest_rate"),
        "template_zh": template_zh or default_zh,
        "template_en": template_en or default_en,
        "tone": tone,
    }
    existing = DunningLevel.objects.filter(level=level).first()
    if existing is None:
        saved = model_create(model=DunningLevel, data=data, customer_id_attr=None)
    else:
        model_update(instance=existing, data=data, customer_id_attr=None)
        saved = existing
    business_event_emit(
        name="collections.level.saved", customer_id=None,
        payload={"level": level, "min_days_overdue": min_days_overdue},
    )
    return saved


@transaction.atomic
def dunning_levels_ensure() -> None:
    """Create the default levels when there are none (after migrate or a database flush)."""
    if DunningLevel.objects.exists():
        return
    for spec in DEFAULT_LEVELS:
        template_zh, template_en = _template_names(spec["tone"])
        DunningLevel.objects.create(
            level=spec["level"], name=spec["name"], min_days_overdue=spec["min_days_overdue"],
            fee=Decimal(spec["fee"]), annual_interest_rate=Decimal(spec["annual_interest_rate"]),
            tone=spec["tone"], template_zh=template_zh, template_en=template_en,
        )


# --- the dunning run --------------------------------------------------------------------------


def _proposal_data(
    *, customer: Customer, as_of: dt.date, levels: list[DunningLevel]
) -> dict[str, Any] | None:
    """The letter a customer should get on ``as_of``, or None (nothing overdue, no level)."""
    items = selectors.overdue_items(customer=customer, as_of=as_of)
    if not items:
        return None
    overdue = sum((item.open_amount_company for item in items), ZERO)
    oldest_days = max(item.days_overdue for item in items)
    reached = selectors.level_reached(
        days_overdue=oldest_days, overdue_amount=overdue, levels=levels
    )
    if reached is None:
        return None
    floor = selectors.last_sent_level(customer=customer)
    level = floor if floor is not None and floor.level > reached.level else reached
    rows = []
    interest_total = ZERO
    for item in items:
        interest = selectors.simple_interest(
            item.open_amount_company, level.annual_interest_rate, item.days_overdue
        )
        interest_total += interest
        rows.append(
            {
                "instalment": item.instalment_id,
                "invoice_number": item.invoice_number,
                "sequence": item.sequence,
                "due_date": item.due_date.isoformat(),
                "currency": item.currency,
                "open_amount": str(item.open_amount),
                "open_amount_company": str(item.open_amount_company),
                "days_overdue": item.days_overdue,
                "interest": str(interest),
            }
        )
    fee = level.fee.quantize(CENT)
    return {
        "customer": customer,
        "level": level,
        "as_of": as_of,
        "status": LetterStatus.PROPOSED,
        "language": selectors.letter_language(customer),
        "currency": company_currency(),
        "overdue_amount": overdue,
        "interest": interest_total,
        "fee": fee,
        "total_due": overdue + interest_total + fee,
        "days_overdue": oldest_days,
        "items": rows,
    }


@transaction.atomic
def dunning_run(*, as_of: dt.date, user) -> list[DunningLetter]:
    """Propose one letter per visible customer with overdue items on ``as_of``.

    The level is the highest one reached by the oldest overdue item (and the overdue total),
    never lower than the level of the last letter sent. Earlier proposals not yet sent for the
    same customer are cancelled: the new proposal replaces them.
    """
    _date(as_of, "as_of")
    levels = list(DunningLevel.objects.order_by("level"))
    if not levels:
        raise ValidationError({"level": [_("Define at least one dunning level first.")]})
    candidates = (
        Customer.objects.restrict(user)
        .filter(
            pk__in=OpenItemDue.objects.filter(due_date__lt=as_of, amount__gt=0).values(
                "customer_id"
            )
        )
        .order_by("pk")
    )
    proposals: list[DunningLetter] = []
    for customer in candidates:
        data = _proposal_data(customer=customer, as_of=as_of, levels=levels)
        if data is None:
            continue
        for stale in DunningLetter.objects.select_for_update().filter(
            customer=customer, status=LetterStatus.PROPOSED
        ):
            model_update(
                instance=stale, data={"status": LetterStatus.CANCELLED},
                customer_id_attr="customer_id",
            )
        letter = model_create(
            model=DunningLetter,
            data={**data, "proposed_by": user if getattr(user, "pk", None) else None},
            customer_id_attr="customer_id",
        )
        business_event_emit(
            name="collections.letter.proposed", customer_id=customer.pk,
            payload={"letter": letter.pk, "level": letter.level.level,
                     "total_due": letter.total_due, "as_of": as_of},
        )
        proposals.append(letter)
    business_event_emit(
        name="collections.dunning.run", customer_id=None,
        payload={"as_of": as_of, "proposed": len(proposals)},
    )
    return proposals


def _lock_letter(letter: DunningLetter) -> DunningLetter:
    return DunningLetter.objects.select_for_update().select_related("customer", "level").get(
        pk=letter.pk
    )


@transaction.atomic
def dunning_letter_send(*, letter: DunningLetter, user) -> DunningLetter:
    """Mark a proposed letter as sent and keep the HTML rendered in the customer's language."""
    locked = _lock_letter(letter)
    if locked.status != LetterStatus.PROPOSED:
        raise ValidationError(
            {"status": [_("Only a proposed letter can be sent; this one is %(status)s.")
                        % {"status": locked.get_status_display()}]}
        )
    html = selectors.letter_render(locked)
    model_update(
        instance=locked,
        data={"status": LetterStatus.SENT, "sent_at": timezone.now(),
              "sent_by": user if getattr(user, "pk", None) else None, "rendered_html": html},
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name="collections.letter.sent", customer_id=locked.customer_id,
        payload={"letter": locked.pk, "level": locked.level.level, "language": locked.language,
                 "total_due": locked.total_due},
    )
    return locked


@transaction.atomic
def dunning_letter_cancel(*, letter: DunningLetter, user) -> DunningLetter:
    """Drop a proposed letter after review (a sent letter stays on record)."""
    locked = _lock_letter(letter)
    if locked.status != LetterStatus.PROPOSED:
        raise ValidationError(
            {"status": [_("Only a proposed letter can be cancelled; this one is %(status)s.")
                        % {"status": locked.get_status_display()}]}
        )
    model_update(
        instance=locked, data={"status": LetterStatus.CANCELLED}, customer_id_attr="customer_id"
    )
    business_event_emit(
        name="collections.letter.cancelled", customer_id=locked.customer_id,
        payload={"letter": locked.pk},
    )
    return locked


# --- promises to pay --------------------------------------------------------------------------


@transaction.atomic
def promise_create(
    *,
    customer: Customer,
    amount: Any,
    promised_date: dt.date,
    user,
    made_on: dt.date | None = None,
    contact: Contact | None = None,
    note: str = "",
) -> PromiseToPay:
    """Record a customer's promise to pay ``amount`` (company currency) by ``promised_date``."""
    value = _decimal(amount, "amount")
    promise = model_create(
        model=PromiseToPay,
        data={
            "customer": customer,
            "amount": value,
            "made_on": made_on or timezone.localdate(),
            "promised_date": _date(promised_date, "promised_date"),
            "contact": contact,
            "note": note,
            "recorded_by": user if getattr(user, "pk", None) else None,
        },
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name="collections.promise.recorded", customer_id=customer.pk,
        payload={"promise": promise.pk, "amount": value, "promised_date": promised_date},
    )
    return promise


def promise_received(promise: PromiseToPay, as_of: dt.date) -> Decimal:
    """Payments (company currency) dated from the promise to its date, and not after ``as_of``."""
    until = min(promise.promised_date, as_of)
    total = Payment.objects.filter(
        customer_id=promise.customer_id, payment_date__gte=promise.made_on,
        payment_date__lte=until,
    ).aggregate(total=money_sum("amount_company"))["total"]
    return Decimal(total).quantize(CENT)


@transaction.atomic
def promises_review(*, as_of: dt.date) -> dict[str, int]:
    """Settle open promises on ``as_of``: kept once the amount is received, broken when the
    promised date has passed without it. Returns how many became kept and broken.

    Each promise is compared with the customer's payments alone; two promises of one customer
    over the same days can both be kept by the same payment (documented simplification).
    """
    _date(as_of, "as_of")
    counts = {PromiseStatus.KEPT.value: 0, PromiseStatus.BROKEN.value: 0}
    for promise in PromiseToPay.objects.select_for_update().filter(
        Q(status=PromiseStatus.OPEN), Q(made_on__lte=as_of)
    ).order_by("pk"):
        received = promise_received(promise, as_of)
        if received >= promise.amount:
            status = PromiseStatus.KEPT
        elif promise.promised_date < as_of:
            status = PromiseStatus.BROKEN
        else:
            continue
        model_update(
            instance=promise, data={"status": status, "resolved_on": as_of},
            customer_id_attr="customer_id",
        )
        business_event_emit(
            name=f"collections.promise.{status}", customer_id=promise.customer_id,
            payload={"promise": promise.pk, "amount": promise.amount, "received": received},
        )
        counts[status] += 1
    return counts


# --- collectors -------------------------------------------------------------------------------


@transaction.atomic
def collector_assign(*, customer: Customer, collector) -> CollectorAssignment | None:
    """Make ``collector`` collect from the customer; ``None`` gives it back to the account
    manager."""
    existing = CollectorAssignment.objects.select_for_update().filter(customer=customer).first()
    if collector is None:
        if existing is not None:
            from credo.core.services import model_delete

            model_delete(instance=existing, customer_id_attr="customer_id")
        result = None
    elif existing is None:
        result = model_create(
            model=CollectorAssignment, data={"customer": customer, "collector": collector},
            customer_id_attr="customer_id",
        )
    else:
        model_update(
            instance=existing, data={"collector": collector}, customer_id_attr="customer_id"
        )
        result = existing
    business_event_emit(
        name="collections.collector.assigned", customer_id=customer.pk,
        payload={"collector": getattr(collector, "pk", None)},
    )
    return result
