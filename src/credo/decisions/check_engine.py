"""The order credit check as a pure function: snapshot + policy steps -> outcome and reasons.

No Django here. The service (``decisions.services.credit_check``) reads the maintained exposure
row, the active limit, the lists and the customer's policy, builds a ``CheckInput`` and calls
``evaluate``; it also translates the reasons (each reason is a code plus its figures).

Definitions (kept here so the service, the API and the tests agree):

- Exposure buckets are ``open_orders``, ``delivered_not_invoiced`` and ``open_receivables``.
  ``overdue`` and ``disputed`` are parts *of* open receivables, so they are always information
  only (counting them would count the same money twice). A policy lists which of the three
  top-level buckets count; the others are reported for information.
- ``counted exposure`` = the sum of the counted buckets.
- ``available credit`` = limit - counted exposure + secured part. Collateral, guarantees and
  credit insurance cover future orders as well as current debt, so the secured part adds to the
  room left under the limit (it is not capped at the current exposure). An expired limit still
  provides the figure (its own step reacts to the expiry); no limit at all counts as a limit of 0.
- ``utilisation after the order`` = (limit - available credit + order amount) / limit x 100,
  i.e. what the limit would be used to if this order went through. "Above 100 %" therefore means
  exactly "the order is larger than the available credit".
- Every step that fires adds a reason; a step never stops the others, so the answer lists every
  reason. The outcome is the most severe reaction among the reasons (block > hold > warn >
  approve); reasons with the reaction ``info`` explain but never change the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")


class Outcome(StrEnum):
    """The answer of a check, from least to most severe."""

    APPROVE = "approve"
    WARN = "warn"
    HOLD = "hold"
    BLOCK = "block"


class Reaction(StrEnum):
    """What a step does when it fires; ``info`` only explains."""

    INFO = "info"
    WARN = "warn"
    HOLD = "hold"
    BLOCK = "block"


SEVERITY: dict[str, int] = {
    Outcome.APPROVE: 0,
    Reaction.INFO: 0,
    Outcome.WARN: 1,
    Outcome.HOLD: 2,
    Outcome.BLOCK: 3,
}

TOP_LEVEL_BUCKETS = ("open_orders", "delivered_not_invoiced", "open_receivables")
# Parts of open receivables: shown, never added to the counted exposure.
PART_BUCKETS = ("overdue", "disputed")
DEFAULT_COUNTED_BUCKETS = TOP_LEVEL_BUCKETS


class StepType(StrEnum):
    """The check steps a policy can configure."""

    BLACKLIST = "blacklist"
    WATCHLIST = "watchlist"
    LIMIT = "limit"
    MAX_ORDER = "max_order"
    OVERDUE_AMOUNT = "overdue_amount"
    OLDEST_OVERDUE = "oldest_overdue"
    LIMIT_EXPIRED = "limit_expired"
    REVIEW_EXPIRED = "review_expired"
    GRADE_PREPAYMENT = "grade_prepayment"
    GROUP_EXPOSURE = "group_exposure"


# Reason codes (the service holds one translatable message per code).
class ReasonCode(StrEnum):
    BLACKLISTED = "blacklisted"
    WATCHLISTED = "watchlisted"
    NO_LIMIT = "no_limit"
    WITHIN_LIMIT = "within_limit"
    UTILISATION_ABOVE = "utilisation_above"
    LIMIT_EXCEEDED = "limit_exceeded"
    ORDER_ABOVE_MAXIMUM = "order_above_maximum"
    OVERDUE_ABOVE_THRESHOLD = "overdue_above_threshold"
    OVERDUE_TOO_OLD = "overdue_too_old"
    LIMIT_EXPIRED = "limit_expired"
    REVIEW_EXPIRED = "review_expired"
    GRADE_REQUIRES_PREPAYMENT = "grade_requires_prepayment"
    NO_GRADE = "no_grade"
    GROUP_EXPOSURE = "group_exposure"


# The policy used when a customer has no segment and no other policy exists yet.
DEFAULT_STEPS: list[dict[str, Any]] = [
    {"type": "blacklist", "reaction": "block"},
    {"type": "watchlist", "reaction": "warn"},
    {
        "type": "limit",
        "grades": [
            {"above_percent": "90", "reaction": "warn"},
            {"above_percent": "100", "reaction": "block"},
        ],
        "no_limit_reaction": "hold",
    },
    {"type": "overdue_amount", "threshold": "0", "reaction": "warn"},
    {"type": "oldest_overdue", "days": 90, "reaction": "hold"},
    {"type": "limit_expired", "reaction": "hold"},
    {"type": "review_expired", "reaction": "warn"},
    # The grades whose terms are prepayment only (rating.engine.grades' default terms policy).
    {"type": "grade_prepayment", "grades": ["CC", "C", "D"], "reaction": "block"},
]


class PolicyError(ValueError):
    """The steps of a policy are not valid; ``errors`` lists what is wrong (code, params)."""

    def __init__(self, errors: list[tuple[str, dict[str, Any]]]):
        self.errors = errors
        super().__init__("; ".join(f"{code} {params}" for code, params in errors))


@dataclass(frozen=True)
class LimitGrade:
    above_percent: Decimal
    reaction: Reaction


@dataclass(frozen=True)
class Step:
    """One parsed policy step; only the parameters of its type are set."""

    type: StepType
    reaction: Reaction = Reaction.HOLD
    grades: tuple[LimitGrade, ...] = ()
    no_limit_reaction: Reaction = Reaction.HOLD
    amount: Decimal | None = None  # max_order maximum / overdue_amount threshold
    days: int | None = None  # oldest_overdue
    prepayment_grades: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Policy:
    """Parsed, validated policy: steps in order and the buckets that count."""

    steps: tuple[Step, ...]
    counted_buckets: frozenset[str] = frozenset(DEFAULT_COUNTED_BUCKETS)

    @property
    def needs_group_exposure(self) -> bool:
        return any(step.type == StepType.GROUP_EXPOSURE for step in self.steps)


@dataclass(frozen=True)
class CheckInput:
    """Everything the check needs, in the company currency (amounts ``Decimal``)."""

    order_amount: Decimal
    limit: Decimal | None  # None: the customer has no limit at all
    buckets: Mapping[str, Decimal]  # TOP_LEVEL_BUCKETS and PART_BUCKETS
    secured: Decimal = ZERO
    oldest_overdue_days: int | None = None
    blacklisted: bool = False
    watchlisted: bool = False
    limit_expired: bool = False
    review_expired: bool = False
    grade: str | None = None  # None until ratings exist
    group_counted_exposure: Decimal | None = None  # only when the policy asks for it

    @property
    def overdue(self) -> Decimal:
        return self.buckets.get("overdue", ZERO)


@dataclass(frozen=True)
class Reason:
    """Why a step fired: a code, the reaction and the figures for the message."""

    step: str
    code: str
    reaction: Reaction
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    """The answer: outcome, the figures behind it and every reason."""

    outcome: Outcome
    available_credit: Decimal
    counted_exposure: Decimal
    utilisation_percent: Decimal | None  # after the order; None without a positive limit
    reasons: tuple[Reason, ...]
    information_buckets: tuple[str, ...] = ()


# --- policy parsing -------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _reaction(raw: Any, index: int, key: str, errors: list) -> Reaction:
    try:
        return Reaction(raw)
    except ValueError:
        errors.append(("invalid_reaction", {"step": index + 1, "key": key, "value": raw}))
        return Reaction.HOLD


def _parse_step(index: int, raw: Any, errors: list) -> Step | None:
    if not isinstance(raw, Mapping):
        errors.append(("step_not_object", {"step": index + 1}))
        return None
    try:
        step_type = StepType(str(raw.get("type")))
    except ValueError:
        errors.append(("unknown_step_type", {"step": index + 1, "value": raw.get("type")}))
        return None
    reaction = _reaction(raw.get("reaction", "hold"), index, "reaction", errors)
    if step_type == StepType.LIMIT:
        grades = []
        raw_grades = raw.get("grades", [])
        if not isinstance(raw_grades, list) or not raw_grades:
            errors.append(("limit_needs_grades", {"step": index + 1}))
            raw_grades = []
        for raw_grade in raw_grades:
            percent = _decimal(raw_grade.get("above_percent")) if isinstance(
                raw_grade, Mapping
            ) else None
            if percent is None or percent < ZERO:
                errors.append(("invalid_percent", {"step": index + 1}))
                continue
            grades.append(
                LimitGrade(percent, _reaction(raw_grade.get("reaction"), index, "grades", errors))
            )
        return Step(
            type=step_type,
            grades=tuple(sorted(grades, key=lambda grade: grade.above_percent)),
            no_limit_reaction=_reaction(
                raw.get("no_limit_reaction", "hold"), index, "no_limit_reaction", errors
            ),
        )
    if step_type in (StepType.MAX_ORDER, StepType.OVERDUE_AMOUNT):
        key = "max_amount" if step_type == StepType.MAX_ORDER else "threshold"
        amount = _decimal(raw.get(key))
        if amount is None or amount < ZERO:
            errors.append(("invalid_amount", {"step": index + 1, "key": key}))
        return Step(type=step_type, reaction=reaction, amount=amount)
    if step_type == StepType.OLDEST_OVERDUE:
        days = raw.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            errors.append(("invalid_days", {"step": index + 1}))
            days = None
        return Step(type=step_type, reaction=reaction, days=days)
    if step_type == StepType.GRADE_PREPAYMENT:
        grades_raw = raw.get("grades", [])
        if not isinstance(grades_raw, list) or not all(isinstance(g, str) for g in grades_raw):
            errors.append(("invalid_grades", {"step": index + 1}))
            grades_raw = []
        return Step(type=step_type, reaction=reaction, prepayment_grades=frozenset(grades_raw))
    return Step(type=step_type, reaction=reaction)


def parse_policy(steps: Any, counted_buckets: Iterable[str] | None = None) -> Policy:
    """Validate raw JSON steps (as stored on a CheckPolicy); raises PolicyError listing problems."""
    errors: list[tuple[str, dict[str, Any]]] = []
    if not isinstance(steps, list):
        raise PolicyError([("steps_not_list", {})])
    parsed = [_parse_step(index, raw, errors) for index, raw in enumerate(steps)]
    counted = tuple(DEFAULT_COUNTED_BUCKETS if counted_buckets is None else counted_buckets)
    for bucket in counted:
        if bucket not in TOP_LEVEL_BUCKETS:
            errors.append(("invalid_bucket", {"value": bucket}))
    if errors:
        raise PolicyError(errors)
    return Policy(
        steps=tuple(step for step in parsed if step is not None),
        counted_buckets=frozenset(counted),
    )


# --- evaluation -----------------------------------------------------------------------------


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def counted_exposure(buckets: Mapping[str, Decimal], counted: Iterable[str]) -> Decimal:
    """Sum of the counted top-level buckets (parts of open receivables never count)."""
    return sum((buckets.get(name, ZERO) for name in counted if name in TOP_LEVEL_BUCKETS), ZERO)


def _limit_reasons(step: Step, data: CheckInput, available: Decimal, utilisation) -> list[Reason]:
    if data.limit is None:
        return [
            Reason(step.type, ReasonCode.NO_LIMIT, step.no_limit_reaction,
                   {"order_amount": _money(data.order_amount)})
        ]
    figures = {
        "limit": _money(data.limit),
        "available": _money(available),
        "order_amount": _money(data.order_amount),
        "utilisation": None if utilisation is None else utilisation.quantize(CENT),
    }
    if utilisation is None:  # a limit of 0 with something to cover: nothing left at all
        crossed = list(step.grades)
    else:
        # Compared unrounded: 100.001 % is above 100 % although it shows as 100.00.
        crossed = [grade for grade in step.grades if utilisation > grade.above_percent]
    if not crossed:
        return [Reason(step.type, ReasonCode.WITHIN_LIMIT, Reaction.INFO, figures)]
    # The highest threshold crossed decides; lower grades are implied by it.
    grade = crossed[-1]
    code = (
        ReasonCode.LIMIT_EXCEEDED
        if data.order_amount > available
        else ReasonCode.UTILISATION_ABOVE
    )
    return [Reason(step.type, code, grade.reaction, {**figures, "threshold": grade.above_percent})]


def _step_reasons(step: Step, data: CheckInput, available: Decimal, utilisation) -> list[Reason]:
    kind = step.type
    if kind == StepType.BLACKLIST:
        return [Reason(kind, ReasonCode.BLACKLISTED, step.reaction)] if data.blacklisted else []
    if kind == StepType.WATCHLIST:
        return [Reason(kind, ReasonCode.WATCHLISTED, step.reaction)] if data.watchlisted else []
    if kind == StepType.LIMIT:
        return _limit_reasons(step, data, available, utilisation)
    if kind == StepType.MAX_ORDER:
        assert step.amount is not None
        if data.order_amount > step.amount:
            return [Reason(kind, ReasonCode.ORDER_ABOVE_MAXIMUM, step.reaction,
                           {"order_amount": _money(data.order_amount),
                            "maximum": _money(step.amount)})]
        return []
    if kind == StepType.OVERDUE_AMOUNT:
        assert step.amount is not None
        if data.overdue > step.amount:
            return [Reason(kind, ReasonCode.OVERDUE_ABOVE_THRESHOLD, step.reaction,
                           {"overdue": _money(data.overdue), "threshold": _money(step.amount)})]
        return []
    if kind == StepType.OLDEST_OVERDUE:
        assert step.days is not None
        if data.oldest_overdue_days is not None and data.oldest_overdue_days > step.days:
            return [Reason(kind, ReasonCode.OVERDUE_TOO_OLD, step.reaction,
                           {"days": data.oldest_overdue_days, "maximum_days": step.days})]
        return []
    if kind == StepType.LIMIT_EXPIRED:
        if data.limit_expired:
            return [Reason(kind, ReasonCode.LIMIT_EXPIRED, step.reaction)]
        return []
    if kind == StepType.REVIEW_EXPIRED:
        if data.review_expired:
            return [Reason(kind, ReasonCode.REVIEW_EXPIRED, step.reaction)]
        return []
    if kind == StepType.GRADE_PREPAYMENT:
        if data.grade is None:
            return [Reason(kind, ReasonCode.NO_GRADE, Reaction.INFO)]
        if data.grade in step.prepayment_grades:
            return [Reason(kind, ReasonCode.GRADE_REQUIRES_PREPAYMENT, step.reaction,
                           {"grade": data.grade})]
        return []
    if kind == StepType.GROUP_EXPOSURE:
        if data.group_counted_exposure is None:
            return []
        return [Reason(kind, ReasonCode.GROUP_EXPOSURE, step.reaction,
                       {"group_exposure": _money(data.group_counted_exposure)})]
    raise AssertionError(f"unhandled step type {kind}")  # pragma: no cover


def most_severe(reactions: Iterable[str]) -> Outcome:
    """The most severe outcome among reactions (``info`` and none -> approve)."""
    worst = max((SEVERITY[reaction] for reaction in reactions), default=0)
    return next(outcome for outcome in Outcome if SEVERITY[outcome] == worst)


def credit_position(
    *, limit: Decimal | None, exposure: Decimal, secured: Decimal, order_amount: Decimal = ZERO
) -> tuple[Decimal, Decimal | None]:
    """Available credit (limit - counted exposure + secured part; no limit counts as 0) and the
    utilisation of the limit in % once ``order_amount`` is added (None when it cannot be said)."""
    limit = limit if limit is not None else ZERO
    available = limit - exposure + secured
    utilisation: Decimal | None = None
    if limit > ZERO:
        utilisation = (limit - available + order_amount) / limit * HUNDRED
    elif order_amount <= available:
        utilisation = ZERO  # nothing is needed from the limit (fully secured)
    return available, utilisation


def limit_grades(policy: Policy) -> tuple[Decimal, Decimal]:
    """The warn and block utilisation grades of the policy's limit step (defaults 80 / 100)."""
    warn, block = Decimal("80"), Decimal("100")
    for step in policy.steps:
        if step.type != StepType.LIMIT:
            continue
        reactions = {str(grade.reaction): grade.above_percent for grade in step.grades}
        warn = reactions.get("warn", warn)
        block = reactions.get("block", reactions.get("hold", block))
    return warn, block


def evaluate(data: CheckInput, policy: Policy) -> CheckResult:
    """Run every step of ``policy`` on ``data``; the most severe reaction is the outcome."""
    if data.order_amount < ZERO:
        raise ValueError("order amount must not be negative")
    exposure = counted_exposure(data.buckets, policy.counted_buckets)
    available, utilisation = credit_position(
        limit=data.limit, exposure=exposure, secured=data.secured, order_amount=data.order_amount
    )
    reasons: list[Reason] = []
    for step in policy.steps:
        reasons.extend(_step_reasons(step, data, available, utilisation))
    information = tuple(
        name for name in (*TOP_LEVEL_BUCKETS, *PART_BUCKETS) if name not in policy.counted_buckets
    )
    return CheckResult(
        outcome=most_severe(reason.reaction for reason in reasons),
        available_credit=_money(available),
        counted_exposure=_money(exposure),
        utilisation_percent=None if utilisation is None else utilisation.quantize(CENT),
        reasons=tuple(reasons),
        information_buckets=information,
    )


def default_policy() -> Policy:
    return parse_policy(DEFAULT_STEPS)


def step_types() -> Sequence[str]:
    return [step.value for step in StepType]
