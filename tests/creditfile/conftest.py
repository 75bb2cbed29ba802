"""Fixtures for the credit file: a customer, an acting user and a balanced statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credo.core.context import acting_as


@pytest.fixture
def customer(make_customer):
    return make_customer()


@pytest.fixture
def acting(analyst):
    """Run the test body as the analyst (services read the actor for recorded_by and logs)."""
    with acting_as(analyst, channel="ui", request_id="req-cf") as actor:
        yield actor


@pytest.fixture
def balanced_statement():
    """Fields of a statement whose balance sheet adds up (in 万元)."""
    return {
        "period_type": "annual",
        "period_end": dt.date(2024, 12, 31),
        "audited": True,
        "auditor": "华兴会计师事务所",
        "currency": "CNY",
        "unit": "ten_thousand",
        "cash": Decimal("120"),
        "accounts_receivable": Decimal("300"),
        "inventory": Decimal("200"),
        "current_assets": Decimal("650"),
        "fixed_assets": Decimal("300"),
        "total_assets": Decimal("1000"),
        "current_liabilities": Decimal("400"),
        "total_liabilities": Decimal("600"),
        "equity": Decimal("400"),
        "revenue": Decimal("2500"),
        "cost_of_sales": Decimal("2000"),
        "operating_profit": Decimal("150"),
        "interest_expense": Decimal("20"),
        "net_profit": Decimal("100"),
        "operating_cash_flow": Decimal("80"),
        "investing_cash_flow": Decimal("-50"),
        "financing_cash_flow": Decimal("-10"),
        "as_of": dt.date(2025, 4, 30),
        "source": "customer",
    }
