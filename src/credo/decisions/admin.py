"""Admin for credit decisions.

Policies and release authorities are edited here, through the services (validation, change log,
events). Limits, list entries, checks and order decisions are shown read-only: they are
documented decisions written by their services, never edited in place.
"""

from __future__ import annotations

from django.contrib import admin

from . import services
from .models import (
    CheckPolicy,
    CreditCheck,
    CreditLimit,
    CustomerSegment,
    ListEntry,
    OrderCreditDecision,
    ReleaseAuthority,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewing only: writes go through the decision services."""

    raw_id_fields: tuple[str, ...] = ("customer",)
    search_fields = ("customer__name_zh", "customer__name_en", "customer__code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditLimit)
class CreditLimitAdmin(ReadOnlyAdmin):
    list_display = ("customer", "amount", "currency", "valid_from", "valid_until", "review_due",
                    "approved_by")
    list_select_related = ("customer", "approved_by")
    date_hierarchy = "valid_from"


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdmin):
    list_display = ("customer", "list_kind", "since", "until", "added_by")
    list_filter = ("list_kind",)
    list_select_related = ("customer", "added_by")


@admin.register(CustomerSegment)
class CustomerSegmentAdmin(ReadOnlyAdmin):
    list_display = ("customer", "policy")
    list_filter = ("policy",)
    list_select_related = ("customer", "policy")


@admin.register(CreditCheck)
class CreditCheckAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "customer", "order", "amount", "currency", "outcome",
                    "available_credit", "user")
    list_filter = ("outcome", "policy_key")
    list_select_related = ("customer", "order", "user")
    raw_id_fields = ("customer", "order")
    date_hierarchy = "created_at"


@admin.register(OrderCreditDecision)
class OrderCreditDecisionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "order", "customer", "action", "previous_status",
                    "new_status", "valid_until", "decided_by")
    list_filter = ("action",)
    list_select_related = ("customer", "order", "decided_by")
    raw_id_fields = ("customer", "order", "credit_check")


@admin.register(CheckPolicy)
class CheckPolicyAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "updated_at")
    fields = ("key", "name", "counted_buckets", "steps")

    def get_readonly_fields(self, request, obj=None):
        return ("key",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        saved = services.check_policy_save(
            key=obj.key, name=obj.name, steps=obj.steps, counted_buckets=obj.counted_buckets
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # segments refer to policies; the default policy must stay


@admin.register(ReleaseAuthority)
class ReleaseAuthorityAdmin(admin.ModelAdmin):
    list_display = ("group_name", "max_amount")

    def save_model(self, request, obj, form, change):
        saved = services.release_authority_set(
            group_name=obj.group_name, max_amount=obj.max_amount
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False
