"""Admin for the credit file. Saves and deletes go through the services (change log, events)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import services
from .models import (
    Affiliation,
    Attachment,
    BankRelation,
    BusinessProfile,
    FinancialStatement,
    KeyManager,
    MarketShare,
    PublicRecord,
    Shareholder,
    TradeReference,
)
from .registry import RECORD_TYPES, RecordType


class RecordAdminForm(forms.ModelForm):
    """Adds the services' cross-record checks (e.g. market shares <= 100 %) to form validation."""

    record_type: RecordType

    def clean(self):
        cleaned = super().clean()
        customer = cleaned.get("customer") or getattr(self.instance, "customer", None)
        if customer is None:
            return cleaned
        data = {k: v for k, v in cleaned.items() if k in self.record_type.fields}
        try:
            services.record_check(
                record_type=self.record_type.key,
                customer=customer,
                instance=self.instance if self.instance.pk else None,
                **data,
            )
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                target = field_name if field_name in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        return cleaned


class RecordAdmin(admin.ModelAdmin):
    """Generic admin for a registry record type."""

    record_type: RecordType
    list_select_related = ("customer",)
    # A select of every customer does not scale to large portfolios: pick by id with a lookup.
    raw_id_fields: tuple[str, ...] = ("customer",)
    readonly_fields = ("recorded_by", "created_at", "updated_at")
    search_fields = ("customer__name_zh", "customer__name_en", "customer__code")
    list_filter = ("source",)
    date_hierarchy = "as_of"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = type(
            "RecordForm", (RecordAdminForm,), {"record_type": self.record_type}
        )
        kwargs["form"] = form_class
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        editable = ("customer",) if obj is None else ()
        return (*editable, *self.record_type.fields, *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        # The customer of a record never changes; move data by deleting and re-creating.
        return (*self.readonly_fields, "customer") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {k: v for k, v in form.cleaned_data.items() if k in self.record_type.fields}
        if change:
            record = type(obj).objects.get(pk=obj.pk)
            services.record_update(record=record, **data)
        else:
            record = services.record_create(
                record_type=self.record_type.key, customer=form.cleaned_data["customer"], **data
            )
        obj.pk = record.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """No many-to-many fields or inlines: nothing to save besides the record."""

    def delete_model(self, request, obj):
        services.record_delete(record=obj)

    def delete_queryset(self, request, queryset):
        for record in queryset:
            services.record_delete(record=record)


def _register(model, list_display: tuple[str, ...], **options) -> None:
    record_type = next(rt for rt in RECORD_TYPES.values() if rt.model is model)
    attrs = {"record_type": record_type, "list_display": ("customer", *list_display), **options}
    admin.site.register(model, type(f"{model.__name__}Admin", (RecordAdmin,), attrs))


_register(Shareholder, ("name", "shareholder_type", "share_percent", "as_of", "source"))
_register(KeyManager, ("name", "title", "since", "as_of"))
_register(Affiliation, ("related_company_name", "relation_type", "as_of"))
_register(BusinessProfile, ("as_of", "employees", "source"))
_register(MarketShare, ("profile", "region", "percent"), raw_id_fields=("customer", "profile"))
_register(
    FinancialStatement,
    ("period_type", "period_end", "audited", "total_assets", "revenue", "net_profit"),
    list_filter=("period_type", "audited", "source"),
)
_register(TradeReference, ("supplier", "payment_experience", "days_beyond_terms", "as_of"))
_register(BankRelation, ("bank", "branch", "credit_line", "overdue_count", "as_of"))
_register(
    PublicRecord,
    ("kind", "title", "status", "event_date", "as_of"),
    list_filter=("kind", "status", "source"),
)


class AttachmentAdminForm(forms.ModelForm):
    """Runs the service's file checks so a bad upload is a form error, not a server error."""

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded and not self.instance.pk:
            try:
                services.attachment_file_check(uploaded)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["file"]) from None
        return uploaded


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Attachments are added through the service (size and type checks); only title and kind
    can be changed afterwards."""

    form = AttachmentAdminForm
    raw_id_fields = ("customer",)
    list_display = ("title", "customer", "kind", "original_name", "size", "uploaded_by",
                    "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "original_name", "customer__name_zh", "customer__code")
    list_select_related = ("customer",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("customer", "file", "title", "kind")
        return ("customer", "file", "original_name", "size", "title", "kind", "content_type",
                "object_id", "uploaded_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("customer", "file", "original_name", "size", "content_type", "object_id",
                "uploaded_by", "created_at")

    def save_model(self, request, obj, form, change):
        if change:
            attachment = Attachment.objects.get(pk=obj.pk)
            services.attachment_update(
                attachment=attachment,
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
            )
        else:
            attachment = services.attachment_add(
                customer=form.cleaned_data["customer"],
                file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
            )
        obj.pk = attachment.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.attachment_delete(attachment=obj)

    def delete_queryset(self, request, queryset):
        for attachment in queryset:
            services.attachment_delete(attachment=attachment)
