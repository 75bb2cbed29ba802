"""The rating pages: notifications (own only), the pending-overrides worklist, the model registry
(activation, validation report). The scorecard editor's tests are in test_scorecard_editor.py."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from credo.core.context import acting_as
from credo.rating import services
from credo.rating.engine.scorecard import load_template
from credo.rating.engine.validation import build_report
from credo.rating.models import Notification, Rating, RatingOverride, ScorecardVersion

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def customer(make_customer, account_manager):
    return make_customer(owner=account_manager, name_zh="福建页面测试有限公司")


@pytest.fixture
def other_customer(make_customer, other_account_manager):
    return make_customer(owner=other_account_manager, name_zh="厦门他人客户有限公司")


def _rate(customer, user):
    with acting_as(user, channel="system"):
        return services.customer_rate(customer=customer, trigger="manual", user=user)


def _propose(rating, user, grade="BB"):
    with acting_as(user, channel="system"):
        return services.rating_override_propose(
            rating=rating, grade=grade, reason="理由" + grade, user=user
        )


# --- notifications ----------------------------------------------------------------------------


@pytest.fixture
def notifications(customer, account_manager, other_account_manager):
    mine = Notification.objects.create(
        user=account_manager,
        customer=customer,
        kind="grade_changed",
        params={
            "customer": "甲公司",
            "grade": "BB",
            "previous_grade": "A",
            "score": "520",
            "trigger": "event",
        },
    )
    theirs = Notification.objects.create(
        user=other_account_manager,
        kind="grade_changed",
        params={
            "customer": "乙公司",
            "grade": "C",
            "previous_grade": "B",
            "score": "100",
            "trigger": "batch",
        },
    )
    return mine, theirs


def test_notifications_are_own_only(client_for, account_manager, notifications):
    mine, theirs = notifications
    text = text_of(client_for(account_manager).get(reverse("web:rating_notifications")))
    assert f'id="notification-{mine.pk}"' in text and "甲公司" in text
    assert f'id="notification-{theirs.pk}"' not in text and "乙公司" not in text
    assert "moved from A to BB" in text and "Credit event" in text
    assert "1 unread notification" in text


def test_mark_read(client_for, account_manager, notifications):
    mine, theirs = notifications
    client = client_for(account_manager)
    url = reverse("web:rating_notification_read", args=[mine.pk])
    assert client.post(url).status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    # Someone else's notification does not exist for this user.
    assert client.post(reverse("web:rating_notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(url).status_code == 405


def test_mark_all_read(client_for, other_account_manager, notifications):
    mine, theirs = notifications
    client = client_for(other_account_manager)
    assert client.post(reverse("web:rating_notifications_read_all")).status_code == 302
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.read_at is not None and mine.read_at is None


def test_notifications_permissions(client_for, no_role_user, service_agent):
    url = reverse("web:rating_notifications")
    assert client_for(no_role_user).get(url).status_code == 403
    assert client_for(service_agent).get(url).status_code == 403
    assert (
        client_for(no_role_user).post(reverse("web:rating_notifications_read_all")).status_code
        == 403
    )


def test_nav_links_by_permission(client_for, analyst, account_manager, service_agent, viewer):
    def nav(user):
        html = client_for(user).get(reverse("web:customer_list")).content.decode()
        return html[html.index("<nav") : html.index("</nav>")]

    assert reverse("web:rating_overrides") in nav(analyst)
    assert reverse("web:rating_notifications") in nav(account_manager)
    assert reverse("web:rating_overrides") in nav(account_manager)  # own customers' overrides
    assert "rating/" not in nav(service_agent)


# --- overrides worklist -----------------------------------------------------------------------


def test_pending_overrides_worklist(
    client_for, analyst, credit_manager, account_manager, customer, other_customer
):
    mine = _propose(_rate(customer, analyst), analyst)
    theirs = _propose(_rate(other_customer, analyst), analyst, grade="B")
    url = reverse("web:rating_overrides")
    text = text_of(client_for(credit_manager).get(url))
    assert f'id="override-{mine.pk}"' in text and f'id="override-{theirs.pk}"' in text
    assert 'value="approve"' in text and "理由BB" in text
    # The analyst proposed both: no decision form, and none for a missing permission.
    analyst_text = text_of(client_for(analyst).get(url))
    assert f'id="override-{mine.pk}"' in analyst_text and 'value="approve"' not in analyst_text
    # An account manager sees the overrides of their own customers only.
    owner_text = text_of(client_for(account_manager).get(url))
    assert f'id="override-{mine.pk}"' in owner_text
    assert f'id="override-{theirs.pk}"' not in owner_text


def test_decide_from_the_worklist(client_for, analyst, credit_manager, customer):
    override = _propose(_rate(customer, analyst), analyst)
    response = client_for(credit_manager).post(
        reverse("web:rating_override_decide", args=[override.pk]),
        {"action": "approve", "return_to": "worklist"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:rating_overrides")
    assert Rating.objects.get(customer=customer, is_current=True).grade == "BB"


def test_worklist_decision_on_invisible_override_is_404(
    client_for, analyst, account_manager, other_customer
):
    override = _propose(_rate(other_customer, analyst), analyst)
    url = reverse("web:rating_override_decide", args=[override.pk])
    # Account managers hold no approval permission at all: 403 before the lookup.
    assert client_for(account_manager).post(url, {"action": "approve"}).status_code == 403
    assert RatingOverride.objects.get().status == "pending"


def test_worklist_permissions(client_for, no_role_user, service_agent):
    url = reverse("web:rating_overrides")
    assert client_for(no_role_user).get(url).status_code == 403
    assert client_for(service_agent).get(url).status_code == 403


# --- model registry ---------------------------------------------------------------------------


def _draft(user, version=2, report=None):
    card = load_template("default-expert").to_dict()
    card["version"] = version
    with acting_as(user, channel="system"):
        return services.scorecard_version_create(
            definition=card, user=user, notes="草稿", validation_report=report
        )


def test_registry_lists_versions(client_for, viewer, analyst):
    draft = _draft(analyst)
    text = text_of(client_for(viewer).get(reverse("web:rating_scorecards")))
    assert f'id="scorecard-{draft.pk}"' in text and 'data-status="draft"' in text
    assert 'data-key="default-expert"' in text and "All customers (default)" in text
    assert "Activate" not in text and "Edit as new version" not in text  # read only


def test_registry_permissions(client_for, service_agent, no_role_user):
    url = reverse("web:rating_scorecards")
    assert client_for(service_agent).get(url).status_code == 403
    assert client_for(no_role_user).get(url).status_code == 403


def test_activate(client_for, credit_manager, analyst):
    draft = _draft(analyst)
    url = reverse("web:rating_scorecard_activate", args=[draft.pk])
    assert client_for(analyst).post(url).status_code == 403  # analysts draft, never activate
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert client_for(credit_manager).post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "active" and draft.approved_by == credit_manager
    assert ScorecardVersion.objects.get(key="default-expert", version=1).status == "retired"
    # Activating it again is refused with the service's message, nothing changes.
    response = client_for(credit_manager).post(url, follow=True)
    assert "already active" in text_of(response)
    assert (
        client_for(credit_manager)
        .post(reverse("web:rating_scorecard_activate", args=[999999]))
        .status_code
        == 404
    )


def test_scorecard_detail(client_for, analyst):
    version = ScorecardVersion.objects.get(key="default-expert", version=1)
    text = text_of(
        client_for(analyst).get(reverse("web:rating_scorecard_detail", args=[version.pk]))
    )
    assert 'data-factor="current_ratio"' in text and "Current ratio" in text
    assert 'data-grade="AAA"' in text


def test_validation_report_page(client_for, viewer, analyst):
    report = build_report(
        [1, 0, 0, 1, 0, 0], [300, 700, 650, 420, 800, 500], card_key="x", card_version=2
    ).to_dict()
    report["notes"] = ["<script>alert(1)</script>"]
    version = _draft(analyst, report=report)
    response = client_for(viewer).get(reverse("web:rating_scorecard_validation", args=[version.pk]))
    text = text_of(response)
    assert response.status_code == 200
    assert "AUC" in text and f"{report['auc']:.4f}".rstrip("0") in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert" not in text
    assert " style=" not in text.split("<main>")[1]
    without = ScorecardVersion.objects.get(key="default-expert", version=1)
    assert (
        client_for(viewer)
        .get(reverse("web:rating_scorecard_validation", args=[without.pk]))
        .status_code
        == 404
    )


# --- reviews and overrides report -------------------------------------------------------------


def test_review_worklist_flags_overdue(
    client_for, analyst, account_manager, customer, other_customer
):
    import datetime as dt

    from django.utils import timezone

    from credo.rating.models import CreditReview

    _rate(customer, analyst)
    _rate(other_customer, analyst)
    mine = CreditReview.objects.get(customer=customer, status="scheduled")
    theirs = CreditReview.objects.get(customer=other_customer, status="scheduled")
    CreditReview.objects.filter(pk=mine.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    url = reverse("web:rating_reviews")
    text = text_of(client_for(analyst).get(url))
    assert f'id="review-{mine.pk}"' in text and f'id="review-{theirs.pk}"' in text
    assert re.search(rf'id="review-{mine.pk}" class="review-overdue" data-overdue="true"', text)
    assert 'data-overdue="false"' in text and "Overdue (1)" in text
    overdue = text_of(client_for(analyst).get(url, {"overdue": "1"}))
    assert f'id="review-{theirs.pk}"' not in overdue
    # An account manager sees the reviews of their own customers, without the decision form.
    owner = text_of(client_for(account_manager).get(url))
    assert f'id="review-{mine.pk}"' in owner and f'id="review-{theirs.pk}"' not in owner
    assert 'value="complete"' not in owner


def test_complete_a_review(client_for, analyst, account_manager, customer):
    from credo.rating.models import CreditReview

    _rate(customer, analyst)
    review = CreditReview.objects.get(customer=customer, status="scheduled")
    url = reverse("web:rating_review_decide", args=[review.pk])
    assert client_for(account_manager).post(url, {"action": "complete"}).status_code == 403
    response = client_for(analyst).post(url, {"action": "complete", "note": ""}, follow=True)
    assert "Give the outcome of the review." in text_of(response)
    review.refresh_from_db()
    assert review.status == "scheduled"
    client_for(analyst).post(url, {"action": "complete", "note": "经营正常"})
    review.refresh_from_db()
    assert review.status == "done" and review.completion_rating.trigger == "review"
    assert (
        client_for(analyst)
        .post(reverse("web:rating_review_decide", args=[999999]), {"action": "complete"})
        .status_code
        == 404
    )


def test_reviews_permissions(client_for, service_agent, no_role_user):
    url = reverse("web:rating_reviews")
    assert client_for(service_agent).get(url).status_code == 403
    assert client_for(no_role_user).get(url).status_code == 403


def test_overrides_report(
    client_for, analyst, credit_manager, account_manager, customer, other_customer
):
    down = _propose(_rate(customer, analyst), analyst, grade="C")
    up = _propose(_rate(other_customer, analyst), analyst, grade="BB")
    with acting_as(credit_manager, channel="system"):
        services.rating_override_reject(override=up, user=credit_manager, note="不同意")
    url = reverse("web:rating_overrides_report")
    text = text_of(client_for(credit_manager).get(url))
    assert f'data-override="{down.pk}" data-direction="down"' in text
    assert f'data-override="{up.pk}" data-direction="up"' in text
    assert "不同意" in text and "Upgrade" in text and "Downgrade" in text
    owner = text_of(client_for(account_manager).get(url))
    assert f'data-override="{down.pk}"' in owner and f'data-override="{up.pk}"' not in owner
    bad = text_of(client_for(credit_manager).get(url, {"start": "2025-02-01", "end": "2025-01-01"}))
    assert "The end must not be before the start." in bad
    assert (
        client_for(credit_manager)
        .get(url, {"start": "2020-01-01", "end": "2020-12-31"})
        .status_code
        == 200
    )


def test_overrides_report_permissions(client_for, service_agent, no_role_user):
    url = reverse("web:rating_overrides_report")
    assert client_for(service_agent).get(url).status_code == 403
    assert client_for(no_role_user).get(url).status_code == 403


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("rating_notifications", (), "get"),
        ("rating_notification_read", (1,), "post"),
        ("rating_notifications_read_all", (), "post"),
        ("rating_overrides", (), "get"),
        ("rating_overrides_report", (), "get"),
        ("rating_override_decide", (1,), "post"),
        ("rating_reviews", (), "get"),
        ("rating_review_decide", (1,), "post"),
        ("rating_scorecards", (), "get"),
        ("rating_scorecard_detail", (1,), "get"),
        ("rating_scorecard_activate", (1,), "post"),
        ("rating_scorecard_validation", (1,), "get"),
        ("rating_scorecard_edit", (1,), "get"),
        ("rating_rate", (1,), "post"),
        ("rating_event_create", (1,), "post"),
        ("rating_override_propose", (1,), "post"),
    ],
)
def test_anonymous_goes_to_login(client, name, args, method):
    response = getattr(client, method)(reverse(f"web:{name}", args=args))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
