"""Credit decisions: limits, lists, check policies and segments, the check log, order decisions
and who may release how much.

Amounts without their own currency are in the company currency
(``settings.CREDO_COMPANY_CURRENCY``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from credo.core.models import TimeStampedModel
from credo.customers.choices import Currency
from credo.customers.models import Customer, CustomerRelated

from .check_engine import DEFAULT_COUNTED_BUCKETS, PolicyError, parse_policy
from .choices import CheckOutcome, DecisionAction, ListKind
from .messages import policy_error_message

MONEY = {"max_digits": 20, "decimal_places": 2}
ZERO = Decimal("0")


def _default_counted_buckets() -> list[str]:
    return list(DEFAULT_COUNTED_BUCKETS)


def _user_fk(verbose_name, related_name: str = "+") -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=verbose_name, null=True, blank=True,
        on_delete=models.SET_NULL, related_name=related_name,
    )


class CreditLimit(CustomerRelated):
    """A credit limit granted to a customer for a period; at most one is valid on any day.

    The limit valid today is the active one; when the latest limit has ended and no newer one
    exists, the check uses the expired limit's figure and reacts to the expiry.
    """

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
        related_name="credit_limits",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default="CNY"
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    approved_by = _user_fk(_("approved by"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("credit limit")
        verbose_name_plural = _("credit limits")
        ordering = ["customer", "-valid_from"]
        indexes = [models.Index(fields=["customer", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.valid_from})"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.amount is not None and self.amount < ZERO:
            errors["amount"] = [_("A credit limit cannot be negative.")]
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            errors["valid_until"] = [_("The end date is before the start date.")]
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or self.valid_until >= day)


class ListEntry(CustomerRelated):
    """A customer on the blacklist, the watch list or the premium list for a period."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
        related_name="list_entries",
    )
    list_kind = models.CharField(_("list"), max_length=10, choices=ListKind.choices)
    reason = models.TextField(_("reason"))
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    added_by = _user_fk(_("added by"))

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["customer", "list_kind", "-since"]
        indexes = [models.Index(fields=["customer", "list_kind"])]

    def __str__(self) -> str:
        return f"{self.get_list_kind_display()}: {self.customer_id}"

    def clean(self) -> None:
        if self.until and self.since and self.until < self.since:
            raise ValidationError({"until": [_("The end date is before the start date.")]})

    def is_active_on(self, day) -> bool:
        return self.since <= day and (self.until is None or self.until >= day)


class CheckPolicy(TimeStampedModel):
    """The credit-check steps of one customer segment (JSON, see ``check_engine``)."""

    key = models.SlugField(_("segment key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    counted_buckets = models.JSONField(
        _("counted exposure buckets"), default=_default_counted_buckets,
        help_text=_("Buckets not listed are shown for information only."),
    )
    steps = models.JSONField(_("steps"), default=list)

    class Meta:
        verbose_name = _("check policy")
        verbose_name_plural = _("check policies")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            parse_policy(self.steps, self.counted_buckets)
        except PolicyError as error:
            raise ValidationError(
                {"steps": [policy_error_message(code, params) for code, params in error.errors]}
            ) from None


class CustomerSegment(CustomerRelated):
    """The customer's credit-check segment; customers without one use the default policy."""

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
        related_name="credit_segment",
    )
    policy = models.ForeignKey(
        CheckPolicy, verbose_name=_("check policy"), on_delete=models.PROTECT,
        related_name="segments",
    )

    class Meta:
        verbose_name = _("customer segment")
        verbose_name_plural = _("customer segments")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.policy_id}"


class CreditCheck(CustomerRelated):
    """One credit check that was run for real (what-if checks are not stored).

    ``figures`` keeps the inputs (buckets, limit, secured part, policy) so the answer can be
    explained and reproduced later.
    """

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
        related_name="credit_checks",
    )
    order = models.ForeignKey(
        "receivables.SalesOrder", verbose_name=_("order"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="credit_checks",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    amount_company = models.DecimalField(_("amount in company currency"), **MONEY)
    outcome = models.CharField(_("outcome"), max_length=8, choices=CheckOutcome.choices)
    available_credit = models.DecimalField(_("available credit"), **MONEY)
    reasons = models.JSONField(_("reasons"), default=list)
    figures = models.JSONField(_("figures"), default=dict)
    policy_key = models.CharField(_("policy"), max_length=50)
    what_if = models.BooleanField(_("what if"), default=False)
    user = _user_fk(_("user"))

    class Meta:
        verbose_name = _("credit check")
        verbose_name_plural = _("credit checks")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.outcome} {self.amount} {self.currency}"


class OrderCreditDecision(CustomerRelated):
    """A documented decision on a held or blocked order: who, why, conditions, valid until."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
        related_name="order_credit_decisions",
    )
    order = models.ForeignKey(
        "receivables.SalesOrder", verbose_name=_("order"), on_delete=models.CASCADE,
        related_name="credit_decisions",
    )
    action = models.CharField(_("action"), max_length=8, choices=DecisionAction.choices)
    reason = models.TextField(_("reason"))
    conditions = models.TextField(_("conditions"), blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    previous_status = models.CharField(_("previous credit status"), max_length=12)
    new_status = models.CharField(_("new credit status"), max_length=12)
    credit_check = models.ForeignKey(
        CreditCheck, verbose_name=_("credit check"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    decided_by = _user_fk(_("decided by"))

    class Meta:
        verbose_name = _("order credit decision")
        verbose_name_plural = _("order credit decisions")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("release_order", _("Can release, reject or recheck held and blocked orders")),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.action}"

    @property
    def decided_at(self):
        return self.created_at


class ReleaseAuthority(TimeStampedModel):
    """The largest order (company currency) a role may release, reject or recheck.

    A user's authority is the largest over their groups; administrators have no maximum.
    """

    group_name = models.CharField(_("role"), max_length=150, unique=True)
    max_amount = models.DecimalField(_("maximum order amount"), **MONEY)

    class Meta:
        verbose_name = _("release authority")
        verbose_name_plural = _("release authorities")
        ordering = ["group_name"]

    def __str__(self) -> str:
        return f"{self.group_name}: {self.max_amount}"

    def clean(self) -> None:
        if self.max_amount is not None and self.max_amount < ZERO:
            raise ValidationError({"max_amount": [_("The maximum cannot be negative.")]})
