"""Limits (one active, expiry), lists, policies and segments, seeds and role permissions."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core.exceptions import ValidationError

from credo.core.models import BusinessEvent, ObjectChange
from credo.decisions import check_engine, selectors, services
from credo.decisions.check_engine import ReasonCode
from credo.decisions.messages import POLICY_ERROR_MESSAGES, REASON_MESSAGES
from credo.decisions.models import (
    CheckPolicy,
    CreditLimit,
    CustomerSegment,
    ListEntry,
    ReleaseAuthority,
)

from .conftest import TODAY, D

pytestmark = pytest.mark.django_db


# --- limits -----------------------------------------------------------------------------------


def test_a_new_limit_ends_the_previous_one_so_only_one_is_active(customer, limit_of):
    first = limit_of(customer, "100000")
    second = limit_of(customer, "250000", valid_from=dt.date(2025, 6, 1),
                      review_due=dt.date(2025, 12, 31), note="annual review")
    first.refresh_from_db()
    assert first.valid_until == dt.date(2025, 5, 31)
    assert selectors.credit_limit_active(customer=customer, today=dt.date(2025, 5, 31)) == first
    assert selectors.credit_limit_active(customer=customer, today=TODAY) == second
    assert second.approved_by is not None
    assert second.currency == "CNY"
    changes = ObjectChange.objects.filter(object_type="decisions.creditlimit")
    assert sorted(changes.values_list("action", flat=True)) == ["create", "create", "update"]
    assert set(changes.values_list("customer_id", flat=True)) == {customer.pk}
    event = BusinessEvent.objects.filter(name="decisions.credit_limit.set").latest("id")
    assert event.payload["amount"] == "250000.00"
    assert event.customer_id == customer.pk


def test_a_limit_before_an_existing_one_is_refused_and_nothing_written(customer, limit_of):
    limit_of(customer, "100000", valid_from=dt.date(2025, 3, 1))
    before = ObjectChange.objects.count()
    with pytest.raises(ValidationError) as caught:
        limit_of(customer, "50000", valid_from=dt.date(2025, 3, 1))
    assert caught.value.message_dict == {
        "valid_from": ["A limit starting on or after this date already exists."]
    }
    assert CreditLimit.objects.count() == 1
    assert ObjectChange.objects.count() == before


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"amount": "-1"}, {"amount": ["A credit limit cannot be negative."]}),
        ({"amount": "lots"}, {"amount": ["Enter a number."]}),
        (
            {"amount": "10", "valid_until": dt.date(2024, 12, 31)},
            {"valid_until": ["The end date is before the start date."]},
        ),
        ({"amount": "10", "currency": "XYZ"}, {"currency": ["Value 'XYZ' is not a valid choice."]}),
    ],
)
def test_bad_limits_are_refused(customer, acting, fields, errors):
    with pytest.raises(ValidationError) as caught:
        services.credit_limit_set(customer=customer, user=acting,
                                  valid_from=dt.date(2025, 1, 1), **fields)
    assert caught.value.message_dict == errors
    assert not CreditLimit.objects.exists()


def test_limit_state_expired_future_and_review(customer, limit_of):
    assert selectors.credit_limit_state(customer=customer, today=TODAY).limit is None
    limit = limit_of(customer, "1000", valid_until=dt.date(2025, 5, 31),
                     review_due=dt.date(2025, 4, 1))
    state = selectors.credit_limit_state(customer=customer, today=TODAY)
    assert state.limit == limit and state.expired and not state.review_expired
    on_time = selectors.credit_limit_state(customer=customer, today=dt.date(2025, 3, 1))
    assert on_time.limit == limit and not on_time.expired and not on_time.review_expired
    late_review = selectors.credit_limit_state(customer=customer, today=dt.date(2025, 4, 2))
    assert late_review.review_expired and not late_review.expired
    # A limit that only starts later does not apply yet: the expired one still does.
    limit_of(customer, "5000", valid_from=dt.date(2025, 8, 1))
    assert selectors.credit_limit_state(customer=customer, today=TODAY).limit == limit


def test_limit_end_and_review(customer, limit_of):
    limit = limit_of(customer, "1000")
    services.credit_limit_end(limit=limit, on=dt.date(2025, 6, 15))
    assert limit.valid_until == dt.date(2025, 6, 15)
    with pytest.raises(ValidationError) as caught:
        services.credit_limit_end(limit=limit, on=dt.date(2025, 6, 20))
    assert caught.value.message_dict == {"valid_until": ["This limit has already ended."]}
    services.credit_limit_review_set(limit=limit, review_due=dt.date(2025, 9, 1))
    limit.refresh_from_db()
    assert limit.review_due == dt.date(2025, 9, 1)
    assert BusinessEvent.objects.filter(name="decisions.credit_limit.review_set").count() == 1


# --- lists ------------------------------------------------------------------------------------


def test_list_entries_add_end_and_overlap(customer, acting):
    entry = services.list_entry_add(customer=customer, list_kind="blacklist",
                                    reason="法院失信被执行人", user=acting,
                                    since=dt.date(2025, 6, 1))
    assert selectors.is_blacklisted(customer=customer, today=TODAY)
    assert not selectors.is_blacklisted(customer=customer, today=dt.date(2025, 5, 31))
    with pytest.raises(ValidationError) as caught:
        services.list_entry_add(customer=customer, list_kind="blacklist", reason="again",
                                user=acting, since=dt.date(2025, 6, 10))
    assert caught.value.message_dict == {
        "list_kind": ["The customer is already on this list for that period."]
    }
    services.list_entry_end(entry=entry, on=dt.date(2025, 6, 20))
    assert not selectors.is_blacklisted(customer=customer, today=TODAY)
    assert selectors.active_list_kinds(customer=customer, today=dt.date(2025, 6, 20)) == {
        "blacklist"
    }
    names = list(BusinessEvent.objects.filter(name__startswith="decisions.list_entry")
                 .order_by("id").values_list("name", flat=True))
    assert names == ["decisions.list_entry.added", "decisions.list_entry.ended"]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"list_kind": "blacklist", "reason": "  "},
         {"reason": ["Give the reason for the list entry."]}),
        ({"list_kind": "greylist", "reason": "x"},
         {"list_kind": ["Value 'greylist' is not a valid choice."]}),
        ({"list_kind": "watch", "reason": "x", "until": dt.date(2025, 1, 1)},
         {"until": ["The end date is before the start date."]}),
    ],
)
def test_bad_list_entries_are_refused(customer, acting, fields, errors):
    with pytest.raises(ValidationError) as caught:
        services.list_entry_add(customer=customer, user=acting, since=dt.date(2025, 6, 1),
                                **fields)
    assert caught.value.message_dict == errors
    assert not ListEntry.objects.exists()


# --- policies, segments, seeds ----------------------------------------------------------------


def test_default_policy_and_authorities_are_seeded_by_migration():
    policy = CheckPolicy.objects.get(key="default")
    assert policy.steps == check_engine.DEFAULT_STEPS
    assert policy.counted_buckets == list(check_engine.DEFAULT_COUNTED_BUCKETS)
    seeded = dict(ReleaseAuthority.objects.values_list("group_name", "max_amount"))
    assert seeded == {"credit_manager": D("5000000.00"), "credit_analyst": D("500000.00")}
    # The seed (0002) plus the prepayment grades added with ratings (0004) give the code's
    # default: the policy in the database (checked above) is what migrations wrote.
    seed = importlib.import_module("credo.decisions.migrations.0002_default_policy_and_authorities")
    grades = importlib.import_module(
        "credo.decisions.migrations.0004_default_policy_prepayment_grades"
    )
    expected = [
        {**step, "grades": grades.PREPAYMENT_GRADES} if step["type"] == "grade_prepayment"
        else step
        for step in seed.DEFAULT_STEPS
    ]
    assert expected == check_engine.DEFAULT_STEPS


def test_default_policy_is_recreated_on_first_use_if_missing(acting):
    CheckPolicy.objects.all().delete()
    policy = services.default_policy_ensure()
    assert policy.key == "default"
    assert policy.steps == check_engine.DEFAULT_STEPS


def test_invalid_policy_is_refused_with_every_problem(acting):
    with pytest.raises(ValidationError) as caught:
        services.check_policy_save(
            key="dealers", name="Dealers",
            steps=[{"type": "teleport"}, {"type": "max_order", "reaction": "hold"}],
            counted_buckets=["overdue"],
        )
    assert caught.value.message_dict == {
        "steps": [
            "Step 1 has an unknown type: teleport.",
            "Step 2: max_amount must be an amount of 0 or more.",
            "overdue is not an exposure bucket that can count.",
        ]
    }
    assert not CheckPolicy.objects.filter(key="dealers").exists()


def test_segment_assignment_selects_the_policy(customer, acting):
    assert selectors.check_policy_for(customer).key == "default"
    dealers = services.check_policy_save(
        key="dealers", name="Dealers",
        steps=[{"type": "max_order", "max_amount": "1000", "reaction": "hold"}],
    )
    services.customer_segment_set(customer=customer, policy=dealers)
    assert selectors.check_policy_for(customer) == dealers
    services.customer_segment_set(customer=customer, policy=None)
    assert not CustomerSegment.objects.exists()
    assert selectors.check_policy_for(customer).key == "default"
    assert BusinessEvent.objects.filter(name="decisions.segment.set").count() == 2


def test_every_reason_and_policy_error_code_has_a_message():
    assert set(REASON_MESSAGES) == set(ReasonCode)
    engine_error_codes = {
        "steps_not_list", "step_not_object", "unknown_step_type", "invalid_reaction",
        "limit_needs_grades", "invalid_percent", "invalid_amount", "invalid_days",
        "invalid_grades", "invalid_bucket",
    }
    assert set(POLICY_ERROR_MESSAGES) == engine_error_codes


# --- roles ------------------------------------------------------------------------------------


def test_role_permissions(credit_manager, analyst, account_manager, auditor, viewer):
    assert credit_manager.has_perms(["decisions.release_order", "decisions.add_creditlimit",
                                     "decisions.change_checkpolicy", "decisions.add_creditcheck"])
    assert analyst.has_perms(["decisions.release_order", "decisions.add_creditcheck",
                              "decisions.view_creditlimit"])
    assert not analyst.has_perm("decisions.add_creditlimit")
    assert account_manager.has_perms(["decisions.add_creditcheck", "decisions.view_creditlimit"])
    assert not account_manager.has_perm("decisions.release_order")
    for reader in (auditor, viewer):
        assert reader.has_perm("decisions.view_ordercreditdecision")
        assert not reader.has_perm("decisions.add_creditcheck")
        assert not reader.has_perm("decisions.release_order")


# --- the check's one-statement read agrees with the ORM selectors ---------------------------


def _orm_context(customer, today):
    from credo.decisions import selectors

    state = selectors.credit_limit_state(customer=customer, today=today)
    policy = selectors.check_policy_for(customer)
    return (
        (state.limit.pk if state.limit else None,
         state.limit.amount if state.limit else None,
         state.expired, state.review_expired),
        frozenset(selectors.active_list_kinds(customer=customer, today=today)),
        (policy.pk, policy.key, policy.steps, policy.counted_buckets) if policy else None,
    )


def _raw_context(customer, today):
    from credo.decisions.selectors import check_context

    context = check_context(customer_id=customer.pk, today=today)
    limit = context.limit_state.limit
    policy = context.policy
    return (
        (limit.pk if limit else None, limit.amount if limit else None,
         context.limit_state.expired, context.limit_state.review_expired),
        context.lists,
        (policy.pk, policy.key, policy.steps, policy.counted_buckets) if policy else None,
    )


def test_check_context_matches_the_orm_selectors_over_time(customer, acting, limit_of):
    import datetime as dt

    from credo.decisions import services

    days = [dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 3, 15),
            dt.date(2025, 6, 30), dt.date(2025, 7, 1), dt.date(2025, 9, 30),
            dt.date(2026, 1, 1), dt.date(2027, 1, 1)]

    def agree(expected_limits):
        for day, expected in zip(days, expected_limits, strict=True):
            raw = _raw_context(customer, day)
            assert raw == _orm_context(customer, day), day
            assert raw[0][1] == (None if expected is None else D(expected)), day

    agree([None] * len(days))  # nothing recorded: no limit, default policy, no lists
    limit_of(customer, "1000.50", valid_from=dt.date(2025, 1, 1), valid_until=dt.date(2025, 6, 30),
             review_due=dt.date(2025, 3, 1))
    limit_of(customer, "2000", valid_from=dt.date(2025, 7, 1), valid_until=dt.date(2025, 12, 31))
    limit_of(customer, "9000", valid_from=dt.date(2026, 6, 1))  # starts later: not before
    # the expired 2,000 still gives the figure between its end and the next limit
    agree([None, "1000.50", "1000.50", "1000.50", "2000", "2000", "2000", "9000"])
    assert _raw_context(customer, dt.date(2026, 1, 1))[0][2] is True  # expired flag
    assert _raw_context(customer, dt.date(2025, 3, 15))[0][3] is True  # review overdue

    services.list_entry_add(customer=customer, list_kind="watch", reason="late payer",
                            user=acting, since=dt.date(2025, 3, 1), until=dt.date(2025, 9, 30))
    services.list_entry_add(customer=customer, list_kind="blacklist", reason="fraud",
                            user=acting, since=dt.date(2025, 7, 1))
    agree([None, "1000.50", "1000.50", "1000.50", "2000", "2000", "2000", "9000"])
    assert _raw_context(customer, dt.date(2025, 9, 30))[1] == {"watch", "blacklist"}
    assert _raw_context(customer, dt.date(2026, 1, 1))[1] == {"blacklist"}

    policy = services.check_policy_save(
        key="dealers", name="Dealers", counted_buckets=["open_receivables"],
        steps=[{"type": "limit", "grades": [{"above_percent": "100", "reaction": "hold"}]}],
    )
    services.customer_segment_set(customer=customer, policy=policy)
    raw = _raw_context(customer, dt.date(2025, 9, 30))
    assert raw == _orm_context(customer, dt.date(2025, 9, 30))
    assert raw[2][1] == "dealers" and raw[2][3] == ["open_receivables"]
