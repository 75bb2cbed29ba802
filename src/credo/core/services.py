"""Core services: change log, access log, business events, roles, API tokens, login lockout."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.utils import timezone

from .context import current_actor
from .models import AccessLog, ApiToken, BusinessEvent, ChangeAction, LoginFailure, ObjectChange
from .permissions import ROLES

# Fields never copied into the change log in clear text.
_REDACTED_FIELDS = {"password"}


def _json_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name or None
    return value


def serialize_instance(instance: models.Model) -> dict[str, Any]:
    """A JSON-safe snapshot of concrete fields (FKs as ids) for before/after comparison."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in _REDACTED_FIELDS:
            continue
        data[field.attname] = _json_value(getattr(instance, field.attname))
    for field in instance._meta.many_to_many:
        if instance.pk:
            data[field.name] = sorted(
                getattr(instance, field.name).values_list("pk", flat=True)
            )
    data.pop("updated_at", None)
    return data


def change_log_write(
    *,
    instance: models.Model,
    action: str,
    before: dict[str, Any] | None,
    customer_id: int | None,
) -> ObjectChange | None:
    """Record one change; an update that changed nothing is not recorded (idempotent imports)."""
    after = serialize_instance(instance) if action != ChangeAction.DELETE else None
    if action == ChangeAction.UPDATE and before == after:
        return None
    actor = current_actor()
    return ObjectChange.objects.create(
        user_id=actor.user_id,
        user_name=actor.username,
        request_id=actor.request_id,
        channel=actor.channel,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        customer_id=customer_id,
        prechange_data=before,
        postchange_data=after,
    )


def business_event_emit(*, name: str, customer_id: int | None, payload: dict) -> BusinessEvent:
    """Write a typed business event in the caller's transaction."""
    actor = current_actor()
    return BusinessEvent.objects.create(
        name=name,
        customer_id=customer_id,
        user_name=actor.username,
        request_id=actor.request_id,
        payload={k: _json_value(v) for k, v in payload.items()},
    )


def access_log_write(
    *, user, customer_id: int | None, resource: str, detail: str = "", sensitive_shown: bool = False
) -> AccessLog:
    """Record a read of a credit file (or of a report) by ``user``."""
    actor = current_actor()
    return AccessLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        user_name=getattr(user, "username", "") or actor.username,
        request_id=actor.request_id,
        channel=actor.channel,
        customer_id=customer_id,
        resource=resource,
        detail=detail[:200],
        sensitive_shown=sensitive_shown,
    )


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Create or update one group per role with exactly the role's permissions."""
    result: dict[str, int] = {}
    all_credo = Permission.objects.filter(
        content_type__app_label__in=[
            "core", "customers", "creditfile", "receivables", "decisions", "collections",
            "rating", "auth",
        ]
    )
    for key, spec in ROLES.items():
        group, _created = Group.objects.get_or_create(name=key)
        if spec["permissions"] == "__all__":
            perms = list(all_credo)
        else:
            perms = []
            for dotted in spec["permissions"]:
                app_label, codename = dotted.split(".", 1)
                perm = Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).first()
                if perm is not None:
                    perms.append(perm)
        group.permissions.set(perms)
        result[key] = len(perms)
    return result


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with the clear key, which is shown once and never stored."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_prefix=key[:8], key_digest=_digest(key), expires_at=expires_at
    )
    return token, key


TOKEN_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def api_token_authenticate(key: str):
    """Return the active user owning ``key``, or None."""
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_digest=_digest(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at and token.expires_at <= now:
        return None
    # Recorded to the minute: a write on every request would serialise all API calls on
    # SQLite's single writer (and cost a commit each on PostgreSQL).
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def login_is_locked(username: str) -> bool:
    entry = LoginFailure.objects.filter(username__iexact=username).first()
    return bool(entry and entry.locked_until and entry.locked_until > timezone.now())


@transaction.atomic
def login_failure_record(*, username: str, max_failures: int, lock_minutes: int) -> LoginFailure:
    """Count a failed login; lock the user name after ``max_failures`` in a row."""
    now = timezone.now()
    entry, _created = LoginFailure.objects.select_for_update().get_or_create(
        username=username.lower()
    )
    if entry.locked_until and entry.locked_until <= now:
        entry.failures = 0
        entry.locked_until = None
    entry.failures += 1
    entry.last_failure_at = now
    if entry.failures >= max_failures:
        entry.locked_until = now + dt.timedelta(minutes=lock_minutes)
    entry.save()
    return entry


def login_success_record(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()


def model_create(
    *,
    model: type[models.Model],
    data: dict[str, Any],
    customer_id_attr: str | None,
    after_insert: Callable[[Any], None] | None = None,
    exclude_from_validation: list[str] | None = None,
):
    """Validate and insert one instance, logging the creation. Raises ValidationError.

    ``after_insert`` may derive values from the new primary key before the change is logged.
    """
    m2m = {k: data.pop(k) for k in list(data) if k in {f.name for f in model._meta.many_to_many}}
    instance = model(**data)
    instance.full_clean(exclude=exclude_from_validation)
    instance.save()
    if after_insert is not None:
        after_insert(instance)
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    change_log_write(
        instance=instance,
        action=ChangeAction.CREATE,
        before=None,
        customer_id=_customer_id_of(instance, customer_id_attr),
    )
    return instance


def model_update(
    *, instance: models.Model, data: dict[str, Any], customer_id_attr: str | None
) -> bool:
    """Apply ``data`` to ``instance``, validate, save and log; returns whether anything changed."""
    before = serialize_instance(instance)
    m2m_names = {f.name for f in instance._meta.many_to_many}
    m2m = {k: data.pop(k) for k in list(data) if k in m2m_names}
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    after = serialize_instance(instance)
    changed = {k for k in after if k not in m2m_names and after.get(k) != before.get(k)}
    if changed:
        instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    entry = change_log_write(
        instance=instance,
        action=ChangeAction.UPDATE,
        before=before,
        customer_id=_customer_id_of(instance, customer_id_attr),
    )
    return entry is not None


def model_delete(*, instance: models.Model, customer_id_attr: str | None) -> None:
    """Delete and log with the last known values."""
    before = serialize_instance(instance)
    customer_id = _customer_id_of(instance, customer_id_attr)
    pk = instance.pk
    instance.delete()
    instance.pk = pk
    change_log_write(
        instance=instance, action=ChangeAction.DELETE, before=before, customer_id=customer_id
    )


def _customer_id_of(instance: models.Model, attr: str | None) -> int | None:
    if attr is None:
        return None
    if attr == "pk":
        return instance.pk
    return getattr(instance, attr)
