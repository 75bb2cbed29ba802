"""Restricted querysets: object-level visibility in one place, used by every view and endpoint."""

from __future__ import annotations

from django.db import models


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what a given user may see.

    Models define ``restrict_filter(user)`` (a classmethod returning a Q or None meaning "all").
    """

    def restrict(self, user) -> RestrictedQuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        q = self.model.restrict_filter(user)
        if q is None:
            return self
        return self.filter(q).distinct()
