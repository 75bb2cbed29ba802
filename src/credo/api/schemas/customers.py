"""Schemas of the customer master: customers, aliases, external ids, contacts, ownership."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from credo.customers.choices import (
    AliasKind,
    ContactRole,
    Currency,
    CustomerKind,
    CustomerStatus,
    LegalForm,
    OwnershipType,
    Province,
    SizeClass,
)

from .common import InputSchema, PageParams, UserRef, choices_of


class CustomerFilters(PageParams):
    """Query parameters of the customer list."""

    search: str = Field("", description="Name, alias, customer number, USCC, phone or external id.")
    industry: str = Field("", description="GB/T 4754 section letter or division code.")
    province: str = Field("", description="Registered province (GB/T 2260 two-digit code).")
    owner: str = Field("", description="Account manager: user id or user name.")
    status: str = ""
    kind: str = ""
    tag: str = ""
    sort: str = Field(
        "code",
        description="code, name, name_en, status, province, industry, founded, owner, created; "
        "prefix with - for descending.",
    )


class _CustomerFieldsIn(InputSchema):
    """Fields a client may set on a customer; all optional so PATCH sends only changes."""

    code: str | None = None
    kind: str | None = choices_of(CustomerKind)
    name_zh: str | None = None
    name_en: str | None = None
    status: str | None = choices_of(CustomerStatus)
    uscc: str | None = Field(None, description="Unified social credit code (18 characters).")
    legal_form: str | None = choices_of(LegalForm)
    industry: str | None = Field(None, description="GB/T 4754 code of a division or section.")
    size_class: str | None = choices_of(SizeClass)
    ownership_type: str | None = choices_of(OwnershipType)
    legal_representative: str | None = None
    registered_capital: Decimal | None = None
    registered_capital_currency: str | None = choices_of(Currency)
    paid_in_capital: Decimal | None = None
    paid_in_capital_currency: str | None = choices_of(Currency)
    founding_date: dt.date | None = None
    registered_province: str | None = choices_of(Province)
    registered_city: str | None = None
    registered_district: str | None = None
    registered_street: str | None = None
    operating_province: str | None = choices_of(Province)
    operating_city: str | None = None
    operating_district: str | None = None
    operating_street: str | None = None
    website: str | None = None
    id_number: str | None = Field(None, description="Resident ID number (individuals only).")
    phone: str | None = None
    parent: int | None = Field(None, description="Id of the parent company (a customer).")
    tags: list[str] | None = Field(None, description="Names of existing tags.")


class CustomerCreateIn(_CustomerFieldsIn):
    account_manager: int | str | None = Field(
        None,
        description="User id or user name; defaults to the caller. Naming someone else needs "
        "customers.assign_owner.",
    )


class CustomerPatchIn(_CustomerFieldsIn):
    pass


class AssignOwnerIn(InputSchema):
    account_manager: int | str = Field(..., description="User id or user name.")
    reason: str = ""


class IndustryRef(Schema):
    code: str
    name_zh: str
    name_en: str


class AliasOut(Schema):
    id: int
    name: str
    kind: str
    valid_until: dt.date | None


class AliasIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: str = Field(AliasKind.ALIAS.value, description=choices_of(AliasKind).description)
    valid_until: dt.date | None = None


class ExternalIdOut(Schema):
    id: int
    source_system: str
    external_id: str


class ExternalIdIn(InputSchema):
    source_system: str = Field(..., min_length=1, max_length=50)
    external_id: str = Field(..., min_length=1, max_length=100)


class _CustomerIdentityOut(Schema):
    """Who the customer is: the fields every customer answer starts with."""

    id: int
    code: str | None
    kind: str
    display_name: str
    name_zh: str
    name_en: str
    status: str
    uscc: str | None


class CustomerOut(_CustomerIdentityOut):
    """A customer as the caller may see it (resident ID numbers masked unless allowed)."""

    legal_form: str
    industry: IndustryRef | None
    size_class: str
    ownership_type: str
    legal_representative: str
    registered_capital: Decimal | None
    registered_capital_currency: str
    paid_in_capital: Decimal | None
    paid_in_capital_currency: str
    founding_date: dt.date | None
    registered_province: str
    registered_city: str
    registered_district: str
    registered_street: str
    operating_province: str
    operating_city: str
    operating_district: str
    operating_street: str
    website: str
    id_number: str | None
    id_number_masked: bool
    phone: str
    parent: int | None
    account_manager: UserRef
    tags: list[str]
    aliases: list[AliasOut]
    external_ids: list[ExternalIdOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerListItem(_CustomerIdentityOut):
    industry: str | None
    registered_province: str
    account_manager: UserRef


class CustomerPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CustomerListItem]


class ContactFieldsIn(InputSchema):
    name: str | None = None
    role: str | None = choices_of(ContactRole)
    title: str | None = None
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    wechat: str | None = None
    is_primary: bool | None = None
    notes: str | None = None


class ContactCreateIn(ContactFieldsIn):
    name: str = Field(..., min_length=1, max_length=100)


class ContactOut(Schema):
    id: int
    customer: int
    name: str
    role: str
    title: str
    phone: str
    mobile: str
    email: str
    wechat: str
    is_primary: bool
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime


class OwnershipPeriodOut(Schema):
    account_manager: UserRef
    started_at: dt.datetime
    ended_at: dt.datetime | None
    changed_by: str
    reason: str


class TeamMemberOut(Schema):
    id: int
    user: UserRef
    role: str


class TeamMemberIn(InputSchema):
    user: int | str = Field(..., description="User id or user name.")
    role: str = Field("", max_length=50)
