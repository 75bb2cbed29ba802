"""The check step "review expired" reads the periodic credit review of the rating app as well
as the limit's review date; the one-statement read and the ORM selectors agree."""

from __future__ import annotations

import datetime as dt

import pytest

from credo.decisions import selectors, services
from credo.rating.models import CreditReview

from .conftest import TODAY
from .test_limits_lists_policies import _orm_context, _raw_context

pytestmark = pytest.mark.django_db


def _review(customer, due_on, status="scheduled"):
    return CreditReview.objects.create(customer=customer, due_on=due_on, grade="BB", status=status)


def _codes(answer):
    return [reason["code"] for reason in answer.reasons]


def test_an_overdue_review_expires_the_review_step(customer, acting, limit_of):
    limit_of(customer, "1000")  # no review date of its own
    _review(customer, dt.date(2025, 6, 29))  # due yesterday
    answer = services.credit_check(customer=customer, user=acting, amount="10", currency="CNY",
                                   today=TODAY, what_if=True)
    assert "review_expired" in _codes(answer)
    assert answer.outcome == "warn"
    assert answer.figures["review_expired"] is True


@pytest.mark.parametrize(
    ("due_on", "status", "expired"),
    [
        (dt.date(2025, 6, 29), "scheduled", True),
        (TODAY, "scheduled", False),  # due today: not yet overdue
        (dt.date(2025, 7, 31), "scheduled", False),
        (dt.date(2025, 6, 1), "done", False),
        (dt.date(2025, 6, 1), "cancelled", False),
    ],
)
def test_only_an_open_review_past_its_due_date_counts(customer, acting, limit_of, due_on, status,
                                                      expired):
    limit_of(customer, "1000")
    _review(customer, due_on, status)
    assert selectors.credit_review_overdue(customer_id=customer.pk, today=TODAY) is expired
    state = selectors.credit_limit_state(customer=customer, today=TODAY)
    assert state.review_expired is expired
    assert _raw_context(customer, TODAY) == _orm_context(customer, TODAY)


def test_raw_and_orm_reads_agree_with_reviews_over_time(customer, acting, limit_of, make_customer):
    days = [dt.date(2024, 12, 31), dt.date(2025, 3, 2), dt.date(2025, 7, 2), dt.date(2026, 1, 1)]

    def agree():
        for day in days:
            assert _raw_context(customer, day) == _orm_context(customer, day), day

    _review(customer, dt.date(2025, 3, 1))
    agree()  # no limit at all: the overdue review still counts
    assert [_raw_context(customer, day)[0][3] for day in days] == [False, True, True, True]
    limit_of(customer, "1000", valid_until=dt.date(2025, 6, 30))
    agree()  # an expired limit (2 July 2025 on) with an overdue review
    assert [_raw_context(customer, day)[0][2:] for day in days] == [
        (False, False), (False, True), (True, True), (True, True)
    ]
    # Another customer's review never counts.
    other = make_customer()
    _review(other, dt.date(2025, 1, 1))
    assert not selectors.credit_review_overdue(customer_id=make_customer().pk, today=TODAY)
