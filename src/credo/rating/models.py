"""Credit rating records: scorecard versions (the model registry), ratings and their history,
credit events, grade overrides and in-app notifications.

Ratings are never edited: every re-rating writes a new row and marks it the customer's current
one, so the history is the table itself. A rating keeps the feature values it was computed from
(with their dates and sources) and the scorecard version, so it can be explained and reproduced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credo.core.models import TimeStampedModel
from credo.core.querysets import RestrictedQuerySet
from credo.customers.models import Customer, CustomerRelated

from .choices import (
    CreditEventKind,
    NotificationKind,
    OverrideStatus,
    RatingTrigger,
    ReviewStatus,
    ScorecardKind,
    ScorecardStatus,
)


def _user_fk(verbose_name, related_name: str = "+") -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=verbose_name, null=True, blank=True,
        on_delete=models.SET_NULL, related_name=related_name,
    )


def _customer_fk(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name=related_name
    )


class ScorecardVersion(TimeStampedModel):
    """One version of a scorecard (the engine's ``credo.scorecard/1`` JSON) with its grade scale.

    Versions of a key are immutable once written; a change is a new version. At most one version
    per key is active; the active versions are the pool the segment selection picks from.
    """

    key = models.SlugField(_("scorecard key"), max_length=50)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=ScorecardKind.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=ScorecardStatus.choices,
        default=ScorecardStatus.DRAFT,
    )
    segment = models.JSONField(_("segment"), null=True, blank=True)
    definition = models.JSONField(_("definition"))
    grade_scale = models.JSONField(
        _("grade scale"), null=True, blank=True,
        help_text=_("Empty: the default scale for the scorecard's kind."),
    )
    validation_report = models.JSONField(_("validation report"), null=True, blank=True)
    created_by = _user_fk(_("created by"))
    approved_by = _user_fk(_("approved by"))
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("scorecard version")
        verbose_name_plural = _("scorecard versions")
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"], name="uniq_scorecard_key_version",
                violation_error_message=_("This scorecard version already exists."),
            ),
            models.UniqueConstraint(
                fields=["key"], condition=Q(status="active"), name="uniq_active_scorecard_key",
                violation_error_message=_("Another version of this scorecard is active."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class CreditEvent(CustomerRelated):
    """Something that happened to a customer and makes it re-rated at once (动态资信管理).

    ``processed_at`` and ``rating`` are set by the re-rating job after the recording commits.
    """

    customer = _customer_fk("credit_events")
    kind = models.CharField(_("event"), max_length=20, choices=CreditEventKind.choices)
    occurred_on = models.DateField(_("occurred on"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = _user_fk(_("recorded by"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    rating = models.ForeignKey(
        "Rating", verbose_name=_("rating"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("credit event")
        verbose_name_plural = _("credit events")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "occurred_on"]),
            models.Index(fields=["processed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.occurred_on})"


class Rating(CustomerRelated):
    """A customer's rating as of a day: score, grade, PD, reasons and the data behind them.

    Exactly one rating per customer is current (the latest); older ones are its history.
    """

    customer = _customer_fk("ratings")
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)
    as_of = models.DateField(_("as of"))
    score = models.DecimalField(_("score"), max_digits=9, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=4)
    pd = models.DecimalField(
        _("probability of default"), max_digits=7, decimal_places=6, null=True, blank=True
    )
    scorecard = models.ForeignKey(
        ScorecardVersion, verbose_name=_("scorecard"), on_delete=models.PROTECT,
        related_name="ratings",
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    contributions = models.JSONField(_("contributions"), default=list, blank=True)
    features = models.JSONField(_("features"), default=dict, blank=True)
    trigger = models.CharField(_("trigger"), max_length=10, choices=RatingTrigger.choices)
    event = models.ForeignKey(
        CreditEvent, verbose_name=_("credit event"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="ratings",
    )
    override = models.OneToOneField(
        "RatingOverride", verbose_name=_("override"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="resulting_rating",
    )
    previous_grade = models.CharField(_("previous grade"), max_length=4, blank=True)
    is_current = models.BooleanField(_("current"), default=True)
    rated_by = _user_fk(_("rated by"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["customer", "-rated_at", "-id"]
        indexes = [models.Index(fields=["customer", "rated_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_current=True),
                name="uniq_current_rating_per_customer",
                violation_error_message=_("The customer already has a current rating."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.grade} ({self.score})"

    @property
    def grade_changed(self) -> bool:
        return bool(self.previous_grade) and self.previous_grade != self.grade


class RatingOverride(CustomerRelated):
    """An analyst's proposal to replace a rating's grade, with the mandatory reason, and the
    credit manager's decision on it. An approved override writes a new current rating."""

    customer = _customer_fk("rating_overrides")
    rating = models.ForeignKey(
        Rating, verbose_name=_("rating"), on_delete=models.CASCADE, related_name="overrides"
    )
    proposed_grade = models.CharField(_("proposed grade"), max_length=4)
    reason = models.TextField(_("reason"))
    proposed_by = _user_fk(_("proposed by"))
    status = models.CharField(
        _("status"), max_length=8, choices=OverrideStatus.choices,
        default=OverrideStatus.PENDING,
    )
    decided_by = _user_fk(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("rating override")
        verbose_name_plural = _("rating overrides")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("approve_override", _("Can approve or reject rating overrides")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rating"], condition=Q(status="pending"),
                name="uniq_pending_override_per_rating",
                violation_error_message=_("This rating already has a pending override."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating_id}: {self.proposed_grade} ({self.status})"


class Notification(TimeStampedModel):
    """An in-app message to one user (e.g. a customer's grade moved); text built from ``kind``
    and ``params`` in the reader's language (see ``messages``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="rating_notifications",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="rating_notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    params = models.JSONField(_("message parameters"), default=dict, blank=True)
    rating = models.ForeignKey(
        Rating, verbose_name=_("rating"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}"

    @classmethod
    def restrict_filter(cls, user) -> Q | None:
        # Everyone sees only their own notifications.
        return Q(user=user)

    @property
    def message(self) -> str:
        from .messages import notification_message

        return notification_message(self.kind, self.params)


class CreditReview(CustomerRelated):
    """A periodic credit review (信用复核) of a customer, due on a day set by its grade.

    Every rating schedules the next review from the grade (``ReviewPolicy``): at most one review
    per customer is open (scheduled) and a new rating moves its due date. Completing it re-rates
    the customer and schedules the next one. An open review past its due date makes the credit
    check's "review expired" step react.
    """

    customer = _customer_fk("credit_reviews")
    due_on = models.DateField(_("due on"))
    grade = models.CharField(
        _("grade at scheduling"), max_length=4, blank=True,
        help_text=_("The grade that set the due date."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.SCHEDULED
    )
    rating = models.ForeignKey(
        Rating, verbose_name=_("rating"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="scheduled_reviews",
        help_text=_("The rating that set the due date."),
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completed_by = _user_fk(_("completed by"))
    note = models.TextField(_("outcome"), blank=True)
    completion_rating = models.ForeignKey(
        Rating, verbose_name=_("rating at completion"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="completed_reviews",
    )

    class Meta:
        verbose_name = _("credit review")
        verbose_name_plural = _("credit reviews")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(status="scheduled"),
                name="uniq_open_review_per_customer",
                violation_error_message=_("The customer already has an open review."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.due_on} ({self.status})"

    def is_overdue(self, today) -> bool:
        """Whether the review is open and its due date has passed."""
        return self.status == ReviewStatus.SCHEDULED and self.due_on < today


class CreditEventMark(TimeStampedModel):
    """What a credit-event source has already emitted (or last seen), so that it never emits
    two events for the same fact: a public record, a statement, a list entry, a bank relation's
    overdue figures, an overdue crossing, a limit breach.

    ``key`` names the fact within the kind (e.g. ``public_record:12``, ``2025-03-01:30``);
    ``state`` keeps what a source compares against next time (a bank relation's figures).
    """

    customer = _customer_fk("credit_event_marks")
    kind = models.CharField(_("event"), max_length=20, choices=CreditEventKind.choices)
    key = models.CharField(_("key"), max_length=100)
    state = models.JSONField(_("state"), default=dict, blank=True)
    event = models.ForeignKey(
        CreditEvent, verbose_name=_("credit event"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("credit event mark")
        verbose_name_plural = _("credit event marks")
        ordering = ["customer", "kind", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "key"], name="uniq_credit_event_mark",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.key}"


class RatingJobRun(TimeStampedModel):
    """One run of a daily rating job (e.g. the overdue detection) for a day, with its counts.

    The next run looks only at what happened after the last finished run's day.
    """

    job = models.CharField(_("job"), max_length=40)
    run_on = models.DateField(_("run for day"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("rating job run")
        verbose_name_plural = _("rating job runs")
        ordering = ["job", "-run_on"]
        constraints = [
            models.UniqueConstraint(fields=["job", "run_on"], name="uniq_rating_job_run"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.run_on}"
