"""Credit events: recorded, re-rated after commit, notifications when the grade moves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from credo.core.context import acting_as
from credo.core.models import BusinessEvent, ObjectChange
from credo.rating import selectors, services
from credo.rating.models import CreditEvent, Notification, Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(customer, simple_card, account_manager, analyst, acting):
    """The customer rated AAA by the one-factor card; its people have e-mail addresses."""
    account_manager.email = "am@example.com"
    account_manager.save()
    analyst.email = "analyst@example.com"
    analyst.save()
    services.customer_rate(customer=customer, trigger="manual")
    return customer


def _list_as_dishonest_debtor(customer):
    from credo.creditfile.services import record_create

    today = timezone.localdate()
    record_create(
        record_type="public-records", customer=customer, kind="dishonest_debtor",
        title="失信被执行人", status="valid", event_date=today, as_of=today,
    )


def test_event_rerates_after_commit_and_notifies_when_the_grade_moves(
    rated, account_manager, analyst, django_capture_on_commit_callbacks
):
    _list_as_dishonest_debtor(rated)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = services.credit_event_record(
            customer=rated, kind="dishonest_debtor", occurred_on=timezone.localdate(),
            detail={"case_number": "(2025)沪01执123号"}, note="from the court list",
            user=analyst,
        )
        # Nothing happens before the commit.
        assert Rating.objects.filter(customer=rated).count() == 1
        assert Notification.objects.count() == 0
    assert len(callbacks) == 2  # the re-rating job, then the notification it scheduled
    event.refresh_from_db()
    rating = selectors.current_rating(rated)
    assert event.processed_at is not None and event.rating == rating
    assert rating.trigger == "event" and rating.event == event
    assert (rating.previous_grade, rating.grade) == ("AAA", "C")
    assert rating.features["dishonest_debtor"]["value"] == 1.0
    notified = Notification.objects.filter(rating=rating)
    assert {n.user for n in notified} == {account_manager, analyst}
    note = notified.get(user=account_manager)
    assert note.kind == "grade_changed" and note.customer == rated and note.read_at is None
    assert "AAA" in note.message and "C" in note.message
    assert sorted(m.to[0] for m in mail.outbox) == ["am@example.com", "analyst@example.com"]
    assert "AAA" in mail.outbox[0].subject and rated.display_name in mail.outbox[0].subject
    recorded = BusinessEvent.objects.get(name="rating.credit_event.recorded")
    assert recorded.payload["kind"] == "dishonest_debtor"
    rated_events = BusinessEvent.objects.filter(name="rating.customer.rated").order_by("pk")
    assert rated_events.last().payload["previous_grade"] == "AAA"
    assert rated_events.last().payload["trigger"] == "event"


def test_no_notification_when_the_grade_stays(
    rated, analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.credit_event_record(
            customer=rated, kind="news", occurred_on=timezone.localdate(),
            note="new plant opened", user=analyst,
        )
    assert len(callbacks) == 1  # the re-rating only
    rating = selectors.current_rating(rated)
    assert rating.trigger == "event" and rating.grade == rating.previous_grade == "AAA"
    assert Rating.objects.filter(customer=rated).count() == 2
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_processing_twice_changes_nothing(rated, analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = services.credit_event_record(
            customer=rated, kind="news", occurred_on=timezone.localdate(), user=analyst
        )
    event.refresh_from_db()
    assert services.credit_event_process(event.pk) == event.rating
    assert Rating.objects.filter(customer=rated).count() == 2


def test_a_failed_job_leaves_the_event_for_a_retry(
    rated, analyst, django_capture_on_commit_callbacks
):
    from credo.rating.models import ScorecardVersion

    ScorecardVersion.objects.update(status="retired")  # no card applies: the job fails
    with django_capture_on_commit_callbacks(execute=True):
        event = services.credit_event_record(
            customer=rated, kind="limit_breach", occurred_on=timezone.localdate(), user=analyst
        )
    event.refresh_from_db()
    assert event.processed_at is None and event.rating is None
    ScorecardVersion.objects.filter(key="default-expert", version=2).update(status="active")
    with acting_as(analyst, channel="system"):
        assert services.credit_events_process_pending() == 1
    event.refresh_from_db()
    assert event.processed_at is not None and event.rating.trigger == "event"


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"kind": "earthquake"}, "kind"),
        ({"occurred_on": dt.date(2999, 1, 1)}, "occurred_on"),
        ({"occurred_on": "yesterday"}, "occurred_on"),
        ({"detail": ["not", "an", "object"]}, "detail"),
    ],
)
def test_bad_events_write_nothing(rated, analyst, fields, error_field,
                                  django_capture_on_commit_callbacks):
    counts = (CreditEvent.objects.count(), ObjectChange.objects.count(),
              BusinessEvent.objects.count())
    arguments = {"customer": rated, "kind": "news", "occurred_on": timezone.localdate(),
                 "user": analyst, **fields}
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError) as error,
    ):
        services.credit_event_record(**arguments)
    assert error_field in error.value.message_dict
    assert callbacks == []
    assert counts == (CreditEvent.objects.count(), ObjectChange.objects.count(),
                      BusinessEvent.objects.count())


def test_events_need_the_permission_and_the_customer(
    rated, account_manager, other_account_manager, viewer, django_capture_on_commit_callbacks
):
    for user in (other_account_manager, viewer):  # not their customer / no permission
        with pytest.raises(PermissionDenied):
            services.credit_event_record(
                customer=rated, kind="news", occurred_on=timezone.localdate(), user=user
            )
    assert not CreditEvent.objects.exists()
    # The owner enters news about their own customer; it re-rates the customer.
    with django_capture_on_commit_callbacks(execute=True):
        event = services.credit_event_record(
            customer=rated, kind="news", occurred_on=timezone.localdate(),
            note="大客户流失", user=account_manager,
        )
    event.refresh_from_db()
    assert event.recorded_by == account_manager and event.processed_at is not None
    assert event.rating is not None and event.rating.trigger == "event"


def test_notifications_are_private_and_can_be_marked_read(
    rated, account_manager, analyst, django_capture_on_commit_callbacks
):
    _list_as_dishonest_debtor(rated)
    with django_capture_on_commit_callbacks(execute=True):
        services.credit_event_record(
            customer=rated, kind="dishonest_debtor", occurred_on=timezone.localdate(),
            user=analyst,
        )
    mine = selectors.notifications_for(account_manager)
    assert mine.count() == 1 and mine.get().user == account_manager
    assert selectors.notifications_for(account_manager, unread_only=True).count() == 1
    with pytest.raises(PermissionDenied):
        services.notification_mark_read(notification=mine.get(), user=analyst)
    services.notification_mark_read(notification=mine.get(), user=account_manager)
    assert selectors.notifications_for(account_manager, unread_only=True).count() == 0
