"""The rating endpoints: current rating with its explanation, history, rate now, credit events,
overrides (propose, approve, reject), the scorecard registry; permissions (401/403/404), the
common error format and the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from credo.core.context import acting_as
from credo.core.models import AccessLog
from credo.rating import services
from credo.rating.messages import feature_label
from credo.rating.models import CreditEvent, Rating, RatingOverride

from .conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(make_customer, account_manager):
    return make_customer(owner=account_manager, name_zh="福建接口评级有限公司")


@pytest.fixture
def rating(customer, analyst):
    with acting_as(analyst, channel="system"):
        return services.customer_rate(customer=customer, trigger="manual", user=analyst)


@pytest.fixture
def pending(rating, analyst):
    with acting_as(analyst, channel="system"):
        return services.rating_override_propose(
            rating=rating, grade="BB", reason="担保人实力强", user=analyst
        )


def rating_url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/rating"


# --- reads ------------------------------------------------------------------------------------


def test_current_rating_with_explanation(api_as, account_manager, rating):
    response = api_as(account_manager).get(rating_url(rating.customer))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == rating.pk and body["is_current"] is True
    assert body["grade"]["code"] == rating.grade and body["grade"]["grade_class"] == "C"
    assert body["score"] == str(rating.score) and body["pd"] == str(rating.pd)
    assert body["scorecard"]["key"] == "default-expert" and body["trigger"] == "manual"
    assert [r["key"] for r in body["reasons"]] == [r["key"] for r in rating.reasons]
    first = body["reasons"][0]
    assert first["label"] == feature_label(first["key"]) and first["dimension"] == "bank"
    assert len(body["contributions"]) == len(rating.contributions)
    missing = next(c for c in body["contributions"] if c["key"] == "current_ratio")
    assert missing["missing_applied"] and missing["missing_rule"] == "worst bin's points"
    assert body["data_used"][0]["key"] == rating.contributions[0]["key"]
    # Notes and sources: rendered text plus the structured form (code + parameters).
    used = {row["key"]: row for row in body["data_used"]}
    assert used["current_ratio"]["note_message"]["code"] == "feature.no_statement"
    assert "as_of" in used["current_ratio"]["note_message"]["params"]
    assert used["current_ratio"]["note"].startswith("no statement ending on or before")
    assert missing["missing_reason"] == used["current_ratio"]["note"]
    assert body["improvement"]["model_grade"] == rating.grade
    assert body["improvement"]["target_grade"] == "B"
    assert body["improvement"]["changes"]


def test_reading_writes_the_access_log(api_as, account_manager, rating):
    api_as(account_manager).get(rating_url(rating.customer))
    api_as(account_manager).get(f"/api/v1/customers/{rating.customer_id}/ratings")
    entries = AccessLog.objects.filter(customer_id=rating.customer_id, user=account_manager)
    assert sorted(entries.values_list("resource", flat=True)) == [
        "rating.customer",
        "rating.history",
    ]


def test_read_permissions(
    api_as, rating, other_account_manager, service_agent, no_role_user_api, viewer
):
    url = rating_url(rating.customer)
    assert_error(Client().get(url), 401, "not_authenticated")
    assert_error(api_as(service_agent).get(url), 403, "permission_denied")
    assert_error(api_as(no_role_user_api).get(url), 403, "permission_denied")
    assert_error(api_as(other_account_manager).get(url), 404, "not_found")
    assert api_as(viewer).get(url).status_code == 200
    assert_error(api_as(viewer).get("/api/v1/customers/999999/rating"), 404, "not_found")
    assert not AccessLog.objects.filter(user=other_account_manager).exists()


@pytest.fixture
def no_role_user_api(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username="norole-api", password="x-unused-9")


def test_unrated_customer_is_404(api_as, analyst, customer):
    body = assert_error(api_as(analyst).get(rating_url(customer)), 404, "not_found")
    assert "no rating" in body["message"]


def test_history(api_as, account_manager, analyst, rating, customer):
    with acting_as(analyst, channel="system"):
        newer = services.customer_rate(customer=customer, trigger="manual", user=analyst)
    body = api_as(account_manager).get(f"/api/v1/customers/{customer.pk}/ratings", limit=1).json()
    assert body["count"] == 2 and body["limit"] == 1
    assert [item["id"] for item in body["items"]] == [newer.pk]
    assert body["items"][0]["grade"]["code"] == newer.grade


# --- rate now ---------------------------------------------------------------------------------


def test_rate_now(api_as, analyst, customer):
    response = api_as(analyst).post(rating_url(customer), {})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["trigger"] == "manual" and body["rated_by"]["id"] == analyst.pk
    assert Rating.objects.get(customer=customer).pk == body["id"]


def test_rate_now_bad_input(api_as, analyst, customer):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = assert_error(
        api_as(analyst).post(rating_url(customer), {"as_of": tomorrow}), 400, "invalid"
    )
    assert "as_of" in body["field_errors"]
    body = assert_error(
        api_as(analyst).post(rating_url(customer), {"when": "now"}), 422, "invalid_request"
    )
    assert "when" in body["field_errors"]
    assert not Rating.objects.exists()


def test_rate_now_permissions(api_as, account_manager, other_account_manager, viewer, customer):
    assert_error(api_as(account_manager).post(rating_url(customer), {}), 403, "permission_denied")
    assert_error(api_as(viewer).post(rating_url(customer), {}), 403, "permission_denied")
    assert not Rating.objects.exists()


# --- credit events ----------------------------------------------------------------------------


def test_record_credit_event(api_as, account_manager, rating):
    today = timezone.localdate().isoformat()
    response = api_as(account_manager).post(
        f"/api/v1/customers/{rating.customer_id}/credit-events",
        {"kind": "news", "occurred_on": today, "note": "重大合同"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "news" and body["recorded_by"]["id"] == account_manager.pk
    assert CreditEvent.objects.get().pk == body["id"]


def test_credit_event_bad_input_and_permissions(
    api_as, account_manager, other_account_manager, viewer, rating
):
    url = f"/api/v1/customers/{rating.customer_id}/credit-events"
    today = timezone.localdate().isoformat()
    body = assert_error(
        api_as(account_manager).post(url, {"kind": "rumour", "occurred_on": today}), 400, "invalid"
    )
    assert "kind" in body["field_errors"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = assert_error(
        api_as(account_manager).post(url, {"kind": "news", "occurred_on": tomorrow}),
        400,
        "invalid",
    )
    assert "occurred_on" in body["field_errors"]
    assert_error(
        api_as(other_account_manager).post(url, {"kind": "news", "occurred_on": today}),
        404,
        "not_found",
    )
    assert_error(
        api_as(viewer).post(url, {"kind": "news", "occurred_on": today}), 403, "permission_denied"
    )
    assert not CreditEvent.objects.exists()


# --- overrides --------------------------------------------------------------------------------


def test_propose_override(api_as, analyst, rating):
    response = api_as(analyst).post(
        f"/api/v1/ratings/{rating.pk}/overrides", {"grade": "BB", "reason": "担保人实力强"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["rated_grade"] == rating.grade
    assert body["proposed_grade"] == "BB" and body["proposed_by"]["id"] == analyst.pk


def test_propose_bad_input_writes_nothing(api_as, analyst, rating):
    url = f"/api/v1/ratings/{rating.pk}/overrides"
    body = assert_error(api_as(analyst).post(url, {"grade": "BB", "reason": " "}), 400, "invalid")
    assert body["field_errors"]["reason"] == ["Give the reason for the override."]
    body = assert_error(api_as(analyst).post(url, {"grade": "ZZZ", "reason": "x"}), 400, "invalid")
    assert "not a grade of the scale" in body["field_errors"]["proposed_grade"][0]
    body = assert_error(api_as(analyst).post(url, {"grade": "BB"}), 422, "invalid_request")
    assert "reason" in body["field_errors"]
    assert not RatingOverride.objects.exists()


def test_propose_in_chinese(api_as, analyst, rating):
    from django.utils import translation

    with translation.override("zh-hans"):
        expected = translation.gettext("Give the reason for the override.")
    body = assert_error(
        api_as(analyst, language="zh-hans").post(
            f"/api/v1/ratings/{rating.pk}/overrides", {"grade": "BB", "reason": ""}
        ),
        400,
        "invalid",
    )
    assert body["field_errors"]["reason"] == [expected]


def test_propose_permissions(api_as, account_manager, other_account_manager, rating):
    url = f"/api/v1/ratings/{rating.pk}/overrides"
    assert_error(
        api_as(account_manager).post(url, {"grade": "BB", "reason": "x"}), 403, "permission_denied"
    )
    assert_error(
        api_as(other_account_manager).post(url, {"grade": "BB", "reason": "x"}),
        403,
        "permission_denied",
    )


def test_propose_on_unknown_rating_is_404(api_as, analyst):
    # Analysts see every customer; only an unknown rating is a 404 for them.
    response = api_as(analyst).post(
        "/api/v1/ratings/999999/overrides", {"grade": "BB", "reason": "x"}
    )
    assert_error(response, 404, "not_found")


def test_approve(api_as, credit_manager, pending):
    response = api_as(credit_manager).post(
        f"/api/v1/rating-overrides/{pending.pk}/approve", {"note": "同意"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved" and body["decided_by"]["id"] == credit_manager.pk
    new = Rating.objects.get(pk=body["resulting_rating"])
    assert new.is_current and new.grade == "BB" and new.trigger == "override"


def test_approve_permissions(api_as, analyst, account_manager, credit_manager, pending, rating):
    url = f"/api/v1/rating-overrides/{pending.pk}/approve"
    assert_error(api_as(analyst).post(url, {}), 403, "permission_denied")
    assert_error(api_as(account_manager).post(url, {}), 403, "permission_denied")
    assert_error(
        api_as(credit_manager).post("/api/v1/rating-overrides/999999/approve", {}), 404, "not_found"
    )
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_nobody_approves_their_own_override(api_as, credit_manager, rating):
    with acting_as(credit_manager, channel="system"):
        own = services.rating_override_propose(
            rating=rating, grade="B", reason="自己", user=credit_manager
        )
    assert_error(
        api_as(credit_manager).post(f"/api/v1/rating-overrides/{own.pk}/approve", {}),
        403,
        "permission_denied",
    )


def test_reject(api_as, credit_manager, pending):
    url = f"/api/v1/rating-overrides/{pending.pk}/reject"
    body = assert_error(api_as(credit_manager).post(url, {"note": ""}), 400, "invalid")
    assert "decision_note" in body["field_errors"]
    response = api_as(credit_manager).post(url, {"note": "理由不足"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected" and response.json()["resulting_rating"] is None
    body = assert_error(api_as(credit_manager).post(url, {"note": "again"}), 400, "invalid")
    assert "status" in body["field_errors"]


# --- scorecards -------------------------------------------------------------------------------


def test_scorecards(api_as, viewer, service_agent):
    response = api_as(viewer).get("/api/v1/scorecards")
    assert response.status_code == 200
    keys = {(item["key"], item["version"], item["status"]) for item in response.json()}
    assert ("default-expert", 1, "active") in keys
    assert_error(api_as(service_agent).get("/api/v1/scorecards"), 403, "permission_denied")


def test_openapi_documents_the_rating_endpoints(db):
    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/api/v1/customers/{customer_id}/rating",
        "/api/v1/customers/{customer_id}/ratings",
        "/api/v1/customers/{customer_id}/credit-events",
        "/api/v1/ratings/{rating_id}/overrides",
        "/api/v1/rating-overrides/{override_id}/approve",
        "/api/v1/rating-overrides/{override_id}/reject",
        "/api/v1/scorecards",
    ):
        assert path in paths, path
        for operation in paths[path].values():
            assert operation["summary"]
