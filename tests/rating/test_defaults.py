"""The default definition (credo.rating.defaults): parsing, the exact day-by-day computation on
hand-built ledgers, and the ledger read from the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.test import override_settings

from credo.rating.defaults import (
    NEVER,
    DefaultDefinition,
    DefinitionError,
    LedgerRows,
    compute_outcomes,
    configured_definition,
    day_number,
    default_outcomes,
    definition_with,
    ledger_rows,
)

from .conftest import D, invoice, pay

ANY = DefaultDefinition(min_amount=Decimal(0), min_share=Decimal(0))


def _outcomes(rows, *, population=(7,), start=100, end=400, definition=ANY):
    return compute_outcomes(population=np.array(population, dtype=np.int64), rows=rows,
                            start=start, end=end, definition=definition)


# --- the definition ---------------------------------------------------------------------------


def test_parse_and_round_trip():
    definition = DefaultDefinition.parse("60DPD6m", min_amount="500", min_share="0.02")
    assert (definition.days, definition.months, definition.code) == (60, 6, "60dpd6m")
    assert definition.min_amount == Decimal("500") and definition.min_share == Decimal("0.02")
    assert DefaultDefinition.from_dict(definition.to_dict()) == definition
    # Thresholds not given: the configured ones.
    assert DefaultDefinition.parse("30dpd3m").min_amount == Decimal("1000")


@pytest.mark.parametrize("text", ["ninety days", "90dpd", "dpd12m", ""])
def test_unknown_definitions_are_refused(text):
    with pytest.raises(DefinitionError, match="write it like 90dpd12m"):
        DefaultDefinition.parse(text)


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"days": 0}, "at least 1"), ({"months": 0}, "at least 1"),
     ({"min_amount": Decimal("-1")}, "must not be negative"),
     ({"min_share": Decimal("1.5")}, "between 0 and 100")],
)
def test_out_of_range_definitions_are_refused(fields, message):
    with pytest.raises(DefinitionError, match=message):
        DefaultDefinition(**fields)


def test_the_setting_configures_the_definition():
    assert configured_definition() == DefaultDefinition(90, 12, Decimal("1000"), Decimal("0.01"))
    setting = {"days": 60, "months": 6, "min_amount": "250", "min_share": "0"}
    with override_settings(CREDO_DEFAULT_DEFINITION=setting):
        assert configured_definition() == DefaultDefinition(60, 6, Decimal("250"), Decimal(0))
        assert DefaultDefinition.parse("90dpd12m").min_amount == Decimal("250")


def test_definition_with_replaces_the_parts_given():
    definition = definition_with(days=60, min_percent=Decimal("2.5"))
    assert definition == DefaultDefinition(60, 12, Decimal("1000"), Decimal("0.025"))
    assert definition_with() == configured_definition()
    assert definition_with(min_amount=Decimal(0)).min_amount == 0
    with pytest.raises(DefinitionError, match="between 0 and 100"):
        definition_with(min_percent=Decimal("101"))


def test_describe_names_the_thresholds():
    text = DefaultDefinition().describe()
    assert "90+ days past due within 12 months" in text
    assert "1,000.00 CNY" in text and "1.0 %" in text


# --- the computation by hand ------------------------------------------------------------------


def test_a_partly_paid_item_defaults_on_its_90th_day():
    # Days: start 100, end 400. Customer 7:
    # item 0: invoiced 40, due 50, 1,000.00 paid 600 on day 120 and 400 on day 200: on day
    #   50 + 90 = 140 still 400.00 open -> default on 140;
    # item 1: invoiced 110, due 120, 500.00 open -> exposure on day 140: 400 + 500 = 900.00.
    rows = LedgerRows.build(
        instalment_ids=[1, 2], customer_ids=[7, 7], due=[50, 120], invoiced=[40, 110],
        cancelled=[NEVER, NEVER], amount=[100_000, 50_000],
        allocations=[(0, 120, 60_000), (0, 200, 40_000)],
    )
    outcomes = _outcomes(rows, population=(7, 8))
    assert outcomes.default_day.tolist() == [140, NEVER]
    assert outcomes.exposure_at_default.tolist() == [90_000, 0]
    assert outcomes.in_default_at_start.tolist() == [False, False]
    # Paid in full on day 130: item 1 reaches 90 days on 210, after a window ending on 200.
    paid = LedgerRows.build(**{**_lists(rows), "allocations": [(0, 120, 60_000),
                                                              (0, 130, 40_000)]})
    assert _outcomes(paid, end=200).defaulted.tolist() == [False]
    # ... but within a window to day 210, item 1 (500.00 open) defaults on its 90th day.
    assert _outcomes(paid, end=210).default_day.tolist() == [210]


def _lists(rows: LedgerRows) -> dict:
    return {name: getattr(rows, name).tolist() for name in
            ("instalment_ids", "customer_ids", "due", "invoiced", "cancelled", "amount")}


def test_the_absolute_threshold():
    # 400.00 open at 90 days (day 140): below 1,000.00 -> no default; with 300.00 more of a
    # second item reaching 90 days on day 160, still 700.00; a third of 400.00 on day 170 makes
    # 1,100.00 -> default on 170.
    rows = LedgerRows.build(
        instalment_ids=[1, 2, 3], customer_ids=[7, 7, 7], due=[50, 70, 80],
        invoiced=[40, 60, 70], cancelled=[NEVER] * 3, amount=[100_000, 30_000, 40_000],
        allocations=[(0, 120, 60_000)],
    )
    thousand = DefaultDefinition(min_amount=Decimal("1000"), min_share=Decimal(0))
    assert _outcomes(rows, definition=thousand).default_day.tolist() == [170]
    assert _outcomes(rows, definition=thousand, end=169).defaulted.tolist() == [False]
    assert _outcomes(rows).default_day.tolist() == [140]  # without a threshold


def test_the_share_threshold_is_tested_on_every_day_the_amounts_change():
    # Item 0: 2,000.00 reaching 90 days on day 140. Item 1: 298,000.00 current (due 500).
    # On day 140: 2,000 / 300,000 = 0.67 % < 1 % -> no default. On day 150, 148,000.00 of item 1
    # is paid: 2,000 / (2,000 + 150,000) = 1.32 % -> default on day 150, exposure 152,000.00.
    rows = LedgerRows.build(
        instalment_ids=[1, 2], customer_ids=[7, 7], due=[50, 500], invoiced=[40, 45],
        cancelled=[NEVER] * 2, amount=[200_000, 29_800_000],
        allocations=[(1, 150, 14_800_000)],
    )
    one_percent = DefaultDefinition(min_amount=Decimal(0), min_share=Decimal("0.01"))
    outcomes = _outcomes(rows, definition=one_percent)
    assert outcomes.default_day.tolist() == [150]
    assert outcomes.exposure_at_default.tolist() == [15_200_000]


def test_a_write_off_is_a_default_on_its_day():
    # 5,000.00 due on day 90, written off on day 120 (30 days past due): default on 120 with the
    # exposure before the write-off (5,000 + the other item's 1,000 = 6,000.00). Afterwards
    # nothing is past due: the write-off took the amount off.
    rows = LedgerRows.build(
        instalment_ids=[1, 2], customer_ids=[7, 7], due=[90, 300], invoiced=[60, 100],
        cancelled=[NEVER] * 2, amount=[500_000, 100_000], write_offs=[(0, 120, 500_000)],
    )
    outcomes = _outcomes(rows, definition=DefaultDefinition())
    assert outcomes.default_day.tolist() == [120]
    assert outcomes.exposure_at_default.tolist() == [600_000]
    # A write-off below the threshold (500.00 of the 5,000.00) is no default by itself; the
    # remaining 4,500.00 reaches 90 days on day 180.
    partial = LedgerRows.build(**{**_lists(rows), "write_offs": [(0, 120, 50_000)]})
    assert _outcomes(partial, definition=DefaultDefinition()).default_day.tolist() == [180]


def test_cancellations_and_reversals():
    # Cancelled on day 130, before its 90th day (140): never in default.
    cancelled = LedgerRows.build(
        instalment_ids=[1], customer_ids=[7], due=[50], invoiced=[40], cancelled=[130],
        amount=[500_000],
    )
    assert _outcomes(cancelled).defaulted.tolist() == [False]
    # Cancelled on day 145, after: default on 140.
    late = LedgerRows.build(**{**_lists(cancelled), "cancelled": [145]})
    assert _outcomes(late).default_day.tolist() == [140]
    # Paid on day 100, the payment reversed on day 160 (a negative allocation): open again,
    # past due since day 140 -> default on 160.
    reversed_ = LedgerRows.build(
        instalment_ids=[1], customer_ids=[7], due=[50], invoiced=[40], cancelled=[NEVER],
        amount=[500_000], allocations=[(0, 100, 500_000), (0, 160, -500_000)],
    )
    assert _outcomes(reversed_, start=90).default_day.tolist() == [160]


def test_a_dispute_pauses_the_days_past_due():
    # Due day 50, 5,000.00 unpaid. Disputed from day 80 (30 days past due) to day 110: the count
    # pauses 30 days, so 90 days are reached on day 170 instead of 140.
    rows = LedgerRows.build(
        instalment_ids=[1], customer_ids=[7], due=[50], invoiced=[40], cancelled=[NEVER],
        amount=[500_000], disputes=[(0, 80, 110)],
    )
    assert _outcomes(rows).default_day.tolist() == [170]
    # Never resolved: never past due.
    open_dispute = LedgerRows.build(**{**_lists(rows), "disputes": [(0, 80, NEVER)]})
    assert _outcomes(open_dispute).defaulted.tolist() == [False]
    # Opened on day 150, after the item reached 90 days on 140, window from day 145: in default
    # at the start; with the window starting on day 150 the item is out (disputed), back on
    # its resolution, day 200 -> default on 200.
    later = LedgerRows.build(**{**_lists(rows), "disputes": [(0, 150, 200)]})
    assert _outcomes(later, start=145).in_default_at_start.tolist() == [True]
    assert _outcomes(later, start=150).default_day.tolist() == [200]


def test_in_default_at_the_start_is_left_out():
    # Due on day 0, unpaid: 100 days past due on the window's first day (100).
    rows = LedgerRows.build(
        instalment_ids=[1, 2], customer_ids=[7, 8], due=[0, 50], invoiced=[0, 40],
        cancelled=[NEVER] * 2, amount=[500_000, 500_000],
    )
    outcomes = _outcomes(rows, population=(7, 8))
    assert outcomes.in_default_at_start.tolist() == [True, False]
    assert outcomes.default_day.tolist() == [NEVER, 140]
    # Paid on day 100 (the start): cured by then, not in default.
    paid = LedgerRows.build(**{**_lists(rows), "allocations": [(0, 100, 500_000)]})
    assert _outcomes(paid, population=(7, 8)).in_default_at_start.tolist() == [False, False]


def test_many_customers_at_once_equal_one_at_a_time():
    # Random ledgers: the vectorised result for all equals each customer computed alone.
    rng = np.random.default_rng(5)
    n = 300
    customers = rng.integers(1, 40, n)
    invoiced = rng.integers(0, 300, n)
    due = invoiced + rng.integers(0, 60, n)
    cancelled = np.where(rng.random(n) < 0.1, invoiced + rng.integers(1, 200, n), NEVER)
    amount = rng.integers(10_000, 1_000_000, n)
    paid_items = rng.integers(0, n, 200)
    allocations = [(int(i), int(invoiced[i] + rng.integers(0, 250)),
                    int(amount[i] * rng.choice([0.3, 1.0]))) for i in paid_items]
    written = rng.integers(0, n, 15)
    write_offs = [(int(i), int(due[i] + rng.integers(10, 120)), int(amount[i] // 2))
                  for i in written]
    # Disputes: opened before or after the item reaches 90 days, some never resolved.
    disputed = rng.integers(0, n, 30)
    disputes = []
    for i in disputed:
        opened = int(due[i] + rng.integers(-20, 150))
        disputes.append((int(i), opened, NEVER if rng.random() < 0.3 else
                         opened + int(rng.integers(5, 120))))
    rows = LedgerRows.build(
        instalment_ids=list(range(1, n + 1)), customer_ids=customers.tolist(), due=due.tolist(),
        invoiced=invoiced.tolist(), cancelled=cancelled.tolist(), amount=amount.tolist(),
        allocations=allocations, write_offs=write_offs, disputes=disputes,
    )
    definition = DefaultDefinition(min_amount=Decimal("2000"), min_share=Decimal("0.05"))
    population = np.unique(customers)
    together = _outcomes(rows, population=population, start=150, end=420,
                         definition=definition)
    assert together.defaulted.sum() > 3 and together.in_default_at_start.sum() > 0
    for i, customer in enumerate(population):
        alone = _outcomes(rows, population=(customer,), start=150, end=420,
                          definition=definition)
        assert alone.default_day[0] == together.default_day[i]
        assert alone.in_default_at_start[0] == together.in_default_at_start[i]
        assert alone.exposure_at_default[0] == together.exposure_at_default[i]
    # And a brute-force check of the definition day by day for every customer.
    for i, customer in enumerate(population):
        assert _brute_force(rows, customer, 150, 420, definition) == (
            bool(together.in_default_at_start[i]), int(together.default_day[i]))


def _brute_force(rows: LedgerRows, customer: int, start: int, end: int,
                 definition: DefaultDefinition) -> tuple[bool, int]:
    """The definition read literally, day by day (slow; tests only)."""
    mine = np.flatnonzero(rows.customer_ids == customer)

    def days_past_due(i: int, day: int) -> int:
        # Days from the due date to the day, less those in dispute.
        paused = set(range(max(int(rows.dispute_from[i]), int(rows.due[i])),
                           min(int(rows.dispute_until[i]), day)))
        return sum(1 for d in range(int(rows.due[i]), day) if d not in paused)

    def state(day: int) -> tuple[int, int, int]:
        past_due = open_ = written = 0
        for i in mine:
            if not rows.invoiced[i] <= day < rows.cancelled[i]:
                continue
            in_dispute = rows.dispute_from[i] <= day < rows.dispute_until[i]
            settled = sum(int(a) for k, d, a in zip(rows.allocation_instalment,
                                                   rows.allocation_day, rows.allocation_amount,
                                                   strict=True) if k == i and d <= day)
            settled += sum(int(a) for k, d, a in zip(rows.write_off_instalment,
                                                    rows.write_off_day, rows.write_off_amount,
                                                    strict=True) if k == i and d <= day)
            written += sum(int(a) for k, d, a in zip(rows.write_off_instalment,
                                                    rows.write_off_day, rows.write_off_amount,
                                                    strict=True) if k == i and d == day)
            left = int(rows.amount[i]) - settled
            open_ += left
            if not in_dispute and days_past_due(i, day) >= definition.days:
                past_due += left
        return past_due, open_, written

    def material(amount: int, total: int) -> bool:
        return (amount > 0 and amount >= definition.min_amount * 100
                and amount >= float(definition.min_share) * total)

    past_due, open_, _ = state(start)
    if material(past_due, open_):
        return True, NEVER
    for day in range(start + 1, end + 1):
        past_due, open_, written = state(day)
        if material(past_due, open_) or (written and material(written, open_ + written)):
            return False, day
    return False, NEVER


# --- from the database ------------------------------------------------------------------------


@pytest.mark.django_db
def test_ledger_rows_and_outcomes_from_the_database(make_customer, acting):
    from credo.receivables.services import dispute_open, dispute_resolve, write_off_post

    first, second, other = make_customer(), make_customer(), make_customer()
    paid = invoice(first, "5000", dt.date(2024, 1, 10))
    pay(first, paid, "1000", dt.date(2024, 2, 1))
    contested = invoice(second, "3000", dt.date(2024, 2, 1))
    dispute = dispute_open(instalment=contested.instalments.get(), amount=D("1000"),
                           reason="quality", on=dt.date(2024, 3, 1))
    dispute_resolve(dispute=dispute, on=dt.date(2024, 4, 1), resolution="replaced")
    written = invoice(other, "8000", dt.date(2024, 3, 1))
    write_off_post(instalment=written.instalments.get(), amount=D("8000"),
                   on=dt.date(2024, 4, 1), reason="insolvent")

    rows = ledger_rows(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31),
                       customer_ids=[first.pk, second.pk])
    assert sorted(rows.customer_ids.tolist()) == [first.pk, second.pk]
    assert sorted(rows.amount.tolist()) == [300_000, 500_000]
    assert rows.allocation_amount.tolist() == [100_000]
    assert rows.allocation_day.tolist() == [day_number(dt.date(2024, 2, 1))]
    assert rows.write_off_amount.size == 0  # the other customer's write-off is not read
    disputed = int(np.flatnonzero(rows.dispute_from < NEVER)[0])
    assert rows.customer_ids[disputed] == second.pk
    assert (rows.dispute_from[disputed], rows.dispute_until[disputed]) == (
        day_number(dt.date(2024, 3, 1)), day_number(dt.date(2024, 4, 1)))

    population = np.array(sorted([first.pk, second.pk, other.pk]), dtype=np.int64)
    outcomes = default_outcomes(customer_ids=population, window_start=dt.date(2024, 1, 1),
                                definition=DefaultDefinition())
    days = dict(zip(population.tolist(), outcomes.default_day.tolist(), strict=True))
    # first: 4,000 open on 9 Apr (10 Jan + 90); second: 3,000 due 1 Feb, in dispute 1 Mar to
    # 1 Apr (31 days paused): 90 days on 1 May + 31 = 1 Jun; other: written off 1 Apr.
    assert days == {first.pk: day_number(dt.date(2024, 4, 9)),
                    second.pk: day_number(dt.date(2024, 6, 1)),
                    other.pk: day_number(dt.date(2024, 4, 1))}
