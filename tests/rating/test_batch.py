"""Batch rating (``credo.rating.batch``) gives the single-customer results, resumes, scopes."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import math
from decimal import Decimal

import numpy as np
import pytest

from credo.core.context import acting_as
from credo.core.models import BusinessEvent, ObjectChange
from credo.customers.models import Customer
from credo.demo.generator import DEFAULT_AS_OF, PortfolioGenerator
from credo.demo.ledger import LedgerGenerator
from credo.demo.writer import load_portfolio
from credo.rating import batch, selectors, services
from credo.rating.engine.messages import MESSAGES
from credo.rating.models import Rating

pytestmark = pytest.mark.django_db

EARLIER = dt.date(2026, 2, 28)


# Note codes credo's data cannot produce (so no customer shows them): the features' own "no
# statement about a year before" replaces the ratios' "no previous statement"; the previous
# statement always ends about a year before the current one; with a payment record the ledger
# always gives the overdue amount and the open receivables; every public record has an as-of
# date. The batch keeps the single path's value.status only as a fallback; it never shows.
UNREACHABLE_NOTES = {"ratio.no_previous_statement", "ratio.previous_not_before",
                     "feature.overdue_inputs_missing", "feature.undated_records_counted",
                     "value.status"}
# The shared value.* notes per family of features: (code, family) pairs that must be seen.
VALUE_NOTES = {
    ("value.missing_inputs", "ratio"), ("value.missing_inputs", "growth"),
    ("value.missing_inputs", "altman"), ("value.zero_denominator", "ratio"),
    ("value.zero_denominator", "growth"), ("value.zero_denominator", "altman"),
    ("value.negative_denominator", "ratio"), ("value.negative_denominator", "altman"),
}


def _family(key: str) -> str:
    if key.startswith("altman"):
        return "altman"
    return "growth" if key.endswith("_growth") else "ratio"


@pytest.fixture
def portfolio(settings, tmp_path, make_customer, credit_manager):
    """60 demo customers with three years of receivables history (bulk writer), plus six
    customers whose credit files give the notes the demo lacks (``_edge_customers``)."""
    settings.VAR_DIR = tmp_path
    load_portfolio(
        PortfolioGenerator(seed=11, count=60, as_of=DEFAULT_AS_OF), bulk=True, batch_size=25,
        ledger=LedgerGenerator(seed=11, as_of=DEFAULT_AS_OF, items_per_customer=8),
    )
    with acting_as(credit_manager, channel="system"):
        _edge_customers(make_customer)
    return list(Customer.objects.order_by("pk"))


def _statement(customer, period_end: dt.date, *, period_type: str = "annual",
               **lines: str | None) -> None:
    """A statement in yuan known since 31 January 2026, written without the form's checks
    (zero or negative totals are what the notes are about)."""
    from credo.creditfile.models import FinancialStatement

    FinancialStatement.objects.create(
        customer=customer, period_type=period_type, period_end=period_end, unit="yuan",
        currency="CNY", as_of=dt.date(2026, 1, 31),
        **{name: None if value is None else Decimal(value) for name, value in lines.items()})


def _edge_customers(make_customer) -> None:
    """Six customers, each line a note kind the single path gives (rated on both dates)."""
    from credo.creditfile.models import PublicRecord, TradeReference
    from credo.customers.models import Industry
    from credo.receivables import services as receivables
    from credo.receivables.models import InvoiceInstalment

    manufacturing = Industry.objects.get(code="13")  # section C: Altman Z' (needs revenue)
    seen = dt.date(2026, 1, 20)
    # 1. Lines not given: quick ratio "missing: inventory", inventory days "missing: inventory,
    # cost_of_sales", Altman "missing: retained_earnings"; interest expense 0 with EBIT > 0
    # ("strong"); growth against a half-year statement: "annualised: 12 vs 6 months" on a
    # value. A prompt reference without days ("1 prompt references ... counted as 0") and a
    # lawsuit without an amount ("1 lawsuits without amount").
    gaps = make_customer(size_class="medium")
    _statement(gaps, dt.date(2025, 12, 31), current_assets="500", current_liabilities="300",
               total_assets="1000", total_liabilities="600", equity="400", revenue="2000",
               net_profit="50", operating_profit="100", interest_expense="0")
    _statement(gaps, dt.date(2024, 12, 31), period_type="semi_annual", total_assets="900",
               total_liabilities="500", equity="400", revenue="900", net_profit="20")
    TradeReference.objects.create(customer=gaps, supplier="A", payment_experience="prompt",
                                  as_of=seen)
    TradeReference.objects.create(customer=gaps, supplier="B", payment_experience="slow",
                                  days_beyond_terms=10, as_of=seen)
    PublicRecord.objects.create(customer=gaps, kind="lawsuit", title="Case", role="defendant",
                                status="open", event_date=dt.date(2026, 1, 15), as_of=seen)
    # 2. Zeros: every denominator 0 (ratios, growth against a zero year, Altman Z' total
    # assets), interest 0 with EBIT < 0 ("weak"), registered capital 0, a reference without
    # days.
    zeros = make_customer(size_class="small", industry=manufacturing,
                          registered_capital=Decimal("0"), paid_in_capital=Decimal("0"))
    _statement(zeros, dt.date(2025, 12, 31), **dict.fromkeys(
        ("cash", "accounts_receivable", "inventory", "current_assets", "total_assets",
         "current_liabilities", "total_liabilities", "equity", "retained_earnings", "revenue",
         "cost_of_sales", "interest_expense"), "0"), operating_profit="-5", net_profit="-5")
    _statement(zeros, dt.date(2024, 12, 31), total_assets="0", total_liabilities="0",
               equity="0", revenue="0", net_profit="0")
    TradeReference.objects.create(customer=zeros, supplier="C", payment_experience="slow",
                                  as_of=seen)
    # 3. Negatives: negative denominators (ratios, ROE's negative equity, Altman total assets),
    # negative interest with EBIT > 0, negative registered capital, founded after the rating
    # date, and open receivables below 0 (an instalment written negative).
    negatives = make_customer(size_class="large")
    Customer.objects.filter(pk=negatives.pk).update(
        registered_capital=Decimal("-1000"), paid_in_capital=Decimal("500"),
        founding_date=dt.date(2027, 3, 1))
    _statement(negatives, dt.date(2025, 12, 31), current_assets="10", current_liabilities="-1",
               total_assets="-100", total_liabilities="-50", equity="-50", revenue="-50",
               cost_of_sales="-5", operating_profit="10", interest_expense="-3",
               net_profit="5", inventory="1", accounts_receivable="1", retained_earnings="1")
    invoice = receivables.invoice_post(customer=negatives, number="INV-EDGE-1",
                                       invoice_date=dt.date(2026, 1, 5), currency="CNY",
                                       amount=Decimal("1000"))
    InvoiceInstalment.objects.filter(invoice=invoice).update(
        amount=Decimal("-1000"), amount_company=Decimal("-1000"))
    # 4. Negative interest with EBIT < 0 ("weak"); Altman with total liabilities 0.
    no_debt = make_customer(size_class="medium")
    _statement(no_debt, dt.date(2025, 12, 31), current_assets="50", current_liabilities="20",
               total_assets="100", total_liabilities="0", equity="100", revenue="100",
               cost_of_sales="50", operating_profit="-10", interest_expense="-3",
               net_profit="-10", inventory="5", accounts_receivable="5", retained_earnings="10")
    # 5. Altman with negative total liabilities.
    credit = make_customer(size_class="medium")
    _statement(credit, dt.date(2025, 12, 31), current_assets="50", current_liabilities="20",
               total_assets="100", total_liabilities="-10", equity="110", revenue="100",
               cost_of_sales="50", operating_profit="10", interest_expense="1",
               net_profit="5", inventory="5", accounts_receivable="5", retained_earnings="10")
    # 6. A manufacturer without revenue or retained earnings: Altman Z' "missing:
    # retained_earnings, revenue"; growth "missing: revenue" and "missing:
    # previous_net_profit".
    no_revenue = make_customer(size_class="medium", industry=manufacturing)
    _statement(no_revenue, dt.date(2025, 12, 31), current_assets="40",
               current_liabilities="20", total_assets="100", total_liabilities="50",
               equity="50", operating_profit="5", net_profit="5")
    _statement(no_revenue, dt.date(2024, 12, 31), total_assets="90", total_liabilities="45",
               equity="45", revenue="80")


def _same_value(single, batched) -> bool:
    if single is None or batched is None:
        return single is None and batched is None
    if isinstance(single, str) or isinstance(batched, str):
        return single == batched
    return math.isclose(single, batched, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("as_of", [DEFAULT_AS_OF, EARLIER])
def test_batch_features_equal_the_single_customer_features(portfolio, as_of):
    columns = batch.batch_features([c.pk for c in portfolio], as_of=as_of)
    assert list(columns.customer_ids) == [c.pk for c in portfolio]
    varied = set()
    notes: collections.Counter[tuple[str, str]] = collections.Counter()
    for position, customer in enumerate(portfolio):
        single = selectors.customer_features(customer=customer, as_of=as_of)
        row = columns.row(position)
        for key, feature in single.features.items():
            value, status = row[key]
            assert status == feature.status.value, (customer.code, key, value, feature)
            assert _same_value(feature.value, value), (customer.code, key, value, feature)
            # The same structured source and note (code + parameters) as the single path.
            assert columns.sources[key][position] == feature.source_message, (customer.code, key)
            assert columns.notes[key][position] == feature.note_message, (customer.code, key)
            varied.add((key, feature.status.value))
            if feature.note_message is not None:
                notes[feature.note_message.code, _family(key)] += 1
    # The sample exercises missing data and the ok path of the payment features.
    assert ("payment_index", "ok") in varied and ("days_beyond_terms", "ok") in varied
    assert ("altman_z", "ok") in varied  # the demo's statements carry retained earnings
    assert any(status != "ok" for _key, status in varied)
    if as_of == DEFAULT_AS_OF:
        # Every note the single path can give shows on some customer (counted, so a kind the
        # fixture stops covering fails here rather than going untested).
        seen = {code for code, _family_name in notes}
        wanted = {code for code in MESSAGES
                  if code.startswith(("feature.", "ratio."))} - UNREACHABLE_NOTES
        assert wanted - seen == set(), notes
        assert VALUE_NOTES - set(notes) == set(), notes


def test_batch_run_equals_customer_rate_and_keeps_one_current_rating(portfolio, analyst):
    single = {}
    with acting_as(analyst, channel="system"):
        for customer in portfolio:
            single[customer.pk] = services.customer_rate(
                customer=customer, trigger="manual", as_of=DEFAULT_AS_OF)
    changes, events = ObjectChange.objects.count(), BusinessEvent.objects.count()
    state = batch.run_start(scope={"all": True}, as_of=DEFAULT_AS_OF, batch_size=17)
    state = batch.run_continue(state)
    assert state.status == "finished" and state.rated == len(portfolio)
    assert state.chunks == math.ceil(len(portfolio) / 17)
    assert ObjectChange.objects.count() == changes  # change-log-free bulk path
    assert BusinessEvent.objects.count() == events + 1  # one event per run
    cards = set(Rating.objects.values_list("scorecard__key", flat=True))
    assert len(cards) >= 2  # several segments' cards are used
    for customer in portfolio:
        expected = single[customer.pk]
        got = Rating.objects.get(customer=customer, is_current=True)
        assert got.trigger == "batch" and got.pk != expected.pk
        assert got.scorecard_id == expected.scorecard_id
        assert abs(float(got.score) - float(expected.score)) < 1e-6
        assert got.grade == expected.grade and got.pd == expected.pd
        assert [r["key"] for r in got.reasons] == [r["key"] for r in expected.reasons]
        # Why a value counted as missing: the feature's note, as in the single path.
        assert [r["missing_reason"] for r in got.reasons] == [
            r["missing_reason"] for r in expected.reasons], customer.code
        assert got.previous_grade == expected.grade
        for key, feature in expected.features.items():
            assert got.features[key]["status"] == feature["status"], key
            assert _same_value(feature["value"], got.features[key]["value"]), key
            # The same structured source and note (code + parameters) and English texts.
            for part in ("source_message", "source", "note_message", "note", "as_of",
                         "dimension"):
                assert got.features[key][part] == feature[part], (customer.code, key, part)
        assert len(got.contributions) == len(expected.contributions)
        for mine, theirs in zip(got.contributions, expected.contributions, strict=True):
            assert mine["key"] == theirs["key"] and mine["bin_label"] == theirs["bin_label"]
            assert mine["missing_reason"] == theirs["missing_reason"], (customer.code, mine)
            assert mine["points"] == pytest.approx(theirs["points"], abs=1e-6)
    assert Rating.objects.filter(is_current=True).count() == len(portfolio)
    # The open review moved with the batch rating, exactly as customer_rate had set it.
    from credo.rating.models import CreditReview

    for customer in portfolio:
        review = CreditReview.objects.get(customer=customer, status="scheduled")
        current = Rating.objects.get(customer=customer, is_current=True)
        assert review.rating_id == current.pk and review.grade == current.grade
        assert review.due_on == services.review_due_on(grade=current.grade,
                                                       rated_on=DEFAULT_AS_OF)


def test_resume_after_an_interrupted_run(portfolio):
    state = batch.run_start(scope={"all": True}, as_of=DEFAULT_AS_OF, batch_size=25)
    state = batch.run_continue(state, stop_after_chunks=1)  # "interrupted" after chunk 1
    assert state.status == "running" and state.done == 25
    assert Rating.objects.count() == 25
    resumed = batch.RunState.load(state.run_id)
    assert resumed.last_customer_id == portfolio[24].pk
    resumed = batch.run_continue(resumed)
    assert resumed.status == "finished" and resumed.rated == len(portfolio)
    assert resumed.chunks == math.ceil(len(portfolio) / 25)
    assert Rating.objects.count() == len(portfolio)  # nobody rated twice
    from credo.rating.models import CreditReview

    # First ratings: every customer gets its first scheduled review, from the batch rating.
    assert CreditReview.objects.filter(status="scheduled").count() == len(portfolio)
    assert set(CreditReview.objects.values_list("rating_id", flat=True)) == set(
        Rating.objects.values_list("pk", flat=True))
    with pytest.raises(batch.BatchError):
        batch.run_continue(batch.RunState.load(state.run_id))


def test_scope_customer_list_and_segment(portfolio):
    codes = [portfolio[3].code, portfolio[40].code]
    state = batch.run_continue(
        batch.run_start(scope={"customers": codes}, as_of=DEFAULT_AS_OF))
    assert state.rated == 2
    assert set(Rating.objects.values_list("customer__code", flat=True)) == set(codes)
    state = batch.run_continue(
        batch.run_start(scope={"segment": "small-firm-expert"}, as_of=DEFAULT_AS_OF))
    small = Rating.objects.filter(scorecard__key="small-firm-expert", is_current=True)
    assert state.rated == small.count() > 0
    assert not Rating.objects.filter(is_current=True, trigger="batch").exclude(
        scorecard__key="small-firm-expert").exclude(customer__code__in=codes).exists()


def test_bad_scope_arguments(portfolio):
    with pytest.raises(batch.BatchError, match="Unknown customer codes: NOPE"):
        batch.scope_customer_ids({"customers": ["NOPE"]})
    with pytest.raises(batch.BatchError, match="future"):
        batch.run_start(scope={"all": True}, as_of=DEFAULT_AS_OF + dt.timedelta(days=400))
    with pytest.raises(batch.BatchError, match="batch size"):
        batch.run_start(scope={"all": True}, as_of=DEFAULT_AS_OF, batch_size=0)
    with pytest.raises(batch.BatchError, match="no-such-card"):
        batch.run_start(scope={"segment": "no-such-card"}, as_of=DEFAULT_AS_OF)
    with pytest.raises(batch.BatchError, match="No rating run"):
        batch.RunState.load("20260101-000000-abcdef")
    assert np.all(batch._index3(np.array([-40, -30, 0, 30, 120, 177, 500])) ==
                  np.array([300, 300, 240, 150, 60, 3, 3]))


def test_vectorised_scoring_equals_score_rows_of_the_engine(portfolio):
    from credo.rating.engine.statistical import score_rows

    columns = batch.batch_features([c.pk for c in portfolio], as_of=DEFAULT_AS_OF)
    cards = batch.active_cards()
    for info in cards:
        explained = batch._explain(info.card, columns)
        expected = score_rows(info.card, columns.scoring_columns())
        assert np.array_equal(explained.total, expected)


def test_missing_reasons_of_the_contributions_equal_the_engine(portfolio):
    """A missing value's reason is its feature's note (as ``services.customer_rate`` passes
    it to the scorecard); a category no bin lists is an "unlisted category"."""
    from credo.rating.engine.scorecard import CategoricalBin

    default = next(c.card for c in batch.active_cards() if c.card.key == "default-expert")
    # Only "large" listed and no "other" points: every other size class is unlisted.
    factors = tuple(
        dataclasses.replace(f, bins=(CategoricalBin(("large",), f.max_points),))
        if f.key == "size_class" else f for f in default.factors)
    card = dataclasses.replace(default, factors=factors)
    columns = batch.batch_features([c.pk for c in portfolio], as_of=DEFAULT_AS_OF)
    explained = batch._explain(card, columns)
    reasons = collections.Counter()
    for position, customer in enumerate(portfolio):
        features = selectors.customer_features(customer=customer, as_of=DEFAULT_AS_OF)
        expected = card.score(features.values(),
                              missing_reasons=services._missing_reasons(features))
        got = json.loads(explained.contributions_json[position])
        assert [c["missing_reason"] for c in got] == [
            c.missing_reason for c in expected.contributions], customer.code
        reasons.update(c.missing_reason for c in expected.contributions if c.missing_reason)
    assert reasons["unlisted category"] > 0
    assert reasons[f"no statement ending on or before {DEFAULT_AS_OF.isoformat()}"] > 0
    assert reasons["missing: inventory"] > 0  # a ratio's own missing input


def test_grade_changes_of_a_run_are_notified_as_digests(portfolio, analyst, mailoutbox):
    from credo.rating.models import Notification

    analyst.email = "analyst@example.com"
    analyst.save()
    batch.run_continue(batch.run_start(scope={"all": True}, as_of=EARLIER))
    assert not Notification.objects.exists()  # first ratings: nothing moved
    state = batch.run_start(scope={"all": True}, as_of=DEFAULT_AS_OF)
    batch.run_continue(state)
    changed = [r for r in Rating.objects.filter(is_current=True).select_related("customer")
               if r.grade != r.previous_grade]
    assert changed, "the sample should move some grades between the two dates"
    # Per-customer notifications for the account managers, of their own customers only.
    per_customer = Notification.objects.filter(kind="grade_changed")
    assert per_customer.count() == len(changed)
    for note in per_customer.select_related("customer"):
        assert note.user_id == note.customer.account_manager_id
    # One digest per recipient; the analyst's covers every change of the run.
    digest = Notification.objects.get(user=analyst, kind="batch_changes")
    assert digest.params["count"] == len(changed) and digest.params["run"] == state.run_id
    assert digest.params["up"] + digest.params["down"] == len(changed)
    mails = [m for m in mailoutbox if m.to == ["analyst@example.com"]]
    assert len(mails) == 1 and f"{len(changed)} grade changes" in mails[0].subject
    first = min(changed, key=lambda r: r.customer.code)
    assert f"{first.customer.code} " in mails[0].body
