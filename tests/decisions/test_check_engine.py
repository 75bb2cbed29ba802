"""The pure check engine: every step, every reaction, most severe wins, every reason reported."""

from __future__ import annotations

from decimal import Decimal

import pytest

from credo.decisions.check_engine import (
    DEFAULT_STEPS,
    CheckInput,
    Outcome,
    PolicyError,
    Reaction,
    evaluate,
    most_severe,
    parse_policy,
)

D = Decimal


def buckets(open_orders="0", delivered="0", receivables="0", overdue="0", disputed="0"):
    return {
        "open_orders": D(open_orders),
        "delivered_not_invoiced": D(delivered),
        "open_receivables": D(receivables),
        "overdue": D(overdue),
        "disputed": D(disputed),
    }


def data(**overrides) -> CheckInput:
    values = {"order_amount": D("100"), "limit": D("1000"), "buckets": buckets()}
    values.update(overrides)
    return CheckInput(**values)


LIMIT_STEP = {
    "type": "limit",
    "grades": [
        {"above_percent": "80", "reaction": "warn"},
        {"above_percent": "100", "reaction": "block"},
    ],
    "no_limit_reaction": "hold",
}


def only(*steps, counted=None):
    return parse_policy(list(steps), counted)


def codes(result) -> list[str]:
    return [reason.code for reason in result.reasons]


# --- available credit and buckets ------------------------------------------------------------


def test_available_credit_is_limit_minus_counted_exposure_plus_secured():
    result = evaluate(
        data(
            limit=D("10000"),
            buckets=buckets(open_orders="1000", delivered="500", receivables="3000", overdue="800"),
            secured=D("2000"),
        ),
        only(LIMIT_STEP),
    )
    # 10000 - (1000 + 500 + 3000) + 2000; overdue is part of receivables, not added again
    assert result.available_credit == D("7500.00")
    assert result.counted_exposure == D("4500.00")
    # used after the order: 10000 - 7500 + 100 = 2600 -> 26 %
    assert result.utilisation_percent == D("26.00")
    assert result.outcome == Outcome.APPROVE
    assert codes(result) == ["within_limit"]
    assert result.reasons[0].reaction == Reaction.INFO


def test_information_only_buckets_are_reported_but_not_counted():
    policy = only(LIMIT_STEP, counted=["open_receivables"])
    result = evaluate(
        data(limit=D("1000"), buckets=buckets(open_orders="5000", delivered="5000",
                                              receivables="400")),
        policy,
    )
    assert result.counted_exposure == D("400.00")
    assert result.available_credit == D("600.00")
    assert result.outcome == Outcome.APPROVE
    assert result.information_buckets == (
        "open_orders", "delivered_not_invoiced", "overdue", "disputed"
    )
    # the same figures with every bucket counted exceed the limit
    assert evaluate(
        data(limit=D("1000"), buckets=buckets(open_orders="5000", delivered="5000",
                                              receivables="400")),
        only(LIMIT_STEP),
    ).outcome == Outcome.BLOCK


def test_overdue_and_disputed_cannot_be_counted_buckets():
    with pytest.raises(PolicyError) as caught:
        parse_policy([LIMIT_STEP], ["open_receivables", "overdue"])
    assert caught.value.errors == [("invalid_bucket", {"value": "overdue"})]


# --- the limit step: graded reaction ----------------------------------------------------------


@pytest.mark.parametrize(
    ("exposure", "order", "outcome", "code"),
    [
        ("0", "800", Outcome.APPROVE, "within_limit"),  # exactly 80 %: not above
        ("0", "801", Outcome.WARN, "utilisation_above"),  # 80.10 %
        ("500", "500", Outcome.WARN, "utilisation_above"),  # exactly 100 %: still allowed
        ("500", "501", Outcome.BLOCK, "limit_exceeded"),  # 100.10 %
        ("2000", "1", Outcome.BLOCK, "limit_exceeded"),  # already over the limit
    ],
)
def test_limit_grades(exposure, order, outcome, code):
    result = evaluate(
        data(order_amount=D(order), buckets=buckets(receivables=exposure)), only(LIMIT_STEP)
    )
    assert result.outcome == outcome
    assert codes(result) == [code]
    if code != "within_limit":
        assert result.reasons[0].params["limit"] == D("1000.00")


def test_limit_grades_compare_the_unrounded_utilisation():
    # 1000.004 of 1000 is 100.0004 %: shown as 100.00 but above 100 %
    result = evaluate(data(order_amount=D("1000.004")), only(LIMIT_STEP))
    assert result.outcome == Outcome.BLOCK
    assert result.utilisation_percent == D("100.00")
    assert result.reasons[0].params["utilisation"] == D("100.00")


def test_limit_grade_reaction_is_configurable():
    step = {"type": "limit", "grades": [{"above_percent": "100", "reaction": "hold"}]}
    result = evaluate(data(order_amount=D("1001")), only(step))
    assert result.outcome == Outcome.HOLD
    assert result.reasons[0].params["threshold"] == D("100")


def test_no_limit_uses_its_own_reaction_and_counts_as_zero():
    result = evaluate(data(limit=None, buckets=buckets(receivables="50")), only(LIMIT_STEP))
    assert result.outcome == Outcome.HOLD
    assert codes(result) == ["no_limit"]
    assert result.available_credit == D("-50.00")
    assert result.utilisation_percent is None
    step = {**LIMIT_STEP, "no_limit_reaction": "block"}
    assert evaluate(data(limit=None), only(step)).outcome == Outcome.BLOCK


def test_zero_limit_fully_secured_order_is_within_limit():
    result = evaluate(data(limit=D("0"), secured=D("500"), order_amount=D("200")),
                      only(LIMIT_STEP))
    assert result.outcome == Outcome.APPROVE
    assert result.available_credit == D("500.00")
    assert result.utilisation_percent == D("0")
    blocked = evaluate(data(limit=D("0"), order_amount=D("1")), only(LIMIT_STEP))
    assert blocked.outcome == Outcome.BLOCK
    assert codes(blocked) == ["limit_exceeded"]


# --- the other steps, each fired and not fired ------------------------------------------------


@pytest.mark.parametrize(
    ("step", "fires", "quiet", "code"),
    [
        ({"type": "blacklist", "reaction": "block"}, {"blacklisted": True}, {}, "blacklisted"),
        ({"type": "watchlist", "reaction": "warn"}, {"watchlisted": True}, {}, "watchlisted"),
        (
            {"type": "max_order", "max_amount": "99.99", "reaction": "hold"},
            {"order_amount": D("100")},
            {"order_amount": D("99.99")},
            "order_above_maximum",
        ),
        (
            {"type": "overdue_amount", "threshold": "10", "reaction": "warn"},
            {"buckets": buckets(receivables="50", overdue="10.01")},
            {"buckets": buckets(receivables="50", overdue="10")},
            "overdue_above_threshold",
        ),
        (
            {"type": "oldest_overdue", "days": 60, "reaction": "hold"},
            {"oldest_overdue_days": 61},
            {"oldest_overdue_days": 60},
            "overdue_too_old",
        ),
        ({"type": "limit_expired", "reaction": "hold"}, {"limit_expired": True}, {},
         "limit_expired"),
        ({"type": "review_expired", "reaction": "warn"}, {"review_expired": True}, {},
         "review_expired"),
        (
            {"type": "grade_prepayment", "grades": ["D", "E"], "reaction": "block"},
            {"grade": "E"},
            {"grade": "B"},
            "grade_requires_prepayment",
        ),
    ],
)
@pytest.mark.parametrize("reaction", ["info", "warn", "hold", "block"])
def test_each_step_fires_with_its_configured_reaction(step, fires, quiet, code, reaction):
    configured = {**step, "reaction": reaction}
    fired = evaluate(data(**fires), only(configured))
    assert codes(fired) == [code]
    assert fired.reasons[0].reaction == reaction
    expected = Outcome.APPROVE if reaction == "info" else Outcome(reaction)
    assert fired.outcome == expected
    silent = evaluate(data(**quiet), only(configured))
    assert silent.reasons == ()
    assert silent.outcome == Outcome.APPROVE


def test_step_figures_are_reported():
    result = evaluate(
        data(buckets=buckets(receivables="500", overdue="300"), oldest_overdue_days=120,
             order_amount=D("2000")),
        only(
            {"type": "overdue_amount", "threshold": "100", "reaction": "warn"},
            {"type": "oldest_overdue", "days": 90, "reaction": "hold"},
            {"type": "max_order", "max_amount": "1500", "reaction": "hold"},
        ),
    )
    params = {reason.code: reason.params for reason in result.reasons}
    assert params["overdue_above_threshold"] == {"overdue": D("300.00"),
                                                 "threshold": D("100.00")}
    assert params["overdue_too_old"] == {"days": 120, "maximum_days": 90}
    assert params["order_above_maximum"] == {"order_amount": D("2000.00"),
                                             "maximum": D("1500.00")}


def test_without_a_grade_the_prepayment_step_is_skipped_with_an_info_reason():
    result = evaluate(data(grade=None),
                      only({"type": "grade_prepayment", "grades": ["E"], "reaction": "block"}))
    assert codes(result) == ["no_grade"]
    assert result.reasons[0].reaction == Reaction.INFO
    assert result.outcome == Outcome.APPROVE


def test_group_exposure_step_reports_the_group_figure():
    step = {"type": "group_exposure", "reaction": "info"}
    assert only(step).needs_group_exposure
    result = evaluate(data(group_counted_exposure=D("12345.678")), only(step))
    assert codes(result) == ["group_exposure"]
    assert result.reasons[0].params == {"group_exposure": D("12345.68")}
    assert evaluate(data(), only(step)).reasons == ()
    assert not only(LIMIT_STEP).needs_group_exposure


# --- combination: most severe wins, every reason listed ---------------------------------------


def test_every_reason_is_reported_and_the_most_severe_wins():
    policy = parse_policy(DEFAULT_STEPS)
    result = evaluate(
        data(
            order_amount=D("950"),
            buckets=buckets(receivables="100", overdue="100"),
            oldest_overdue_days=200,
            watchlisted=True,
            limit_expired=True,
            review_expired=True,
        ),
        policy,
    )
    assert codes(result) == [
        "watchlisted",
        "limit_exceeded",
        "overdue_above_threshold",
        "overdue_too_old",
        "limit_expired",
        "review_expired",
        "no_grade",
    ]
    assert result.outcome == Outcome.BLOCK
    # Without the limit breach the hold reasons decide.
    lower = evaluate(
        data(order_amount=D("10"), buckets=buckets(receivables="100", overdue="100"),
             oldest_overdue_days=200, watchlisted=True),
        policy,
    )
    assert lower.outcome == Outcome.HOLD
    assert codes(lower) == ["watchlisted", "within_limit", "overdue_above_threshold",
                            "overdue_too_old", "no_grade"]


def test_blacklist_blocks_even_a_small_order_within_limit():
    result = evaluate(data(order_amount=D("1"), blacklisted=True), parse_policy(DEFAULT_STEPS))
    assert result.outcome == Outcome.BLOCK
    assert codes(result)[:2] == ["blacklisted", "within_limit"]


def test_most_severe():
    assert most_severe([]) == Outcome.APPROVE
    assert most_severe(["info", "info"]) == Outcome.APPROVE
    assert most_severe(["warn", "info", "hold", "warn"]) == Outcome.HOLD
    assert most_severe(["block", "warn"]) == Outcome.BLOCK


def test_negative_order_amount_is_refused():
    with pytest.raises(ValueError):
        evaluate(data(order_amount=D("-1")), parse_policy(DEFAULT_STEPS))


# --- policy validation ------------------------------------------------------------------------


def test_policy_errors_are_all_listed():
    with pytest.raises(PolicyError) as caught:
        parse_policy(
            [
                {"type": "teleport"},
                {"type": "limit", "grades": []},
                {"type": "max_order", "max_amount": "-5", "reaction": "hold"},
                {"type": "oldest_overdue", "days": "ninety", "reaction": "stop"},
                "blacklist",
            ]
        )
    assert caught.value.errors == [
        ("unknown_step_type", {"step": 1, "value": "teleport"}),
        ("limit_needs_grades", {"step": 2}),
        ("invalid_amount", {"step": 3, "key": "max_amount"}),
        ("invalid_reaction", {"step": 4, "key": "reaction", "value": "stop"}),
        ("invalid_days", {"step": 4}),
        ("step_not_object", {"step": 5}),
    ]
    with pytest.raises(PolicyError):
        parse_policy({"type": "limit"})


def test_limit_grades_are_sorted_whatever_the_order_written():
    policy = parse_policy(
        [{"type": "limit", "grades": [{"above_percent": "100", "reaction": "block"},
                                      {"above_percent": "50", "reaction": "warn"}]}]
    )
    assert evaluate(data(order_amount=D("600")), policy).outcome == Outcome.WARN
    assert evaluate(data(order_amount=D("1001")), policy).outcome == Outcome.BLOCK
