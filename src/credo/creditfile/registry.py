"""The record types of the credit file: one place that API, importer, UI and demo code against.

Each ``RecordType`` names its model, the dimension it belongs to, the editable fields in display
order, the sensitive fields (masked unless the user may see sensitive data) and the natural key
used for idempotent upserts and imports.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import (
    Affiliation,
    BankRelation,
    BusinessProfile,
    CreditFileRecord,
    FinancialStatement,
    KeyManager,
    MarketShare,
    PublicRecord,
    Shareholder,
    TradeReference,
)


class Dimension(models.IntegerChoices):
    BASIC = 1, _("Basic information")
    BUSINESS = 2, _("Business profile")
    FINANCES = 3, _("Financial position")
    PAYMENT = 4, _("Payment record")
    BANK = 5, _("Bank relations")
    PUBLIC = 6, _("Public record and reputation")


@dataclass(frozen=True)
class RecordType:
    """One kind of credit-file record and how it is edited, shown and matched."""

    key: str
    model: type[CreditFileRecord]
    dimension: Dimension
    fields: tuple[str, ...]
    sensitive_fields: tuple[str, ...]
    business_key: tuple[str, ...]
    date_field: str = "as_of"

    @property
    def label(self) -> str:
        return self.model._meta.verbose_name

    @property
    def label_plural(self) -> str:
        return self.model._meta.verbose_name_plural


# Provenance fields every record has, shown after the record's own fields.
PROVENANCE_FIELDS = ("as_of", "source", "source_detail")

_STATEMENT_LINES = (
    "cash", "accounts_receivable", "inventory", "current_assets", "fixed_assets", "total_assets",
    "current_liabilities", "total_liabilities", "equity", "retained_earnings",
    "revenue", "cost_of_sales", "operating_profit", "interest_expense", "net_profit",
    "operating_cash_flow", "investing_cash_flow", "financing_cash_flow",
)

_ALL = (
    RecordType(
        key="shareholders",
        model=Shareholder,
        dimension=Dimension.BASIC,
        fields=(
            "name", "shareholder_type", "share_percent", "subscribed_capital", "paid_capital",
            "currency", "id_number", "uscc", *PROVENANCE_FIELDS,
        ),
        sensitive_fields=("id_number",),
        business_key=("name",),
    ),
    RecordType(
        key="key-management",
        model=KeyManager,
        dimension=Dimension.BASIC,
        fields=("name", "title", "since", *PROVENANCE_FIELDS),
        sensitive_fields=(),
        business_key=("name", "title"),
    ),
    RecordType(
        key="affiliations",
        model=Affiliation,
        dimension=Dimension.BASIC,
        fields=("related_company_name", "relation_type", "uscc", *PROVENANCE_FIELDS),
        sensitive_fields=(),
        business_key=("related_company_name", "relation_type"),
    ),
    RecordType(
        key="business-profiles",
        model=BusinessProfile,
        dimension=Dimension.BUSINESS,
        fields=(
            "business_scope", "main_products", "supply_sources", "payment_practices",
            "employees", *PROVENANCE_FIELDS,
        ),
        sensitive_fields=(),
        business_key=("as_of",),
    ),
    RecordType(
        key="market-shares",
        model=MarketShare,
        dimension=Dimension.BUSINESS,
        fields=("profile", "region", "percent", *PROVENANCE_FIELDS),
        sensitive_fields=(),
        business_key=("profile", "region"),
    ),
    RecordType(
        key="financial-statements",
        model=FinancialStatement,
        dimension=Dimension.FINANCES,
        fields=(
            "period_type", "period_end", "audited", "auditor", "currency", "unit",
            *_STATEMENT_LINES, *PROVENANCE_FIELDS,
        ),
        sensitive_fields=(),
        business_key=("period_type", "period_end"),
        # A statement's age is the age of its period, not of the day it was typed in.
        date_field="period_end",
    ),
    RecordType(
        key="trade-references",
        model=TradeReference,
        dimension=Dimension.PAYMENT,
        fields=(
            "supplier", "highest_credit", "currency", "terms_days", "payment_experience",
            "days_beyond_terms", "comment", *PROVENANCE_FIELDS,
        ),
        sensitive_fields=(),
        # A newer reference from the same supplier is a new fact, not a correction.
        business_key=("supplier", "as_of"),
    ),
    RecordType(
        key="bank-relations",
        model=BankRelation,
        dimension=Dimension.BANK,
        fields=(
            "bank", "branch", "account_number", "currency", "credit_line", "loans_outstanding",
            "overdue_count", "overdue_amount", "repayment_record", "remarks", *PROVENANCE_FIELDS,
        ),
        sensitive_fields=("account_number",),
        business_key=("bank", "branch", "as_of"),
    ),
    RecordType(
        key="public-records",
        model=PublicRecord,
        dimension=Dimension.PUBLIC,
        fields=(
            "kind", "title", "role", "amount", "currency", "status", "authority",
            "case_number", "event_date", "description", "source_url", *PROVENANCE_FIELDS,
        ),
        sensitive_fields=(),
        business_key=("kind", "case_number", "title", "event_date"),
    ),
)

RECORD_TYPES: dict[str, RecordType] = {record_type.key: record_type for record_type in _ALL}
_BY_MODEL: dict[type[models.Model], RecordType] = {rt.model: rt for rt in _ALL}


def get_record_type(key: str) -> RecordType:
    """The record type with URL/CLI slug ``key``; raises KeyError when unknown."""
    return RECORD_TYPES[key]


def record_type_for(model_or_instance) -> RecordType:
    """The record type of a model class or instance; raises KeyError when it has none."""
    model = model_or_instance if isinstance(model_or_instance, type) else type(model_or_instance)
    return _BY_MODEL[model]


def record_types_of(dimension: Dimension) -> list[RecordType]:
    """Record types of one dimension, in registry order."""
    return [rt for rt in _ALL if rt.dimension == dimension]
