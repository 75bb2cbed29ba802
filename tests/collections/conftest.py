"""Fixtures for collections: a ledger with overdue invoices, acting as a credit manager."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credo.core.context import acting_as


def D(value: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


AS_OF = day("2025-06-30")


@pytest.fixture
def acting(credit_manager):
    with acting_as(credit_manager, channel="system"):
        yield credit_manager


@pytest.fixture
def invoice(acting):
    """Post a CNY invoice due on its date (no payment terms)."""
    from credo.receivables.services import invoice_post

    counter = iter(range(1, 1000))

    def post(customer, amount: str, on: str, currency: str = "CNY", **extra):
        return invoice_post(
            customer=customer, number=f"INV-{customer.pk}-{next(counter)}",
            invoice_date=day(on), currency=currency, amount=D(amount), **extra,
        )

    return post


@pytest.fixture
def pay(acting):
    """Post a payment and allocate it to the first open item of ``invoice``."""
    from credo.receivables.services import allocation_create, payment_post

    counter = iter(range(1, 1000))

    def post(customer, amount: str, on: str, invoice=None):
        payment = payment_post(
            customer=customer, number=f"PAY-{customer.pk}-{next(counter)}",
            payment_date=day(on), currency="CNY", amount=D(amount),
        )
        if invoice is not None:
            allocation_create(
                payment=payment, instalment=invoice.instalments.first(), amount=D(amount),
                on=day(on),
            )
        return payment

    return post
