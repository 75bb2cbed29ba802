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
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credo.core import rawsql
from credo.core.permissions import (
    APPROVE_RATING_OVERRIDE,
    PROPOSE_RATING_OVERRIDE,
    RECORD_CREDIT_EVENT,
)
from credo.core.services import business_event_emit, model_create, model_update
from credo.customers.models import Customer
from credo.rating.engine.features import FeatureSet
from credo.rating.engine.grades import (
    DEFAULT_REVIEW_POLICY,
    TEN_GRADES,
    GradeError,
    GradeScale,
    ReviewPolicy,
    next_review_interval,
)
from credo.rating.engine.scorecard import Scorecard, ScorecardError, ScoreResult
from credo.receivables.metrics import add_months

from . import selectors
from .choices import (
    OVERDUE_JOB,
    OVERDUE_THRESHOLDS,
    CreditEventKind,
    NotificationKind,
    OverrideStatus,
    RatingTrigger,
    ReviewStatus,
    ScorecardStatus,
)
from .messages import (
    batch_change_line,
    batch_changes_subject,
    grade_changed_subject,
    message_json,
    notification_message,
)
from .models import (
    CreditEvent,
    CreditEventMark,
    CreditReview,
    Notification,
    Rating,
    RatingJobRun,
    RatingOverride,
    ScorecardVersion,
)

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
            # Structured (code + params), re-rendered in the reader's language.
            "source_message": message_json(feature.source_message),
            "note_message": message_json(feature.note_message),
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
    _review_schedule(customer=customer, rating=rating)
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
    params = _grade_change_params(rating)
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


# A digest e-mail lists at most this many changes; the rest are on the Rating pages.
DIGEST_LINES = 50


def batch_changes_notify(*, run_id: str, as_of: dt.date, since: dt.datetime) -> int:
    """After a batch run: the grade changes it made, as digests rather than one message per
    change (a portfolio re-rating would flood the analysts otherwise).

    Each account manager gets the usual per-customer notification for their own customers;
    each recipient (account managers and credit analysts) gets one in-app digest and one
    e-mail listing their changes (up to ``DIGEST_LINES``). Returns the number of changes.
    """
    changed = list(
        Rating.objects.filter(trigger=RatingTrigger.BATCH, is_current=True, rated_at__gte=since)
        .exclude(previous_grade="")
        .exclude(previous_grade=F("grade"))
        .select_related("customer__account_manager")
        .order_by("customer__code")
    )
    if not changed:
        return 0
    scale_order = {grade: i for i, grade in enumerate(TEN_GRADES)}  # best first

    def moved_up(rating: Rating) -> bool:
        return scale_order.get(rating.grade, 99) < scale_order.get(rating.previous_grade, 99)

    analysts = list(
        get_user_model().objects.filter(groups__name=ANALYST_ROLE, is_active=True).distinct()
    )
    per_user: dict[int, tuple[Any, list[Rating]]] = {}
    for rating in changed:
        owner = rating.customer.account_manager
        for user in ([owner] if owner is not None and owner.is_active else []) + analysts:
            per_user.setdefault(user.pk, (user, []))[1].append(rating)
    with transaction.atomic():
        Notification.objects.bulk_create(
            Notification(
                user=rating.customer.account_manager, customer=rating.customer,
                kind=NotificationKind.GRADE_CHANGED, rating=rating,
                params=_grade_change_params(rating),
            )
            for rating in changed
            if rating.customer.account_manager is not None
            and rating.customer.account_manager.is_active
        )
        for user, ratings in per_user.values():
            up = sum(1 for r in ratings if moved_up(r))
            Notification.objects.create(
                user=user, kind=NotificationKind.BATCH_CHANGES,
                params={"run": run_id, "as_of": as_of.isoformat(), "count": len(ratings),
                        "up": up, "down": len(ratings) - up},
            )
    for user, ratings in per_user.values():
        if not user.email:
            continue
        up = sum(1 for r in ratings if moved_up(r))
        params = {"run": run_id, "as_of": as_of.isoformat(), "count": len(ratings), "up": up,
                  "down": len(ratings) - up}
        with translation.override(settings.LANGUAGE_CODE):
            subject = batch_changes_subject(params)
            lines = [notification_message(NotificationKind.BATCH_CHANGES, params), ""]
            lines += [batch_change_line(_grade_change_params(r)) for r in ratings[:DIGEST_LINES]]
            if len(ratings) > DIGEST_LINES:
                lines.append("…")
        try:
            send_mail(subject, "\n".join(lines), None, [user.email])
        except Exception:  # one failing address must not stop the others
            logger.exception("Batch digest e-mail to %s failed", user.email)
    return len(changed)


def _grade_change_params(rating: Rating) -> dict[str, Any]:
    customer = rating.customer
    return {
        "customer": customer.display_name,
        "customer_code": customer.code,
        "grade": rating.grade,
        "previous_grade": rating.previous_grade,
        "score": str(rating.score),
        "trigger": rating.trigger,
    }


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


# --- periodic reviews -------------------------------------------------------------------------


def review_policy() -> ReviewPolicy:
    """Months to the next review per grade: ``settings.CREDO_RATING_REVIEW_POLICY`` (the
    engine's ``ReviewPolicy`` dict, e.g. ``{"months": {"AAA": 12, ...}}``) or the default."""
    configured = getattr(settings, "CREDO_RATING_REVIEW_POLICY", None)
    return ReviewPolicy.from_dict(configured) if configured else DEFAULT_REVIEW_POLICY


def review_due_on(*, grade: str, rated_on: dt.date, policy: ReviewPolicy | None = None) -> dt.date:
    """The day the review after a rating of ``grade`` as of ``rated_on`` falls due.

    A grade outside the ten standard grades (a custom scale) gets the shortest interval.
    """
    policy = policy or review_policy()
    try:
        months = next_review_interval(grade, policy)
    except GradeError:
        months = min(policy.months.values())
    return add_months(rated_on, months)


def _review_schedule(*, customer: Customer, rating: Rating) -> CreditReview:
    """Set the customer's open review due from ``rating``'s grade: move the open one, or
    schedule one when none is open."""
    due_on = review_due_on(grade=rating.grade, rated_on=rating.as_of)
    review = (
        CreditReview.objects.select_for_update()
        .filter(customer=customer, status=ReviewStatus.SCHEDULED)
        .first()
    )
    previous_due = None if review is None else review.due_on
    data = {"due_on": due_on, "grade": rating.grade, "rating": rating}
    if review is None:
        review = model_create(
            model=CreditReview,
            data={**data, "customer": customer, "status": ReviewStatus.SCHEDULED},
            customer_id_attr="customer_id",
        )
    else:
        model_update(instance=review, data=data, customer_id_attr="customer_id")
    if previous_due != due_on:
        business_event_emit(
            name="rating.review.scheduled",
            customer_id=customer.pk,
            payload={"review_id": review.pk, "due_on": due_on, "previous_due_on": previous_due,
                     "grade": rating.grade, "rating_id": rating.pk},
        )
    return review


@transaction.atomic
def review_schedule(*, customer: Customer, rating: Rating) -> CreditReview:
    """Schedule (or move) the customer's open review from ``rating``'s grade.

    Every rating written by ``customer_rate`` and an approved override already does this; a
    batch that writes ratings by other means calls it for each rating it makes current.
    """
    if rating.customer_id != customer.pk:
        raise ValidationError({"rating": [_("The rating belongs to another customer.")]})
    return _review_schedule(customer=customer, rating=rating)


def _lock_open_review(review: CreditReview, user, message: str) -> CreditReview:
    _require(user, RATE_CUSTOMER, message)
    _require_customer(user, review.customer)
    review = CreditReview.objects.select_for_update().select_related("customer").get(pk=review.pk)
    if review.status != ReviewStatus.SCHEDULED:
        raise ValidationError({"status": [_("This review is no longer open.")]})
    return review


@transaction.atomic
def review_complete(*, review: CreditReview, user, note: str) -> CreditReview:
    """Complete an open review with its outcome: the customer is re-rated (trigger "review"),
    and that rating schedules the next review from the new grade."""
    review = _lock_open_review(review, user, gettext("You may not complete credit reviews."))
    if not (note or "").strip():
        raise ValidationError({"note": [_("Give the outcome of the review.")]})
    model_update(
        instance=review,
        data={"status": ReviewStatus.DONE, "completed_on": _today(), "completed_by": user,
              "note": note.strip()},
        customer_id_attr="customer_id",
    )
    # Done first: the new rating then schedules a new review instead of moving this one.
    rating = customer_rate(customer=review.customer, trigger=RatingTrigger.REVIEW, user=user)
    model_update(
        instance=review, data={"completion_rating": rating}, customer_id_attr="customer_id"
    )
    business_event_emit(
        name="rating.review.completed",
        customer_id=review.customer_id,
        payload={"review_id": review.pk, "rating_id": rating.pk, "grade": rating.grade,
                 "previous_grade": rating.previous_grade or None, "due_on": review.due_on},
    )
    return review


@transaction.atomic
def review_cancel(*, review: CreditReview, user, note: str) -> CreditReview:
    """Cancel an open review, with the reason (e.g. the relationship ended); the next rating
    schedules a new one."""
    review = _lock_open_review(review, user, gettext("You may not cancel credit reviews."))
    if not (note or "").strip():
        raise ValidationError({"note": [_("Give the reason for the cancellation.")]})
    model_update(
        instance=review,
        data={"status": ReviewStatus.CANCELLED, "completed_on": _today(), "completed_by": user,
              "note": note.strip()},
        customer_id_attr="customer_id",
    )
    business_event_emit(
        name="rating.review.cancelled",
        customer_id=review.customer_id,
        payload={"review_id": review.pk, "due_on": review.due_on},
    )
    return review


# --- credit events from where they happen -------------------------------------------------------
#
# The sources below run after the commit of the write that makes the fact known (a credit-file
# record, a list entry, a credit check) or as a daily job (overdue crossings). Each records a
# credit event as the system (``recorded_by`` None), which re-rates the customer after its own
# commit. A ``CreditEventMark`` per fact makes every source idempotent: a replayed hook, an edit
# of the record or a second run of the job never emits a second event for the same fact.

# Public records that are credit events (the customer as defendant for lawsuits), by kind.
PUBLIC_RECORD_EVENTS = {
    "lawsuit": CreditEventKind.LAWSUIT,
    "enforcement": CreditEventKind.ENFORCEMENT,
    "dishonest_debtor": CreditEventKind.DISHONEST_DEBTOR,
}
# A record already closed when it is entered (history) is no new event.
PUBLIC_RECORD_INACTIVE = frozenset({"closed", "settled", "withdrawn", "lifted", "expired"})
HUNDRED_PERCENT = Decimal("100")


def _mark_claim(*, customer_id: int, kind: str, key: str) -> CreditEventMark | None:
    """Claim the fact ``(customer, kind, key)``; None when it was claimed before."""
    if CreditEventMark.objects.filter(customer_id=customer_id, kind=kind, key=key).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: a concurrent claim must not break the caller
            return CreditEventMark.objects.create(customer_id=customer_id, kind=kind, key=key)
    except IntegrityError:
        return None


def _source_event(
    *,
    customer_id: int,
    kind: str,
    key: str,
    occurred_on: dt.date,
    detail: dict[str, Any],
    extra_keys: tuple[str, ...] = (),
) -> CreditEvent | None:
    """Record the system's credit event for a fact unless it was recorded before.

    ``extra_keys`` are further facts settled by the same event (lower overdue thresholds).
    """
    with transaction.atomic():
        mark = _mark_claim(customer_id=customer_id, kind=kind, key=key)
        if mark is None:
            return None
        customer = Customer.objects.get(pk=customer_id)
        event = credit_event_record(
            customer=customer, kind=kind, occurred_on=min(occurred_on, _today()),
            detail={key_: _json_safe(value) for key_, value in detail.items()}, user=None,
        )
        CreditEventMark.objects.filter(pk=mark.pk).update(event=event)
        for extra in extra_keys:
            claimed = _mark_claim(customer_id=customer_id, kind=kind, key=extra)
            if claimed is not None:
                CreditEventMark.objects.filter(pk=claimed.pk).update(event=event)
        return event


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _public_record_qualifies(record: Any) -> bool:
    if record.kind not in PUBLIC_RECORD_EVENTS or record.status in PUBLIC_RECORD_INACTIVE:
        return False
    return record.kind != "lawsuit" or record.role == "defendant"


def credit_file_event_state(record: Any) -> dict[str, Any]:
    """What a credit-file record's event source compares after an edit, read before it:
    whether a public record was an event, a bank relation's overdue figures."""
    from credo.creditfile.models import BankRelation, PublicRecord

    if isinstance(record, PublicRecord):
        return {"qualifies": _public_record_qualifies(record)}
    if isinstance(record, BankRelation):
        return {"overdue_count": record.overdue_count, "overdue_amount": record.overdue_amount}
    return {}


def credit_file_record_saved(
    *, record_type: str, record_id: int, created: bool, before: dict[str, Any] | None = None
) -> CreditEvent | None:
    """After commit of a credit-file write: the credit event the record makes, if any.

    * a public record (lawsuit with the customer as defendant, enforcement, dishonest-debtor
      listing) that is not closed: when created, or when an edit makes it one (``before``);
    * a new financial statement (created only: editing a statement is no new statement);
    * a bank relation whose overdue count or amount went up: against ``before`` for an edit,
      against the same bank's previous report (or none) for a new record.
    """
    from credo.creditfile.models import BankRelation, FinancialStatement, PublicRecord

    if record_type == "public-records":
        record = PublicRecord.objects.filter(pk=record_id).first()
        if record is None or not _public_record_qualifies(record):
            return None
        if not created and (before or {}).get("qualifies"):
            return None
        return _source_event(
            customer_id=record.customer_id,
            kind=PUBLIC_RECORD_EVENTS[record.kind],
            key=f"public_record:{record.pk}",
            occurred_on=record.event_date or record.as_of,
            detail={"source": "public_record", "record_type": record_type,
                    "record_id": record.pk, "title": record.title,
                    "case_number": record.case_number, "role": record.role,
                    "amount": record.amount, "currency": record.currency,
                    "status": record.status, "event_date": record.event_date},
        )
    if record_type == "financial-statements":
        statement = FinancialStatement.objects.filter(pk=record_id).first()
        if statement is None or not created:
            return None
        return _source_event(
            customer_id=statement.customer_id,
            kind=CreditEventKind.FINANCIAL_STATEMENT,
            key=f"financial_statement:{statement.pk}",
            occurred_on=statement.as_of,
            detail={"source": "financial_statement", "record_type": record_type,
                    "record_id": statement.pk, "period_type": statement.period_type,
                    "period_end": statement.period_end, "audited": statement.audited},
        )
    if record_type == "bank-relations":
        relation = BankRelation.objects.filter(pk=record_id).first()
        if relation is None:
            return None
        if created or before is None:
            earlier = (
                BankRelation.objects.filter(
                    customer_id=relation.customer_id, bank=relation.bank,
                    branch=relation.branch, as_of__lt=relation.as_of,
                )
                .order_by("-as_of", "-pk")
                .first()
            )
            before = credit_file_event_state(earlier) if earlier is not None else {}
        count_before = before.get("overdue_count") or 0
        amount_before = before.get("overdue_amount") or Decimal("0")
        if relation.overdue_count <= count_before and relation.overdue_amount <= amount_before:
            return None
        return _source_event(
            customer_id=relation.customer_id,
            kind=CreditEventKind.BANK_OVERDUE,
            key=f"bank_relation:{relation.pk}:{relation.overdue_count}:"
                f"{relation.overdue_amount}",
            occurred_on=relation.as_of,
            detail={"source": "bank_relation", "record_type": record_type,
                    "record_id": relation.pk, "bank": relation.bank,
                    "branch": relation.branch, "overdue_count": relation.overdue_count,
                    "overdue_amount": relation.overdue_amount, "currency": relation.currency,
                    "previous_overdue_count": count_before,
                    "previous_overdue_amount": amount_before},
        )
    return None


def list_entry_added(entry_id: int) -> CreditEvent | None:
    """After commit of a list entry: putting a customer on the blacklist is a credit event."""
    from credo.decisions.choices import ListKind
    from credo.decisions.models import ListEntry

    entry = ListEntry.objects.filter(pk=entry_id).first()
    if entry is None or entry.list_kind != ListKind.BLACKLIST:
        return None
    return _source_event(
        customer_id=entry.customer_id,
        kind=CreditEventKind.BLACKLISTED,
        key=f"list_entry:{entry.pk}",
        occurred_on=entry.since,
        detail={"source": "list_entry", "entry_id": entry.pk, "list": entry.list_kind,
                "reason": entry.reason, "since": entry.since, "until": entry.until},
    )


def _utilisation(check: Any) -> Decimal | None:
    raw = (check.figures or {}).get("utilisation_percent")
    return None if raw in (None, "") else Decimal(str(raw))


def credit_check_limit_breach(check_id: int) -> CreditEvent | None:
    """After commit of a real credit check: a utilisation above 100 % of the limit is a credit
    event, once per breach: checks that follow a breaching check on the same limit (the
    customer still over it) add none; the next one after a check within the limit does."""
    from credo.decisions.models import CreditCheck

    check = CreditCheck.objects.filter(pk=check_id, what_if=False).first()
    if check is None:
        return None
    utilisation = _utilisation(check)
    limit_id = (check.figures or {}).get("limit_id")
    if utilisation is None or utilisation <= HUNDRED_PERCENT:
        return None
    previous = (
        CreditCheck.objects.filter(customer_id=check.customer_id, what_if=False, pk__lt=check.pk)
        .order_by("-pk")
        .first()
    )
    if previous is not None:
        previous_utilisation = _utilisation(previous)
        same_limit = (previous.figures or {}).get("limit_id") == limit_id
        if same_limit and previous_utilisation is not None and (
            previous_utilisation > HUNDRED_PERCENT
        ):
            return None  # the same breach goes on
    return _source_event(
        customer_id=check.customer_id,
        kind=CreditEventKind.LIMIT_BREACH,
        key=f"limit:{limit_id}:after:{0 if previous is None else previous.pk}",
        occurred_on=timezone.localdate(check.created_at),
        detail={"source": "credit_check", "check_id": check.pk, "order_id": check.order_id,
                "limit_id": limit_id, "utilisation_percent": str(utilisation),
                "amount_company": check.amount_company, "outcome": check.outcome},
    )


@dataclasses.dataclass(frozen=True)
class OverdueDetection:
    """One run of the overdue detection: the day, the crossings looked for (after ``since``,
    up to ``day``) and the events recorded."""

    day: dt.date
    since: dt.date
    candidates: int
    event_ids: tuple[int, ...]


def overdue_events_detect(*, today: dt.date | None = None) -> OverdueDetection:
    """Daily job: credit events for customers whose oldest open item crossed 30, 60 or 90 days
    past due since the last run (``overdue_30/60/90``; "more than N days").

    Reads the maintained ``OpenItemDue`` rows (one grouped query). The crossing day of N days
    is the oldest due date + N + 1; the window is (last finished run's day, ``today``] -- the
    day before ``today`` on the first run. When several thresholds were crossed in the window
    (the job did not run for a while) one event names the highest. Idempotent: each crossing
    (customer, oldest due date, threshold) is marked, so a second run emits nothing twice.
    """
    from credo.receivables.models import OpenItemDue

    day = today or _today()
    last = (
        RatingJobRun.objects.filter(job=OVERDUE_JOB, run_on__lt=day, finished_at__isnull=False)
        .order_by("-run_on")
        .first()
    )
    since = last.run_on if last is not None else day - dt.timedelta(days=1)
    lowest, highest = OVERDUE_THRESHOLDS[0][0], OVERDUE_THRESHOLDS[-1][0]
    # Crossing N in (since, day]  <=>  since - N - 1 < oldest <= day - N - 1.
    candidates = list(
        OpenItemDue.objects.filter(amount__gt=0, due_date__lt=day)
        .values("customer_id")
        .annotate(oldest=Min("due_date"), overdue=Sum("amount"))
        .filter(
            oldest__gt=since - dt.timedelta(days=highest + 1),
            oldest__lte=day - dt.timedelta(days=lowest + 1),
        )
        .order_by("customer_id")
    )
    event_ids: list[int] = []
    for row in candidates:
        oldest: dt.date = row["oldest"]
        crossed = [
            (threshold, kind)
            for threshold, kind in OVERDUE_THRESHOLDS
            if since < oldest + dt.timedelta(days=threshold + 1) <= day
        ]
        if not crossed:
            continue
        threshold, kind = crossed[-1]
        try:
            event = _source_event(
                customer_id=row["customer_id"],
                kind=kind,
                key=f"{oldest.isoformat()}:{threshold}",
                occurred_on=oldest + dt.timedelta(days=threshold + 1),
                detail={"source": "open_item_due", "due_date": oldest,
                        "days_past_due": (day - oldest).days, "threshold_days": threshold,
                        "overdue_amount": rawsql.money(row["overdue"]), "as_of": day},
                extra_keys=tuple(f"{oldest.isoformat()}:{lower}" for lower, _k in crossed[:-1]),
            )
        except Exception:  # one customer's failure must not stop the others
            logger.exception("Overdue event for customer %s failed", row["customer_id"])
            continue
        if event is not None:
            event_ids.append(event.pk)
    RatingJobRun.objects.update_or_create(
        job=OVERDUE_JOB, run_on=day,
        defaults={"finished_at": timezone.now(),
                  "summary": {"since": since.isoformat(), "candidates": len(candidates),
                              "events": len(event_ids)}},
    )
    return OverdueDetection(
        day=day, since=since, candidates=len(candidates), event_ids=tuple(event_ids)
    )
