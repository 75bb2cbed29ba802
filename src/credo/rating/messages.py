"""Translatable texts for what the pure rating engine returns as stable English keys, and the
notification texts (built from parameters in the reader's language).

The engine's structured messages (``engine.messages.Message``: code + parameters, for feature
notes and sources, missing reasons and the limit calculation) are rendered here by
:func:`render_message`: each code has a translated template in :data:`ENGINE_MESSAGES` with the
same ``%(name)s`` placeholders as the engine's English one, and each parameter is formatted for
the active language by its kind (money grouped, percentages, dates like the rest of the UI, keys
as translated labels).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .choices import NotificationKind, RatingTrigger
from .engine.messages import MESSAGES, Message, ParamKind, ParamValue, split_list, split_terms

logger = logging.getLogger(__name__)

# Labels of the engine's feature keys (``engine.features.FEATURE_DEFINITIONS``).
FEATURE_LABELS = {
    "current_ratio": _("Current ratio"),
    "quick_ratio": _("Quick ratio"),
    "debt_to_assets": _("Debt to assets"),
    "interest_coverage": _("Interest coverage"),
    "roa": _("Return on assets"),
    "roe": _("Return on equity"),
    "gross_margin": _("Gross margin"),
    "net_margin": _("Net margin"),
    "asset_turnover": _("Asset turnover"),
    "receivable_days": _("Receivable days"),
    "inventory_days": _("Inventory days"),
    "sales_growth": _("Sales growth"),
    "profit_growth": _("Net profit growth"),
    "altman_z": _("Altman Z-score"),
    "altman_zone": _("Altman zone"),
    "days_beyond_terms": _("Days beyond terms"),
    "payment_index": _("Payment index"),
    "overdue_share": _("Overdue share of receivables"),
    "max_days_past_due": _("Maximum days past due"),
    "payment_trend": _("Payment index trend (12 months)"),
    "trade_ref_days_beyond_terms": _("Trade references: days beyond terms"),
    "trade_ref_bad_share": _("Trade references: share very slow or collection"),
    "bank_overdue_count": _("Bank overdue count"),
    "bank_overdue_amount": _("Bank overdue amount"),
    "lawsuits_defendant_count": _("Lawsuits as defendant"),
    "lawsuits_defendant_amount": _("Amount of lawsuits as defendant"),
    "enforcement_count": _("Enforcements"),
    "dishonest_debtor": _("Active dishonest judgment debtor listing"),
    "penalties_count": _("Administrative penalties"),
    "years_in_business": _("Years in business"),
    "paid_in_ratio": _("Paid-in / registered capital"),
    "size_class": _("Size class"),
    "legal_form": _("Legal form"),
    "employees": _("Employees"),
}

NOTIFICATION_MESSAGES = {
    NotificationKind.BATCH_CHANGES: _(
        "Rating run %(run)s as of %(as_of)s moved the grade of %(count)s customers "
        "(%(up)s up, %(down)s down)."
    ),
    NotificationKind.GRADE_CHANGED: _(
        "The rating grade of %(customer)s moved from %(previous_grade)s to %(grade)s "
        "(score %(score)s, trigger: %(trigger)s)."
    ),
}

GRADE_CHANGED_SUBJECT = _("Rating of %(customer)s: %(previous_grade)s to %(grade)s")
BATCH_CHANGES_SUBJECT = _("Rating run %(run)s: %(count)s grade changes")
# One line per changed customer in the digest e-mail of a batch run.
BATCH_CHANGE_LINE = _("%(customer_code)s %(customer)s: %(previous_grade)s to %(grade)s")


def feature_label(key: str) -> str:
    """The feature's label in the active language (the key itself when unknown)."""
    label = FEATURE_LABELS.get(key)
    return key if label is None else str(label)


def _text(params: dict[str, Any]) -> dict[str, str]:
    text = {key: "" if value is None else str(value) for key, value in params.items()}
    if text.get("trigger") in RatingTrigger.values:  # stored as key, shown as label
        text["trigger"] = str(RatingTrigger(text["trigger"]).label)
    return text


def notification_message(kind: str, params: dict[str, Any]) -> str:
    """The notification's text in the active language, with its parameters."""
    template = NOTIFICATION_MESSAGES.get(NotificationKind(kind))
    if template is None:  # pragma: no cover - every kind has a text
        return kind
    return str(template) % _text(params)


def batch_changes_subject(params: dict[str, Any]) -> str:
    """E-mail subject of a batch run's digest."""
    return str(BATCH_CHANGES_SUBJECT) % _text(params)


def batch_change_line(params: dict[str, Any]) -> str:
    """One changed customer in a batch run's digest."""
    return str(BATCH_CHANGE_LINE) % _text(params)


def grade_changed_subject(params: dict[str, Any]) -> str:
    """E-mail subject for a grade change."""
    return str(GRADE_CHANGED_SUBJECT) % _text(params)

# Credit-limit methods of the engine (``engine.limits.METHODS``).
LIMIT_METHOD_LABELS = {
    "tangible_net_worth": _("Percent of tangible net worth"),
    "working_capital": _("Percent of working capital"),
    "monthly_purchases": _("Monthly credit sales x terms"),
    "trade_references": _("Trade references' highest credit"),
    "requested": _("Requested amount"),
}

# What the limit recommendation reads, with where it comes from.
LIMIT_INPUT_LABELS = {
    "equity": _("Equity"),
    "intangible_assets": _("Intangible assets"),
    "current_assets": _("Current assets"),
    "current_liabilities": _("Current liabilities"),
    "annual_purchases": _("Credit sales, last 12 months"),
    "terms_days": _("Terms (days)"),
    "trade_reference_highest_credits": _("Trade references' highest credit"),
    "requested_amount": _("Requested amount"),
}

LIMIT_INPUT_SOURCES = {
    "statement": _("Financial statement for the period ending %(period_end)s"),
    "no_statement": _("No financial statement known"),
    "not_recorded": _("Not recorded in the credit file"),
    "invoices": _("Invoices from %(start)s to %(end)s"),
    "no_invoices": _("No invoice yet"),
    "invoice_terms": _("Average terms of the invoices from %(start)s to %(end)s"),
    "grade_terms": _("Terms recommended for grade %(grade)s"),
    "no_terms": _("No invoice and no open-account terms for the grade"),
    "trade_references": _("%(count)s trade references"),
    "no_trade_references": _("No trade reference with a highest credit"),
    "requested": _("Given with the request"),
    "not_requested": _("Not given"),
}

# Payment methods of the engine (``engine.grades.PAYMENT_METHODS``).
PAYMENT_METHOD_LABELS = {
    "open_account": _("Open account"),
    "guarantee": _("Against a guarantee"),
    "letter_of_credit": _("Letter of credit"),
    "cash_against_documents": _("Cash against documents"),
    "prepayment": _("Prepayment"),
}


def limit_method_label(key: str) -> str:
    """The limit method's label in the active language (the key itself when unknown)."""
    label = LIMIT_METHOD_LABELS.get(key)
    return key if label is None else str(label)


def payment_method_label(key: str) -> str:
    """The payment method's label in the active language (the key itself when unknown)."""
    label = PAYMENT_METHOD_LABELS.get(key)
    return key if label is None else str(label)


# --------------------------------------------------------------------------- engine messages

# One translated template per code of ``engine.messages.MESSAGES``, same placeholders (a test
# checks both). "value.status" needs no words of its own: the status label is the text.
ENGINE_MESSAGES: dict[str, Promise | str] = {
    "value.missing_inputs": _("missing: %(inputs)s"),
    "value.zero_denominator": _("%(denominator)s is 0"),
    "value.negative_denominator": _("%(denominator)s is negative"),
    "value.status": "%(status)s",
    "ratio.interest_zero_strong": _(
        "interest expense is 0; EBIT positive: no interest burden (strong)"
    ),
    "ratio.interest_zero_weak": _("interest expense is 0; EBIT not positive"),
    "ratio.interest_negative_strong": _(
        "interest expense is negative (net interest income); "
        "EBIT positive: no interest burden (strong)"
    ),
    "ratio.interest_negative_weak": _(
        "interest expense is negative (net interest income); EBIT not positive"
    ),
    "ratio.negative_equity": _("equity is negative (liabilities exceed assets)"),
    "ratio.no_previous_statement": _("no previous statement"),
    "ratio.previous_not_before": _("the previous statement does not end before the current one"),
    "ratio.annualised_periods": _("annualised: %(months)s vs %(previous_months)s months"),
    "ratio.negative_previous": _("previous %(figure)s is negative: growth has no sensible sign"),
    "source.statement": _("statement %(period_end)s (%(months)s months)"),
    "source.altman": _("statement %(period_end)s, Altman variant %(variant)s"),
    "source.altman_book_equity": _(
        "statement %(period_end)s, Altman variant %(variant)s; "
        "no market value of equity: Z' with book equity"
    ),
    "source.receivables_metrics": _("receivables metrics"),
    "source.trade_references": _("%(count)s trade references"),
    "source.bank_relations": _("%(count)s bank relations"),
    "source.public_records": _("public records %(start)s to %(end)s (%(years)s years)"),
    "source.public_records_listing": _(
        "public records up to %(as_of)s (listing active whatever its age)"
    ),
    "source.registration": _("registration"),
    "source.size_from_employees_and_revenue": _("derived from employees and revenue"),
    "source.size_from_employees": _("derived from employees"),
    "source.size_from_revenue": _("derived from revenue"),
    "feature.no_statement": _("no statement ending on or before %(as_of)s"),
    "feature.no_previous_statement": _("no statement about a year before %(period_end)s"),
    "feature.no_payment_record": _("no payment record"),
    "feature.not_available": _("%(feature)s not available"),
    "feature.payment_trend_missing": _("payment index now or a year ago missing"),
    "feature.overdue_inputs_missing": _("overdue amount or open receivables missing"),
    "feature.no_open_receivables": _("no open receivables"),
    "feature.negative_open_receivables": _("open receivables negative (credit balance)"),
    "feature.no_trade_reference": _("no trade reference"),
    "feature.prompt_references_counted": _(
        "%(count)s prompt references without days counted as 0"
    ),
    "feature.no_trade_reference_days": _("no trade reference gives days beyond terms"),
    "feature.no_bank_relation": _("no bank relation"),
    "feature.no_public_record_search": _("no public record search recorded"),
    "feature.undated_records_counted": _("%(count)s undated records counted"),
    "feature.lawsuits_without_amount": _("%(count)s lawsuits without amount"),
    "feature.founding_date_missing": _("founding date missing"),
    "feature.founded_after_as_of": _("founded after %(as_of)s"),
    "feature.capital_missing": _("registered or paid-in capital missing"),
    "feature.registered_capital_not_positive": _("registered capital not positive"),
    "feature.legal_form_missing": _("legal form missing"),
    "feature.size_class_missing": _("size class, employees and revenue missing"),
    "feature.employees_missing": _("employees missing"),
    "limit.reason.missing_input": _("missing input: %(inputs)s"),
    "limit.reason.negative_tangible_net_worth": _("negative tangible net worth"),
    "limit.reason.zero_tangible_net_worth": _("zero tangible net worth"),
    "limit.reason.negative_working_capital": _("negative working capital"),
    "limit.reason.zero_working_capital": _("zero working capital"),
    "limit.reason.no_purchases": _("no purchases"),
    "limit.reason.negative_purchases": _("negative purchases"),
    "limit.reason.no_credit_term": _("no credit term"),
    "limit.reason.negative_requested": _("negative requested amount"),
    "limit.method_missing_input": _("%(method)s: missing input: %(inputs)s"),
    "limit.no_limit": _("No limit: %(reason)s"),
    "limit.intangibles_taken_as_zero": _("Intangible assets not given: taken as 0"),
    "limit.tangible_net_worth": _(
        "Tangible net worth = equity %(equity)s - intangible assets %(intangibles)s"
        " = %(tangible_net_worth)s"
    ),
    "limit.rate_of": _("%(rate)s x %(base)s = %(amount)s"),
    "limit.working_capital": _(
        "Working capital = current assets %(assets)s - current liabilities"
        " %(liabilities)s = %(capital)s"
    ),
    "limit.no_limit_purchases": _("No limit: annual purchases %(annual)s"),
    "limit.no_limit_terms": _("No limit: terms %(days)s days"),
    "limit.monthly_purchases": _("Monthly purchases = %(annual)s / 12 = %(monthly)s"),
    "limit.months_of_terms": _("Months of terms = %(days)s days / 30 = %(months)s"),
    "limit.purchases_product": _("%(monthly)s x %(months)s x factor %(factor)s = %(amount)s"),
    "limit.trade_references_median": _("median of highest credits (%(credits)s) = %(amount)s"),
    "limit.trade_references_max": _("max of highest credits (%(credits)s) = %(amount)s"),
    "limit.no_limit_requested": _("No limit: requested %(requested)s"),
    "limit.requested": _("Requested %(requested)s"),
    "limit.no_method": _("No method gave an amount"),
    "limit.minimum_of": _("Minimum of %(amounts)s = %(amount)s"),
    "limit.median_of": _("Median of %(amounts)s = %(amount)s"),
    "limit.weighted": _("Weighted: (%(terms)s) / %(total_weight)s = %(amount)s"),
    "limit.grade_no_cap": _("Grade %(grade)s: no cap"),
    "limit.grade_cap_zero": _("Grade %(grade)s: cap 0 (prepayment only)"),
    "limit.grade_capped": _("Grade %(grade)s: capped at %(cap)s"),
    "limit.grade_cap_not_reached": _("Grade %(grade)s: cap %(cap)s not reached"),
    "limit.rounded_down": _("Rounded down to %(step)s: %(amount)s"),
    "limit.recommended": _("Recommended limit: %(amount)s"),
    "limit.recommended_none": _("Recommended limit: none (no method gave an amount)"),
}

# Statement figures and limit inputs named in missing reasons (the statement's field names).
FIGURE_LABELS = {
    "cash": _("cash and equivalents"),
    "accounts_receivable": _("accounts receivable"),
    "inventory": _("inventory"),
    "current_assets": _("current assets"),
    "fixed_assets": _("fixed assets"),
    "total_assets": _("total assets"),
    "current_liabilities": _("current liabilities"),
    "total_liabilities": _("total liabilities"),
    "equity": _("equity"),
    "revenue": _("revenue"),
    "cost_of_sales": _("cost of sales"),
    "operating_profit": _("operating profit"),
    "interest_expense": _("interest expense"),
    "net_profit": _("net profit"),
    "operating_cash_flow": _("operating cash flow"),
    "retained_earnings": _("retained earnings"),
    "market_value_equity": _("market value of equity"),
    "previous_revenue": _("previous revenue"),
    "previous_net_profit": _("previous net profit"),
    "intangible_assets": _("intangible assets"),
}

VALUE_STATUS_LABELS = {
    "ok": _("available"),
    "missing_input": _("no data"),
    "zero_denominator": _("zero denominator"),
    "negative_denominator": _("negative denominator"),
    "not_meaningful": _("not meaningful"),
}

# Altman variants by their usual symbols (the same in every language).
ALTMAN_VARIANT_SYMBOLS = {
    "original": "Z",
    "z_prime": "Z'",
    "z_double_prime": "Z''",
    "z_double_prime_em": "EM",
}


def figure_label(key: str) -> str:
    """A statement figure or limit input in the active language (the key when unknown)."""
    label = FIGURE_LABELS.get(key) or LIMIT_INPUT_LABELS.get(key)
    return key if label is None else str(label)


def _decimal(value: ParamValue) -> Decimal:
    if value is None:
        return Decimal(0)
    return Decimal(str(value)) if isinstance(value, str) else Decimal(repr(value))


def money_display(value: ParamValue) -> str:
    """An amount grouped in the active locale, cents only when needed."""
    amount = _decimal(value).quantize(Decimal("0.01"))
    places = 0 if amount == amount.to_integral_value() else 2
    return formats.number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)


def number_display(value: ParamValue) -> str:
    """A plain number: grouped, at most 6 significant digits (as the engine's ``:g``)."""
    number = _decimal(f"{float(_decimal(value)):g}")
    places = 0 if number == number.to_integral_value() else None
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def _date_display(value: ParamValue) -> str:
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def param_display(kind: ParamKind, value: ParamValue) -> str:
    """One parameter of an engine message for display in the active language."""
    if value is None:
        return ""
    if kind is ParamKind.MONEY:
        return money_display(value)
    if kind is ParamKind.MONEY_LIST:
        return ", ".join(money_display(a) for a in split_list(value))
    if kind is ParamKind.WEIGHTED_TERMS:
        return " + ".join(
            f"{number_display(w)} x {money_display(a)}" for w, a in split_terms(value)
        )
    if kind is ParamKind.PERCENT:
        return f"{number_display(float(_decimal(value)) * 100)} %"
    if kind in (ParamKind.NUMBER, ParamKind.COUNT):
        return number_display(value)
    if kind is ParamKind.DATE:
        return _date_display(value)
    if kind is ParamKind.FIGURE:
        return figure_label(str(value))
    if kind is ParamKind.FIGURES:
        return ", ".join(figure_label(name.strip()) for name in str(value).split(","))
    if kind is ParamKind.FEATURE:
        return feature_label(str(value))
    if kind is ParamKind.STATUS:
        label = VALUE_STATUS_LABELS.get(str(value))
        return str(value).replace("_", " ") if label is None else str(label)
    if kind is ParamKind.METHOD:
        return limit_method_label(str(value))
    if kind is ParamKind.VARIANT:
        return ALTMAN_VARIANT_SYMBOLS.get(str(value), str(value))
    if kind is ParamKind.MESSAGE:
        return render_message(Message(str(value)))
    return str(value)


def as_message(value: Any) -> Message | None:
    """An engine message from a Message or its stored JSON form; None for anything else."""
    if isinstance(value, Message):
        return value
    return Message.from_json(value)


def render_message(value: Any) -> str:
    """An engine message in the active language.

    ``value`` is a ``Message``, its stored form ``{"code": ..., "params": {...}}``, an older
    plain text (shown as it is) or nothing (""). A code without a translated template is shown
    in the engine's English (logged).
    """
    if value is None or value == "":
        return ""
    message = as_message(value)
    if message is None:
        return str(value)
    spec = MESSAGES.get(message.code)
    template = ENGINE_MESSAGES.get(message.code)
    if spec is None or template is None:
        logger.warning("rating message without a translated template: %s", message.code)
        return message.render()
    params = {
        name: param_display(kind, message.params.get(name)) for name, kind in spec.kinds.items()
    }
    try:
        return str(template) % params
    except (KeyError, ValueError, TypeError):  # a broken translation: the English text
        logger.warning("rating message %s: the translated template does not format",
                       message.code)
        return message.render()


def message_json(value: Message | None) -> dict[str, object] | None:
    """The stored form of an optional message."""
    return None if value is None else value.to_json()


def stored_text(message_data: Any, text: Any) -> str:
    """A stored note/source for display: the structured message when there is one (rendered in
    the active language), else the older plain text as it is."""
    if isinstance(message_data, Mapping) and message_data.get("code"):
        return render_message(message_data)
    return "" if text is None else str(text)
