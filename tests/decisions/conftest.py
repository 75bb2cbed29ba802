"""Fixtures for credit decisions: a customer with ledger documents, dated checks."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from credo.core.context import acting_as

TODAY = dt.date(2025, 6, 30)
_numbers = itertools.count(1)


def D(value: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


@pytest.fixture
def acting(credit_manager):
    with acting_as(credit_manager, channel="system"):
        yield credit_manager


@pytest.fixture
def customer(make_customer, acting):
    return make_customer()


@pytest.fixture
def ledger(acting):
    """Helpers writing ledger documents through helper R's services."""
    from credo.receivables import services

    class Ledger:
        @staticmethod
        def order(customer, amount, currency="CNY", on=dt.date(2025, 6, 1)):
            return services.sales_order_create(
                customer=customer, number=f"SO-{next(_numbers)}", order_date=on,
                currency=currency, amount=D(str(amount)),
            )

        @staticmethod
        def invoice(customer, amount, on=dt.date(2025, 6, 1), currency="CNY"):
            """An invoice without terms: due on its date, so overdue from the next day."""
            return services.invoice_post(
                customer=customer, number=f"INV-{next(_numbers)}", invoice_date=on,
                currency=currency, amount=D(str(amount)),
            )

        @staticmethod
        def security(customer, amount, on=dt.date(2025, 1, 1), until=None):
            return services.security_add(
                customer=customer, kind="guarantee", amount=D(str(amount)), currency="CNY",
                valid_from=on, valid_until=until,
            )

        @staticmethod
        def usd_rate(rate="7.20000000", on=dt.date(2025, 1, 1)):
            return services.fx_rate_set(currency="USD", rate_date=on, rate=D(rate))

    return Ledger


@pytest.fixture
def limit_of(acting):
    """``limit_of(customer, amount, **fields)`` grants a limit valid since 2025-01-01."""
    from credo.decisions.services import credit_limit_set

    def grant(customer, amount, **fields):
        fields.setdefault("valid_from", dt.date(2025, 1, 1))
        return credit_limit_set(customer=customer, amount=D(str(amount)), user=acting, **fields)

    return grant
