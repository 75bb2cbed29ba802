"""Customer master endpoints: customers, aliases, external ids, contacts, account manager.

Handlers only translate between JSON and the services/selectors of ``credo.customers``:
permissions are model permissions, visibility is the restricted queryset (not visible -> 404),
and resident ID numbers are masked unless the caller may see sensitive data.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from credo.core.permissions import ASSIGN_OWNER
from credo.customers import services
from credo.customers.models import (
    Contact,
    Customer,
    CustomerAlias,
    ExternalId,
    Industry,
    Tag,
    TeamMember,
)
from credo.customers.selectors import can_view_sensitive, customer_get, customer_list

from ..auth import acting_user, require_perm
from ..errors import READ_ERRORS, WRITE_ERRORS, NotFound
from ..schemas.common import paginate, user_ref
from ..schemas.customers import (
    AliasIn,
    AliasOut,
    AssignOwnerIn,
    ContactCreateIn,
    ContactFieldsIn,
    ContactOut,
    CustomerCreateIn,
    CustomerFilters,
    CustomerOut,
    CustomerPage,
    CustomerPatchIn,
    ExternalIdIn,
    ExternalIdOut,
    OwnershipPeriodOut,
    TeamMemberIn,
    TeamMemberOut,
)

router = Router(tags=["customers"])

# Optional identifiers stay NULL when empty (they are unique); other text fields use "".
_NULLABLE_TEXT = {"uscc", "id_number", "code"}
_TEXT_FIELDS = {
    name for name, info in CustomerPatchIn.model_fields.items() if info.annotation == (str | None)
} - _NULLABLE_TEXT


# --- lookups -------------------------------------------------------------------------------


def visible_customer(request: HttpRequest, pk: int) -> Customer:
    """The customer if the caller may see it; 404 otherwise (never reveal that it exists)."""
    try:
        return customer_get(user=acting_user(request), pk=pk)
    except Customer.DoesNotExist:
        raise NotFound(_("Customer not found.")) from None


def _visible_contact(request: HttpRequest, pk: int) -> Contact:
    contact = (
        Contact.objects.restrict(acting_user(request)).select_related("customer").filter(pk=pk)
    ).first()
    if contact is None:
        raise NotFound(_("Contact not found."))
    return contact


def _part_of_customer(model, customer: Customer, pk: int):
    """An alias, external id or team member of this customer; 404 if it belongs to another."""
    part = model.objects.filter(customer=customer, pk=pk).first()
    if part is None:
        raise NotFound()
    return part


def _user_by_reference(reference: int | str, field: str):
    user_model = get_user_model()
    lookup = {"pk": reference} if str(reference).isdigit() else {"username": reference}
    user = user_model.objects.filter(is_active=True, **lookup).first()
    if user is None:
        raise ValidationError({field: [_("No active user with this id or user name.")]})
    return user


def _service_fields(request: HttpRequest, payload: dict[str, Any]) -> dict[str, Any]:
    """Turn references in the request (industry code, parent id, tag names) into objects."""
    data = dict(payload)
    errors: dict[str, list] = {}
    for name in _TEXT_FIELDS & set(data):
        if data[name] is None:
            data[name] = ""
    if data.get("industry"):
        industry = Industry.objects.filter(code=data["industry"]).first()
        if industry is None:
            errors["industry"] = [_("Unknown industry code.")]
        data["industry"] = industry
    elif "industry" in data:
        data["industry"] = None
    if data.get("parent") is not None:
        parent = Customer.objects.restrict(acting_user(request)).filter(pk=data["parent"]).first()
        if parent is None:
            errors["parent"] = [_("Customer not found.")]
        data["parent"] = parent
    if "tags" in data:
        names = data["tags"] or []
        tags = list(Tag.objects.filter(name__in=names))
        missing = sorted(set(names) - {tag.name for tag in tags})
        if missing:
            errors["tags"] = [_("Unknown tag: %(name)s.") % {"name": name} for name in missing]
        data["tags"] = tags
    if errors:
        raise ValidationError(errors)
    return data


# --- output --------------------------------------------------------------------------------

# Customer attributes answered as stored; the others are rendered one by one in customer_out.
_CUSTOMER_PLAIN_OUTPUT_FIELDS = (
    *(
        name
        for name in services.CUSTOMER_EDITABLE_FIELDS
        if name not in {"industry", "id_number", "parent", "tags"}
    ),
    "display_name",
    "created_at",
    "updated_at",
)


def customer_out(customer: Customer, user) -> dict[str, Any]:
    """The customer as ``user`` may see it: resident ID number masked unless allowed."""
    sensitive = can_view_sensitive(user)
    industry = customer.industry
    return {
        **{name: getattr(customer, name) for name in _CUSTOMER_PLAIN_OUTPUT_FIELDS},
        "id": customer.pk,
        "industry": (
            {"code": industry.code, "name_zh": industry.name_zh, "name_en": industry.name_en}
            if industry
            else None
        ),
        "id_number": (customer.id_number if sensitive else (customer.masked_id_number or None)),
        "id_number_masked": bool(customer.id_number) and not sensitive,
        "parent": customer.parent_id,
        "account_manager": user_ref(customer.account_manager),
        "tags": [tag.name for tag in customer.tags.all()],
        "aliases": list(customer.aliases.order_by("name")),
        "external_ids": list(customer.external_ids.order_by("source_system", "external_id")),
    }


def _list_item(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "code": customer.code,
        "kind": customer.kind,
        "display_name": customer.display_name,
        "name_zh": customer.name_zh,
        "name_en": customer.name_en,
        "status": customer.status,
        "uscc": customer.uscc,
        "industry": customer.industry.code if customer.industry_id else None,
        "registered_province": customer.registered_province,
        "account_manager": user_ref(customer.account_manager),
    }


# --- customers -----------------------------------------------------------------------------


@router.get("/customers", response={200: CustomerPage, **READ_ERRORS}, summary="List customers")
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]):
    require_perm(request, "customers.view_customer")
    queryset = customer_list(
        user=acting_user(request),
        search=filters.search,
        industry=filters.industry,
        province=filters.province,
        owner=filters.owner,
        status=filters.status,
        kind=filters.kind,
        tag=filters.tag,
        sort=filters.sort,
    )
    count, customers = paginate(queryset, filters)
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_list_item(customer) for customer in customers],
    }


@router.post("/customers", response={201: CustomerOut, **WRITE_ERRORS}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: CustomerCreateIn):
    require_perm(request, "customers.add_customer")
    user = acting_user(request)
    data = payload.model_dump(exclude_unset=True)
    owner_reference = data.pop("account_manager", None)
    if owner_reference is None:
        owner = user
    else:
        owner = _user_by_reference(owner_reference, "account_manager")
        if owner.pk != user.pk:
            require_perm(request, ASSIGN_OWNER)
    customer = services.customer_create(account_manager=owner, **_service_fields(request, data))
    # Answer from the new instance (reloaded for stored values such as quantized money): the
    # caller may have created it for an account manager whose customers they cannot see.
    customer.refresh_from_db()
    return Status(201, customer_out(customer, user))


@router.get(
    "/customers/{int:customer_id}",
    response={200: CustomerOut, **READ_ERRORS},
    summary="Get a customer",
)
def get_customer(request: HttpRequest, customer_id: int):
    require_perm(request, "customers.view_customer")
    return customer_out(visible_customer(request, customer_id), acting_user(request))


@router.patch(
    "/customers/{int:customer_id}",
    response={200: CustomerOut, **WRITE_ERRORS},
    summary="Change a customer (send only the fields to change)",
)
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerPatchIn):
    require_perm(request, "customers.change_customer")
    customer = visible_customer(request, customer_id)
    data = _service_fields(request, payload.model_dump(exclude_unset=True))
    services.customer_update(customer=customer, **data)
    return customer_out(visible_customer(request, customer_id), acting_user(request))


@router.delete(
    "/customers/{int:customer_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a customer and its credit file",
)
def delete_customer(request: HttpRequest, customer_id: int):
    require_perm(request, "customers.delete_customer")
    services.customer_delete(customer=visible_customer(request, customer_id))
    return Status(204, None)


@router.put(
    "/customers/{int:customer_id}/account-manager",
    response={200: CustomerOut, **WRITE_ERRORS},
    summary="Hand the customer to another account manager",
)
def assign_account_manager(request: HttpRequest, customer_id: int, payload: AssignOwnerIn):
    require_perm(request, ASSIGN_OWNER)
    customer = visible_customer(request, customer_id)
    owner = _user_by_reference(payload.account_manager, "account_manager")
    services.customer_assign_owner(customer=customer, account_manager=owner, reason=payload.reason)
    # Answer from the instance: after handing it over the caller may no longer see it.
    customer.refresh_from_db()
    return customer_out(customer, acting_user(request))


@router.get(
    "/customers/{int:customer_id}/ownership-history",
    response={200: list[OwnershipPeriodOut], **READ_ERRORS},
    summary="Account managers of the customer over time",
)
def ownership_history(request: HttpRequest, customer_id: int):
    require_perm(request, "customers.view_customer")
    customer = visible_customer(request, customer_id)
    return [
        {
            "account_manager": user_ref(period.account_manager),
            "started_at": period.started_at,
            "ended_at": period.ended_at,
            "changed_by": period.changed_by,
            "reason": period.reason,
        }
        for period in customer.ownership_history.select_related("account_manager")
    ]


# --- aliases and external ids --------------------------------------------------------------


@router.get(
    "/customers/{int:customer_id}/aliases",
    response={200: list[AliasOut], **READ_ERRORS},
    summary="Former names and aliases",
)
def list_aliases(request: HttpRequest, customer_id: int):
    require_perm(request, "customers.view_customeralias")
    return list(visible_customer(request, customer_id).aliases.order_by("name"))


@router.post(
    "/customers/{int:customer_id}/aliases",
    response={201: AliasOut, **WRITE_ERRORS},
    summary="Add a former name or alias (idempotent by name)",
)
def add_alias(request: HttpRequest, customer_id: int, payload: AliasIn):
    require_perm(request, "customers.add_customeralias")
    customer = visible_customer(request, customer_id)
    return Status(201, services.alias_add(customer=customer, **payload.model_dump()))


@router.delete(
    "/customers/{int:customer_id}/aliases/{int:alias_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove an alias",
)
def delete_alias(request: HttpRequest, customer_id: int, alias_id: int):
    require_perm(request, "customers.delete_customeralias")
    customer = visible_customer(request, customer_id)
    services.alias_delete(alias=_part_of_customer(CustomerAlias, customer, alias_id))
    return Status(204, None)


@router.get(
    "/customers/{int:customer_id}/external-ids",
    response={200: list[ExternalIdOut], **READ_ERRORS},
    summary="Identifiers of the customer in source systems",
)
def list_external_ids(request: HttpRequest, customer_id: int):
    require_perm(request, "customers.view_externalid")
    customer = visible_customer(request, customer_id)
    return list(customer.external_ids.order_by("source_system", "external_id"))


@router.post(
    "/customers/{int:customer_id}/external-ids",
    response={201: ExternalIdOut, **WRITE_ERRORS},
    summary="Link the customer to its id in a source system",
)
def add_external_id(request: HttpRequest, customer_id: int, payload: ExternalIdIn):
    require_perm(request, "customers.add_externalid")
    customer = visible_customer(request, customer_id)
    return Status(201, services.external_id_set(customer=customer, **payload.model_dump()))


@router.delete(
    "/customers/{int:customer_id}/external-ids/{int:external_id_pk}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove an external id",
)
def delete_external_id(request: HttpRequest, customer_id: int, external_id_pk: int):
    require_perm(request, "customers.delete_externalid")
    customer = visible_customer(request, customer_id)
    external_id = _part_of_customer(ExternalId, customer, external_id_pk)
    services.external_id_delete(external_id=external_id)
    return Status(204, None)


# --- team ----------------------------------------------------------------------------------


def _member_out(member: TeamMember) -> dict[str, Any]:
    return {"id": member.pk, "user": user_ref(member.user), "role": member.role}


@router.get(
    "/customers/{int:customer_id}/team",
    response={200: list[TeamMemberOut], **READ_ERRORS},
    summary="Users working on the customer besides the account manager",
)
def list_team(request: HttpRequest, customer_id: int):
    require_perm(request, "customers.view_teammember")
    customer = visible_customer(request, customer_id)
    return [_member_out(m) for m in customer.team_members.select_related("user").order_by("pk")]


@router.post(
    "/customers/{int:customer_id}/team",
    response={201: TeamMemberOut, **WRITE_ERRORS},
    summary="Put a user on the customer's team (they then see the customer)",
)
def add_team_member(request: HttpRequest, customer_id: int, payload: TeamMemberIn):
    require_perm(request, "customers.add_teammember")
    customer = visible_customer(request, customer_id)
    user = _user_by_reference(payload.user, "user")
    member = services.team_member_add(customer=customer, user=user, role=payload.role)
    return Status(201, _member_out(member))


@router.delete(
    "/customers/{int:customer_id}/team/{int:member_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Take a user off the customer's team",
)
def remove_team_member(request: HttpRequest, customer_id: int, member_id: int):
    require_perm(request, "customers.delete_teammember")
    customer = visible_customer(request, customer_id)
    services.team_member_remove(member=_part_of_customer(TeamMember, customer, member_id))
    return Status(204, None)


# --- contacts ------------------------------------------------------------------------------


def _contact_out(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "customer": contact.customer_id,
        **{
            name: getattr(contact, name)
            for name in (*services.CONTACT_EDITABLE_FIELDS, "created_at", "updated_at")
        },
    }


def _contact_fields(payload: ContactFieldsIn) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True)
    # Contact text fields are never NULL in the database: an explicit null clears them.
    return {
        name: ("" if value is None and name != "is_primary" else value)
        for name, value in data.items()
    }


@router.get(
    "/customers/{int:customer_id}/contacts",
    response={200: list[ContactOut], **READ_ERRORS},
    summary="Contacts of a customer",
)
def list_contacts(request: HttpRequest, customer_id: int):
    require_perm(request, "customers.view_contact")
    customer = visible_customer(request, customer_id)
    return [_contact_out(contact) for contact in customer.contacts.all()]


@router.post(
    "/customers/{int:customer_id}/contacts",
    response={201: ContactOut, **WRITE_ERRORS},
    summary="Add a contact",
)
def create_contact(request: HttpRequest, customer_id: int, payload: ContactCreateIn):
    require_perm(request, "customers.add_contact")
    customer = visible_customer(request, customer_id)
    contact = services.contact_create(customer=customer, **_contact_fields(payload))
    return Status(201, _contact_out(contact))


@router.get(
    "/contacts/{int:contact_id}", response={200: ContactOut, **READ_ERRORS}, summary="Get a contact"
)
def get_contact(request: HttpRequest, contact_id: int):
    require_perm(request, "customers.view_contact")
    return _contact_out(_visible_contact(request, contact_id))


@router.patch(
    "/contacts/{int:contact_id}",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Change a contact",
)
def update_contact(request: HttpRequest, contact_id: int, payload: ContactFieldsIn):
    require_perm(request, "customers.change_contact")
    contact = _visible_contact(request, contact_id)
    services.contact_update(contact=contact, **_contact_fields(payload))
    return _contact_out(_visible_contact(request, contact_id))


@router.delete(
    "/contacts/{int:contact_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a contact"
)
def delete_contact(request: HttpRequest, contact_id: int):
    require_perm(request, "customers.delete_contact")
    services.contact_delete(contact=_visible_contact(request, contact_id))
    return Status(204, None)
