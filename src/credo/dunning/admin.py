"""Admin for collections.

Dunning levels are edited here through ``dunning_level_save`` (validation, change log, event).
Letters, promises and collector assignments are shown read-only: their services write them.
"""

from __future__ import annotations

from django.contrib import admin

from . import services
from .models import CollectorAssignment, DunningLetter, DunningLevel, PromiseToPay


@admin.register(DunningLevel)
class DunningLevelAdmin(admin.ModelAdmin):
    list_display = (
        "level", "name", "tone", "min_days_overdue", "min_amount", "fee", "annual_interest_rate",
    )

    def has_delete_permission(self, request, obj=None):
        return False  # sent letters refer to their level

    def save_model(self, request, obj, form, change):
        saved = services.dunning_level_save(
            level=obj.level, name=obj.name, min_days_overdue=obj.min_days_overdue,
            tone=obj.tone, min_amount=obj.min_amount, fee=obj.fee,
            annual_interest_rate=obj.annual_interest_rate, template_zh=obj.template_zh,
            template_en=obj.template_en,
        )
        obj.pk = saved.pk


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewing only: writes go through the collections services."""

    raw_id_fields: tuple[str, ...] = ("customer",)
    search_fields = ("customer__name_zh", "customer__name_en", "customer__code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DunningLetter)
class DunningLetterAdmin(ReadOnlyAdmin):
    list_display = ("customer", "level", "as_of", "status", "total_due", "sent_at")
    list_filter = ("status", "level")


@admin.register(PromiseToPay)
class PromiseToPayAdmin(ReadOnlyAdmin):
    list_display = ("customer", "amount", "made_on", "promised_date", "status")
    list_filter = ("status",)


@admin.register(CollectorAssignment)
class CollectorAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("customer", "collector")
