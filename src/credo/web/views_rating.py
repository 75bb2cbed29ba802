"""The customer's rating on the customer page, and the rating pages: notifications, the
overrides worklist, the back-testing report, the model registry with validation reports and the
expert scorecard editor.

The "Rating" tab shows the current rating (grade badge, score gauge, PD, model, trigger), its
explanation (top reasons, contributions by dimension, the data used with dates, what would
change the grade), the history with its chart, the pending override with its decision, and the
forms to rate now, record a credit event and propose an override. A view of the tab is a
credit-file read and is written to the access log.

Every view: login required, a model permission (403), customers and their ratings through the
user's restricted querysets (404 otherwise). Writes only call ``credo.rating.services``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from credo.core.permissions import (
    APPROVE_RATING_OVERRIDE,
    ASSIGN_OWNER,
    PROPOSE_RATING_OVERRIDE,
    RECORD_CREDIT_EVENT,
    VIEW_ALL_CUSTOMERS,
)
from credo.core.services import access_log_write
from credo.creditfile.selectors import creditfile_read_logged
from credo.customers.models import Customer
from credo.customers.selectors import can_view_sensitive
from credo.rating import backtest, presenters, selectors, services
from credo.rating.choices import (
    CreditEventKind,
    OverrideDirection,
    OverrideStatus,
    ScorecardStatus,
)
from credo.rating.defaults import (
    DAYS_CHOICES,
    DefaultDefinition,
    DefinitionError,
    definition_with,
)
from credo.rating.engine.grades import GradeError, GradeScale
from credo.rating.engine.scorecard import ScorecardError
from credo.rating.messages import feature_label
from credo.rating.models import (
    CreditEvent,
    CreditReview,
    Notification,
    Rating,
    RatingOverride,
    ScorecardVersion,
)
from credo.receivables.metrics import add_months

from . import charts
from . import tabs as tab_registry
from .forms_rating import BIN_ACTION, ScorecardEditorForm
from .views import ServiceErrorsForm, get_customer_or_404, require_perms, tab_url

TAB_KEY = "rating"
VIEW_RATING = "rating.view_rating"
RATE_CUSTOMER = "rating.add_rating"
VIEW_OVERRIDE = "rating.view_ratingoverride"
VIEW_EVENT = "rating.view_creditevent"
VIEW_NOTIFICATION = "rating.view_notification"
VIEW_SCORECARD = "rating.view_scorecardversion"
VIEW_LIMIT = "decisions.view_creditlimit"
CREATE_SCORECARD = "rating.add_scorecardversion"
ACTIVATE_SCORECARD = "rating.change_scorecardversion"
# The editor is the credit manager's: drafting a version and being allowed to activate one.
EDIT_SCORECARD = (CREATE_SCORECARD, ACTIVATE_SCORECARD)

HISTORY_SHOWN = 50
EVENTS_SHOWN = 10
PAGE_SIZE = 25

OVERRIDE_BADGES: dict[str, str] = {
    OverrideStatus.PENDING: "badge-suspended",
    OverrideStatus.APPROVED: "badge-active",
    OverrideStatus.REJECTED: "badge-revoked",
}
COMBINATION_LABELS = {
    "minimum": gettext_lazy("the lowest of the methods"),
    "median": gettext_lazy("the median of the methods"),
    "weighted": gettext_lazy("the weighted average of the methods"),
}
SCORECARD_BADGES: dict[str, str] = {
    ScorecardStatus.DRAFT: "badge-neutral",
    ScorecardStatus.ACTIVE: "badge-active",
    ScorecardStatus.RETIRED: "badge-revoked",
}


# --- forms ------------------------------------------------------------------------------------


class GradeField(forms.ChoiceField):
    """A select of the scale's grades that leaves the "is it on the scale" check to the service,
    so UI and API refuse an unknown grade with the same message."""

    def valid_value(self, value: Any) -> bool:
        return True


class OverrideProposeForm(ServiceErrorsForm):
    """Another grade for the current rating, with the mandatory reason."""

    proposed_grade = GradeField(label=gettext_lazy("Proposed grade"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Give the reason for the override.")},
    )

    def __init__(self, *args: Any, scale: GradeScale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["proposed_grade"]).choices = [
            ("", "—"),
            *presenters.grade_choices(scale),
        ]


class OverrideDecideForm(ServiceErrorsForm):
    """The credit manager's note on a decision (required to reject; the service says so)."""

    decision_note = forms.CharField(
        label=gettext_lazy("Decision note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CreditEventForm(ServiceErrorsForm):
    """A credit event: what happened and when; recording it re-rates the customer."""

    kind = forms.ChoiceField(label=gettext_lazy("Event"), choices=CreditEventKind.choices)
    occurred_on = forms.DateField(
        label=gettext_lazy("Occurred on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- the tab ----------------------------------------------------------------------------------


def _visible_overrides(user, customer: Customer):
    if not user.has_perm(VIEW_OVERRIDE):
        return RatingOverride.objects.none()
    return (
        RatingOverride.objects.restrict(user)
        .filter(customer=customer)
        .select_related("proposed_by", "decided_by", "rating")
    )


def _recommendations(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """The limit and terms recommended for the current grade, and the next review date."""
    user = request.user
    try:
        limit = selectors.limit_recommendation(customer=customer, user=user)
    except (ValidationError, PermissionDenied):  # e.g. an FX rate missing for a statement
        limit = None
    review = selectors.open_review(customer)
    return {
        "limit": limit,
        "may_view_limit": user.has_perm(VIEW_LIMIT),
        "combined_by": str(COMBINATION_LABELS.get(limit.combined_by, limit.combined_by))
        if limit is not None
        else "",
        "terms": selectors.terms_recommendation(customer),
        "review": review,
        "review_overdue": review is not None and review.due_on < timezone.localdate(),
    }


def _history_chart(history: list[Rating], summary: dict[str, Any]) -> Any:
    points = presenters.history_points(history)
    scale: GradeScale = summary["scale"]
    minimum = summary["min_score"] if summary["min_score"] is not None else 0
    maximum = summary["max_score"] if summary["max_score"] is not None else 1000
    return charts.band_line_chart(
        [point.label for point in points],
        [point.score for point in points],
        bands=[
            charts.Band(band.grade, band.lower, band.upper, f"band-{band.grade_class.lower()}")
            for band in presenters.grade_bands(scale)
        ],
        minimum=minimum,
        maximum=maximum,
        title=_("Score over time with the grade bands"),
        series_name=_("Score"),
        point_labels=[point.grade for point in points],
    )


def rating_tab(tab, request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """Context of the Rating tab (builder of ``tabs.Tab``); logs the credit-file read.

    Forms bound to a refused POST arrive in ``request.rating_forms`` and replace the empty ones,
    so their errors show next to their fields.
    """
    user = request.user
    bound: dict[str, forms.Form] = getattr(request, "rating_forms", {})
    history = list(selectors.rating_history(user, customer)[:HISTORY_SHOWN])
    current = next((rating for rating in history if rating.is_current), None)
    creditfile_read_logged(
        user=user,
        customer=customer,
        resource="rating.customer",
        detail="" if current is None else f"rating={current.pk}",
    )
    may_propose = user.has_perm(PROPOSE_RATING_OVERRIDE)
    may_approve = user.has_perm(APPROVE_RATING_OVERRIDE)
    context: dict[str, Any] = {
        "current": current,
        "may_rate": user.has_perm(RATE_CUSTOMER),
        "may_record_event": user.has_perm(RECORD_CREDIT_EVENT),
        "may_propose": may_propose,
        "may_approve": may_approve,
        "event_form": bound.get("event")
        or CreditEventForm(initial={"occurred_on": timezone.localdate()}),
        "history": [
            {"rating": rating, "badge": presenters.grade_badge(rating.grade)} for rating in history
        ],
    }
    overrides = _visible_overrides(user, customer)
    context["overrides"] = [
        {"override": item, "badge_class": OVERRIDE_BADGES.get(item.status, "badge-neutral")}
        for item in overrides[:EVENTS_SHOWN]
    ]
    context["events"] = (
        list(
            CreditEvent.objects.restrict(user)
            .filter(customer=customer)
            .select_related("recorded_by")[:EVENTS_SHOWN]
        )
        if user.has_perm(VIEW_EVENT)
        else []
    )
    if current is None:
        return context

    summary = presenters.rating_summary(current)
    badge = summary["badge"]
    pending = overrides.filter(rating=current, status=OverrideStatus.PENDING).first()
    keys = [item["key"] for item in current.contributions]
    context.update(
        summary=summary,
        badge=badge,
        gauge=charts.score_gauge(
            current.score,
            minimum=summary["min_score"] if summary["min_score"] is not None else 0,
            maximum=summary["max_score"] if summary["max_score"] is not None else 1000,
            label=f"{badge.code} · {badge.label}",
            level=badge.grade_class.lower(),
        ),
        reasons=presenters.reason_rows(current),
        dimensions=presenters.contributions_by_dimension(current),
        data_used=presenters.data_used(current, only=keys),
        improvements=presenters.improvements(current),
        history_chart=_history_chart(history, summary),
        pending=pending,
        pending_badge=presenters.grade_badge(pending.proposed_grade) if pending else None,
        may_decide_pending=bool(pending and may_approve and pending.proposed_by_id != user.pk),
        decide_form=bound.get("decide") or OverrideDecideForm(),
        propose_form=(
            bound.get("propose") or OverrideProposeForm(scale=summary["scale"])
            if may_propose and pending is None
            else None
        ),
        scale_rows=presenters.scale_rows(summary["scale"]),
        recommendations=_recommendations(request, customer),
    )
    return context


def _render_tab(request: HttpRequest, customer: Customer, **bound: forms.Form) -> HttpResponse:
    """The customer page on the Rating tab with ``bound`` forms showing their errors."""
    request.rating_forms = bound  # type: ignore[attr-defined]
    tab = tab_registry.find(TAB_KEY)
    available = tab_registry.tabs_for(request.user)
    if tab is None or tab not in available:
        raise Http404
    user = request.user
    context: dict[str, Any] = {
        "customer": customer,
        "tabs": available,
        "active_tab": tab,
        "may_see_sensitive": can_view_sensitive(user),
        "may_change": user.has_perm("customers.change_customer"),
        "may_delete": user.has_perm("customers.delete_customer"),
        "may_assign": user.has_perm(ASSIGN_OWNER),
    }
    context.update(tab.build(request, customer))
    return render(request, "web/customers/detail.html", context)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- writes from the tab ----------------------------------------------------------------------


@login_required
@require_POST
def rating_rate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate now: a manual rating as of today through ``customer_rate``."""
    require_perms(request, VIEW_RATING, RATE_CUSTOMER)
    customer = get_customer_or_404(request, pk)
    try:
        rating = services.customer_rate(customer=customer, trigger="manual", user=request.user)
    except ValidationError as error:
        messages.error(
            request,
            _("The customer could not be rated: %(problem)s") % {"problem": _error_text(error)},
        )
    else:
        messages.success(
            request,
            _("Rated: grade %(grade)s, score %(score)s.")
            % {"grade": rating.grade, "score": rating.score},
        )
    return redirect(tab_url(customer, TAB_KEY))


@login_required
@require_POST
def credit_event_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a credit event; the service re-rates the customer after the commit."""
    require_perms(request, RECORD_CREDIT_EVENT)
    customer = get_customer_or_404(request, pk)
    form = CreditEventForm(request.POST)
    if form.is_valid():
        try:
            services.credit_event_record(
                customer=customer,
                kind=form.cleaned_data["kind"],
                occurred_on=form.cleaned_data["occurred_on"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Credit event recorded: the customer is re-rated with it."))
            return redirect(tab_url(customer, TAB_KEY))
    if not request.user.has_perm(VIEW_RATING):
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(tab_url(customer, "overview"))
    return _render_tab(request, customer, event=form)


@login_required
@require_POST
def override_propose_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose another grade for the customer's current rating (reason mandatory)."""
    require_perms(request, VIEW_RATING, PROPOSE_RATING_OVERRIDE)
    customer = get_customer_or_404(request, pk)
    rating = selectors.rating_history(request.user, customer).filter(is_current=True).first()
    if rating is None:
        raise Http404(_("The customer has no rating yet."))
    form = OverrideProposeForm(request.POST, scale=selectors.grade_scale_for(rating.scorecard))
    if form.is_valid():
        try:
            services.rating_override_propose(
                rating=rating,
                grade=form.cleaned_data["proposed_grade"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Override to %(grade)s proposed: a credit manager decides on it.")
                % {"grade": form.cleaned_data["proposed_grade"]},
            )
            return redirect(tab_url(customer, TAB_KEY))
    return _render_tab(request, customer, propose=form)


def _visible_override(request: HttpRequest, override_pk: int) -> RatingOverride:
    override = (
        RatingOverride.objects.restrict(request.user)
        .select_related("customer", "rating")
        .filter(pk=override_pk)
        .first()
    )
    if override is None:
        raise Http404(_("No such override."))
    return override


@login_required
@require_POST
def override_decide_view(request: HttpRequest, override_pk: int) -> HttpResponse:
    """Approve or reject a pending override (``action``); back to the tab or the worklist."""
    require_perms(request, VIEW_OVERRIDE, APPROVE_RATING_OVERRIDE)
    override = _visible_override(request, override_pk)
    action = request.POST.get("action")
    if action not in ("approve", "reject"):
        raise Http404(_("No such decision."))
    back = (
        reverse("web:rating_overrides")
        if request.POST.get("return_to") == "worklist"
        else tab_url(override.customer, TAB_KEY)
    )
    form = OverrideDecideForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("decision_note", "")
    try:
        if action == "approve":
            rating = services.rating_override_approve(
                override=override, user=request.user, note=note
            )
            messages.success(
                request,
                _("Override approved: %(customer)s is now rated %(grade)s.")
                % {"customer": override.customer.display_name, "grade": rating.grade},
            )
        else:
            services.rating_override_reject(override=override, user=request.user, note=note)
            messages.success(request, _("Override rejected; the rating stays as it was."))
    except ValidationError as error:
        if back != reverse("web:rating_overrides") and request.user.has_perm(VIEW_RATING):
            form.add_service_errors(error)
            return _render_tab(request, override.customer, decide=form)
        messages.error(request, _error_text(error))
    return redirect(back)


# --- notifications ----------------------------------------------------------------------------


@login_required
@require_GET
def notifications_view(request: HttpRequest) -> HttpResponse:
    """The user's own notifications, newest first, unread marked."""
    require_perms(request, VIEW_NOTIFICATION)
    only_unread = request.GET.get("unread") == "1"
    notifications = selectors.notifications_for(request.user, unread_only=only_unread)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/rating/notifications.html",
        {
            "page": page,
            "only_unread": only_unread,
            "unread_count": selectors.notifications_for(request.user, unread_only=True).count(),
        },
    )


@login_required
@require_POST
def notification_read_view(request: HttpRequest, notification_pk: int) -> HttpResponse:
    """Mark one of the user's notifications read (others' are 404)."""
    require_perms(request, VIEW_NOTIFICATION)
    notification = selectors.notifications_for(request.user).filter(pk=notification_pk).first()
    if notification is None:
        raise Http404(_("No such notification."))
    services.notification_mark_read(notification=notification, user=request.user)
    return redirect("web:rating_notifications")


@login_required
@require_POST
def notifications_read_all_view(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification of the user read."""
    require_perms(request, VIEW_NOTIFICATION)
    unread: list[Notification] = list(selectors.notifications_for(request.user, unread_only=True))
    for notification in unread:
        services.notification_mark_read(notification=notification, user=request.user)
    messages.success(request, _("All notifications marked read."))
    return redirect("web:rating_notifications")


# --- overrides worklist -----------------------------------------------------------------------


@login_required
@require_GET
def overrides_view(request: HttpRequest) -> HttpResponse:
    """Overrides awaiting a decision (of visible customers), oldest first."""
    require_perms(request, VIEW_OVERRIDE)
    user = request.user
    page = Paginator(selectors.pending_overrides(user), PAGE_SIZE).get_page(request.GET.get("page"))
    may_approve = user.has_perm(APPROVE_RATING_OVERRIDE)
    entries = [
        {
            "override": item,
            "current_badge": presenters.grade_badge(item.rating.grade),
            "proposed_badge": presenters.grade_badge(item.proposed_grade),
            "may_decide": may_approve and item.proposed_by_id != user.pk,
        }
        for item in page.object_list
    ]
    return render(
        request,
        "web/rating/overrides.html",
        {
            "page": page,
            "entries": entries,
            "may_approve": may_approve,
            "decide_form": OverrideDecideForm(),
        },
    )


# --- review worklist and overrides report ----------------------------------------------------


class ReviewDecisionForm(ServiceErrorsForm):
    """The outcome of a review (complete) or the reason to cancel it; the service requires it."""

    note = forms.CharField(
        label=gettext_lazy("Outcome or reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
@require_GET
def reviews_view(request: HttpRequest) -> HttpResponse:
    """Open credit reviews of the visible customers, earliest due first; overdue flagged."""
    require_perms(request, VIEW_RATING)
    user = request.user
    overdue_only = request.GET.get("overdue") == "1"
    reviews = selectors.review_worklist(user, overdue_only=overdue_only)
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [
        {
            "review": review,
            "badge": presenters.grade_badge(review.grade) if review.grade else None,
        }
        for review in page.object_list
    ]
    return render(
        request,
        "web/rating/reviews.html",
        {
            "page": page,
            "entries": entries,
            "overdue_only": overdue_only,
            "overdue_count": selectors.review_worklist(user, overdue_only=True).count(),
            "may_decide": user.has_perm(RATE_CUSTOMER),
            "review_form": ReviewDecisionForm(),
        },
    )


@login_required
@require_POST
def review_decide_view(request: HttpRequest, review_pk: int) -> HttpResponse:
    """Complete (re-rates the customer) or cancel an open review, with the note."""
    require_perms(request, VIEW_RATING, RATE_CUSTOMER)
    review = (
        CreditReview.objects.restrict(request.user)
        .select_related("customer")
        .filter(pk=review_pk)
        .first()
    )
    if review is None:
        raise Http404(_("No such review."))
    action = request.POST.get("action")
    if action not in ("complete", "cancel"):
        raise Http404(_("No such decision."))
    form = ReviewDecisionForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    try:
        if action == "complete":
            services.review_complete(review=review, user=request.user, note=note)
            messages.success(
                request,
                _("Review of %(customer)s completed; the customer was re-rated.")
                % {"customer": review.customer.display_name},
            )
        else:
            services.review_cancel(review=review, user=request.user, note=note)
            messages.success(
                request,
                _("Review of %(customer)s cancelled.") % {"customer": review.customer.display_name},
            )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("web:rating_reviews")


class PeriodForm(forms.Form):
    """The period of the overrides report (proposal dates, inclusive)."""

    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end must not be before the start."))
        return data


@login_required
@require_GET
def overrides_report_view(request: HttpRequest) -> HttpResponse:
    """Every override proposed in a period, with direction, notches and decision, and counts."""
    require_perms(request, VIEW_OVERRIDE)
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start, end = today - dt.timedelta(days=365), today
    if form.is_bound and form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
    report = selectors.override_report(request.user, start=start, end=end)
    if not form.is_bound:
        form = PeriodForm(initial={"start": start, "end": end})
    directions = list(OverrideDirection.choices)
    return render(
        request,
        "web/rating/overrides_report.html",
        {
            "form": form,
            "report": report,
            "direction_labels": dict(directions),
            "status_labels": dict(OverrideStatus.choices),
            "count_rows": [
                {
                    "status": label,
                    "counts": [report.counts_by_status[status].get(d, 0) for d, _l in directions],
                }
                for status, label in OverrideStatus.choices
            ],
            "directions": directions,
            "totals": [report.counts.get(d, 0) for d, _l in directions],
        },
    )


# --- back-testing -----------------------------------------------------------------------------



class BacktestForm(PeriodForm):
    """The back-testing window (start and months), the default definition (days past due and
    the two materiality thresholds) and the migration end; empty fields take the configured
    default definition (``CREDO_DEFAULT_DEFINITION``). The start/end check is PeriodForm's."""

    field_order = ["start", "months", "default_days", "min_amount", "min_percent", "end"]

    start = forms.DateField(
        label=gettext_lazy("Window start"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    months = forms.IntegerField(
        label=gettext_lazy("Months"), required=False, min_value=1, max_value=60
    )
    default_days = forms.TypedChoiceField(
        label=gettext_lazy("Default after (days past due)"),
        choices=[(days, str(days)) for days in DAYS_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    min_amount = forms.DecimalField(
        label=gettext_lazy("Material from (amount past due)"),
        required=False, min_value=0, max_digits=18, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any", "class": "num-input"}),
    )
    min_percent = forms.DecimalField(
        label=gettext_lazy("Material from (percent of open receivables)"),
        required=False, min_value=0, max_value=100, max_digits=6, decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "any", "class": "num-input"}),
    )
    end = forms.DateField(
        label=gettext_lazy("Migration end"),
        required=False,
        help_text=gettext_lazy("Empty: the end of the window."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels in the request's language (a lazy string formatted at import would not be).
        days_field = cast(forms.TypedChoiceField, self.fields["default_days"])
        days_field.choices = [
            (days, _("%(days)s days") % {"days": days}) for days in DAYS_CHOICES
        ]

    def definition(self) -> DefaultDefinition:
        """The default definition of a valid form (configured values for empty fields)."""
        data = self.cleaned_data if self.is_bound else {}
        return definition_with(
            days=data.get("default_days"), months=data.get("months"),
            min_amount=data.get("min_amount"), min_percent=data.get("min_percent"),
        )


def _percent(share: float | None) -> str:
    """A share as a percentage with 1 decimal (``12.5 %``); a dash when absent."""
    return "—" if share is None else f"{100 * share:.1f} %"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _backtest_context(reports: backtest.BacktestReports) -> dict[str, Any]:
    """The three back-testing reports shaped for the page (percentages and ratios as text)."""
    rates, migration, limits = reports.rates, reports.migration, reports.limits
    chart = charts.bar_chart(
        [row.grade for row in rates.rows],
        [
            charts.Series(
                _("Default rate (%)"),
                [None if row.default_rate is None else 100 * row.default_rate
                 for row in rates.rows],
                "chart-s1",
            )
        ],
        title=_("Default rate by grade"),
    )
    totals = [sum(row) for row in migration.counts]
    migration_rows = [
        {
            "grade": grade,
            "total": total,
            "cells": [
                {"to": to, "count": count, "share": _percent(share)}
                for to, count, share in zip(migration.grades, counts, shares, strict=True)
            ],
        }
        for grade, counts, shares, total in zip(
            migration.grades, migration.counts, migration.shares, totals, strict=True
        )
    ]
    limit_rows = [
        {
            "row": row,
            "default_rate": _percent(row.default_rate),
            "exposure_to_limit": _ratio(row.exposure_to_limit),
        }
        for row in (*limits.rows, limits.total)
    ]
    return {
        "rates": rates,
        "definition_text": reports.definition.describe(),
        "rate_rows": [{"row": row, "rate": _percent(row.default_rate)} for row in rates.rows],
        "rate_total": _percent(rates.default_rate),
        "rate_chart": chart,
        "migration": migration,
        "migration_rows": migration_rows,
        "limits": limits,
        "limit_rows": limit_rows[:-1],
        "limit_total": limit_rows[-1],
        "window_open": rates.window_end > timezone.localdate(),
    }


@login_required
@require_GET
def backtest_view(request: HttpRequest) -> HttpResponse:
    """Back-testing of the ratings over the whole portfolio: default rate by grade, the
    migration matrix and limit effectiveness (``credo.rating.backtest``), under the default
    definition of ``credo.rating.defaults``.

    The report covers every customer, so it needs the ratings and the visibility of all
    customers; each view of a computed report is written to the access log."""
    require_perms(request, VIEW_RATING, VIEW_ALL_CUSTOMERS)
    today = timezone.localdate()
    form = BacktestForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "web/rating/backtest.html", context)
    try:
        definition = form.definition()
    except DefinitionError as error:
        form.add_error(None, str(error))
        return render(request, "web/rating/backtest.html", context)
    start = (form.cleaned_data.get("start") if form.is_bound else None) or add_months(
        today, -definition.months
    )
    end = form.cleaned_data.get("end") if form.is_bound else None
    # The form shown again with the values applied, so an empty field shows its default.
    context["form"] = BacktestForm(
        initial={"start": start, "months": definition.months,
                 "default_days": definition.days, "min_amount": definition.min_amount,
                 "min_percent": definition.min_share * 100, "end": end}
    )
    reports = backtest.backtest_reports(start=start, definition=definition, end=end)
    context.update(_backtest_context(reports))
    access_log_write(
        user=request.user, customer_id=None, resource="rating.backtest",
        detail=reports.access_detail(),
    )
    return render(request, "web/rating/backtest.html", context)


# --- model registry ---------------------------------------------------------------------------


def _version_or_404(pk: int) -> ScorecardVersion:
    version = (
        ScorecardVersion.objects.select_related("created_by", "approved_by").filter(pk=pk).first()
    )
    if version is None:
        raise Http404(_("No such scorecard version."))
    return version


def _segment_text(segment: dict[str, Any] | None) -> str:
    if not segment:
        return _("All customers (default)")
    parts = []
    if segment.get("industry_sections"):
        parts.append(
            _("industry sections %(sections)s")
            % {"sections": ", ".join(segment["industry_sections"])}
        )
    if segment.get("size"):
        parts.append(_("size %(sizes)s") % {"sizes": ", ".join(segment["size"])})
    return "; ".join(parts)


def _is_expert_with_weights(version: ScorecardVersion) -> bool:
    return version.kind == "expert" and bool((version.definition or {}).get("weights"))


@login_required
@require_GET
def scorecards_view(request: HttpRequest) -> HttpResponse:
    """Every scorecard version with its status, kind, segment, creator and approver."""
    require_perms(request, VIEW_SCORECARD)
    versions = ScorecardVersion.objects.select_related("created_by", "approved_by").order_by(
        "key", "-version"
    )
    may_edit = request.user.has_perms(EDIT_SCORECARD)
    rows = [
        {
            "version": version,
            "badge_class": SCORECARD_BADGES.get(version.status, "badge-neutral"),
            "segment": _segment_text(version.segment),
            "factor_count": len((version.definition or {}).get("factors", [])),
            "editable": may_edit and _is_expert_with_weights(version),
        }
        for version in versions
    ]
    return render(
        request,
        "web/rating/scorecards.html",
        {"rows": rows, "may_activate": request.user.has_perm(ACTIVATE_SCORECARD)},
    )


@login_required
@require_POST
def scorecard_activate_view(request: HttpRequest, version_pk: int) -> HttpResponse:
    """Activate a version (the previously active one of its key is retired)."""
    require_perms(request, VIEW_SCORECARD, ACTIVATE_SCORECARD)
    version = _version_or_404(version_pk)
    try:
        services.scorecard_version_activate(version=version, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(key)s version %(version)s is now active.")
            % {"key": version.key, "version": version.version},
        )
    return redirect("web:rating_scorecards")


def _factor_rows(version: ScorecardVersion) -> list[dict[str, Any]]:
    rows = []
    for factor in (version.definition or {}).get("factors", []):
        bins = []
        for item in factor.get("bins", []):
            if "categories" in item:
                label = ", ".join(item["categories"])
            else:
                label = presenters.numeric_bin_label(item.get("lower"), item.get("upper"))
            bins.append({"label": label, "points": item.get("points")})
        if factor.get("other_points") is not None:
            bins.append({"label": _("other"), "points": factor["other_points"]})
        missing = factor.get("missing") or {}
        rows.append(
            {
                "key": factor["key"],
                "label": feature_label(factor["key"]),
                "dimension": presenters.dimension_label(factor.get("dimension", "")),
                "weight": ((version.definition or {}).get("weights") or {}).get(factor["key"]),
                "bins": bins,
                "missing_rule": str(
                    presenters.MISSING_RULE_LABELS.get(str(missing.get("rule")), "")
                ),
                "missing_points": missing.get("points"),
            }
        )
    return rows


@login_required
@require_GET
def scorecard_detail_view(request: HttpRequest, version_pk: int) -> HttpResponse:
    """One version: its factors, bins and points, and its grade scale."""
    require_perms(request, VIEW_SCORECARD)
    version = _version_or_404(version_pk)
    try:
        scale_rows = presenters.scale_rows(selectors.grade_scale_for(version))
    except (GradeError, ScorecardError):
        scale_rows = []
    return render(
        request,
        "web/rating/scorecard_detail.html",
        {
            "version": version,
            "badge_class": SCORECARD_BADGES.get(version.status, "badge-neutral"),
            "segment": _segment_text(version.segment),
            "factors": _factor_rows(version),
            "scale_rows": scale_rows,
            "editable": request.user.has_perms(EDIT_SCORECARD) and _is_expert_with_weights(version),
            "may_activate": request.user.has_perm(ACTIVATE_SCORECARD),
        },
    )


@login_required
@require_GET
def scorecard_validation_view(request: HttpRequest, version_pk: int) -> HttpResponse:
    """The stored validation report of a version (AUC, Gini, KS, calibration, IV, PSI)."""
    require_perms(request, VIEW_SCORECARD)
    version = _version_or_404(version_pk)
    report = version.validation_report
    if not isinstance(report, dict):
        raise Http404(_("This scorecard version has no validation report."))
    return render(
        request,
        "web/rating/validation.html",
        {"version": version, "report": presenters.validation_report(report)},
    )


# --- the expert scorecard editor --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_edit_view(request: HttpRequest, version_pk: int) -> HttpResponse:
    """Edit an expert card; saving writes the next version of its key (or version 1 of a new
    key: a variant) as a draft. A bin action re-renders the input with a bin split, removed or
    added."""
    require_perms(request, VIEW_SCORECARD, *EDIT_SCORECARD)
    version = _version_or_404(version_pk)
    if not _is_expert_with_weights(version):
        raise Http404(_("Only expert scorecards with weights can be edited here."))
    next_version = presenters.next_scorecard_version(version.key)
    action = request.POST.get(BIN_ACTION, "") if request.method == "POST" else ""
    if action:
        # A bin was split, removed or added: show the user's input in the new layout, save nothing.
        form = ScorecardEditorForm.with_bin_action(
            request.POST, action, version=version, next_version=next_version
        )
    else:
        form = ScorecardEditorForm(
            request.POST if request.method == "POST" else None,
            version=version,
            next_version=next_version,
        )
    if request.method == "POST" and not action and form.is_valid():
        assert form.built_card is not None and form.built_scale is not None
        try:
            created = services.scorecard_version_create(
                definition=form.built_card.to_dict(),
                grade_scale=form.built_scale.to_dict(),
                notes=form.cleaned_data["notes"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(
                request,
                _("Draft %(key)s version %(version)s saved; activate it in the registry.")
                % {"key": created.key, "version": created.version},
            )
            return redirect("web:rating_scorecard_detail", created.pk)
    return render(
        request,
        "web/rating/scorecard_edit.html",
        {"version": version, "form": form, "next_version": next_version},
    )
