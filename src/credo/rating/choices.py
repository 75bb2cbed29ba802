"""Choices of the credit rating app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScorecardKind(models.TextChoices):
    EXPERT = "expert", _("Expert scorecard")
    STATISTICAL = "statistical", _("Statistical scorecard")


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class RatingTrigger(models.TextChoices):
    BATCH = "batch", _("Batch run")
    EVENT = "event", _("Credit event")
    MANUAL = "manual", _("Manual")
    REVIEW = "review", _("Periodic review")
    OVERRIDE = "override", _("Override")


class CreditEventKind(models.TextChoices):
    OVERDUE_30 = "overdue_30", _("Payment more than 30 days overdue")
    OVERDUE_60 = "overdue_60", _("Payment more than 60 days overdue")
    OVERDUE_90 = "overdue_90", _("Payment more than 90 days overdue")
    LAWSUIT = "lawsuit", _("New lawsuit")
    ENFORCEMENT = "enforcement", _("New enforcement")
    DISHONEST_DEBTOR = "dishonest_debtor", _("Listed as dishonest judgment debtor")
    FINANCIAL_STATEMENT = "financial_statement", _("New financial statement")
    BANK_OVERDUE = "bank_overdue", _("Bank loan overdue")
    LIMIT_BREACH = "limit_breach", _("Credit limit breached")
    BLACKLISTED = "blacklisted", _("Blacklisted")
    NEWS = "news", _("News")


class OverrideStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class NotificationKind(models.TextChoices):
    GRADE_CHANGED = "grade_changed", _("Rating grade changed")
    BATCH_CHANGES = "batch_changes", _("Grade changes of a batch run")


class ReviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class OverrideDirection(models.TextChoices):
    UP = "up", _("Upgrade")
    DOWN = "down", _("Downgrade")


# The daily job that turns overdue crossings into credit events (``overdue_events_detect``).
OVERDUE_JOB = "overdue_events"
# Days past due whose crossing is a credit event, with the event kind.
OVERDUE_THRESHOLDS = (
    (30, CreditEventKind.OVERDUE_30),
    (60, CreditEventKind.OVERDUE_60),
    (90, CreditEventKind.OVERDUE_90),
)
