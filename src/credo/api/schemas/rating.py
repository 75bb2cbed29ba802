"""Schemas of the rating reports and worklists: back-testing, a scorecard version's validation
report, the credit-review worklist and the user's notifications.

The back-testing reports mirror ``credo.rating.backtest``'s ``to_dict()`` field for field, so a
client reads the same figures as the web page and the CLI. ``GradeOut`` is shared with the
rating, override and scorecard schemas, which stay in ``routers/rating.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

from credo.rating.defaults import DAYS_CHOICES

from .common import PageParams, UserRef

# The page's choice of default thresholds (days past due), offered the same way here.
BACKTEST_MAX_MONTHS = 60


class GradeOut(Schema):
    code: str
    grade_class: str
    label: str
    class_label: str


# --- back-testing ------------------------------------------------------------------------------


class BacktestParams(Schema):
    """The window, the default definition and the migration end; an omitted (or empty) value
    takes the configured default definition (setting ``CREDO_DEFAULT_DEFINITION``)."""

    start: dt.date | None = Field(
        None, description="Window start (default: today less the definition's months)."
    )
    months: int | None = Field(
        None, description=f"Performance window in months, 1 to {BACKTEST_MAX_MONTHS}."
    )
    default_days: int | None = Field(
        None,
        description="Default after this many days past due. One of: "
        + ", ".join(str(days) for days in DAYS_CHOICES)
        + ".",
    )
    min_amount: Decimal | None = Field(
        None, description="Material from this past-due amount (company currency, at least 0)."
    )
    min_percent: Decimal | None = Field(
        None, description="Material from this percent of the open receivables (0 to 100)."
    )
    end: dt.date | None = Field(
        None, description="Migration matrix end, not before the start (default: window end)."
    )

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_omitted(cls, value: Any) -> Any:
        # Like the page's form: an empty field (``?min_amount=``) takes the configured value.
        return None if value == "" else value


class DefinitionOut(Schema):
    """The default definition the reports used."""

    code: str = Field(..., description="Days past due and months, e.g. 90dpd12m.")
    days: int
    months: int
    min_amount: Decimal = Field(..., description="Materiality amount (company currency).")
    min_share: Decimal = Field(..., description="Materiality share of open receivables, 0..1.")


class DefinitionTextOut(DefinitionOut):
    text: str = Field(..., description="The definition in one line, in the request's language.")


class GradeDefaultRateOut(Schema):
    grade: str
    customers: int
    defaults: int
    default_rate: float | None = Field(..., description="0..1; null without customers.")


class DefaultRateReportOut(Schema):
    """Customers rated as of the window start (those already in default left out and counted)
    and how many defaulted in the window, by grade best first."""

    window_start: dt.date
    window_end: dt.date
    months: int
    default_days: int
    definition: DefinitionOut
    rows: list[GradeDefaultRateOut]
    customers: int
    defaults: int
    default_rate: float | None
    excluded_in_default: int
    monotone: bool = Field(..., description="Rates never fall from the best grade to the worst.")


class MigrationMatrixOut(Schema):
    """Grade as of ``start`` (rows) against grade as of ``end`` (columns), in ``grades`` order;
    ``shares`` are row shares (null for a row without customers)."""

    start: dt.date
    end: dt.date
    grades: list[str]
    counts: list[list[int]]
    shares: list[list[float | None]]
    customers: int
    upgrades: int
    downgrades: int
    unchanged: int


class GradeLimitOut(Schema):
    grade: str = Field(..., description="Empty for the portfolio total.")
    customers_with_limit: int
    defaults: int
    default_rate: float | None
    limits_total: Decimal
    defaulted_limits_total: Decimal
    exposure_at_default_total: Decimal
    exposure_to_limit: float | None = Field(
        ..., description="Exposure at default over the limits of the defaulted customers."
    )
    over_limit_at_default: int


class LimitEffectivenessOut(Schema):
    """Customers with a limit in force at the window start: defaults and exposure at default
    against the limit, by grade, amounts in ``currency`` (the company currency)."""

    window_start: dt.date
    window_end: dt.date
    months: int
    default_days: int
    definition: DefinitionOut
    currency: str
    rows: list[GradeLimitOut]
    total: GradeLimitOut


class BacktestOut(Schema):
    """The three back-testing reports of the web page for one window and definition."""

    definition: DefinitionTextOut
    window_open: bool = Field(..., description="The window ends after today (incomplete).")
    default_rates: DefaultRateReportOut
    migration: MigrationMatrixOut
    limits: LimitEffectivenessOut


# --- validation report --------------------------------------------------------------------------


class CalibrationRowOut(Schema):
    group: str
    score_min: float
    score_max: float
    count: int
    bads: int
    observed_bad_rate: float
    predicted_pd_mean: float | None = None


class FactorBinOut(Schema):
    label: str
    goods: int
    bads: int
    woe: float


class FactorIVOut(Schema):
    key: str
    label: str
    iv: float | None
    bins: list[FactorBinOut]


class PsiRowOut(Schema):
    lower: float | None = None
    upper: float | None = None
    expected_share: float
    actual_share: float
    contribution: float


class PsiOut(Schema):
    psi: float | None
    reading: str = Field(..., description="stable, watch or shifted.")
    reading_label: str
    rows: list[PsiRowOut]


class ValidationReportOut(Schema):
    """A version's stored validation report; parts the stored report lacks are null/empty."""

    scorecard: int
    key: str
    version: int
    card_key: str
    card_version: int | None
    rows: int | None
    bads: int | None
    bad_rate: float | None
    auc: float | None
    gini: float | None
    ks: float | None
    ks_score: float | None
    brier: float | None
    calibration: list[CalibrationRowOut]
    factors: list[FactorIVOut] = Field(..., description="Information values, highest first.")
    psi: PsiOut | None
    notes: list[str]


# --- reviews ------------------------------------------------------------------------------------


class ReviewFilters(PageParams):
    overdue: bool = Field(False, description="Only the reviews due before today.")


class ReviewOut(Schema):
    id: int
    customer: int
    customer_code: str | None
    customer_name: str
    account_manager: UserRef | None
    due_on: dt.date
    overdue: bool
    grade: GradeOut | None = Field(..., description="The grade that set the due date.")
    rating: int | None


class ReviewPage(Schema):
    count: int
    overdue_count: int = Field(..., description="Open reviews due before today (all pages).")
    limit: int
    offset: int
    items: list[ReviewOut]


# --- notifications ------------------------------------------------------------------------------


class NotificationFilters(PageParams):
    unread: bool = Field(False, description="Only the unread ones.")


class NotificationOut(Schema):
    id: int
    kind: str
    message: str = Field(..., description="The text in the request's language.")
    params: dict[str, Any] = Field(..., description="The message's parameters by kind.")
    customer: int | None
    customer_name: str
    rating: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    count: int
    unread_count: int
    limit: int
    offset: int
    items: list[NotificationOut]


class NotificationsReadOut(Schema):
    marked: int = Field(..., description="How many were unread and are now read.")
    unread_count: int
