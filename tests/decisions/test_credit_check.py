"""The credit check service on real ledger data: figures, outcomes, what-if, log, O(1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credo.core.models import BusinessEvent, ObjectChange
from credo.decisions import services
from credo.decisions.models import CreditCheck
from credo.receivables.models import SalesOrder

from .conftest import TODAY, D

pytestmark = pytest.mark.django_db


def check(customer, user, amount=None, **kwargs):
    kwargs.setdefault("currency", "CNY")
    return services.credit_check(customer=customer, user=user, amount=amount, today=TODAY,
                                 **kwargs)


def codes(answer) -> list[str]:
    return [reason["code"] for reason in answer.reasons]


def test_check_reads_the_exposure_buckets(customer, acting, ledger, limit_of):
    limit_of(customer, "10000")
    ledger.order(customer, "1500")
    ledger.invoice(customer, "2000", on=dt.date(2025, 6, 29))  # due today-1: overdue 1 day
    ledger.invoice(customer, "500", on=TODAY)  # due today: not overdue
    ledger.security(customer, "1000")
    answer = check(customer, acting, "100", what_if=True)
    assert answer.buckets["open_orders"] == D("1500.00")
    assert answer.buckets["open_receivables"] == D("2500.00")
    assert answer.buckets["overdue"] == D("2000.00")
    assert answer.secured == D("1000.00")
    assert answer.counted_exposure == D("4000.00")
    # 10000 - 4000 + 1000
    assert answer.available_credit == D("7000.00")
    assert answer.currency == "CNY"
    # overdue above 0 -> warn (default policy); within the limit
    assert answer.outcome == "warn"
    assert codes(answer) == ["within_limit", "overdue_above_threshold", "no_grade"]
    messages = {reason["code"]: reason["message"] for reason in answer.reasons}
    assert messages["overdue_above_threshold"] == (
        "Overdue receivables of 2000.00 are above the threshold of 0.00."
    )
    assert messages["within_limit"] == (
        "Within the limit: 31.00% of the limit of 10000.00 used after the order; "
        "7000.00 available."
    )


def test_what_if_writes_nothing(customer, acting, ledger, limit_of):
    limit_of(customer, "1000")
    order = ledger.order(customer, "5000")
    counts = (CreditCheck.objects.count(), BusinessEvent.objects.count(),
              ObjectChange.objects.count())
    answer = check(customer, acting, order=order, what_if=True)
    assert answer.outcome == "block"
    assert answer.check is None and answer.what_if
    assert (CreditCheck.objects.count(), BusinessEvent.objects.count(),
            ObjectChange.objects.count()) == counts
    order.refresh_from_db()
    assert order.credit_status == "not_checked"


def test_real_check_is_logged_and_sets_the_order_credit_status(customer, acting, ledger,
                                                               limit_of):
    limit_of(customer, "1000")
    order = ledger.order(customer, "5000")
    answer = check(customer, acting, order=order)
    order.refresh_from_db()
    assert order.credit_status == "block"
    assert answer.order_credit_status == "block"
    logged = CreditCheck.objects.get()
    assert answer.check == logged
    assert logged.order == order
    assert logged.outcome == "block"
    assert logged.amount == D("5000.00") and logged.currency == "CNY"
    assert logged.user == acting
    assert logged.policy_key == "default"
    assert [row["code"] for row in logged.reasons] == ["limit_exceeded", "no_grade"]
    assert logged.reasons[0]["params"]["available"] == "1000.00"
    # the order no longer counts in open orders once blocked
    assert logged.figures["buckets"]["open_orders"] == "0.00"
    assert BusinessEvent.objects.filter(name="decisions.credit_check.performed").count() == 1


def test_checking_a_counted_order_does_not_count_it_twice(customer, acting, ledger, limit_of):
    limit_of(customer, "1000")
    order = ledger.order(customer, "800")  # not checked yet: already in open orders
    answer = check(customer, acting, order=order, what_if=True)
    assert answer.buckets["open_orders"] == D("0.00")
    assert answer.outcome == "approve"
    assert answer.utilisation_percent == D("80.00")
    # A new order of the same size on top of it is measured against what is left.
    assert check(customer, acting, "800", what_if=True).outcome == "block"


def test_order_amount_and_currency_default_to_the_order(customer, acting, ledger, limit_of):
    ledger.usd_rate("7.00000000")
    limit_of(customer, "10000")
    order = ledger.order(customer, "100", currency="USD")
    answer = services.credit_check(customer=customer, user=acting, order=order, today=TODAY,
                                   what_if=True)
    assert (answer.amount, answer.amount_currency, answer.amount_company) == (
        D("100.00"), "USD", D("700.00")
    )


def test_foreign_currency_order_and_limit_are_converted(customer, acting, ledger, limit_of):
    ledger.usd_rate("7.20000000")
    limit_of(customer, "1000", currency="USD")  # 7200 CNY
    answer = check(customer, acting, "1000", currency="USD", what_if=True)
    assert answer.limit == D("7200.00")
    assert answer.amount_company == D("7200.00")
    assert answer.outcome == "warn"  # exactly 100 %: above 90 %, not above 100 %
    assert check(customer, acting, "1000.01", currency="USD", what_if=True).outcome == "block"


def test_missing_fx_rate_is_a_clear_error(customer, acting):
    with pytest.raises(ValidationError) as caught:
        check(customer, acting, "10", currency="USD")
    assert caught.value.message_dict == {
        "currency": ["No FX rate for USD on or before 2025-06-30: record one first."]
    }
    assert not CreditCheck.objects.exists()


@pytest.mark.parametrize(
    ("amount", "currency", "errors"),
    [
        ("0", "CNY", {"amount": ["The amount must be greater than zero."]}),
        ("-5", "CNY", {"amount": ["The amount must be greater than zero."]}),
        ("abc", "CNY", {"amount": ["Enter a number."]}),
        (None, "CNY", {"amount": ["This field is required."]}),
        ("5", "XYZ", {"currency": ["Unknown currency: XYZ."]}),
    ],
)
def test_bad_check_input(customer, acting, amount, currency, errors):
    with pytest.raises(ValidationError) as caught:
        check(customer, acting, amount, currency=currency)
    assert caught.value.message_dict == errors
    assert not CreditCheck.objects.exists()


def test_order_of_another_customer_or_closed_is_refused(customer, make_customer, acting, ledger):
    other = make_customer()
    foreign = ledger.order(other, "10")
    with pytest.raises(ValidationError) as caught:
        check(customer, acting, order=foreign)
    assert caught.value.message_dict == {"order": ["This order belongs to another customer."]}
    from credo.receivables.services import sales_order_cancel

    own = ledger.order(customer, "10")
    sales_order_cancel(order=own)
    with pytest.raises(ValidationError) as caught:
        check(customer, acting, order=own)
    assert caught.value.message_dict == {"order": ["Only open orders can be checked."]}
    assert not CreditCheck.objects.exists()


def test_no_limit_holds(customer, acting):
    answer = check(customer, acting, "1", what_if=True)
    assert answer.outcome == "hold"
    assert codes(answer) == ["no_limit", "no_grade"]
    assert answer.limit is None


def test_expired_limit_uses_its_figure_and_holds(customer, acting, limit_of):
    limit_of(customer, "1000", valid_until=dt.date(2025, 6, 1))
    answer = check(customer, acting, "10", what_if=True)
    assert answer.limit == D("1000.00") and answer.limit_expired
    assert answer.outcome == "hold"
    assert codes(answer) == ["within_limit", "limit_expired", "no_grade"]


def test_review_overdue_warns(customer, acting, limit_of):
    limit_of(customer, "1000", review_due=dt.date(2025, 6, 1))
    answer = check(customer, acting, "10", what_if=True)
    assert answer.outcome == "warn"
    assert "review_expired" in codes(answer)


def test_blacklist_blocks_and_every_reason_is_listed(customer, acting, ledger, limit_of):
    limit_of(customer, "1000")
    ledger.invoice(customer, "200", on=dt.date(2025, 1, 15))  # 166 days overdue
    services.list_entry_add(customer=customer, list_kind="blacklist", reason="fraud",
                            user=acting, since=dt.date(2025, 6, 1))
    services.list_entry_add(customer=customer, list_kind="watch", reason="late payer",
                            user=acting, since=dt.date(2025, 6, 1))
    answer = check(customer, acting, "950", what_if=True)
    assert answer.outcome == "block"
    assert codes(answer) == [
        "blacklisted", "watchlisted", "limit_exceeded", "overdue_above_threshold",
        "overdue_too_old", "no_grade",
    ]
    old = next(reason for reason in answer.reasons if reason["code"] == "overdue_too_old")
    assert old["params"] == {"days": "166", "maximum_days": "90"}
    assert old["reaction"] == "hold"


def test_secured_part_adds_room(customer, acting, ledger, limit_of):
    limit_of(customer, "1000")
    ledger.order(customer, "1000")
    assert check(customer, acting, "500", what_if=True).outcome == "block"
    ledger.security(customer, "600")
    answer = check(customer, acting, "500", what_if=True)
    assert answer.available_credit == D("600.00")
    # 1000 - 600 + 500 = 900 of 1000 used: 90 %, not above the 90 % warning grade
    assert answer.outcome == "approve"
    assert answer.utilisation_percent == D("90.00")
    # a security that is no longer valid does not count
    ledger.security(customer, "5000", on=dt.date(2024, 1, 1), until=dt.date(2024, 12, 31))
    assert check(customer, acting, "500", what_if=True).available_credit == D("600.00")


def test_segment_policy_and_information_only_buckets(customer, acting, ledger, limit_of):
    limit_of(customer, "1000")
    ledger.order(customer, "5000")
    ledger.invoice(customer, "300", on=TODAY)
    dealers = services.check_policy_save(
        key="dealers", name="Dealers",
        steps=[
            {"type": "limit", "grades": [{"above_percent": "100", "reaction": "hold"}]},
            {"type": "max_order", "max_amount": "600", "reaction": "warn"},
        ],
        counted_buckets=["open_receivables"],
    )
    services.customer_segment_set(customer=customer, policy=dealers)
    answer = check(customer, acting, "700", what_if=True)
    assert answer.policy_key == "dealers"
    assert answer.counted_exposure == D("300.00")  # the open order is information only
    assert answer.information_buckets == (
        "open_orders", "delivered_not_invoiced", "overdue", "disputed"
    )
    assert answer.outcome == "warn"
    assert codes(answer) == ["within_limit", "order_above_maximum"]
    assert check(customer, acting, "701", what_if=True).outcome == "hold"


def test_group_exposure_step(make_customer, acting, ledger, limit_of):
    parent = make_customer()
    child = make_customer(parent=parent)
    ledger.invoice(parent, "400", on=TODAY)
    ledger.order(child, "100")
    group = services.check_policy_save(
        key="groups", name="Groups", steps=[{"type": "group_exposure", "reaction": "info"}]
    )
    services.customer_segment_set(customer=child, policy=group)
    answer = check(child, acting, "1", what_if=True)
    assert answer.outcome == "approve"
    assert answer.reasons[0]["code"] == "group_exposure"
    assert answer.reasons[0]["params"] == {"group_exposure": "500.00"}


def test_check_cost_does_not_grow_with_the_ledger(customer, make_customer, acting, ledger,
                                                  limit_of):
    """O(1): the number of queries is the same for 1 and for 30 open items."""
    limit_of(customer, "100000")
    ledger.invoice(customer, "10", on=dt.date(2025, 1, 2))
    with CaptureQueriesContext(connection) as few:
        check(customer, acting, "1")
    for index in range(30):
        ledger.invoice(customer, "10", on=dt.date(2025, 1, 3) + dt.timedelta(days=index))
        ledger.order(customer, "5")
    with CaptureQueriesContext(connection) as many:
        answer = check(customer, acting, "1")
    assert answer.buckets["open_receivables"] == D("310.00")
    assert len(many.captured_queries) == len(few.captured_queries)
    ledger_tables = ("receivables_invoice\"", "receivables_invoiceinstalment",
                     "receivables_allocation", "receivables_payment\"")
    for query in many.captured_queries:
        assert not any(table in query["sql"] for table in ledger_tables), query["sql"]


def test_held_order_goes_to_the_worklist_and_approved_does_not(customer, make_customer, acting,
                                                               ledger, limit_of, credit_manager,
                                                               account_manager,
                                                               other_account_manager):
    from credo.decisions.selectors import blocked_order_worklist

    limit_of(customer, "1000")
    small = ledger.order(customer, "100")
    check(customer, acting, order=small)
    # checked after the small one was approved: the small order now counts against it
    large = ledger.order(customer, "5000")
    check(customer, acting, order=large)
    other = make_customer(owner=other_account_manager)
    limit_of(other, "10")
    foreign = ledger.order(other, "500")
    check(other, acting, order=foreign)
    assert list(blocked_order_worklist(user=credit_manager)) == [large, foreign]
    assert list(blocked_order_worklist(user=account_manager)) == [large]
    assert list(blocked_order_worklist(user=other_account_manager)) == [foreign]
    assert SalesOrder.objects.get(pk=small.pk).credit_status == "approved"


def test_limit_position_counts_as_the_check_does(customer, acting, ledger, limit_of):
    from credo.decisions.selectors import limit_position
    from credo.receivables.selectors import exposure_snapshot

    limit_of(customer, "10000")
    ledger.order(customer, "1500")
    ledger.invoice(customer, "2000", on=dt.date(2025, 6, 29))
    ledger.security(customer, "1000")
    position = limit_position(
        customer=customer, snapshot=exposure_snapshot(customer=customer, today=TODAY), today=TODAY
    )
    # The check reports the available credit before the order it checks.
    answer = check(customer, acting, amount=D("100"), what_if=True)
    # 10,000 - (1,500 + 2,000) + 1,000 secured
    assert position.available_credit == answer.available_credit == D("7500.00")
    assert position.counted_exposure == D("3500.00")
    assert position.utilisation_percent == D("25.00")
    assert position.limit_company == D("10000.00")


def test_grade_requiring_prepayment_blocks_and_follows_overrides(
    customer, acting, limit_of, analyst, credit_manager
):
    from credo.rating import services as rating

    limit_of(customer, "1000000")
    assert "no_grade" in codes(check(customer, acting, "100", what_if=True))

    def rated(grade):
        current = rating.customer_rate(customer=customer, trigger="manual")
        proposal = rating.rating_override_propose(rating=current, grade=grade,
                                                  reason="test", user=analyst)
        return rating.rating_override_approve(override=proposal, user=credit_manager)

    rated("C")  # the default policy: CC, C and D are prepayment only
    answer = check(customer, acting, "100", what_if=True)
    assert answer.outcome == "block"
    reason = next(r for r in answer.reasons if r["code"] == "grade_requires_prepayment")
    assert reason["message"] == "Grade C requires prepayment."
    assert answer.figures["grade"] == "C"

    rated("BBB")
    answer = check(customer, acting, "100", what_if=True)
    assert "grade_requires_prepayment" not in codes(answer)
    assert "no_grade" not in codes(answer)
    assert answer.figures["grade"] == "BBB"
