"""Rating features (评级因子) of the six credit-file dimensions, as of one date.

:func:`compute_features` turns plain input dataclasses (no Django) into a :class:`FeatureSet`;
``FeatureSet.values()`` is the ``dict[str, float | str | None]`` scorecards read. The feature
keys, units and directions are listed in :data:`FEATURE_DEFINITIONS`; other modules rely on them.

Point in time: only data known on ``as_of`` is used. Statements ending after ``as_of`` and
records (trade references, bank relations, public records) whose own ``as_of``/event date is
after it are ignored, so features can be rebuilt for any past date (training, back-testing).

Missing rules (never silently 0):

* finances: the latest statement with ``period_end <= as_of`` (ties: the longer period); the
  growth ratios compare it with the statement closest to one year earlier (period end within
  ``PREVIOUS_PERIOD_TOLERANCE_DAYS`` of the same date a year before). No statement -> every
  finance feature is ``missing_input``. Ratios carry the status of :mod:`ratios`.
* Altman: variant from :func:`altman.altman_variant_for` with manufacturer = GB/T 4754 section
  "C" (制造业) and the listed flag; a listed manufacturer without a market value of equity falls
  back to Z' (book equity), said in the source note.
* payment: each figure is missing when the receivables metrics did not give it;
  ``overdue_share`` = overdue amount / open receivables (0 open -> ``zero_denominator``);
  ``payment_trend`` = payment index now - payment index 12 months ago.
* trade references: no reference -> missing. Average days beyond terms over the references that
  give days; a "prompt" reference without days counts as 0 days (prompt means within terms).
  Bad share = references with a "very_slow" or "collection" experience / all references.
* bank: no bank relation -> missing; otherwise the sums over all relations.
* public record: no record at all (not even a "no_findings" search) -> missing, because nobody
  looked. With at least one record, counts in the look-back window (default 3 years: event date
  in [as_of - years, as_of]; an undated record uses its own as_of, a record without any date is
  counted, conservatively). Withdrawn lawsuits are not counted. ``dishonest_debtor`` is 1.0 when a
  dishonest-debtor listing (失信被执行人) is active on ``as_of`` whatever its age (status not
  lifted/expired/closed/withdrawn/settled; "unknown" counts as active), else 0.0.
* registration: years in business from the founding date; paid-in / registered capital (0
  registered -> ``zero_denominator``); size class as given, else derived by
  :func:`derive_size_class`; legal form key as given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from credo.rating.engine.altman import (
    AltmanResult,
    AltmanVariant,
    altman_variant_for,
    altman_z,
)
from credo.rating.engine.messages import Message, message
from credo.rating.engine.ratios import (
    RatioValue,
    StatementFigures,
    ValueStatus,
    financial_ratios,
    to_float,
)

FeatureScalar = float | str | None

DEFAULT_LOOKBACK_YEARS = 3
PREVIOUS_PERIOD_TOLERANCE_DAYS = 45
DAYS_PER_YEAR = 365.25
MANUFACTURING_SECTION = "C"

# Keys as credo stores them (credo.creditfile.choices / credo.customers.choices).
PAYMENT_EXPERIENCES = frozenset({"prompt", "slow", "very_slow", "collection"})
BAD_PAYMENT_EXPERIENCES = frozenset({"very_slow", "collection"})
REPAYMENT_RECORDS = frozenset(
    {"normal", "occasionally_late", "frequently_late", "defaulted", "unknown"}
)
PUBLIC_RECORD_KINDS = frozenset({
    "lawsuit", "enforcement", "dishonest_debtor", "mortgage_pledge", "admin_penalty",
    "tax_issue", "honour", "press", "no_findings",
})
PARTY_ROLES = frozenset({"", "plaintiff", "defendant", "third_party"})
PUBLIC_RECORD_STATUSES = frozenset(
    {"open", "closed", "settled", "withdrawn", "lifted", "valid", "expired", "unknown"}
)
INACTIVE_LISTING_STATUSES = frozenset({"lifted", "expired", "closed", "withdrawn", "settled"})
SIZE_CLASSES = ("large", "medium", "small", "micro")  # best first


class Dimension(StrEnum):
    """The six dimensions of the credit file (信用档案)."""

    REGISTRATION = "registration"
    BUSINESS = "business"
    FINANCES = "finances"
    PAYMENT = "payment"
    BANK = "bank"
    PUBLIC_RECORD = "public_record"


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class RegistrationInput:
    """Registration data: capital in yuan, ``industry_section`` the GB/T 4754 letter (A..T)."""

    founded: date | None = None
    registered_capital: float | None = None
    paid_in_capital: float | None = None
    legal_form: str | None = None
    listed: bool = False
    industry_section: str | None = None
    size_class: str | None = None
    employees: int | None = None

    def __post_init__(self) -> None:
        if self.size_class is not None and self.size_class not in SIZE_CLASSES:
            raise ValueError(f"unknown size class {self.size_class!r}")
        object.__setattr__(self, "registered_capital", to_float(self.registered_capital))
        object.__setattr__(self, "paid_in_capital", to_float(self.paid_in_capital))


@dataclass(frozen=True)
class PaymentBehaviourInput:
    """The customer's own payment record from the receivables metrics (each value optional).

    ``days_beyond_terms`` is the amount-weighted average; ``payment_index`` 1-100;
    ``payment_index_year_ago`` the index 12 months before, for the trend.
    """

    days_beyond_terms: float | None = None
    payment_index: float | None = None
    overdue_amount: float | None = None
    open_receivables: float | None = None
    max_days_past_due: float | None = None
    payment_index_year_ago: float | None = None
    as_of: date | None = None

    def __post_init__(self) -> None:
        for name in ("days_beyond_terms", "payment_index", "overdue_amount", "open_receivables",
                     "max_days_past_due", "payment_index_year_ago"):
            object.__setattr__(self, name, to_float(getattr(self, name)))


@dataclass(frozen=True)
class TradeReferenceInput:
    """One trade reference (同业信用参考); keys of credo's ``PaymentExperience``."""

    payment_experience: str
    terms_days: int | None = None
    days_beyond_terms: int | None = None
    as_of: date | None = None

    def __post_init__(self) -> None:
        if self.payment_experience not in PAYMENT_EXPERIENCES:
            raise ValueError(f"unknown payment experience {self.payment_experience!r}")


@dataclass(frozen=True)
class BankRelationInput:
    """One bank relation (银行往来); ``repayment_record`` a key of credo's ``RepaymentRecord``."""

    overdue_count: int = 0
    overdue_amount: float = 0.0
    repayment_record: str = "unknown"
    as_of: date | None = None

    def __post_init__(self) -> None:
        if self.repayment_record not in REPAYMENT_RECORDS:
            raise ValueError(f"unknown repayment record {self.repayment_record!r}")
        amount = to_float(self.overdue_amount)
        object.__setattr__(self, "overdue_amount", 0.0 if amount is None else amount)


@dataclass(frozen=True)
class PublicRecordInput:
    """One public record; ``kind``/``role``/``status`` keys of credo's PublicRecordType,
    PartyRole ("" when not a lawsuit) and PublicRecordStatus; ``amount`` in yuan."""

    kind: str
    role: str = ""
    amount: float | None = None
    status: str = "unknown"
    event_date: date | None = None
    as_of: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in PUBLIC_RECORD_KINDS:
            raise ValueError(f"unknown public record kind {self.kind!r}")
        if self.role not in PARTY_ROLES:
            raise ValueError(f"unknown party role {self.role!r}")
        if self.status not in PUBLIC_RECORD_STATUSES:
            raise ValueError(f"unknown public record status {self.status!r}")
        object.__setattr__(self, "amount", to_float(self.amount))

    @property
    def dated(self) -> date | None:
        """The date the record counts at: the event date, else when it was recorded."""
        return self.event_date or self.as_of


@dataclass(frozen=True)
class FeatureInputs:
    """Everything :func:`compute_features` reads, per dimension."""

    registration: RegistrationInput = field(default_factory=RegistrationInput)
    statements: Sequence[StatementFigures] = ()
    payment: PaymentBehaviourInput | None = None
    trade_references: Sequence[TradeReferenceInput] = ()
    bank_relations: Sequence[BankRelationInput] = ()
    public_records: Sequence[PublicRecordInput] = ()


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class FeatureDefinition:
    """Meaning of one feature key: dimension, labels, unit and direction."""

    key: str
    dimension: Dimension
    label: str
    label_zh: str
    unit: str
    higher_is_better: bool | None
    kind: str = "numeric"  # "numeric" | "categorical"


def _d(key: str, dimension: Dimension, label: str, label_zh: str, unit: str,
       higher_is_better: bool | None, kind: str = "numeric") -> FeatureDefinition:
    return FeatureDefinition(key, dimension, label, label_zh, unit, higher_is_better, kind)


_F, _P, _B, _R = Dimension.FINANCES, Dimension.PAYMENT, Dimension.BANK, Dimension.PUBLIC_RECORD
_G = Dimension.REGISTRATION

FEATURE_DEFINITIONS: dict[str, FeatureDefinition] = {
    definition.key: definition
    for definition in (
        _d("current_ratio", _F, "Current ratio", "流动比率", "times", True),
        _d("quick_ratio", _F, "Quick ratio", "速动比率", "times", True),
        _d("debt_to_assets", _F, "Debt to assets", "资产负债率", "ratio", False),
        _d("interest_coverage", _F, "Interest coverage", "利息保障倍数", "times", True),
        _d("roa", _F, "Return on assets", "总资产净利率", "ratio", True),
        _d("roe", _F, "Return on equity", "净资产收益率", "ratio", True),
        _d("gross_margin", _F, "Gross margin", "毛利率", "ratio", True),
        _d("net_margin", _F, "Net margin", "销售净利率", "ratio", True),
        _d("asset_turnover", _F, "Asset turnover", "总资产周转率", "times", True),
        _d("receivable_days", _F, "Receivable days", "应收账款周转天数", "days", False),
        _d("inventory_days", _F, "Inventory days", "存货周转天数", "days", False),
        _d("sales_growth", _F, "Sales growth", "营业收入增长率", "ratio", True),
        _d("profit_growth", _F, "Net profit growth", "净利润增长率", "ratio", True),
        _d("altman_z", _F, "Altman Z-score", "Altman Z 值", "score", True),
        _d("altman_zone", _F, "Altman zone", "Altman Z 值区间", "safe|grey|distress", None,
           "categorical"),
        _d("days_beyond_terms", _P, "Days beyond terms", "平均超期天数", "days", False),
        _d("payment_index", _P, "Payment index", "付款指数", "index 1-100", True),
        _d("overdue_share", _P, "Overdue share of receivables", "逾期应收账款占比", "ratio",
           False),
        _d("max_days_past_due", _P, "Maximum days past due", "最长逾期天数", "days", False),
        _d("payment_trend", _P, "Payment index trend (12 months)", "付款指数变化（12个月）",
           "index points", True),
        _d("trade_ref_days_beyond_terms", _P, "Trade references: days beyond terms",
           "同业信用参考平均超期天数", "days", False),
        _d("trade_ref_bad_share", _P, "Trade references: share very slow or collection",
           "同业信用参考不良占比", "ratio", False),
        _d("bank_overdue_count", _B, "Bank overdue count", "银行逾期次数", "count", False),
        _d("bank_overdue_amount", _B, "Bank overdue amount", "银行逾期金额", "yuan", False),
        _d("lawsuits_defendant_count", _R, "Lawsuits as defendant", "被诉诉讼数量", "count",
           False),
        _d("lawsuits_defendant_amount", _R, "Amount of lawsuits as defendant", "被诉诉讼金额",
           "yuan", False),
        _d("enforcement_count", _R, "Enforcements", "被执行次数", "count", False),
        _d("dishonest_debtor", _R, "Active dishonest judgment debtor listing", "失信被执行人",
           "flag 1/0", False),
        _d("penalties_count", _R, "Administrative penalties", "行政处罚次数", "count", False),
        _d("years_in_business", _G, "Years in business", "经营年限", "years", True),
        _d("paid_in_ratio", _G, "Paid-in / registered capital", "实缴资本 / 注册资本", "ratio",
           True),
        _d("size_class", _G, "Size class", "企业规模", "large|medium|small|micro", None,
           "categorical"),
        _d("legal_form", _G, "Legal form", "企业类型", "legal form key", None, "categorical"),
        _d("employees", Dimension.BUSINESS, "Employees", "从业人员", "persons", True),
    )
}


@dataclass(frozen=True)
class FeatureValue:
    """One feature: value (``None`` unless status is ok), why, data date and source.

    ``source_message`` and ``note_message`` are structured (code + parameters, see
    :mod:`messages`); ``source`` and ``note`` are their English texts.
    """

    key: str
    dimension: Dimension
    value: FeatureScalar
    status: ValueStatus
    as_of: date | None = None
    source_message: Message | None = None
    note_message: Message | None = None

    @property
    def source(self) -> str:
        """Where the value comes from, in English ("" when not known)."""
        return "" if self.source_message is None else self.source_message.render()

    @property
    def note(self) -> str:
        """Why the value is missing or how it was read, in English ("" when nothing to say)."""
        return "" if self.note_message is None else self.note_message.render()

    @property
    def missing(self) -> bool:
        """True when the value is None."""
        return self.value is None


@dataclass(frozen=True)
class FeatureSet:
    """All features of ``FEATURE_DEFINITIONS`` as of one date (same keys, same order)."""

    as_of: date
    features: Mapping[str, FeatureValue]

    def values(self) -> dict[str, FeatureScalar]:
        """The mapping scorecards read: feature key -> value (``None`` = missing)."""
        return {key: feature.value for key, feature in self.features.items()}

    def __getitem__(self, key: str) -> FeatureValue:
        return self.features[key]

    def missing(self) -> dict[str, ValueStatus]:
        """Features without a value, with their status."""
        return {k: f.status for k, f in self.features.items() if f.value is None}


# --------------------------------------------------------------------------- helpers


def _feature(
    key: str, value: FeatureScalar, *, status: ValueStatus | None = None,
    as_of: date | None = None, source: Message | None = None, note: Message | None = None,
) -> FeatureValue:
    if status is None:
        status = ValueStatus.OK if value is not None else ValueStatus.MISSING_INPUT
    return FeatureValue(key, FEATURE_DEFINITIONS[key].dimension, value, status, as_of, source,
                        note)


def _missing(key: str, note: Message, *, status: ValueStatus = ValueStatus.MISSING_INPUT,
             as_of: date | None = None, source: Message | None = None) -> FeatureValue:
    return _feature(key, None, status=status, as_of=as_of, source=source, note=note)


def _years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February -> 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class _Recorded(Protocol):
    @property
    def as_of(self) -> date | None: ...


def _known_on[T: _Recorded](items: Iterable[T], as_of: date) -> list[T]:
    """Items recorded on or before ``as_of`` (undated items are kept)."""
    return [item for item in items if item.as_of is None or item.as_of <= as_of]


def _latest_date(dates: Iterable[date | None]) -> date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


# --------------------------------------------------------------------------- finances


def select_statements(
    statements: Sequence[StatementFigures], *, as_of: date
) -> tuple[StatementFigures | None, StatementFigures | None]:
    """(latest statement ending on or before ``as_of``, the comparable one a year earlier).

    Latest = greatest period end (ties: the longer period). The previous one ends within
    ``PREVIOUS_PERIOD_TOLERANCE_DAYS`` of the same date a year earlier; among those the one
    with the same period length first, then the closest period end.
    """
    known = [s for s in statements if s.period_end <= as_of]
    if not known:
        return None, None
    current = max(known, key=lambda s: (s.period_end, s.months))
    target = _years_before(current.period_end, 1)
    tolerance = timedelta(days=PREVIOUS_PERIOD_TOLERANCE_DAYS)
    candidates = [s for s in known if abs(s.period_end - target) <= tolerance]
    if not candidates:
        return current, None
    previous = min(
        candidates, key=lambda s: (s.months != current.months, abs((s.period_end - target).days))
    )
    return current, previous


def statement_source(statement: StatementFigures) -> Message:
    """The source of the ratio features: the statement's period end and length."""
    return message("source.statement", period_end=statement.period_end.isoformat(),
                   months=statement.months)


def _ratio_feature(ratio: RatioValue, statement: StatementFigures) -> FeatureValue:
    return _feature(ratio.key, ratio.value, status=ratio.status, as_of=statement.period_end,
                    source=statement_source(statement), note=ratio.message)


def _altman_features(
    statement: StatementFigures, registration: RegistrationInput
) -> list[FeatureValue]:
    manufacturer = (registration.industry_section or "").upper() == MANUFACTURING_SECTION
    variant = altman_variant_for(listed=registration.listed, manufacturer=manufacturer)
    code = "source.altman"
    if variant is AltmanVariant.ORIGINAL and statement.market_value_equity is None:
        variant = AltmanVariant.Z_PRIME
        code = "source.altman_book_equity"
    result: AltmanResult = altman_z(statement, variant=variant)
    source = message(code, period_end=statement.period_end.isoformat(), variant=variant.value)
    zone = None if result.zone is None else result.zone.value
    return [
        _feature("altman_z", result.score, status=result.status, as_of=statement.period_end,
                 source=source, note=result.missing_message),
        _feature("altman_zone", zone, status=result.status, as_of=statement.period_end,
                 source=source, note=result.missing_message),
    ]


_FINANCE_KEYS = tuple(k for k, d in FEATURE_DEFINITIONS.items() if d.dimension is _F)


def _finance_features(inputs: FeatureInputs, as_of: date) -> list[FeatureValue]:
    current, previous = select_statements(inputs.statements, as_of=as_of)
    if current is None:
        no_statement = message("feature.no_statement", as_of=as_of.isoformat())
        return [_missing(key, no_statement) for key in _FINANCE_KEYS]
    ratios = financial_ratios(current, previous)
    features = [_ratio_feature(ratio, current) for ratio in ratios.values()]
    for growth_key in ("sales_growth", "profit_growth"):
        if previous is None:
            index = next(i for i, f in enumerate(features) if f.key == growth_key)
            features[index] = _missing(
                growth_key,
                message("feature.no_previous_statement",
                        period_end=current.period_end.isoformat()),
                as_of=current.period_end,
            )
    return features + _altman_features(current, inputs.registration)


# --------------------------------------------------------------------------- payment


def _payment_features(inputs: FeatureInputs, as_of: date) -> list[FeatureValue]:
    payment = inputs.payment
    if payment is not None and payment.as_of is not None and payment.as_of > as_of:
        payment = None  # computed after as_of: not known then
    features: list[FeatureValue] = []
    if payment is None:
        features += [_missing(key, message("feature.no_payment_record"))
                     for key in ("days_beyond_terms", "payment_index", "overdue_share",
                                 "max_days_past_due", "payment_trend")]
    else:
        src = message("source.receivables_metrics")
        on = payment.as_of
        for key, value in (("days_beyond_terms", payment.days_beyond_terms),
                           ("payment_index", payment.payment_index),
                           ("max_days_past_due", payment.max_days_past_due)):
            note = None if value is not None else message("feature.not_available", feature=key)
            features.append(_feature(key, value, as_of=on, source=src, note=note))
        features.append(_overdue_share(payment))
        if payment.payment_index is None or payment.payment_index_year_ago is None:
            features.append(_missing("payment_trend", message("feature.payment_trend_missing"),
                                     as_of=on, source=src))
        else:
            features.append(_feature("payment_trend",
                                     payment.payment_index - payment.payment_index_year_ago,
                                     as_of=on, source=src))
    return features + _trade_reference_features(inputs.trade_references, as_of)


def _overdue_share(payment: PaymentBehaviourInput) -> FeatureValue:
    src, on = message("source.receivables_metrics"), payment.as_of
    overdue, open_amount = payment.overdue_amount, payment.open_receivables
    if overdue is None or open_amount is None:
        return _missing("overdue_share", message("feature.overdue_inputs_missing"),
                        as_of=on, source=src)
    if open_amount == 0:
        return _missing("overdue_share", message("feature.no_open_receivables"),
                        status=ValueStatus.ZERO_DENOMINATOR, as_of=on, source=src)
    if open_amount < 0:
        return _missing("overdue_share", message("feature.negative_open_receivables"),
                        status=ValueStatus.NEGATIVE_DENOMINATOR, as_of=on, source=src)
    return _feature("overdue_share", overdue / open_amount, as_of=on, source=src)


def _trade_reference_features(
    references: Sequence[TradeReferenceInput], as_of: date
) -> list[FeatureValue]:
    known = _known_on(references, as_of)
    if not known:
        none = message("feature.no_trade_reference")
        return [_missing("trade_ref_days_beyond_terms", none),
                _missing("trade_ref_bad_share", none)]
    on = _latest_date(r.as_of for r in known)
    source = message("source.trade_references", count=len(known))
    days: list[float] = []
    inferred = 0
    for reference in known:
        if reference.days_beyond_terms is not None:
            days.append(float(reference.days_beyond_terms))
        elif reference.payment_experience == "prompt":
            days.append(0.0)  # prompt = paid within terms
            inferred += 1
    if days:
        note = (message("feature.prompt_references_counted", count=inferred) if inferred
                else None)
        days_feature = _feature("trade_ref_days_beyond_terms", sum(days) / len(days), as_of=on,
                                source=source, note=note)
    else:
        days_feature = _missing("trade_ref_days_beyond_terms",
                                message("feature.no_trade_reference_days"), as_of=on,
                                source=source)
    bad = sum(1 for r in known if r.payment_experience in BAD_PAYMENT_EXPERIENCES)
    bad_feature = _feature("trade_ref_bad_share", bad / len(known), as_of=on, source=source)
    return [days_feature, bad_feature]


# --------------------------------------------------------------------------- bank


def _bank_features(inputs: FeatureInputs, as_of: date) -> list[FeatureValue]:
    known = _known_on(inputs.bank_relations, as_of)
    if not known:
        none = message("feature.no_bank_relation")
        return [_missing("bank_overdue_count", none), _missing("bank_overdue_amount", none)]
    on = _latest_date(r.as_of for r in known)
    source = message("source.bank_relations", count=len(known))
    return [
        _feature("bank_overdue_count", float(sum(r.overdue_count for r in known)), as_of=on,
                 source=source),
        _feature("bank_overdue_amount", sum(r.overdue_amount for r in known), as_of=on,
                 source=source),
    ]


# --------------------------------------------------------------------------- public record


def public_records_source(*, start: date, as_of: date, lookback_years: int) -> Message:
    """The source of the windowed public-record counts: the window and its length."""
    return message("source.public_records", start=start.isoformat(), end=as_of.isoformat(),
                   years=lookback_years)


_PUBLIC_RECORD_KEYS = ("lawsuits_defendant_count", "lawsuits_defendant_amount",
                       "enforcement_count", "dishonest_debtor", "penalties_count")


def _public_record_features(
    inputs: FeatureInputs, as_of: date, lookback_years: int
) -> list[FeatureValue]:
    known = [r for r in inputs.public_records if r.dated is None or r.dated <= as_of]
    if not known:
        none = message("feature.no_public_record_search")
        return [_missing(key, none) for key in _PUBLIC_RECORD_KEYS]
    start = _years_before(as_of, lookback_years)
    window = [r for r in known if r.dated is None or r.dated >= start]
    on = _latest_date(r.dated for r in known)
    source = public_records_source(start=start, as_of=as_of, lookback_years=lookback_years)
    undated = sum(1 for r in window if r.dated is None)
    window_note = message("feature.undated_records_counted", count=undated) if undated else None

    lawsuits = [r for r in window
                if r.kind == "lawsuit" and r.role == "defendant" and r.status != "withdrawn"]
    amounts = [r.amount for r in lawsuits if r.amount is not None]
    unknown_amounts = len(lawsuits) - len(amounts)
    amount_note = (message("feature.lawsuits_without_amount", count=unknown_amounts)
                   if unknown_amounts else None)
    active_listing = any(
        r.kind == "dishonest_debtor" and r.status not in INACTIVE_LISTING_STATUSES for r in known
    )
    return [
        _feature("lawsuits_defendant_count", float(len(lawsuits)), as_of=on, source=source,
                 note=window_note),
        _feature("lawsuits_defendant_amount", float(sum(amounts)), as_of=on, source=source,
                 note=amount_note),
        _feature("enforcement_count", float(sum(1 for r in window if r.kind == "enforcement")),
                 as_of=on, source=source, note=window_note),
        _feature("dishonest_debtor", 1.0 if active_listing else 0.0, as_of=on,
                 source=message("source.public_records_listing", as_of=as_of.isoformat())),
        _feature("penalties_count", float(sum(1 for r in window if r.kind == "admin_penalty")),
                 as_of=on, source=source, note=window_note),
    ]


# --------------------------------------------------------------------------- registration


def derive_size_class(*, employees: int | None, annual_revenue: float | None) -> str | None:
    """Size class from employees and annual revenue (yuan); ``None`` when both are missing.

    Simplified from the industrial thresholds of 统计上大中小微型企业划分办法 (2017), applied to
    every industry: large >= 1000 employees and >= 400 million yuan revenue; medium >= 300 and
    >= 20 million; small >= 20 and >= 3 million; else micro. A class needs both thresholds (the
    smaller class of the two criteria wins); with one figure missing, the other decides alone.
    """
    employee_steps = (1000, 300, 20)
    revenue_steps = (400_000_000.0, 20_000_000.0, 3_000_000.0)

    def class_for(value: float, steps: Sequence[float]) -> int:
        for index, threshold in enumerate(steps):
            if value >= threshold:
                return index
        return len(steps)

    classes = []
    if employees is not None:
        classes.append(class_for(float(employees), employee_steps))
    if annual_revenue is not None:
        classes.append(class_for(annual_revenue, revenue_steps))
    if not classes:
        return None
    return SIZE_CLASSES[max(classes)]


def _registration_features(inputs: FeatureInputs, as_of: date) -> list[FeatureValue]:
    reg = inputs.registration
    source = message("source.registration")
    features: list[FeatureValue] = []
    if reg.founded is None:
        features.append(_missing("years_in_business", message("feature.founding_date_missing")))
    elif reg.founded > as_of:
        features.append(_missing("years_in_business",
                                 message("feature.founded_after_as_of", as_of=as_of.isoformat()),
                                 status=ValueStatus.NOT_MEANINGFUL, source=source))
    else:
        years = round((as_of - reg.founded).days / DAYS_PER_YEAR, 2)
        features.append(_feature("years_in_business", years, as_of=reg.founded, source=source))

    registered, paid_in = reg.registered_capital, reg.paid_in_capital
    if registered is None or paid_in is None:
        features.append(_missing("paid_in_ratio", message("feature.capital_missing")))
    elif registered <= 0:
        status = (ValueStatus.ZERO_DENOMINATOR if registered == 0
                  else ValueStatus.NEGATIVE_DENOMINATOR)
        features.append(_missing("paid_in_ratio",
                                 message("feature.registered_capital_not_positive"),
                                 status=status, source=source))
    else:
        features.append(_feature("paid_in_ratio", paid_in / registered, source=source))

    features.append(_size_class_feature(inputs, as_of))
    features.append(_feature("legal_form", reg.legal_form or None, source=source,
                             note=None if reg.legal_form else message("feature.legal_form_missing")))
    return features


def _size_class_feature(inputs: FeatureInputs, as_of: date) -> FeatureValue:
    reg = inputs.registration
    if reg.size_class is not None:
        return _feature("size_class", reg.size_class, source=message("source.registration"))
    current, _ = select_statements(inputs.statements, as_of=as_of)
    revenue = None if current is None else current.annualised("revenue")
    derived = derive_size_class(employees=reg.employees, annual_revenue=revenue)
    if derived is None:
        return _missing("size_class", message("feature.size_class_missing"))
    return _feature("size_class", derived,
                    as_of=None if revenue is None or current is None else current.period_end,
                    source=size_class_source(employees=reg.employees is not None,
                                             revenue=revenue is not None))


def size_class_source(*, employees: bool, revenue: bool) -> Message:
    """The source of a derived size class: which of employees and revenue it used."""
    if employees and revenue:
        return message("source.size_from_employees_and_revenue")
    return message("source.size_from_employees" if employees else "source.size_from_revenue")


def _business_features(inputs: FeatureInputs) -> list[FeatureValue]:
    employees = inputs.registration.employees
    value = None if employees is None else float(employees)
    return [_feature("employees", value, source=message("source.registration"),
                     note=None if value is not None else message("feature.employees_missing"))]


# --------------------------------------------------------------------------- entry point


def compute_features(
    inputs: FeatureInputs, *, as_of: date, lookback_years: int = DEFAULT_LOOKBACK_YEARS
) -> FeatureSet:
    """Every feature of ``FEATURE_DEFINITIONS`` as of ``as_of`` (see the module docstring)."""
    if lookback_years < 1:
        raise ValueError("the look-back window is at least 1 year")
    computed = (
        _finance_features(inputs, as_of)
        + _payment_features(inputs, as_of)
        + _bank_features(inputs, as_of)
        + _public_record_features(inputs, as_of, lookback_years)
        + _registration_features(inputs, as_of)
        + _business_features(inputs)
    )
    by_key = {feature.key: feature for feature in computed}
    return FeatureSet(as_of=as_of, features={key: by_key[key] for key in FEATURE_DEFINITIONS})


__all__ = [
    "BankRelationInput", "DEFAULT_LOOKBACK_YEARS", "Dimension", "FEATURE_DEFINITIONS",
    "FeatureDefinition", "FeatureInputs", "FeatureSet", "FeatureValue", "PaymentBehaviourInput",
    "PublicRecordInput", "RegistrationInput", "TradeReferenceInput", "compute_features",
    "derive_size_class", "public_records_source", "select_statements", "size_class_source",
    "statement_source",
]
