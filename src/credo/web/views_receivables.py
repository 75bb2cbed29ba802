"""The customer's receivables on the customer page, and the order form with the credit check.

The "Receivables" tab shows the exposure panel (limit in force, utilisation gauge, buckets,
group exposure), the ageing of the customer as of a day, the open items, the payment history
and the collection metrics with their 12-month trend. Every figure comes from the receivables
and decisions selectors; a read of this tab is a credit-file read and is written to the access
log. The order form calls ``sales_order_create`` and ``credit_check`` only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from credo.core.permissions import RUN_CREDIT_CHECK
from credo.creditfile.selectors import creditfile_read_logged
from credo.customers.choices import Currency
from credo.customers.models import Customer
from credo.decisions import selectors as decision_selectors
from credo.decisions.choices import CheckOutcome
from credo.decisions.services import CheckAnswer, credit_check
from credo.receivables import selectors as ledger
from credo.receivables.choices import CreditStatus
from credo.receivables.metrics import add_months, month_start
from credo.receivables.models import PaymentTerms, SalesOrder
from credo.receivables.reports import ageing_report, collection_metrics
from credo.receivables.services import sales_order_create

from . import charts
from .forms import ServiceFormMixin
from .views import get_customer_or_404, require_perms, tab_url

TAB_KEY = "receivables"
ADD_ORDER = "receivables.add_salesorder"
VIEW_LIMIT = "decisions.view_creditlimit"
# The tab lists this many open items and orders; the totals above always cover all of them.
OPEN_ITEMS_SHOWN = 100
ORDERS_SHOWN = 50
HUNDRED = Decimal("100")

# Buckets of the exposure panel in their reading order: (attribute, label, is a part of).
EXPOSURE_ROWS = [
    ("open_orders", gettext_lazy("Open orders"), False),
    ("delivered_not_invoiced", gettext_lazy("Delivered, not invoiced"), False),
    ("open_receivables", gettext_lazy("Open receivables"), False),
    ("overdue", gettext_lazy("of which overdue"), True),
    ("disputed", gettext_lazy("of which disputed"), True),
]
# Metrics shown with their 12-month trend: (attribute of CollectionMetrics, label, unit).
TREND_METRICS = [
    ("dso", gettext_lazy("DSO (days)"), ""),
    ("cei", gettext_lazy("Collection effectiveness index (%)"), ""),
    ("average_days_beyond_terms", gettext_lazy("Average days beyond terms"), ""),
    ("payment_index", gettext_lazy("Payment index (1-100)"), ""),
]
# Badge class per order credit status (colours in credo.css).
CREDIT_STATUS_BADGES: dict[str, str] = {
    CreditStatus.NOT_CHECKED: "badge-neutral",
    CreditStatus.APPROVED: "badge-active",
    CreditStatus.WARN: "badge-suspended",
    CreditStatus.HOLD: "badge-suspended",
    CreditStatus.BLOCK: "badge-revoked",
    CreditStatus.RELEASED: "badge-active",
    CreditStatus.REJECTED: "badge-revoked",
}
OUTCOME_BADGES: dict[str, str] = {
    CheckOutcome.APPROVE: "badge-active",
    CheckOutcome.WARN: "badge-suspended",
    CheckOutcome.HOLD: "badge-suspended",
    CheckOutcome.BLOCK: "badge-revoked",
}
WORKLIST_OUTCOMES = {CheckOutcome.HOLD, CheckOutcome.BLOCK}
# Reactions of the check steps as shown next to each reason ("info" explains, never decides).
REACTION_LABELS = {
    **dict(CheckOutcome.choices),
    "info": gettext_lazy("Information"),
}


# --- the exposure panel -----------------------------------------------------------------------


def _exposure_rows(snapshot: ledger.ExposureSnapshot, counted: tuple[str, ...]) -> list[dict]:
    return [
        {
            "key": key,
            "label": label,
            "amount": getattr(snapshot, key),
            "is_part": is_part,
            "counted": key in counted,
        }
        for key, label, is_part in EXPOSURE_ROWS
    ]


# --- the tab ----------------------------------------------------------------------------------


def _as_of_from(request: HttpRequest, today: dt.date) -> tuple[dt.date, str]:
    """The ``?as_of=`` day of the ageing (today when absent); an error text when unreadable."""
    raw = (request.GET.get("as_of") or "").strip()
    if not raw:
        return today, ""
    try:
        day = parse_date(raw)
    except ValueError:
        day = None
    if day is None:
        return today, _("“%(value)s” is not a date (use YYYY-MM-DD); showing today.") % {
            "value": raw
        }
    return day, ""


def _open_item_rows(customer: Customer, today: dt.date) -> tuple[list[dict], int]:
    items = ledger.open_items(customer=customer)
    disputed = ledger.open_disputed_by_instalment(customer=customer)
    rows = []
    for instalment, open_amount in items[:OPEN_ITEMS_SHOWN]:
        rows.append(
            {
                "instalment": instalment,
                "invoice": instalment.invoice,
                "open_amount": open_amount,
                "days_overdue": max((today - instalment.due_date).days, 0),
                "disputed": disputed.get(instalment.pk, 0) > 0,
            }
        )
    return rows, len(items)


def _month_label(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _payment_history(report) -> dict:
    months = [_month_label(item.start) for item in report.trend]
    invoiced = [item.credit_sales for item in report.trend]
    paid = [item.paid_amount for item in report.trend]
    beyond = [item.average_days_beyond_terms for item in report.trend]
    return {
        "invoiced_vs_paid": charts.bar_chart(
            months,
            [
                charts.Series(_("Invoiced"), invoiced, "chart-s1"),
                charts.Series(_("Paid"), paid, "chart-s2"),
            ],
            title=_("Invoiced and paid per month"),
        ),
        "days_beyond_terms": charts.line_chart(
            months,
            [charts.Series(_("Average days beyond terms"), beyond, "chart-s3")],
            title=_("Average days beyond terms per month"),
        ),
    }


def _metric_rows(report) -> list[dict]:
    return [
        {
            "key": key,
            "label": label,
            "period": getattr(report.period, key),
            "trend": [getattr(month, key) for month in report.trend],
        }
        for key, label, _unit in TREND_METRICS
    ]


def receivables_tab(tab, request: HttpRequest, customer: Customer) -> dict:
    """Context of the Receivables tab (builder of ``tabs.Tab``); logs the credit-file read."""
    user = request.user
    today = timezone.localdate()
    as_of, as_of_error = _as_of_from(request, today)
    creditfile_read_logged(
        user=user,
        customer=customer,
        resource="receivables.customer",
        detail=f"as_of={as_of.isoformat()}",
    )
    snapshot = ledger.exposure_snapshot(customer=customer, today=today)
    panel = decision_selectors.limit_position(customer=customer, snapshot=snapshot, today=today)
    may_view_limit = user.has_perm(VIEW_LIMIT)

    top_id, members = ledger.group_members(customer)
    group = None
    if len(members) > 1:
        group_snapshot = ledger.group_exposure_snapshot(customer=customer, today=today)
        group = {
            "top": Customer.objects.restrict(user).filter(pk=top_id).first(),
            "size": len(members),
            "snapshot": group_snapshot,
            "rows": _exposure_rows(group_snapshot, panel.counted_buckets),
        }

    just_this_customer = Customer.objects.filter(pk=customer.pk)
    ageing = ageing_report(as_of=as_of, customers=just_this_customer)
    ageing_row = ageing.rows[0] if ageing.rows else ageing.total
    open_item_rows, open_item_count = _open_item_rows(customer, today)

    metrics = collection_metrics(
        start=month_start(add_months(today, -11)), end=today, customers=just_this_customer
    )
    orders = list(
        SalesOrder.objects.restrict(user)
        .filter(customer=customer)
        .order_by("-order_date", "-id")[:ORDERS_SHOWN]
    )
    for order in orders:
        order.badge_class = CREDIT_STATUS_BADGES.get(order.credit_status, "badge-neutral")
    return {
        "today": today,
        "as_of": as_of,
        "as_of_error": as_of_error,
        "company_currency": snapshot.currency,
        "snapshot": snapshot,
        "exposure_rows": _exposure_rows(snapshot, panel.counted_buckets),
        "panel": panel,
        "may_view_limit": may_view_limit,
        "gauge": charts.gauge(
            panel.utilisation_percent if may_view_limit else None,
            label=_("Limit utilisation"),
            warn_above=panel.warn_above,
            block_above=panel.block_above,
        ),
        "group": group,
        "ageing": ageing,
        "ageing_cells": [
            {"label": label, "amount": ageing_row.buckets.get(key)}
            for key, label in zip(ageing.bucket_keys, ageing.bucket_labels, strict=True)
        ],
        "ageing_row": ageing_row,
        "open_items": open_item_rows,
        "open_item_count": open_item_count,
        "open_items_truncated": open_item_count > len(open_item_rows),
        "metrics": metrics,
        "metric_rows": _metric_rows(metrics),
        "trend_months": [_month_label(month.start) for month in metrics.trend],
        "history": _payment_history(metrics),
        "orders": orders,
        "may_add_order": user.has_perm(ADD_ORDER) and user.has_perm(RUN_CREDIT_CHECK),
        "may_check_order": user.has_perm(RUN_CREDIT_CHECK),
    }


# --- the order form ---------------------------------------------------------------------------


class OrderForm(ServiceFormMixin, forms.Form):
    """A new sales order; the service validates amounts, currency and FX (field errors)."""

    number = forms.CharField(label=gettext_lazy("Order number"), max_length=64)
    order_date = forms.DateField(
        label=gettext_lazy("Order date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=Currency.choices)
    amount = forms.DecimalField(label=gettext_lazy("Amount"), max_digits=20)
    payment_terms = forms.ModelChoiceField(
        label=gettext_lazy("Payment terms"),
        queryset=PaymentTerms.objects.order_by("code"),
        required=False,
        empty_label=gettext_lazy("No terms"),
    )

    def service_fields(self) -> list[str]:
        return ["number", "order_date", "currency", "amount", "payment_terms"]


def _answer_context(answer: CheckAnswer) -> dict:
    return {
        "answer": answer,
        "outcome_label": CheckOutcome(answer.outcome).label,
        "outcome_badge": OUTCOME_BADGES.get(answer.outcome, "badge-neutral"),
        "to_worklist": answer.outcome in WORKLIST_OUTCOMES,
        "reasons": [
            {
                **reason,
                "reaction_label": REACTION_LABELS.get(reason["reaction"], reason["reaction"]),
            }
            for reason in answer.reasons
        ],
    }


def _announce_saved_check(request: HttpRequest, order: SalesOrder, answer: CheckAnswer) -> None:
    summary = _(
        "Order %(number)s saved. Credit check: %(outcome)s; available credit before this "
        "order %(available)s %(currency)s."
    ) % {
        "number": order.number,
        "outcome": CheckOutcome(answer.outcome).label,
        "available": formats.number_format(
            answer.available_credit, decimal_pos=2, use_l10n=True, force_grouping=True
        ),
        "currency": answer.currency,
    }
    if answer.outcome in WORKLIST_OUTCOMES:
        messages.warning(
            request,
            summary + " " + _("The order went to the blocked-order worklist for a decision."),
        )
    elif answer.outcome == CheckOutcome.WARN:
        messages.warning(request, summary)
    else:
        messages.success(request, summary)
    for reason in answer.reasons:
        messages.info(request, reason["message"])


@login_required
@require_http_methods(["GET", "POST"])
def order_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """New order: "Check only" answers what-if (saves nothing); "Save and check" creates the
    order through the service and checks it, which sets its credit status. Users who may run a
    check but not record orders (account managers) get the what-if check only."""
    require_perms(request, RUN_CREDIT_CHECK)
    may_save = request.user.has_perm(ADD_ORDER)
    customer = get_customer_or_404(request, pk)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "customer": customer,
        "title": _("New order") if may_save else _("Check an order"),
        "cancel_url": tab_url(customer, TAB_KEY),
        "may_save": may_save,
    }
    if request.method != "POST":
        form = OrderForm(initial={"order_date": today, "currency": ledger.company_currency()})
        return render(request, "web/receivables/order_form.html", {"form": form, **context})

    form = OrderForm(request.POST)
    action = request.POST.get("action", "check")
    if action not in ("check", "save") or (action == "save" and not may_save):
        raise PermissionDenied
    if form.is_valid():
        data = form.service_data()
        try:
            if action == "check":
                answer = credit_check(
                    customer=customer,
                    user=request.user,
                    amount=data["amount"],
                    currency=data["currency"],
                    what_if=True,
                )
                context.update(_answer_context(answer))
            else:
                # Both or neither: an order that cannot be checked is not left unchecked.
                with transaction.atomic():
                    order = sales_order_create(customer=customer, **data)
                    answer = credit_check(customer=customer, user=request.user, order=order)
                _announce_saved_check(request, order, answer)
                return redirect(tab_url(customer, TAB_KEY))
        except ValidationError as error:
            form.add_service_errors(error)
    return render(request, "web/receivables/order_form.html", {"form": form, **context})
