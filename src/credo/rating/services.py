"""Writes of the rating app: scorecard versions, ratings, credit events, overrides.

Every function is keyword-only and atomic, validates, writes the change log (core ``model_*``)
and a typed business event in the same transaction. Side effects run after commit
(``transaction.on_commit``): the re-rating job of a credit event and the grade-change
notifications (in-app rows and e-mails). They run in the same process right after the commit;
``credit_event_process`` is a plain function of the event id so a queue can call it later.

``user=None`` means the system (CLI, batch, jobs): no permission check; the change log still
names the actor bound with ``credo.core.context.acting_as``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credo.core.permissions import (
    APPROVE_RATING_OVERRIDE,
    PROPOSE_RATING_OVERRIDE,
    RECORD_CREDIT_EVENT,
)
from credo.core.services import business_event_emit, model_create, model_update
from credo.customers.models import Customer
from credo.rating.engine.features import FeatureSet
from credo.rating.engine.grades import GradeError, GradeScale
from credo.rating.engine.scorecard import Scorecard, ScorecardError, ScoreResult

from . import selectors
from .choices import (
    CreditEventKind,
    NotificationKind,
    OverrideStatus,
    RatingTrigger,
    ScorecardStatus,
)
from .messages import grade_changed_subject, notification_message
from .models import CreditEvent, Notification, Rating, RatingOverride, ScorecardVersion

logger = logging.getLogger(__name__)

RATE_CUSTOMER = "rating.add_rating"
CREATE_SCORECARD = "rating.add_scorecardversion"
ACTIVATE_SCORECARD = "rating.change_scorecardversion"
# The role whose members hear about every grade change (with the customer's account manager).
ANALYST_ROLE = "credit_analyst"

TOP_REASONS = 5
SCORE_PLACES = Decimal("0.01")
PD_PLACES = Decimal("0.000001")
PD_MAX = Decimal("0.999999")
JSON_PLACES = 6  # floats in the stored explanation are rounded to 6 decimals


def _today() -> dt.date:
    return timezone.localdate()


def _require(user, permission: str, message: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise PermissionDenied(message)


def _require_customer(user, customer: Customer) -> None:
    if user is not None and not Customer.objects.restrict(user).filter(pk=customer.pk).exists():
        raise PermissionDenied(gettext("You may not work on this customer."))


# --- scorecard versions -----------------------------------------------------------------------


def _parse_scorecard(definition: Any) -> Scorecard:
    if not isinstance(definition, dict):
        raise ValidationError({"definition": [_("The scorecard must be a JSON object.")]})
    try:
        return Scorecard.from_dict(definition)
    except ScorecardError as error:
        raise ValidationError(
            {"definition": [_("The scorecard is invalid: %(problem)s") % {"problem": error}]}
        ) from None


def _parse_grade_scale(grade_scale: Any, card: Scorecard) -> GradeScale:
    if grade_scale is None:
        # Stored explicitly, so later changes of the code defaults leave this version alone.
        probe = ScorecardVersion(definition=card.to_dict(), grade_scale=None)
        return selectors.grade_scale_for(probe)
    if not isinstance(grade_scale, dict):
        raise ValidationError({"grade_scale": [_("The grade scale must be a JSON object.")]})
    try:
        return GradeScale.from_dict(grade_scale)
    except GradeError as error:
        raise ValidationError(
            {"grade_scale": [_("The grade scale is invalid: %(problem)s") % {"problem": error}]}
        ) from None


@transaction.atomic
def scorecard_version_create(
    *,
    definition: dict[str, Any],
    user,
    notes: str = "",
    grade_scale: dict[str, Any] | None = None,
    validation_report: dict[str, Any] | None = None,
) -> ScorecardVersion:
    """Register a scorecard version (a draft) from the engine's ``credo.scorecard/1`` dict.

    The definition is validated by the engine and stored normalised; its version must be
    higher than every stored version of its key. Without ``grade_scale`` the default scale for
    the card's kind is stored with it.
    """
    _require(user, CREATE_SCORECARD, gettext("You may not add scorecard versions."))
    card = _parse_scorecard(definition)
    scale = _parse_grade_scale(grade_scale, card)
    existing = list(
        ScorecardVersion.objects.select_for_update()
        .filter(key=card.key)
        .values_list("version", flat=True)
    )
    if existing and card.version <= max(existing):
        raise ValidationError(
            {
                "definition": [
                    _("Version %(version)s of %(key)s is not higher than the latest version "
                      "%(latest)s.")
                    % {"version": card.version, "key": card.key, "latest": max(existing)}
                ]
            }
        )
    normalised = card.to_dict()
    version = model_create(
        model=ScorecardVersion,
        data={
            "key": card.key,
            "version": card.version,
            "name": card.name,
            "kind": card.kind,
            "status": ScorecardStatus.DRAFT,
            "segment": normalised["segment"],
            "definition": normalised,
            "grade_scale": scale.to_dict(),
            "validation_report": validation_report,
            "created_by": user,
            "notes": notes,
        },
        customer_id_attr=None,
    )
    business_event_emit(
        name="rating.scorecard.created",
        customer_id=None,
        payload={"scorecard_id": version.pk, "key": card.key, "version": card.version,
                 "kind": card.kind},
    )
    return version


@transaction.atomic
def scorecard_version_activate(*, version: ScorecardVersion, user) -> ScorecardVersion:
    """Make ``version`` the active one of its key; the previously active version is retired.

    A retired version may be activated again (rolling back a change).
    """
    _require(user, ACTIVATE_SCORECARD, gettext("You may not activate scorecard versions."))
    siblings = list(ScorecardVersion.objects.select_for_update().filter(key=version.key))
    version = next(v for v in siblings if v.pk == version.pk)
    if version.status == ScorecardStatus.ACTIVE:
        raise ValidationError({"status": [_("This scorecard version is already active.")]})
    retired = None
    for sibling in siblings:
        if sibling.status == ScorecardStatus.ACTIVE:
            # Retire first: at most one active version per key (a database constraint).
            model_update(
                instance=sibling, data={"status": ScorecardStatus.RETIRED}, customer_id_attr=None
            )
            retired = sibling
    model_update(
        instance=version,
        data={"status": ScorecardStatus.ACTIVE, "approved_by": user,
              "activated_at": timezone.now()},
        customer_id_attr=None,
    )
    business_event_emit(
        name="rating.scorecard.activated",
        customer_id=None,
        payload={"scorecard_id": version.pk, "key": version.key, "version": version.version,
                 "retired_version": None if retired is None else retired.version},
    )
    return version


# --- ratings ----------------------------------------------------------------------------------


def _rounded(value: Any) -> Any:
    return round(value, JSON_PLACES) if isinstance(value, float) else value


def _contribution_json(contribution) -> dict[str, Any]:
    return {key: _rounded(value) for key, value in dataclasses.asdict(contribution).items()}


def _reasons_json(result: ScoreResult) -> list[dict[str, Any]]:
    return [
        {
            "key": c.key,
            "label": c.label,
            "dimension": c.dimension,
            "value": _rounded(c.value),
            "bin_label": c.bin_label,
            "points": _rounded(c.points),
            "max_points": _rounded(c.max_points),
            "points_lost": _rounded(c.points_lost),
            "missing_reason": c.missing_reason,
        }
        for c in result.top_reasons(TOP_REASONS)
    ]


def _features_json(features: FeatureSet) -> dict[str, Any]:
    return {
        key: {
            "value": _rounded(feature.value),
            "status": feature.status.value,
            "as_of": None if feature.as_of is None else feature.as_of.isoformat(),
            "source": feature.source,
            "note": feature.note,
            "dimension": feature.dimension.value,
        }
        for key, feature in features.features.items()
    }


def _missing_reasons(features: FeatureSet) -> dict[str, str]:
    """Why each missing feature is missing, for the contributions ("zero denominator" ...)."""
    return {
        key: feature.note or feature.status.value.replace("_", " ")
        for key, feature in features.features.items()
        if feature.value is None
    }


def _score(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def _pd(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return min(Decimal(repr(value)).quantize(PD_PLACES, rounding=ROUND_HALF_UP), PD_MAX)


def _lock_current(customer: Customer) -> Rating | None:
    # Locking the customer row serialises ratings of one customer (two first ratings too).
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    return Rating.objects.select_for_update().filter(customer=customer, is_current=True).first()


def _rating_write(*, customer: Customer, previous: Rating | None, data: dict[str, Any]) -> Rating:
    """Write a new current rating: the previous one stops being current; event; notification
    after commit when the grade moved."""
    if previous is not None:
        model_update(instance=previous, data={"is_current": False}, customer_id_attr="customer_id")
    rating = model_create(
        model=Rating,
        data={
            **data,
            "customer": customer,
            "previous_grade": "" if previous is None else previous.grade,
            "is_current": True,
        },
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name="rating.customer.rated",
        customer_id=customer.pk,
        payload={
            "rating_id": rating.pk,
            "grade": rating.grade,
            "previous_grade": rating.previous_grade or None,
            "score": rating.score,
            "trigger": rating.trigger,
            "scorecard": str(rating.scorecard),
        },
    )
    if rating.grade_changed:
        transaction.on_commit(functools.partial(rating_change_notify, rating.pk), robust=True)
    return rating


@transaction.atomic
def customer_rate(
    *,
    customer: Customer,
    trigger: str,
    event: CreditEvent | None = None,
    as_of: dt.date | None = None,
    user=None,
) -> Rating:
    """Rate ``customer`` as of ``as_of`` (default today) and make it the current rating.

    Features from the credit file and the ledger -> the active scorecard of the customer's
    segment -> score -> grade on the version's grade scale (graded on the score rounded to 2
    decimals, the figure shown) -> PD (statistical card: from its scaling; expert card: the
    grade's PD). Keeps the top reasons, every contribution and the feature values.
    """
    _require(user, RATE_CUSTOMER, gettext("You may not rate customers."))
    _require_customer(user, customer)
    errors: dict[str, list] = {}
    if trigger not in RatingTrigger.values or trigger == RatingTrigger.OVERRIDE:
        errors["trigger"] = [_("%(trigger)s is not a rating trigger.") % {"trigger": trigger}]
    day = as_of or _today()
    if day > _today():
        errors["as_of"] = [_("A rating cannot be as of a future date.")]
    if event is not None and event.customer_id != customer.pk:
        errors["event"] = [_("The credit event belongs to another customer.")]
    if errors:
        raise ValidationError(errors)

    previous = _lock_current(customer)
    features = selectors.customer_features(customer=customer, as_of=day)
    size = features["size_class"].value
    version = selectors.active_scorecard_for(
        customer, size_class=size if isinstance(size, str) else None
    )
    if version is None:
        raise ValidationError({"scorecard": [_("No active scorecard applies to this customer.")]})
    card = selectors.engine_scorecard(version)
    scale = selectors.grade_scale_for(version)
    result = card.score(features.values(), missing_reasons=_missing_reasons(features))
    score = _score(result.score)
    grade = scale.grade_for_score(float(score)).code
    pd = result.pd if result.pd is not None else scale.pd_for_grade(grade)
    return _rating_write(
        customer=customer,
        previous=previous,
        data={
            "as_of": day,
            "score": score,
            "grade": grade,
            "pd": _pd(pd),
            "scorecard": version,
            "reasons": _reasons_json(result),
            "contributions": [_contribution_json(c) for c in result.contributions],
            "features": _features_json(features),
            "trigger": trigger,
            "event": event,
            "rated_by": user,
        },
    )


# --- notifications ----------------------------------------------------------------------------


def _grade_change_recipients(customer: Customer) -> list:
    users = [customer.account_manager]
    users += list(
        get_user_model()
        .objects.filter(groups__name=ANALYST_ROLE, is_active=True)
        .order_by("pk")
        .distinct()
    )
    seen: set[int] = set()
    recipients = []
    for user in users:
        if user.is_active and user.pk not in seen:
            seen.add(user.pk)
            recipients.append(user)
    return recipients


def rating_change_notify(rating_id: int) -> list[Notification]:
    """Tell the customer's account manager and the credit analysts that a grade moved: one
    in-app notification each and an e-mail to those with an address. Runs after commit."""
    rating = Rating.objects.select_related("customer__account_manager").get(pk=rating_id)
    customer = rating.customer
    params = {
        "customer": customer.display_name,
        "customer_code": customer.code,
        "grade": rating.grade,
        "previous_grade": rating.previous_grade,
        "score": str(rating.score),
        "trigger": rating.trigger,
    }
    recipients = _grade_change_recipients(customer)
    with transaction.atomic():
        notifications = [
            Notification.objects.create(
                user=user, customer=customer, kind=NotificationKind.GRADE_CHANGED,
                params=params, rating=rating,
            )
            for user in recipients
        ]
    with translation.override(settings.LANGUAGE_CODE):
        subject = grade_changed_subject(params)
        body = notification_message(NotificationKind.GRADE_CHANGED, params)
    for user in recipients:
        if not user.email:
            continue
        try:
            send_mail(subject, body, None, [user.email])
        except Exception:  # one failing address must not stop the others
            logger.exception("Grade-change e-mail to %s failed", user.email)
    return notifications


@transaction.atomic
def notification_mark_read(*, notification: Notification, user) -> Notification:
    """Mark one of the user's own notifications as read."""
    if notification.user_id != getattr(user, "pk", None):
        raise PermissionDenied(gettext("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


# --- credit events ----------------------------------------------------------------------------


@transaction.atomic
def credit_event_record(
    *,
    customer: Customer,
    kind: str,
    occurred_on: dt.date,
    detail: dict[str, Any] | None = None,
    note: str = "",
    user=None,
) -> CreditEvent:
    """Record a credit event; after commit the customer is re-rated (``credit_event_process``).

    The re-rating reads the credit file and the ledger as they are: the record behind the
    event (the lawsuit, the statement ...) is expected to be in the file already.
    """
    _require(user, RECORD_CREDIT_EVENT, gettext("You may not record credit events."))
    _require_customer(user, customer)
    errors: dict[str, list] = {}
    if kind not in CreditEventKind.values:
        errors["kind"] = [_("%(kind)s is not a kind of credit event.") % {"kind": kind}]
    if not isinstance(occurred_on, dt.date):
        errors["occurred_on"] = [_("Give the date of the event.")]
    elif occurred_on > _today():
        errors["occurred_on"] = [_("The event cannot have occurred in the future.")]
    if detail is not None and not isinstance(detail, dict):
        errors["detail"] = [_("The detail must be a JSON object.")]
    if errors:
        raise ValidationError(errors)
    event = model_create(
        model=CreditEvent,
        data={
            "customer": customer,
            "kind": kind,
            "occurred_on": occurred_on,
            "detail": detail or {},
            "note": note,
            "recorded_by": user,
        },
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name="rating.credit_event.recorded",
        customer_id=customer.pk,
        payload={"event_id": event.pk, "kind": kind, "occurred_on": occurred_on},
    )
    transaction.on_commit(functools.partial(credit_event_process, event.pk), robust=True)
    return event


def credit_event_process(event_id: int) -> Rating | None:
    """Re-rate the event's customer (trigger "event") and mark the event processed.

    Runs after the recording commits, in the same process (a queue could call it instead).
    Idempotent: an event already processed is left alone. On failure (e.g. no active
    scorecard) the event stays unprocessed and ``credit_events_process_pending`` retries it.
    """
    with transaction.atomic():
        event = (
            CreditEvent.objects.select_for_update()
            .select_related("customer")
            .filter(pk=event_id)
            .first()
        )
        if event is None:
            return None
        if event.processed_at is not None:
            return event.rating
        rating = customer_rate(
            customer=event.customer, trigger=RatingTrigger.EVENT, event=event
        )
        model_update(
            instance=event,
            data={"processed_at": timezone.now(), "rating": rating},
            customer_id_attr="customer_id",
        )
        return rating


def credit_events_process_pending() -> int:
    """Process every unprocessed event, oldest first; returns how many were processed."""
    processed = 0
    pending = CreditEvent.objects.filter(processed_at__isnull=True).order_by("created_at", "pk")
    for event_id in pending.values_list("pk", flat=True):
        try:
            if credit_event_process(event_id) is not None:
                processed += 1
        except Exception:
            logger.exception("Re-rating for credit event %s failed", event_id)
    return processed


# --- overrides --------------------------------------------------------------------------------


@transaction.atomic
def rating_override_propose(
    *, rating: Rating, grade: str, reason: str, user
) -> RatingOverride:
    """Propose another grade for the customer's current rating, with the mandatory reason."""
    _require(user, PROPOSE_RATING_OVERRIDE, gettext("You may not propose rating overrides."))
    _require_customer(user, rating.customer)
    rating = Rating.objects.select_for_update().select_related("scorecard").get(pk=rating.pk)
    scale = selectors.grade_scale_for(rating.scorecard)
    errors: dict[str, list] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the override.")]
    if not rating.is_current:
        errors["rating"] = [_("Only the customer's current rating can be overridden.")]
    elif RatingOverride.objects.filter(rating=rating, status=OverrideStatus.PENDING).exists():
        errors["rating"] = [_("This rating already has a pending override.")]
    if grade not in scale.codes:
        errors["proposed_grade"] = [
            _("%(grade)s is not a grade of the scale (%(grades)s).")
            % {"grade": grade, "grades": ", ".join(scale.codes)}
        ]
    elif grade == rating.grade:
        errors["proposed_grade"] = [_("The proposed grade is the rating's grade.")]
    if errors:
        raise ValidationError(errors)
    override = model_create(
        model=RatingOverride,
        data={
            "customer": rating.customer,
            "rating": rating,
            "proposed_grade": grade,
            "reason": reason.strip(),
            "proposed_by": user,
            "status": OverrideStatus.PENDING,
        },
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name="rating.override.proposed",
        customer_id=rating.customer_id,
        payload={"override_id": override.pk, "rating_id": rating.pk, "grade": rating.grade,
                 "proposed_grade": grade},
    )
    return override


def _lock_pending_override(override: RatingOverride, user) -> RatingOverride:
    if user is None or not user.has_perm(APPROVE_RATING_OVERRIDE):
        raise PermissionDenied(gettext("You may not decide on rating overrides."))
    _require_customer(user, override.customer)
    override = (
        RatingOverride.objects.select_for_update()
        .select_related("rating__scorecard", "customer")
        .get(pk=override.pk)
    )
    if override.proposed_by_id is not None and override.proposed_by_id == user.pk:
        raise PermissionDenied(gettext("You cannot decide on your own override."))
    if override.status != OverrideStatus.PENDING:
        raise ValidationError({"status": [_("This override has already been decided.")]})
    return override


@transaction.atomic
def rating_override_approve(*, override: RatingOverride, user, note: str = "") -> Rating:
    """Approve a pending override: a new current rating with the overridden grade and that
    grade's PD, the same score, features and explanation, linked to the override."""
    override = _lock_pending_override(override, user)
    previous = _lock_current(override.customer)
    rating = override.rating
    if previous is None or previous.pk != rating.pk:
        raise ValidationError(
            {"rating": [_("The rating has been replaced by a newer one: propose the override "
                          "again on the current rating.")]}
        )
    scale = selectors.grade_scale_for(rating.scorecard)
    model_update(
        instance=override,
        data={"status": OverrideStatus.APPROVED, "decided_by": user,
              "decided_at": timezone.now(), "decision_note": note},
        customer_id_attr="customer_id",
    )
    new_rating = _rating_write(
        customer=override.customer,
        previous=previous,
        data={
            "as_of": rating.as_of,
            "score": rating.score,
            "grade": override.proposed_grade,
            "pd": _pd(scale.pd_for_grade(override.proposed_grade)),
            "scorecard": rating.scorecard,
            "reasons": rating.reasons,
            "contributions": rating.contributions,
            "features": rating.features,
            "trigger": RatingTrigger.OVERRIDE,
            "override": override,
            "rated_by": user,
        },
    )
    business_event_emit(
        name="rating.override.approved",
        customer_id=override.customer_id,
        payload={"override_id": override.pk, "rating_id": new_rating.pk,
                 "grade": new_rating.grade, "model_grade": rating.grade},
    )
    return new_rating


@transaction.atomic
def rating_override_reject(*, override: RatingOverride, user, note: str) -> RatingOverride:
    """Reject a pending override, with the reason; the rating stays as it is."""
    override = _lock_pending_override(override, user)
    if not (note or "").strip():
        raise ValidationError({"decision_note": [_("Give the reason for the rejection.")]})
    model_update(
        instance=override,
        data={"status": OverrideStatus.REJECTED, "decided_by": user,
              "decided_at": timezone.now(), "decision_note": note.strip()},
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name="rating.override.rejected",
        customer_id=override.customer_id,
        payload={"override_id": override.pk, "rating_id": override.rating_id,
                 "proposed_grade": override.proposed_grade},
    )
    return override
