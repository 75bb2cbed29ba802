"""Translatable texts for what the pure rating engine returns as stable English keys, and the
notification texts (built from parameters in the reader's language)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .choices import NotificationKind, RatingTrigger

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
    NotificationKind.GRADE_CHANGED: _(
        "The rating grade of %(customer)s moved from %(previous_grade)s to %(grade)s "
        "(score %(score)s, trigger: %(trigger)s)."
    ),
}

GRADE_CHANGED_SUBJECT = _("Rating of %(customer)s: %(previous_grade)s to %(grade)s")


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
