"""Credit-limit (信用额度) recommendation: several methods, a combination rule and a grade cap.

Each method returns an amount or ``None`` with the reason (missing input, negative net worth,
...) and the calculation as lines showing the numbers, so the credit manager sees how the
figure came about. Reasons and lines are structured :class:`messages.Message` values (code +
parameters, translated on the Django side); ``reason``/``lines`` are their English texts:

* ``tangible_net_worth`` -- a percentage (default 10 %) of equity less intangible assets.
  Intangibles not given are taken as 0 and the lines say so; a tangible net worth <= 0 gives no
  limit (the customer's own funds do not back any unsecured credit).
* ``working_capital`` -- a percentage (default 20 %) of current assets less current liabilities;
  <= 0 gives no limit.
* ``monthly_purchases`` -- average monthly credit purchases from us x months of terms x factor:
  ``(annual purchases / 12) x (terms days / 30) x factor`` (default factor 1.0): the exposure a
  customer paying on time reaches under its terms.
* ``trade_references`` -- the highest credit granted by other suppliers (同业信用参考): the
  median (default) or the maximum of the references' highest credits.
* ``requested`` -- the amount the customer / account manager asked for (额度申请).

A :class:`LimitPolicy` (JSON-able) chooses the methods and combines the available results by
``minimum`` (the conservative default), ``weighted`` (weights renormalised over the methods that
gave an amount) or ``median``; then caps by grade (0 = prepayment only, e.g. CC/C/D) and
rounds DOWN to a step (default 10,000). Money is handled as float (inputs may be Decimal, float,
int or None, converted by :func:`to_money`); amounts are in the customer's credit currency.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, cast

from credo.rating.engine.messages import Message, message, money_list, weighted_terms

METHODS: Final[tuple[str, ...]] = (
    "tangible_net_worth", "working_capital", "monthly_purchases", "trade_references", "requested",
)
METHOD_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "tangible_net_worth": ("Percent of tangible net worth", "有形净资产比例法"),
    "working_capital": ("Percent of working capital", "营运资金比例法"),
    "monthly_purchases": ("Monthly purchases x terms", "月均采购额法"),
    "trade_references": ("Trade references' highest credit", "同业信用参考法"),
    "requested": ("Requested amount", "申请额度"),
}
COMBINATIONS: Final[tuple[str, ...]] = ("minimum", "weighted", "median")
LIMIT_POLICY_FORMAT: Final = "credo.limit_policy/1"

Money = Decimal | float | int | None


class LimitError(ValueError):
    """An invalid limit policy or input; ``path`` locates the problem."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


def to_money(value: Money, path: str = "amount") -> float | None:
    """Money as float (None stays None); rejects bools, strings and non-finite numbers."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | float | int):
        raise LimitError(path, f"must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise LimitError(path, f"must be finite, got {value!r}")
    return number


@dataclass(frozen=True)
class LimitInputs:
    """What the limit methods read; every field may be missing (None).

    ``terms_days`` is the credit term the customer buys on; ``trade_reference_highest_credits``
    the highest credit each trade reference reported.
    """

    equity: Money = None
    intangible_assets: Money = None
    current_assets: Money = None
    current_liabilities: Money = None
    annual_purchases: Money = None
    terms_days: int | None = None
    trade_reference_highest_credits: Sequence[Money] = ()
    requested_amount: Money = None


@dataclass(frozen=True)
class MethodResult:
    """One method's amount (None = not computable, with the reason) and its calculation."""

    method: str
    amount: float | None
    reason_message: Message | None
    line_messages: tuple[Message, ...]

    @property
    def label(self) -> str:
        """English label of the method."""
        return METHOD_LABELS[self.method][0]

    @property
    def reason(self) -> str | None:
        """Why there is no amount, in English (None when there is one)."""
        return None if self.reason_message is None else self.reason_message.render()

    @property
    def lines(self) -> tuple[str, ...]:
        """The calculation in English."""
        return tuple(line.render() for line in self.line_messages)


def _missing(method: str, *names: str) -> MethodResult:
    inputs = ", ".join(names)
    return MethodResult(method, None, message("limit.reason.missing_input", inputs=inputs),
                        (message("limit.method_missing_input", method=method, inputs=inputs),))


def _no_limit(method: str, reason: str, lines: list[Message]) -> MethodResult:
    """No amount for ``reason`` (a parameterless ``limit.reason.*`` code), said as a last line."""
    lines.append(message("limit.no_limit", reason=reason))
    return MethodResult(method, None, message(reason), tuple(lines))


def tangible_net_worth_limit(inputs: LimitInputs, *, rate: float = 0.10) -> MethodResult:
    """``rate`` x (equity - intangible assets); None if equity is missing or TNW <= 0."""
    method = "tangible_net_worth"
    equity = to_money(inputs.equity, "equity")
    if equity is None:
        return _missing(method, "equity")
    intangibles = to_money(inputs.intangible_assets, "intangible_assets")
    lines: list[Message] = []
    if intangibles is None:
        lines.append(message("limit.intangibles_taken_as_zero"))
        intangibles = 0.0
    tnw = equity - intangibles
    lines.append(message("limit.tangible_net_worth", equity=equity, intangibles=intangibles,
                         tangible_net_worth=tnw))
    if tnw <= 0:
        reason = ("limit.reason.negative_tangible_net_worth" if tnw < 0
                  else "limit.reason.zero_tangible_net_worth")
        return _no_limit(method, reason, lines)
    amount = rate * tnw
    lines.append(message("limit.rate_of", rate=rate, base=tnw, amount=amount))
    return MethodResult(method, amount, None, tuple(lines))


def working_capital_limit(inputs: LimitInputs, *, rate: float = 0.20) -> MethodResult:
    """``rate`` x (current assets - current liabilities); None if missing or <= 0."""
    method = "working_capital"
    assets = to_money(inputs.current_assets, "current_assets")
    liabilities = to_money(inputs.current_liabilities, "current_liabilities")
    absent = [n for n, v in (("current_assets", assets), ("current_liabilities", liabilities))
              if v is None]
    if absent:
        return _missing(method, *absent)
    assert assets is not None and liabilities is not None
    capital = assets - liabilities
    lines = [message("limit.working_capital", assets=assets, liabilities=liabilities,
                     capital=capital)]
    if capital <= 0:
        reason = ("limit.reason.negative_working_capital" if capital < 0
                  else "limit.reason.zero_working_capital")
        return _no_limit(method, reason, lines)
    amount = rate * capital
    lines.append(message("limit.rate_of", rate=rate, base=capital, amount=amount))
    return MethodResult(method, amount, None, tuple(lines))


def monthly_purchases_limit(inputs: LimitInputs, *, factor: float = 1.0) -> MethodResult:
    """(annual purchases / 12) x (terms days / 30) x ``factor``; None if missing or <= 0."""
    method = "monthly_purchases"
    annual = to_money(inputs.annual_purchases, "annual_purchases")
    days = inputs.terms_days
    absent = [n for n, v in (("annual_purchases", annual), ("terms_days", days)) if v is None]
    if absent:
        return _missing(method, *absent)
    assert annual is not None and days is not None
    if annual <= 0:
        reason = "limit.reason.no_purchases" if annual == 0 else "limit.reason.negative_purchases"
        return MethodResult(method, None, message(reason),
                            (message("limit.no_limit_purchases", annual=annual),))
    if days <= 0:
        return MethodResult(method, None, message("limit.reason.no_credit_term"),
                            (message("limit.no_limit_terms", days=days),))
    monthly = annual / 12.0
    months = days / 30.0
    amount = monthly * months * factor
    lines = (
        message("limit.monthly_purchases", annual=annual, monthly=monthly),
        message("limit.months_of_terms", days=days, months=months),
        message("limit.purchases_product", monthly=monthly, months=months, factor=factor,
                amount=amount),
    )
    return MethodResult(method, amount, None, lines)


def trade_references_limit(inputs: LimitInputs, *, statistic: str = "median") -> MethodResult:
    """The median (or ``max``) of the trade references' highest credits; None without any."""
    method = "trade_references"
    credits = [
        c
        for i, raw in enumerate(inputs.trade_reference_highest_credits)
        if (c := to_money(raw, f"trade_reference_highest_credits[{i}]")) is not None
    ]
    if not credits:
        return _missing(method, "trade_reference_highest_credits")
    if statistic == "max":
        amount = max(credits)
    elif statistic == "median":
        amount = float(statistics.median(credits))
    else:
        raise LimitError("trade_reference_statistic", f"unknown statistic {statistic!r}")
    line = message(f"limit.trade_references_{statistic}", credits=money_list(credits),
                   amount=amount)
    return MethodResult(method, amount, None, (line,))


def requested_limit(inputs: LimitInputs) -> MethodResult:
    """The requested amount as it is; None if not given."""
    requested = to_money(inputs.requested_amount, "requested_amount")
    if requested is None:
        return _missing("requested", "requested_amount")
    if requested < 0:
        return MethodResult(
            "requested", None, message("limit.reason.negative_requested"),
            (message("limit.no_limit_requested", requested=requested),),
        )
    return MethodResult("requested", requested, None,
                        (message("limit.requested", requested=requested),))


def _default_caps() -> dict[str, float | None]:
    return {
        "AAA": 5_000_000.0, "AA": 3_000_000.0, "A": 2_000_000.0, "BBB": 1_000_000.0,
        "BB": 500_000.0, "B": 200_000.0, "CCC": 100_000.0, "CC": 0.0, "C": 0.0, "D": 0.0,
    }


@dataclass(frozen=True)
class LimitPolicy:
    """Which methods, how to combine them, the cap per grade and the rounding step.

    ``grade_caps``: grade -> maximum amount (None = no cap; 0 = prepayment only). Grades not
    listed are not capped. ``weights`` is needed only for ``combination="weighted"``.
    """

    methods: tuple[str, ...] = METHODS
    combination: str = "minimum"
    weights: Mapping[str, float] | None = field(default=None, hash=False)
    tangible_net_worth_rate: float = 0.10
    working_capital_rate: float = 0.20
    monthly_purchases_factor: float = 1.0
    trade_reference_statistic: str = "median"
    grade_caps: Mapping[str, float | None] = field(default_factory=_default_caps, hash=False)
    rounding: float = 10_000.0

    def __post_init__(self) -> None:
        if not self.methods:
            raise LimitError("methods", "at least one method is required")
        for i, m in enumerate(self.methods):
            if m not in METHODS:
                raise LimitError(
                    f"methods[{i}]", f"unknown method {m!r} (expected one of {', '.join(METHODS)})"
                )
        if len(set(self.methods)) != len(self.methods):
            raise LimitError("methods", "a method is listed twice")
        if self.combination not in COMBINATIONS:
            raise LimitError(
                "combination",
                f"unknown rule {self.combination!r} (expected one of {', '.join(COMBINATIONS)})",
            )
        if self.combination == "weighted":
            if not self.weights:
                raise LimitError("weights", "the weighted combination needs weights")
            for m in self.methods:
                w = self.weights.get(m)
                if w is None or not math.isfinite(w) or w <= 0:
                    raise LimitError(f"weights.{m}", f"must be > 0, got {w!r}")
            for m in self.weights:
                if m not in self.methods:
                    raise LimitError("weights", f"weight for a method not used: {m!r}")
        for name, rate in (("tangible_net_worth_rate", self.tangible_net_worth_rate),
                           ("working_capital_rate", self.working_capital_rate),
                           ("monthly_purchases_factor", self.monthly_purchases_factor)):
            if not math.isfinite(rate) or rate <= 0:
                raise LimitError(name, f"must be > 0, got {rate!r}")
        if self.trade_reference_statistic not in ("median", "max"):
            raise LimitError(
                "trade_reference_statistic",
                f"unknown statistic {self.trade_reference_statistic!r} (expected median or max)",
            )
        for grade, cap in self.grade_caps.items():
            if cap is not None and (not math.isfinite(cap) or cap < 0):
                raise LimitError(f"grade_caps.{grade}", f"must be >= 0 or null, got {cap!r}")
        if not math.isfinite(self.rounding) or self.rounding < 0:
            raise LimitError("rounding", f"must be >= 0 (0 = no rounding), got {self.rounding!r}")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (stable key order)."""
        return {
            "format": LIMIT_POLICY_FORMAT,
            "methods": list(self.methods),
            "combination": self.combination,
            "weights": None if self.weights is None else dict(self.weights),
            "tangible_net_worth_rate": self.tangible_net_worth_rate,
            "working_capital_rate": self.working_capital_rate,
            "monthly_purchases_factor": self.monthly_purchases_factor,
            "trade_reference_statistic": self.trade_reference_statistic,
            "grade_caps": dict(self.grade_caps),
            "rounding": self.rounding,
        }

    def to_json(self) -> str:
        """Pretty JSON text."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LimitPolicy:
        """Parse and validate a ``credo.limit_policy/1`` dict (absent fields take defaults)."""
        if data.get("format") != LIMIT_POLICY_FORMAT:
            raise LimitError(
                "format", f"expected {LIMIT_POLICY_FORMAT!r}, got {data.get('format')!r}"
            )
        defaults = cls()

        def number(name: str, default: float) -> float:
            raw = data.get(name, default)
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise LimitError(name, f"must be a number, got {raw!r}")
            return float(raw)

        methods = data.get("methods", list(defaults.methods))
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            raise LimitError("methods", "must be a list of strings")
        weights = data.get("weights")
        if weights is not None and not isinstance(weights, Mapping):
            raise LimitError("weights", "must be an object or null")
        caps = data.get("grade_caps", dict(defaults.grade_caps))
        if not isinstance(caps, Mapping):
            raise LimitError("grade_caps", "must be an object")
        combination = data.get("combination", defaults.combination)
        statistic = data.get("trade_reference_statistic", defaults.trade_reference_statistic)
        if not isinstance(combination, str):
            raise LimitError("combination", f"must be a string, got {combination!r}")
        if not isinstance(statistic, str):
            raise LimitError("trade_reference_statistic", f"must be a string, got {statistic!r}")
        return cls(
            methods=tuple(cast(list[str], methods)),
            combination=combination,
            weights=None
            if weights is None
            else {str(k): float(v) for k, v in cast(Mapping[str, float], weights).items()},
            tangible_net_worth_rate=number("tangible_net_worth_rate", 0.10),
            working_capital_rate=number("working_capital_rate", 0.20),
            monthly_purchases_factor=number("monthly_purchases_factor", 1.0),
            trade_reference_statistic=statistic,
            grade_caps={
                str(k): None if v is None else float(v)
                for k, v in cast(Mapping[str, float | None], caps).items()
            },
            rounding=number("rounding", 10_000.0),
        )

    @classmethod
    def from_json(cls, text: str) -> LimitPolicy:
        """Parse and validate policy JSON text."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise LimitError("", "a limit policy must be a JSON object")
        return cls.from_dict(data)


DEFAULT_LIMIT_POLICY: Final = LimitPolicy()


@dataclass(frozen=True)
class LimitLine:
    """One line of the whole calculation: a message and the method it belongs to (if any)."""

    message: Message
    method: str | None = None

    def render(self) -> str:
        """English text, prefixed ``[method]`` for a method's line."""
        text = self.message.render()
        return text if self.method is None else f"[{self.method}] {text}"


@dataclass(frozen=True)
class LimitRecommendation:
    """The recommended limit with each method's result and the whole calculation as lines.

    ``amount`` is None when no method could compute one and the grade does not force 0;
    0 means prepayment only.
    """

    amount: float | None
    method_results: tuple[MethodResult, ...]
    combined_by: str
    capped_by_grade: bool
    grade: str | None
    line_messages: tuple[LimitLine, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        """The whole calculation in English."""
        return tuple(line.render() for line in self.line_messages)

    @property
    def prepayment_only(self) -> bool:
        """Whether the recommendation is no unsecured credit at all."""
        return self.amount == 0


def _run_method(method: str, inputs: LimitInputs, policy: LimitPolicy) -> MethodResult:
    if method == "tangible_net_worth":
        return tangible_net_worth_limit(inputs, rate=policy.tangible_net_worth_rate)
    if method == "working_capital":
        return working_capital_limit(inputs, rate=policy.working_capital_rate)
    if method == "monthly_purchases":
        return monthly_purchases_limit(inputs, factor=policy.monthly_purchases_factor)
    if method == "trade_references":
        return trade_references_limit(inputs, statistic=policy.trade_reference_statistic)
    return requested_limit(inputs)


def _round_down(amount: float, step: float) -> float:
    if step <= 0:
        return amount
    # A tiny epsilon keeps 399,999.9999999 (float noise) from dropping a whole step.
    return math.floor(amount / step + 1e-9) * step


def recommend_limit(
    inputs: LimitInputs, policy: LimitPolicy = DEFAULT_LIMIT_POLICY, grade: str | None = None
) -> LimitRecommendation:
    """Run the policy's methods, combine the available amounts, cap by grade, round down."""
    results = tuple(_run_method(m, inputs, policy) for m in policy.methods)
    lines: list[LimitLine] = [
        LimitLine(line, r.method) for r in results for line in r.line_messages
    ]

    def add(code: str, **params: str | float | int | None) -> None:
        lines.append(LimitLine(message(code, **params)))

    available = [(r.method, cast(float, r.amount)) for r in results if r.amount is not None]
    amounts = money_list([a for _m_, a in available])
    combined: float | None = None
    if not available:
        add("limit.no_method")
    elif policy.combination == "minimum":
        combined = min(a for _m_, a in available)
        add("limit.minimum_of", amounts=amounts, amount=combined)
    elif policy.combination == "median":
        combined = float(statistics.median(a for _m_, a in available))
        add("limit.median_of", amounts=amounts, amount=combined)
    else:
        assert policy.weights is not None
        total_weight = sum(policy.weights[m] for m, _a in available)
        combined = sum(policy.weights[m] * a for m, a in available) / total_weight
        terms = weighted_terms([(policy.weights[m], a) for m, a in available])
        add("limit.weighted", terms=terms, total_weight=total_weight, amount=combined)
    capped = False
    if grade is not None:
        cap = policy.grade_caps.get(grade)
        if cap is None:
            add("limit.grade_no_cap", grade=grade)
        elif cap == 0:
            capped = combined is None or combined > 0
            combined = 0.0
            add("limit.grade_cap_zero", grade=grade)
        elif combined is not None and combined > cap:
            capped = True
            combined = cap
            add("limit.grade_capped", grade=grade, cap=cap)
        else:
            add("limit.grade_cap_not_reached", grade=grade, cap=cap)
    amount: float | None = None
    if combined is not None:
        amount = _round_down(combined, policy.rounding)
        if amount != combined:
            add("limit.rounded_down", step=policy.rounding, amount=amount)
    if amount is None:
        add("limit.recommended_none")
    else:
        add("limit.recommended", amount=amount)
    return LimitRecommendation(
        amount=amount,
        method_results=results,
        combined_by=policy.combination,
        capped_by_grade=capped,
        grade=grade,
        line_messages=tuple(lines),
    )
