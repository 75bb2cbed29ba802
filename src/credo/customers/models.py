"""Customer master: customers, aliases, external ids, contacts, ownership, industries, tags."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from credo.core.models import TimeStampedModel
from credo.core.permissions import VIEW_ALL_CUSTOMERS
from credo.core.querysets import RestrictedQuerySet
from credo.core.validators import (
    mask_id_number,
    normalize_id_number,
    normalize_uscc,
    validate_id_number,
    validate_uscc,
)

from .choices import (
    AliasKind,
    ContactRole,
    Currency,
    CustomerKind,
    CustomerStatus,
    LegalForm,
    OwnershipType,
    Province,
    SizeClass,
)

MONEY = {"max_digits": 20, "decimal_places": 2}


class Industry(models.Model):
    """GB/T 4754-2017 industry classification: sections (A..T) and divisions (01..97)."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    parent = models.ForeignKey(
        "self", verbose_name=_("section"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="divisions",
    )

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        name = self.name_zh if (get_language() or "").startswith("zh") else self.name_en
        return f"{self.code} {name}"

    @property
    def is_section(self) -> bool:
        return self.parent_id is None


class Tag(models.Model):
    """A free label for grouping customers (e.g. "key account", "export")."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(TimeStampedModel):
    """An enterprise or individual customer: the anchor of the credit file."""

    code = models.CharField(
        _("customer number"), max_length=32, unique=True, null=True, blank=True
    )
    kind = models.CharField(
        _("customer type"), max_length=12, choices=CustomerKind.choices,
        default=CustomerKind.ENTERPRISE,
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True, db_index=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    # Enterprise registration
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, null=True, unique=True,
        validators=[validate_uscc],
    )
    legal_form = models.CharField(_("legal form"), max_length=24, choices=LegalForm.choices, blank=True)
    industry = models.ForeignKey(
        Industry, verbose_name=_("industry"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="customers",
    )
    size_class = models.CharField(_("size class"), max_length=8, choices=SizeClass.choices, blank=True)
    ownership_type = models.CharField(
        _("ownership type"), max_length=12, choices=OwnershipType.choices, blank=True
    )
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    registered_capital = models.DecimalField(
        _("registered capital"), **MONEY, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    registered_capital_currency = models.CharField(
        _("registered capital currency"), max_length=3, choices=Currency.choices, default="CNY"
    )
    paid_in_capital = models.DecimalField(
        _("paid-in capital"), **MONEY, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    paid_in_capital_currency = models.CharField(
        _("paid-in capital currency"), max_length=3, choices=Currency.choices, default="CNY"
    )
    founding_date = models.DateField(_("founding date"), null=True, blank=True)
    registered_province = models.CharField(
        _("registered province"), max_length=2, choices=Province.choices, blank=True
    )
    registered_city = models.CharField(_("registered city"), max_length=50, blank=True)
    registered_district = models.CharField(_("registered district"), max_length=50, blank=True)
    registered_street = models.CharField(_("registered street address"), max_length=200, blank=True)
    operating_province = models.CharField(
        _("operating province"), max_length=2, choices=Province.choices, blank=True
    )
    operating_city = models.CharField(_("operating city"), max_length=50, blank=True)
    operating_district = models.CharField(_("operating district"), max_length=50, blank=True)
    operating_street = models.CharField(_("operating street address"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)
    # Individuals
    id_number = models.CharField(
        _("resident ID number"), max_length=18, blank=True, null=True, unique=True,
        validators=[validate_id_number],
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Group hierarchy and ownership
    parent = models.ForeignKey(
        "self", verbose_name=_("parent company"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="subsidiaries",
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account manager"), on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        permissions = [
            ("view_all_customers", _("Can see all customers, not only own ones")),
            ("view_sensitive", _("Can see sensitive data unmasked")),
            ("view_creditfile", _("Can open credit files")),
            ("assign_owner", _("Can change the account manager of a customer")),
            ("import_data", _("Can import customer and credit-file data")),
        ]
        indexes = [models.Index(fields=["registered_province", "status"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_zh or self.name_en or self.code

    @property
    def is_enterprise(self) -> bool:
        return self.kind == CustomerKind.ENTERPRISE

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number or "")

    @classmethod
    def restrict_filter(cls, user) -> Q | None:
        if user.has_perm(VIEW_ALL_CUSTOMERS):
            return None
        return Q(account_manager=user) | Q(team_members__user=user)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.uscc is not None:
            self.uscc = normalize_uscc(self.uscc) or None
        if self.id_number is not None:
            self.id_number = normalize_id_number(self.id_number) or None
        if not (self.name_zh or self.name_en):
            errors["name_zh"] = [_("Give the customer's name in Chinese or English.")]
        if self.kind == CustomerKind.INDIVIDUAL:
            if self.uscc:
                errors["uscc"] = [_("An individual has no unified social credit code.")]
        elif self.id_number:
            errors["id_number"] = [_("An enterprise has no resident ID number.")]
        if (
            self.registered_capital is not None
            and self.paid_in_capital is not None
            and self.registered_capital_currency == self.paid_in_capital_currency
            and self.paid_in_capital > self.registered_capital
        ):
            errors["paid_in_capital"] = [_("Paid-in capital cannot exceed registered capital.")]
        if self.parent_id and self.pk and self.parent_id == self.pk:
            errors["parent"] = [_("A customer cannot be its own parent.")]
        if errors:
            raise ValidationError(errors)


class CustomerRelated(TimeStampedModel):
    """Base for records that belong to one customer and follow its visibility."""

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def restrict_filter(cls, user) -> Q | None:
        if user.has_perm(VIEW_ALL_CUSTOMERS):
            return None
        return Q(customer__account_manager=user) | Q(customer__team_members__user=user)


class CustomerAlias(CustomerRelated):
    """Former names, aliases and short names: searched like the legal name."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AliasKind.choices, default=AliasKind.ALIAS)
    valid_until = models.DateField(_("used until"), null=True, blank=True)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="uniq_customer_alias")
        ]

    def __str__(self) -> str:
        return self.name


class ExternalId(CustomerRelated):
    """The customer's identifier in a source system (ERP, CRM, billing)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="external_ids"
    )
    source_system = models.CharField(_("source system"), max_length=50)
    external_id = models.CharField(_("external id"), max_length=100)

    class Meta:
        verbose_name = _("external id")
        verbose_name_plural = _("external ids")
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"], name="uniq_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_system}:{self.external_id}"


class Contact(CustomerRelated):
    """A person to talk to at the customer."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=16, choices=ContactRole.choices, default=ContactRole.OTHER)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(CustomerRelated):
    """A user who works on the customer besides the account manager (sees it too)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="team_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="customer_teams",
    )
    role = models.CharField(_("role in team"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="uniq_team_member")
        ]

    def __str__(self) -> str:
        return str(self.user)


class OwnershipPeriod(models.Model):
    """History of account managers: one open period (ended_at null) per customer."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
        related_name="ownership_history",
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account manager"), on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    changed_by = models.CharField(_("changed by"), max_length=150)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ownership period")
        verbose_name_plural = _("ownership history")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.account_manager_id}"
