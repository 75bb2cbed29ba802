"""Reads of the credit file: restricted to what the user may see, sensitive fields masked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credo.core.models import AccessLog
from credo.core.services import access_log_write
from credo.core.validators import mask_account_number, mask_id_number, mask_text
from credo.customers.choices import CustomerKind
from credo.customers.models import Customer
from credo.customers.selectors import can_view_sensitive

from .models import Attachment, CreditFileRecord
from .registry import Dimension, RecordType, get_record_type, record_type_for, record_types_of

# A dimension is stale when its newest fact is older than this (days).
STALE_AFTER_DAYS: dict[Dimension, int] = {
    Dimension.BASIC: 365,
    Dimension.BUSINESS: 365,
    Dimension.FINANCES: 548,  # 18 months: last year's annual statement is still current
    Dimension.PAYMENT: 183,
    Dimension.BANK: 365,
    Dimension.PUBLIC: 183,  # 6 months: lawsuits and listings change quickly
}
# Record types whose absence does not make a dimension incomplete (many customers have none).
OPTIONAL_RECORD_TYPES = frozenset({"affiliations"})
# A natural person has no shareholders or board: these are not asked of individual customers.
ENTERPRISE_ONLY_RECORD_TYPES = frozenset({"shareholders", "key-management"})

# Registration facts on the customer itself that belong to dimension 1.
ENTERPRISE_REGISTRATION_FIELDS = (
    "uscc", "legal_form", "registered_capital", "founding_date", "industry",
)
INDIVIDUAL_REGISTRATION_FIELDS = ("id_number",)

STATUS_COMPLETE = "complete"
STATUS_PARTIAL = "partial"
STATUS_MISSING = "missing"
STATUS_STALE = "stale"
STATUS_LABELS = {
    STATUS_COMPLETE: _("Complete"),
    STATUS_PARTIAL: _("Partial"),
    STATUS_MISSING: _("Missing"),
    STATUS_STALE: _("Out of date"),
}


def record_list(*, user, record_type: str, customer: Customer) -> QuerySet:
    """The customer's records of one type that ``user`` may see, newest first."""
    rt = get_record_type(record_type)
    qs = rt.model.objects.restrict(user).filter(customer=customer)
    if rt.key == "market-shares":
        qs = qs.select_related("profile")
    return qs.order_by(f"-{rt.date_field}", "-pk")


def record_get(*, user, record_type: str, pk: int) -> CreditFileRecord:
    """One record if the user may see it; raises ``Model.DoesNotExist`` otherwise (-> 404)."""
    rt = get_record_type(record_type)
    return rt.model.objects.restrict(user).select_related("customer").get(pk=pk)


def attachment_list(*, user, customer: Customer, record=None) -> QuerySet[Attachment]:
    """Attachments of a customer (optionally of one record) that ``user`` may see."""
    qs = Attachment.objects.restrict(user).filter(customer=customer)
    if record is not None:
        from django.contrib.contenttypes.models import ContentType

        qs = qs.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)
    return qs.order_by("-created_at", "-pk")


def _mask(field_name: str, value: Any) -> Any:
    if value in (None, ""):
        return value
    if field_name == "id_number":
        return mask_id_number(str(value))
    if field_name == "account_number":
        return mask_account_number(str(value))
    return mask_text(str(value))


def record_values(*, record: CreditFileRecord, user) -> dict[str, Any]:
    """Display values of the record's fields in registry order; sensitive ones masked.

    Choices become their labels, related records their text; numbers and dates stay typed.
    """
    rt: RecordType = record_type_for(record)
    show_sensitive = can_view_sensitive(user)
    values: dict[str, Any] = {}
    for name in rt.fields:
        model_field = record._meta.get_field(name)
        assert isinstance(model_field, models.Field)  # registry fields are concrete
        if model_field.is_relation:
            related = getattr(record, name)
            value: Any = str(related) if related is not None else None
        elif model_field.choices:
            raw = getattr(record, name)
            value = getattr(record, f"get_{name}_display")() if raw not in (None, "") else raw
        else:
            value = getattr(record, name)
        if name in rt.sensitive_fields and not show_sensitive:
            value = _mask(name, value)
        values[name] = value
    return values


@dataclass(frozen=True)
class DimensionCompleteness:
    """What one dimension of a customer's credit file holds, lacks, and how old it is."""

    dimension: Dimension
    label: str
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    newest_as_of: dt.date | None = None
    age_days: int | None = None
    stale: bool = False
    status: str = STATUS_MISSING
    stale_after_days: int = 0


def _registration_parts(customer: Customer) -> tuple[list[str], list[str]]:
    present: list[str] = []
    missing: list[str] = []
    names = (
        INDIVIDUAL_REGISTRATION_FIELDS
        if customer.kind == CustomerKind.INDIVIDUAL
        else ENTERPRISE_REGISTRATION_FIELDS
    )
    for name in names:
        field = Customer._meta.get_field(name)
        assert isinstance(field, models.Field)
        label = str(field.verbose_name)
        (present if getattr(customer, name) not in (None, "") else missing).append(label)
    has_address = bool(customer.registered_province and customer.registered_street)
    (present if has_address else missing).append(gettext("registered address"))
    return present, missing


def completeness(*, customer: Customer, today: dt.date | None = None) -> list[DimensionCompleteness]:
    """Per dimension: present and missing parts, newest date, age and status.

    Status is "missing" when nothing is present, else "stale" when the newest fact is older
    than ``STALE_AFTER_DAYS``, else "partial" when a required part is missing, else "complete".
    """
    today = today or timezone.localdate()
    result: list[DimensionCompleteness] = []
    for dimension in Dimension:
        present: list[str] = []
        missing: list[str] = []
        newest: dt.date | None = None
        if dimension == Dimension.BASIC:
            present, missing = _registration_parts(customer)
        optional = OPTIONAL_RECORD_TYPES
        if customer.kind == CustomerKind.INDIVIDUAL:
            optional = optional | ENTERPRISE_ONLY_RECORD_TYPES
        for rt in record_types_of(dimension):
            manager: Any = rt.model._default_manager  # customer FK is declared per subclass
            summary = manager.filter(customer=customer).aggregate(
                count=Count("pk"), newest=Max(rt.date_field)
            )
            label = str(rt.label_plural)
            if summary["count"]:
                present.append(label)
                if summary["newest"] and (newest is None or summary["newest"] > newest):
                    newest = summary["newest"]
            elif rt.key not in optional:
                missing.append(label)
        threshold = STALE_AFTER_DAYS[dimension]
        age_days = (today - newest).days if newest else None
        stale = age_days is not None and age_days > threshold
        if not present:
            status = STATUS_MISSING
        elif stale:
            status = STATUS_STALE
        elif missing:
            status = STATUS_PARTIAL
        else:
            status = STATUS_COMPLETE
        result.append(
            DimensionCompleteness(
                dimension=dimension,
                label=str(dimension.label),
                present=present,
                missing=missing,
                newest_as_of=newest,
                age_days=age_days,
                stale=stale,
                status=status,
                stale_after_days=threshold,
            )
        )
    return result


def creditfile_read_logged(*, user, customer: Customer, resource: str, detail: str = "") -> AccessLog:
    """Write the access-log entry every UI/API read of credit-file data must leave."""
    return access_log_write(
        user=user,
        customer_id=customer.pk,
        resource=resource,
        detail=detail,
        sensitive_shown=can_view_sensitive(user),
    )

