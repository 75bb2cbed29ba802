"""Promises to pay (kept / broken / open) and the prioritised collection worklist."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from credo.core.models import BusinessEvent, ObjectChange
from credo.dunning import selectors, services
from credo.dunning.models import PromiseToPay

from .conftest import AS_OF, D, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(make_customer, acting):
    return make_customer()


def promise(customer, user, amount="3000.00", made="2025-06-01", due="2025-06-15"):
    return services.promise_create(
        customer=customer, amount=amount, made_on=day(made), promised_date=day(due), user=user,
    )


def test_promise_kept_when_paid_by_the_date(customer, acting, pay):
    kept = promise(customer, acting)
    pay(customer, "3000.00", "2025-06-10")
    assert services.promises_review(as_of=day("2025-06-12")) == {"kept": 1, "broken": 0}
    kept.refresh_from_db()
    assert (kept.status, kept.resolved_on) == ("kept", day("2025-06-12"))
    assert BusinessEvent.objects.filter(name="collections.promise.kept").count() == 1


def test_promise_open_until_its_date_then_broken(customer, acting):
    pending = promise(customer, acting)
    assert services.promises_review(as_of=day("2025-06-15")) == {"kept": 0, "broken": 0}
    pending.refresh_from_db()
    assert pending.status == "open"
    assert services.promises_review(as_of=day("2025-06-16")) == {"kept": 0, "broken": 1}
    pending.refresh_from_db()
    assert (pending.status, pending.resolved_on) == ("broken", day("2025-06-16"))


def test_partial_or_early_or_late_payment_breaks_the_promise(customer, acting, pay):
    partial = promise(customer, acting)
    pay(customer, "1000.00", "2025-05-20")  # before the promise: does not count
    pay(customer, "1999.99", "2025-06-05")  # one cent short
    pay(customer, "5000.00", "2025-06-16")  # after the promised date
    services.promises_review(as_of=day("2025-06-20"))
    partial.refresh_from_db()
    assert partial.status == "broken"


def test_reviewed_promise_is_not_reviewed_again(customer, acting, pay):
    kept = promise(customer, acting)
    pay(customer, "3000.00", "2025-06-10")
    services.promises_review(as_of=day("2025-06-12"))
    assert services.promises_review(as_of=day("2025-07-01")) == {"kept": 0, "broken": 0}
    kept.refresh_from_db()
    assert kept.status == "kept"


@pytest.mark.parametrize(
    ("amount", "due", "errors"),
    [
        ("0", "2025-06-15", {"amount": ["The promised amount must be above zero."]}),
        ("-5", "2025-06-15", {"amount": ["The promised amount must be above zero."]}),
        ("abc", "2025-06-15", {"amount": ["Enter a number."]}),
        ("100.00", "2025-05-31", {
            "promised_date": ["The promised date cannot be before the day the promise was made."]
        }),
    ],
)
def test_bad_promise_is_refused_and_writes_nothing(customer, acting, amount, due, errors):
    changes = ObjectChange.objects.count()
    with pytest.raises(ValidationError) as refused:
        promise(customer, acting, amount=amount, due=due)
    assert refused.value.message_dict == errors
    assert not PromiseToPay.objects.exists()
    assert ObjectChange.objects.count() == changes


def test_contact_of_another_customer_is_refused(customer, make_customer, acting):
    from credo.customers.services import contact_create

    stranger = make_customer()
    contact = contact_create(customer=stranger, name="王五")
    with pytest.raises(ValidationError) as refused:
        services.promise_create(
            customer=customer, amount="10", promised_date=day("2025-07-01"), user=acting,
            made_on=day("2025-06-01"), contact=contact,
        )
    assert refused.value.message_dict == {"contact": ["The contact belongs to another customer."]}


def test_risk_factor_formula():
    assert selectors.risk_factor(blacklisted=False, watched=False, broken_promises=0) == D("1")
    assert selectors.risk_factor(blacklisted=True, watched=True, broken_promises=1) == D("2.75")
    assert selectors.risk_factor(blacklisted=False, watched=False, broken_promises=9) == D("2.00")


@pytest.fixture
def portfolio(make_customer, invoice, acting, account_manager, other_account_manager):
    from credo.decisions.services import list_entry_add

    small = make_customer(owner=account_manager)
    invoice(small, "1000.00", "2025-06-20")  # 1000 x 10 days x 1 = 10,000
    watched = make_customer(owner=account_manager)
    invoice(watched, "500.00", "2025-05-21")  # 500 x 40 x 1.5 = 30,000
    list_entry_add(customer=watched, list_kind="watch", reason="slow payer", user=acting,
                   since=day("2025-01-01"))
    big = make_customer(owner=other_account_manager)
    invoice(big, "2000.00", "2025-05-11")  # 2000 x 50 x 1 = 100,000
    not_due = make_customer(owner=account_manager)
    invoice(not_due, "9000.00", "2025-06-30")
    return {"small": small, "watched": watched, "big": big}


def test_worklist_priority_order_and_figures(portfolio, credit_manager):
    rows = selectors.collection_worklist(user=credit_manager, as_of=AS_OF)
    assert [(r.customer, r.overdue_amount, r.days_overdue, r.risk_factor, r.priority)
            for r in rows] == [
        (portfolio["big"], D("2000.00"), 50, D("1"), D("100000.00")),
        (portfolio["watched"], D("500.00"), 40, D("1.5"), D("30000.00")),
        (portfolio["small"], D("1000.00"), 10, D("1"), D("10000.00")),
    ]


def test_worklist_restricted_to_visible_customers(portfolio, account_manager):
    rows = selectors.collection_worklist(user=account_manager, as_of=AS_OF)
    assert [r.customer for r in rows] == [portfolio["watched"], portfolio["small"]]


def test_worklist_per_collector(portfolio, credit_manager, analyst, acting,
                                other_account_manager):
    services.collector_assign(customer=portfolio["big"], collector=analyst)
    by_analyst = selectors.collection_worklist(
        user=credit_manager, as_of=AS_OF, collector_id=analyst.pk
    )
    assert [(r.customer, r.collector) for r in by_analyst] == [(portfolio["big"], analyst)]
    assert selectors.collection_worklist(
        user=credit_manager, as_of=AS_OF, collector_id=other_account_manager.pk
    ) == []
    services.collector_assign(customer=portfolio["big"], collector=None)
    back = selectors.collection_worklist(
        user=credit_manager, as_of=AS_OF, collector_id=other_account_manager.pk
    )
    assert [r.customer for r in back] == [portfolio["big"]]


def test_broken_promise_raises_priority(portfolio, credit_manager, acting):
    promise(portfolio["small"], acting, amount="1000.00", made="2025-06-20", due="2025-06-25")
    services.promises_review(as_of=day("2025-06-26"))
    rows = selectors.collection_worklist(user=credit_manager, as_of=AS_OF)
    small = next(r for r in rows if r.customer == portfolio["small"])
    assert (small.broken_promises, small.risk_factor, small.priority) == (
        1, D("1.25"), D("12500.00")
    )
