"""Choices of the receivables ledger."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TermsKind(models.TextChoices):
    NET = "net", _("Net N days after the invoice date")
    EOM = "eom", _("End of the invoice month plus N days")
    INSTALMENTS = "instalments", _("Instalments")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTLY_DELIVERED = "partly_delivered", _("Partly delivered")
    INVOICED = "invoiced", _("Invoiced")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class CreditStatus(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not checked")
    APPROVED = "approved", _("Approved")
    WARN = "warn", _("Approved with warning")
    HOLD = "hold", _("On hold")
    BLOCK = "block", _("Blocked")
    RELEASED = "released", _("Released")
    REJECTED = "rejected", _("Rejected")


# Orders in these credit states do not count in the open-orders exposure: they may not ship.
CREDIT_STATUSES_NOT_COUNTED = frozenset(
    {CreditStatus.HOLD, CreditStatus.BLOCK, CreditStatus.REJECTED}
)
# Order states whose undelivered part counts as open orders.
ORDER_STATUSES_OPEN = frozenset({OrderStatus.OPEN, OrderStatus.PARTLY_DELIVERED})


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    WRITTEN_OFF = "written_off", _("Written off")


class SecurityKind(models.TextChoices):
    COLLATERAL = "collateral", _("Collateral")
    GUARANTEE = "guarantee", _("Guarantee")
    CREDIT_INSURANCE = "credit_insurance", _("Credit insurance")
