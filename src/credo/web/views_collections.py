"""Collections pages: the prioritised collection worklist, the dunning run and its proposed
letters (review, send, cancel, view as HTML), and a customer's promises to pay.

Every page: login required, a permission (403), only customers the user may see (404 for the
others). Writes only call ``credo.dunning.services``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from credo.core.permissions import (
    RUN_DUNNING,
    SEND_DUNNING_LETTER,
    VIEW_COLLECTION_WORKLIST,
)
from credo.customers.models import Contact, Customer
from credo.dunning import selectors, services
from credo.dunning.choices import LetterStatus, PromiseStatus
from credo.dunning.models import DunningLetter
from credo.receivables.selectors import company_currency

from .views import ServiceErrorsForm, get_customer_or_404, require_perms

User = get_user_model()

VIEW_LETTERS = "collections.view_dunningletter"
VIEW_PROMISES = "collections.view_promisetopay"
ADD_PROMISE = "collections.add_promisetopay"
REVIEW_PROMISES = "collections.change_promisetopay"


class WorklistFilterForm(forms.Form):
    """Which collector's customers to show (empty: every visible customer)."""

    collector = forms.ModelChoiceField(
        label=gettext_lazy("Collector"), queryset=User.objects.none(), required=False,
        empty_label=gettext_lazy("All collectors"),
    )

    def __init__(self, *args, collectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = collectors


class DunningRunForm(forms.Form):
    as_of = forms.DateField(
        label=gettext_lazy("As of"), widget=forms.DateInput(attrs={"type": "date"})
    )


class PromiseForm(ServiceErrorsForm):
    """A new promise to pay (amount in the company currency)."""

    amount = forms.DecimalField(label=gettext_lazy("Amount"), max_digits=20, decimal_places=2)
    made_on = forms.DateField(
        label=gettext_lazy("Promise made on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    promised_date = forms.DateField(
        label=gettext_lazy("Promised payment date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    contact = forms.ModelChoiceField(
        label=gettext_lazy("Contact"), queryset=Contact.objects.none(), required=False
    )
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea, required=False)

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.order_by("name")


# --- worklist ---------------------------------------------------------------------------------


@login_required
def worklist_view(request: HttpRequest) -> HttpResponse:
    require_perms(request, VIEW_COLLECTION_WORKLIST)
    today = timezone.localdate()
    visible = Customer.objects.restrict(request.user)
    collectors = User.objects.filter(
        pk__in=visible.values("account_manager")
    ) | User.objects.filter(pk__in=visible.values("collector_assignment__collector"))
    form = WorklistFilterForm(request.GET or None, collectors=collectors.distinct().order_by(
        "username"
    ))
    collector = form.cleaned_data["collector"] if form.is_valid() else None
    rows = selectors.collection_worklist(
        user=request.user, as_of=today, collector_id=collector.pk if collector else None
    )
    return render(
        request,
        "web/collections/worklist.html",
        {"form": form, "rows": rows, "as_of": today, "currency": company_currency()},
    )


# --- dunning ----------------------------------------------------------------------------------


@login_required
def letters_view(request: HttpRequest) -> HttpResponse:
    require_perms(request, VIEW_LETTERS)
    status = request.GET.get("status", LetterStatus.PROPOSED)
    if status not in LetterStatus.values:
        status = ""
    letters = selectors.letter_list(user=request.user, status=status)[:200]
    return render(
        request,
        "web/collections/letters.html",
        {
            "letters": letters,
            "status": status,
            "statuses": LetterStatus.choices,
            "run_form": DunningRunForm(initial={"as_of": timezone.localdate()}),
            "may_run": request.user.has_perm(RUN_DUNNING),
            "may_send": request.user.has_perm(SEND_DUNNING_LETTER),
        },
    )


@login_required
@require_POST
def dunning_run_view(request: HttpRequest) -> HttpResponse:
    require_perms(request, RUN_DUNNING)
    form = DunningRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date."))
        return redirect("web:collections_letters")
    try:
        letters = services.dunning_run(as_of=form.cleaned_data["as_of"], user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(count)d letters proposed for review.") % {"count": len(letters)}
        )
    return redirect("web:collections_letters")


def _letter_or_404(request: HttpRequest, pk: int) -> DunningLetter:
    try:
        return selectors.letter_get(user=request.user, pk=pk)
    except DunningLetter.DoesNotExist:
        raise Http404(_("No such letter.")) from None


@login_required
def letter_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, VIEW_LETTERS)
    letter = _letter_or_404(request, pk)
    # The letter templates escape every value; the stored copy was rendered the same way.
    html = mark_safe(selectors.letter_render(letter))  # noqa: S308
    return render(
        request,
        "web/collections/letter.html",
        {
            "letter": letter,
            "letter_html": html,
            "may_send": request.user.has_perm(SEND_DUNNING_LETTER)
            and letter.status == LetterStatus.PROPOSED,
        },
    )


@login_required
@require_POST
def letter_send(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, SEND_DUNNING_LETTER)
    letter = _letter_or_404(request, pk)
    action = services.dunning_letter_cancel if request.POST.get("cancel") else (
        services.dunning_letter_send
    )
    try:
        action(letter=letter, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if action is services.dunning_letter_send:
            messages.success(request, _("Letter sent."))
        else:
            messages.success(request, _("Letter cancelled."))
    return redirect("web:collections_letter", pk=letter.pk)


# --- promises ---------------------------------------------------------------------------------


@login_required
def promises_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, VIEW_PROMISES)
    customer = get_customer_or_404(request, pk)
    may_add = request.user.has_perm(ADD_PROMISE)
    form = PromiseForm(
        request.POST if request.method == "POST" else None, customer=customer,
        initial={"made_on": timezone.localdate()},
    )
    if request.method == "POST":
        require_perms(request, ADD_PROMISE)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.promise_create(
                    customer=customer, amount=data["amount"], made_on=data["made_on"],
                    promised_date=data["promised_date"], contact=data["contact"],
                    note=data["note"], user=request.user,
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Promise to pay recorded."))
                return redirect("web:collections_promises", pk=customer.pk)
    return render(
        request,
        "web/collections/promises.html",
        {
            "customer": customer,
            "promises": selectors.promise_list(user=request.user, customer=customer),
            "form": form,
            "may_add": may_add,
            "may_review": request.user.has_perm(REVIEW_PROMISES),
            "currency": company_currency(),
            "statuses": PromiseStatus,
        },
    )


@login_required
@require_POST
def promises_review_view(request: HttpRequest) -> HttpResponse:
    require_perms(request, REVIEW_PROMISES)
    counts = services.promises_review(as_of=timezone.localdate())
    messages.success(
        request,
        _("Promises reviewed: %(kept)d kept, %(broken)d broken.")
        % {"kept": counts["kept"], "broken": counts["broken"]},
    )
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(reverse("web:collections_worklist"))
