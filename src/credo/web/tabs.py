"""The tabs of the customer page: who may open each one and what it shows.

The six credit-file tabs are generic over ``credo.creditfile.registry``: one per dimension,
one table per record type the user may view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.paginator import Paginator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from credo.core.models import ObjectChange
from credo.core.permissions import VIEW_CHANGELOG, VIEW_CREDITFILE
from credo.core.validators import mask_account_number, mask_id_number
from credo.creditfile.registry import Dimension, RecordType, record_type_for, record_types_of
from credo.creditfile.selectors import (
    STATUS_LABELS,
    attachment_list,
    completeness,
    creditfile_read_logged,
    record_list,
    record_values,
)
from credo.customers.models import Customer, OwnershipPeriod
from credo.customers.selectors import can_view_sensitive

HISTORY_PAGE_SIZE = 25
# Record types with more fields than this are shown transposed (fields down, records across),
# which is how financial statements are read.
TRANSPOSE_AFTER_FIELDS = 12

# Sensitive fields anywhere in the change log, with their maskers.
_SENSITIVE_FIELD_MASKERS = {"id_number": mask_id_number, "account_number": mask_account_number}

DIMENSION_TAB_KEYS = {
    Dimension.BASIC: "basic",
    Dimension.BUSINESS: "business",
    Dimension.FINANCES: "finances",
    Dimension.PAYMENT: "payment",
    Dimension.BANK: "bank",
    Dimension.PUBLIC: "public",
}


def model_perm(action: str, record_type: RecordType) -> str:
    meta = record_type.model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


@dataclass(frozen=True)
class Tab:
    """One tab of the customer page."""

    key: str
    label: str
    template: str
    permissions: tuple[str, ...] = ()
    dimension: Dimension | None = None
    builder: Callable | None = field(default=None, compare=False)

    def allowed(self, user) -> bool:
        if not user.has_perms(self.permissions):
            return False
        if self.dimension is not None:
            return any(
                user.has_perm(model_perm("view", rt)) for rt in record_types_of(self.dimension)
            )
        return True

    def build(self, request, customer) -> dict:
        return self.builder(self, request, customer) if self.builder else {}


# Builders ------------------------------------------------------------------------------------


def _overview(tab, request, customer) -> dict:
    user = request.user
    return {
        "may_add_alias": user.has_perm("customers.add_customeralias"),
        "may_delete_alias": user.has_perm("customers.delete_customeralias"),
        "may_add_external_id": user.has_perm("customers.add_externalid"),
        "may_delete_external_id": user.has_perm("customers.delete_externalid"),
        "primary_contact": customer.contacts.filter(is_primary=True).first()
        if request.user.has_perm("customers.view_contact")
        else None,
        "aliases": customer.aliases.all(),
        "external_ids": customer.external_ids.all(),
        "subsidiaries": Customer.objects.restrict(request.user).filter(parent=customer),
        "tags": customer.tags.all(),
    }


def _field_label(record_type: RecordType, name: str) -> str:
    return record_type.model._meta.get_field(name).verbose_name


def _record_section(request, customer, record_type: RecordType) -> dict:
    user = request.user
    records = list(record_list(user=user, record_type=record_type.key, customer=customer))
    rows = [
        {"record": record, "values": list(record_values(record=record, user=user).values())}
        for record in records
    ]
    columns = [_field_label(record_type, name) for name in record_type.fields]
    transposed = len(record_type.fields) > TRANSPOSE_AFTER_FIELDS
    section = {
        "type": record_type,
        "columns": columns,
        "rows": rows,
        "transposed": transposed,
        "may_add": user.has_perm(model_perm("add", record_type)),
        "may_change": user.has_perm(model_perm("change", record_type)),
        "may_delete": user.has_perm(model_perm("delete", record_type)),
    }
    if transposed:
        section["field_rows"] = [
            {"label": label, "values": [row["values"][index] for row in rows]}
            for index, label in enumerate(columns)
        ]
    return section


def _dimension(tab, request, customer) -> dict:
    sections = [
        _record_section(request, customer, record_type)
        for record_type in record_types_of(tab.dimension)
        if request.user.has_perm(model_perm("view", record_type))
    ]
    creditfile_read_logged(
        user=request.user,
        customer=customer,
        resource=f"creditfile.{tab.key}",
        detail=", ".join(section["type"].key for section in sections),
    )
    return {"sections": sections}


def _contacts(tab, request, customer) -> dict:
    return {
        "contacts": customer.contacts.all(),
        "may_add": request.user.has_perm("customers.add_contact"),
        "may_change": request.user.has_perm("customers.change_contact"),
        "may_delete": request.user.has_perm("customers.delete_contact"),
    }


def _record_label(record) -> str:
    """'Shareholder: name' for an attachment tied to a record; empty when it is not."""
    if record is None:
        return ""
    try:
        type_label = record_type_for(record).label
    except KeyError:
        return str(record)
    return f"{capfirst(type_label)}: {record}"


def _attachments(tab, request, customer) -> dict:
    creditfile_read_logged(user=request.user, customer=customer, resource="creditfile.attachments")
    attachments = list(
        attachment_list(user=request.user, customer=customer).prefetch_related("record")
    )
    for attachment in attachments:
        attachment.record_label = _record_label(attachment.record)
    return {
        "attachments": attachments,
        "may_add": request.user.has_perm("creditfile.add_attachment"),
        "may_delete": request.user.has_perm("creditfile.delete_attachment"),
    }


def _completeness(tab, request, customer) -> dict:
    rows = []
    for item in completeness(customer=customer):
        total = len(item.present) + len(item.missing)
        percent = round(100 * len(item.present) / total) if total else 0
        rows.append(
            {
                "item": item,
                "tab_key": DIMENSION_TAB_KEYS[item.dimension],
                "status_label": STATUS_LABELS[item.status],
                "percent": percent,
                "meter_step": int(round(percent, -1)),
            }
        )
    return {"completeness_rows": rows}


def _masked(name: str, value, show_sensitive: bool):
    masker = _SENSITIVE_FIELD_MASKERS.get(name)
    if masker and value and not show_sensitive:
        return masker(str(value))
    return value


_EMPTY_VALUES = (None, "", [], {})
_HIDDEN_HISTORY_FIELDS = {"id", "created_at", "updated_at"}


def _model_of(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _history_fields(model) -> dict[str, object]:
    """Change-log keys (attnames such as ``industry_id``) mapped to their model fields."""
    if model is None:
        return {}
    fields = {}
    for model_field in model._meta.get_fields():
        if hasattr(model_field, "attname") and hasattr(model_field, "verbose_name"):
            fields[model_field.attname] = model_field
            fields[model_field.name] = model_field
    return fields


def _readable(model_field, value, related_cache: dict):
    """Choice labels instead of codes, related objects' names instead of their ids."""
    if model_field is None or value in _EMPTY_VALUES:
        return value
    if getattr(model_field, "choices", None) and not isinstance(value, list):
        return dict(model_field.flatchoices).get(value, value)
    if model_field.many_to_one or model_field.one_to_one:
        key = (model_field.related_model, value)
        if key not in related_cache:
            related = model_field.related_model._default_manager.filter(pk=value).first()
            related_cache[key] = str(related) if related is not None else f"#{value}"
        return related_cache[key]
    return value


def change_entries(changes, *, show_sensitive: bool) -> list[dict]:
    """Change-log entries as shown: readable labels, sensitive values masked unless allowed.

    Used by the History tab and the global change-log page alike.
    """
    entries = []
    related_cache: dict = {}
    for change in changes:
        model = _model_of(change.object_type)
        model_fields = _history_fields(model)
        fields = []
        for name, before, after in change.changed_fields():
            if name in _HIDDEN_HISTORY_FIELDS or (
                before in _EMPTY_VALUES and after in _EMPTY_VALUES
            ):
                continue
            model_field = model_fields.get(name)
            fields.append(
                (
                    model_field.verbose_name if model_field is not None else name,
                    _readable(model_field, _masked(name, before, show_sensitive), related_cache),
                    _readable(model_field, _masked(name, after, show_sensitive), related_cache),
                )
            )
        entries.append(
            {
                "change": change,
                "fields": fields,
                "type_label": model._meta.verbose_name if model else change.object_type,
            }
        )
    return entries


def object_type_label(object_type: str) -> str:
    model = _model_of(object_type)
    return str(model._meta.verbose_name) if model else object_type


def _history(tab, request, customer) -> dict:
    changes = ObjectChange.objects.filter(customer_id=customer.pk).order_by("-time", "-id")
    page = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    entries = change_entries(page.object_list, show_sensitive=can_view_sensitive(request.user))
    return {"page": page, "entries": entries}


def _ownership(tab, request, customer) -> dict:
    user = request.user
    may_view_team = user.has_perm("customers.view_teammember")
    return {
        "periods": OwnershipPeriod.objects.filter(customer=customer).select_related(
            "account_manager"
        ),
        "may_view_team": may_view_team,
        "team_members": customer.team_members.select_related("user").order_by("user__username")
        if may_view_team
        else [],
        "may_add_member": user.has_perm("customers.add_teammember"),
        "may_delete_member": user.has_perm("customers.delete_teammember"),
    }


def _receivables(tab, request, customer) -> dict:
    # Imported here: views_receivables imports views, which imports this module.
    from .views_receivables import receivables_tab

    return receivables_tab(tab, request, customer)


def _rating(tab, request, customer) -> dict:
    # Imported here: views_rating imports views, which imports this module.
    from .views_rating import rating_tab

    return rating_tab(tab, request, customer)


def _build_tabs() -> list[Tab]:
    result = [
        Tab(
            "overview",
            _("Overview"),
            "web/customers/tabs/overview.html",
            ("customers.view_customer",),
            builder=_overview,
        ),
    ]
    for dimension in Dimension:
        result.append(
            Tab(
                DIMENSION_TAB_KEYS[dimension],
                dimension.label,
                "web/customers/tabs/dimension.html",
                (VIEW_CREDITFILE,),
                dimension=dimension,
                builder=_dimension,
            )
        )
    result += [
        Tab(
            "contacts",
            _("Contacts"),
            "web/customers/tabs/contacts.html",
            ("customers.view_contact",),
            builder=_contacts,
        ),
        Tab(
            "attachments",
            _("Attachments"),
            "web/customers/tabs/attachments.html",
            (VIEW_CREDITFILE, "creditfile.view_attachment"),
            builder=_attachments,
        ),
        Tab(
            "completeness",
            _("Completeness"),
            "web/customers/tabs/completeness.html",
            (VIEW_CREDITFILE,),
            builder=_completeness,
        ),
        Tab(
            "receivables",
            _("Receivables"),
            "web/receivables/tab.html",
            ("receivables.view_invoice",),
            builder=_receivables,
        ),
        Tab(
            "rating",
            _("Rating"),
            "web/rating/tab.html",
            ("rating.view_rating",),
            builder=_rating,
        ),
        Tab(
            "history",
            _("History"),
            "web/customers/tabs/history.html",
            (VIEW_CHANGELOG,),
            builder=_history,
        ),
        Tab(
            "ownership",
            _("Ownership history"),
            "web/customers/tabs/ownership.html",
            ("customers.view_customer",),
            builder=_ownership,
        ),
    ]
    return result


TABS = _build_tabs()
_BY_KEY = {tab.key: tab for tab in TABS}


def find(key: str) -> Tab | None:
    return _BY_KEY.get(key)


def tabs_for(user) -> list[Tab]:
    return [tab for tab in TABS if tab.allowed(user)]
