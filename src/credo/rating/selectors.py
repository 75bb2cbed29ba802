"""Reads of the rating app: the engine's inputs from credo's data as of a day, the current rating,
rating history, the scorecard that applies to a customer, pending overrides, notifications.

Point in time: ``feature_inputs`` uses only what was known on ``as_of``: credit-file records
whose own ``as_of`` is on or before the day (statements also need their period to have ended),
the ledger as of the day. So a rating can be rebuilt for any past date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

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
from credo.rating.engine.grades import (
    DEFAULT_TERMS_POLICY,
    TEN_GRADES,
    GradeScale,
    TermsPolicy,
    default_scale,
    statistical_scale,
    terms_for_grade,
)
from credo.rating.engine.limits import (
    DEFAULT_LIMIT_POLICY,
    LimitInputs,
    LimitLine,
    LimitPolicy,
    recommend_limit,
)
from credo.rating.engine.messages import Message
from credo.rating.engine.ratios import StatementFigures, to_float
from credo.rating.engine.scorecard import Scorecard, select_scorecard
from credo.receivables import selectors as ledger
from credo.receivables.metrics import (
    add_months,
    average_days_beyond_terms,
    maximum_days_past_due,
    payment_index,
)
from credo.receivables.models import Invoice, InvoiceInstalment
from credo.receivables.reports import credit_sales, paid_amounts, receivables_at

from .choices import OverrideDirection, OverrideStatus, ReviewStatus, ScorecardStatus
from .messages import (
    LIMIT_INPUT_LABELS,
    LIMIT_INPUT_SOURCES,
    limit_method_label,
    payment_method_label,
    render_message,
)
from .models import CreditReview, Notification, Rating, RatingOverride, ScorecardVersion

VIEW_RATING = "rating.view_rating"
VIEW_OVERRIDE = "rating.view_ratingoverride"

# Months covered by a statement of each period type.
STATEMENT_MONTHS = {"annual": 12, "semi_annual": 6, "quarterly": 3}
STATEMENT_LINES = (
    "cash", "accounts_receivable", "inventory", "current_assets", "fixed_assets",
    "total_assets", "current_liabilities", "total_liabilities", "equity", "retained_earnings",
    "revenue", "cost_of_sales", "operating_profit", "interest_expense", "net_profit",
    "operating_cash_flow",
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


# --------------------------------------------------------------------------- periodic reviews


def open_review(customer: Customer) -> CreditReview | None:
    """The customer's open (scheduled) review, if any. Not restricted: for services."""
    return CreditReview.objects.filter(customer=customer, status=ReviewStatus.SCHEDULED).first()


def review_worklist(
    user, *, today: dt.date | None = None, overdue_only: bool = False,
    due_within_days: int | None = None,
) -> QuerySet[CreditReview]:
    """Open reviews of the customers ``user`` may see (an account manager: their own),
    earliest due first, each annotated ``overdue`` (due before ``today``).

    ``overdue_only`` keeps the overdue ones; ``due_within_days`` those due within that many
    days from ``today`` (overdue ones included).
    """
    if user is None or not user.has_perm(VIEW_RATING):
        return CreditReview.objects.none()
    day = today or timezone.localdate()
    reviews = (
        CreditReview.objects.restrict(user)
        .filter(status=ReviewStatus.SCHEDULED)
        .select_related("customer__account_manager", "rating")
        .annotate(overdue=ExpressionWrapper(Q(due_on__lt=day), output_field=BooleanField()))
    )
    if overdue_only:
        reviews = reviews.filter(due_on__lt=day)
    if due_within_days is not None:
        reviews = reviews.filter(due_on__lte=day + dt.timedelta(days=due_within_days))
    return cast(QuerySet[CreditReview], reviews.order_by("due_on", "id"))


def review_history(user, customer: Customer) -> QuerySet[CreditReview]:
    """Every review of a visible customer (open, done, cancelled), latest due first."""
    if user is None or not user.has_perm(VIEW_RATING):
        return CreditReview.objects.none()
    return (
        CreditReview.objects.restrict(user)
        .filter(customer=customer)
        .select_related("completed_by", "rating", "completion_rating")
        .order_by("-due_on", "-id")
    )


# --------------------------------------------------------------------------- overrides report


@dataclass(frozen=True)
class OverrideRow:
    """One override in the report: who proposed and decided it, from which grade to which."""

    override_id: int
    customer_id: int
    customer_code: str
    customer_name: str
    proposed_on: dt.date
    proposed_by: str
    status: str
    decided_on: dt.date | None
    decided_by: str
    from_grade: str
    to_grade: str
    direction: str  # "up" (a better grade) or "down"
    notches: int  # grades moved, always >= 1
    reason: str
    decision_note: str


@dataclass(frozen=True)
class OverrideReport:
    """Overrides proposed from ``start`` to ``end`` (inclusive) and their counts by direction:
    all proposals, and per status."""

    start: dt.date
    end: dt.date
    rows: tuple[OverrideRow, ...]
    counts: dict[str, int]
    counts_by_status: dict[str, dict[str, int]]


def _username(user) -> str:
    return "" if user is None else user.get_username()


def _grade_steps(scale_codes: tuple[str, ...], from_grade: str, to_grade: str) -> int:
    """Grades from ``from_grade`` to ``to_grade``: negative = better (an upgrade)."""
    codes = scale_codes if from_grade in scale_codes and to_grade in scale_codes else TEN_GRADES
    if from_grade not in codes or to_grade not in codes:
        return 0
    return codes.index(to_grade) - codes.index(from_grade)


def override_report(user, *, start: dt.date, end: dt.date) -> OverrideReport:
    """The overrides of customers ``user`` may see, proposed from ``start`` to ``end``."""
    if user is None or not user.has_perm(VIEW_OVERRIDE):
        overrides: QuerySet[RatingOverride] = RatingOverride.objects.none()
    else:
        overrides = (
            RatingOverride.objects.restrict(user)
            .filter(created_at__date__gte=start, created_at__date__lte=end)
            .select_related("customer", "rating__scorecard", "proposed_by", "decided_by")
            .order_by("created_at", "id")
        )
    scales: dict[int, tuple[str, ...]] = {}
    rows = []
    for override in overrides:
        rating = override.rating
        if rating.scorecard_id not in scales:
            scales[rating.scorecard_id] = grade_scale_for(rating.scorecard).codes
        steps = _grade_steps(scales[rating.scorecard_id], rating.grade, override.proposed_grade)
        rows.append(
            OverrideRow(
                override_id=override.pk,
                customer_id=override.customer_id,
                customer_code=override.customer.code,
                customer_name=override.customer.display_name,
                proposed_on=timezone.localdate(override.created_at),
                proposed_by=_username(override.proposed_by),
                status=override.status,
                decided_on=(
                    None if override.decided_at is None
                    else timezone.localdate(override.decided_at)
                ),
                decided_by=_username(override.decided_by),
                from_grade=rating.grade,
                to_grade=override.proposed_grade,
                direction=OverrideDirection.UP if steps < 0 else OverrideDirection.DOWN,
                notches=abs(steps),
                reason=override.reason,
                decision_note=override.decision_note,
            )
        )
    directions = list(OverrideDirection.values)
    counts = {d: sum(1 for r in rows if r.direction == d) for d in directions}
    by_status = {
        status: {d: sum(1 for r in rows if r.direction == d and r.status == status)
                 for d in directions}
        for status in OverrideStatus.values
    }
    return OverrideReport(
        start=start, end=end, rows=tuple(rows), counts=counts, counts_by_status=by_status
    )


# --------------------------------------------------------------------------- limit and terms


def rating_as_of(customer: Customer, as_of: dt.date | None = None) -> Rating | None:
    """The current rating, or the latest rating as of a past day."""
    if as_of is None:
        return current_rating(customer)
    return (
        Rating.objects.filter(customer=customer, as_of__lte=as_of)
        .select_related("scorecard")
        .order_by("-as_of", "-rated_at", "-id")
        .first()
    )


def limit_policy() -> LimitPolicy:
    """``settings.CREDO_RATING_LIMIT_POLICY`` (``credo.limit_policy/1`` dict) or the default."""
    configured = getattr(settings, "CREDO_RATING_LIMIT_POLICY", None)
    return LimitPolicy.from_dict(configured) if configured else DEFAULT_LIMIT_POLICY


def terms_policy() -> TermsPolicy:
    """``settings.CREDO_RATING_TERMS_POLICY`` (the engine's ``TermsPolicy`` dict) or the
    default."""
    configured = getattr(settings, "CREDO_RATING_TERMS_POLICY", None)
    return TermsPolicy.from_dict(configured) if configured else DEFAULT_TERMS_POLICY


@dataclass(frozen=True)
class LimitInputLine:
    """One input of the limit calculation: its value (company currency) and where it came
    from (translated text)."""

    key: str
    label: str
    value: Decimal | int | tuple[Decimal, ...] | None
    source: str


@dataclass(frozen=True)
class LimitMethodLine:
    """One method's result: the amount (None with the engine's reason) and its calculation.

    ``reason`` and ``lines`` are in the language active when the view was built;
    ``reason_message`` and ``line_messages`` the engine's structured messages."""

    method: str
    label: str
    amount: Decimal | None
    reason: str | None
    lines: tuple[str, ...]
    reason_message: Message | None = None
    line_messages: tuple[Message, ...] = ()


@dataclass(frozen=True)
class LimitRecommendationView:
    """The recommended credit limit for a customer with everything the UI shows.

    ``amount`` is in ``currency`` (the company currency), rounded down by the policy; None
    when no method gave an amount; 0 = prepayment only. ``lines`` is the engine's calculation
    with the figures, in the language active when the view was built (a method's line prefixed
    ``[method label]``), ``line_messages`` the same as structured messages;
    ``current_limit`` the limit in force for comparison.
    """

    customer_id: int
    as_of: dt.date
    currency: str
    grade: str | None
    rating_id: int | None
    amount: Decimal | None
    prepayment_only: bool
    capped_by_grade: bool
    combined_by: str
    methods: tuple[LimitMethodLine, ...]
    inputs: tuple[LimitInputLine, ...]
    lines: tuple[str, ...]
    current_limit: Decimal | None
    policy: dict[str, object]
    line_messages: tuple[LimitLine, ...] = ()


def limit_line_text(line: LimitLine) -> str:
    """A line of the whole limit calculation in the active language (``[method label]`` first
    for a method's line)."""
    text = render_message(line.message)
    return text if line.method is None else f"[{limit_method_label(line.method)}] {text}"


def _money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value)).quantize(Decimal("0.01"))


def _source(key: str, **params: object) -> str:
    return str(LIMIT_INPUT_SOURCES[key]) % params if params else str(LIMIT_INPUT_SOURCES[key])


def _limit_inputs(
    customer: Customer, day: dt.date, grade: str | None, requested: Decimal | None
) -> tuple[LimitInputs, list[LimitInputLine]]:
    lines: list[LimitInputLine] = []

    def add(key: str, value: Decimal | int | tuple[Decimal, ...] | None, source: str) -> None:
        lines.append(LimitInputLine(key, str(LIMIT_INPUT_LABELS[key]), value, source))

    statement = (
        FinancialStatement.objects.filter(customer=customer, period_end__lte=day, as_of__lte=day)
        .order_by("-period_end", "period_type")
        .first()
    )
    figures: dict[str, float | None] = {
        "equity": None, "current_assets": None, "current_liabilities": None
    }
    if statement is not None:
        for name in figures:
            figures[name] = _in_company_currency(
                statement.in_yuan(name), statement.currency, statement.period_end
            )
        statement_source = _source("statement", period_end=statement.period_end.isoformat())
    else:
        statement_source = _source("no_statement")
    for name in ("equity", "current_assets", "current_liabilities"):
        add(name, _money(figures[name]), statement_source)
    add("intangible_assets", None, _source("not_recorded"))

    customers = Customer.objects.filter(pk=customer.pk)
    start = add_months(day, -PAYMENT_WINDOW_MONTHS) + dt.timedelta(days=1)
    annual: float | None = None
    if Invoice.objects.filter(customer=customer, invoice_date__lte=day).exists():
        annual = to_float(credit_sales([(start, day)], customers=customers)[0])
        add("annual_purchases", _money(annual),
            _source("invoices", start=start.isoformat(), end=day.isoformat()))
    else:
        add("annual_purchases", None, _source("no_invoices"))

    terms_days = _average_terms_days(customer, start, day)
    if terms_days is not None:
        terms_source = _source("invoice_terms", start=start.isoformat(), end=day.isoformat())
    elif grade is not None and grade in terms_policy().terms:
        terms_days = terms_for_grade(grade, terms_policy()).term_days
        terms_source = (
            _source("grade_terms", grade=grade) if terms_days is not None else _source("no_terms")
        )
    else:
        terms_source = _source("no_terms")
    add("terms_days", terms_days, terms_source)

    references = [
        _in_company_currency(ref.highest_credit, ref.currency, ref.as_of)
        for ref in TradeReference.objects.filter(
            customer=customer, as_of__lte=day, highest_credit__isnull=False
        ).order_by("as_of", "pk")
    ]
    credits = tuple(c for c in references if c is not None)
    add(
        "trade_reference_highest_credits",
        tuple(m for c in credits if (m := _money(c)) is not None),
        _source("trade_references", count=len(credits)) if credits
        else _source("no_trade_references"),
    )
    add("requested_amount", requested,
        _source("requested") if requested is not None else _source("not_requested"))
    inputs = LimitInputs(
        equity=figures["equity"],
        intangible_assets=None,
        current_assets=figures["current_assets"],
        current_liabilities=figures["current_liabilities"],
        annual_purchases=annual,
        terms_days=terms_days,
        trade_reference_highest_credits=credits,
        requested_amount=requested,
    )
    return inputs, lines


def _average_terms_days(customer: Customer, start: dt.date, end: dt.date) -> int | None:
    """Amount-weighted days from invoice date to due date of the period's invoices, rounded."""
    rows = InvoiceInstalment.objects.filter(
        invoice__customer=customer, invoice__invoice_date__range=(start, end),
        invoice__cancelled_on__isnull=True,
    ).values_list("invoice__invoice_date", "due_date", "amount_company")
    weighted = total = Decimal("0")
    for invoice_date, due_date, amount in rows:
        weighted += amount * (due_date - invoice_date).days
        total += amount
    if total <= 0:
        return None
    return int((weighted / total).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def limit_recommendation(
    *,
    customer: Customer,
    as_of: dt.date | None = None,
    requested_amount: Decimal | None = None,
    user=None,
) -> LimitRecommendationView:
    """The credit limit the engine's ``recommend_limit`` recommends for ``customer``.

    Inputs from the credit file (the latest statement known on the day: equity, current
    assets and liabilities; intangible assets are not recorded, the engine takes them as 0
    and says so), the ledger (credit sales of the 12 months to the day; the amount-weighted
    terms of those invoices, else the grade's terms), the trade references' highest credit,
    the requested amount if given, and the grade of the rating as of the day (the cap). The
    policy is ``limit_policy()``. ``user`` given: they must be allowed to see the customer's
    ratings.
    """
    if user is not None and (
        not user.has_perm(VIEW_RATING)
        or not Customer.objects.restrict(user).filter(pk=customer.pk).exists()
    ):
        raise PermissionDenied(gettext("You may not see this customer's rating."))
    from credo.decisions.selectors import credit_limit_active, limit_in_company_currency

    day = as_of or timezone.localdate()
    rating = rating_as_of(customer, as_of)
    grade = None if rating is None else rating.grade
    inputs, input_lines = _limit_inputs(customer, day, grade, requested_amount)
    policy = limit_policy()
    result = recommend_limit(inputs, policy, grade)
    active = credit_limit_active(customer=customer, today=day)
    return LimitRecommendationView(
        customer_id=customer.pk,
        as_of=day,
        currency=ledger.company_currency(),
        grade=grade,
        rating_id=None if rating is None else rating.pk,
        amount=_money(result.amount),
        prepayment_only=result.prepayment_only,
        capped_by_grade=result.capped_by_grade,
        combined_by=result.combined_by,
        methods=tuple(
            LimitMethodLine(
                method=r.method, label=limit_method_label(r.method), amount=_money(r.amount),
                reason=None if r.reason_message is None else render_message(r.reason_message),
                lines=tuple(render_message(line) for line in r.line_messages),
                reason_message=r.reason_message, line_messages=r.line_messages,
            )
            for r in result.method_results
        ),
        inputs=tuple(input_lines),
        lines=tuple(limit_line_text(line) for line in result.line_messages),
        line_messages=result.line_messages,
        current_limit=None if active is None else limit_in_company_currency(active, day),
        policy=policy.to_dict(),
    )


@dataclass(frozen=True)
class PaymentMethodLine:
    """An accepted payment method: key and label in the active language."""

    key: str
    label: str


@dataclass(frozen=True)
class TermsRecommendation:
    """Payment terms and methods recommended for the customer's grade (None without a
    rating: no recommendation)."""

    customer_id: int
    grade: str | None
    rating_id: int | None
    methods: tuple[PaymentMethodLine, ...]
    term_days: int | None
    open_account: bool
    prepayment_only: bool


def terms_recommendation(customer: Customer, *, as_of: dt.date | None = None) -> (
    TermsRecommendation
):
    """The engine's ``terms_for_grade`` for the customer's grade (``terms_policy()``)."""
    rating = rating_as_of(customer, as_of)
    policy = terms_policy()
    if rating is None or rating.grade not in policy.terms:
        return TermsRecommendation(
            customer_id=customer.pk, grade=None if rating is None else rating.grade,
            rating_id=None if rating is None else rating.pk, methods=(), term_days=None,
            open_account=False, prepayment_only=False,
        )
    terms = terms_for_grade(rating.grade, policy)
    return TermsRecommendation(
        customer_id=customer.pk,
        grade=rating.grade,
        rating_id=rating.pk,
        methods=tuple(PaymentMethodLine(m, payment_method_label(m)) for m in terms.methods),
        term_days=terms.term_days,
        open_account=terms.open_account,
        prepayment_only=terms.prepayment_only,
    )
