"""Rating features: statement selection by as_of, look-back window, missing-data statuses."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from credo.rating.engine.features import (
    FEATURE_DEFINITIONS,
    BankRelationInput,
    Dimension,
    FeatureInputs,
    PaymentBehaviourInput,
    PublicRecordInput,
    RegistrationInput,
    TradeReferenceInput,
    compute_features,
    derive_size_class,
    select_statements,
)
from credo.rating.engine.ratios import StatementFigures, ValueStatus

AS_OF = date(2026, 6, 30)

FY2025 = StatementFigures(
    period_end=date(2025, 12, 31),
    current_assets=500.0, current_liabilities=250.0, inventory=100.0, accounts_receivable=150.0,
    total_assets=1000.0, total_liabilities=600.0, equity=400.0, retained_earnings=200.0,
    revenue=1200.0, cost_of_sales=900.0, operating_profit=100.0, interest_expense=20.0,
    net_profit=60.0,
)
FY2024 = replace(FY2025, period_end=date(2024, 12, 31), revenue=1000.0, net_profit=50.0)
FY2023 = replace(FY2025, period_end=date(2023, 12, 31), revenue=800.0, net_profit=80.0)
FY2026 = replace(FY2025, period_end=date(2026, 12, 31), revenue=9999.0)  # after AS_OF

CANONICAL_KEYS = [
    "current_ratio", "quick_ratio", "debt_to_assets", "interest_coverage", "roa", "roe",
    "gross_margin", "net_margin", "asset_turnover", "receivable_days", "inventory_days",
    "sales_growth", "profit_growth", "altman_z", "altman_zone",
    "days_beyond_terms", "payment_index", "overdue_share", "max_days_past_due", "payment_trend",
    "trade_ref_days_beyond_terms", "trade_ref_bad_share",
    "bank_overdue_count", "bank_overdue_amount",
    "lawsuits_defendant_count", "lawsuits_defendant_amount", "enforcement_count",
    "dishonest_debtor", "penalties_count",
    "years_in_business", "paid_in_ratio", "size_class", "legal_form",
    "employees",
]


def _full_inputs() -> FeatureInputs:
    return FeatureInputs(
        registration=RegistrationInput(
            founded=date(2016, 6, 30), registered_capital=10_000_000.0,
            paid_in_capital=4_000_000.0, legal_form="llc", industry_section="F",
            employees=120,
        ),
        statements=[FY2026, FY2023, FY2025, FY2024],  # any order
        payment=PaymentBehaviourInput(
            days_beyond_terms=12.5, payment_index=70.0, overdue_amount=30_000.0,
            open_receivables=120_000.0, max_days_past_due=45, payment_index_year_ago=78.0,
            as_of=date(2026, 6, 1),
        ),
        trade_references=[
            TradeReferenceInput("prompt", terms_days=30, days_beyond_terms=0),
            TradeReferenceInput("slow", terms_days=30, days_beyond_terms=20),
            TradeReferenceInput("very_slow", terms_days=60, days_beyond_terms=70),
            TradeReferenceInput("collection", terms_days=30, days_beyond_terms=None),
        ],
        bank_relations=[
            BankRelationInput(overdue_count=2, overdue_amount=5_000.0,
                              repayment_record="occasionally_late"),
            BankRelationInput(overdue_count=1, overdue_amount=1_500.0),
        ],
        public_records=[
            PublicRecordInput("lawsuit", role="defendant", amount=100_000.0, status="open",
                              event_date=date(2025, 1, 10)),
            PublicRecordInput("lawsuit", role="defendant", amount=50_000.0, status="closed",
                              event_date=date(2023, 7, 1)),
            PublicRecordInput("lawsuit", role="defendant", amount=70_000.0, status="closed",
                              event_date=date(2023, 6, 29)),  # one day before the window
            PublicRecordInput("lawsuit", role="plaintiff", amount=80_000.0, status="open",
                              event_date=date(2025, 3, 1)),
            PublicRecordInput("lawsuit", role="defendant", amount=9_000.0, status="withdrawn",
                              event_date=date(2025, 3, 1)),
            PublicRecordInput("enforcement", amount=20_000.0, event_date=date(2024, 5, 5)),
            PublicRecordInput("admin_penalty", amount=2_000.0, event_date=date(2026, 1, 5)),
            PublicRecordInput("admin_penalty", amount=3_000.0, event_date=date(2020, 1, 5)),
            PublicRecordInput("admin_penalty", event_date=date(2026, 8, 1)),  # after AS_OF
        ],
    )


def test_keys_and_definitions_match_the_contract():
    features = compute_features(_full_inputs(), as_of=AS_OF)
    assert list(features.values()) == CANONICAL_KEYS
    assert list(FEATURE_DEFINITIONS) == CANONICAL_KEYS
    assert features["employees"].dimension is Dimension.BUSINESS
    assert features["roe"].dimension == "finances"
    assert all(d.label and d.label_zh and d.unit for d in FEATURE_DEFINITIONS.values())
    assert FEATURE_DEFINITIONS["altman_zone"].kind == "categorical"


def test_statement_selection_by_as_of():
    # AS_OF 2026-06-30: FY2026 ends later, so FY2025 is current and FY2024 the previous.
    current, previous = select_statements([FY2026, FY2023, FY2025, FY2024], as_of=AS_OF)
    assert current is FY2025 and previous is FY2024
    # On 2025-06-30 FY2024 is the latest, compared with FY2023.
    current, previous = select_statements([FY2026, FY2023, FY2025, FY2024],
                                          as_of=date(2025, 6, 30))
    assert current is FY2024 and previous is FY2023
    # A statement ending on as_of counts.
    assert select_statements([FY2025], as_of=date(2025, 12, 31))[0] is FY2025
    assert select_statements([FY2025], as_of=date(2025, 12, 30)) == (None, None)


def test_previous_statement_must_be_about_a_year_earlier():
    # Only a statement two years earlier: no comparable previous period.
    assert select_statements([FY2025, FY2023], as_of=AS_OF) == (FY2025, None)
    # An annual and a half year ending on the same day: the annual one is current.
    half = replace(FY2025, months=6)
    assert select_statements([half, FY2025], as_of=AS_OF)[0] is FY2025


def test_finance_features_worked_example():
    values = compute_features(_full_inputs(), as_of=AS_OF).values()
    assert values["current_ratio"] == pytest.approx(2.0)  # 500 / 250
    assert values["sales_growth"] == pytest.approx(0.2)  # 1200 / 1000 - 1
    assert values["profit_growth"] == pytest.approx(0.2)  # 60 / 50 - 1
    # Section F (construction) is not manufacturing -> Z'':
    # 6.56*0.25 + 3.26*0.2 + 6.72*0.1 + 1.05*(400/600) = 1.64 + 0.652 + 0.672 + 0.7 = 3.664
    assert values["altman_z"] == pytest.approx(3.664)
    assert values["altman_zone"] == "safe"
    # On 2025-06-30 the growth uses FY2024 vs FY2023: 1000 / 800 - 1 = 0.25; 50 / 80 - 1
    earlier = compute_features(_full_inputs(), as_of=date(2025, 6, 30)).values()
    assert earlier["sales_growth"] == pytest.approx(0.25)
    assert earlier["profit_growth"] == pytest.approx(-0.375)
    features = compute_features(_full_inputs(), as_of=AS_OF)
    assert features["roa"].as_of == date(2025, 12, 31)


def test_altman_variant_from_industry_and_listing():
    private_manufacturer = replace(_full_inputs(), registration=RegistrationInput(
        industry_section="C"))
    features = compute_features(private_manufacturer, as_of=AS_OF)
    # Z' = 0.17925 + 0.1694 + 0.3107 + 0.28 + 1.1976 = 2.13695 -> grey
    assert features["altman_z"].value == pytest.approx(2.13695)
    assert features["altman_zone"].value == "grey"
    assert "z_prime" in features["altman_z"].source

    listed = RegistrationInput(industry_section="C", listed=True)
    with_market = replace(_full_inputs(), registration=listed,
                          statements=[replace(FY2025, market_value_equity=900.0)])
    # original: 0.3 + 0.28 + 0.33 + 0.6*1.5 + 1.2 = 3.01
    assert compute_features(with_market, as_of=AS_OF)["altman_z"].value == pytest.approx(3.01)
    without_market = replace(_full_inputs(), registration=listed)
    fallback = compute_features(without_market, as_of=AS_OF)["altman_z"]
    assert fallback.value == pytest.approx(2.13695)  # falls back to Z' with book equity
    assert "no market value" in fallback.source


def test_altman_missing_retained_earnings():
    inputs = replace(_full_inputs(), statements=[replace(FY2025, retained_earnings=None)])
    features = compute_features(inputs, as_of=AS_OF)
    assert features["altman_z"].value is None
    assert features["altman_zone"].value is None
    assert features["altman_z"].status is ValueStatus.MISSING_INPUT
    assert "retained_earnings" in features["altman_z"].note


def test_no_statement_makes_every_finance_feature_missing():
    inputs = replace(_full_inputs(), statements=[FY2026])
    features = compute_features(inputs, as_of=AS_OF)
    finance = [f for f in features.features.values() if f.dimension is Dimension.FINANCES]
    assert len(finance) == 15
    assert all(f.value is None and f.status is ValueStatus.MISSING_INPUT for f in finance)


def test_growth_missing_without_previous_year():
    inputs = replace(_full_inputs(), statements=[FY2025])
    features = compute_features(inputs, as_of=AS_OF)
    assert features["sales_growth"].value is None
    assert "a year before" in features["sales_growth"].note
    assert features["current_ratio"].value == pytest.approx(2.0)


def test_payment_features():
    values = compute_features(_full_inputs(), as_of=AS_OF).values()
    assert values["days_beyond_terms"] == 12.5
    assert values["payment_index"] == 70.0
    assert values["overdue_share"] == pytest.approx(0.25)  # 30,000 / 120,000
    assert values["max_days_past_due"] == 45.0
    assert values["payment_trend"] == pytest.approx(-8.0)  # 70 - 78
    # trade references: days (0 + 20 + 70) / 3 = 30 (collection gives no days);
    # bad share: very_slow + collection = 2 of 4 = 0.5
    assert values["trade_ref_days_beyond_terms"] == pytest.approx(30.0)
    assert values["trade_ref_bad_share"] == pytest.approx(0.5)


def test_payment_missing_and_zero_open_receivables():
    no_open = replace(_full_inputs(), payment=PaymentBehaviourInput(
        payment_index=70.0, overdue_amount=0.0, open_receivables=0.0))
    features = compute_features(no_open, as_of=AS_OF)
    assert features["overdue_share"].status is ValueStatus.ZERO_DENOMINATOR
    assert features["payment_trend"].status is ValueStatus.MISSING_INPUT  # no index a year ago
    assert features["days_beyond_terms"].value is None
    none = compute_features(replace(_full_inputs(), payment=None), as_of=AS_OF)
    assert none["payment_index"].status is ValueStatus.MISSING_INPUT
    # metrics computed after as_of are not known on as_of
    later = compute_features(_full_inputs(), as_of=date(2026, 5, 31))
    assert later["payment_index"].value is None


def test_trade_references_prompt_without_days_and_none():
    inputs = replace(_full_inputs(), trade_references=[
        TradeReferenceInput("prompt"), TradeReferenceInput("slow", days_beyond_terms=10),
        TradeReferenceInput("slow", days_beyond_terms=99, as_of=date(2027, 1, 1)),  # future
    ])
    features = compute_features(inputs, as_of=AS_OF)
    assert features["trade_ref_days_beyond_terms"].value == pytest.approx(5.0)  # (0 + 10) / 2
    assert "prompt" in features["trade_ref_days_beyond_terms"].note
    assert features["trade_ref_bad_share"].value == 0.0
    only_slow = replace(_full_inputs(), trade_references=[TradeReferenceInput("slow")])
    days = compute_features(only_slow, as_of=AS_OF)["trade_ref_days_beyond_terms"]
    assert days.value is None and days.status is ValueStatus.MISSING_INPUT
    empty = compute_features(replace(_full_inputs(), trade_references=[]), as_of=AS_OF)
    assert empty["trade_ref_bad_share"].value is None


def test_unknown_keys_are_rejected():
    with pytest.raises(ValueError):
        TradeReferenceInput("bad")
    with pytest.raises(ValueError):
        PublicRecordInput("lawsuits")
    with pytest.raises(ValueError):
        BankRelationInput(repayment_record="late")
    with pytest.raises(ValueError):
        RegistrationInput(size_class="huge")


def test_bank_features():
    values = compute_features(_full_inputs(), as_of=AS_OF).values()
    assert values["bank_overdue_count"] == 3.0  # 2 + 1
    assert values["bank_overdue_amount"] == pytest.approx(6_500.0)  # 5,000 + 1,500
    none = compute_features(replace(_full_inputs(), bank_relations=[]), as_of=AS_OF)
    assert none["bank_overdue_count"].value is None
    assert none["bank_overdue_count"].status is ValueStatus.MISSING_INPUT
    clean = replace(_full_inputs(), bank_relations=[BankRelationInput(repayment_record="normal")])
    assert compute_features(clean, as_of=AS_OF)["bank_overdue_count"].value == 0.0


def test_public_records_within_the_look_back_window():
    # Window: 2023-06-30 .. 2026-06-30. Defendant lawsuits inside: 2025-01-10 (100,000) and
    # 2023-07-01 (50,000); 2023-06-29 is outside; the plaintiff and withdrawn ones do not count.
    values = compute_features(_full_inputs(), as_of=AS_OF).values()
    assert values["lawsuits_defendant_count"] == 2.0
    assert values["lawsuits_defendant_amount"] == pytest.approx(150_000.0)
    assert values["enforcement_count"] == 1.0
    assert values["penalties_count"] == 1.0  # 2020 is outside, 2026-08 is after as_of
    assert values["dishonest_debtor"] == 0.0
    # A 5-year window (from 2021-06-30) also takes the 2023-06-29 lawsuit (+70,000):
    # 100,000 + 50,000 + 70,000 = 220,000; the 2020-01-05 penalty stays outside.
    wide = compute_features(_full_inputs(), as_of=AS_OF, lookback_years=5).values()
    assert wide["lawsuits_defendant_count"] == 3.0
    assert wide["lawsuits_defendant_amount"] == pytest.approx(220_000.0)
    assert wide["penalties_count"] == 1.0
    # A window starting on the event date includes it: 2026-07-01 minus 3 years = 2023-07-01.
    edge = compute_features(_full_inputs(), as_of=date(2026, 7, 1)).values()
    assert edge["lawsuits_defendant_count"] == 2.0


def test_public_record_missing_vs_searched_without_findings():
    nothing = compute_features(replace(_full_inputs(), public_records=[]), as_of=AS_OF)
    assert nothing["lawsuits_defendant_count"].value is None
    assert nothing["dishonest_debtor"].status is ValueStatus.MISSING_INPUT
    searched = replace(_full_inputs(), public_records=[
        PublicRecordInput("no_findings", event_date=date(2026, 5, 1))])
    values = compute_features(searched, as_of=AS_OF).values()
    assert values["lawsuits_defendant_count"] == 0.0
    assert values["lawsuits_defendant_amount"] == 0.0
    assert values["dishonest_debtor"] == 0.0


def test_dishonest_debtor_active_listing_whatever_its_age():
    old_active = PublicRecordInput("dishonest_debtor", status="valid", event_date=date(2018, 1, 1))
    lifted = PublicRecordInput("dishonest_debtor", status="lifted", event_date=date(2026, 1, 1))
    unknown = PublicRecordInput("dishonest_debtor", event_date=date(2026, 1, 1))
    for records, expected in (([old_active], 1.0), ([lifted], 0.0), ([unknown], 1.0)):
        inputs = replace(_full_inputs(), public_records=records)
        assert compute_features(inputs, as_of=AS_OF).values()["dishonest_debtor"] == expected


def test_lawsuit_amount_unknown_is_noted():
    records = [PublicRecordInput("lawsuit", role="defendant", event_date=date(2026, 1, 1))]
    features = compute_features(replace(_full_inputs(), public_records=records), as_of=AS_OF)
    assert features["lawsuits_defendant_count"].value == 1.0
    assert "without amount" in features["lawsuits_defendant_amount"].note


def test_registration_features():
    values = compute_features(_full_inputs(), as_of=AS_OF).values()
    assert values["years_in_business"] == pytest.approx(10.0, abs=0.01)  # 3652 days / 365.25 = 9.9986 -> 10.00
    assert values["paid_in_ratio"] == pytest.approx(0.4)  # 4m / 10m
    assert values["legal_form"] == "llc"
    assert values["employees"] == 120.0
    # size: 120 employees -> small (>= 20); revenue 1,200 yuan -> micro; smaller wins: micro
    assert values["size_class"] == "micro"


def test_registration_missing_and_denominators():
    reg = RegistrationInput(founded=date(2027, 1, 1), registered_capital=0.0,
                            paid_in_capital=0.0)
    features = compute_features(replace(_full_inputs(), registration=reg, statements=[]),
                                as_of=AS_OF)
    assert features["years_in_business"].status is ValueStatus.NOT_MEANINGFUL
    assert features["paid_in_ratio"].status is ValueStatus.ZERO_DENOMINATOR
    assert features["size_class"].value is None
    assert features["legal_form"].status is ValueStatus.MISSING_INPUT
    assert features["employees"].value is None
    given = RegistrationInput(size_class="large", employees=5)
    assert compute_features(replace(_full_inputs(), registration=given),
                            as_of=AS_OF).values()["size_class"] == "large"


def test_derive_size_class():
    assert derive_size_class(employees=1500, annual_revenue=500e6) == "large"
    assert derive_size_class(employees=1500, annual_revenue=50e6) == "medium"
    assert derive_size_class(employees=300, annual_revenue=20e6) == "medium"  # bounds inclusive
    assert derive_size_class(employees=19, annual_revenue=50e6) == "micro"
    assert derive_size_class(employees=25, annual_revenue=None) == "small"
    assert derive_size_class(employees=None, annual_revenue=None) is None


def test_missing_lists_every_empty_feature():
    features = compute_features(FeatureInputs(), as_of=AS_OF)
    assert set(features.missing()) == set(CANONICAL_KEYS)
    assert all(f.note for f in features.features.values())


def test_look_back_must_be_positive():
    with pytest.raises(ValueError):
        compute_features(FeatureInputs(), as_of=AS_OF, lookback_years=0)
