"""Generic schemas of the credit file: one shape for every record type of the registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict


# A plain pydantic model: ninja's Schema reads declared attributes only and would drop the
# free-form field values.
class RecordValuesIn(BaseModel):
    """A flat object of field values of one record type (see ``GET /creditfile/types``).

    The credit-file service validates them: unknown fields, wrong choices and bad numbers come
    back as field errors. Decimals may be sent as strings or numbers, dates as YYYY-MM-DD.
    """

    model_config = ConfigDict(extra="allow")


class RecordOut(Schema):
    """A credit-file record: display values (choices as labels, sensitive fields masked unless
    allowed) plus the stored codes of choice and reference fields."""

    id: int
    type: str
    customer: int
    as_of: dt.date
    source: str
    source_detail: str
    recorded_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    values: dict[str, Any]
    codes: dict[str, Any] = Field(
        default_factory=dict,
        description="Stored values of choice fields and ids of referenced records.",
    )


class RecordPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RecordOut]


class FieldInfoOut(Schema):
    name: str
    label: str
    type: str
    required: bool
    sensitive: bool
    choices: list[list[str]] | None = None


class RecordTypeOut(Schema):
    key: str
    label: str
    label_plural: str
    dimension: int
    dimension_label: str
    fields: list[FieldInfoOut]
    business_key: list[str]


class DimensionCompletenessOut(Schema):
    dimension: int
    label: str
    present: list[str]
    missing: list[str]
    newest_as_of: dt.date | None
    age_days: int | None
    stale: bool
    status: str
    status_label: str
    stale_after_days: int


class AttachmentOut(Schema):
    id: int
    customer: int
    title: str
    kind: str
    original_name: str
    size: int
    uploaded_by: str
    record_type: str | None
    record_id: int | None
    created_at: dt.datetime
