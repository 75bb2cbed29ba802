"""Financial ratios (财务比率) of one statement period, with explicit missing and denominator rules.

The engine works in float: money inputs may be ``Decimal``, ``int``, ``float`` or ``None`` and are
converted once by :func:`to_float` (``None`` stays ``None``; it is never read as 0). Amounts are
in yuan (the Django side converts the statement's unit before building the figures).

Conventions every ratio follows:

* A missing input gives ``value=None`` with status ``missing_input``; it is never taken as 0.
* A denominator of exactly 0 gives ``zero_denominator``; a negative one gives
  ``negative_denominator`` (e.g. negative equity for ROE, a loss in the previous period for
  growth). The value is ``None`` in both cases: the scorecard's missing rule decides the points.
* Margins, returns and growth rates are fractions (0.25 = 25 %), not percentages.
* Flow figures (revenue, profit) of a period shorter or longer than 12 months are annualised
  (x 12 / months) where they are set against stock figures (ROA, ROE, asset turnover) or against
  another period (growth). Days ratios use the days of the period instead (365 x months / 12).
* Stock figures are the closing (period-end) balances; ROA and ROE use closing total assets and
  closing equity, so a ratio never depends on whether the previous statement happens to exist.

Interest coverage rule (decided here, scorecards rely on it): EBIT / interest expense. Interest
expense of 0 gives ``value=None``, status ``zero_denominator``; a negative interest expense (net
interest income, common in 财务费用) gives ``negative_denominator``. The note tells whether EBIT
is positive (no interest burden: strong) or not. Scorecards handle both through the factor's
missing rule. EBIT is the statement's operating profit (营业利润).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from credo.rating.engine.messages import Message, message

DAYS_PER_YEAR = 365.0
MONTHS_PER_YEAR = 12

Amount = Decimal | float | int | None


def to_float(value: Amount) -> float | None:
    """The one money/number conversion of the engine: ``None`` stays ``None`` (never 0)."""
    if value is None:
        return None
    if isinstance(value, bool):  # bool is an int; a flag is never an amount
        raise TypeError("a bool is not an amount")
    return float(value)


class ValueStatus(StrEnum):
    """Why a ratio or feature has (or has not) a value. Shared by ratios, Altman and features."""

    OK = "ok"
    MISSING_INPUT = "missing_input"
    ZERO_DENOMINATOR = "zero_denominator"
    NEGATIVE_DENOMINATOR = "negative_denominator"
    NOT_MEANINGFUL = "not_meaningful"


RatioStatus = ValueStatus  # the name the ratio docs use; one enum for ratios and features


@dataclass(frozen=True)
class StatementFigures:
    """One period's statement figures in yuan (float or ``None`` = not given).

    ``operating_profit`` is used as EBIT. ``months`` is the period length (12 for an annual
    statement). ``retained_earnings`` (未分配利润 + 盈余公积 where available) and
    ``market_value_equity`` (listed firms: market capitalisation) are optional and only needed by
    the Altman models. Build it with :meth:`from_amounts` to convert Decimal inputs.
    """

    period_end: date
    months: int = 12
    cash: float | None = None
    accounts_receivable: float | None = None
    inventory: float | None = None
    current_assets: float | None = None
    fixed_assets: float | None = None
    total_assets: float | None = None
    current_liabilities: float | None = None
    total_liabilities: float | None = None
    equity: float | None = None
    revenue: float | None = None
    cost_of_sales: float | None = None
    operating_profit: float | None = None
    interest_expense: float | None = None
    net_profit: float | None = None
    operating_cash_flow: float | None = None
    retained_earnings: float | None = None
    market_value_equity: float | None = None

    def __post_init__(self) -> None:
        if self.months < 1:
            raise ValueError(f"a statement period has at least 1 month, not {self.months}")

    @classmethod
    def from_amounts(
        cls,
        *,
        period_end: date,
        months: int = 12,
        cash: Amount = None,
        accounts_receivable: Amount = None,
        inventory: Amount = None,
        current_assets: Amount = None,
        fixed_assets: Amount = None,
        total_assets: Amount = None,
        current_liabilities: Amount = None,
        total_liabilities: Amount = None,
        equity: Amount = None,
        revenue: Amount = None,
        cost_of_sales: Amount = None,
        operating_profit: Amount = None,
        interest_expense: Amount = None,
        net_profit: Amount = None,
        operating_cash_flow: Amount = None,
        retained_earnings: Amount = None,
        market_value_equity: Amount = None,
    ) -> StatementFigures:
        """Figures from Decimal/float/int/``None`` amounts in yuan (converted by ``to_float``)."""
        return cls(
            period_end=period_end,
            months=months,
            cash=to_float(cash),
            accounts_receivable=to_float(accounts_receivable),
            inventory=to_float(inventory),
            current_assets=to_float(current_assets),
            fixed_assets=to_float(fixed_assets),
            total_assets=to_float(total_assets),
            current_liabilities=to_float(current_liabilities),
            total_liabilities=to_float(total_liabilities),
            equity=to_float(equity),
            revenue=to_float(revenue),
            cost_of_sales=to_float(cost_of_sales),
            operating_profit=to_float(operating_profit),
            interest_expense=to_float(interest_expense),
            net_profit=to_float(net_profit),
            operating_cash_flow=to_float(operating_cash_flow),
            retained_earnings=to_float(retained_earnings),
            market_value_equity=to_float(market_value_equity),
        )

    @property
    def annualisation_factor(self) -> float:
        """Multiplier turning the period's flows into a 12-month equivalent (12 / months)."""
        return MONTHS_PER_YEAR / self.months

    @property
    def days(self) -> float:
        """Days of the period for days ratios: 365 x months / 12 (365 for a year)."""
        return DAYS_PER_YEAR * self.months / MONTHS_PER_YEAR

    def annualised(self, name: str) -> float | None:
        """A flow figure (revenue, profit, ...) scaled to 12 months; ``None`` stays ``None``."""
        value = self.figure(name)
        return None if value is None else value * self.annualisation_factor

    def figure(self, name: str) -> float | None:
        """One figure by field name (``KeyError`` for an unknown name)."""
        if name not in _FIGURE_NAMES:
            raise KeyError(name)
        value: float | None = getattr(self, name)
        return value


_FIGURE_NAMES = frozenset(
    name for name in StatementFigures.__dataclass_fields__ if name not in {"period_end", "months"}
)


@dataclass(frozen=True)
class RatioValue:
    """One ratio: its value (``None`` unless status is ``ok``), why, and the inputs it used."""

    key: str
    value: float | None
    status: ValueStatus
    inputs: Mapping[str, float | None] = field(default_factory=dict)
    message: Message | None = None

    @property
    def note(self) -> str:
        """The English text of ``message`` ("" when there is none)."""
        return "" if self.message is None else self.message.render()

    @property
    def ok(self) -> bool:
        """True when the ratio has a value."""
        return self.status is ValueStatus.OK


@dataclass(frozen=True)
class RatioDefinition:
    """Labels and meaning of one ratio key (English label; Chinese standard term in label_zh)."""

    key: str
    label: str
    label_zh: str
    formula: str
    unit: str
    higher_is_better: bool


RATIO_DEFINITIONS: dict[str, RatioDefinition] = {
    definition.key: definition
    for definition in (
        RatioDefinition("current_ratio", "Current ratio", "流动比率",
                        "current assets / current liabilities", "times", True),
        RatioDefinition("quick_ratio", "Quick ratio", "速动比率",
                        "(current assets - inventory) / current liabilities", "times", True),
        RatioDefinition("debt_to_assets", "Debt to assets", "资产负债率",
                        "total liabilities / total assets", "ratio", False),
        RatioDefinition("interest_coverage", "Interest coverage", "利息保障倍数",
                        "EBIT (operating profit) / interest expense", "times", True),
        RatioDefinition("roa", "Return on assets", "总资产净利率",
                        "annualised net profit / closing total assets", "ratio", True),
        RatioDefinition("roe", "Return on equity", "净资产收益率",
                        "annualised net profit / closing equity", "ratio", True),
        RatioDefinition("gross_margin", "Gross margin", "毛利率",
                        "(revenue - cost of sales) / revenue", "ratio", True),
        RatioDefinition("net_margin", "Net margin", "销售净利率",
                        "net profit / revenue", "ratio", True),
        RatioDefinition("asset_turnover", "Asset turnover", "总资产周转率",
                        "annualised revenue / closing total assets", "times", True),
        RatioDefinition("receivable_days", "Receivable days", "应收账款周转天数",
                        "accounts receivable / revenue x days of the period", "days", False),
        RatioDefinition("inventory_days", "Inventory days", "存货周转天数",
                        "inventory / cost of sales x days of the period", "days", False),
        RatioDefinition("sales_growth", "Sales growth", "营业收入增长率",
                        "annualised revenue / previous annualised revenue - 1", "ratio", True),
        RatioDefinition("profit_growth", "Net profit growth", "净利润增长率",
                        "annualised net profit / previous annualised net profit - 1", "ratio",
                        True),
    )
}


# --------------------------------------------------------------------------- building blocks


def _missing(key: str, inputs: Mapping[str, float | None]) -> RatioValue | None:
    """A ``missing_input`` result naming the missing inputs, or ``None`` when all are given."""
    absent = [name for name, value in inputs.items() if value is None]
    if not absent:
        return None
    return RatioValue(
        key, None, ValueStatus.MISSING_INPUT, dict(inputs),
        message("value.missing_inputs", inputs=", ".join(absent)),
    )


def _divide(
    key: str,
    *,
    numerator: Callable[[], float],
    denominator_name: str,
    inputs: Mapping[str, float | None],
    zero_note: Message | None = None,
    negative_note: Message | None = None,
) -> RatioValue:
    """numerator() / inputs[denominator_name] with the shared missing and denominator rules."""
    missing = _missing(key, inputs)
    if missing is not None:
        return missing
    denominator = inputs[denominator_name]
    assert denominator is not None  # checked by _missing
    if denominator == 0:
        note = zero_note or message("value.zero_denominator", denominator=denominator_name)
        return RatioValue(key, None, ValueStatus.ZERO_DENOMINATOR, dict(inputs), note)
    if denominator < 0:
        note = negative_note or message("value.negative_denominator",
                                        denominator=denominator_name)
        return RatioValue(key, None, ValueStatus.NEGATIVE_DENOMINATOR, dict(inputs), note)
    return RatioValue(key, numerator() / denominator, ValueStatus.OK, dict(inputs))


def _req(value: float | None) -> float:
    """A value checked present by ``_missing`` before the numerator runs."""
    assert value is not None
    return value


# --------------------------------------------------------------------------- the ratios


def current_ratio(f: StatementFigures) -> RatioValue:
    """Current assets / current liabilities."""
    inputs = {"current_assets": f.current_assets, "current_liabilities": f.current_liabilities}
    return _divide("current_ratio", numerator=lambda: _req(f.current_assets),
                   denominator_name="current_liabilities", inputs=inputs)


def quick_ratio(f: StatementFigures) -> RatioValue:
    """(Current assets - inventory) / current liabilities; missing inventory is not 0."""
    inputs = {"current_assets": f.current_assets, "inventory": f.inventory,
              "current_liabilities": f.current_liabilities}
    return _divide("quick_ratio", numerator=lambda: _req(f.current_assets) - _req(f.inventory),
                   denominator_name="current_liabilities", inputs=inputs)


def debt_to_assets(f: StatementFigures) -> RatioValue:
    """Total liabilities / total assets."""
    inputs = {"total_liabilities": f.total_liabilities, "total_assets": f.total_assets}
    return _divide("debt_to_assets", numerator=lambda: _req(f.total_liabilities),
                   denominator_name="total_assets", inputs=inputs)


def interest_coverage(f: StatementFigures) -> RatioValue:
    """EBIT (operating profit) / interest expense; see the module docstring for 0 interest."""
    inputs = {"operating_profit": f.operating_profit, "interest_expense": f.interest_expense}
    ebit = f.operating_profit
    strength = "strong" if ebit is not None and ebit > 0 else "weak"
    return _divide(
        "interest_coverage", numerator=lambda: _req(f.operating_profit),
        denominator_name="interest_expense", inputs=inputs,
        zero_note=message(f"ratio.interest_zero_{strength}"),
        negative_note=message(f"ratio.interest_negative_{strength}"),
    )


def roa(f: StatementFigures) -> RatioValue:
    """Annualised net profit / closing total assets."""
    inputs = {"net_profit": f.net_profit, "total_assets": f.total_assets}
    return _divide("roa", numerator=lambda: _req(f.annualised("net_profit")),
                   denominator_name="total_assets", inputs=inputs)


def roe(f: StatementFigures) -> RatioValue:
    """Annualised net profit / closing equity; negative equity is ``negative_denominator``."""
    inputs = {"net_profit": f.net_profit, "equity": f.equity}
    return _divide("roe", numerator=lambda: _req(f.annualised("net_profit")),
                   denominator_name="equity", inputs=inputs,
                   negative_note=message("ratio.negative_equity"))


def gross_margin(f: StatementFigures) -> RatioValue:
    """(Revenue - cost of sales) / revenue."""
    inputs = {"revenue": f.revenue, "cost_of_sales": f.cost_of_sales}
    return _divide("gross_margin", numerator=lambda: _req(f.revenue) - _req(f.cost_of_sales),
                   denominator_name="revenue", inputs=inputs)


def net_margin(f: StatementFigures) -> RatioValue:
    """Net profit / revenue."""
    inputs = {"net_profit": f.net_profit, "revenue": f.revenue}
    return _divide("net_margin", numerator=lambda: _req(f.net_profit),
                   denominator_name="revenue", inputs=inputs)


def asset_turnover(f: StatementFigures) -> RatioValue:
    """Annualised revenue / closing total assets."""
    inputs = {"revenue": f.revenue, "total_assets": f.total_assets}
    return _divide("asset_turnover", numerator=lambda: _req(f.annualised("revenue")),
                   denominator_name="total_assets", inputs=inputs)


def receivable_days(f: StatementFigures) -> RatioValue:
    """Accounts receivable / revenue x days of the period (365 for a year)."""
    inputs = {"accounts_receivable": f.accounts_receivable, "revenue": f.revenue}
    return _divide("receivable_days", numerator=lambda: _req(f.accounts_receivable) * f.days,
                   denominator_name="revenue", inputs=inputs)


def inventory_days(f: StatementFigures) -> RatioValue:
    """Inventory / cost of sales x days of the period (365 for a year)."""
    inputs = {"inventory": f.inventory, "cost_of_sales": f.cost_of_sales}
    return _divide("inventory_days", numerator=lambda: _req(f.inventory) * f.days,
                   denominator_name="cost_of_sales", inputs=inputs)


def _growth(
    key: str, figure: str, current: StatementFigures, previous: StatementFigures | None
) -> RatioValue:
    """Annualised current / annualised previous - 1.

    Periods of different lengths are made comparable by annualising both (12 / months). The
    previous statement must end before the current one (else ``not_meaningful``). Growth from a
    previous value of 0 is ``zero_denominator``, from a negative value (a loss)
    ``negative_denominator``: the percentage would have no sensible sign.
    """
    if previous is None:
        return RatioValue(key, None, ValueStatus.MISSING_INPUT, {f"previous_{figure}": None},
                          message("ratio.no_previous_statement"))
    inputs = {figure: current.annualised(figure), f"previous_{figure}": previous.annualised(figure)}
    if previous.period_end >= current.period_end:
        return RatioValue(key, None, ValueStatus.NOT_MEANINGFUL, inputs,
                          message("ratio.previous_not_before"))
    note = None if current.months == previous.months else message(
        "ratio.annualised_periods", months=current.months, previous_months=previous.months
    )
    result = _divide(
        key, numerator=lambda: _req(inputs[figure]) - _req(inputs[f"previous_{figure}"]),
        denominator_name=f"previous_{figure}", inputs=inputs,
        negative_note=message("ratio.negative_previous", figure=figure),
    )
    if note is not None and result.message is None:
        return RatioValue(result.key, result.value, result.status, result.inputs, note)
    return result


def sales_growth(current: StatementFigures, previous: StatementFigures | None) -> RatioValue:
    """Revenue growth vs the previous period (annualised; see ``_growth``)."""
    return _growth("sales_growth", "revenue", current, previous)


def profit_growth(current: StatementFigures, previous: StatementFigures | None) -> RatioValue:
    """Net profit growth vs the previous period (annualised; see ``_growth``)."""
    return _growth("profit_growth", "net_profit", current, previous)


_SINGLE_PERIOD: tuple[Callable[[StatementFigures], RatioValue], ...] = (
    current_ratio, quick_ratio, debt_to_assets, interest_coverage, roa, roe, gross_margin,
    net_margin, asset_turnover, receivable_days, inventory_days,
)


def financial_ratios(
    current: StatementFigures, previous: StatementFigures | None = None
) -> dict[str, RatioValue]:
    """Every ratio of ``RATIO_DEFINITIONS`` (same keys, same order) for one period.

    ``previous`` is the comparable earlier statement (normally a year earlier) for the growth
    ratios; without it they are ``missing_input``.
    """
    results = [ratio(current) for ratio in _SINGLE_PERIOD]
    results.append(sales_growth(current, previous))
    results.append(profit_growth(current, previous))
    by_key = {result.key: result for result in results}
    return {key: by_key[key] for key in RATIO_DEFINITIONS}
