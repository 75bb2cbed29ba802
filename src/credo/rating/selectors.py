"""Reads of the rating app: the engine's inputs from credo's data as of a day, the current rating,
rating history, the scorecard that applies to a customer, pending overrides, notifications.

Point in time: ``feature_inputs`` uses only what was known on ``as_of``: credit-file records
whose own ``as_of`` is on or before the day (statements also need their period to have ended),
the ledger as of the day. So a rating can be rebuilt for any past date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet

from credo.creditfile.models import (
    BankRelation,
    BusinessProfile,
    FinancialStatement,
    PublicRecord,
    TradeReference,
)
from credo.customers.models import Customer
from credo.rating.engine.features import (
    BankRelationInput,
    FeatureInputs,
    FeatureSet,
    PaymentBehaviourInput,
    PublicRecordInput,
    RegistrationInput,
    TradeReferenceInput,
    compute_features,
)
from credo.rating.engine.grades import GradeScale, default_scale, statistical_scale
from credo.rating.engine.ratios import StatementFigures, to_float
from credo.rating.engine.scorecard import Scorecard, select_scorecard
from credo.receivables import selectors as ledger
from credo.receivables.metrics import (
    add_months,
    average_days_beyond_terms,
    maximum_days_past_due,
    payment_index,
)
from credo.receivables.models import Invoice
from credo.receivables.reports import paid_amounts, receivables_at

from .choices import OverrideStatus, ScorecardStatus
from .models import Notification, Rating, RatingOverride, ScorecardVersion

VIEW_RATING = "rating.view_rating"
VIEW_OVERRIDE = "rating.view_ratingoverride"

# Months covered by a statement of each period type.
STATEMENT_MONTHS = {"annual": 12, "semi_annual": 6, "quarterly": 3}
STATEMENT_LINES = (
    "cash", "accounts_receivable", "inventory", "current_assets", "fixed_assets",
    "total_assets", "current_liabilities", "total_liabilities", "equity", "revenue",
    "cost_of_sales", "operating_profit", "interest_expense", "net_profit", "operating_cash_flow",
)
# The payment behaviour is measured over the 12 months to the day; the trend compares it with
# the 12 months before.
PAYMENT_WINDOW_MONTHS = 12


# --------------------------------------------------------------------------- feature inputs


def industry_section_of(customer: Customer) -> str | None:
    """The GB/T 4754 section letter (A..T) of the customer's industry, or None."""
    industry = customer.industry
    if industry is None:
        return None
    section = industry.parent if industry.parent is not None else industry
    return section.code


def _in_company_currency(amount: Decimal | None, currency: str, on: dt.date) -> float | None:
    """``amount`` in the company currency (yuan) at ``on``'s rate, as the engine's float.

    A missing FX rate raises the receivables' ValidationError ("record one first"): a rating
    built on an amount in the wrong currency would be silently wrong.
    """
    if amount is None:
        return None
    return to_float(amount * ledger.fx_rate(currency, on))


def _registration_input(customer: Customer, as_of: dt.date) -> RegistrationInput:
    profile = (
        BusinessProfile.objects.filter(customer=customer, as_of__lte=as_of)
        .order_by("-as_of")
        .first()
    )
    return RegistrationInput(
        founded=customer.founding_date,
        registered_capital=_in_company_currency(
            customer.registered_capital, customer.registered_capital_currency, as_of
        ),
        paid_in_capital=_in_company_currency(
            customer.paid_in_capital, customer.paid_in_capital_currency, as_of
        ),
        legal_form=customer.legal_form or None,
        # credo does not record a listing yet: every customer is scored as unlisted (Altman Z'
        # or Z'' rather than the original Z, which needs a market value of equity anyway).
        listed=False,
        industry_section=industry_section_of(customer),
        size_class=customer.size_class or None,
        employees=None if profile is None else profile.employees,
    )


def statement_figures(statement: FinancialStatement) -> StatementFigures:
    """A statement's lines in yuan: the unit (yuan, thousand, 万元) and currency converted."""
    amounts = {
        name: _in_company_currency(
            statement.in_yuan(name), statement.currency, statement.period_end
        )
        for name in STATEMENT_LINES
    }
    return StatementFigures.from_amounts(
        period_end=statement.period_end,
        months=STATEMENT_MONTHS.get(statement.period_type, 12),
        **amounts,
    )


def _statements_input(customer: Customer, as_of: dt.date) -> list[StatementFigures]:
    statements = FinancialStatement.objects.filter(
        customer=customer, period_end__lte=as_of, as_of__lte=as_of
    ).order_by("period_end", "period_type")
    return [statement_figures(statement) for statement in statements]


def _payment_input(customer: Customer, as_of: dt.date) -> PaymentBehaviourInput | None:
    """The customer's own payment record from the ledger; None when it had no invoice yet."""
    if not Invoice.objects.filter(customer=customer, invoice_date__lte=as_of).exists():
        return None
    customers = Customer.objects.filter(pk=customer.pk)
    start = add_months(as_of, -PAYMENT_WINDOW_MONTHS) + dt.timedelta(days=1)
    year_ago_end = add_months(as_of, -PAYMENT_WINDOW_MONTHS)
    year_ago_start = add_months(year_ago_end, -PAYMENT_WINDOW_MONTHS) + dt.timedelta(days=1)
    paid = paid_amounts(start=year_ago_start, end=as_of, customers=customers)
    paid_now = [item for item in paid if item.paid_date >= start]
    paid_year_ago = [item for item in paid if item.paid_date <= year_ago_end]
    balance = receivables_at([as_of], customers=customers)[as_of]
    oldest = balance.oldest_overdue_days(as_of)
    return PaymentBehaviourInput(
        days_beyond_terms=to_float(average_days_beyond_terms(paid_now)),
        payment_index=to_float(payment_index(paid_now)),
        overdue_amount=to_float(balance.total - balance.current),
        open_receivables=to_float(balance.total),
        max_days_past_due=maximum_days_past_due(
            paid=paid_now, open_overdue_days=[] if oldest is None else [oldest]
        ),
        payment_index_year_ago=to_float(payment_index(paid_year_ago)),
        as_of=as_of,
    )


def _trade_references_input(customer: Customer, as_of: dt.date) -> list[TradeReferenceInput]:
    return [
        TradeReferenceInput(
            payment_experience=reference.payment_experience,
            terms_days=reference.terms_days,
            days_beyond_terms=reference.days_beyond_terms,
            as_of=reference.as_of,
        )
        for reference in TradeReference.objects.filter(customer=customer, as_of__lte=as_of)
    ]


def _bank_relations_input(customer: Customer, as_of: dt.date) -> list[BankRelationInput]:
    return [
        BankRelationInput(
            overdue_count=relation.overdue_count,
            # Never None: the field is required (0 when the bank reported no overdue).
            overdue_amount=_in_company_currency(
                relation.overdue_amount, relation.currency, relation.as_of
            ) or 0.0,
            repayment_record=relation.repayment_record,
            as_of=relation.as_of,
        )
        for relation in BankRelation.objects.filter(customer=customer, as_of__lte=as_of)
    ]


def _public_records_input(customer: Customer, as_of: dt.date) -> list[PublicRecordInput]:
    return [
        PublicRecordInput(
            kind=record.kind,
            role=record.role,
            amount=_in_company_currency(record.amount, record.currency, record.as_of),
            status=record.status,
            event_date=record.event_date,
            as_of=record.as_of,
        )
        for record in PublicRecord.objects.filter(customer=customer, as_of__lte=as_of)
    ]


def feature_inputs(*, customer: Customer, as_of: dt.date) -> FeatureInputs:
    """Everything the engine's ``compute_features`` reads about ``customer`` as of ``as_of``.

    Amounts are in yuan (company currency): statement lines converted from their unit and
    currency, capital and record amounts from their currency. Raises the receivables'
    ValidationError when an FX rate needed for a conversion is missing.
    """
    return FeatureInputs(
        registration=_registration_input(customer, as_of),
        statements=_statements_input(customer, as_of),
        payment=_payment_input(customer, as_of),
        trade_references=_trade_references_input(customer, as_of),
        bank_relations=_bank_relations_input(customer, as_of),
        public_records=_public_records_input(customer, as_of),
    )


def customer_features(*, customer: Customer, as_of: dt.date) -> FeatureSet:
    """The customer's rating features as of ``as_of`` (values with status, date and source)."""
    return compute_features(feature_inputs(customer=customer, as_of=as_of), as_of=as_of)


# --------------------------------------------------------------------------- scorecards


def engine_scorecard(version: ScorecardVersion) -> Scorecard:
    """The engine scorecard stored in ``version``."""
    return Scorecard.from_dict(version.definition)


def grade_scale_for(version: ScorecardVersion) -> GradeScale:
    """The version's grade scale; without one stored, the default for its kind: the expert
    0..1000 cut-offs, or for a statistical card the cut-offs derived from its scaling."""
    if version.grade_scale:
        return GradeScale.from_dict(version.grade_scale)
    card = engine_scorecard(version)
    if card.kind == "statistical" and card.scaling is not None:
        return statistical_scale(card.scaling)
    return default_scale()


def active_scorecards() -> list[ScorecardVersion]:
    """The active version of every scorecard key."""
    return list(ScorecardVersion.objects.filter(status=ScorecardStatus.ACTIVE).order_by("key"))


def active_scorecard_for(
    customer: Customer, *, size_class: str | None = None
) -> ScorecardVersion | None:
    """The active scorecard for the customer's segment (the engine's ``select_scorecard``:
    the most specific matching segment, else the default card); None when nothing applies.

    ``size_class`` (e.g. derived from the statements by the features) overrides the customer's
    recorded size class.
    """
    versions = active_scorecards()
    if not versions:
        return None
    by_identity = {(v.key, v.version): v for v in versions}
    cards = [engine_scorecard(v) for v in versions]
    try:
        chosen = select_scorecard(
            cards,
            industry_section=industry_section_of(customer),
            size_class=size_class or customer.size_class or None,
        )
    except ValueError:  # ScorecardError: no matching segment and no default card
        return None
    return by_identity[(chosen.key, chosen.version)]


# --------------------------------------------------------------------------- ratings


def current_rating(customer: Customer) -> Rating | None:
    """The customer's current rating (None before the first one). Not restricted: for
    services and checks; views use ``rating_history``."""
    return (
        Rating.objects.filter(customer=customer, is_current=True)
        .select_related("scorecard")
        .first()
    )


def rating_history(user, customer: Customer) -> QuerySet[Rating]:
    """The customer's ratings, newest first, if ``user`` may see ratings of this customer."""
    if user is None or not user.has_perm(VIEW_RATING):
        return Rating.objects.none()
    return (
        Rating.objects.restrict(user)
        .filter(customer=customer)
        .select_related("scorecard", "event", "rated_by")
        .order_by("-rated_at", "-id")
    )


def pending_overrides(user) -> QuerySet[RatingOverride]:
    """Overrides awaiting a decision, of customers ``user`` may see, oldest first."""
    if user is None or not user.has_perm(VIEW_OVERRIDE):
        return RatingOverride.objects.none()
    return (
        RatingOverride.objects.restrict(user)
        .filter(status=OverrideStatus.PENDING)
        .select_related("customer", "rating", "proposed_by")
        .order_by("created_at", "id")
    )


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    notifications = Notification.objects.restrict(user).select_related("customer")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications
