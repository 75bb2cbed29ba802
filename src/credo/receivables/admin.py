"""Admin for the receivables ledger: read-only, since every write must go through a service
(which keeps the exposure aggregates in step). FX rates and payment terms can be added here;
those saves call the services too."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    Allocation,
    CreditNote,
    CustomerExposure,
    Delivery,
    Dispute,
    FxRate,
    Invoice,
    InvoiceInstalment,
    OpenItemDue,
    Payment,
    PaymentTerms,
    SalesOrder,
    Security,
    WriteOff,
)
from .selectors import company_currency


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and detail pages only: documents are posted, cancelled and allocated by services."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CustomerDocumentAdmin(ReadOnlyAdmin):
    list_select_related = ("customer",)
    search_fields = ("number", "customer__name_zh", "customer__name_en", "customer__code")
    raw_id_fields = ("customer",)


@admin.register(PaymentTerms)
class PaymentTermsAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "days")
    search_fields = ("code", "name")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        services.payment_terms_create(
            code=obj.code, name=obj.name, kind=obj.kind, days=obj.days,
            instalments=obj.instalments,
        )


class FxRateForm(forms.ModelForm):
    """Applies the rules of ``fx_rate_set`` before the admin saves through it."""

    class Meta:
        model = FxRate
        fields = ("currency", "rate_date", "rate")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("currency") == company_currency():
            self.add_error("currency", _("The company currency needs no FX rate."))
        rate = cleaned.get("rate")
        if rate is not None and rate <= 0:
            self.add_error("rate", _("The FX rate must be above zero."))
        return cleaned


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    form = FxRateForm
    list_display = ("currency", "rate_date", "rate")
    list_filter = ("currency",)
    date_hierarchy = "rate_date"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        services.fx_rate_set(currency=obj.currency, rate_date=obj.rate_date, rate=obj.rate)


@admin.register(SalesOrder)
class SalesOrderAdmin(CustomerDocumentAdmin):
    list_display = ("number", "customer", "order_date", "amount", "currency", "status",
                    "credit_status")
    list_filter = ("status", "credit_status", "currency")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("number", "order", "delivery_date", "amount")
    search_fields = ("number", "order__number")


class InstalmentInline(admin.TabularInline):
    model = InvoiceInstalment
    fields = ("sequence", "due_date", "amount", "amount_company")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(CustomerDocumentAdmin):
    list_display = ("number", "customer", "invoice_date", "amount", "currency", "status")
    list_filter = ("status", "currency")
    inlines = [InstalmentInline]


@admin.register(InvoiceInstalment)
class InvoiceInstalmentAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "sequence", "due_date", "amount", "amount_company")
    search_fields = ("invoice__number",)


@admin.register(CreditNote)
class CreditNoteAdmin(CustomerDocumentAdmin):
    list_display = ("number", "customer", "note_date", "amount", "currency", "reason")


@admin.register(Payment)
class PaymentAdmin(CustomerDocumentAdmin):
    list_display = ("number", "customer", "payment_date", "amount", "currency")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("instalment", "payment", "credit_note", "allocation_date", "amount")
    search_fields = ("instalment__invoice__number", "payment__number", "credit_note__number")


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnlyAdmin):
    list_display = ("instalment", "write_off_date", "amount", "reason")


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("instalment", "amount", "opened_on", "resolved_on", "reason")


@admin.register(Security)
class SecurityAdmin(CustomerDocumentAdmin):
    list_display = ("customer", "kind", "amount", "currency", "valid_from", "valid_until")
    search_fields = ("customer__name_zh", "customer__name_en", "customer__code")


@admin.register(CustomerExposure)
class CustomerExposureAdmin(ReadOnlyAdmin):
    list_display = ("customer", "open_orders", "delivered_not_invoiced", "open_receivables",
                    "disputed", "secured", "updated_at")
    list_select_related = ("customer",)
    search_fields = ("customer__name_zh", "customer__name_en", "customer__code")


@admin.register(OpenItemDue)
class OpenItemDueAdmin(ReadOnlyAdmin):
    list_display = ("customer", "due_date", "amount")
