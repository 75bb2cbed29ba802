"""Schemas of cross-cutting reads: the caller, reference data, change log and access log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from .common import PageParams


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    roles: list[str]
    permissions: list[str]
    can_view_sensitive: bool


class IndustryOut(Schema):
    code: str
    name_zh: str
    name_en: str
    section: str | None


class TagOut(Schema):
    id: int
    name: str


class FieldChangeOut(Schema):
    field: str
    before: Any = None
    after: Any = None


class ChangeOut(Schema):
    """One create/update/delete from the change log, sensitive values masked unless allowed."""

    id: int
    time: dt.datetime
    user_name: str
    channel: str
    request_id: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changes: list[FieldChangeOut]


class ChangePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ChangeOut]


class HistoryFilters(PageParams):
    object_type: str = Field("", description="e.g. customers.customer, customers.contact.")
    action: str = Field("", description="create, update or delete.")


class AccessLogFilters(PageParams):
    customer: int | None = Field(None, description="Customer id.")
    user: str = Field("", description="User name.")
    resource: str = ""


class AccessLogOut(Schema):
    id: int
    time: dt.datetime
    user_name: str
    channel: str
    request_id: str
    customer_id: int | None
    resource: str
    detail: str
    sensitive_shown: bool


class AccessLogPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AccessLogOut]
