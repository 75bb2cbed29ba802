"""Cross-cutting endpoints: the caller, reference data, a customer's history, the access log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from credo.core.models import AccessLog, ObjectChange
from credo.core.permissions import VIEW_ACCESSLOG, VIEW_CHANGELOG
from credo.core.services import access_log_write
from credo.core.validators import mask_account_number, mask_id_number, mask_text
from credo.customers.models import Industry, Tag
from credo.customers.selectors import can_view_sensitive

from ..auth import acting_user, require_perm
from ..errors import READ_ERRORS
from ..schemas.common import paginate
from ..schemas.core import (
    AccessLogFilters,
    AccessLogPage,
    ChangePage,
    HistoryFilters,
    IndustryOut,
    MeOut,
    TagOut,
)
from .customers import visible_customer

router = Router(tags=["core"])


@router.get("/me", response={200: MeOut, **READ_ERRORS}, summary="The authenticated user")
def me(request: HttpRequest):
    user = acting_user(request)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "email": user.email,
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(user.get_all_permissions()),
        "can_view_sensitive": can_view_sensitive(user),
    }


@router.get(
    "/industries",
    response={200: list[IndustryOut], **READ_ERRORS},
    summary="GB/T 4754-2017 sections and divisions",
)
def list_industries(request: HttpRequest):
    require_perm(request, "customers.view_industry")
    return [
        {
            "code": industry.code,
            "name_zh": industry.name_zh,
            "name_en": industry.name_en,
            "section": industry.parent.code if industry.parent_id else None,
        }
        for industry in Industry.objects.select_related("parent")
    ]


@router.get("/tags", response={200: list[TagOut], **READ_ERRORS}, summary="Customer tags")
def list_tags(request: HttpRequest):
    require_perm(request, "customers.view_tag")
    return list(Tag.objects.all())


# --- change history ------------------------------------------------------------------------


def _sensitive_fields_by_type() -> dict[str, dict[str, Any]]:
    """object_type -> {field: masking function}, from the credit-file registry when present."""
    masks: dict[str, dict[str, Any]] = {"customers.customer": {"id_number": mask_id_number}}
    try:
        from credo.creditfile.registry import RECORD_TYPES
    except ImportError:  # the credit file is optional for the customer master
        return masks
    for record_type in RECORD_TYPES.values():
        fields = {}
        for name in record_type.sensitive_fields:
            if "account" in name:
                fields[name] = mask_account_number
            elif "id_number" in name:
                fields[name] = mask_id_number
            else:
                fields[name] = mask_text
        masks[record_type.model._meta.label_lower] = fields
    return masks


def _masked(data: dict[str, Any] | None, masks: dict[str, Any]) -> dict[str, Any] | None:
    if data is None:
        return None
    return {
        key: (masks[key](str(value)) if key in masks and value else value)
        for key, value in data.items()
    }


def _change_out(change: ObjectChange, masks: dict[str, Any]) -> dict[str, Any]:
    before = _masked(change.prechange_data, masks)
    after = _masked(change.postchange_data, masks)
    old, new = before or {}, after or {}
    return {
        "id": change.pk,
        "time": change.time,
        "user_name": change.user_name,
        "channel": change.channel,
        "request_id": change.request_id,
        "action": change.action,
        "object_type": change.object_type,
        "object_id": change.object_id,
        "object_repr": change.object_repr,
        "before": before,
        "after": after,
        "changes": [
            {"field": key, "before": old.get(key), "after": new.get(key)}
            for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)
        ],
    }


@router.get(
    "/customers/{int:customer_id}/history",
    response={200: ChangePage, **READ_ERRORS},
    summary="Change log of a customer and everything in its file, newest first",
)
def customer_history(request: HttpRequest, customer_id: int, filters: Query[HistoryFilters]):
    require_perm(request, VIEW_CHANGELOG)
    user = acting_user(request)
    customer = visible_customer(request, customer_id)
    queryset = ObjectChange.objects.filter(customer_id=customer.pk).order_by("-time", "-id")
    if filters.object_type:
        queryset = queryset.filter(object_type=filters.object_type)
    if filters.action:
        queryset = queryset.filter(action=filters.action)
    count, changes = paginate(queryset, filters)
    sensitive = can_view_sensitive(user)
    all_masks = {} if sensitive else _sensitive_fields_by_type()
    # The history holds credit-file values, so reading it is a credit-file read.
    access_log_write(
        user=user,
        customer_id=customer.pk,
        resource="history",
        detail="api",
        sensitive_shown=sensitive,
    )
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_change_out(change, all_masks.get(change.object_type, {})) for change in changes],
    }


@router.get(
    "/access-log",
    response={200: AccessLogPage, **READ_ERRORS},
    summary="Who read which credit file, newest first (auditors)",
)
def access_log(request: HttpRequest, filters: Query[AccessLogFilters]):
    require_perm(request, VIEW_ACCESSLOG)
    queryset = AccessLog.objects.order_by("-time", "-id")
    if filters.customer is not None:
        queryset = queryset.filter(customer_id=filters.customer)
    if filters.user:
        queryset = queryset.filter(user_name=filters.user)
    if filters.resource:
        queryset = queryset.filter(resource=filters.resource)
    count, entries = paginate(queryset, filters)
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": entries}
