"""Periodic reviews: scheduled by grade after every rating, completed with a re-rating, listed
on a worklist restricted per user with the overdue ones flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from credo.core.context import acting_as
from credo.core.models import BusinessEvent
from credo.rating import selectors, services
from credo.rating.models import CreditReview

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def _list_as_dishonest_debtor(customer, on):
    from credo.creditfile.services import record_create

    record_create(
        record_type="public-records", customer=customer, kind="dishonest_debtor",
        title="失信被执行人", status="valid", event_date=on, as_of=on,
    )


@pytest.fixture
def rated(customer, simple_card, acting):
    """Rated AAA as of 30 June 2025 by the one-factor card."""
    services.customer_rate(customer=customer, trigger="manual", as_of=AS_OF)
    return customer


def test_a_rating_schedules_the_review_from_its_grade(rated):
    review = CreditReview.objects.get(customer=rated)
    rating = selectors.current_rating(rated)
    # AAA: 12 months -> 30 June 2025 + 12 months = 30 June 2026.
    assert (review.status, review.grade, review.due_on) == ("scheduled", "AAA", dt.date(2026, 6, 30))
    assert review.rating == rating
    scheduled = BusinessEvent.objects.get(name="rating.review.scheduled")
    assert scheduled.payload["due_on"] == "2026-06-30"
    assert scheduled.payload["previous_due_on"] is None


def test_a_new_rating_moves_the_one_open_review(rated):
    first = CreditReview.objects.get(customer=rated)
    _list_as_dishonest_debtor(rated, dt.date(2025, 7, 31))
    services.customer_rate(customer=rated, trigger="event", as_of=dt.date(2025, 7, 31))
    # C: 1 month -> 31 July 2025 + 1 month = 31 August 2025; the same review row moved.
    review = CreditReview.objects.get(customer=rated)
    assert review.pk == first.pk
    assert (review.grade, review.due_on) == ("C", dt.date(2025, 8, 31))
    assert CreditReview.objects.filter(customer=rated, status="scheduled").count() == 1


def test_same_due_date_writes_no_second_scheduling_event(rated):
    services.customer_rate(customer=rated, trigger="manual", as_of=AS_OF)
    assert BusinessEvent.objects.filter(name="rating.review.scheduled").count() == 1


def test_an_approved_override_moves_the_review(rated, analyst, credit_manager):
    rating = selectors.current_rating(rated)
    proposal = services.rating_override_propose(
        rating=rating, grade="BB", reason="guarantor bankrupt", user=analyst
    )
    services.rating_override_approve(override=proposal, user=credit_manager)
    review = CreditReview.objects.get(customer=rated, status="scheduled")
    # BB: 4 months from the rating's as-of day 30 June 2025 -> 30 October 2025.
    assert (review.grade, review.due_on) == ("BB", dt.date(2025, 10, 30))
    assert review.rating == selectors.current_rating(rated)


def test_the_review_policy_is_configurable(customer, simple_card, acting, settings):
    months = {"AAA": 3, "AA": 3, "A": 3, "BBB": 2, "BB": 2, "B": 1, "CCC": 1, "CC": 1, "C": 1,
              "D": 1}
    settings.CREDO_RATING_REVIEW_POLICY = {"months": months}
    services.customer_rate(customer=customer, trigger="manual", as_of=AS_OF)
    # AAA: 3 months -> 30 September 2025.
    assert CreditReview.objects.get(customer=customer).due_on == dt.date(2025, 9, 30)


def test_review_due_on_for_an_unknown_grade_takes_the_shortest_interval():
    assert services.review_due_on(grade="X", rated_on=dt.date(2025, 1, 31)) == dt.date(2025, 2, 28)


def test_complete_rerates_and_schedules_the_next(rated, analyst):
    review = CreditReview.objects.get(customer=rated)
    done = services.review_complete(review=review, user=analyst, note="  财务稳定，维持评级  ")
    assert (done.status, done.completed_by, done.note) == ("done", analyst, "财务稳定，维持评级")
    assert done.completed_on == timezone.localdate()
    current = selectors.current_rating(rated)
    assert done.completion_rating == current and current.trigger == "review"
    assert current.rated_by == analyst
    following = CreditReview.objects.get(customer=rated, status="scheduled")
    assert following.pk != review.pk and following.rating == current
    # AAA again, rated today: due 12 months from today.
    assert following.due_on == services.review_due_on(grade="AAA", rated_on=current.as_of)
    assert BusinessEvent.objects.filter(name="rating.review.completed").count() == 1
    with pytest.raises(ValidationError):  # no longer open
        services.review_complete(review=review, user=analyst, note="again")


def test_complete_needs_the_outcome_and_the_permission(rated, analyst, account_manager):
    review = CreditReview.objects.get(customer=rated)
    with pytest.raises(ValidationError) as error:
        services.review_complete(review=review, user=analyst, note="  ")
    assert "note" in error.value.message_dict
    # Account managers read ratings but do not rate: they cannot complete reviews.
    with pytest.raises(PermissionDenied):
        services.review_complete(review=review, user=account_manager, note="ok")
    review.refresh_from_db()
    assert review.status == "scheduled"


def test_cancel_then_the_next_rating_schedules_a_new_review(rated, credit_manager):
    review = CreditReview.objects.get(customer=rated)
    cancelled = services.review_cancel(review=review, user=credit_manager, note="relationship ended")
    assert cancelled.status == "cancelled" and cancelled.note == "relationship ended"
    assert selectors.open_review(rated) is None
    services.customer_rate(customer=rated, trigger="manual", as_of=AS_OF)
    assert selectors.open_review(rated).pk != review.pk


def test_review_schedule_refuses_another_customers_rating(rated, make_customer, acting):
    other = make_customer()
    with pytest.raises(ValidationError):
        services.review_schedule(customer=other, rating=selectors.current_rating(rated))


def test_worklist_is_restricted_and_flags_overdue_reviews(
    rated, make_customer, simple_card, acting, account_manager, other_account_manager, analyst,
    service_agent,
):
    with acting_as(other_account_manager, channel="system"):
        theirs = make_customer(owner=other_account_manager)
    services.customer_rate(customer=theirs, trigger="manual", as_of=AS_OF)
    CreditReview.objects.filter(customer=theirs).update(due_on=dt.date(2025, 7, 1))
    day = dt.date(2025, 7, 2)

    mine = list(selectors.review_worklist(account_manager, today=day))
    assert [r.customer for r in mine] == [rated]
    assert [r.overdue for r in mine] == [False]
    theirs_list = list(selectors.review_worklist(other_account_manager, today=day))
    assert [(r.customer, r.overdue) for r in theirs_list] == [(theirs, True)]
    # Analysts see every customer, earliest due first.
    everyone = list(selectors.review_worklist(analyst, today=day))
    assert [r.customer for r in everyone] == [theirs, rated]
    assert [r.customer for r in selectors.review_worklist(analyst, today=day, overdue_only=True)] \
        == [theirs]
    assert list(selectors.review_worklist(analyst, today=day, due_within_days=30)) == [
        everyone[0]
    ]
    # Without the rating permission: nothing.
    assert list(selectors.review_worklist(service_agent, today=day)) == []
    assert list(selectors.review_worklist(None, today=day)) == []
    assert list(selectors.review_history(other_account_manager, rated)) == []
    assert len(selectors.review_history(account_manager, rated)) == 1
