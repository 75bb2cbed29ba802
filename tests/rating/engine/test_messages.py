"""Structured engine messages: the registry, English rendering, JSON form, and that the engine
emits only registered codes with their exact parameters."""

from __future__ import annotations

import datetime as dt

import pytest

from credo.rating.engine.features import FeatureInputs, RegistrationInput, compute_features
from credo.rating.engine.limits import LimitInputs, LimitPolicy, recommend_limit
from credo.rating.engine.messages import (
    MESSAGES,
    Message,
    ParamKind,
    format_param,
    message,
    money_list,
    placeholders,
    weighted_terms,
)
from credo.rating.engine.ratios import StatementFigures, financial_ratios


def test_every_registered_template_has_exactly_its_declared_parameters():
    assert len(MESSAGES) > 60
    for code, spec in MESSAGES.items():
        assert spec.code == code
        assert placeholders(spec.template) == frozenset(spec.kinds), code


def test_message_checks_code_and_parameters():
    with pytest.raises(ValueError, match="unknown message code"):
        message("no.such.code")
    with pytest.raises(ValueError, match="parameters"):
        message("source.statement", period_end="2025-12-31")  # months missing


def test_english_rendering_by_kind():
    # 1,000,000 - 0 = 1,000,000: money grouped, cents only when needed
    line = message("limit.tangible_net_worth", equity=1_000_000.0, intangibles=0.0,
                   tangible_net_worth=1_000_000.0)
    assert line.render() == (
        "Tangible net worth = equity 1,000,000 - intangible assets 0 = 1,000,000"
    )
    assert str(line) == line.render()
    # 10 % x 1,000,000.5 = 100,000.05
    assert message("limit.rate_of", rate=0.1, base=1_000_000.5, amount=100_000.05).render() == (
        "10 % x 1,000,000.50 = 100,000.05"
    )
    assert message("limit.no_limit", reason="limit.reason.zero_working_capital").render() == (
        "No limit: zero working capital"
    )
    assert message("limit.weighted", terms=weighted_terms([(1, 300_000), (2, 500_000)]),
                   total_weight=3.0, amount=433_333.333).render() == (
        "Weighted: (1 x 300,000 + 2 x 500,000) / 3 = 433,333.33"
    )
    assert format_param(ParamKind.MONEY_LIST, money_list([1000, 2500.5])) == "1,000, 2,500.50"
    assert format_param(ParamKind.FEATURE, "payment_index") == "payment index"
    assert format_param(ParamKind.METHOD, "requested") == "Requested amount"
    assert format_param(ParamKind.MONEY, None) == ""


def test_json_round_trip_and_unknown_codes():
    note = message("feature.no_statement", as_of="2025-12-31")
    assert note.to_json() == {"code": "feature.no_statement", "params": {"as_of": "2025-12-31"}}
    assert Message.from_json(note.to_json()) == note
    assert Message.from_json("an older plain text") is None
    assert Message.from_json({"params": {}}) is None
    assert Message("not.registered").render() == "not.registered"


def _emitted(messages: list[Message | None]) -> list[Message]:
    return [m for m in messages if m is not None]


def test_the_engine_emits_registered_codes_with_their_parameters():
    statement = StatementFigures(period_end=dt.date(2025, 12, 31), current_assets=100.0,
                                 current_liabilities=0.0, operating_profit=5.0,
                                 interest_expense=0.0, equity=-1.0, net_profit=1.0)
    features = compute_features(
        FeatureInputs(registration=RegistrationInput(), statements=(statement,)),
        as_of=dt.date(2026, 3, 31),
    )
    emitted = _emitted([f.source_message for f in features.features.values()]
                       + [f.note_message for f in features.features.values()])
    emitted += _emitted([r.message for r in financial_ratios(statement).values()])
    rec = recommend_limit(LimitInputs(equity=1_000_000, current_assets=10, current_liabilities=20,
                                      trade_reference_highest_credits=[100_000, 300_000]),
                          LimitPolicy(combination="median"), grade="BB")
    emitted += [line.message for line in rec.line_messages]
    emitted += _emitted([r.reason_message for r in rec.method_results])
    codes = {m.code for m in emitted}
    assert {"source.statement", "value.zero_denominator", "ratio.interest_zero_strong",
            "ratio.negative_equity", "feature.no_previous_statement", "limit.median_of",
            "limit.no_limit", "limit.grade_cap_not_reached"} <= codes
    for item in emitted:
        assert frozenset(item.params) == frozenset(MESSAGES[item.code].kinds), item
