"""Fixtures for the rating app: a customer with a credit file and a ledger, a one-factor card."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from credo.core.context import acting_as

AS_OF = dt.date(2025, 6, 30)
_numbers = itertools.count(1)


def D(value: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


@pytest.fixture
def acting(credit_manager):
    with acting_as(credit_manager, channel="system"):
        yield credit_manager


@pytest.fixture
def customer(make_customer, acting):
    """A medium manufacturer (division 13 of section C), founded 30 June 2015,
    registered capital 10,000,000 yuan of which 5,000,000 paid in."""
    from credo.customers.models import Industry

    return make_customer(
        legal_form="llc",
        size_class="medium",
        industry=Industry.objects.get(code="13"),
        founding_date=dt.date(2015, 6, 30),
        registered_capital=D("10000000.00"),
        paid_in_capital=D("5000000.00"),
    )


def _record(record_type, customer, **fields):
    from credo.creditfile.services import record_create

    return record_create(record_type=record_type, customer=customer, **fields)


@pytest.fixture
def credit_file(customer, acting):
    """Records known on AS_OF and some recorded after it (which must be ignored)."""
    # 2024 statement in 万元 (×10,000), recorded 30 April 2025.
    _record(
        "financial-statements", customer, period_type="annual",
        period_end=dt.date(2024, 12, 31), unit="ten_thousand", currency="CNY",
        cash=D("120"), accounts_receivable=D("300"), inventory=D("200"),
        current_assets=D("650"), fixed_assets=D("300"), total_assets=D("1000"),
        current_liabilities=D("400"), total_liabilities=D("600"), equity=D("400"),
        revenue=D("2500"), cost_of_sales=D("2000"), operating_profit=D("150"),
        interest_expense=D("20"), net_profit=D("100"), operating_cash_flow=D("80"),
        as_of=dt.date(2025, 4, 30),
    )
    # 2023 statement in yuan: revenue 20,000,000, net profit 800,000.
    _record(
        "financial-statements", customer, period_type="annual",
        period_end=dt.date(2023, 12, 31), unit="yuan", currency="CNY",
        current_assets=D("6000000"), total_assets=D("9000000"),
        current_liabilities=D("4000000"), total_liabilities=D("5000000"),
        equity=D("4000000"), revenue=D("20000000"), net_profit=D("800000"),
        as_of=dt.date(2024, 4, 30),
    )
    # Q1 2025 statement received only in July 2025: unknown on AS_OF.
    _record(
        "financial-statements", customer, period_type="quarterly",
        period_end=dt.date(2025, 3, 31), unit="ten_thousand", currency="CNY",
        current_assets=D("800"), total_assets=D("1000"), current_liabilities=D("200"),
        total_liabilities=D("500"), equity=D("500"), revenue=D("700"), net_profit=D("30"),
        as_of=dt.date(2025, 7, 15),
    )
    _record("business-profiles", customer, employees=250, as_of=dt.date(2025, 1, 1))
    _record("trade-references", customer, supplier="甲供应商", payment_experience="slow",
            days_beyond_terms=10, terms_days=30, as_of=dt.date(2025, 5, 1))
    _record("trade-references", customer, supplier="乙供应商",
            payment_experience="very_slow", days_beyond_terms=30, as_of=dt.date(2025, 6, 1))
    _record("trade-references", customer, supplier="丙供应商",
            payment_experience="collection", days_beyond_terms=90, as_of=dt.date(2025, 8, 1))
    _record("bank-relations", customer, bank="中国银行", overdue_count=2,
            overdue_amount=D("50000"), repayment_record="occasionally_late",
            as_of=dt.date(2025, 3, 31))
    _record("bank-relations", customer, bank="工商银行", overdue_count=5,
            overdue_amount=D("900000"), repayment_record="defaulted",
            as_of=dt.date(2025, 9, 30))
    _record("public-records", customer, kind="lawsuit", title="买卖合同纠纷",
            role="defendant", amount=D("300000"), status="open",
            event_date=dt.date(2024, 5, 1), as_of=dt.date(2024, 5, 10))
    _record("public-records", customer, kind="enforcement", title="执行案件",
            amount=D("100000"), status="open", event_date=dt.date(2025, 7, 1),
            as_of=dt.date(2025, 7, 10))
    return customer


def invoice(customer, amount, on):
    """An invoice without terms: due on its date."""
    from credo.receivables import services

    return services.invoice_post(
        customer=customer, number=f"INV-R{next(_numbers)}", invoice_date=on, currency="CNY",
        amount=D(amount),
    )


def pay(customer, inv, amount, on):
    from credo.receivables import services

    payment = services.payment_post(
        customer=customer, number=f"PAY-R{next(_numbers)}", payment_date=on, currency="CNY",
        amount=D(amount),
    )
    services.allocation_create(
        payment=payment, instalment=inv.instalments.get(), amount=D(amount), on=on
    )
    return payment


@pytest.fixture
def ledger(customer, acting):
    """Paid in the 12 months to AS_OF: 100,000 paid 30 days late, 50,000 on the due date;
    open on AS_OF: 20,000 20 days overdue and 30,000 due that day; a year earlier 40,000 paid
    on the due date; a payment after AS_OF."""
    a = invoice(customer, "100000", dt.date(2025, 3, 1))
    pay(customer, a, "100000", dt.date(2025, 3, 31))
    b = invoice(customer, "50000", dt.date(2025, 5, 1))
    pay(customer, b, "50000", dt.date(2025, 5, 1))
    c = invoice(customer, "20000", dt.date(2025, 6, 10))
    invoice(customer, "30000", dt.date(2025, 6, 30))
    e = invoice(customer, "40000", dt.date(2024, 1, 10))
    pay(customer, e, "40000", dt.date(2024, 1, 10))
    pay(customer, c, "20000", dt.date(2025, 7, 5))  # after AS_OF
    return customer


def one_factor_card(*, key: str = "default-expert", version: int = 2) -> dict:
    """An expert card with one factor: an active dishonest-debtor listing costs everything.

    No listing (or no public record at all) -> 1000 points (AAA); a listing -> 0 (C).
    """
    from credo.rating.engine.scorecard import ExpertFactor, ScoredRange, expert_scorecard

    factor = ExpertFactor(
        key="dishonest_debtor", dimension="public_record", label="Dishonest debtor",
        type="numeric", weight=1.0,
        bins=(ScoredRange(None, 0.5, 100.0), ScoredRange(0.5, None, 0.0)),
        missing_rule="points", missing_score=100.0,
    )
    card = expert_scorecard(key=key, version=version, name="One factor", factors=[factor])
    return card.to_dict()


@pytest.fixture
def simple_card(credit_manager, analyst):
    """The one-factor card as the active default card (the seeded variants are retired)."""
    from credo.rating import services
    from credo.rating.models import ScorecardVersion

    with acting_as(credit_manager, channel="system"):
        version = services.scorecard_version_create(
            definition=one_factor_card(), user=analyst, notes="test"
        )
        services.scorecard_version_activate(version=version, user=credit_manager)
        ScorecardVersion.objects.exclude(key="default-expert").update(status="retired")
    return version
