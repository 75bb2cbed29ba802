"""Writes to the credit file. Every function validates, logs the change and emits an event.

The record services are generic over the registry (``registry.RECORD_TYPES``); checks of a single
record live in the model's ``clean`` (run by ``full_clean``), checks across records live here.
"""

from __future__ import annotations

import decimal
import functools
import os
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from credo.core.context import current_actor
from credo.core.services import business_event_emit, model_create, model_delete, model_update
from credo.customers.models import Customer

from .choices import UNIT_MULTIPLIER, AmountUnit, AttachmentKind
from .models import (
    Attachment,
    BusinessProfile,
    CreditFileRecord,
    FinancialStatement,
    MarketShare,
)
from .registry import RecordType, get_record_type, record_type_for

MAX_ATTACHMENT_BYTES = getattr(settings, "CREDITFILE_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
ALLOWED_ATTACHMENT_EXTENSIONS = (
    "pdf", "png", "jpg", "jpeg", "xlsx", "xls", "csv", "docx", "doc", "txt",
)
_HUNDRED = decimal.Decimal("100")


def _record_type(key: str) -> RecordType:
    try:
        return get_record_type(key)
    except KeyError:
        raise ValidationError(
            {"record_type": [_("Unknown credit-file record type: %(key)s.") % {"key": key}]}
        ) from None


def _clean_input(record_type: RecordType, fields: dict[str, Any]) -> dict[str, Any]:
    """Reject unknown fields and bring values to their stored form.

    Normalising before comparison is what makes an identical re-import a no-op: "1000" and
    Decimal("1000.00") must compare equal, and so must "2024-12-31" and date(2024, 12, 31).
    """
    unknown = sorted(set(fields) - set(record_type.fields))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
    data: dict[str, Any] = {}
    for name, value in fields.items():
        field = record_type.model._meta.get_field(name)
        assert isinstance(field, models.Field)  # registry fields are concrete model fields
        data[name] = _normalize_value(field, value)
    if record_type.model is FinancialStatement and "unit" in data:
        data["unit"] = _statement_unit(data["unit"])
    return data


# Statement units as people and source files write them: multipliers and Chinese unit words.
_UNIT_ALIASES = {
    **{str(multiplier): unit for unit, multiplier in UNIT_MULTIPLIER.items()},
    "元": AmountUnit.YUAN,
    "千元": AmountUnit.THOUSAND,
    "万元": AmountUnit.TEN_THOUSAND,
    "万": AmountUnit.TEN_THOUSAND,
}


def _statement_unit(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    return str(_UNIT_ALIASES.get(str(value).strip(), value))


def _normalize_value(field: models.Field, value: Any) -> Any:
    if field.is_relation:
        return _related_instance(field, value)
    if value is None:
        # Text fields store "" rather than NULL; importers send None for empty cells.
        if isinstance(field, models.CharField | models.TextField) and not field.null:
            return ""
        return None
    if isinstance(value, str) and isinstance(field, models.CharField | models.TextField):
        return value.strip()
    if isinstance(field, models.DecimalField):
        if isinstance(value, str) and not value.strip():
            return None
        try:
            number = decimal.Decimal(str(value)) if isinstance(value, float) else field.to_python(
                value
            )
            return number.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
        except (ValidationError, decimal.InvalidOperation, ArithmeticError):
            return value  # full_clean reports it with the field's own message
    if isinstance(value, str) and not value.strip() and field.null:
        return None
    try:
        return field.to_python(value)
    except ValidationError:
        return value


def _related_instance(field: models.Field, value: Any) -> Any:
    """Accept a related record or its primary key (as an API or importer would send it)."""
    if value is None or isinstance(value, models.Model):
        return value
    related_model = field.related_model
    assert isinstance(related_model, type)  # only called for FK fields
    found = related_model._default_manager.filter(pk=value).first() if str(value).isdigit() else None
    if found is None:
        raise ValidationError(
            {
                field.name: [
                    _("There is no %(model)s with id %(id)s.")
                    % {"model": related_model._meta.verbose_name, "id": value}
                ]
            }
        )
    return found


def _validate_across_records(
    record_type: RecordType, customer: Customer, data: dict[str, Any], instance=None
) -> None:
    """Checks that need other rows: parent record of the same customer, shares adding up."""
    if record_type.model is MarketShare:
        profile = data.get("profile", getattr(instance, "profile", None) if instance else None)
        if profile is None:
            return  # full_clean reports the missing profile
        if profile.customer_id != customer.pk:
            raise ValidationError(
                {"profile": [_("This business profile belongs to another customer.")]}
            )
        percent = data.get("percent", getattr(instance, "percent", None))
        if not isinstance(percent, decimal.Decimal):
            return
        others = MarketShare.objects.filter(profile=profile)
        if instance is not None and instance.pk:
            others = others.exclude(pk=instance.pk)
        others_total = others.aggregate(total=models.Sum("percent"))["total"] or 0
        total = others_total + percent
        if total > _HUNDRED:
            raise ValidationError(
                {
                    "percent": [
                        _("The market shares of this business profile would add up to "
                          "%(total)s%%; they cannot exceed 100%%.")
                        % {"total": total}
                    ]
                }
            )


def record_check(
    *, record_type: str, customer: Customer, instance=None, **fields: Any
) -> None:
    """Run the cross-record checks without writing (for forms that validate before saving)."""
    rt = _record_type(record_type)
    _validate_across_records(rt, customer, _clean_input(rt, fields), instance=instance)


def _rating_event_on_commit(
    record_type: RecordType, record, *, created: bool, before: dict | None = None
) -> None:
    """After commit, the record may be a credit event (lawsuit, statement, bank overdue ...)
    that re-rates the customer; imported here to keep the apps' imports one-way."""
    from credo.rating.services import credit_file_record_saved

    transaction.on_commit(
        functools.partial(
            credit_file_record_saved, record_type=record_type.key, record_id=record.pk,
            created=created, before=before,
        ),
        robust=True,
    )


def _event(record_type: RecordType, action: str, record, payload: dict | None = None) -> None:
    business_event_emit(
        name=f"creditfile.{record_type.key}.{action}",
        customer_id=record.customer_id,
        payload={"id": record.pk, **(payload or {})},
    )


@transaction.atomic
def record_create(*, record_type: str, customer: Customer, **fields: Any) -> CreditFileRecord:
    """Add one record of ``record_type`` to the customer's credit file.

    ``recorded_by`` is the acting user; ``as_of`` defaults to today; a market share takes the
    date of its business profile unless given. Raises ValidationError (message_dict).
    """
    rt = _record_type(record_type)
    data = _clean_input(rt, fields)
    if rt.model is MarketShare and "as_of" not in data and data.get("profile") is not None:
        data["as_of"] = data["profile"].as_of
    _validate_across_records(rt, customer, data)
    data.update(customer=customer, recorded_by=current_actor().username)
    record = model_create(model=rt.model, data=data, customer_id_attr="customer_id")
    _event(rt, "created", record)
    _rating_event_on_commit(rt, record, created=True)
    return record


@transaction.atomic
def record_update(*, record: CreditFileRecord, **fields: Any) -> bool:
    """Change fields of a record; returns False (and logs nothing) when nothing changed."""
    rt = record_type_for(record)
    data = _clean_input(rt, fields)
    _validate_across_records(rt, record.customer, data, instance=record)
    from credo.rating.services import credit_file_event_state

    before = credit_file_event_state(record)  # read before the edit changes the instance
    changed = model_update(instance=record, data=data, customer_id_attr="customer_id")
    if changed:
        # The latest editor vouches for the record now.
        record.recorded_by = current_actor().username
        type(record).objects.filter(pk=record.pk).update(recorded_by=record.recorded_by)
        _event(rt, "updated", record, {"fields": sorted(data)})
        _rating_event_on_commit(rt, record, created=False, before=before)
    return changed


@transaction.atomic
def record_delete(*, record: CreditFileRecord) -> None:
    """Delete a record; its attachments stay in the customer's file, detached from it."""
    rt = record_type_for(record)
    content_type = ContentType.objects.get_for_model(record)
    for attachment in Attachment.objects.filter(content_type=content_type, object_id=record.pk):
        model_update(
            instance=attachment, data={"content_type": None, "object_id": None},
            customer_id_attr="customer_id",
        )
    if isinstance(record, BusinessProfile):
        # Deleting a profile deletes its market shares: log each of them too.
        for share in record.market_shares.all():
            record_delete(record=share)
    pk, customer_id = record.pk, record.customer_id
    model_delete(instance=record, customer_id_attr="customer_id")
    business_event_emit(
        name=f"creditfile.{rt.key}.deleted", customer_id=customer_id, payload={"id": pk}
    )


def _business_key_lookup(rt: RecordType, data: dict[str, Any]) -> dict[str, Any]:
    lookup = {}
    for name in rt.business_key:
        if name in data:
            lookup[name] = data[name]
        else:
            field = rt.model._meta.get_field(name)
            assert isinstance(field, models.Field)
            lookup[name] = field.get_default() if field.has_default() else None
    return lookup


@transaction.atomic
def record_upsert(
    *, record_type: str, customer: Customer, **fields: Any
) -> tuple[CreditFileRecord, bool, bool]:
    """Create or update the record identified by the type's business key within the customer.

    Returns ``(record, created, changed)``; an identical upsert writes nothing (no change-log row).
    """
    rt = _record_type(record_type)
    data = _clean_input(rt, fields)
    if rt.model is MarketShare and "as_of" not in data and data.get("profile") is not None:
        data["as_of"] = data["profile"].as_of
    # The abstract base does not declare the customer FK, so the type checker can't see it.
    manager: Any = rt.model._default_manager
    existing = (
        manager.filter(customer=customer, **_business_key_lookup(rt, data))
        .order_by("pk")
        .first()
    )
    if existing is None:
        record = record_create(record_type=rt.key, customer=customer, **data)
        return record, True, True
    changed = record_update(record=existing, **data)
    return existing, False, changed


# Attachments ---------------------------------------------------------------------------------


def attachment_file_check(file) -> tuple[str, int]:
    """Reject a file of a type not on the whitelist or larger than the limit; returns name, size."""
    name = os.path.basename(getattr(file, "name", "") or "")
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in ALLOWED_ATTACHMENT_EXTENSIONS:
        raise ValidationError(
            {
                "file": [
                    _("Files of type “%(extension)s” cannot be attached. Allowed types: "
                      "%(allowed)s.")
                    % {
                        "extension": extension or "?",
                        "allowed": ", ".join(ALLOWED_ATTACHMENT_EXTENSIONS),
                    }
                ]
            }
        )
    size = int(getattr(file, "size", 0) or 0)
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("The file has %(size).1f MB; an attachment may have at most %(max)d MB.")
                    % {"size": size / 1024 / 1024, "max": MAX_ATTACHMENT_BYTES // 1024 // 1024}
                ]
            }
        )
    if size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    return name, size


@transaction.atomic
def attachment_add(
    *, customer: Customer, file, title: str, kind: str = "", record=None
) -> Attachment:
    """Store a document in the customer's file, optionally tied to one credit-file record.

    Checks the extension whitelist and the 20 MB limit before anything is stored.
    """
    name, size = attachment_file_check(file)
    data: dict[str, Any] = {
        "customer": customer,
        "file": file,
        "original_name": name[:255],
        "size": size,
        "title": (title or "").strip() or name[:200],
        "kind": kind or AttachmentKind.OTHER,
        "uploaded_by": current_actor().username,
    }
    if record is not None:
        try:
            record_type_for(record)
        except KeyError:
            raise ValidationError(
                {"record": [_("Attachments can only be tied to credit-file records.")]}
            ) from None
        if record.customer_id != customer.pk:
            raise ValidationError({"record": [_("This record belongs to another customer.")]})
        data["content_type"] = ContentType.objects.get_for_model(record)
        data["object_id"] = record.pk
    attachment = model_create(model=Attachment, data=data, customer_id_attr="customer_id")
    business_event_emit(
        name="creditfile.attachment.created",
        customer_id=customer.pk,
        payload={"id": attachment.pk, "title": attachment.title, "kind": attachment.kind},
    )
    return attachment


@transaction.atomic
def attachment_update(
    *, attachment: Attachment, title: str | None = None, kind: str | None = None
) -> bool:
    """Rename or reclassify an attachment (the file itself is never replaced)."""
    data: dict[str, Any] = {}
    if title is not None:
        data["title"] = title.strip()
    if kind is not None:
        data["kind"] = kind
    changed = model_update(instance=attachment, data=data, customer_id_attr="customer_id")
    if changed:
        business_event_emit(
            name="creditfile.attachment.updated",
            customer_id=attachment.customer_id,
            payload={"id": attachment.pk, "fields": sorted(data)},
        )
    return changed


@transaction.atomic
def attachment_delete(*, attachment: Attachment) -> None:
    """Delete an attachment; the stored file is removed once the deletion is committed."""
    stored_name = attachment.file.name
    pk, customer_id, title = attachment.pk, attachment.customer_id, attachment.title
    model_delete(instance=attachment, customer_id_attr="customer_id")
    business_event_emit(
        name="creditfile.attachment.deleted",
        customer_id=customer_id,
        payload={"id": pk, "title": title},
    )
    if stored_name:
        transaction.on_commit(lambda: default_storage.delete(stored_name))
