"""HTML views of the customer master and the credit file.

Every view: login required, model permission checked (403), object fetched through the user's
restricted queryset (404 for customers the user may not see). Writes only call services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from credo.core.permissions import (
    ASSIGN_OWNER,
    VIEW_ACCESSLOG,
    VIEW_CHANGELOG,
    VIEW_CREDITFILE,
)
from credo.core.selectors import access_log_list, object_change_list, object_change_types
from credo.creditfile.models import Attachment
from credo.creditfile.registry import RECORD_TYPES
from credo.creditfile.selectors import (
    attachment_list,
    creditfile_read_logged,
    record_get,
    record_list,
)
from credo.creditfile.services import (
    attachment_add,
    attachment_delete,
    record_create,
    record_delete,
    record_update,
)
from credo.customers.models import Contact, Customer, CustomerAlias, ExternalId, TeamMember
from credo.customers.selectors import can_view_sensitive, customer_get, customer_list
from credo.customers.services import (
    alias_add,
    alias_delete,
    contact_create,
    contact_delete,
    contact_update,
    customer_assign_owner,
    customer_create,
    customer_delete,
    customer_update,
    external_id_delete,
    external_id_set,
    team_member_add,
    team_member_remove,
)

from . import tabs as tab_registry
from .forms import (
    AccessLogFilterForm,
    AliasForm,
    AttachmentForm,
    ChangeLogFilterForm,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    ExternalIdForm,
    LoginForm,
    OwnerForm,
    TeamMemberForm,
    record_form_class,
)
from .tabs import DIMENSION_TAB_KEYS, model_perm

User = get_user_model()
PAGE_SIZE = 25

# Columns of the customer list: (sort key of customers.selectors.SORTABLE_FIELDS, label).
LIST_COLUMNS = [
    ("code", gettext_lazy("Customer number")),
    ("name", gettext_lazy("Name")),
    ("status", gettext_lazy("Status")),
    ("industry", gettext_lazy("Industry")),
    ("province", gettext_lazy("Province")),
    ("owner", gettext_lazy("Account manager")),
    ("founded", gettext_lazy("Founding date")),
]


class CredoLoginView(auth_views.LoginView):
    """Login with lockout feedback (the backend marks the request when the account is locked)."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def require_perms(request: HttpRequest, *perms: str) -> None:
    """403 unless the user holds every permission (login is checked before, by decorator)."""
    if not request.user.has_perms(perms):
        raise PermissionDenied


class ServiceErrorsForm(forms.Form):
    """A plain form that shows a service's ValidationError: each message on its field when the
    form has that field, otherwise on the form (the collections and portfolio forms)."""

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for field, field_messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, field_messages)


def get_customer_or_404(request: HttpRequest, pk: int) -> Customer:
    try:
        return customer_get(user=request.user, pk=pk)
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request that swaps part of the page (not a history restore, which needs all)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_maybe_partial(request, full_template, partial_template, context) -> HttpResponse:
    template = partial_template if wants_partial(request) else full_template
    response = render(request, template, context)
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


OBJECT_FORM_TEMPLATE = "web/customers/object_form.html"


def _service_form_response(
    request: HttpRequest,
    form,
    *,
    save: Callable[[], Any],
    success: str | Callable[[Any], None],
    redirect_to: str | Callable[[Any], HttpResponse],
    context: dict[str, Any],
    template: str = OBJECT_FORM_TEMPLATE,
) -> HttpResponse:
    """The create/edit flow of every form page: valid POST -> service -> message + redirect.

    ``save()`` calls the service; a ValidationError it raises is shown on the form. On success
    ``success`` is the message to show (or a function of save's result that shows one) and
    ``redirect_to`` the target (or a function of save's result returning the redirect).
    Anything else (GET, invalid input, refused by the service) renders the form again.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save()
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if callable(success):
                success(result)
            else:
                messages.success(request, success)
            if callable(redirect_to):
                return redirect_to(result)
            return redirect(redirect_to)
    return render(request, template, {"form": form, **context})


def _confirm_delete_response(
    request: HttpRequest,
    *,
    customer: Customer,
    target,
    delete: Callable[[], Any],
    success: str,
    redirect_to: str,
    cancel_url: str,
) -> HttpResponse:
    """The delete flow: GET asks to confirm; POST calls the service, then message + redirect.

    A ValidationError of the service (e.g. a customer that still has dependants) is shown on
    the confirmation page instead.
    """
    error = ""
    if request.method == "POST":
        try:
            delete()
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, success)
            return redirect(redirect_to)
    return render(
        request,
        "web/customers/confirm_delete.html",
        {"customer": customer, "object": target, "error": error, "cancel_url": cancel_url},
    )


def _announce_changes(request: HttpRequest, changed: bool) -> None:
    """The message after an edit: whether the service found anything to change."""
    if changed:
        messages.success(request, _("Changes saved."))
    else:
        messages.info(request, _("Nothing was changed."))


# Customer list -------------------------------------------------------------------------------


@login_required
def customer_list_view(request: HttpRequest) -> HttpResponse:
    require_perms(request, "customers.view_customer")
    visible = customer_list(user=request.user)
    owners = User.objects.filter(pk__in=visible.values("account_manager")).order_by("username")
    form = CustomerFilterForm(request.GET or None, owners=owners)
    filters = {
        "search": "",
        "industry": "",
        "province": "",
        "owner": "",
        "status": "",
        "kind": "",
        "sort": "code",
    }
    if form.is_valid():
        data = form.cleaned_data
        filters.update(
            search=data["q"],
            industry=data["industry"],
            province=data["province"],
            owner=data["owner"],
            status=data["status"],
            kind=data["kind"],
            sort=data["sort"] or "code",
        )
    customers = customer_list(user=request.user, **filters)
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    sort = filters["sort"]
    columns = []
    for key, label in LIST_COLUMNS:
        ascending = sort == key
        columns.append(
            {
                "key": key,
                "label": label,
                "sort_param": f"-{key}" if ascending else key,
                "sorted": sort.lstrip("-") == key,
                "descending": sort == f"-{key}",
            }
        )
    context = {
        "form": form,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number),
        "columns": columns,
        "sort": sort,
        "may_add": request.user.has_perm("customers.add_customer"),
        "may_see_sensitive": can_view_sensitive(request.user),
    }
    return render_maybe_partial(
        request, "web/customers/list.html", "web/customers/_table.html", context
    )


SUGGESTION_LIMIT = 10


@login_required
def customer_suggest(request: HttpRequest) -> HttpResponse:
    """Up to ten visible customers matching the typed name or number (the parent-code field).

    Reads ``q`` (or ``parent_code``, the field htmx sends); ``exclude`` leaves out the customer
    being edited, which cannot be its own parent.
    """
    require_perms(request, "customers.view_customer")
    term = (request.GET.get("q") or request.GET.get("parent_code") or "").strip()
    suggestions = []
    if term:
        matches = customer_list(user=request.user, search=term)
        exclude = request.GET.get("exclude", "")
        if exclude.isdigit():
            matches = matches.exclude(pk=int(exclude))
        suggestions = list(matches[:SUGGESTION_LIMIT])
    response = render(
        request,
        "web/customers/_suggestions.html",
        {"suggestions": suggestions, "term": term},
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


# Customer page and tabs ----------------------------------------------------------------------


def _tab_context(request: HttpRequest, customer: Customer, tab_key: str) -> dict:
    available = tab_registry.tabs_for(request.user)
    tab = tab_registry.find(tab_key)
    if tab is None:
        raise Http404(_("No such tab."))
    if tab not in available:
        raise PermissionDenied
    context = {
        "customer": customer,
        "tabs": available,
        "active_tab": tab,
        "may_see_sensitive": can_view_sensitive(request.user),
    }
    context.update(tab.build(request, customer))
    return context


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, "customers.view_customer")
    customer = get_customer_or_404(request, pk)
    context = _tab_context(request, customer, request.GET.get("tab") or "overview")
    context.update(
        may_change=request.user.has_perm("customers.change_customer"),
        may_delete=request.user.has_perm("customers.delete_customer"),
        may_assign=request.user.has_perm(ASSIGN_OWNER),
    )
    return render(request, "web/customers/detail.html", context)


@login_required
def customer_tab(request: HttpRequest, pk: int, tab: str) -> HttpResponse:
    """The tab strip plus one tab's panel: the htmx target of the tab links."""
    require_perms(request, "customers.view_customer")
    customer = get_customer_or_404(request, pk)
    context = _tab_context(request, customer, tab)
    if not wants_partial(request):
        return redirect(f"{customer_url(customer)}?tab={tab}")
    response = render(request, "web/customers/_tabs.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def customer_url(customer: Customer) -> str:
    return reverse("web:customer_detail", args=[customer.pk])


def tab_url(customer: Customer, tab: str) -> str:
    return f"{customer_url(customer)}?tab={tab}"


# Customer create / edit / delete / owner -----------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def customer_create_view(request: HttpRequest) -> HttpResponse:
    require_perms(request, "customers.add_customer")
    form = CustomerForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        may_see_sensitive=can_view_sensitive(request.user),
        may_choose_owner=request.user.has_perm(ASSIGN_OWNER),
    )

    def create() -> Customer:
        owner = form.cleaned_data.get("account_manager") or request.user
        return customer_create(account_manager=owner, **form.service_data())

    def announce_created(customer: Customer) -> None:
        messages.success(request, _("Customer %(name)s created.") % {"name": customer.display_name})

    def redirect_to_created(customer: Customer) -> HttpResponse:
        # Created for another account manager, the customer may be out of the user's sight.
        if Customer.objects.restrict(request.user).filter(pk=customer.pk).exists():
            return redirect(customer_url(customer))
        return redirect("web:customer_list")

    return _service_form_response(
        request,
        form,
        save=create,
        success=announce_created,
        redirect_to=redirect_to_created,
        context={"customer": None},
        template="web/customers/form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, "customers.change_customer")
    customer = get_customer_or_404(request, pk)
    # The form gets its own copy: the service compares against the untouched instance.
    form_instance = Customer.objects.select_related("parent").get(pk=customer.pk)
    form = CustomerForm(
        request.POST if request.method == "POST" else None,
        instance=form_instance,
        user=request.user,
        may_see_sensitive=can_view_sensitive(request.user),
    )
    return _service_form_response(
        request,
        form,
        save=lambda: customer_update(customer=customer, **form.service_data()),
        success=lambda changed: _announce_changes(request, changed),
        redirect_to=customer_url(customer),
        context={"customer": customer},
        template="web/customers/form.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, "customers.delete_customer")
    customer = get_customer_or_404(request, pk)
    return _confirm_delete_response(
        request,
        customer=customer,
        target=customer,
        delete=lambda: customer_delete(customer=customer),
        success=_("Customer %(name)s deleted.") % {"name": customer.display_name},
        redirect_to=reverse("web:customer_list"),
        cancel_url=customer_url(customer),
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_owner(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, "customers.change_customer", ASSIGN_OWNER)
    customer = get_customer_or_404(request, pk)
    form = OwnerForm(
        request.POST if request.method == "POST" else None,
        initial={"account_manager": customer.account_manager_id},
    )
    return _service_form_response(
        request,
        form,
        save=lambda: customer_assign_owner(
            customer=customer,
            account_manager=form.cleaned_data["account_manager"],
            reason=form.cleaned_data["reason"],
        ),
        success=lambda changed: _announce_changes(request, changed),
        redirect_to=tab_url(customer, "ownership"),
        context={"customer": customer},
        template="web/customers/owner_form.html",
    )


# Contacts ------------------------------------------------------------------------------------


def _get_contact(request: HttpRequest, customer: Customer, contact_pk: int) -> Contact:
    contact = (
        Contact.objects.restrict(request.user)
        .filter(customer=customer, pk=contact_pk)
        .select_related("customer")
        .first()
    )
    if contact is None:
        raise Http404(_("No such contact."))
    return contact


@login_required
@require_http_methods(["GET", "POST"])
def contact_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, "customers.add_contact")
    customer = get_customer_or_404(request, pk)
    form = ContactForm(request.POST or None)
    contacts_url = tab_url(customer, "contacts")
    return _service_form_response(
        request,
        form,
        save=lambda: contact_create(customer=customer, **form.service_data()),
        success=_("Contact added."),
        redirect_to=contacts_url,
        context={"customer": customer, "title": _("Add contact"), "cancel_url": contacts_url},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    require_perms(request, "customers.change_contact")
    customer = get_customer_or_404(request, pk)
    contact = _get_contact(request, customer, contact_pk)
    form = ContactForm(request.POST or None, instance=Contact.objects.get(pk=contact.pk))
    contacts_url = tab_url(customer, "contacts")
    return _service_form_response(
        request,
        form,
        save=lambda: contact_update(contact=contact, **form.service_data()),
        success=_("Contact saved."),
        redirect_to=contacts_url,
        context={"customer": customer, "title": _("Edit contact"), "cancel_url": contacts_url},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete_view(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    require_perms(request, "customers.delete_contact")
    customer = get_customer_or_404(request, pk)
    contact = _get_contact(request, customer, contact_pk)
    contacts_url = tab_url(customer, "contacts")
    return _confirm_delete_response(
        request,
        customer=customer,
        target=contact,
        delete=lambda: contact_delete(contact=contact),
        success=_("Contact deleted."),
        redirect_to=contacts_url,
        cancel_url=contacts_url,
    )


# Aliases, external ids, team members ---------------------------------------------------------


def _get_part(request: HttpRequest, customer: Customer, model, part_pk: int, missing: str):
    """One alias / external id / team member of the customer, through the restricted queryset."""
    part = model.objects.restrict(request.user).filter(customer=customer, pk=part_pk).first()
    if part is None:
        raise Http404(missing)
    return part


@login_required
@require_http_methods(["GET", "POST"])
def alias_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, "customers.add_customeralias")
    customer = get_customer_or_404(request, pk)
    form = AliasForm(request.POST or None)
    overview_url = tab_url(customer, "overview")
    return _service_form_response(
        request,
        form,
        save=lambda: alias_add(customer=customer, **form.service_data()),
        success=_("Name added."),
        redirect_to=overview_url,
        context={
            "customer": customer,
            "title": _("Add former name or alias"),
            "cancel_url": overview_url,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def alias_delete_view(request: HttpRequest, pk: int, alias_pk: int) -> HttpResponse:
    require_perms(request, "customers.delete_customeralias")
    customer = get_customer_or_404(request, pk)
    alias = _get_part(request, customer, CustomerAlias, alias_pk, _("No such name."))
    overview_url = tab_url(customer, "overview")
    return _confirm_delete_response(
        request,
        customer=customer,
        target=alias,
        delete=lambda: alias_delete(alias=alias),
        success=_("Name deleted."),
        redirect_to=overview_url,
        cancel_url=overview_url,
    )


@login_required
@require_http_methods(["GET", "POST"])
def external_id_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, "customers.add_externalid")
    customer = get_customer_or_404(request, pk)
    form = ExternalIdForm(request.POST or None)
    overview_url = tab_url(customer, "overview")
    return _service_form_response(
        request,
        form,
        save=lambda: external_id_set(customer=customer, **form.service_data()),
        success=_("Identifier added."),
        redirect_to=overview_url,
        context={
            "customer": customer,
            "title": _("Add identifier in a source system"),
            "cancel_url": overview_url,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def external_id_delete_view(request: HttpRequest, pk: int, external_id_pk: int) -> HttpResponse:
    require_perms(request, "customers.delete_externalid")
    customer = get_customer_or_404(request, pk)
    external_id = _get_part(request, customer, ExternalId, external_id_pk, _("No such identifier."))
    overview_url = tab_url(customer, "overview")
    return _confirm_delete_response(
        request,
        customer=customer,
        target=external_id,
        delete=lambda: external_id_delete(external_id=external_id),
        success=_("Identifier deleted."),
        redirect_to=overview_url,
        cancel_url=overview_url,
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_member_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, "customers.add_teammember")
    customer = get_customer_or_404(request, pk)
    form = TeamMemberForm(request.POST or None)
    ownership_url = tab_url(customer, "ownership")
    return _service_form_response(
        request,
        form,
        save=lambda: team_member_add(customer=customer, **form.service_data()),
        success=_("Team member added."),
        redirect_to=ownership_url,
        context={"customer": customer, "title": _("Add team member"), "cancel_url": ownership_url},
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_member_delete_view(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    require_perms(request, "customers.delete_teammember")
    customer = get_customer_or_404(request, pk)
    member = _get_part(request, customer, TeamMember, member_pk, _("No such team member."))
    ownership_url = tab_url(customer, "ownership")
    return _confirm_delete_response(
        request,
        customer=customer,
        target=member,
        delete=lambda: team_member_remove(member=member),
        success=_("Team member removed."),
        redirect_to=ownership_url,
        cancel_url=ownership_url,
    )


# Credit-file records (generic over the registry) ---------------------------------------------


def _record_type_or_404(type_key: str):
    record_type = RECORD_TYPES.get(type_key)
    if record_type is None:
        raise Http404(_("No such record type."))
    return record_type


def _get_record(request: HttpRequest, customer: Customer, record_type, record_pk: int):
    try:
        record = record_get(user=request.user, record_type=record_type.key, pk=record_pk)
    except record_type.model.DoesNotExist:
        raise Http404(_("No such record.")) from None
    if record.customer_id != customer.pk:
        raise Http404(_("No such record."))
    return record


def _dimension_url(customer: Customer, record_type) -> str:
    return tab_url(customer, DIMENSION_TAB_KEYS[record_type.dimension])


@login_required
@require_http_methods(["GET", "POST"])
def record_create_view(request: HttpRequest, pk: int, type_key: str) -> HttpResponse:
    record_type = _record_type_or_404(type_key)
    require_perms(request, VIEW_CREDITFILE, model_perm("add", record_type))
    customer = get_customer_or_404(request, pk)
    form = record_form_class(record_type)(
        request.POST or None,
        record_type=record_type,
        customer=customer,
        may_see_sensitive=can_view_sensitive(request.user),
    )
    dimension_url = _dimension_url(customer, record_type)
    return _service_form_response(
        request,
        form,
        save=lambda: record_create(
            record_type=record_type.key, customer=customer, **form.service_data()
        ),
        success=_("%(type)s added.") % {"type": capfirst(record_type.label)},
        redirect_to=dimension_url,
        context={
            "customer": customer,
            "title": _("Add %(type)s") % {"type": record_type.label},
            "cancel_url": dimension_url,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, pk: int, type_key: str, record_pk: int) -> HttpResponse:
    record_type = _record_type_or_404(type_key)
    require_perms(request, VIEW_CREDITFILE, model_perm("change", record_type))
    customer = get_customer_or_404(request, pk)
    record = _get_record(request, customer, record_type, record_pk)
    form = record_form_class(record_type)(
        request.POST or None,
        instance=record_type.model.objects.get(pk=record.pk),
        record_type=record_type,
        customer=customer,
        may_see_sensitive=can_view_sensitive(request.user),
    )
    dimension_url = _dimension_url(customer, record_type)
    return _service_form_response(
        request,
        form,
        save=lambda: record_update(record=record, **form.service_data()),
        success=lambda changed: _announce_changes(request, changed),
        redirect_to=dimension_url,
        context={
            "customer": customer,
            "title": _("Edit %(type)s") % {"type": record_type.label},
            "cancel_url": dimension_url,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_delete_view(request: HttpRequest, pk: int, type_key: str, record_pk: int):
    record_type = _record_type_or_404(type_key)
    require_perms(request, VIEW_CREDITFILE, model_perm("delete", record_type))
    customer = get_customer_or_404(request, pk)
    record = _get_record(request, customer, record_type, record_pk)
    dimension_url = _dimension_url(customer, record_type)
    return _confirm_delete_response(
        request,
        customer=customer,
        target=record,
        delete=lambda: record_delete(record=record),
        success=_("Record deleted."),
        redirect_to=dimension_url,
        cancel_url=dimension_url,
    )


# Attachments ---------------------------------------------------------------------------------


def _get_attachment(request: HttpRequest, customer: Customer, attachment_pk: int) -> Attachment:
    attachment = (
        attachment_list(user=request.user, customer=customer).filter(pk=attachment_pk).first()
    )
    if attachment is None:
        raise Http404(_("No such attachment."))
    return attachment


def _visible_records(request: HttpRequest, customer: Customer) -> list[tuple[Any, Any]]:
    """(record type, record) of every credit-file record of the customer the user may view."""
    return [
        (record_type, record)
        for record_type in RECORD_TYPES.values()
        if request.user.has_perm(model_perm("view", record_type))
        for record in record_list(user=request.user, record_type=record_type.key, customer=customer)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def attachment_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_perms(request, VIEW_CREDITFILE, "creditfile.add_attachment")
    customer = get_customer_or_404(request, pk)
    form = AttachmentForm(
        request.POST or None,
        request.FILES or None,
        records=_visible_records(request, customer),
    )
    attachments_url = tab_url(customer, "attachments")
    return _service_form_response(
        request,
        form,
        save=lambda: attachment_add(customer=customer, **form.service_data()),
        success=_("Attachment uploaded."),
        redirect_to=attachments_url,
        context={
            "customer": customer,
            "title": _("Upload attachment"),
            "cancel_url": attachments_url,
            "multipart": True,
        },
    )


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    require_perms(request, VIEW_CREDITFILE, "creditfile.view_attachment")
    customer = get_customer_or_404(request, pk)
    attachment = _get_attachment(request, customer, attachment_pk)
    creditfile_read_logged(
        user=request.user,
        customer=customer,
        resource="creditfile.attachment",
        detail=f"{attachment.pk} {attachment.title}",
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The stored file is missing.")) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name or attachment.file.name.rsplit("/", 1)[-1],
    )


@login_required
@require_http_methods(["GET", "POST"])
def attachment_delete_view(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    require_perms(request, VIEW_CREDITFILE, "creditfile.delete_attachment")
    customer = get_customer_or_404(request, pk)
    attachment = _get_attachment(request, customer, attachment_pk)
    attachments_url = tab_url(customer, "attachments")
    return _confirm_delete_response(
        request,
        customer=customer,
        target=attachment,
        delete=lambda: attachment_delete(attachment=attachment),
        success=_("Attachment deleted."),
        redirect_to=attachments_url,
        cancel_url=attachments_url,
    )


# Audit pages (auditors are not staff: the Django admin is not theirs) -------------------------

AUDIT_PAGE_SIZE = 50


def _customers_by_id(request: HttpRequest, entries) -> dict[int, Customer]:
    """The visible customers the entries of one page refer to (one query per page)."""
    ids = {entry.customer_id for entry in entries if entry.customer_id}
    return {c.pk: c for c in Customer.objects.restrict(request.user).filter(pk__in=ids)}


def _audit_page(request: HttpRequest, form, entries):
    """The page of entries for valid filters; nothing while the filters have errors."""
    if form.is_bound and not form.is_valid():
        entries = entries.none()
    return Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def audit_changes(request: HttpRequest) -> HttpResponse:
    require_perms(request, VIEW_CHANGELOG)
    object_types = [
        (key, capfirst(tab_registry.object_type_label(key))) for key in object_change_types()
    ]
    form = ChangeLogFilterForm(request.GET or None, object_types=object_types)
    filters = form.selector_filters() if form.is_bound and form.is_valid() else {}
    page = _audit_page(request, form, object_change_list(user=request.user, **filters))
    customers = _customers_by_id(request, page.object_list)
    entries = tab_registry.change_entries(
        page.object_list, show_sensitive=can_view_sensitive(request.user)
    )
    for entry in entries:
        entry["customer"] = customers.get(entry["change"].customer_id)
    context = {"form": form, "page": page, "entries": entries}
    return render(request, "web/audit/changes.html", context)


@login_required
def audit_access(request: HttpRequest) -> HttpResponse:
    require_perms(request, VIEW_ACCESSLOG)
    form = AccessLogFilterForm(request.GET or None)
    filters = form.selector_filters() if form.is_bound and form.is_valid() else {}
    page = _audit_page(request, form, access_log_list(user=request.user, **filters))
    customers = _customers_by_id(request, page.object_list)
    rows = [{"entry": entry, "customer": customers.get(entry.customer_id)} for entry in page]
    context = {"form": form, "page": page, "rows": rows}
    return render(request, "web/audit/access.html", context)
