"""The six dimensions of the credit file (信用档案); every record is dated, sourced and attributed.

Checks that concern one record only live in ``clean()`` (run by ``full_clean`` in the services);
checks that need other rows (market shares adding up, the record's customer) live in services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from credo.core.validators import (
    normalize_id_number,
    normalize_uscc,
    validate_id_number,
    validate_uscc,
)
from credo.customers.choices import Currency
from credo.customers.models import MONEY, Customer, CustomerRelated

from .choices import (
    UNIT_MULTIPLIER,
    AffiliationType,
    AmountUnit,
    AttachmentKind,
    PartyRole,
    PaymentExperience,
    PublicRecordStatus,
    PublicRecordType,
    RepaymentRecord,
    ShareholderType,
    Source,
    StatementPeriod,
)

PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]

# Balance-sheet identity tolerance: the larger of 0.5 % of total assets and one unit of the
# statement (rounding in published statements is usually to the unit of presentation).
BALANCE_TOLERANCE_RATIO = Decimal("0.005")
BALANCE_TOLERANCE_MIN_UNITS = Decimal("1")


def _customer_fk(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name=related_name
    )


def _money(label: str, **extra) -> models.DecimalField:
    options = {"null": True, "blank": True, **extra}
    return models.DecimalField(label, **MONEY, **options)


def _amount(value: Decimal | None) -> str:
    if value is None:
        return "—"
    # Whole amounts without ".00" so messages read like the statement itself.
    places = 0 if value == value.to_integral_value() else None
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def _date(value) -> dt.date | None:
    """The value if it is a date; ``clean()`` also runs after a field failed to parse."""
    return value if isinstance(value, dt.date) else None


def _number(value) -> Decimal | None:
    return value if isinstance(value, Decimal | int) else None


class CreditFileRecord(CustomerRelated):
    """Common base: the date the fact refers to, where it came from and who recorded it."""

    as_of = models.DateField(
        _("as of"), default=timezone.localdate,
        help_text=_("The date the information refers to or was verified."),
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.CUSTOMER_PROVIDED
    )
    source_detail = models.CharField(
        _("source detail"), max_length=200, blank=True,
        help_text=_("For example the registry, agency report or document the fact comes from."),
    )
    recorded_by = models.CharField(_("recorded by"), max_length=150, blank=True, editable=False)

    # Declared by every concrete subclass (with its own related_name); annotated for type checkers.
    customer: Customer
    customer_id: int

    class Meta:
        abstract = True


# 1. Basic information --------------------------------------------------------------------------


class Shareholder(CreditFileRecord):
    """A shareholder (股东) with its share and subscribed / paid-in capital."""

    customer = _customer_fk("shareholders")
    name = models.CharField(_("name"), max_length=200)
    shareholder_type = models.CharField(
        _("shareholder type"), max_length=12, choices=ShareholderType.choices,
        default=ShareholderType.ENTERPRISE,
    )
    share_percent = models.DecimalField(_("share (%)"), null=True, blank=True, **PERCENT)
    subscribed_capital = _money(_("subscribed capital"), validators=NON_NEGATIVE)
    paid_capital = _money(_("paid-in capital"), validators=NON_NEGATIVE)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    id_number = models.CharField(
        _("resident ID number"), max_length=18, blank=True,
        help_text=_("Only for natural persons; shown masked unless you may see sensitive data."),
    )
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True,
        help_text=_("Only for enterprise shareholders."),
    )

    class Meta:
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders")
        ordering = ["customer", "-share_percent", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list] = {}
        self.name = (self.name or "").strip()
        self.id_number = normalize_id_number(self.id_number)
        self.uscc = normalize_uscc(self.uscc)
        if self.id_number:
            if self.shareholder_type != ShareholderType.NATURAL_PERSON:
                errors["id_number"] = [_("Only a natural person has a resident ID number.")]
            else:
                try:
                    validate_id_number(self.id_number)
                except ValidationError as exc:
                    errors["id_number"] = exc.messages
        if self.uscc:
            if self.shareholder_type == ShareholderType.NATURAL_PERSON:
                errors["uscc"] = [_("A natural person has no unified social credit code.")]
            else:
                try:
                    validate_uscc(self.uscc)
                except ValidationError as exc:
                    errors["uscc"] = exc.messages
        subscribed, paid = _number(self.subscribed_capital), _number(self.paid_capital)
        if subscribed is not None and paid is not None and paid > subscribed:
            errors["paid_capital"] = [_("Paid-in capital cannot exceed subscribed capital.")]
        if errors:
            raise ValidationError(errors)


class KeyManager(CreditFileRecord):
    """A member of key management (高级管理人员): chairman, general manager, CFO ..."""

    customer = _customer_fk("key_managers")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100)
    since = models.DateField(_("in office since"), null=True, blank=True)

    class Meta:
        verbose_name = _("key manager")
        verbose_name_plural = _("key management")
        ordering = ["customer", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.title})"

    def clean(self) -> None:
        self.name = (self.name or "").strip()
        self.title = (self.title or "").strip()
        since, as_of = _date(self.since), _date(self.as_of)
        if since and as_of and since > as_of:
            raise ValidationError(
                {"since": [_("The start in office cannot be after the as-of date.")]}
            )


class Affiliation(CreditFileRecord):
    """A related company: parent, subsidiary, sister, guarantor ... (关联企业)."""

    customer = _customer_fk("affiliations")
    related_company_name = models.CharField(_("related company"), max_length=200)
    relation_type = models.CharField(
        _("relation"), max_length=16, choices=AffiliationType.choices
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["customer", "related_company_name"]

    def __str__(self) -> str:
        return f"{self.related_company_name} ({self.get_relation_type_display()})"

    def clean(self) -> None:
        self.related_company_name = (self.related_company_name or "").strip()
        self.uscc = normalize_uscc(self.uscc)
        if self.uscc:
            try:
                validate_uscc(self.uscc)
            except ValidationError as exc:
                raise ValidationError({"uscc": exc.messages}) from None


# 2. Business ---------------------------------------------------------------------------------


class BusinessProfile(CreditFileRecord):
    """How the customer does business at a date: scope, products, supply, collection, staff."""

    customer = _customer_fk("business_profiles")
    business_scope = models.TextField(_("business scope"), blank=True)
    main_products = models.TextField(_("main products"), blank=True)
    supply_sources = models.TextField(_("supply sources"), blank=True)
    payment_practices = models.TextField(
        _("customers' payment practices"), blank=True,
        help_text=_("How the customer sells and collects: terms it grants, how its buyers pay."),
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)

    class Meta:
        verbose_name = _("business profile")
        verbose_name_plural = _("business profiles")
        ordering = ["customer", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "as_of"], name="uniq_business_profile_date",
                violation_error_message=_(
                    "This customer already has a business profile for this date."
                ),
            )
        ]

    def __str__(self) -> str:
        return str(_("Business profile of %(date)s") % {"date": self.as_of})


class MarketShare(CreditFileRecord):
    """Share of sales in one region within a business profile; a profile's shares sum to <= 100."""

    customer = _customer_fk("market_shares")
    profile = models.ForeignKey(
        BusinessProfile, verbose_name=_("business profile"), on_delete=models.CASCADE,
        related_name="market_shares",
    )
    region = models.CharField(_("region"), max_length=100)
    percent = models.DecimalField(_("share of sales (%)"), **PERCENT)

    class Meta:
        verbose_name = _("market share")
        verbose_name_plural = _("market distribution")
        ordering = ["profile", "-percent", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "region"], name="uniq_market_share_region",
                violation_error_message=_("This region is already in the business profile."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.percent}%"

    def clean(self) -> None:
        self.region = (self.region or "").strip()


# 3. Finances ---------------------------------------------------------------------------------

BALANCE_SHEET_FIELDS = (
    "cash", "accounts_receivable", "inventory", "current_assets", "fixed_assets",
    "total_assets", "current_liabilities", "total_liabilities", "equity",
)
INCOME_STATEMENT_FIELDS = (
    "revenue", "cost_of_sales", "operating_profit", "interest_expense", "net_profit",
)
CASH_FLOW_FIELDS = ("operating_cash_flow", "investing_cash_flow", "financing_cash_flow")
STATEMENT_LINE_FIELDS = BALANCE_SHEET_FIELDS + INCOME_STATEMENT_FIELDS + CASH_FLOW_FIELDS


class FinancialStatement(CreditFileRecord):
    """A periodic statement (balance sheet, income statement, cash flow) in a currency and unit.

    Amounts are stored as given, in ``unit`` (yuan, thousand or 万元); ``in_yuan`` converts.
    """

    customer = _customer_fk("financial_statements")
    period_type = models.CharField(
        _("period"), max_length=12, choices=StatementPeriod.choices, default=StatementPeriod.ANNUAL
    )
    period_end = models.DateField(_("period end"))
    audited = models.BooleanField(_("audited"), default=False)
    auditor = models.CharField(_("auditor"), max_length=200, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    unit = models.CharField(
        _("unit"), max_length=12, choices=AmountUnit.choices, default=AmountUnit.YUAN
    )
    # Balance sheet
    cash = _money(_("cash and equivalents"))
    accounts_receivable = _money(_("accounts receivable"))
    inventory = _money(_("inventory"))
    current_assets = _money(_("current assets"))
    fixed_assets = _money(_("fixed assets"))
    total_assets = models.DecimalField(_("total assets"), **MONEY, validators=NON_NEGATIVE)
    current_liabilities = _money(_("current liabilities"))
    total_liabilities = models.DecimalField(_("total liabilities"), **MONEY)
    equity = models.DecimalField(_("equity"), **MONEY)
    # 留存收益 (surplus reserve + undistributed profit): Altman's X2; part of equity.
    retained_earnings = _money(_("retained earnings"))
    # Income statement
    revenue = _money(_("revenue"))
    cost_of_sales = _money(_("cost of sales"))
    operating_profit = _money(_("operating profit"))
    interest_expense = _money(_("interest expense"))
    net_profit = _money(_("net profit"))
    # Cash flow
    operating_cash_flow = _money(_("operating cash flow"))
    investing_cash_flow = _money(_("investing cash flow"))
    financing_cash_flow = _money(_("financing cash flow"))

    class Meta:
        verbose_name = _("financial statement")
        verbose_name_plural = _("financial statements")
        ordering = ["customer", "-period_end", "period_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "period_type", "period_end"], name="uniq_statement_period",
                violation_error_message=_(
                    "This customer already has a statement for this period type and period end."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_period_type_display()} {self.period_end}"

    def in_yuan(self, field_name: str) -> Decimal | None:
        """The line converted from the statement's unit to currency units."""
        value = getattr(self, field_name)
        return None if value is None else value * UNIT_MULTIPLIER[self.unit]

    def balance_tolerance(self) -> Decimal:
        """Allowed gap between assets and liabilities + equity, in the statement's unit."""
        ratio_based = abs(_number(self.total_assets) or Decimal("0")) * BALANCE_TOLERANCE_RATIO
        return max(ratio_based, BALANCE_TOLERANCE_MIN_UNITS)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        assets = _number(self.total_assets)
        liabilities = _number(self.total_liabilities)
        equity = _number(self.equity)
        current_assets = _number(self.current_assets)
        current_liabilities = _number(self.current_liabilities)
        if self.auditor and not self.audited:
            errors["auditor"] = [_("An auditor is given but the statement is not marked audited.")]
        if assets is not None and liabilities is not None and equity is not None:
            difference = assets - (liabilities + equity)
            if abs(difference) > self.balance_tolerance():
                errors["total_assets"] = [
                    _("Total assets %(assets)s ≠ total liabilities %(liabilities)s + equity "
                      "%(equity)s (difference %(difference)s).")
                    % {
                        "assets": _amount(assets),
                        "liabilities": _amount(liabilities),
                        "equity": _amount(equity),
                        "difference": _amount(difference),
                    }
                ]
        if current_assets is not None and assets is not None and current_assets > assets:
            errors["current_assets"] = [
                _("Current assets %(current)s exceed total assets %(total)s.")
                % {"current": _amount(current_assets), "total": _amount(assets)}
            ]
        if (
            current_liabilities is not None
            and liabilities is not None
            and current_liabilities > liabilities
        ):
            errors["current_liabilities"] = [
                _("Current liabilities %(current)s exceed total liabilities %(total)s.")
                % {"current": _amount(current_liabilities), "total": _amount(liabilities)}
            ]
        if errors:
            raise ValidationError(errors)


# 4. Payment record ---------------------------------------------------------------------------


class TradeReference(CreditFileRecord):
    """How the customer paid another supplier (同业信用参考)."""

    customer = _customer_fk("trade_references")
    supplier = models.CharField(_("supplier"), max_length=200)
    highest_credit = _money(_("highest credit granted"), validators=NON_NEGATIVE)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    terms_days = models.PositiveIntegerField(_("terms (days)"), null=True, blank=True)
    payment_experience = models.CharField(
        _("payment experience"), max_length=12, choices=PaymentExperience.choices
    )
    days_beyond_terms = models.PositiveIntegerField(_("days beyond terms"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("trade reference")
        verbose_name_plural = _("trade references")
        ordering = ["customer", "-as_of", "supplier"]

    def __str__(self) -> str:
        return self.supplier

    def clean(self) -> None:
        self.supplier = (self.supplier or "").strip()


# 5. Bank relations ---------------------------------------------------------------------------


class BankRelation(CreditFileRecord):
    """An account, credit line and loans at one bank, with the repayment history (银行往来)."""

    customer = _customer_fk("bank_relations")
    bank = models.CharField(_("bank"), max_length=200)
    branch = models.CharField(_("branch"), max_length=200, blank=True)
    account_number = models.CharField(
        _("account number"), max_length=40, blank=True,
        help_text=_("Shown masked unless you may see sensitive data."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    credit_line = _money(_("credit line"), validators=NON_NEGATIVE)
    loans_outstanding = _money(_("loans outstanding"), validators=NON_NEGATIVE)
    overdue_count = models.PositiveIntegerField(_("overdue count"), default=0)
    overdue_amount = models.DecimalField(
        _("overdue amount"), **MONEY, default=Decimal("0"), validators=NON_NEGATIVE
    )
    repayment_record = models.CharField(
        _("repayment record"), max_length=20, choices=RepaymentRecord.choices,
        default=RepaymentRecord.UNKNOWN,
    )
    remarks = models.TextField(_("remarks"), blank=True)

    class Meta:
        verbose_name = _("bank relation")
        verbose_name_plural = _("bank relations")
        ordering = ["customer", "bank", "branch"]

    def __str__(self) -> str:
        return f"{self.bank} {self.branch}".strip()

    def clean(self) -> None:
        errors: dict[str, list] = {}
        self.bank = (self.bank or "").strip()
        self.branch = (self.branch or "").strip()
        # Account numbers are copied with spaces for readability; stored without them.
        self.account_number = "".join((self.account_number or "").split())
        if self.account_number and not self.account_number.replace("-", "").isalnum():
            errors["account_number"] = [
                _("An account number has only digits, letters and hyphens.")
            ]
        overdue_amount = _number(self.overdue_amount)
        if overdue_amount and overdue_amount > 0 and not self.overdue_count:
            errors["overdue_count"] = [
                _("There is an overdue amount, so the overdue count must be at least 1.")
            ]
        if errors:
            raise ValidationError(errors)


# 6. Public record and reputation --------------------------------------------------------------

# Record types that involve a court case (a party role makes sense for them).
COURT_RECORD_TYPES = frozenset({PublicRecordType.LAWSUIT})


class PublicRecord(CreditFileRecord):
    """A lawsuit, enforcement, listing, lien, penalty, tax issue, honour or press note."""

    customer = _customer_fk("public_records")
    # Named ``kind`` (not ``record_type``) so it never collides with the services' registry key
    # argument: record_create(record_type="public-records", kind="lawsuit", ...).
    kind = models.CharField(_("record type"), max_length=20, choices=PublicRecordType.choices)
    title = models.CharField(_("title"), max_length=200)
    role = models.CharField(
        _("role"), max_length=12, choices=PartyRole.choices, blank=True,
        help_text=_("For lawsuits: the customer's role."),
    )
    amount = _money(_("amount"), validators=NON_NEGATIVE)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PublicRecordStatus.choices,
        default=PublicRecordStatus.UNKNOWN,
    )
    authority = models.CharField(_("court or authority"), max_length=200, blank=True)
    case_number = models.CharField(_("case number"), max_length=100, blank=True)
    event_date = models.DateField(_("date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("public record")
        verbose_name_plural = _("public records")
        ordering = ["customer", "-event_date", "-as_of"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        self.title = (self.title or "").strip()
        self.case_number = (self.case_number or "").strip()
        if self.role and self.kind not in COURT_RECORD_TYPES:
            errors["role"] = [_("A party role applies only to lawsuits.")]
        event_date, as_of = _date(self.event_date), _date(self.as_of)
        if event_date and as_of and event_date > as_of:
            errors["event_date"] = [_("The date of the record cannot be after the as-of date.")]
        if errors:
            raise ValidationError(errors)


# Attachments ---------------------------------------------------------------------------------


class Attachment(CustomerRelated):
    """A document (licence scan, statement, contract) in the customer's file, optionally tied
    to one credit-file record."""

    customer = _customer_fk("attachments")
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    object_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    uploaded_by = models.CharField(_("uploaded by"), max_length=150, blank=True, editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["customer", "-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.title
