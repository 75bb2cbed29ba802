"""Structured messages (结构化说明) of the engine: notes, sources, missing reasons, calculations.

The engine never produces free text for people. Every note, source, missing reason and limit
calculation line is a :class:`Message`: a stable ``code`` plus ``params`` (plain JSON values).
:data:`MESSAGES` is the registry of every code the engine can emit, with an English template
(``%(name)s`` placeholders, the ``%`` operator's syntax) and the kind of each parameter, so
:meth:`Message.render` gives English text without Django and the Django side
(``credo.rating.messages``) can map each code to a translated template with the same
placeholders and format each parameter for the reader's language.

Parameters are stored raw (amounts as float, dates as ISO text, keys as keys) and formatted only
when rendered; :func:`format_param` is the English formatting of each :class:`ParamKind`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

ParamValue = str | float | int | None

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class ParamKind(StrEnum):
    """How a parameter is formatted for display."""

    TEXT = "text"  # shown as it is
    COUNT = "count"  # an integer count
    NUMBER = "number"  # a plain number (months, weights, factors)
    MONEY = "money"  # an amount: thousands separators, cents only when needed
    MONEY_LIST = "money_list"  # amounts as text "a;b;c" (raw numbers), shown "a, b, c"
    WEIGHTED_TERMS = "weighted_terms"  # "w:a;w:a" shown "w x a + w x a"
    PERCENT = "percent"  # a fraction (0.1) shown as a percentage (10 %)
    DATE = "date"  # ISO date text
    FIGURE = "figure"  # one statement figure / limit input key ("current_liabilities")
    FIGURES = "figures"  # several keys as text "a, b"
    FEATURE = "feature"  # a feature key of ``features.FEATURE_DEFINITIONS``
    STATUS = "status"  # a ``ratios.ValueStatus`` value
    METHOD = "method"  # a limit method key of ``limits.METHODS``
    VARIANT = "variant"  # an ``altman.AltmanVariant`` value
    MESSAGE = "message"  # the code of another message without parameters


@dataclass(frozen=True)
class MessageSpec:
    """One code: the English template and the kind of each placeholder."""

    code: str
    template: str
    kinds: Mapping[str, ParamKind] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if placeholders(self.template) != frozenset(self.kinds):
            raise ValueError(f"{self.code}: placeholders and parameter kinds differ")


def placeholders(template: str) -> frozenset[str]:
    """The ``%(name)s`` placeholder names of a template."""
    return frozenset(_PLACEHOLDER.findall(template))


_K = ParamKind


def _spec(code: str, template: str, **kinds: ParamKind) -> MessageSpec:
    return MessageSpec(code, template, kinds)


MESSAGES: Final[Mapping[str, MessageSpec]] = {
    spec.code: spec
    for spec in (
        # ---- value statuses shared by ratios, Altman and features
        _spec("value.missing_inputs", "missing: %(inputs)s", inputs=_K.FIGURES),
        _spec("value.zero_denominator", "%(denominator)s is 0", denominator=_K.FIGURE),
        _spec("value.negative_denominator", "%(denominator)s is negative",
              denominator=_K.FIGURE),
        _spec("value.status", "%(status)s", status=_K.STATUS),
        # ---- ratios
        _spec("ratio.interest_zero_strong",
              "interest expense is 0; EBIT positive: no interest burden (strong)"),
        _spec("ratio.interest_zero_weak", "interest expense is 0; EBIT not positive"),
        _spec("ratio.interest_negative_strong",
              "interest expense is negative (net interest income); "
              "EBIT positive: no interest burden (strong)"),
        _spec("ratio.interest_negative_weak",
              "interest expense is negative (net interest income); EBIT not positive"),
        _spec("ratio.negative_equity", "equity is negative (liabilities exceed assets)"),
        _spec("ratio.no_previous_statement", "no previous statement"),
        _spec("ratio.previous_not_before",
              "the previous statement does not end before the current one"),
        _spec("ratio.annualised_periods", "annualised: %(months)s vs %(previous_months)s months",
              months=_K.COUNT, previous_months=_K.COUNT),
        _spec("ratio.negative_previous",
              "previous %(figure)s is negative: growth has no sensible sign", figure=_K.FIGURE),
        # ---- feature sources
        _spec("source.statement", "statement %(period_end)s (%(months)s months)",
              period_end=_K.DATE, months=_K.COUNT),
        _spec("source.altman", "statement %(period_end)s, Altman variant %(variant)s",
              period_end=_K.DATE, variant=_K.VARIANT),
        _spec("source.altman_book_equity",
              "statement %(period_end)s, Altman variant %(variant)s; "
              "no market value of equity: Z' with book equity",
              period_end=_K.DATE, variant=_K.VARIANT),
        _spec("source.receivables_metrics", "receivables metrics"),
        _spec("source.trade_references", "%(count)s trade references", count=_K.COUNT),
        _spec("source.bank_relations", "%(count)s bank relations", count=_K.COUNT),
        _spec("source.public_records", "public records %(start)s to %(end)s (%(years)s years)",
              start=_K.DATE, end=_K.DATE, years=_K.COUNT),
        _spec("source.public_records_listing",
              "public records up to %(as_of)s (listing active whatever its age)",
              as_of=_K.DATE),
        _spec("source.registration", "registration"),
        _spec("source.size_from_employees_and_revenue", "derived from employees and revenue"),
        _spec("source.size_from_employees", "derived from employees"),
        _spec("source.size_from_revenue", "derived from revenue"),
        # ---- feature notes
        _spec("feature.no_statement", "no statement ending on or before %(as_of)s",
              as_of=_K.DATE),
        _spec("feature.no_previous_statement",
              "no statement about a year before %(period_end)s", period_end=_K.DATE),
        _spec("feature.no_payment_record", "no payment record"),
        _spec("feature.not_available", "%(feature)s not available", feature=_K.FEATURE),
        _spec("feature.payment_trend_missing", "payment index now or a year ago missing"),
        _spec("feature.overdue_inputs_missing", "overdue amount or open receivables missing"),
        _spec("feature.no_open_receivables", "no open receivables"),
        _spec("feature.negative_open_receivables", "open receivables negative (credit balance)"),
        _spec("feature.no_trade_reference", "no trade reference"),
        _spec("feature.prompt_references_counted",
              "%(count)s prompt references without days counted as 0", count=_K.COUNT),
        _spec("feature.no_trade_reference_days", "no trade reference gives days beyond terms"),
        _spec("feature.no_bank_relation", "no bank relation"),
        _spec("feature.no_public_record_search", "no public record search recorded"),
        _spec("feature.undated_records_counted", "%(count)s undated records counted",
              count=_K.COUNT),
        _spec("feature.lawsuits_without_amount", "%(count)s lawsuits without amount",
              count=_K.COUNT),
        _spec("feature.founding_date_missing", "founding date missing"),
        _spec("feature.founded_after_as_of", "founded after %(as_of)s", as_of=_K.DATE),
        _spec("feature.capital_missing", "registered or paid-in capital missing"),
        _spec("feature.registered_capital_not_positive", "registered capital not positive"),
        _spec("feature.legal_form_missing", "legal form missing"),
        _spec("feature.size_class_missing", "size class, employees and revenue missing"),
        _spec("feature.employees_missing", "employees missing"),
        # ---- credit limit: reasons
        _spec("limit.reason.missing_input", "missing input: %(inputs)s", inputs=_K.FIGURES),
        _spec("limit.reason.negative_tangible_net_worth", "negative tangible net worth"),
        _spec("limit.reason.zero_tangible_net_worth", "zero tangible net worth"),
        _spec("limit.reason.negative_working_capital", "negative working capital"),
        _spec("limit.reason.zero_working_capital", "zero working capital"),
        _spec("limit.reason.no_purchases", "no purchases"),
        _spec("limit.reason.negative_purchases", "negative purchases"),
        _spec("limit.reason.no_credit_term", "no credit term"),
        _spec("limit.reason.negative_requested", "negative requested amount"),
        # ---- credit limit: calculation lines
        _spec("limit.method_missing_input", "%(method)s: missing input: %(inputs)s",
              method=_K.METHOD, inputs=_K.FIGURES),
        _spec("limit.no_limit", "No limit: %(reason)s", reason=_K.MESSAGE),
        _spec("limit.intangibles_taken_as_zero", "Intangible assets not given: taken as 0"),
        _spec("limit.tangible_net_worth",
              "Tangible net worth = equity %(equity)s - intangible assets %(intangibles)s"
              " = %(tangible_net_worth)s",
              equity=_K.MONEY, intangibles=_K.MONEY, tangible_net_worth=_K.MONEY),
        _spec("limit.rate_of", "%(rate)s x %(base)s = %(amount)s",
              rate=_K.PERCENT, base=_K.MONEY, amount=_K.MONEY),
        _spec("limit.working_capital",
              "Working capital = current assets %(assets)s - current liabilities"
              " %(liabilities)s = %(capital)s",
              assets=_K.MONEY, liabilities=_K.MONEY, capital=_K.MONEY),
        _spec("limit.no_limit_purchases", "No limit: annual purchases %(annual)s",
              annual=_K.MONEY),
        _spec("limit.no_limit_terms", "No limit: terms %(days)s days", days=_K.COUNT),
        _spec("limit.monthly_purchases", "Monthly purchases = %(annual)s / 12 = %(monthly)s",
              annual=_K.MONEY, monthly=_K.MONEY),
        _spec("limit.months_of_terms", "Months of terms = %(days)s days / 30 = %(months)s",
              days=_K.COUNT, months=_K.NUMBER),
        _spec("limit.purchases_product",
              "%(monthly)s x %(months)s x factor %(factor)s = %(amount)s",
              monthly=_K.MONEY, months=_K.NUMBER, factor=_K.NUMBER, amount=_K.MONEY),
        _spec("limit.trade_references_median",
              "median of highest credits (%(credits)s) = %(amount)s",
              credits=_K.MONEY_LIST, amount=_K.MONEY),
        _spec("limit.trade_references_max", "max of highest credits (%(credits)s) = %(amount)s",
              credits=_K.MONEY_LIST, amount=_K.MONEY),
        _spec("limit.no_limit_requested", "No limit: requested %(requested)s",
              requested=_K.MONEY),
        _spec("limit.requested", "Requested %(requested)s", requested=_K.MONEY),
        _spec("limit.no_method", "No method gave an amount"),
        _spec("limit.minimum_of", "Minimum of %(amounts)s = %(amount)s",
              amounts=_K.MONEY_LIST, amount=_K.MONEY),
        _spec("limit.median_of", "Median of %(amounts)s = %(amount)s",
              amounts=_K.MONEY_LIST, amount=_K.MONEY),
        _spec("limit.weighted", "Weighted: (%(terms)s) / %(total_weight)s = %(amount)s",
              terms=_K.WEIGHTED_TERMS, total_weight=_K.NUMBER, amount=_K.MONEY),
        _spec("limit.grade_no_cap", "Grade %(grade)s: no cap", grade=_K.TEXT),
        _spec("limit.grade_cap_zero", "Grade %(grade)s: cap 0 (prepayment only)",
              grade=_K.TEXT),
        _spec("limit.grade_capped", "Grade %(grade)s: capped at %(cap)s",
              grade=_K.TEXT, cap=_K.MONEY),
        _spec("limit.grade_cap_not_reached", "Grade %(grade)s: cap %(cap)s not reached",
              grade=_K.TEXT, cap=_K.MONEY),
        _spec("limit.rounded_down", "Rounded down to %(step)s: %(amount)s",
              step=_K.MONEY, amount=_K.MONEY),
        _spec("limit.recommended", "Recommended limit: %(amount)s", amount=_K.MONEY),
        _spec("limit.recommended_none", "Recommended limit: none (no method gave an amount)"),
    )
}

# English labels of the limit methods (``limits.METHOD_LABELS`` mirrors them; kept here so this
# module depends on no other engine module).
_METHOD_LABELS: Final[Mapping[str, str]] = {
    "tangible_net_worth": "Percent of tangible net worth",
    "working_capital": "Percent of working capital",
    "monthly_purchases": "Monthly purchases x terms",
    "trade_references": "Trade references' highest credit",
    "requested": "Requested amount",
}


def money_text(amount: float) -> str:
    """Money in English: thousands separators, cents only when needed (1,000 / 1,000.50)."""
    rounded = round(amount, 2)
    if rounded == int(rounded):
        return f"{int(rounded):,}"
    return f"{rounded:,.2f}"


def money_list(amounts: tuple[float, ...] | list[float]) -> str:
    """Amounts as a ``MONEY_LIST`` parameter: raw numbers separated by ``;``."""
    return ";".join(repr(float(a)) for a in amounts)


def weighted_terms(terms: tuple[tuple[float, float], ...] | list[tuple[float, float]]) -> str:
    """(weight, amount) pairs as a ``WEIGHTED_TERMS`` parameter: ``w:a;w:a``."""
    return ";".join(f"{float(w)!r}:{float(a)!r}" for w, a in terms)


def split_list(value: ParamValue) -> list[float]:
    """The numbers of a ``MONEY_LIST`` parameter."""
    text = "" if value is None else str(value)
    return [float(part) for part in text.split(";") if part]


def split_terms(value: ParamValue) -> list[tuple[float, float]]:
    """The (weight, amount) pairs of a ``WEIGHTED_TERMS`` parameter."""
    text = "" if value is None else str(value)
    pairs = []
    for part in text.split(";"):
        if part:
            weight, amount = part.split(":")
            pairs.append((float(weight), float(amount)))
    return pairs


def _number(value: ParamValue) -> float:
    if value is None or isinstance(value, str):
        return float(value or 0)
    return float(value)


def format_param(kind: ParamKind, value: ParamValue) -> str:
    """One parameter in English (the engine's default text)."""
    if value is None:
        return ""
    if kind is ParamKind.MONEY:
        return money_text(_number(value))
    if kind is ParamKind.MONEY_LIST:
        return ", ".join(money_text(a) for a in split_list(value))
    if kind is ParamKind.WEIGHTED_TERMS:
        return " + ".join(f"{w:g} x {money_text(a)}" for w, a in split_terms(value))
    if kind is ParamKind.PERCENT:
        return f"{_number(value) * 100:g} %"
    if kind in (ParamKind.NUMBER, ParamKind.COUNT):
        return f"{_number(value):g}"
    if kind in (ParamKind.FEATURE, ParamKind.STATUS):
        return str(value).replace("_", " ")
    if kind is ParamKind.METHOD:
        return _METHOD_LABELS.get(str(value), str(value))
    if kind is ParamKind.MESSAGE:
        return Message(str(value)).render()
    return str(value)


@dataclass(frozen=True)
class Message:
    """A code of :data:`MESSAGES` with its parameters (JSON values); ``str()`` is English."""

    code: str
    params: Mapping[str, ParamValue] = field(default_factory=dict, hash=False)

    def render(self) -> str:
        """The English text (the code itself when it is not in the registry)."""
        spec = MESSAGES.get(self.code)
        if spec is None:
            return self.code
        values = {
            name: format_param(kind, self.params.get(name)) for name, kind in spec.kinds.items()
        }
        return spec.template % values

    def __str__(self) -> str:
        return self.render()

    def to_json(self) -> dict[str, object]:
        """``{"code": ..., "params": {...}}`` (what ratings store)."""
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: object) -> Message | None:
        """A message from its JSON form; ``None`` for anything else (e.g. an old plain text)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("code"), str):
            return None
        params = data.get("params")
        return cls(str(data["code"]), dict(params) if isinstance(params, Mapping) else {})


def message(code: str, **params: ParamValue) -> Message:
    """A registered message; ``ValueError`` for an unknown code or parameters not matching."""
    spec = MESSAGES.get(code)
    if spec is None:
        raise ValueError(f"unknown message code {code!r}")
    if frozenset(params) != frozenset(spec.kinds):
        raise ValueError(f"{code}: parameters {sorted(params)} != {sorted(spec.kinds)}")
    return Message(code, params)


def render(value: Message | None) -> str:
    """English text of an optional message ("" for ``None``)."""
    return "" if value is None else value.render()


__all__ = [
    "MESSAGES", "Message", "MessageSpec", "ParamKind", "ParamValue", "format_param", "message",
    "money_list", "money_text", "placeholders", "render", "split_list", "split_terms",
    "weighted_terms",
]
