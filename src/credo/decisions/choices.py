"""Choices of the credit decisions app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ListKind(models.TextChoices):
    BLACKLIST = "blacklist", _("Blacklist")
    WATCH = "watch", _("Watch list")
    PREMIUM = "premium", _("Premium customers")


class CheckOutcome(models.TextChoices):
    APPROVE = "approve", _("Approve")
    WARN = "warn", _("Warn")
    HOLD = "hold", _("Hold")
    BLOCK = "block", _("Block")


class DecisionAction(models.TextChoices):
    RELEASE = "release", _("Release")
    REJECT = "reject", _("Reject")
    RECHECK = "recheck", _("Recheck")
    EXPIRE = "expire", _("Release expired")


DEFAULT_POLICY_KEY = "default"
