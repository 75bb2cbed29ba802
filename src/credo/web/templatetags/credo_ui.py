"""Small display helpers for the templates (formatting only, no business rules)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()

EMPTY = "—"


@register.filter
def show(value):
    """A value as people read it: dash for nothing, yes/no, grouped numbers, local dates."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        places = 0 if value == value.to_integral_value() else None
        return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    if isinstance(value, int):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, dt.datetime):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


@register.filter
def money(amount, currency=""):
    """An amount with its currency code; a dash when there is no amount."""
    if amount is None or amount == "":
        return EMPTY
    return f"{show(amount)} {currency}".strip()


@register.filter
def display(obj, field_name: str):
    """The display value of a model field (choice label, related object text or the value)."""
    getter = getattr(obj, f"get_{field_name}_display", None)
    value = getattr(obj, field_name, None)
    if getter is not None and value not in (None, ""):
        return getter()
    return show(value)


@register.filter
def verbose_name(obj, field_name: str):
    """The translated label of a model field."""
    return obj._meta.get_field(field_name).verbose_name


@register.filter
def is_checkbox(bound_field) -> bool:
    return bound_field.widget_type == "checkbox"
