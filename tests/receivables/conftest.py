"""Fixtures for the receivables ledger: a customer, FX rates, payment terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credo.core.context import acting_as


def D(value: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture
def acting(credit_manager):
    with acting_as(credit_manager, channel="system"):
        yield credit_manager


@pytest.fixture
def customer(make_customer, acting):
    return make_customer()


@pytest.fixture
def usd_rates(acting):
    from credo.receivables.services import fx_rate_set

    fx_rate_set(currency="USD", rate_date=day("2025-01-01"), rate=D("7.10000000"))
    fx_rate_set(currency="USD", rate_date=day("2025-03-01"), rate=D("7.20000000"))


@pytest.fixture
def terms(acting):
    from credo.receivables.services import payment_terms_create

    return {
        "net30": payment_terms_create(code="N30", name="Net 30", kind="net", days=30),
        "eom30": payment_terms_create(code="EOM30", name="EOM + 30", kind="eom", days=30),
        "split": payment_terms_create(
            code="I4060", name="40/60", kind="instalments",
            instalments=[{"percent": "40", "days": 30}, {"percent": "60", "days": 60}],
        ),
    }
