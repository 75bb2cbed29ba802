"""Writes to the customer master. Every function validates, logs the change and emits an event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credo.core.context import current_actor
from credo.core.services import business_event_emit, model_create, model_delete, model_update

from .models import Contact, Customer, CustomerAlias, ExternalId, OwnershipPeriod, TeamMember

User = get_user_model()

# Fields a caller may set on a customer (account_manager goes through customer_assign_owner),
# in the order forms show them.
CUSTOMER_EDITABLE_FIELDS = (
    "kind", "name_zh", "name_en", "code", "status", "uscc", "id_number", "parent",
    "legal_form", "industry", "size_class", "ownership_type", "legal_representative",
    "registered_capital", "registered_capital_currency", "paid_in_capital",
    "paid_in_capital_currency", "founding_date", "registered_province", "registered_city",
    "registered_district", "registered_street", "operating_province", "operating_city",
    "operating_district", "operating_street", "website", "phone", "tags",
)
CUSTOMER_FIELDS = frozenset(CUSTOMER_EDITABLE_FIELDS)
# Fields a caller may set on a contact, in the order forms show them.
CONTACT_EDITABLE_FIELDS = (
    "name", "role", "title", "phone", "mobile", "email", "wechat", "is_primary", "notes",
)
CONTACT_FIELDS = frozenset(CONTACT_EDITABLE_FIELDS)


def _only(data: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(
            {name: [_("This field cannot be set here.")] for name in sorted(unknown)}
        )
    return dict(data)


def _blank_to_none(data: dict[str, Any]) -> None:
    # Unique optional identifiers: "" would collide, NULL does not.
    for key in ("uscc", "id_number"):
        if key in data and not data[key]:
            data[key] = None


def _check_parent_cycle(customer: Customer, parent: Customer | None) -> None:
    seen = {customer.pk}
    node = parent
    while node is not None:
        if node.pk in seen:
            raise ValidationError({"parent": [_("This parent would create a cycle in the group.")]})
        seen.add(node.pk)
        node = node.parent


@transaction.atomic
def customer_create(*, account_manager, **fields: Any) -> Customer:
    """Create a customer with its first account manager; assigns a customer number if none."""
    data = _only(fields, CUSTOMER_FIELDS)
    _blank_to_none(data)
    if account_manager is None:
        raise ValidationError({"account_manager": [_("Every customer needs an account manager.")]})
    data["account_manager"] = account_manager
    if not data.get("code"):
        data["code"] = None  # numbered from the primary key after insert
    customer = model_create(
        model=Customer,
        data=data,
        customer_id_attr="pk",
        after_insert=_assign_customer_number,
        exclude_from_validation=["code"] if not data["code"] else None,
    )
    OwnershipPeriod.objects.create(
        customer=customer,
        account_manager=account_manager,
        started_at=timezone.now(),
        changed_by=current_actor().username,
        reason=str(_("Customer created")),
    )
    business_event_emit(
        name="customer.created", customer_id=customer.pk, payload={"code": customer.code}
    )
    return customer


def _assign_customer_number(customer: Customer) -> None:
    # Numbers follow the primary key so they are unique without a separate sequence table.
    if not customer.code:
        customer.code = f"C{customer.pk:08d}"
        Customer.objects.filter(pk=customer.pk).update(code=customer.code)


@transaction.atomic
def customer_update(*, customer: Customer, **fields: Any) -> bool:
    """Update master data; returns False when nothing changed (idempotent re-import)."""
    data = _only(fields, CUSTOMER_FIELDS)
    _blank_to_none(data)
    if "parent" in data:
        _check_parent_cycle(customer, data["parent"])
    changed = model_update(instance=customer, data=data, customer_id_attr="pk")
    if changed:
        business_event_emit(
            name="customer.updated", customer_id=customer.pk, payload={"fields": sorted(data)}
        )
    return changed


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    """Delete a customer and everything in its credit file."""
    if customer.subsidiaries.exists():
        raise ValidationError(
            {"parent": [_("Detach the subsidiaries of this customer before deleting it.")]}
        )
    pk, code = customer.pk, customer.code
    model_delete(instance=customer, customer_id_attr="pk")
    business_event_emit(name="customer.deleted", customer_id=pk, payload={"code": code})


@transaction.atomic
def customer_assign_owner(*, customer: Customer, account_manager, reason: str = "") -> bool:
    """Hand the customer to another account manager; keeps the previous one in the history."""
    if account_manager is None:
        raise ValidationError({"account_manager": [_("Every customer needs an account manager.")]})
    if customer.account_manager_id == account_manager.pk:
        return False
    now = timezone.now()
    previous_id = customer.account_manager_id
    model_update(
        instance=customer, data={"account_manager": account_manager}, customer_id_attr="pk"
    )
    OwnershipPeriod.objects.filter(customer=customer, ended_at__isnull=True).update(ended_at=now)
    OwnershipPeriod.objects.create(
        customer=customer,
        account_manager=account_manager,
        started_at=now,
        changed_by=current_actor().username,
        reason=reason,
    )
    business_event_emit(
        name="customer.owner_changed",
        customer_id=customer.pk,
        payload={"from": previous_id, "to": account_manager.pk, "reason": reason},
    )
    return True


@transaction.atomic
def team_member_add(*, customer: Customer, user, role: str = "") -> TeamMember:
    """Put a user on the customer's team (the user then sees the customer)."""
    existing = TeamMember.objects.filter(customer=customer, user=user).first()
    if existing:
        model_update(instance=existing, data={"role": role}, customer_id_attr="customer_id")
        return existing
    return model_create(
        model=TeamMember,
        data={"customer": customer, "user": user, "role": role},
        customer_id_attr="customer_id",
    )


@transaction.atomic
def team_member_remove(*, member: TeamMember) -> None:
    model_delete(instance=member, customer_id_attr="customer_id")


@transaction.atomic
def contact_create(*, customer: Customer, **fields: Any) -> Contact:
    """Add a contact; a new primary contact demotes the previous one."""
    data = _only(fields, CONTACT_FIELDS)
    if data.get("is_primary"):
        _demote_primary(customer, exclude_pk=None)
    return model_create(
        model=Contact, data={"customer": customer, **data}, customer_id_attr="customer_id"
    )


@transaction.atomic
def contact_update(*, contact: Contact, **fields: Any) -> bool:
    data = _only(fields, CONTACT_FIELDS)
    if data.get("is_primary") and not contact.is_primary:
        _demote_primary(contact.customer, exclude_pk=contact.pk)
    return model_update(instance=contact, data=data, customer_id_attr="customer_id")


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    model_delete(instance=contact, customer_id_attr="customer_id")


def _demote_primary(customer: Customer, exclude_pk: int | None) -> None:
    others = customer.contacts.filter(is_primary=True)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other in others:
        model_update(instance=other, data={"is_primary": False}, customer_id_attr="customer_id")


@transaction.atomic
def alias_add(*, customer: Customer, name: str, kind: str = "alias", valid_until=None) -> CustomerAlias:
    """Record a former name or alias (idempotent by name)."""
    existing = CustomerAlias.objects.filter(customer=customer, name=name.strip()).first()
    if existing:
        model_update(
            instance=existing, data={"kind": kind, "valid_until": valid_until},
            customer_id_attr="customer_id",
        )
        return existing
    return model_create(
        model=CustomerAlias,
        data={"customer": customer, "name": name.strip(), "kind": kind, "valid_until": valid_until},
        customer_id_attr="customer_id",
    )


@transaction.atomic
def alias_delete(*, alias: CustomerAlias) -> None:
    model_delete(instance=alias, customer_id_attr="customer_id")


@transaction.atomic
def external_id_set(*, customer: Customer, source_system: str, external_id: str) -> ExternalId:
    """Link the customer to its id in a source system; an id already used elsewhere is refused."""
    existing = ExternalId.objects.filter(
        source_system=source_system, external_id=external_id
    ).first()
    if existing:
        if existing.customer_id != customer.pk:
            raise ValidationError(
                {"external_id": [_("This external id already belongs to another customer.")]}
            )
        return existing
    return model_create(
        model=ExternalId,
        data={"customer": customer, "source_system": source_system, "external_id": external_id},
        customer_id_attr="customer_id",
    )


@transaction.atomic
def external_id_delete(*, external_id: ExternalId) -> None:
    model_delete(instance=external_id, customer_id_attr="customer_id")
