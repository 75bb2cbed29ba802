"""Credit-file endpoints, generic over ``credo.creditfile.registry.RECORD_TYPES``.

Reads need ``customers.view_creditfile`` and the record model's view permission, and every
response carrying credit-file data writes the access log (``creditfile_read_logged``).
Writes need the model's add/change/delete permission and go through ``creditfile.services``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from credo.core.permissions import VIEW_CREDITFILE
from credo.creditfile import selectors, services
from credo.creditfile.models import Attachment
from credo.creditfile.registry import RECORD_TYPES, RecordType, record_type_for
from credo.creditfile.selectors import STATUS_LABELS

from ..auth import acting_user, require_perm
from ..errors import READ_ERRORS, WRITE_ERRORS, NotFound
from ..schemas.common import PageParams, paginate
from ..schemas.creditfile import (
    AttachmentOut,
    DimensionCompletenessOut,
    RecordOut,
    RecordPage,
    RecordTypeOut,
    RecordValuesIn,
)
from .customers import visible_customer

router = Router(tags=["credit file"])

# The record type slug in paths, documented with the known keys (unknown keys -> 404).
TypeKey = Path[str, {"description": "Record type: " + ", ".join(RECORD_TYPES) + "."}]


def _record_type(type_key: str) -> RecordType:
    record_type = RECORD_TYPES.get(type_key)
    if record_type is None:
        raise NotFound(_("Unknown credit-file record type: %(key)s.") % {"key": type_key})
    return record_type


def _perm(record_type: RecordType, action: str) -> str:
    meta = record_type.model._meta
    return f"{meta.app_label}.{get_permission_codename(action, meta)}"


def _require_read(request: HttpRequest, record_type: RecordType) -> None:
    require_perm(request, VIEW_CREDITFILE, _perm(record_type, "view"))


def _visible_record(request: HttpRequest, record_type: RecordType, pk: int):
    try:
        return selectors.record_get(user=acting_user(request), record_type=record_type.key, pk=pk)
    except record_type.model.DoesNotExist:
        raise NotFound(_("Credit-file record not found.")) from None


def _resolve_references(request: HttpRequest, record_type: RecordType, data: dict[str, Any]):
    """Replace ids of referenced records (a market share's profile) by records the user sees."""
    errors: dict[str, list] = {}
    for name in list(data):
        if name not in record_type.fields:
            # Refused here too: a key like "customer" must not reach the service's arguments.
            errors[name] = [_("This field cannot be set here.")]
            continue
        field = record_type.model._meta.get_field(name)
        if not field.is_relation or data[name] is None:
            continue
        manager = field.related_model.objects
        restrict = getattr(manager, "restrict", None)
        queryset = restrict(acting_user(request)) if restrict else manager.all()
        found = queryset.filter(pk=data[name]).first() if str(data[name]).isdigit() else None
        if found is None:
            errors[name] = [_("No such record.")]
        data[name] = found
    if errors:
        raise ValidationError(errors)
    return data


def _record_out(record_type: RecordType, record, user) -> dict[str, Any]:
    codes: dict[str, Any] = {}
    for name in record_type.fields:
        if name in record_type.sensitive_fields:
            continue
        field = record._meta.get_field(name)
        if field.is_relation:
            codes[name] = getattr(record, field.attname)
        elif field.choices:
            codes[name] = getattr(record, name)
    return {
        "id": record.pk,
        "type": record_type.key,
        "customer": record.customer_id,
        "as_of": record.as_of,
        "source": record.source,
        "source_detail": record.source_detail,
        "recorded_by": record.recorded_by,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "values": selectors.record_values(record=record, user=user),
        "codes": codes,
    }


def _log_read(request: HttpRequest, customer, record_type: RecordType, detail: str) -> None:
    selectors.creditfile_read_logged(
        user=acting_user(request),
        customer=customer,
        resource=f"creditfile.{record_type.key}",
        detail=f"api {detail}",
    )


def _logged_record_out(
    request: HttpRequest, record_type: RecordType, record_id: int, action: str
) -> dict[str, Any]:
    """The record as stored and as the caller may see it; the answer is logged as a read."""
    record = _visible_record(request, record_type, record_id)
    _log_read(request, record.customer, record_type, f"{action} {record.pk}")
    return _record_out(record_type, record, acting_user(request))


@router.get(
    "/creditfile/types",
    response={200: list[RecordTypeOut], **READ_ERRORS},
    summary="The credit-file record types and their fields",
)
def list_record_types(request: HttpRequest):
    require_perm(request, VIEW_CREDITFILE)
    result = []
    for record_type in RECORD_TYPES.values():
        fields = []
        for name in record_type.fields:
            field = record_type.model._meta.get_field(name)
            fields.append(
                {
                    "name": name,
                    "label": str(field.verbose_name),
                    "type": field.get_internal_type(),
                    "required": not (field.blank or field.has_default()),
                    "sensitive": name in record_type.sensitive_fields,
                    "choices": [[value, str(label)] for value, label in field.choices]
                    if field.choices
                    else None,
                }
            )
        result.append(
            {
                "key": record_type.key,
                "label": str(record_type.label),
                "label_plural": str(record_type.label_plural),
                "dimension": int(record_type.dimension),
                "dimension_label": str(record_type.dimension.label),
                "fields": fields,
                "business_key": list(record_type.business_key),
            }
        )
    return result


@router.get(
    "/customers/{int:customer_id}/creditfile/{type_key}",
    response={200: RecordPage, **READ_ERRORS},
    summary="Records of one type in a customer's credit file, newest first",
)
def list_records(
    request: HttpRequest,
    customer_id: int,
    type_key: TypeKey,
    page: Query[PageParams],
):
    record_type = _record_type(type_key)
    _require_read(request, record_type)
    user = acting_user(request)
    customer = visible_customer(request, customer_id)
    queryset = selectors.record_list(user=user, record_type=record_type.key, customer=customer)
    count, records = paginate(queryset, page)
    _log_read(request, customer, record_type, "list")
    return {
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
        "items": [_record_out(record_type, record, user) for record in records],
    }


@router.post(
    "/customers/{int:customer_id}/creditfile/{type_key}",
    response={201: RecordOut, **WRITE_ERRORS},
    summary="Add a record to a customer's credit file",
)
def create_record(
    request: HttpRequest, customer_id: int, type_key: TypeKey, payload: RecordValuesIn
):
    record_type = _record_type(type_key)
    require_perm(request, _perm(record_type, "add"))
    customer = visible_customer(request, customer_id)
    data = _resolve_references(request, record_type, payload.model_dump())
    record = services.record_create(record_type=record_type.key, customer=customer, **data)
    return Status(201, _logged_record_out(request, record_type, record.pk, "create"))


@router.get(
    "/creditfile/{type_key}/{int:record_id}",
    response={200: RecordOut, **READ_ERRORS},
    summary="Get one credit-file record",
)
def get_record(request: HttpRequest, type_key: TypeKey, record_id: int):
    record_type = _record_type(type_key)
    _require_read(request, record_type)
    return _logged_record_out(request, record_type, record_id, "get")


@router.patch(
    "/creditfile/{type_key}/{int:record_id}",
    response={200: RecordOut, **WRITE_ERRORS},
    summary="Change fields of a credit-file record (send only the changes)",
)
def update_record(request: HttpRequest, type_key: TypeKey, record_id: int, payload: RecordValuesIn):
    record_type = _record_type(type_key)
    require_perm(request, _perm(record_type, "change"))
    record = _visible_record(request, record_type, record_id)
    data = _resolve_references(request, record_type, payload.model_dump())
    services.record_update(record=record, **data)
    return _logged_record_out(request, record_type, record_id, "update")


@router.delete(
    "/creditfile/{type_key}/{int:record_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a credit-file record",
)
def delete_record(request: HttpRequest, type_key: TypeKey, record_id: int):
    record_type = _record_type(type_key)
    require_perm(request, _perm(record_type, "delete"))
    services.record_delete(record=_visible_record(request, record_type, record_id))
    return Status(204, None)


@router.get(
    "/customers/{int:customer_id}/completeness",
    response={200: list[DimensionCompletenessOut], **READ_ERRORS},
    summary="Per dimension of the credit file: what is present, missing or out of date",
)
def customer_completeness(request: HttpRequest, customer_id: int):
    require_perm(request, VIEW_CREDITFILE, "customers.view_customer")
    customer = visible_customer(request, customer_id)
    result = [
        {
            "dimension": int(item.dimension),
            "label": item.label,
            "present": item.present,
            "missing": item.missing,
            "newest_as_of": item.newest_as_of,
            "age_days": item.age_days,
            "stale": item.stale,
            "status": item.status,
            "status_label": str(STATUS_LABELS[item.status]),
            "stale_after_days": item.stale_after_days,
        }
        for item in selectors.completeness(customer=customer)
    ]
    selectors.creditfile_read_logged(
        user=acting_user(request),
        customer=customer,
        resource="creditfile.completeness",
        detail="api",
    )
    return result


# --- attachments ---------------------------------------------------------------------------


def _attachment_out(attachment: Attachment) -> dict[str, Any]:
    record_type_key = None
    if attachment.content_type_id:
        model = attachment.content_type.model_class()
        try:
            record_type_key = record_type_for(model).key
        except KeyError:
            record_type_key = None
    return {
        "id": attachment.pk,
        "customer": attachment.customer_id,
        "title": attachment.title,
        "kind": attachment.kind,
        "original_name": attachment.original_name,
        "size": attachment.size,
        "uploaded_by": attachment.uploaded_by,
        "record_type": record_type_key,
        "record_id": attachment.object_id,
        "created_at": attachment.created_at,
    }


def _visible_attachment(request: HttpRequest, pk: int) -> Attachment:
    attachment = (
        Attachment.objects.restrict(acting_user(request))
        .select_related("customer", "content_type")
        .filter(pk=pk)
        .first()
    )
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    return attachment


@router.get(
    "/customers/{int:customer_id}/attachments",
    response={200: list[AttachmentOut], **READ_ERRORS},
    summary="Documents in a customer's credit file, newest first",
)
def list_attachments(request: HttpRequest, customer_id: int):
    require_perm(request, VIEW_CREDITFILE, "creditfile.view_attachment")
    customer = visible_customer(request, customer_id)
    attachments = selectors.attachment_list(user=acting_user(request), customer=customer)
    selectors.creditfile_read_logged(
        user=acting_user(request),
        customer=customer,
        resource="creditfile.attachments",
        detail="api list",
    )
    return [_attachment_out(a) for a in attachments.select_related("content_type")]


@router.post(
    "/customers/{int:customer_id}/attachments",
    response={201: AttachmentOut, **WRITE_ERRORS},
    summary="Upload a document (multipart), optionally tied to one credit-file record",
)
def upload_attachment(
    request: HttpRequest,
    customer_id: int,
    file: File[UploadedFile],
    title: Form[str] = "",
    kind: Form[str] = "",
    record_type: Form[str] = "",
    record_id: Form[int | None] = None,
):
    require_perm(request, "creditfile.add_attachment")
    customer = visible_customer(request, customer_id)
    record = None
    if record_type or record_id is not None:
        known = RECORD_TYPES.get(record_type)
        record = (
            known.model.objects.restrict(acting_user(request)).filter(pk=record_id).first()
            if known and record_id is not None
            else None
        )
        if record is None:
            raise ValidationError({"record_id": [_("No such record.")]})
    attachment = services.attachment_add(
        customer=customer, file=file, title=title, kind=kind, record=record
    )
    return Status(201, _attachment_out(attachment))


@router.get(
    "/attachments/{int:attachment_id}/download",
    response={200: None, **READ_ERRORS},
    summary="Download the stored file of an attachment",
)
def download_attachment(request: HttpRequest, attachment_id: int):
    require_perm(request, VIEW_CREDITFILE, "creditfile.view_attachment")
    attachment = _visible_attachment(request, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("The stored file is missing.")) from None
    selectors.creditfile_read_logged(
        user=acting_user(request),
        customer=attachment.customer,
        resource="creditfile.attachment",
        detail=f"api {attachment.pk} {attachment.title}",
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name or attachment.file.name.rsplit("/", 1)[-1],
    )


@router.delete(
    "/attachments/{int:attachment_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an attachment and its stored file",
)
def delete_attachment(request: HttpRequest, attachment_id: int):
    require_perm(request, "creditfile.delete_attachment")
    services.attachment_delete(attachment=_visible_attachment(request, attachment_id))
    return Status(204, None)
