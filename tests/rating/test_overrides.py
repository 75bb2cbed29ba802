"""Overrides: an analyst proposes a grade with a reason, a credit manager decides."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from credo.core.models import BusinessEvent, ObjectChange
from credo.rating import selectors, services
from credo.rating.engine.grades import default_scale
from credo.rating.models import Notification, Rating, RatingOverride

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def rating(customer, simple_card, acting):
    return services.customer_rate(customer=customer, trigger="manual", as_of=AS_OF)


@pytest.fixture
def proposal(rating, analyst):
    return services.rating_override_propose(
        rating=rating, grade="BB", reason="担保人已破产，财务数据滞后", user=analyst
    )


def _counts():
    return (RatingOverride.objects.count(), Rating.objects.count(), ObjectChange.objects.count(),
            BusinessEvent.objects.count())


def test_propose(proposal, rating, analyst):
    assert proposal.status == "pending" and proposal.proposed_by == analyst
    assert proposal.customer == rating.customer and proposal.proposed_grade == "BB"
    event = BusinessEvent.objects.get(name="rating.override.proposed")
    assert event.payload == {"override_id": proposal.pk, "rating_id": rating.pk,
                             "grade": "AAA", "proposed_grade": "BB"}
    assert list(selectors.pending_overrides(analyst)) == [proposal]


def test_approve_writes_a_new_current_rating(
    proposal, rating, credit_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = services.rating_override_approve(
            override=proposal, user=credit_manager, note="同意"
        )
    proposal.refresh_from_db()
    rating.refresh_from_db()
    assert proposal.status == "approved" and proposal.decided_by == credit_manager
    assert proposal.decided_at is not None and proposal.decision_note == "同意"
    assert new.override == proposal and new.trigger == "override" and new.is_current
    assert not rating.is_current
    assert (new.previous_grade, new.grade) == ("AAA", "BB")
    assert new.score == rating.score and new.features == rating.features
    assert new.reasons == rating.reasons and new.scorecard == rating.scorecard
    assert new.pd == Decimal(repr(default_scale().pd_for_grade("BB"))).quantize(
        Decimal("0.000001")
    )
    assert selectors.current_rating(rating.customer) == new
    assert not selectors.pending_overrides(credit_manager).exists()
    assert BusinessEvent.objects.filter(name="rating.override.approved").count() == 1
    # The grade moved: the account manager and the analysts hear about it.
    assert Notification.objects.filter(rating=new).count() == 2
    assert mail.outbox == []  # nobody has an e-mail address here


def test_reject(proposal, rating, credit_manager):
    before = Rating.objects.count()
    with pytest.raises(ValidationError) as error:
        services.rating_override_reject(override=proposal, user=credit_manager, note=" ")
    assert "decision_note" in error.value.message_dict
    services.rating_override_reject(override=proposal, user=credit_manager, note="理由不足")
    proposal.refresh_from_db()
    assert proposal.status == "rejected" and proposal.decision_note == "理由不足"
    assert Rating.objects.count() == before
    assert selectors.current_rating(rating.customer) == rating
    with pytest.raises(ValidationError):  # decided already
        services.rating_override_approve(override=proposal, user=credit_manager)


def test_only_credit_managers_decide(proposal, analyst, account_manager, make_user):
    before = _counts()
    for user in (analyst, account_manager):
        with pytest.raises(PermissionDenied):
            services.rating_override_approve(override=proposal, user=user)
        with pytest.raises(PermissionDenied):
            services.rating_override_reject(override=proposal, user=user, note="no")
    assert _counts() == before
    assert not analyst.has_perm("rating.approve_override")
    assert make_user("credit_manager").has_perm("rating.approve_override")


def test_nobody_decides_on_their_own_override(rating, credit_manager):
    own = services.rating_override_propose(
        rating=rating, grade="A", reason="new guarantee", user=credit_manager
    )
    with pytest.raises(PermissionDenied):
        services.rating_override_approve(override=own, user=credit_manager)


@pytest.mark.parametrize(
    ("grade", "reason", "error_field"),
    [
        ("BB", "", "reason"),
        ("BB", "   ", "reason"),
        ("D", "ten-scale grade", "proposed_grade"),  # the card's scale has nine grades
        ("Z", "no such grade", "proposed_grade"),
        ("AAA", "same grade", "proposed_grade"),
    ],
)
def test_bad_proposals_write_nothing(rating, analyst, grade, reason, error_field):
    before = _counts()
    with pytest.raises(ValidationError) as error:
        services.rating_override_propose(rating=rating, grade=grade, reason=reason, user=analyst)
    assert error_field in error.value.message_dict
    assert _counts() == before


def test_only_the_current_rating_and_one_pending_override(proposal, rating, analyst):
    with pytest.raises(ValidationError) as error:
        services.rating_override_propose(rating=rating, grade="B", reason="again", user=analyst)
    assert "rating" in error.value.message_dict
    services.customer_rate(customer=rating.customer, trigger="review")
    with pytest.raises(ValidationError) as error:
        services.rating_override_propose(rating=rating, grade="B", reason="old", user=analyst)
    assert "rating" in error.value.message_dict


def test_approval_of_a_superseded_rating_is_refused(proposal, rating, credit_manager):
    services.customer_rate(customer=rating.customer, trigger="review")
    with pytest.raises(ValidationError) as error:
        services.rating_override_approve(override=proposal, user=credit_manager)
    assert "rating" in error.value.message_dict
    proposal.refresh_from_db()
    assert proposal.status == "pending"


def test_account_managers_cannot_propose(rating, account_manager):
    with pytest.raises(PermissionDenied):
        services.rating_override_propose(
            rating=rating, grade="BB", reason="owner thinks so", user=account_manager
        )


# --- the overrides report ---------------------------------------------------------------------


def test_override_report_by_direction(
    proposal, rating, analyst, credit_manager, account_manager, other_account_manager,
    service_agent,
):
    import datetime as dt

    from django.utils import timezone

    services.rating_override_approve(override=proposal, user=credit_manager, note="ok")
    overridden = selectors.current_rating(rating.customer)
    upgrade = services.rating_override_propose(
        rating=overridden, grade="AA", reason="new guarantee", user=analyst
    )
    services.rating_override_reject(override=upgrade, user=credit_manager, note="not enough")
    today = timezone.localdate()
    report = selectors.override_report(credit_manager, start=today, end=today)
    assert [(r.from_grade, r.to_grade, r.direction, r.notches, r.status) for r in report.rows] == [
        ("AAA", "BB", "down", 4, "approved"),  # AAA -> BB: four grades down
        ("BB", "AA", "up", 3, "rejected"),  # BB -> AA: three grades up
    ]
    first = report.rows[0]
    assert (first.proposed_by, first.decided_by) == (analyst.username, credit_manager.username)
    assert first.reason == "担保人已破产，财务数据滞后" and first.decision_note == "ok"
    assert first.proposed_on == today and first.decided_on == today
    assert first.customer_code == rating.customer.code
    assert report.counts == {"up": 1, "down": 1}
    assert report.counts_by_status["approved"] == {"up": 0, "down": 1}
    assert report.counts_by_status["rejected"] == {"up": 1, "down": 0}
    assert report.counts_by_status["pending"] == {"up": 0, "down": 0}
    # Another period, another account manager's view, no permission: nothing.
    yesterday = today - dt.timedelta(days=1)
    assert selectors.override_report(credit_manager, start=yesterday, end=yesterday).rows == ()
    assert len(selectors.override_report(account_manager, start=today, end=today).rows) == 2
    for user in (other_account_manager, service_agent, None):
        empty = selectors.override_report(user, start=today, end=today)
        assert empty.rows == () and empty.counts == {"up": 0, "down": 0}
