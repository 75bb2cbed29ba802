"""Deterministic demo receivables history as plain data: no database access happens here.

About three years of trade up to the as-of date for every customer: orders, deliveries,
invoices split into open items by their payment terms, payments allocated to them (partly,
several items per payment, some cash left unapplied), disputes, write-offs, credit limits and
blacklist / watch-list entries.

Payment behaviour follows the customer's latent health (``CustomerSpec.health``): healthy firms
pay on time or early, weaker firms pay later and more erratically, and some default: from their
default day they stop paying, their items run 90+ days overdue, the oldest are written off and
the customer goes on the blacklist. Each customer has its own random stream
(``credo-demo:<seed>:<index>:ledger``), so its history depends only on the seed and its spec.

Company-currency values are computed here exactly as the receivables services compute them, so
the bulk writer stores the same rows as the service writer (a demo test compares both).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from credo.receivables.terms import instalment_schedule

from .generator import CustomerSpec

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HISTORY_DAYS = 3 * 365
# Average open items (invoice instalments) per customer over the history; `credo demo
# --items-per-customer` changes it (the benchmarks use 50 and 100).
DEFAULT_ITEMS_PER_CUSTOMER = 5

# Payment-terms templates: (code, name, kind, days, instalments).
PAYMENT_TERMS = [
    ("NET0", "现款 / Due on receipt", "net", 0, []),
    ("NET30", "发票后30天 / Net 30", "net", 30, []),
    ("NET60", "发票后60天 / Net 60", "net", 60, []),
    ("NET90", "发票后90天 / Net 90", "net", 90, []),
    ("EOM30", "月结30天 / End of month + 30", "eom", 30, []),
    ("EOM60", "月结60天 / End of month + 60", "eom", 60, []),
    ("INST3", "分期 40/30/30 (30/60/90天)", "instalments", 0,
     [{"percent": "40", "days": 30}, {"percent": "30", "days": 60}, {"percent": "30", "days": 90}]),
]
_TERMS_BY_CODE = {code: (kind, days, instalments) for code, _n, kind, days, instalments
                  in PAYMENT_TERMS}
_TERMS_WEIGHTS = {"NET0": 4, "NET30": 34, "NET60": 18, "NET90": 8, "EOM30": 18, "EOM60": 8,
                  "INST3": 10}
# Typical invoice value in yuan by size class (log-uniform range).
_INVOICE_YUAN = {
    "individual": (2e3, 3e4), "micro": (5e3, 6e4), "small": (2e4, 3e5),
    "medium": (1e5, 1.5e6), "large": (5e5, 6e6),
}
# Relative trading frequency by size class.
_FREQUENCY = {"individual": 0.4, "micro": 0.6, "small": 0.9, "medium": 1.4, "large": 2.2}
FX_START = {"USD": Decimal("7.10"), "EUR": Decimal("7.80")}
DISPUTE_REASONS = ["价格差异 / price difference", "数量短缺 / short delivery",
                   "质量问题 / quality complaint", "重复开票 / duplicate billing"]
DISPUTE_RESOLUTIONS = ["客户确认欠款 / customer accepted the invoice",
                       "补发货物后确认 / confirmed after replacement delivery",
                       "核对单据后确认 / confirmed after checking the documents"]


def to_company(amount: Decimal, rate: Decimal) -> Decimal:
    """Company-currency value, rounded as the receivables services round it."""
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value: float) -> Decimal:
    return Decimal(f"{max(value, 1.0):.2f}")


# Specs ---------------------------------------------------------------------------------------


@dataclass
class ItemSpec:
    """One open item (invoice instalment) and what happened to it."""

    sequence: int
    due_date: dt.date
    amount: Decimal
    amount_company: Decimal
    open_amount: Decimal = ZERO  # tracked while generating
    open_company: Decimal = ZERO


@dataclass
class InvoiceSpec:
    number: str
    invoice_date: dt.date
    amount: Decimal
    amount_company: Decimal
    fx_rate: Decimal
    items: list[ItemSpec]
    status: str = "open"


@dataclass
class OrderSpec:
    """An order; ``delivery`` is ``(number, date)`` of one full delivery, ``invoice`` its bill."""

    number: str
    order_date: dt.date
    amount: Decimal
    fx_rate: Decimal
    amount_company: Decimal
    delivery: tuple[str, dt.date] | None
    invoice: InvoiceSpec | None


@dataclass
class AllocationSpec:
    invoice_number: str
    sequence: int
    allocation_date: dt.date
    amount: Decimal
    amount_company: Decimal


@dataclass
class PaymentSpec:
    number: str
    payment_date: dt.date
    amount: Decimal
    fx_rate: Decimal
    amount_company: Decimal
    allocations: list[AllocationSpec] = field(default_factory=list)


@dataclass
class DisputeSpec:
    invoice_number: str
    sequence: int
    amount: Decimal
    amount_company: Decimal
    reason: str
    opened_on: dt.date
    resolved_on: dt.date | None
    resolution: str


@dataclass
class WriteOffSpec:
    invoice_number: str
    sequence: int
    write_off_date: dt.date
    amount: Decimal
    amount_company: Decimal
    reason: str


@dataclass
class LimitSpec:
    amount: Decimal
    valid_from: dt.date
    review_due: dt.date
    note: str


@dataclass
class ListEntrySpec:
    list_kind: str
    reason: str
    since: dt.date


@dataclass
class LedgerSpec:
    """A customer's receivables history, in the order the services must write it."""

    customer_index: int
    currency: str
    terms_code: str
    days_beyond_terms: float  # the customer's typical lateness (the latent behaviour)
    default_on: dt.date | None
    orders: list[OrderSpec] = field(default_factory=list)
    payments: list[PaymentSpec] = field(default_factory=list)
    disputes: list[DisputeSpec] = field(default_factory=list)
    write_offs: list[WriteOffSpec] = field(default_factory=list)
    limits: list[LimitSpec] = field(default_factory=list)
    list_entries: list[ListEntrySpec] = field(default_factory=list)

    @property
    def invoices(self) -> list[InvoiceSpec]:
        return [order.invoice for order in self.orders if order.invoice is not None]


# FX table ------------------------------------------------------------------------------------


class FxTable:
    """Monthly rates (first of the month) per foreign currency: a gentle random walk."""

    def __init__(self, *, seed: int, as_of: dt.date) -> None:
        rng = random.Random(f"credo-demo:{seed}:fx")
        start = (as_of - dt.timedelta(days=HISTORY_DAYS + 40)).replace(day=1)
        self.rates: dict[str, list[tuple[dt.date, Decimal]]] = {}
        for currency, first in FX_START.items():
            value = float(first)
            rows = []
            day = start
            while day <= as_of:
                rows.append((day, Decimal(f"{value:.4f}")))
                value *= math.exp(rng.gauss(0, 0.012))
                day = (day + dt.timedelta(days=32)).replace(day=1)
            self.rates[currency] = rows
        self._days = {c: [d for d, _r in rows] for c, rows in self.rates.items()}

    def rate(self, currency: str, on: dt.date) -> Decimal:
        """The latest rate on or before ``on`` (the rule of ``receivables.selectors.fx_rate``)."""
        if currency == "CNY":
            return Decimal("1")
        position = bisect.bisect_right(self._days[currency], on) - 1
        return self.rates[currency][position][1]


# The generator -------------------------------------------------------------------------------


class LedgerGenerator:
    """Builds each customer's ``LedgerSpec`` from its ``CustomerSpec``."""

    def __init__(self, *, seed: int, as_of: dt.date,
                 items_per_customer: float = DEFAULT_ITEMS_PER_CUSTOMER) -> None:
        self.seed = seed
        self.as_of = as_of
        self.start = as_of - dt.timedelta(days=HISTORY_DAYS)
        self.items_per_customer = items_per_customer
        self.fx = FxTable(seed=seed, as_of=as_of)
        self._terms_codes = list(_TERMS_WEIGHTS)
        self._terms_weights = list(_TERMS_WEIGHTS.values())

    def ledger(self, spec: CustomerSpec) -> LedgerSpec:
        rng = random.Random(f"credo-demo:{self.seed}:{spec.index}:ledger")
        fields = spec.fields
        size = fields.get("size_class") or "individual"
        currency = "CNY"
        if fields.get("legal_form") == "foreign_invested" and rng.random() < 0.6:
            currency = rng.choice(["USD", "USD", "EUR"])
        terms_code = rng.choices(self._terms_codes, weights=self._terms_weights)[0]
        if size == "individual" and rng.random() < 0.5:
            terms_code = "NET0"
        health = spec.health
        # Typical days beyond terms: early for strong firms, weeks to months late for weak ones.
        lateness = 4.0 - 11.0 * health + rng.gauss(0, 4.0)
        lateness = max(-8.0, min(150.0, lateness if lateness > 0 else lateness / 2))
        # Default within the history: rare for healthy customers, common for the weakest.
        default_probability = 1 / (1 + math.exp(3.0 + 1.7 * health))
        first_day = max(self.start, fields.get("founding_date") or self.start)
        default_on = None
        if rng.random() < default_probability and (self.as_of - first_day).days > 240:
            default_on = first_day + dt.timedelta(
                days=rng.randrange(180, (self.as_of - first_day).days - 30)
            )
        ledger = LedgerSpec(
            customer_index=spec.index, currency=currency, terms_code=terms_code,
            days_beyond_terms=round(lateness, 1), default_on=default_on,
        )
        if fields.get("status") not in (None, "active") and default_on is None:
            first_day = max(first_day, self.as_of - dt.timedelta(days=700))
        self._documents(rng, ledger, size, first_day)
        self._limits(rng, ledger, first_day)
        self._lists(rng, ledger)
        return ledger

    # documents -----------------------------------------------------------------------------

    def _documents(self, rng: random.Random, ledger: LedgerSpec, size: str,
                   first_day: dt.date) -> None:
        kind, days, instalments = _TERMS_BY_CODE[ledger.terms_code]
        items_per_invoice = len(instalments) if kind == "instalments" else 1
        span = (self.as_of - first_day).days
        # Calibrated so that the portfolio averages ``items_per_customer`` open items (young
        # firms trade for less than three years; defaulters stop trading).
        mean_invoices = self.items_per_customer * 1.125 * _FREQUENCY[size] * span / HISTORY_DAYS
        count = max(1, round(mean_invoices * math.exp(rng.gauss(-0.08, 0.4)) / items_per_invoice))
        low, high = _INVOICE_YUAN[size]
        typical = math.exp(rng.uniform(math.log(low), math.log(high)))
        code = f"{ledger.customer_index + 1:08d}"
        stop_trading = (
            ledger.default_on + dt.timedelta(days=rng.randrange(20, 90))
            if ledger.default_on else None
        )
        dates = sorted(first_day + dt.timedelta(days=rng.randrange(span)) for _ in range(count))
        items: list[tuple[InvoiceSpec, ItemSpec]] = []
        for position, day in enumerate(dates, start=1):
            if stop_trading and day > stop_trading:
                break
            rate = self.fx.rate(ledger.currency, day)
            amount = _money(typical * math.exp(rng.gauss(0, 0.5)) / float(rate))
            order_date = max(first_day, day - dt.timedelta(days=rng.randrange(0, 12)))
            order_rate = self.fx.rate(ledger.currency, order_date)
            delivered = rng.random() < 0.6
            delivery = None
            if delivered:
                delivery_day = order_date + dt.timedelta(days=rng.randrange((day - order_date).days
                                                                           + 1))
                delivery = (f"DN{code}{position:04d}", delivery_day)
            invoiced = (self.as_of - day).days > 6 or rng.random() < 0.3
            invoice = None
            if invoiced:
                invoice = self._invoice(f"IV{code}{position:04d}", day, amount, rate,
                                        kind, days, instalments)
                items += [(invoice, item) for item in invoice.items]
            elif delivery is None and rng.random() < 0.5:
                delivery = (f"DN{code}{position:04d}", day)
            ledger.orders.append(OrderSpec(
                number=f"SO{code}{position:04d}", order_date=order_date, amount=amount,
                fx_rate=order_rate, amount_company=to_company(amount, order_rate),
                delivery=delivery, invoice=invoice,
            ))
        # Recent orders not invoiced yet: open, or delivered and waiting for the invoice.
        if stop_trading is None and rng.random() < 0.4:
            position = len(ledger.orders) + 1
            day = max(first_day, self.as_of - dt.timedelta(days=rng.randrange(0, 25)))
            rate = self.fx.rate(ledger.currency, day)
            amount = _money(typical * math.exp(rng.gauss(0, 0.5)) / float(rate))
            delivery = (f"DN{code}{position:04d}", day) if rng.random() < 0.4 else None
            ledger.orders.append(OrderSpec(
                number=f"SO{code}{position:04d}", order_date=day, amount=amount, fx_rate=rate,
                amount_company=to_company(amount, rate), delivery=delivery, invoice=None,
            ))
        self._settle(rng, ledger, items)

    @staticmethod
    def _invoice(number, day, amount, rate, kind, days, instalments) -> InvoiceSpec:
        amount_company = to_company(amount, rate)
        schedule = instalment_schedule(kind=kind, days=days, instalments=instalments,
                                       invoice_date=day, amount=amount)
        left = amount_company
        items = []
        for sequence, (due, part) in enumerate(schedule, start=1):
            part_company = left if sequence == len(schedule) else to_company(part, rate)
            left -= part_company
            items.append(ItemSpec(sequence, due, part, part_company, part, part_company))
        return InvoiceSpec(number, day, amount, amount_company, rate, items)

    def _settle(self, rng: random.Random, ledger: LedgerSpec,
                items: list[tuple[InvoiceSpec, ItemSpec]]) -> None:
        """Disputes, then payments with allocations, then write-offs (the services' order)."""
        as_of = self.as_of
        # Disputes, opened on the full item before anything is paid.
        held_until: dict[int, dt.date | None] = {}
        for invoice, item in items:
            if rng.random() >= 0.025 + (0.02 if ledger.days_beyond_terms > 20 else 0):
                continue
            opened = invoice.invoice_date + dt.timedelta(days=rng.randrange(3, 40))
            if opened > as_of:
                continue
            share = Decimal(rng.choice(["1", "1", "0.5", "0.3", "0.2"]))
            amount = (item.amount * share).quantize(CENT)
            if amount <= 0:
                continue
            amount_company = (item.open_company if amount == item.open_amount
                              else min(to_company(amount, invoice.fx_rate), item.open_company))
            # Most disputes are settled within weeks; a few drag on for a year or more.
            resolved = opened + dt.timedelta(
                days=rng.randrange(10, 120) if rng.random() < 0.8 else rng.randrange(200, 900)
            )
            if resolved > as_of:
                resolved = None
            ledger.disputes.append(DisputeSpec(
                invoice.number, item.sequence, amount, amount_company,
                rng.choice(DISPUTE_REASONS), opened, resolved,
                rng.choice(DISPUTE_RESOLUTIONS) if resolved else "",
            ))
            held_until[id(item)] = resolved

        # Payments: each item is paid `lateness` days after its due date (noisy); items paid in
        # the same week go into one payment; some payments are partial.
        due_payments: list[tuple[dt.date, InvoiceSpec, ItemSpec, Decimal]] = []
        for invoice, item in items:
            if id(item) in held_until and held_until[id(item)] is None:
                continue  # disputed and unresolved: unpaid
            delay = ledger.days_beyond_terms + rng.gauss(0, 4 + 0.35 * abs(
                ledger.days_beyond_terms))
            if rng.random() < 0.04:
                # The odd forgotten invoice, found again within weeks at a healthy firm; a weak
                # one takes longer.
                delay += rng.uniform(10, 40 + 4 * ledger.days_beyond_terms
                                     if ledger.days_beyond_terms > 0 else 40)
            pay_day = item.due_date + dt.timedelta(days=round(delay))
            pay_day = max(pay_day, invoice.invoice_date)
            if held_until.get(id(item)):
                pay_day = max(pay_day, held_until[id(item)] + dt.timedelta(days=rng.randrange(2,
                                                                                           15)))
            if ledger.default_on and pay_day >= ledger.default_on:
                if rng.random() < 0.15 and ledger.default_on <= as_of:
                    # a last partial payment just before the default
                    part = (item.amount * Decimal(rng.choice(["0.2", "0.3", "0.5"]))).quantize(CENT)
                    day = max(invoice.invoice_date, ledger.default_on - dt.timedelta(days=1))
                    if part > 0:
                        due_payments.append((day, invoice, item, part))
                continue
            if pay_day > as_of:
                continue
            if rng.random() < 0.07:  # partial payment now, the rest later
                part = (item.amount * Decimal(rng.choice(["0.5", "0.6", "0.8"]))).quantize(CENT)
                rest_day = pay_day + dt.timedelta(days=rng.randrange(10, 45))
                if 0 < part < item.amount:
                    due_payments.append((pay_day, invoice, item, part))
                    if rest_day <= as_of:
                        due_payments.append((rest_day, invoice, item, item.amount - part))
                    continue
            due_payments.append((pay_day, invoice, item, item.amount))
        due_payments.sort(key=lambda row: (row[0], row[1].number, row[2].sequence))

        code = f"{ledger.customer_index + 1:08d}"
        current: PaymentSpec | None = None
        for pay_day, invoice, item, amount in due_payments:
            if current is None or (pay_day - current.payment_date).days > 6 or rng.random() < 0.3:
                current = self._new_payment(ledger, f"PM{code}{len(ledger.payments) + 1:04d}",
                                            pay_day)
            amount = min(amount, item.open_amount)
            if amount <= 0:
                continue
            company = (item.open_company if amount == item.open_amount
                       else min(to_company(amount, invoice.fx_rate), item.open_company))
            item.open_amount -= amount
            item.open_company -= company
            # Dated when the item was paid: never before the payment or the invoice.
            current.allocations.append(AllocationSpec(
                invoice.number, item.sequence, pay_day, amount, company,
            ))
            current.amount += amount
        for payment in ledger.payments:
            # Cash on account: an overpayment stays unapplied, as do some very recent receipts.
            if rng.random() < 0.03:
                payment.amount += _money(float(payment.amount) * rng.uniform(0.01, 0.1))
            if (as_of - payment.payment_date).days < 10 and rng.random() < 0.3:
                payment.allocations = []  # received, not yet matched: the items stay open
            payment.amount_company = to_company(payment.amount, payment.fx_rate)
        self._reopen_unallocated(ledger, items)

        # Write-offs: most of a defaulted customer's items, some months after they fell due.
        if ledger.default_on:
            for invoice, item in items:
                if item.open_amount <= 0 or (as_of - item.due_date).days < 120:
                    continue
                if rng.random() < 0.25 or (id(item) in held_until and
                                           held_until[id(item)] is None):
                    continue
                day = max(item.due_date + dt.timedelta(days=rng.randrange(120, 300)),
                          ledger.default_on + dt.timedelta(days=90))
                if day > as_of:
                    continue
                ledger.write_offs.append(WriteOffSpec(
                    invoice.number, item.sequence, day, item.open_amount, item.open_company,
                    "客户违约,无法收回 / customer in default, uncollectable",
                ))
                item.open_amount = ZERO
                item.open_company = ZERO
        for invoice in {id(inv): inv for inv, _item in items}.values():
            if any(item.open_amount for item in invoice.items):
                invoice.status = "open"
            elif any(w.invoice_number == invoice.number for w in ledger.write_offs):
                invoice.status = "written_off"
            else:
                invoice.status = "paid"

    def _new_payment(self, ledger: LedgerSpec, number: str, day: dt.date) -> PaymentSpec:
        rate = self.fx.rate(ledger.currency, day)
        payment = PaymentSpec(number, day, ZERO, rate, ZERO)
        ledger.payments.append(payment)
        return payment

    @staticmethod
    def _reopen_unallocated(ledger: LedgerSpec, items) -> None:
        """Recompute each item's open amount from the allocations that remain."""
        by_key = {(inv.number, item.sequence): item for inv, item in items}
        for item in by_key.values():
            item.open_amount = item.amount
            item.open_company = item.amount_company
        for payment in ledger.payments:
            for allocation in payment.allocations:
                item = by_key[(allocation.invoice_number, allocation.sequence)]
                item.open_amount -= allocation.amount
                item.open_company -= allocation.amount_company

    # limits and lists ----------------------------------------------------------------------

    def _limits(self, rng: random.Random, ledger: LedgerSpec, first_day: dt.date) -> None:
        invoices = ledger.invoices
        if not invoices and not ledger.orders:
            return
        span_days = max(90, (self.as_of - first_day).days)
        total = sum((o.amount_company for o in ledger.orders), ZERO)
        monthly = float(total) / span_days * 30
        terms_months = 1 + {"NET0": 0, "NET30": 1, "NET60": 2, "NET90": 3, "EOM30": 1.5,
                            "EOM60": 2.5, "INST3": 2}[ledger.terms_code]
        day = first_day
        while day <= self.as_of:
            factor = 1.2 + 0.4 * rng.gauss(0, 1) - 0.25 * max(0.0, ledger.days_beyond_terms / 30)
            amount = _nice(max(10_000.0, monthly * terms_months * max(0.4, factor)))
            ledger.limits.append(LimitSpec(
                amount=Decimal(amount).quantize(CENT), valid_from=day,
                review_due=day + dt.timedelta(days=365),
                note="年度授信评审 / annual credit review",
            ))
            # Most limits are reviewed on time; some run past their review date.
            day += dt.timedelta(days=365 + (rng.randrange(30, 200) if rng.random() < 0.15
                                            else rng.randrange(-20, 10)))

    def _lists(self, rng: random.Random, ledger: LedgerSpec) -> None:
        if ledger.default_on:
            since = ledger.default_on + dt.timedelta(days=rng.randrange(60, 150))
            if since <= self.as_of:
                ledger.list_entries.append(ListEntrySpec(
                    "blacklist", "付款违约,逾期90天以上 / payment default, 90+ days overdue", since,
                ))
                return
        if ledger.days_beyond_terms > 25 and rng.random() < 0.5:
            since = self.as_of - dt.timedelta(days=rng.randrange(10, 300))
            ledger.list_entries.append(ListEntrySpec(
                "watch", "付款持续延迟 / persistently late payments", since,
            ))


def _nice(value: float) -> float:
    """Round a limit the way credit committees do: two significant digits."""
    exponent = max(0, int(math.floor(math.log10(value))) - 1)
    return round(value / 10**exponent) * 10**exponent
