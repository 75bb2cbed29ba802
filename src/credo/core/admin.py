"""Admin registrations of the core models: the logs are read-only evidence."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AccessLog, ApiToken, BusinessEvent, LoginFailure, ObjectChange


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are written by services only; nobody edits or deletes them through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ObjectChange)
class ObjectChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "time",
        "user_name",
        "action",
        "object_type",
        "object_repr",
        "customer_id",
        "request_id",
    )
    list_filter = ("action", "object_type", "channel")
    search_fields = ("object_repr", "object_id", "user_name", "request_id")
    date_hierarchy = "time"


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("time", "user_name", "resource", "customer_id", "sensitive_shown", "channel")
    list_filter = ("channel", "sensitive_shown", "resource")
    search_fields = ("user_name", "resource", "detail", "request_id")
    date_hierarchy = "time"


@admin.register(BusinessEvent)
class BusinessEventAdmin(ReadOnlyAdmin):
    list_display = ("time", "name", "customer_id", "user_name", "request_id")
    list_filter = ("name",)
    search_fields = ("name", "user_name", "request_id")
    date_hierarchy = "time"


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Deleting an entry unlocks the user name."""

    list_display = ("username", "failures", "last_failure_at", "locked_until")
    search_fields = ("username",)
    readonly_fields = ("username", "failures", "last_failure_at", "locked_until")

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with ``credo_token`` (the key is shown once); here they can be revoked."""

    list_display = ("name", "user", "key_prefix", "created_at", "expires_at", "last_used_at")
    search_fields = ("name", "user__username", "key_prefix")
    readonly_fields = ("user", "name", "key_prefix", "key_digest", "created_at", "last_used_at")
    fields = (
        "user",
        "name",
        "key_prefix",
        "key_digest",
        "created_at",
        "expires_at",
        "last_used_at",
    )

    def has_add_permission(self, request):
        return False


admin.site.site_header = _("credo administration")
admin.site.site_title = _("credo administration")
