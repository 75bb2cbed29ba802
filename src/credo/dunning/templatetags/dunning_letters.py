"""Filters of the dunning letter templates."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def letter_amount(value) -> str:
    """An amount as business letters print it in both languages: 15,413.70."""
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)):,.2f}"
