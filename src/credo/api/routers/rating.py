"""Credit rating endpoints: a customer's current rating with its explanation, the history, rating
now, credit events, overrides (propose, approve, reject), the scorecard registry with the
validation reports, the back-testing report, the credit-review worklist and the user's
notifications.

Handlers only translate between JSON and ``credo.rating`` services, selectors and presenters.
A customer, rating or override the caller cannot see is a 404; a missing permission is a 403.
Every read of a customer's rating is a credit-file read and writes the access log; so does
every computed back-testing report (it covers the whole portfolio).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator, MaxValueValidator, MinValueValidator
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from credo.core.permissions import (
    APPROVE_RATING_OVERRIDE,
    PROPOSE_RATING_OVERRIDE,
    RECORD_CREDIT_EVENT,
    VIEW_ALL_CUSTOMERS,
)
from credo.core.services import access_log_write
from credo.creditfile.selectors import creditfile_read_logged
from credo.rating import backtest, presenters, selectors, services
from credo.rating.choices import CreditEventKind, RatingTrigger
from credo.rating.defaults import (
    DAYS_CHOICES,
    DefaultDefinition,
    DefinitionError,
    definition_with,
)
from credo.rating.messages import feature_label
from credo.rating.models import (
    CreditEvent,
    CreditReview,
    Notification,
    Rating,
    RatingOverride,
    ScorecardVersion,
)
from credo.receivables.metrics import add_months

from ..auth import acting_user, require_perm
from ..errors import NON_FIELD_KEY, READ_ERRORS, WRITE_ERRORS, ErrorOut, NotFound
from ..schemas.common import InputSchema, PageParams, UserRef, choices_of, paginate, user_ref
from ..schemas.rating import (
    BACKTEST_MAX_MONTHS,
    BacktestOut,
    BacktestParams,
    GradeOut,
    NotificationFilters,
    NotificationOut,
    NotificationPage,
    NotificationsReadOut,
    ReviewFilters,
    ReviewPage,
    ValidationReportOut,
)
from .customers import visible_customer

router = Router(tags=["credit rating"])

VIEW_RATING = "rating.view_rating"
RATE_CUSTOMER = "rating.add_rating"
VIEW_OVERRIDE = "rating.view_ratingoverride"
VIEW_SCORECARD = "rating.view_scorecardversion"
VIEW_NOTIFICATION = "rating.view_notification"
# Reads whose query parameters the handler validates (400 with field errors) besides the schema.
CHECKED_READ_ERRORS = {400: ErrorOut, **READ_ERRORS}


# --- schemas ----------------------------------------------------------------------------------


class ScorecardRef(Schema):
    id: int
    key: str
    version: int
    name: str
    kind: str


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


def _number(value: Any) -> float | None:
    """A stored figure as a float; None when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _rows(value: Any) -> list[dict[str, Any]]:
    return [row for row in value or [] if isinstance(row, dict)]


def _validation_report_out(version: ScorecardVersion, report: dict[str, Any]) -> dict[str, Any]:
    psi = report.get("psi") if isinstance(report.get("psi"), dict) else None
    # Highest information value first, like the page.
    stored = sorted(_rows(report.get("factors")), key=lambda item: -(_number(item.get("iv")) or 0))
    factors = [
        {
            "key": str(item.get("key", "")),
            "label": feature_label(str(item.get("key", ""))),
            "iv": _number(item.get("iv")),
            "bins": [
                {"label": str(label), "goods": goods, "bads": bads, "woe": woe}
                for label, goods, bads, woe in item.get("bins") or []
            ],
        }
        for item in stored
    ]
    reading = "" if psi is None else str(psi.get("reading") or "")
    return {
        "scorecard": version.pk,
        "key": version.key,
        "version": version.version,
        "card_key": str(report.get("card_key", "")),
        "card_version": report.get("card_version"),
        "rows": report.get("rows"),
        "bads": report.get("bads"),
        **{
            name: _number(report.get(name))
            for name in ("bad_rate", "auc", "gini", "ks", "ks_score", "brier")
        },
        "calibration": _rows(report.get("calibration")),
        "factors": factors,
        "psi": None
        if psi is None
        else {
            "psi": _number(psi.get("psi")),
            "reading": reading,
            "reading_label": str(presenters.PSI_READINGS.get(reading, reading)),
            "rows": _rows(psi.get("rows")),
        },
        "notes": [str(note) for note in report.get("notes") or []],
    }


@router.get(
    "/scorecards/{int:version_id}/validation-report",
    response={200: ValidationReportOut, **READ_ERRORS},
    summary="A scorecard version's validation report: AUC, Gini, KS, calibration, IV, PSI",
)
def scorecard_validation_report(request: HttpRequest, version_id: int):
    require_perm(request, VIEW_SCORECARD)
    version = ScorecardVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound(_("No such scorecard version."))
    report = version.validation_report
    if not isinstance(report, dict):
        raise NotFound(_("This scorecard version has no validation report."))
    return _validation_report_out(version, report)


# --- back-testing -----------------------------------------------------------------------------


def _validate(errors: dict[str, list[str]], field: str, value: Any, *validators: Any) -> None:
    """Run Django's validators (their messages are translated) and collect the messages."""
    if value is None:
        return
    for validator in validators:
        try:
            validator(value)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)


def _backtest_arguments(
    params: BacktestParams,
) -> tuple[dt.date, DefaultDefinition, dt.date | None]:
    """The window start, the default definition and the migration end of the request, checked
    like the web page's form; ValidationError with the fields at fault (nothing computed)."""
    errors: dict[str, list[str]] = {}
    _validate(
        errors, "months", params.months,
        MinValueValidator(1), MaxValueValidator(BACKTEST_MAX_MONTHS),
    )
    if params.default_days is not None and params.default_days not in DAYS_CHOICES:
        errors["default_days"] = [
            gettext("Choose one of %(choices)s days.")
            % {"choices": ", ".join(str(days) for days in DAYS_CHOICES)}
        ]
    _validate(
        errors, "min_amount", params.min_amount,
        MinValueValidator(0), DecimalValidator(max_digits=18, decimal_places=2),
    )
    _validate(
        errors, "min_percent", params.min_percent,
        MinValueValidator(0), MaxValueValidator(100),
        DecimalValidator(max_digits=6, decimal_places=3),
    )
    if errors:
        raise ValidationError(errors)
    try:
        definition = definition_with(
            days=params.default_days, months=params.months, min_amount=params.min_amount,
            min_percent=params.min_percent,
        )
    except DefinitionError as error:
        raise ValidationError({NON_FIELD_KEY: [str(error)]}) from None
    start = params.start or add_months(timezone.localdate(), -definition.months)
    if params.end is not None and params.end < start:
        raise ValidationError({"end": [gettext("The end must not be before the start.")]})
    return start, definition, params.end


@router.get(
    "/rating/backtest",
    response={200: BacktestOut, **CHECKED_READ_ERRORS},
    summary="Back-testing over the portfolio: default rate by grade, migration matrix, "
    "limit effectiveness",
)
def backtest_report(request: HttpRequest, params: Query[BacktestParams]):
    # The report covers every customer: the ratings and the visibility of all customers.
    require_perm(request, VIEW_RATING, VIEW_ALL_CUSTOMERS)
    start, definition, end = _backtest_arguments(params)
    reports = backtest.backtest_reports(start=start, definition=definition, end=end)
    rates, migration, limits = reports.rates, reports.migration, reports.limits
    access_log_write(
        user=acting_user(request), customer_id=None, resource="rating.backtest",
        detail=reports.access_detail(),
    )
    return {
        "definition": {**definition.to_dict(), "text": definition.describe()},
        "window_open": rates.window_end > timezone.localdate(),
        "default_rates": rates.to_dict(),
        "migration": migration.to_dict(),
        "limits": limits.to_dict(),
    }


# --- credit reviews ---------------------------------------------------------------------------


def _review_out(review: CreditReview) -> dict[str, Any]:
    customer = review.customer
    return {
        "id": review.pk,
        "customer": customer.pk,
        "customer_code": customer.code,
        "customer_name": customer.display_name,
        "account_manager": user_ref(customer.account_manager),
        "due_on": review.due_on,
        "overdue": review.overdue,  # type: ignore[attr-defined]  # annotated by the selector
        "grade": _grade_out(review.grade) if review.grade else None,
        "rating": review.rating_id,
    }


@router.get(
    "/rating/reviews",
    response={200: ReviewPage, **READ_ERRORS},
    summary="Open credit reviews of the visible customers, earliest due first; overdue flagged",
)
def review_worklist(request: HttpRequest, filters: Query[ReviewFilters]):
    require_perm(request, VIEW_RATING)
    user = acting_user(request)
    count, reviews = paginate(
        selectors.review_worklist(user, overdue_only=filters.overdue), filters
    )
    return {
        "count": count,
        "overdue_count": selectors.review_worklist(user, overdue_only=True).count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_review_out(review) for review in reviews],
    }


# --- notifications ----------------------------------------------------------------------------


def _notification_out(notification: Notification) -> dict[str, Any]:
    customer = notification.customer
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "message": notification.message,
        "params": notification.params or {},
        "customer": notification.customer_id,
        "customer_name": "" if customer is None else customer.display_name,
        "rating": notification.rating_id,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@router.get(
    "/rating/notifications",
    response={200: NotificationPage, **READ_ERRORS},
    summary="Your own notifications (rating changes), newest first",
)
def notifications(request: HttpRequest, filters: Query[NotificationFilters]):
    require_perm(request, VIEW_NOTIFICATION)
    user = acting_user(request)
    count, found = paginate(selectors.notifications_for(user, unread_only=filters.unread), filters)
    return {
        "count": count,
        "unread_count": selectors.notifications_for(user, unread_only=True).count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_notification_out(notification) for notification in found],
    }


@router.post(
    "/rating/notifications/{int:notification_id}/read",
    response={200: NotificationOut, **WRITE_ERRORS},
    summary="Mark one of your notifications read (another user's is not found)",
)
def notification_read(request: HttpRequest, notification_id: int):
    require_perm(request, VIEW_NOTIFICATION)
    user = acting_user(request)
    notification = selectors.notifications_for(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    return _notification_out(services.notification_mark_read(notification=notification, user=user))


@router.post(
    "/rating/notifications/read-all",
    response={200: NotificationsReadOut, **WRITE_ERRORS},
    summary="Mark all your unread notifications read",
)
def notifications_read_all(request: HttpRequest):
    require_perm(request, VIEW_NOTIFICATION)
    user = acting_user(request)
    unread = list(selectors.notifications_for(user, unread_only=True))
    for notification in unread:
        services.notification_mark_read(notification=notification, user=user)
    return {
        "marked": len(unread),
        "unread_count": selectors.notifications_for(user, unread_only=True).count(),
    }
