"""Credit rating endpoints: a customer's current rating with its explanation, the history, rating
now, credit events, overrides (propose, approve, reject) and the scorecard registry.

Handlers only translate between JSON and ``credo.rating`` services, selectors and presenters.
A customer, rating or override the caller cannot see is a 404; a missing permission is a 403.
Every read of a customer's rating is a credit-file read and writes the access log.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from credo.core.permissions import (
    APPROVE_RATING_OVERRIDE,
    PROPOSE_RATING_OVERRIDE,
    RECORD_CREDIT_EVENT,
)
from credo.creditfile.selectors import creditfile_read_logged
from credo.rating import presenters, selectors, services
from credo.rating.choices import CreditEventKind, RatingTrigger
from credo.rating.models import CreditEvent, Rating, RatingOverride, ScorecardVersion

from ..auth import acting_user, require_perm
from ..errors import READ_ERRORS, WRITE_ERRORS, NotFound
from ..schemas.common import InputSchema, PageParams, UserRef, choices_of, paginate, user_ref
from .customers import visible_customer

router = Router(tags=["credit rating"])

VIEW_RATING = "rating.view_rating"
RATE_CUSTOMER = "rating.add_rating"
VIEW_OVERRIDE = "rating.view_ratingoverride"
VIEW_SCORECARD = "rating.view_scorecardversion"


# --- schemas ----------------------------------------------------------------------------------


class ScorecardRef(Schema):
    id: int
    key: str
    version: int
    name: str
    kind: str


class GradeOut(Schema):
    code: str
    grade_class: str
    label: str
    class_label: str


class ReasonOut(Schema):
    key: str
    label: str
    dimension: str
    value: float | str | None
    bin: str
    points: float | None
    max_points: float | None
    points_lost: float | None
    missing_reason: str


class ContributionOut(Schema):
    key: str
    label: str
    dimension: str
    value: float | str | None
    bin: str
    points: float | None
    max_points: float | None
    points_lost: float | None
    missing_applied: bool
    missing_rule: str
    missing_reason: str


class MessageOut(Schema):
    """An engine message: stable code and raw parameters (the text fields carry it rendered in
    the request's language)."""

    code: str
    params: dict[str, str | float | int | None]


class FeatureOut(Schema):
    key: str
    label: str
    value: float | str | None
    as_of: dt.date | None
    source: str
    status: str
    note: str
    source_message: MessageOut | None = None
    note_message: MessageOut | None = None


class BinChangeOut(Schema):
    key: str
    label: str
    from_bin: str
    from_points: float
    to_bin: str
    to_points: float
    points_gain: float
    new_score: float


class ImprovementOut(Schema):
    model_score: float
    model_grade: str
    target_grade: str | None
    target_min_score: float | None
    points_needed: float | None
    changes: list[BinChangeOut]


class RatingSummaryOut(Schema):
    id: int
    customer: int
    rated_at: dt.datetime
    as_of: dt.date
    score: Decimal
    grade: GradeOut
    previous_grade: str
    pd: Decimal | None
    scorecard: ScorecardRef
    trigger: str
    event: int | None
    override: int | None
    is_current: bool
    rated_by: UserRef | None


class RatingOut(RatingSummaryOut):
    min_score: float | None
    max_score: float | None
    reasons: list[ReasonOut]
    contributions: list[ContributionOut]
    data_used: list[FeatureOut]
    improvement: ImprovementOut | None


class RatingPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RatingSummaryOut]


class RateIn(InputSchema):
    as_of: dt.date | None = None


class CreditEventIn(InputSchema):
    kind: str = choices_of(CreditEventKind, "What happened.")
    occurred_on: dt.date
    note: str = ""
    detail: dict[str, Any] | None = None


class CreditEventOut(Schema):
    id: int
    customer: int
    kind: str
    occurred_on: dt.date
    note: str
    detail: dict[str, Any]
    recorded_by: UserRef | None
    processed_at: dt.datetime | None
    rating: int | None


class OverrideIn(InputSchema):
    grade: str
    reason: str


class DecisionIn(InputSchema):
    note: str = ""


class OverrideOut(Schema):
    id: int
    customer: int
    rating: int
    rated_grade: str
    proposed_grade: str
    reason: str
    status: str
    proposed_by: UserRef | None
    decided_by: UserRef | None
    decided_at: dt.datetime | None
    decision_note: str
    resulting_rating: int | None


class ScorecardOut(Schema):
    id: int
    key: str
    version: int
    name: str
    kind: str
    status: str
    segment: dict[str, Any] | None
    factors: int
    created_at: dt.datetime
    created_by: UserRef | None
    approved_by: UserRef | None
    activated_at: dt.datetime | None
    has_validation_report: bool
    notes: str


# --- helpers ----------------------------------------------------------------------------------


def _grade_out(code: str) -> dict[str, Any]:
    badge = presenters.grade_badge(code)
    return {
        "code": badge.code,
        "grade_class": badge.grade_class,
        "label": badge.label,
        "class_label": badge.class_label,
    }


def _summary_out(rating: Rating) -> dict[str, Any]:
    version = rating.scorecard
    return {
        "id": rating.pk,
        "customer": rating.customer_id,
        "rated_at": rating.rated_at,
        "as_of": rating.as_of,
        "score": rating.score,
        "grade": _grade_out(rating.grade),
        "previous_grade": rating.previous_grade,
        "pd": rating.pd,
        "scorecard": {
            "id": version.pk,
            "key": version.key,
            "version": version.version,
            "name": version.name,
            "kind": version.kind,
        },
        "trigger": rating.trigger,
        "event": rating.event_id,
        "override": rating.override_id,
        "is_current": rating.is_current,
        "rated_by": user_ref(rating.rated_by),
    }


def _improvement_out(rating: Rating) -> dict[str, Any] | None:
    found = presenters.improvements(rating)
    if found is None:
        return None
    return {
        "model_score": found["score"],
        "model_grade": found["grade"].code,
        "target_grade": None if found["target"] is None else found["target"].code,
        "target_min_score": found["target_min_score"],
        "points_needed": found["points_needed"],
        "changes": found["changes"],
    }


def _rating_out(rating: Rating) -> dict[str, Any]:
    summary = presenters.rating_summary(rating)
    keys = [item["key"] for item in rating.contributions]
    return {
        **_summary_out(rating),
        "min_score": summary["min_score"],
        "max_score": summary["max_score"],
        # Dimensions as their stable keys (the UI shows labels).
        "reasons": [
            {**row, "dimension": stored.get("dimension", "")}
            for row, stored in zip(presenters.reason_rows(rating), rating.reasons, strict=True)
        ],
        "contributions": [
            presenters.contribution_row(item, rating.features) for item in rating.contributions
        ],
        "data_used": presenters.data_used(rating, only=keys),
        "improvement": _improvement_out(rating),
    }


def _event_out(event: CreditEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "customer": event.customer_id,
        "kind": event.kind,
        "occurred_on": event.occurred_on,
        "note": event.note,
        "detail": event.detail or {},
        "recorded_by": user_ref(event.recorded_by),
        "processed_at": event.processed_at,
        "rating": event.rating_id,
    }


def _override_out(override: RatingOverride) -> dict[str, Any]:
    resulting = Rating.objects.filter(override=override).values_list("pk", flat=True).first()
    return {
        "id": override.pk,
        "customer": override.customer_id,
        "rating": override.rating_id,
        "rated_grade": override.rating.grade,
        "proposed_grade": override.proposed_grade,
        "reason": override.reason,
        "status": override.status,
        "proposed_by": user_ref(override.proposed_by),
        "decided_by": user_ref(override.decided_by),
        "decided_at": override.decided_at,
        "decision_note": override.decision_note,
        "resulting_rating": resulting,
    }


def _visible_rating(request: HttpRequest, pk: int) -> Rating:
    rating = (
        Rating.objects.restrict(acting_user(request))
        .select_related("customer", "scorecard")
        .filter(pk=pk)
        .first()
    )
    if rating is None:
        raise NotFound(_("Rating not found."))
    return rating


def _visible_override(request: HttpRequest, pk: int) -> RatingOverride:
    override = (
        RatingOverride.objects.restrict(acting_user(request))
        .select_related("customer", "rating", "proposed_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if override is None:
        raise NotFound(_("Override not found."))
    return override


# --- ratings ----------------------------------------------------------------------------------


@router.get(
    "/customers/{int:customer_id}/rating",
    response={200: RatingOut, **READ_ERRORS},
    summary="A customer's current rating with reasons, contributions, data used and PD",
)
def current_rating(request: HttpRequest, customer_id: int):
    require_perm(request, VIEW_RATING)
    user = acting_user(request)
    customer = visible_customer(request, customer_id)
    rating = selectors.rating_history(user, customer).filter(is_current=True).first()
    creditfile_read_logged(
        user=user,
        customer=customer,
        resource="rating.customer",
        detail="" if rating is None else f"rating={rating.pk}",
    )
    if rating is None:
        raise NotFound(_("The customer has no rating yet."))
    return _rating_out(rating)


@router.get(
    "/customers/{int:customer_id}/ratings",
    response={200: RatingPage, **READ_ERRORS},
    summary="A customer's rating history, newest first",
)
def rating_history(request: HttpRequest, customer_id: int, page: Query[PageParams]):
    require_perm(request, VIEW_RATING)
    user = acting_user(request)
    customer = visible_customer(request, customer_id)
    creditfile_read_logged(
        user=user, customer=customer, resource="rating.history", detail=f"offset={page.offset}"
    )
    count, ratings = paginate(selectors.rating_history(user, customer), page)
    return {
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
        "items": [_summary_out(rating) for rating in ratings],
    }


@router.post(
    "/customers/{int:customer_id}/rating",
    response={201: RatingOut, **WRITE_ERRORS},
    summary="Rate the customer now (manual trigger), optionally as of a past day",
)
def rate_customer(request: HttpRequest, customer_id: int, payload: RateIn):
    require_perm(request, VIEW_RATING, RATE_CUSTOMER)
    customer = visible_customer(request, customer_id)
    rating = services.customer_rate(
        customer=customer,
        trigger=RatingTrigger.MANUAL,
        as_of=payload.as_of,
        user=acting_user(request),
    )
    return Status(201, _rating_out(rating))


@router.post(
    "/customers/{int:customer_id}/credit-events",
    response={201: CreditEventOut, **WRITE_ERRORS},
    summary="Record a credit event; the customer is re-rated right after",
)
def record_credit_event(request: HttpRequest, customer_id: int, payload: CreditEventIn):
    require_perm(request, RECORD_CREDIT_EVENT)
    customer = visible_customer(request, customer_id)
    event = services.credit_event_record(
        customer=customer,
        kind=payload.kind or "",
        occurred_on=payload.occurred_on,
        detail=payload.detail,
        note=payload.note,
        user=acting_user(request),
    )
    event.refresh_from_db()
    return Status(201, _event_out(event))


# --- overrides --------------------------------------------------------------------------------


@router.post(
    "/ratings/{int:rating_id}/overrides",
    response={201: OverrideOut, **WRITE_ERRORS},
    summary="Propose another grade for a current rating (reason mandatory)",
)
def propose_override(request: HttpRequest, rating_id: int, payload: OverrideIn):
    require_perm(request, VIEW_RATING, PROPOSE_RATING_OVERRIDE)
    rating = _visible_rating(request, rating_id)
    override = services.rating_override_propose(
        rating=rating, grade=payload.grade, reason=payload.reason, user=acting_user(request)
    )
    return Status(201, _override_out(override))


@router.post(
    "/rating-overrides/{int:override_id}/approve",
    response={200: OverrideOut, **WRITE_ERRORS},
    summary="Approve a pending override: a new current rating with the proposed grade",
)
def approve_override(request: HttpRequest, override_id: int, payload: DecisionIn):
    require_perm(request, VIEW_OVERRIDE, APPROVE_RATING_OVERRIDE)
    override = _visible_override(request, override_id)
    services.rating_override_approve(
        override=override, user=acting_user(request), note=payload.note
    )
    return _override_out(_visible_override(request, override_id))


@router.post(
    "/rating-overrides/{int:override_id}/reject",
    response={200: OverrideOut, **WRITE_ERRORS},
    summary="Reject a pending override (note mandatory); the rating stays",
)
def reject_override(request: HttpRequest, override_id: int, payload: DecisionIn):
    require_perm(request, VIEW_OVERRIDE, APPROVE_RATING_OVERRIDE)
    override = _visible_override(request, override_id)
    services.rating_override_reject(override=override, user=acting_user(request), note=payload.note)
    return _override_out(_visible_override(request, override_id))


# --- scorecards -------------------------------------------------------------------------------


@router.get(
    "/scorecards",
    response={200: list[ScorecardOut], **READ_ERRORS},
    summary="The scorecard registry: every version with status, kind, segment and approver",
)
def scorecards(request: HttpRequest):
    require_perm(request, VIEW_SCORECARD)
    versions = ScorecardVersion.objects.select_related("created_by", "approved_by").order_by(
        "key", "-version"
    )
    return [
        {
            "id": version.pk,
            "key": version.key,
            "version": version.version,
            "name": version.name,
            "kind": version.kind,
            "status": version.status,
            "segment": version.segment,
            "factors": len((version.definition or {}).get("factors", [])),
            "created_at": version.created_at,
            "created_by": user_ref(version.created_by),
            "approved_by": user_ref(version.approved_by),
            "activated_at": version.activated_at,
            "has_validation_report": bool(version.validation_report),
            "notes": version.notes,
        }
        for version in versions
    ]
