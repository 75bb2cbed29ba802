"""Feature extraction from credo's data as of a day: credit file, customer master, ledger."""

from __future__ import annotations

import datetime as dt

import pytest

from credo.rating.engine.features import compute_features
from credo.rating.engine.ratios import ValueStatus
from credo.rating.selectors import customer_features, feature_inputs

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def test_registration_from_the_customer_master(customer):
    inputs = feature_inputs(customer=customer, as_of=AS_OF)
    reg = inputs.registration
    assert reg.founded == dt.date(2015, 6, 30)
    assert reg.registered_capital == 10_000_000.0
    assert reg.paid_in_capital == 5_000_000.0
    assert (reg.legal_form, reg.size_class, reg.industry_section) == ("llc", "medium", "C")
    assert reg.listed is False
    features = customer_features(customer=customer, as_of=AS_OF)
    # 2015-06-30 .. 2025-06-30 = 3653 days / 365.25 = 10.0014 -> 10.0
    assert features["years_in_business"].value == 10.0
    assert features["paid_in_ratio"].value == 0.5  # 5,000,000 / 10,000,000


def test_statements_converted_to_yuan_and_later_ones_ignored(credit_file):
    inputs = feature_inputs(customer=credit_file, as_of=AS_OF)
    # The Q1 2025 statement was received on 15 July: not known on 30 June.
    assert [s.period_end for s in inputs.statements] == [dt.date(2023, 12, 31),
                                                       dt.date(2024, 12, 31)]
    latest = inputs.statements[-1]
    assert latest.months == 12
    assert latest.total_assets == 10_000_000.0  # 1000 万元
    assert latest.revenue == 25_000_000.0  # 2500 万元
    assert inputs.statements[0].revenue == 20_000_000.0  # given in yuan
    features = customer_features(customer=credit_file, as_of=AS_OF)
    assert features["current_ratio"].value == pytest.approx(1.625)  # 650 / 400
    assert features["debt_to_assets"].value == pytest.approx(0.6)  # 600 / 1000
    # 25,000,000 / 20,000,000 - 1 = 0.25: both statements in yuan. Without the unit
    # conversion it would be 2,500 / 20,000,000 - 1 = -0.999875.
    assert features["sales_growth"].value == pytest.approx(0.25)
    # 1,000,000 / 800,000 - 1 = 0.25
    assert features["profit_growth"].value == pytest.approx(0.25)
    assert features["current_ratio"].as_of == dt.date(2024, 12, 31)
    assert features["employees"].value == 250.0
    # On 31 July the quarterly statement is known and is the latest: 800 / 200 = 4.
    later = customer_features(customer=credit_file, as_of=dt.date(2025, 7, 31))
    assert later["current_ratio"].value == pytest.approx(4.0)


def test_payment_record_from_the_ledger(ledger):
    payment = feature_inputs(customer=ledger, as_of=AS_OF).payment
    assert payment is not None and payment.as_of == AS_OF
    # Paid in the 12 months: 100,000 30 days late, 50,000 on time.
    # Days beyond terms = (100,000 x 30 + 50,000 x 0) / 150,000 = 20.
    assert payment.days_beyond_terms == 20.0
    # Index: 30 days late = 50, on time = 80 -> (100,000 x 50 + 50,000 x 80) / 150,000 = 60.
    assert payment.payment_index == 60.0
    # A year earlier: 40,000 paid on the due date -> 80.
    assert payment.payment_index_year_ago == 80.0
    # Open on 30 June: 20,000 (due 10 June, 20 days overdue) + 30,000 due that day; the
    # payment of 5 July does not count yet.
    assert payment.open_receivables == 50_000.0
    assert payment.overdue_amount == 20_000.0
    assert payment.max_days_past_due == 30.0  # max(30 late paid, 20 open overdue)
    features = customer_features(customer=ledger, as_of=AS_OF)
    assert features["overdue_share"].value == pytest.approx(0.4)  # 20,000 / 50,000
    assert features["payment_trend"].value == -20.0  # 60 - 80


def test_no_invoice_yet_is_no_payment_record(customer):
    assert feature_inputs(customer=customer, as_of=AS_OF).payment is None
    features = customer_features(customer=customer, as_of=AS_OF)
    assert features["payment_index"].value is None
    assert features["payment_index"].status == ValueStatus.MISSING_INPUT


def test_trade_references_bank_and_public_records_as_of_the_day(credit_file):
    inputs = feature_inputs(customer=credit_file, as_of=AS_OF)
    assert len(inputs.trade_references) == 2  # the collection reference of August is later
    assert len(inputs.bank_relations) == 1  # the defaulted relation is recorded in September
    assert [r.kind for r in inputs.public_records] == ["lawsuit"]
    features = customer_features(customer=credit_file, as_of=AS_OF)
    assert features["trade_ref_days_beyond_terms"].value == 20.0  # (10 + 30) / 2
    assert features["trade_ref_bad_share"].value == 0.5  # 1 very slow of 2
    assert features["bank_overdue_count"].value == 2.0
    assert features["bank_overdue_amount"].value == 50_000.0
    assert features["lawsuits_defendant_count"].value == 1.0
    assert features["lawsuits_defendant_amount"].value == 300_000.0
    assert features["enforcement_count"].value == 0.0
    assert features["dishonest_debtor"].value == 0.0


def test_customer_features_equal_the_engine_on_the_inputs(credit_file, ledger):
    inputs = feature_inputs(customer=credit_file, as_of=AS_OF)
    assert customer_features(customer=credit_file, as_of=AS_OF) == compute_features(
        inputs, as_of=AS_OF
    )


def test_foreign_currency_statement_needs_and_uses_the_fx_rate(customer, acting):
    from django.core.exceptions import ValidationError

    from credo.creditfile.services import record_create
    from credo.receivables.services import fx_rate_set

    from .conftest import D

    record_create(
        record_type="financial-statements", customer=customer, period_type="annual",
        period_end=dt.date(2024, 12, 31), unit="thousand", currency="USD",
        total_assets=D("1000"), total_liabilities=D("400"), equity=D("600"),
        as_of=dt.date(2025, 3, 1),
    )
    with pytest.raises(ValidationError) as error:
        feature_inputs(customer=customer, as_of=AS_OF)
    assert "currency" in error.value.message_dict
    fx_rate_set(currency="USD", rate_date=dt.date(2024, 12, 1), rate=D("7.20000000"))
    statement = feature_inputs(customer=customer, as_of=AS_OF).statements[0]
    assert statement.total_assets == pytest.approx(7_200_000.0)  # 1000 thousand USD x 7.2


def test_every_engine_feature_has_a_translatable_label():
    from credo.rating.engine.features import FEATURE_DEFINITIONS
    from credo.rating.messages import FEATURE_LABELS, feature_label

    assert set(FEATURE_LABELS) == set(FEATURE_DEFINITIONS)
    for key, definition in FEATURE_DEFINITIONS.items():
        assert feature_label(key) == definition.label  # English: the engine's label
    assert feature_label("no_such_feature") == "no_such_feature"


def test_altman_z_from_the_statement_with_retained_earnings(customer, acting):
    from decimal import Decimal as D

    from .conftest import _record

    _record(
        "financial-statements", customer, period_type="annual",
        period_end=dt.date(2024, 12, 31), unit="ten_thousand", currency="CNY",
        current_assets=D("650"), total_assets=D("1000"), current_liabilities=D("400"),
        total_liabilities=D("600"), equity=D("400"), retained_earnings=D("150"),
        revenue=D("2500"), operating_profit=D("150"), net_profit=D("100"),
        as_of=dt.date(2025, 4, 30),
    )
    features = customer_features(customer=customer, as_of=AS_OF)
    # Section C, not listed: Z' = 0.717 X1 + 0.847 X2 + 3.107 X3 + 0.420 X4 + 0.998 X5 with
    # X1 = (650 - 400) / 1000 = 0.25, X2 = 150 / 1000 = 0.15, X3 = 150 / 1000 = 0.15,
    # X4 = 400 / 600 = 0.6667, X5 = 2500 / 1000 = 2.5:
    # 0.17925 + 0.12705 + 0.46605 + 0.28 + 2.495 = 3.54735 -> above 2.9: safe.
    assert features["altman_z"].value == pytest.approx(3.54735, abs=1e-5)
    assert features["altman_zone"].value == "safe"
    assert features["altman_z"].status == ValueStatus.OK
