"""Admin for credit rating: read-mostly.

Ratings, events, overrides and notifications are written by the rating services (validation,
change log, events, re-rating after commit) and only shown here. Scorecard versions are
registered and activated through the services as well; the admin shows them with their JSON.
"""

from __future__ import annotations

from django.contrib import admin

from .models import (
    CreditEvent,
    CreditReview,
    Notification,
    Rating,
    RatingJobRun,
    RatingOverride,
    ScorecardVersion,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewing only: writes go through the rating services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CustomerReadOnlyAdmin(ReadOnlyAdmin):
    search_fields = ("customer__name_zh", "customer__name_en", "customer__code")

    def get_queryset(self, request):
        # Same visibility as everywhere else: an account manager sees own customers only.
        return super().get_queryset(request).restrict(request.user)


@admin.register(ScorecardVersion)
class ScorecardVersionAdmin(ReadOnlyAdmin):
    list_display = ("key", "version", "name", "kind", "status", "activated_at", "approved_by")
    list_filter = ("kind", "status")
    search_fields = ("key", "name")
    list_select_related = ("approved_by",)


@admin.register(Rating)
class RatingAdmin(CustomerReadOnlyAdmin):
    list_display = ("rated_at", "customer", "grade", "score", "pd", "previous_grade", "trigger",
                    "is_current", "scorecard")
    list_filter = ("grade", "trigger", "is_current")
    list_select_related = ("customer", "scorecard")
    raw_id_fields = ("customer", "event", "override")
    date_hierarchy = "rated_at"


@admin.register(CreditEvent)
class CreditEventAdmin(CustomerReadOnlyAdmin):
    list_display = ("occurred_on", "customer", "kind", "recorded_by", "processed_at", "rating")
    list_filter = ("kind",)
    list_select_related = ("customer", "recorded_by", "rating")
    raw_id_fields = ("customer", "rating")
    date_hierarchy = "occurred_on"


@admin.register(RatingOverride)
class RatingOverrideAdmin(CustomerReadOnlyAdmin):
    list_display = ("created_at", "customer", "proposed_grade", "status", "proposed_by",
                    "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("customer", "proposed_by", "decided_by")
    raw_id_fields = ("customer", "rating")


@admin.register(CreditReview)
class CreditReviewAdmin(CustomerReadOnlyAdmin):
    list_display = ("due_on", "customer", "grade", "status", "completed_on", "completed_by")
    list_filter = ("status", "grade")
    list_select_related = ("customer", "completed_by")
    raw_id_fields = ("customer", "rating", "completion_rating")
    date_hierarchy = "due_on"


@admin.register(RatingJobRun)
class RatingJobRunAdmin(ReadOnlyAdmin):
    list_display = ("job", "run_on", "finished_at")
    list_filter = ("job",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "customer", "kind", "read_at")
    list_filter = ("kind",)
    list_select_related = ("user", "customer")
    raw_id_fields = ("user", "customer", "rating")

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)
