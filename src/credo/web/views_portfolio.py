"""Portfolio pages: the ageing report (HTML and CSV), the DSO / CEI trend, and the worklist of
held and blocked orders with its release / reject / recheck decisions.

Every page: login required, a model permission (403), figures only over the customers the
user may see (``Customer.objects.restrict(user)``), orders of invisible customers are 404.
Reports come from ``credo.receivables.reports``; decisions are taken by the
``credo.decisions.services`` (which check the release authority themselves).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from credo.core.permissions import RELEASE_ORDER
from credo.customers.models import Customer
from credo.decisions import services as decision_services
from credo.decisions.choices import DecisionAction
from credo.decisions.messages import reason_message
from credo.decisions.models import CreditCheck
from credo.decisions.selectors import blocked_order_worklist, release_authority_of
from credo.receivables.ageing import BASIS_DUE, BASIS_INVOICE, scheme_get
from credo.receivables.metrics import add_months, month_start
from credo.receivables.models import SalesOrder
from credo.receivables.reports import (
    BY_CUSTOMER,
    BY_GROUP,
    BY_OWNER,
    BY_PORTFOLIO,
    AgeingReport,
    ageing_report,
    collection_metrics,
)
from credo.receivables.selectors import company_currency

from . import charts
from .views import ServiceErrorsForm, require_perms

User = get_user_model()

VIEW_RECEIVABLES = "receivables.view_invoice"
VIEW_WORKLIST = "decisions.view_ordercreditdecision"
WORKLIST_PAGE_SIZE = 25

GROUPING_CHOICES = [
    (BY_CUSTOMER, gettext_lazy("Customer")),
    (BY_OWNER, gettext_lazy("Account manager")),
    (BY_GROUP, gettext_lazy("Group")),
    (BY_PORTFOLIO, gettext_lazy("Portfolio")),
]
BASIS_CHOICES = [
    (BASIS_DUE, gettext_lazy("Due date")),
    (BASIS_INVOICE, gettext_lazy("Invoice date")),
]
SCHEME_CHOICES = [
    ("default", gettext_lazy("Days (not due, 1-30 ... >365)")),
    ("years", gettext_lazy("Years (within 1 year ... over 3 years)")),
]


# Forms (they only read and clean the query or the posted decision) ----------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AgeingFilterForm(forms.Form):
    """The choices of the ageing report; every field has a default, so an empty query works."""

    as_of = forms.DateField(label=gettext_lazy("As of"), required=False, widget=DateInput())
    by = forms.ChoiceField(label=gettext_lazy("By"), choices=GROUPING_CHOICES, required=False)
    basis = forms.ChoiceField(
        label=gettext_lazy("Days from"), choices=BASIS_CHOICES, required=False
    )
    scheme = forms.ChoiceField(
        label=gettext_lazy("Buckets"), choices=SCHEME_CHOICES, required=False
    )

    def report_options(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "as_of": data.get("as_of") or timezone.localdate(),
            "by": data.get("by") or BY_CUSTOMER,
            "basis": data.get("basis") or BASIS_DUE,
            "scheme": scheme_get(data.get("scheme") or "default"),
        }


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve calendar months up to today (this month to date included)."""
    return month_start(add_months(today, -11)), today


class OwnerChoiceField(forms.ModelChoiceField):
    """Account managers by their full name (the user name when there is none)."""

    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class MetricsFilterForm(forms.Form):
    """The period and whose customers: the whole visible portfolio or one account manager's."""

    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())
    owner = OwnerChoiceField(
        label=gettext_lazy("Account manager"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Whole portfolio"),
    )

    def __init__(self, *args, owners: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        cast(OwnerChoiceField, self.fields["owner"]).queryset = owners

    def clean(self):
        data = super().clean()
        start, end = default_period(timezone.localdate())
        data["start"] = data.get("start") or start
        data["end"] = data.get("end") or end
        if data["end"] < data["start"]:
            self.add_error("end", _("The period ends before it starts."))
        return data


DECISION_CHOICES = [
    (DecisionAction.RELEASE, gettext_lazy("Release")),
    (DecisionAction.REJECT, gettext_lazy("Reject")),
    (DecisionAction.RECHECK, gettext_lazy("Recheck")),
]


class OrderDecisionForm(ServiceErrorsForm):
    """A documented decision: what, why (required), under which conditions, until when."""

    action = forms.ChoiceField(label=gettext_lazy("Decision"), choices=DECISION_CHOICES)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Give the reason for the decision.")},
    )
    conditions = forms.CharField(
        label=gettext_lazy("Conditions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"), required=False, widget=DateInput()
    )


# Ageing report ---------------------------------------------------------------------------------


def _visible_customers(request: HttpRequest) -> QuerySet[Customer]:
    return Customer.objects.restrict(request.user)


def _with_defaults(request: HttpRequest, **defaults: str):
    """The query with empty fields filled in, so that the form shows what the report used."""
    data = request.GET.copy()
    for name, value in defaults.items():
        if not data.get(name):
            data[name] = value
    return data


def _ageing_from_request(request: HttpRequest) -> tuple[AgeingFilterForm, AgeingReport | None]:
    form = AgeingFilterForm(
        _with_defaults(
            request,
            as_of=timezone.localdate().isoformat(),
            by=BY_CUSTOMER,
            basis=BASIS_DUE,
            scheme="default",
        )
    )
    if not form.is_valid():
        return form, None
    report = ageing_report(**form.report_options(), customers=_visible_customers(request))
    return form, report


@dataclass
class AgeingLine:
    """One row of the page: the report row and where its label links to (visible customers)."""

    row: Any
    url: str = ""
    hidden_group: bool = False


def _ageing_lines(request: HttpRequest, report: AgeingReport) -> list[AgeingLine]:
    lines = [AgeingLine(row) for row in report.rows]
    if report.by not in (BY_CUSTOMER, BY_GROUP):
        return lines
    ids = [int(line.row.group) for line in lines]
    visible = set(_visible_customers(request).filter(pk__in=ids).values_list("pk", flat=True))
    for line in lines:
        pk = int(line.row.group)
        if pk in visible:
            line.url = reverse("web:customer_detail", args=[pk])
        else:
            # The top company of a visible subsidiary may itself be invisible: no name, no link.
            line.hidden_group = True
    return lines


@login_required
@require_GET
def ageing_view(request: HttpRequest) -> HttpResponse:
    require_perms(request, VIEW_RECEIVABLES)
    form, report = _ageing_from_request(request)
    context = {
        "form": form,
        "report": report,
        "lines": _ageing_lines(request, report) if report is not None else [],
        "currency": company_currency(),
        "csv_url": reverse("web:portfolio_ageing_csv") + "?" + request.GET.urlencode(),
        "grouping_label": dict(GROUPING_CHOICES).get(report.by) if report else "",
    }
    return render(request, "web/portfolio/ageing.html", context, status=200 if report else 400)


@login_required
@require_GET
def ageing_csv(request: HttpRequest) -> HttpResponse:
    """The same report as the page, one line per row plus the total, amounts as plain numbers."""
    require_perms(request, VIEW_RECEIVABLES)
    form, report = _ageing_from_request(request)
    if report is None:
        errors = "; ".join(
            f"{field}: {' '.join(str(error) for error in errs)}"
            for field, errs in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"ageing-{report.by}-{report.as_of.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A byte-order mark lets spreadsheet programs read the Chinese names as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    lines = _ageing_lines(request, report)
    writer.writerow(["key", "label", *report.bucket_keys, "disputed", "total", "overdue", "items"])
    for line in lines:
        row = line.row
        label = _("(not visible)") if line.hidden_group else row.label
        writer.writerow(_csv_cells(report, row, row.group, label))
    writer.writerow(_csv_cells(report, report.total, "total", report.total.label))
    return response


def _csv_cells(report: AgeingReport, row, key: str, label: str) -> list:
    return [
        key,
        label,
        *(row.buckets[bucket] for bucket in report.bucket_keys),
        row.disputed,
        row.total,
        row.overdue,
        row.items,
    ]


# DSO / CEI trend -------------------------------------------------------------------------------

METRIC_COLUMNS = [
    ("dso", gettext_lazy("DSO")),
    ("countback_dso", gettext_lazy("Countback DSO")),
    ("best_possible_dso", gettext_lazy("Best possible DSO")),
    ("average_days_delinquent", gettext_lazy("Average days delinquent")),
    ("cei", gettext_lazy("CEI %")),
    ("average_days_beyond_terms", gettext_lazy("Days beyond terms")),
    ("share_paid_on_time", gettext_lazy("Paid on time %")),
    ("maximum_days_past_due", gettext_lazy("Max. days past due")),
    ("payment_index", gettext_lazy("Payment index")),
]


def _trend_chart(
    title: str, labels: list[str], values: Sequence[charts.Number | None]
) -> dict[str, Any]:
    """A captioned one-series line chart; undefined months (None) break the line."""
    svg = charts.line_chart(labels, [charts.Series(title, values)], title=title)
    return {"title": title, "svg": svg}


def _owners_of(customers: QuerySet[Customer]) -> QuerySet:
    return User.objects.filter(pk__in=customers.values("account_manager")).order_by("username")


@login_required
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    require_perms(request, VIEW_RECEIVABLES)
    visible = _visible_customers(request)
    start, end = default_period(timezone.localdate())
    form = MetricsFilterForm(
        _with_defaults(request, start=start.isoformat(), end=end.isoformat()),
        owners=_owners_of(visible),
    )
    context: dict[str, Any] = {"form": form, "columns": METRIC_COLUMNS, "report": None}
    if not form.is_valid():
        return render(request, "web/portfolio/metrics.html", context, status=400)
    owner = form.cleaned_data["owner"]
    customers = visible.filter(account_manager=owner) if owner is not None else visible
    report = collection_metrics(
        start=form.cleaned_data["start"], end=form.cleaned_data["end"], customers=customers
    )
    labels = [month.start.strftime("%Y-%m") for month in report.trend]
    trend_rows = [
        {
            "label": label,
            "metrics": month,
            "values": [getattr(month, key) for key, _l in METRIC_COLUMNS],
        }
        for label, month in zip(labels, report.trend, strict=True)
    ]
    context.update(
        report=report,
        owner=owner,
        currency=company_currency(),
        period_values=[(label, getattr(report.period, key)) for key, label in METRIC_COLUMNS],
        trend_rows=trend_rows,
        charts=[
            _trend_chart(_("DSO (days)"), labels, [m.dso for m in report.trend]),
            _trend_chart(_("CEI (%)"), labels, [m.cei for m in report.trend]),
        ],
    )
    return render(request, "web/portfolio/metrics.html", context)


# Blocked-order worklist ------------------------------------------------------------------------


def _latest_checks() -> Prefetch:
    return Prefetch(
        "credit_checks",
        queryset=CreditCheck.objects.order_by("-created_at", "-id"),
        to_attr="latest_checks",
    )


@dataclass
class WorklistEntry:
    """An order on the worklist with its last check's outcome and reasons, and its form."""

    order: SalesOrder
    check: CreditCheck | None
    reasons: list[str]
    form: OrderDecisionForm
    error: str = ""
    above_authority: bool = False


def _worklist_entry(order: SalesOrder, authority: Decimal | None) -> WorklistEntry:
    checks = getattr(order, "latest_checks", [])
    check = checks[0] if checks else None
    reasons = []
    if check is not None:
        # Only the reasons that made the order wait; "within the limit" and such are noise here.
        reasons = [
            reason_message(row["code"], row["params"])
            for row in check.reasons
            if row.get("reaction") in ("hold", "block", "warn")
        ] or [reason_message(row["code"], row["params"]) for row in check.reasons]
    return WorklistEntry(
        order=order,
        check=check,
        reasons=reasons,
        form=OrderDecisionForm(auto_id=f"order{order.pk}_%s"),
        above_authority=authority is not None and order.amount_company > authority,
    )


def _worklist_response(
    request: HttpRequest,
    *,
    failed: WorklistEntry | None = None,
    status: int = 200,
) -> HttpResponse:
    may_decide = request.user.has_perm(RELEASE_ORDER)
    authority = release_authority_of(request.user) if may_decide else Decimal("0")
    orders = blocked_order_worklist(user=request.user).prefetch_related(_latest_checks())
    page = Paginator(orders, WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    entries = []
    for order in page.object_list:
        if failed is not None and order.pk == failed.order.pk:
            entries.append(failed)
        else:
            entries.append(_worklist_entry(order, authority))
    if failed is not None and not any(entry is failed for entry in entries):
        # The order in question is on another page (or no longer waits): show it first.
        entries.insert(0, failed)
    context = {
        "page": page,
        "entries": entries,
        "may_decide": may_decide,
        "authority": authority,
        "currency": company_currency(),
        "failed": failed,
    }
    return render(request, "web/portfolio/worklist.html", context, status=status)


@login_required
@require_GET
def worklist_view(request: HttpRequest) -> HttpResponse:
    require_perms(request, VIEW_WORKLIST)
    return _worklist_response(request)


DECISION_SERVICES = {
    DecisionAction.RELEASE: decision_services.order_release,
    DecisionAction.REJECT: decision_services.order_reject,
    DecisionAction.RECHECK: decision_services.order_recheck,
}

DECISION_DONE = {
    DecisionAction.RELEASE: gettext_lazy("Order %(number)s released."),
    DecisionAction.REJECT: gettext_lazy("Order %(number)s rejected."),
    DecisionAction.RECHECK: gettext_lazy("Order %(number)s checked again: %(status)s."),
}


@login_required
@require_POST
def order_decide(request: HttpRequest, order_pk: int) -> HttpResponse:
    """Release, reject or recheck one order. The service decides whether the user's release
    authority covers the amount; its refusal is shown on the worklist with status 403."""
    require_perms(request, VIEW_WORKLIST, RELEASE_ORDER)
    order = SalesOrder.objects.restrict(request.user).filter(pk=order_pk).first()
    if order is None:
        raise Http404(_("No such order."))
    authority = release_authority_of(request.user)
    order = (
        SalesOrder.objects.filter(pk=order.pk)
        .select_related("customer")
        .prefetch_related(_latest_checks())
        .get()
    )
    entry = _worklist_entry(order, authority)
    form = OrderDecisionForm(request.POST, auto_id=f"order{order.pk}_%s")
    entry.form = form
    if not form.is_valid():
        return _worklist_response(request, failed=entry)
    action = form.cleaned_data["action"]
    try:
        DECISION_SERVICES[action](
            order=order,
            user=request.user,
            reason=form.cleaned_data["reason"],
            conditions=form.cleaned_data["conditions"],
            valid_until=form.cleaned_data["valid_until"],
        )
    except PermissionDenied as refused:
        # The service's message says which authority is missing: show it, keep the input.
        entry.error = str(refused) or _("You may not decide on this order.")
        return _worklist_response(request, failed=entry, status=403)
    except ValidationError as error:
        form.add_service_errors(error)
        return _worklist_response(request, failed=entry)
    order.refresh_from_db()
    messages.success(
        request,
        DECISION_DONE[action]
        % {"number": order.number, "status": order.get_credit_status_display()},
    )
    return redirect("web:portfolio_worklist")
