"""Schemas shared by every domain: pagination envelope, user reference, choice documentation."""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices
from ninja import Field, Schema
from pydantic import ConfigDict

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class InputSchema(Schema):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PageParams(Schema):
    """``limit``/``offset`` pagination; the response carries ``count`` of all matches."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


class UserRef(Schema):
    id: int
    username: str
    full_name: str


def user_ref(user) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "full_name": user.get_full_name()}


def choices_of(choices: type[TextChoices], description: str = "") -> Any:
    """A string field documented with the allowed values; the model validates them.

    Validation stays in the model (one translated message for UI, API and import alike).
    """
    values = ", ".join(value for value, _label in choices.choices)
    return Field(None, description=f"{description} One of: {values}.".strip())


def paginate(queryset, page: PageParams) -> tuple[int, list]:
    """Count all matches, then slice one page (the queryset must already be ordered)."""
    count = queryset.count()
    return count, list(queryset[page.offset : page.offset + page.limit])
