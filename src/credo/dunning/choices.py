"""Choices of the collections app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DunningTone(models.TextChoices):
    FRIENDLY = "friendly", _("Friendly reminder")
    FIRM = "firm", _("Firm")
    FINAL = "final", _("Final notice")
    HANDOVER = "handover", _("Hand over")


class LetterStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class LetterLanguage(models.TextChoices):
    CHINESE = "zh-hans", _("Chinese")
    ENGLISH = "en", _("English")


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
