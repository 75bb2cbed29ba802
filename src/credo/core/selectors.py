"""Reads of the audit trail: the change log and the access log, filtered for the audit pages.

Both follow customer visibility: a user who may not see all customers only gets entries of the
customers they see (entries without a customer are then left out too).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AccessLog, ObjectChange
from .permissions import VIEW_ALL_CUSTOMERS


def _customer_scope(user, customer_code: str) -> Q:
    # core sits below customers in the app graph: import at call time, not at module load.
    from credo.customers.models import Customer

    scope = Q()
    if not user.has_perm(VIEW_ALL_CUSTOMERS):
        scope &= Q(customer_id__in=Customer.objects.restrict(user).values("pk"))
    if customer_code:
        scope &= Q(customer_id__in=Customer.objects.filter(code=customer_code).values("pk"))
    return scope


def _period(date_from: dt.date | None, date_to: dt.date | None) -> Q:
    """Whole days in the current time zone; ``date_to`` is included."""
    period = Q()
    if date_from:
        period &= Q(time__gte=timezone.make_aware(dt.datetime.combine(date_from, dt.time.min)))
    if date_to:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min)
        period &= Q(time__lt=timezone.make_aware(end))
    return period


def object_change_list(
    *,
    user,
    object_type: str = "",
    actor=None,
    customer_code: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[ObjectChange]:
    """Change-log entries ``user`` may read, newest first. ``actor`` is who made the change."""
    qs = ObjectChange.objects.filter(_customer_scope(user, customer_code.strip()))
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor is not None:
        qs = qs.filter(user=actor)
    return qs.filter(_period(date_from, date_to)).order_by("-time", "-id")


def object_change_types() -> list[str]:
    """The object types present in the change log (for the filter)."""
    # order_by() drops Meta.ordering, which would otherwise defeat DISTINCT.
    types = ObjectChange.objects.order_by().values_list("object_type", flat=True).distinct()
    return sorted(types)


def access_log_list(
    *,
    user,
    actor=None,
    customer_code: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AccessLog]:
    """Access-log entries ``user`` may read, newest first. ``actor`` is who read the file."""
    qs = AccessLog.objects.filter(_customer_scope(user, customer_code.strip()))
    if actor is not None:
        qs = qs.filter(user=actor)
    return qs.filter(_period(date_from, date_to)).order_by("-time", "-id")
