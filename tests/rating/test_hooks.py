"""Credit events from where they happen: credit-file records, the blacklist, limit breaches of
real credit checks and the daily overdue detection; each once, re-rating after commit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from credo.rating import selectors, services
from credo.rating.models import CreditEvent, CreditEventMark, RatingJobRun

from .conftest import D, invoice, pay

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _record(record_type, customer, **fields):
    from credo.creditfile.services import record_create

    return record_create(record_type=record_type, customer=customer, **fields)


def _update(record, **fields):
    from credo.creditfile.services import record_update

    return record_update(record=record, **fields)


def _events(customer, kind=None):
    events = CreditEvent.objects.filter(customer=customer).order_by("pk")
    return list(events if kind is None else events.filter(kind=kind))


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a write and then its after-commit callbacks (hooks, re-ratings, notifications)."""

    def execute(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return execute


# --- credit file ------------------------------------------------------------------------------


def test_new_lawsuit_as_defendant_is_an_event_that_rerates(customer, simple_card, acting, run):
    services.customer_rate(customer=customer, trigger="manual")
    record = run(
        _record, "public-records", customer, kind="lawsuit", title="买卖合同纠纷",
        role="defendant", amount=D("300000"), status="open", case_number="(2025)沪0101民初1号",
        event_date=dt.date(2025, 5, 1), as_of=dt.date(2025, 5, 10),
    )
    [event] = _events(customer)
    assert (event.kind, event.occurred_on, event.recorded_by) == (
        "lawsuit", dt.date(2025, 5, 1), None
    )
    assert event.detail["source"] == "public_record"
    assert event.detail["record_id"] == record.pk
    assert event.detail["case_number"] == "(2025)沪0101民初1号"
    assert event.detail["amount"] == "300000.00"
    # Re-rated at once after the commit, trigger "event".
    assert event.processed_at is not None
    current = selectors.current_rating(customer)
    assert event.rating == current and current.trigger == "event" and current.event == event
    assert CreditEventMark.objects.get(customer=customer).event == event


def test_plaintiff_lawsuit_is_none_until_an_edit_makes_the_customer_defendant(
    customer, acting, run
):
    record = run(
        _record, "public-records", customer, kind="lawsuit", title="追讨货款", role="plaintiff",
        status="open", event_date=dt.date(2025, 5, 1), as_of=dt.date(2025, 5, 10),
    )
    assert _events(customer) == []
    run(_update, record, role="defendant")
    [event] = _events(customer)
    assert event.kind == "lawsuit" and event.detail["record_id"] == record.pk
    # Further edits of the same record make no second event.
    run(_update, record, title="买卖合同纠纷（反诉）")
    run(_update, record, status="unknown")
    assert len(_events(customer)) == 1


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"kind": "enforcement", "title": "执行案件", "status": "open"}, "enforcement"),
        ({"kind": "dishonest_debtor", "title": "失信被执行人", "status": "valid"},
         "dishonest_debtor"),
        ({"kind": "enforcement", "title": "已结执行案件", "status": "closed"}, None),
        ({"kind": "admin_penalty", "title": "行政处罚", "status": "open"}, None),
        ({"kind": "honour", "title": "高新技术企业", "status": "valid"}, None),
    ],
)
def test_which_public_records_are_events(customer, acting, run, fields, kind):
    run(_record, "public-records", customer, event_date=dt.date(2025, 6, 1),
        as_of=dt.date(2025, 6, 2), **fields)
    assert [e.kind for e in _events(customer)] == ([] if kind is None else [kind])


def test_dishonest_debtor_listing_moves_the_grade(customer, simple_card, acting, run):
    services.customer_rate(customer=customer, trigger="manual")
    today = TODAY()
    run(_record, "public-records", customer, kind="dishonest_debtor", title="失信被执行人",
        status="valid", event_date=today, as_of=today)
    current = selectors.current_rating(customer)
    assert (current.previous_grade, current.grade, current.trigger) == ("AAA", "C", "event")


def test_a_new_statement_is_an_event_an_edit_is_not(customer, acting, run):
    statement = run(
        _record, "financial-statements", customer, period_type="annual",
        period_end=dt.date(2024, 12, 31), total_assets=D("1000"), total_liabilities=D("600"),
        equity=D("400"), as_of=dt.date(2025, 4, 30),
    )
    [event] = _events(customer)
    assert (event.kind, event.occurred_on) == ("financial_statement", dt.date(2025, 4, 30))
    assert event.detail == {
        "source": "financial_statement", "record_type": "financial-statements",
        "record_id": statement.pk, "period_type": "annual", "period_end": "2024-12-31",
        "audited": False,
    }
    run(_update, statement, revenue=D("2500"))
    assert len(_events(customer)) == 1


def test_bank_overdue_when_the_count_or_amount_goes_up(customer, acting, run):
    relation = run(_record, "bank-relations", customer, bank="中国银行", overdue_count=0,
                   as_of=dt.date(2025, 3, 31))
    assert _events(customer) == []
    run(_update, relation, overdue_count=2, overdue_amount=D("50000"))
    [first] = _events(customer, "bank_overdue")
    assert first.detail["overdue_count"] == 2 and first.detail["previous_overdue_count"] == 0
    assert first.detail["overdue_amount"] == "50000.00"
    run(_update, relation, remarks="客户经理核实")  # no change of the figures
    run(_update, relation, overdue_count=1, overdue_amount=D("20000"))  # went down
    assert len(_events(customer)) == 1
    run(_update, relation, overdue_count=1, overdue_amount=D("30000"))  # amount up again
    assert len(_events(customer)) == 2
    # The bank's next report repeats the figures: no event; a higher count: an event.
    run(_record, "bank-relations", customer, bank="中国银行", overdue_count=1,
        overdue_amount=D("30000"), as_of=dt.date(2025, 6, 30))
    assert len(_events(customer)) == 2
    run(_record, "bank-relations", customer, bank="中国银行", overdue_count=3,
        overdue_amount=D("30000"), as_of=dt.date(2025, 9, 30))
    assert len(_events(customer)) == 3
    # A new bank reporting an overdue is an event too.
    run(_record, "bank-relations", customer, bank="工商银行", overdue_count=1,
        overdue_amount=D("1000"), as_of=dt.date(2025, 9, 30))
    assert len(_events(customer)) == 4


def test_a_replayed_hook_emits_nothing_twice(customer, acting, run):
    record = run(_record, "public-records", customer, kind="enforcement", title="执行案件",
                 status="open", as_of=dt.date(2025, 6, 2))
    assert services.credit_file_record_saved(
        record_type="public-records", record_id=record.pk, created=True
    ) is None
    assert services.credit_file_record_saved(
        record_type="public-records", record_id=999999, created=True
    ) is None
    assert len(_events(customer)) == 1


def test_nothing_happens_before_the_commit(customer, acting):
    _record("public-records", customer, kind="enforcement", title="执行案件", status="open",
            as_of=dt.date(2025, 6, 2))
    assert _events(customer) == []  # the test's transaction never commits


# --- decisions ---------------------------------------------------------------------------------


def test_blacklisting_is_an_event_other_lists_are_not(customer, acting, run):
    from credo.decisions.services import list_entry_add

    run(list_entry_add, customer=customer, list_kind="watch", reason="late payer", user=acting,
        since=dt.date(2025, 6, 1))
    assert _events(customer) == []
    entry = run(list_entry_add, customer=customer, list_kind="blacklist", reason="fraud",
                user=acting, since=dt.date(2025, 6, 1))
    [event] = _events(customer)
    assert (event.kind, event.occurred_on, event.recorded_by) == (
        "blacklisted", dt.date(2025, 6, 1), None
    )
    assert event.detail["entry_id"] == entry.pk and event.detail["reason"] == "fraud"
    assert services.list_entry_added(entry.pk) is None  # once


@pytest.fixture
def limited(customer, acting):
    """A limit of 1,000 and 900 invoiced: an order above 100 takes utilisation over 100 %."""
    from credo.decisions.services import credit_limit_set

    credit_limit_set(customer=customer, amount=D("1000"), user=acting,
                     valid_from=dt.date(2025, 1, 1))
    invoice(customer, "900", dt.date(2025, 6, 1))
    return customer


def _check(customer, user, amount, **kwargs):
    from credo.decisions.services import credit_check

    return credit_check(customer=customer, user=user, amount=D(amount), currency="CNY",
                        today=dt.date(2025, 6, 15), **kwargs)


def test_limit_breach_of_a_real_check_once_per_breach(limited, acting, run):
    answer = run(_check, limited, acting, "50")  # 95 %: within the limit
    assert answer.utilisation_percent == D("95.00")
    assert _events(limited) == []
    run(_check, limited, acting, "500", what_if=True)  # what-if: never an event
    assert _events(limited) == []
    breach = run(_check, limited, acting, "500")  # (900 + 500) / 1000 = 140 %
    [event] = _events(limited)
    assert event.kind == "limit_breach" and event.recorded_by is None
    assert event.detail["check_id"] == breach.check.pk
    assert event.detail["utilisation_percent"] == "140.00"
    run(_check, limited, acting, "300")  # still over: the same breach
    assert len(_events(limited)) == 1
    run(_check, limited, acting, "10")  # back within the limit (91 %) ...
    run(_check, limited, acting, "200")  # ... then over again (110 %): a new breach
    assert [e.kind for e in _events(limited)] == ["limit_breach", "limit_breach"]


def test_exactly_at_the_limit_is_no_breach(limited, acting, run):
    run(_check, limited, acting, "100")  # 100 %
    assert _events(limited) == []


# --- overdue crossings (daily job) ----------------------------------------------------------


def test_overdue_crossings_once_each(customer, acting):
    invoice(customer, "1000", dt.date(2025, 3, 1))  # due 1 March
    # 1 April: 31 days past due, more than 30 -> overdue_30 (first run: the day itself).
    result = services.overdue_events_detect(today=dt.date(2025, 4, 1))
    assert result.since == dt.date(2025, 3, 31)
    [event] = _events(customer)
    assert (event.kind, event.occurred_on, event.recorded_by) == (
        "overdue_30", dt.date(2025, 4, 1), None
    )
    assert event.detail == {
        "source": "open_item_due", "due_date": "2025-03-01", "days_past_due": 31,
        "threshold_days": 30, "overdue_amount": "1000.00", "as_of": "2025-04-01",
    }
    assert result.event_ids == (event.pk,)
    # Idempotent: the same day again, and the next day, emit nothing.
    assert services.overdue_events_detect(today=dt.date(2025, 4, 1)).event_ids == ()
    assert services.overdue_events_detect(today=dt.date(2025, 4, 2)).event_ids == ()
    # The job then pauses until 15 June: 60 (1 May) and 90 (31 May) were both crossed since
    # the last run (2 April) -> one event, overdue_90; both crossings are marked.
    late = services.overdue_events_detect(today=dt.date(2025, 6, 15))
    assert late.since == dt.date(2025, 4, 2)
    assert [e.kind for e in _events(customer)] == ["overdue_30", "overdue_90"]
    assert _events(customer)[1].occurred_on == dt.date(2025, 5, 31)
    assert sorted(CreditEventMark.objects.filter(customer=customer).values_list("key", flat=True)) \
        == ["2025-03-01:30", "2025-03-01:60", "2025-03-01:90"]
    assert services.overdue_events_detect(today=dt.date(2025, 6, 15)).event_ids == ()
    run_row = RatingJobRun.objects.get(job="overdue_events", run_on=dt.date(2025, 6, 15))
    assert run_row.finished_at is not None and run_row.summary["since"] == "2025-04-02"


def test_paying_the_oldest_item_makes_no_new_crossing(customer, acting):
    oldest = invoice(customer, "1000", dt.date(2025, 1, 1))
    invoice(customer, "500", dt.date(2025, 2, 1))
    services.overdue_events_detect(today=dt.date(2025, 3, 5))  # crossings before: none
    assert _events(customer) == []
    pay(customer, oldest, "1000", dt.date(2025, 3, 5))
    # Now the oldest open item is due 1 February: it crossed 30 on 4 March, before the last
    # run: nothing. It crosses 60 on 3 April (1 Feb + 61 days: 27 + 31 + 3).
    services.overdue_events_detect(today=dt.date(2025, 3, 6))
    assert _events(customer) == []
    services.overdue_events_detect(today=dt.date(2025, 4, 2))
    assert _events(customer) == []
    services.overdue_events_detect(today=dt.date(2025, 4, 3))
    [event] = _events(customer)
    assert event.kind == "overdue_60" and event.detail["due_date"] == "2025-02-01"
    assert event.detail["overdue_amount"] == "500.00"


def test_overdue_event_rerates_after_commit(customer, simple_card, acting, run):
    invoice(customer, "1000", dt.date(2025, 3, 1))
    run(services.overdue_events_detect, today=dt.date(2025, 4, 1))
    [event] = _events(customer)
    assert event.processed_at is not None and event.rating.trigger == "event"


def test_no_overdue_no_event(customer, acting):
    invoice(customer, "1000", dt.date(2025, 3, 31))
    assert services.overdue_events_detect(today=dt.date(2025, 4, 1)).candidates == 0
    assert _events(customer) == []
