"""Schemas of credit decisions: the order credit check, limits, list entries, blocked orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from credo.customers.choices import Currency
from credo.decisions.choices import ListKind

from .common import InputSchema, PageParams, UserRef, choices_of


class CreditCheckIn(InputSchema):
    """A credit check request. Without ``amount``/``currency`` the order's are used."""

    customer: int = Field(..., description="Customer id.")
    amount: Decimal | None = Field(None, description="Order amount (greater than zero).")
    currency: str | None = choices_of(Currency, "Currency of the amount.")
    order: int | None = Field(None, description="Sales order id: a real check sets its status.")
    what_if: bool = Field(False, description="Answer without saving anything.")


class CheckReasonOut(Schema):
    step: str
    code: str
    reaction: str = Field(..., description="info, warn, hold or block.")
    message: str
    figures: dict[str, str]


class CreditCheckOut(Schema):
    """The answer: the most severe reaction wins; every reason is listed."""

    outcome: str = Field(..., description="approve, warn, hold or block.")
    available_credit: Decimal
    currency: str = Field(..., description="The company currency of all figures.")
    amount: Decimal
    amount_currency: str
    amount_company: Decimal
    limit: Decimal | None
    limit_expired: bool
    counted_exposure: Decimal
    utilisation_percent: Decimal | None
    secured: Decimal
    buckets: dict[str, Decimal]
    information_buckets: list[str]
    reasons: list[CheckReasonOut]
    policy: str
    what_if: bool
    check_id: int | None
    order: int | None
    order_credit_status: str | None


class CreditLimitOut(Schema):
    id: int
    amount: Decimal
    currency: str
    valid_from: dt.date
    valid_until: dt.date | None
    review_due: dt.date | None
    approved_by: UserRef | None
    note: str


class CreditLimitsOut(Schema):
    """The limit in force today (or the latest expired one, flagged) and the full history."""

    current: CreditLimitOut | None
    expired: bool
    review_expired: bool
    history: list[CreditLimitOut]


class ListEntryOut(Schema):
    id: int
    list: str = Field(..., description=f"One of: {', '.join(ListKind.values)}.")
    reason: str
    since: dt.date
    until: dt.date | None
    active: bool
    added_by: UserRef | None


class ListEntriesOut(Schema):
    items: list[ListEntryOut]


class BlockedOrderOut(Schema):
    id: int
    number: str
    customer: int
    customer_name: str
    order_date: dt.date
    currency: str
    amount: Decimal
    amount_company: Decimal
    credit_status: str


class BlockedOrderPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[BlockedOrderOut]


class BlockedOrderFilters(PageParams):
    pass


class OrderDecisionIn(InputSchema):
    """A documented decision: why, under which conditions, valid until when."""

    reason: str
    conditions: str = ""
    valid_until: dt.date | None = None


class OrderDecisionOut(Schema):
    id: int
    order: int
    action: str
    reason: str
    conditions: str
    valid_until: dt.date | None
    previous_status: str
    new_status: str
    credit_check_id: int | None
    decided_by: UserRef | None
    decided_at: dt.datetime
