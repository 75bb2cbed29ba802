"""Batch rating (``credo.rating.batch``) gives the single-customer results, resumes, scopes."""

from __future__ import annotations

import datetime as dt
import math

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


@pytest.fixture
def portfolio(settings, tmp_path):
    """60 demo customers with three years of receivables history (bulk writer)."""
    settings.VAR_DIR = tmp_path
    load_portfolio(
        PortfolioGenerator(seed=11, count=60, as_of=DEFAULT_AS_OF), bulk=True, batch_size=25,
        ledger=LedgerGenerator(seed=11, as_of=DEFAULT_AS_OF, items_per_customer=8),
    )
    return list(Customer.objects.order_by("pk"))


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
    for position, customer in enumerate(portfolio):
        single = selectors.customer_features(customer=customer, as_of=as_of)
        row = columns.row(position)
        for key, feature in single.features.items():
            value, status = row[key]
            assert status == feature.status.value, (customer.code, key, value, feature)
            assert _same_value(feature.value, value), (customer.code, key, value, feature)
            # The same structured source (code + parameters) as the single path.
            assert columns.sources[key][position] == feature.source_message, (customer.code, key)
            varied.add((key, feature.status.value))
    # The sample exercises missing data and the ok path of the payment features.
    assert ("payment_index", "ok") in varied and ("days_beyond_terms", "ok") in varied
    assert ("altman_z", "ok") in varied  # the demo's statements carry retained earnings
    assert any(status != "ok" for _key, status in varied)


def test_batch_run_equals_customer_rate_and_keeps_one_current_rating(portfolio, analyst):
    single = {}
    with acting_as(analyst, channel="system"):
        for customer in portfolio:
            single[customer.pk] = services.customer_rate(
                customer=customer, trigger="manual", as_of=DEFAULT_AS_OF)
    changes, events = ObjectChange.objects.count(), BusinessEvent.objects.count()
    state = batch.run_start(scope={"all": True}, as_of=DEFAULT_AS_OF, batch_size=17)
    state = batch.run_continue(state)
    assert state.status == "finished" and state.rated == len(portfolio) and state.chunks == 4
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
        assert got.previous_grade == expected.grade
        for key, feature in expected.features.items():
            assert got.features[key]["status"] == feature["status"], key
            assert _same_value(feature["value"], got.features[key]["value"]), key
            # Structured notes: the same source message; a missing value's note is the status
            # as a message in the batch, the single path's own (more specific) note otherwise.
            assert got.features[key]["source_message"] == feature["source_message"], key
            assert got.features[key]["source"] == feature["source"], key
            if feature["status"] == "ok":
                assert got.features[key]["note_message"] is None, key
            else:
                assert feature["note_message"]["code"] in MESSAGES, key
                assert got.features[key]["note_message"] == {
                    "code": "value.status", "params": {"status": feature["status"]}}, key
        assert len(got.contributions) == len(expected.contributions)
        for mine, theirs in zip(got.contributions, expected.contributions, strict=True):
            assert mine["key"] == theirs["key"] and mine["bin_label"] == theirs["bin_label"]
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
    assert resumed.status == "finished" and resumed.rated == 60 and resumed.chunks == 3
    assert Rating.objects.count() == 60  # nobody rated twice
    from credo.rating.models import CreditReview

    # First ratings: every customer gets its first scheduled review, from the batch rating.
    assert CreditReview.objects.filter(status="scheduled").count() == 60
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
