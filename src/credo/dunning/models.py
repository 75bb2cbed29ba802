"""Collections: dunning levels and letters, promises to pay and who collects from whom.

Amounts are in the company currency (``settings.CREDO_COMPANY_CURRENCY``) unless a field says
otherwise.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.translation import gettext_lazy as _

from credo.core.models import TimeStampedModel
from credo.customers.models import Contact, Customer, CustomerRelated

from .choices import DunningTone, LetterLanguage, LetterStatus, PromiseStatus

MONEY = {"max_digits": 20, "decimal_places": 2}
ZERO = Decimal("0")


def _user_fk(verbose_name, related_name: str = "+") -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=verbose_name, null=True, blank=True,
        on_delete=models.SET_NULL, related_name=related_name,
    )


class DunningLevel(TimeStampedModel):
    """One step of the dunning ladder: when it is reached, what it charges, which letter it sends.

    A customer reaches a level when its oldest overdue item is at least ``min_days_overdue``
    days overdue and its overdue total is at least ``min_amount``. Interest is simple interest
    at ``annual_interest_rate`` percent a year, actual/365, on each overdue item from its due
    date; ``fee`` is charged once per letter.
    """

    level = models.PositiveSmallIntegerField(_("level"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    min_days_overdue = models.PositiveIntegerField(_("minimum days overdue"))
    min_amount = models.DecimalField(_("minimum overdue amount"), **MONEY, default=ZERO)
    fee = models.DecimalField(_("fee"), **MONEY, default=ZERO)
    annual_interest_rate = models.DecimalField(
        _("annual interest rate (%)"), max_digits=7, decimal_places=4, default=ZERO
    )
    template_zh = models.CharField(_("Chinese letter template"), max_length=200)
    template_en = models.CharField(_("English letter template"), max_length=200)
    tone = models.CharField(_("tone"), max_length=10, choices=DunningTone.choices)

    class Meta:
        verbose_name = _("dunning level")
        verbose_name_plural = _("dunning levels")
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.level} {self.name}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.level is not None and self.level < 1:
            errors["level"] = [_("Levels start at 1.")]
        for name in ("min_amount", "fee", "annual_interest_rate"):
            value = getattr(self, name)
            if value is not None and value < ZERO:
                errors[name] = [_("This cannot be negative.")]
        for name in ("template_zh", "template_en"):
            template_name = getattr(self, name)
            if not template_name:
                continue
            try:
                get_template(template_name)
            except TemplateDoesNotExist:
                errors[name] = [
                    _("There is no template %(name)s.") % {"name": template_name}
                ]
        if errors:
            raise ValidationError(errors)


class DunningLetter(CustomerRelated):
    """A dunning letter: proposed by a dunning run, reviewed, then sent (or cancelled).

    The figures are frozen when proposed (``items`` lists each overdue item with its interest);
    the HTML is rendered and stored when the letter is sent, so what was sent stays on record.
    """

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT,
        related_name="dunning_letters",
    )
    level = models.ForeignKey(
        DunningLevel, verbose_name=_("dunning level"), on_delete=models.PROTECT,
        related_name="letters",
    )
    as_of = models.DateField(_("as of"))
    status = models.CharField(
        _("status"), max_length=10, choices=LetterStatus.choices, default=LetterStatus.PROPOSED
    )
    language = models.CharField(_("language"), max_length=8, choices=LetterLanguage.choices)
    currency = models.CharField(_("currency"), max_length=3)
    overdue_amount = models.DecimalField(_("overdue amount"), **MONEY)
    interest = models.DecimalField(_("interest"), **MONEY, default=ZERO)
    fee = models.DecimalField(_("fee"), **MONEY, default=ZERO)
    total_due = models.DecimalField(_("total due"), **MONEY)
    days_overdue = models.PositiveIntegerField(_("days overdue (oldest item)"))
    items = models.JSONField(_("overdue items"), default=list)
    proposed_by = _user_fk(_("proposed by"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = _user_fk(_("sent by"))
    rendered_html = models.TextField(_("letter as sent"), blank=True)

    class Meta:
        verbose_name = _("dunning letter")
        verbose_name_plural = _("dunning letters")
        ordering = ["-as_of", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]
        permissions = [("send_dunningletter", _("Can send dunning letters"))]

    def __str__(self) -> str:
        return f"{self.customer_id} L{self.level_id} {self.as_of}"


class PromiseToPay(CustomerRelated):
    """A customer's promise to pay ``amount`` by ``promised_date``.

    Kept when payments dated from ``made_on`` to ``promised_date`` add up to the amount; broken
    when the date has passed without that (see ``promises_review``).
    """

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT,
        related_name="promises_to_pay",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    made_on = models.DateField(_("promise made on"))
    promised_date = models.DateField(_("promised payment date"))
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    recorded_by = _user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-promised_date", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.amount} {self.promised_date}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.amount is not None and self.amount <= ZERO:
            errors["amount"] = [_("The promised amount must be above zero.")]
        if self.promised_date and self.made_on and self.promised_date < self.made_on:
            errors["promised_date"] = [
                _("The promised date cannot be before the day the promise was made.")
            ]
        if self.contact_id and self.customer_id and self.contact.customer_id != self.customer_id:
            errors["contact"] = [_("The contact belongs to another customer.")]
        if errors:
            raise ValidationError(errors)


class CollectorAssignment(CustomerRelated):
    """The collector of a customer when it is not the account manager."""

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
        related_name="collector_assignment",
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("collector"), on_delete=models.PROTECT,
        related_name="collection_customers",
    )

    class Meta:
        verbose_name = _("collector assignment")
        verbose_name_plural = _("collector assignments")
        permissions = [("view_worklist", _("Can see the collection worklist"))]

    def __str__(self) -> str:
        return f"{self.customer_id} -> {self.collector_id}"
