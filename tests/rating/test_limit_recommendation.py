"""Limit and terms recommendations from the credit file, the ledger and the grade."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from credo.core.context import acting_as
from credo.rating import selectors, services

from .conftest import AS_OF, D

pytestmark = pytest.mark.django_db


def _record(record_type, customer, **fields):
    from credo.creditfile.services import record_create

    return record_create(record_type=record_type, customer=customer, **fields)


def _invoice(customer, number, amount, on, terms):
    from credo.receivables.services import invoice_post

    return invoice_post(customer=customer, number=number, invoice_date=on, currency="CNY",
                        amount=D(amount), payment_terms=terms)


@pytest.fixture
def file(customer, simple_card, acting):
    """Statement 2024 (known 30 April 2025): equity 4,000,000, current assets 6,500,000,
    current liabilities 4,000,000. Invoices in the 12 months to 30 June 2025: 1,200,000 net 30
    and 600,000 net 60 (one of 1,000,000 before the window). Trade references' highest credit
    300,000, 500,000 and 100,000. Rated AAA as of 30 June 2025."""
    from credo.receivables.services import payment_terms_create

    _record("financial-statements", customer, period_type="annual",
            period_end=dt.date(2024, 12, 31), unit="yuan", current_assets=D("6500000"),
            total_assets=D("10000000"), current_liabilities=D("4000000"),
            total_liabilities=D("6000000"), equity=D("4000000"), as_of=dt.date(2025, 4, 30))
    net30 = payment_terms_create(code="N30", name="Net 30", kind="net", days=30)
    net60 = payment_terms_create(code="N60", name="Net 60", kind="net", days=60)
    _invoice(customer, "L-1", "1200000", dt.date(2025, 1, 15), net30)
    _invoice(customer, "L-2", "600000", dt.date(2025, 3, 1), net60)
    _invoice(customer, "L-0", "1000000", dt.date(2024, 6, 30), net30)  # before the window
    for supplier, credit in (("甲", "300000"), ("乙", "500000"), ("丙", "100000")):
        _record("trade-references", customer, supplier=supplier, highest_credit=D(credit),
                payment_experience="prompt", as_of=dt.date(2025, 5, 1))
    services.customer_rate(customer=customer, trigger="manual", as_of=AS_OF)
    return customer


def test_recommendation_by_hand(file):
    view = selectors.limit_recommendation(customer=file, as_of=AS_OF)
    amounts = {m.method: m.amount for m in view.methods}
    # TNW 10 % x (4,000,000 - 0) = 400,000; WC 20 % x (6,500,000 - 4,000,000) = 500,000;
    # terms (1,200,000 x 30 + 600,000 x 60) / 1,800,000 = 40 days; sales 1,800,000 / 12 =
    # 150,000 a month x 40 / 30 = 200,000; references' median 300,000; nothing requested.
    assert amounts == {
        "tangible_net_worth": D("400000.00"), "working_capital": D("500000.00"),
        "monthly_purchases": D("200000.00"), "trade_references": D("300000.00"),
        "requested": None,
    }
    # Minimum 200,000; AAA's cap 5,000,000 not reached.
    assert (view.amount, view.grade, view.combined_by, view.capped_by_grade) == (
        D("200000.00"), "AAA", "minimum", False
    )
    assert view.currency == "CNY" and not view.prepayment_only
    assert view.rating_id == selectors.current_rating(file).pk
    inputs = {line.key: line for line in view.inputs}
    assert inputs["terms_days"].value == 40
    assert inputs["annual_purchases"].value == D("1800000.00")
    assert inputs["equity"].value == D("4000000.00")
    assert "2024-12-31" in inputs["equity"].source
    assert inputs["intangible_assets"].value is None
    assert inputs["trade_reference_highest_credits"].value == (
        D("300000.00"), D("500000.00"), D("100000.00")
    )
    assert view.lines[-1] == "Recommended limit: 200,000"
    assert any("Intangible assets not given" in line for line in view.lines)
    requested = {m.method: m for m in view.methods}["requested"]
    assert requested.reason == "missing input: Requested amount"  # the input's label
    assert requested.reason_message.to_json() == {
        "code": "limit.reason.missing_input", "params": {"inputs": "requested_amount"}}
    assert requested.label == "Requested amount"
    assert view.current_limit is None and view.policy["combination"] == "minimum"


def test_a_requested_amount_and_the_current_limit(file, acting):
    from credo.decisions.services import credit_limit_set

    credit_limit_set(customer=file, amount=D("100000"), user=acting, valid_from=dt.date(2025, 1, 1))
    view = selectors.limit_recommendation(customer=file, as_of=AS_OF,
                                          requested_amount=D("155000"))
    # min(400,000, 500,000, 200,000, 300,000, 155,000) = 155,000, rounded down to 150,000.
    assert view.amount == D("150000.00")
    assert view.current_limit == D("100000.00")


def test_the_grade_caps_the_limit_and_sets_the_terms(file):
    today = dt.date(2025, 7, 1)
    _record("public-records", file, kind="dishonest_debtor", title="失信被执行人", status="valid",
            event_date=today, as_of=today)
    services.customer_rate(customer=file, trigger="manual", as_of=today)
    view = selectors.limit_recommendation(customer=file, as_of=today)
    assert (view.grade, view.amount, view.prepayment_only, view.capped_by_grade) == (
        "C", D("0.00"), True, True
    )
    terms = selectors.terms_recommendation(file)
    assert (terms.grade, terms.term_days, terms.prepayment_only) == ("C", None, True)
    assert [m.key for m in terms.methods] == ["prepayment"]
    # As of the earlier day the grade was AAA: open account, 90 days.
    earlier = selectors.terms_recommendation(file, as_of=AS_OF)
    assert (earlier.grade, earlier.term_days, earlier.open_account) == ("AAA", 90, True)
    assert [(m.key, m.label) for m in earlier.methods] == [("open_account", "Open account")]


def test_without_rating_statement_or_invoices(customer, acting):
    view = selectors.limit_recommendation(customer=customer, as_of=AS_OF)
    assert view.grade is None and view.amount is None
    assert all(m.amount is None for m in view.methods)
    inputs = {line.key: line for line in view.inputs}
    assert inputs["annual_purchases"].value is None  # no invoice yet: missing, not zero
    assert inputs["terms_days"].value is None
    assert inputs["equity"].source == "No financial statement known"
    terms = selectors.terms_recommendation(customer)
    assert terms.grade is None and terms.methods == () and not terms.open_account


def test_grade_terms_when_there_is_no_invoice(customer, simple_card, acting):
    services.customer_rate(customer=customer, trigger="manual", as_of=AS_OF)
    view = selectors.limit_recommendation(customer=customer, as_of=AS_OF)
    terms = {line.key: line for line in view.inputs}["terms_days"]
    assert terms.value == 90 and terms.source == "Terms recommended for grade AAA"


def test_the_limit_policy_is_configurable(file, settings):
    settings.CREDO_RATING_LIMIT_POLICY = {
        "format": "credo.limit_policy/1", "methods": ["tangible_net_worth", "working_capital"],
        "combination": "median",
    }
    # median(400,000, 500,000) = 450,000
    assert selectors.limit_recommendation(customer=file, as_of=AS_OF).amount == D("450000.00")


def test_only_users_who_may_see_the_rating(file, account_manager, other_account_manager,
                                            service_agent):
    assert selectors.limit_recommendation(customer=file, as_of=AS_OF,
                                          user=account_manager).amount == D("200000.00")
    for user in (other_account_manager, service_agent):
        with acting_as(user, channel="system"), pytest.raises(PermissionDenied):
            selectors.limit_recommendation(customer=file, as_of=AS_OF, user=user)
