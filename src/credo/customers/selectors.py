"""Reads of the customer master, always through the user's restricted queryset."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from credo.core.permissions import VIEW_SENSITIVE

from .models import Contact, Customer, CustomerAlias, ExternalId

SORTABLE_FIELDS = {
    "code": "code",
    "name": "name_zh",
    "name_en": "name_en",
    "status": "status",
    "province": "registered_province",
    "industry": "industry__code",
    "founded": "founding_date",
    "owner": "account_manager__username",
    "created": "created_at",
}


def can_view_sensitive(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(VIEW_SENSITIVE))


def customer_list(
    *,
    user,
    search: str = "",
    industry: str = "",
    province: str = "",
    owner: str | int = "",
    status: str = "",
    kind: str = "",
    tag: str = "",
    sort: str = "code",
) -> QuerySet[Customer]:
    """Customers the user may see, filtered and sorted. ``industry`` matches section or division."""
    qs = Customer.objects.restrict(user).select_related("industry", "account_manager")
    if search:
        qs = qs.filter(_search_filter(search.strip()))
    if industry:
        qs = qs.filter(Q(industry__code=industry) | Q(industry__parent__code=industry))
    if province:
        qs = qs.filter(registered_province=province)
    if owner:
        qs = qs.filter(account_manager_id=owner) if str(owner).isdigit() else qs.filter(
            account_manager__username=owner
        )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tags__name=tag)
    descending = sort.startswith("-")
    field = SORTABLE_FIELDS.get(sort.lstrip("-"), "code")
    return qs.order_by(("-" if descending else "") + field, "pk")


def _search_filter(term: str) -> Q:
    """Name, alias, number, code, phone or external id; one semi-join per related table.

    Semi-joins (``pk IN (...)``) instead of joins keep one row per customer without DISTINCT,
    which matters on large portfolios.
    """
    aliases = CustomerAlias.objects.filter(name__icontains=term).values("customer_id")
    phones = Contact.objects.filter(
        Q(phone__contains=term) | Q(mobile__contains=term)
    ).values("customer_id")
    external = ExternalId.objects.filter(external_id__iexact=term).values("customer_id")
    return (
        Q(name_zh__icontains=term)
        | Q(name_en__icontains=term)
        | Q(code__iexact=term)
        | Q(uscc=term.upper())
        | Q(phone__contains=term)
        | Q(pk__in=aliases)
        | Q(pk__in=phones)
        | Q(pk__in=external)
    )


def customer_get(*, user, pk: int) -> Customer:
    """The customer if the user may see it; raises Customer.DoesNotExist otherwise (-> 404)."""
    return (
        Customer.objects.restrict(user)
        .select_related("industry", "industry__parent", "account_manager", "parent")
        .get(pk=pk)
    )


def customer_find_by_key(*, code: str = "", uscc: str = "", id_number: str = "",
                         source_system: str = "", external_id: str = "") -> Customer | None:
    """Find a customer by any business key (unrestricted: for importers and matching)."""
    if code:
        found = Customer.objects.filter(code=code).first()
        if found:
            return found
    if uscc:
        found = Customer.objects.filter(uscc=uscc.strip().upper()).first()
        if found:
            return found
    if id_number:
        found = Customer.objects.filter(id_number=id_number.strip().upper()).first()
        if found:
            return found
    if source_system and external_id:
        return Customer.objects.filter(
            external_ids__source_system=source_system, external_ids__external_id=external_id
        ).first()
    return None
