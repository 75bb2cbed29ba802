"""Ageing buckets: schemes, bases, date ranges and in-memory ageing (pure, no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from credo.receivables.ageing import (
    BASIS_DUE,
    BASIS_INVOICE,
    DEFAULT_SCHEME,
    YEARS_SCHEME,
    AgeingItem,
    AgeingScheme,
    Bucket,
    age_items,
    date_ranges,
    scheme_from_limits,
    scheme_get,
)

D = Decimal


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-10, "not_due"),
        (0, "not_due"),
        (1, "d1_30"),
        (30, "d1_30"),
        (31, "d31_60"),
        (60, "d31_60"),
        (61, "d61_90"),
        (90, "d61_90"),
        (91, "d91_180"),
        (180, "d91_180"),
        (181, "d181_365"),
        (365, "d181_365"),
        (366, "over_365"),
        (5000, "over_365"),
    ],
)
def test_default_scheme_boundaries(days, bucket):
    assert DEFAULT_SCHEME.bucket_for(days) == bucket


def test_default_scheme_keys_in_order():
    assert DEFAULT_SCHEME.keys() == [
        "not_due",
        "d1_30",
        "d31_60",
        "d61_90",
        "d91_180",
        "d181_365",
        "over_365",
    ]


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "not_due"),
        (1, "within_1y"),
        (365, "within_1y"),
        (366, "y1_2"),
        (730, "y1_2"),
        (731, "y2_3"),
        (1095, "y2_3"),
        (1096, "over_3y"),
    ],
)
def test_years_scheme_boundaries(days, bucket):
    assert YEARS_SCHEME.bucket_for(days) == bucket


def test_invoice_basis_merges_not_due_into_the_first_age_bucket():
    # An invoice dated on the ageing date is 0 days old: it belongs to 1-30, not "not due".
    assert DEFAULT_SCHEME.keys(BASIS_INVOICE)[0] == "d1_30"
    assert DEFAULT_SCHEME.bucket_for(0, BASIS_INVOICE) == "d1_30"
    assert YEARS_SCHEME.bucket_for(0, BASIS_INVOICE) == "within_1y"
    assert "not_due" not in YEARS_SCHEME.keys(BASIS_INVOICE)


def test_custom_scheme_from_limits():
    scheme = scheme_get("0,45,90")
    assert scheme.keys() == ["not_due", "d1_45", "d46_90", "over_90"]
    assert scheme.bucket_for(46) == "d46_90"
    # a scheme that doesn't start at 0 has no "not due" bucket
    assert scheme_from_limits("x", [30, 60]).keys() == ["upto_30", "d31_60", "over_60"]


@pytest.mark.parametrize("bad", ["weekly", "30,10", "", "0,0"])
def test_bad_scheme_names_are_rejected(bad):
    with pytest.raises(ValueError):
        scheme_get(bad)


def test_schemes_must_be_contiguous_and_open_ended():
    with pytest.raises(ValueError, match="contiguous"):
        AgeingScheme("gap", (Bucket("a", None, 10), Bucket("b", 12, None)))
    with pytest.raises(ValueError, match="open-ended"):
        AgeingScheme("closed", (Bucket("a", 0, 10), Bucket("b", 11, None)))
    with pytest.raises(ValueError, match="basis"):
        DEFAULT_SCHEME.keys("payment")


def test_date_ranges_turn_days_into_dates():
    ranges = {r.key: r for r in date_ranges(DEFAULT_SCHEME, as_of=date(2025, 3, 31))}
    # not due: due on or after the ageing date
    assert ranges["not_due"].first == date(2025, 3, 31) and ranges["not_due"].last is None
    # 1-30 days overdue: due from 1 March to 30 March
    assert (ranges["d1_30"].first, ranges["d1_30"].last) == (date(2025, 3, 1), date(2025, 3, 30))
    assert ranges["over_365"].first is None and ranges["over_365"].last == date(2024, 3, 30)


def test_date_ranges_agree_with_bucket_for_every_day():
    as_of = date(2025, 3, 31)
    for basis in (BASIS_DUE, BASIS_INVOICE):
        ranges = date_ranges(YEARS_SCHEME, as_of=as_of, basis=basis)
        for days in range(-40, 1200, 7):
            day = date.fromordinal(as_of.toordinal() - days)
            holding = [r.key for r in ranges if r.holds(day)]
            assert holding == [YEARS_SCHEME.bucket_for(days, basis)]


def test_age_items_by_due_date_with_disputes():
    as_of = date(2025, 3, 31)
    items = [
        AgeingItem("A", date(2025, 3, 1), date(2025, 4, 30), D("100.00")),  # not due
        AgeingItem("A", date(2025, 1, 1), date(2025, 3, 15), D("200.00"), D("50.00")),  # 16 d
        AgeingItem("A", date(2024, 1, 1), date(2024, 2, 1), D("300.00")),  # 424 d
        AgeingItem("B", date(2025, 2, 1), date(2025, 3, 1), D("40.00"), D("99.00")),  # 30 d
        AgeingItem("B", date(2025, 2, 1), date(2025, 3, 1), D("0.00")),  # closed: ignored
    ]
    rows = age_items(items, as_of=as_of)
    a, b = rows
    assert a.group == "A" and a.items == 3
    assert a.buckets["not_due"] == D("100.00")
    assert a.buckets["d1_30"] == D("150.00")  # undisputed part only
    assert a.buckets["over_365"] == D("300.00")
    assert a.disputed == D("50.00")
    assert a.total == D("600.00")
    assert a.overdue == D("500.00")  # overdue includes the disputed part
    # a dispute larger than the open amount is capped at the open amount
    assert b.buckets["d1_30"] == D("0.00") and b.disputed == D("40.00") and b.total == D("40.00")
    assert sum(a.buckets.values()) + a.disputed == a.total


def test_age_items_by_invoice_date():
    as_of = date(2025, 3, 31)
    items = [
        AgeingItem("A", date(2025, 3, 31), date(2025, 4, 30), D("10.00")),  # 0 days old
        AgeingItem("A", date(2023, 3, 31), date(2023, 4, 30), D("20.00")),  # 731 days old
    ]
    (row,) = age_items(items, as_of=as_of, scheme=YEARS_SCHEME, basis=BASIS_INVOICE)
    assert row.buckets == {
        "within_1y": D("10.00"),
        "y1_2": D("0.00"),
        "y2_3": D("20.00"),
        "over_3y": D("0.00"),
    }
