"""The receivables ledger: orders, deliveries, invoices and their open items, credit notes,
payments, allocations, write-offs, disputes, securities, FX rates, and the exposure aggregates
maintained in the same transaction as every document write.

Amounts are in the document currency; ``*_company`` fields hold the same amount in the company
currency (``settings.CREDO_COMPANY_CURRENCY``) at the FX rate of the document date.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from credo.core.models import TimeStampedModel
from credo.core.permissions import VIEW_ALL_CUSTOMERS
from credo.core.querysets import RestrictedQuerySet
from credo.customers.choices import Currency
from credo.customers.models import Customer

from .choices import (
    CreditStatus,
    InvoiceStatus,
    OrderStatus,
    SecurityKind,
    TermsKind,
)
from .terms import instalment_problems

MONEY = {"max_digits": 20, "decimal_places": 2}
RATE = {"max_digits": 20, "decimal_places": 8}
ZERO = Decimal("0")


def _currency_field() -> models.CharField:
    return models.CharField(_("currency"), max_length=3, choices=Currency.choices, default="CNY")


class LedgerRecord(TimeStampedModel):
    """Base for ledger records: visibility follows the customer they belong to.

    ``customer_path`` is the lookup from the record to its customer.
    """

    customer_path = "customer"

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def restrict_filter(cls, user) -> Q | None:
        if user.has_perm(VIEW_ALL_CUSTOMERS):
            return None
        path = cls.customer_path
        return Q(**{f"{path}__account_manager": user}) | Q(**{f"{path}__team_members__user": user})


class PaymentTerms(TimeStampedModel):
    """A payment-terms template: net N days, end of month + N days, or instalments."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=TermsKind.choices)
    days = models.PositiveIntegerField(_("days"), default=0)
    instalments = models.JSONField(
        _("instalments"), default=list, blank=True,
        help_text=_('A list like [{"percent": "40", "days": 30}, {"percent": "60", "days": 60}].'),
    )

    class Meta:
        verbose_name = _("payment terms")
        verbose_name_plural = _("payment terms")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        messages = {
            "empty": _("Instalment terms need at least one instalment."),
            "shape": _('Each instalment must be {"percent": ..., "days": ...}.'),
            "percent": _("Each instalment percentage must be above 0 and at most 100."),
            "days": _("Instalment days must be a whole number of 0 or more."),
            "order": _("Instalments must be listed in order of their days."),
            "sum": _("Instalment percentages must add up to 100."),
        }
        if self.kind == TermsKind.INSTALMENTS:
            problems = instalment_problems(self.instalments or [])
            if problems:
                raise ValidationError({"instalments": [messages[p] for p in problems]})
        elif self.instalments:
            raise ValidationError(
                {"instalments": [_("Only instalment terms have a list of instalments.")]}
            )


class FxRate(models.Model):
    """Company-currency units per one unit of ``currency`` on ``rate_date``."""

    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    rate_date = models.DateField(_("rate date"))
    rate = models.DecimalField(_("rate"), **RATE)

    class Meta:
        verbose_name = _("FX rate")
        verbose_name_plural = _("FX rates")
        ordering = ["currency", "-rate_date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "rate_date"], name="uniq_fx_rate_day")
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate_date} {self.rate}"


class SalesOrder(LedgerRecord):
    """A customer's order; its undelivered part is exposure (open orders) until it ships."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="sales_orders"
    )
    number = models.CharField(_("order number"), max_length=64, unique=True)
    order_date = models.DateField(_("order date"))
    currency = _currency_field()
    amount = models.DecimalField(_("amount"), **MONEY)
    fx_rate = models.DecimalField(_("FX rate"), **RATE, default=Decimal("1"))
    amount_company = models.DecimalField(_("amount in company currency"), **MONEY)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    credit_status = models.CharField(
        _("credit status"), max_length=12, choices=CreditStatus.choices,
        default=CreditStatus.NOT_CHECKED,
    )
    # Last day a release lets the order ship (from the release decision; empty = no limit).
    credit_valid_until = models.DateField(_("release valid until"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    delivered_amount = models.DecimalField(_("delivered amount"), **MONEY, default=ZERO)
    invoiced_amount = models.DecimalField(_("invoiced amount"), **MONEY, default=ZERO)
    payment_terms = models.ForeignKey(
        PaymentTerms, verbose_name=_("payment terms"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-order_date", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return self.number


class Delivery(LedgerRecord):
    """A shipment against an order: moves exposure from open orders to delivered-not-invoiced."""

    customer_path = "order__customer"

    order = models.ForeignKey(
        SalesOrder, verbose_name=_("order"), on_delete=models.PROTECT, related_name="deliveries"
    )
    number = models.CharField(_("delivery number"), max_length=64, unique=True)
    delivery_date = models.DateField(_("delivery date"))
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivery_date", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def customer_pk(self) -> int:
        return self.order.customer_id


class Invoice(LedgerRecord):
    """A posted invoice; its instalments are the open items of the ledger."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("invoice number"), max_length=64, unique=True)
    order = models.ForeignKey(
        SalesOrder, verbose_name=_("order"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="invoices",
    )
    invoice_date = models.DateField(_("invoice date"))
    currency = _currency_field()
    amount = models.DecimalField(_("amount"), **MONEY)
    fx_rate = models.DecimalField(_("FX rate"), **RATE)
    amount_company = models.DecimalField(_("amount in company currency"), **MONEY)
    payment_terms = models.ForeignKey(
        PaymentTerms, verbose_name=_("payment terms"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-invoice_date", "-id"]
        indexes = [models.Index(fields=["customer", "invoice_date"])]

    def __str__(self) -> str:
        return self.number


class InvoiceInstalment(LedgerRecord):
    """One due date of an invoice: an open item (original amount; payments reduce it)."""

    customer_path = "invoice__customer"

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="instalments"
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    due_date = models.DateField(_("due date"), db_index=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    amount_company = models.DecimalField(_("amount in company currency"), **MONEY)

    class Meta:
        verbose_name = _("open item")
        verbose_name_plural = _("open items")
        ordering = ["invoice", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "sequence"], name="uniq_instalment_seq")
        ]

    def __str__(self) -> str:
        return f"{self.invoice.number}/{self.sequence}"

    @property
    def customer_pk(self) -> int:
        return self.invoice.customer_id


class CreditNote(LedgerRecord):
    """A credit to the customer; allocated to open items like a payment (unapplied until then)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    number = models.CharField(_("credit note number"), max_length=64, unique=True)
    note_date = models.DateField(_("credit note date"))
    currency = _currency_field()
    amount = models.DecimalField(_("amount"), **MONEY)
    fx_rate = models.DecimalField(_("FX rate"), **RATE)
    amount_company = models.DecimalField(_("amount in company currency"), **MONEY)
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-note_date", "-id"]

    def __str__(self) -> str:
        return self.number


class Payment(LedgerRecord):
    """Cash received from a customer; the part not allocated is unapplied cash."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="payments"
    )
    number = models.CharField(_("payment number"), max_length=64, unique=True)
    payment_date = models.DateField(_("payment date"))
    currency = _currency_field()
    amount = models.DecimalField(_("amount"), **MONEY)
    fx_rate = models.DecimalField(_("FX rate"), **RATE)
    amount_company = models.DecimalField(_("amount in company currency"), **MONEY)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-payment_date", "-id"]
        indexes = [models.Index(fields=["customer", "payment_date"])]

    def __str__(self) -> str:
        return self.number


class AllocationQuerySet(RestrictedQuerySet):
    def live(self) -> AllocationQuerySet:
        """Allocations in force: neither reversed nor themselves a reversal entry."""
        return self.filter(reverses__isnull=True, reversals__isnull=True)


class Allocation(LedgerRecord):
    """Part of a payment or credit note applied to one open item.

    ``amount`` is in the invoice (= payment) currency; ``amount_company`` is valued at the
    invoice's rate, so a fully paid open item leaves exactly zero in the company currency.

    A reversal is not a deletion: it is a second allocation with the negated amounts, dated
    the day of the reversal, pointing at the original (``reverses``). Sums over allocations
    therefore net out from that day on, and the ageing as of an earlier date still sees the
    item as paid in between.
    """

    customer_path = "instalment__invoice__customer"

    objects = AllocationQuerySet.as_manager()

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="allocations",
    )
    credit_note = models.ForeignKey(
        CreditNote, verbose_name=_("credit note"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="allocations",
    )
    instalment = models.ForeignKey(
        InvoiceInstalment, verbose_name=_("open item"), on_delete=models.PROTECT,
        related_name="allocations",
    )
    allocation_date = models.DateField(_("allocation date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    amount_company = models.DecimalField(_("amount in company currency"), **MONEY)
    reverses = models.ForeignKey(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="reversals", db_index=False,  # the unique constraint indexes it
    )

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-allocation_date", "-id"]
        constraints = [
            # At most one reversal per allocation (a plain nullable FK keeps the migration an
            # ALTER TABLE ADD COLUMN on SQLite; the unique index is added separately).
            models.UniqueConstraint(fields=["reverses"], name="allocation_reversed_once"),
            models.CheckConstraint(
                condition=(
                    Q(payment__isnull=False, credit_note__isnull=True)
                    | Q(payment__isnull=True, credit_note__isnull=False)
                ),
                name="allocation_one_source",
            )
        ]

    def __str__(self) -> str:
        source = self.payment or self.credit_note
        return f"{source} -> {self.instalment} {self.amount}"

    @property
    def customer_pk(self) -> int:
        return self.instalment.invoice.customer_id


class WriteOff(LedgerRecord):
    """An open item (or part of it) written off as uncollectable."""

    customer_path = "instalment__invoice__customer"

    instalment = models.ForeignKey(
        InvoiceInstalment, verbose_name=_("open item"), on_delete=models.PROTECT,
        related_name="write_offs",
    )
    write_off_date = models.DateField(_("write-off date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    amount_company = models.DecimalField(_("amount in company currency"), **MONEY)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["-write_off_date", "-id"]

    def __str__(self) -> str:
        return f"{self.instalment} {self.amount}"

    @property
    def customer_pk(self) -> int:
        return self.instalment.invoice.customer_id


class Dispute(LedgerRecord):
    """An open item (or part of it) the customer contests, until resolved."""

    customer_path = "instalment__invoice__customer"

    instalment = models.ForeignKey(
        InvoiceInstalment, verbose_name=_("open item"), on_delete=models.PROTECT,
        related_name="disputes",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    amount_company = models.DecimalField(_("amount in company currency"), **MONEY)
    reason = models.CharField(_("reason"), max_length=200)
    opened_on = models.DateField(_("opened on"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return f"{self.instalment} {self.amount}"

    @property
    def customer_pk(self) -> int:
        return self.instalment.invoice.customer_id

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None


class Security(LedgerRecord):
    """Collateral, a guarantee or credit insurance: the secured part reduces exposure."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="securities"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SecurityKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = _currency_field()
    fx_rate = models.DecimalField(_("FX rate"), **RATE)
    amount_company = models.DecimalField(_("amount in company currency"), **MONEY)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("security")
        verbose_name_plural = _("securities")
        ordering = ["customer", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class CustomerExposure(models.Model):
    """Exposure buckets of one customer in the company currency, maintained by every write.

    ``secured`` is the sum of all securities recorded; the snapshot subtracts those not valid
    on the day asked.
    """

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="exposure"
    )
    open_orders = models.DecimalField(_("open orders"), **MONEY, default=ZERO)
    delivered_not_invoiced = models.DecimalField(
        _("delivered, not invoiced"), **MONEY, default=ZERO
    )
    open_receivables = models.DecimalField(_("open receivables"), **MONEY, default=ZERO)
    disputed = models.DecimalField(_("disputed"), **MONEY, default=ZERO)
    secured = models.DecimalField(_("secured"), **MONEY, default=ZERO)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer exposure")
        verbose_name_plural = _("customer exposures")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.open_receivables}"


class OpenItemDue(models.Model):
    """Open receivable of one customer per due date (company currency), maintained by every write.

    Overdue as of a day = the rows with an earlier due date: a handful of indexed rows.
    """

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("open amount per due date")
        verbose_name_plural = _("open amounts per due date")
        ordering = ["customer", "due_date"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "due_date"], name="uniq_open_item_due")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.due_date} {self.amount}"
