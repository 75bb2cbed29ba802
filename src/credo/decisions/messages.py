"""Translatable texts for the codes the pure check engine returns (it has no Django)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .check_engine import ReasonCode

REASON_MESSAGES = {
    ReasonCode.BLACKLISTED: _("The customer is on the blacklist."),
    ReasonCode.WATCHLISTED: _("The customer is on the watch list."),
    ReasonCode.NO_LIMIT: _("The customer has no credit limit."),
    ReasonCode.WITHIN_LIMIT: _(
        "Within the limit: %(utilisation)s%% of the limit of %(limit)s used after the order; "
        "%(available)s available."
    ),
    ReasonCode.UTILISATION_ABOVE: _(
        "The order brings the limit utilisation to %(utilisation)s%%, above %(threshold)s%% "
        "(limit %(limit)s, available %(available)s)."
    ),
    ReasonCode.LIMIT_EXCEEDED: _(
        "The order of %(order_amount)s exceeds the available credit of %(available)s "
        "(limit %(limit)s)."
    ),
    ReasonCode.ORDER_ABOVE_MAXIMUM: _(
        "The order of %(order_amount)s is above the maximum single order value of %(maximum)s."
    ),
    ReasonCode.OVERDUE_ABOVE_THRESHOLD: _(
        "Overdue receivables of %(overdue)s are above the threshold of %(threshold)s."
    ),
    ReasonCode.OVERDUE_TOO_OLD: _(
        "The oldest overdue item is %(days)s days overdue (more than %(maximum_days)s days)."
    ),
    ReasonCode.LIMIT_EXPIRED: _("The credit limit has expired."),
    ReasonCode.REVIEW_EXPIRED: _("The credit limit review is overdue."),
    ReasonCode.GRADE_REQUIRES_PREPAYMENT: _("Grade %(grade)s requires prepayment."),
    ReasonCode.NO_GRADE: _("No rating grade yet: the prepayment step was skipped."),
    ReasonCode.GROUP_EXPOSURE: _("Exposure of the customer's group: %(group_exposure)s."),
}

POLICY_ERROR_MESSAGES = {
    "steps_not_list": _("The steps must be a list."),
    "step_not_object": _("Step %(step)s must be an object."),
    "unknown_step_type": _("Step %(step)s has an unknown type: %(value)s."),
    "invalid_reaction": _("Step %(step)s: %(value)s is not a reaction (info, warn, hold, block)."),
    "limit_needs_grades": _("Step %(step)s: the limit step needs at least one grade."),
    "invalid_percent": _("Step %(step)s: each grade needs a percentage of 0 or more."),
    "invalid_amount": _("Step %(step)s: %(key)s must be an amount of 0 or more."),
    "invalid_days": _("Step %(step)s: days must be a whole number of 0 or more."),
    "invalid_grades": _("Step %(step)s: grades must be a list of grade names."),
    "invalid_bucket": _("%(value)s is not an exposure bucket that can count."),
}


def _text(params: dict[str, Any]) -> dict[str, str]:
    return {key: "" if value is None else str(value) for key, value in params.items()}


def reason_message(code: str, params: dict[str, Any]) -> str:
    """The reason in the active language, with its figures."""
    return str(REASON_MESSAGES[ReasonCode(code)]) % _text(params)


def policy_error_message(code: str, params: dict[str, Any]) -> str:
    return str(POLICY_ERROR_MESSAGES[code]) % _text(params)
