"""Dunning: level selection, interest and fee by hand, the run, sending, letters in zh and en."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from credo.core.models import BusinessEvent, ObjectChange
from credo.dunning import selectors, services
from credo.dunning.models import DunningLetter, DunningLevel

from .conftest import AS_OF, D, day

pytestmark = pytest.mark.django_db


def levels():
    return list(DunningLevel.objects.order_by("level"))


def test_default_levels_are_seeded():
    rows = [
        (lvl.level, lvl.min_days_overdue, lvl.fee, lvl.annual_interest_rate, lvl.tone)
        for lvl in levels()
    ]
    assert rows == [
        (1, 1, D("0.00"), D("0.0000"), "friendly"),
        (2, 30, D("0.00"), D("0.0000"), "firm"),
        (3, 60, D("200.00"), D("12.0000"), "final"),
        (4, 90, D("500.00"), D("12.0000"), "handover"),
    ]


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, None), (1, 1), (29, 1), (30, 2), (59, 2), (60, 3), (89, 3), (90, 4), (400, 4)],
)
def test_level_reached_by_days(days, expected):
    reached = selectors.level_reached(
        days_overdue=days, overdue_amount=D("100.00"), levels=levels()
    )
    assert (reached.level if reached else None) == expected


def test_level_needs_its_minimum_amount(acting):
    services.dunning_level_save(
        level=2, name="Firm", min_days_overdue=30, tone="firm", min_amount="1000.00"
    )
    below = selectors.level_reached(days_overdue=45, overdue_amount=D("999.99"), levels=levels())
    at = selectors.level_reached(days_overdue=45, overdue_amount=D("1000.00"), levels=levels())
    assert (below.level, at.level) == (1, 2)


def test_simple_interest_actual_365_by_hand():
    # 10,000 x 12% x 60 / 365 = 197.2602... -> 197.26
    assert selectors.simple_interest(D("10000.00"), D("12"), 60) == D("197.26")
    # 5,000 x 12% x 10 / 365 = 16.4383... -> 16.44
    assert selectors.simple_interest(D("5000.00"), D("12"), 10) == D("16.44")
    assert selectors.simple_interest(D("5000.00"), D("0"), 10) == D("0.00")


@pytest.fixture
def overdue_customer(make_customer, invoice, acting):
    customer = make_customer(name_zh="上海甲乙贸易有限公司")
    invoice(customer, "10000.00", "2025-05-01")  # 60 days overdue on 2025-06-30
    invoice(customer, "5000.00", "2025-06-20")  # 10 days overdue
    invoice(customer, "7000.00", "2025-06-30")  # due on the day: not overdue
    return customer


def test_run_proposes_level_interest_and_fee_by_hand(overdue_customer, acting):
    letters = services.dunning_run(as_of=AS_OF, user=acting)
    assert len(letters) == 1
    letter = letters[0]
    assert letter.level.level == 3  # reached by the oldest item (60 days)
    assert letter.days_overdue == 60
    assert letter.overdue_amount == D("15000.00")
    assert letter.interest == D("213.70")  # 197.26 + 16.44
    assert letter.fee == D("200.00")
    assert letter.total_due == D("15413.70")
    assert [(i["days_overdue"], i["interest"]) for i in letter.items] == [
        (60, "197.26"), (10, "16.44"),
    ]
    assert letter.status == "proposed"
    assert letter.language == "zh-hans"
    assert BusinessEvent.objects.filter(name="collections.letter.proposed").count() == 1


def test_run_skips_customers_without_overdue_items(make_customer, invoice, acting):
    customer = make_customer()
    invoice(customer, "1000.00", "2025-06-30")
    assert services.dunning_run(as_of=AS_OF, user=acting) == []
    assert not DunningLetter.objects.exists()


def test_paid_and_disputed_parts_are_not_dunned(make_customer, invoice, pay, acting):
    from credo.receivables.services import dispute_open

    customer = make_customer()
    paid = invoice(customer, "3000.00", "2025-05-01")
    pay(customer, "1000.00", "2025-06-01", invoice=paid)
    disputed = invoice(customer, "800.00", "2025-06-01")
    dispute_open(instalment=disputed.instalments.first(), amount=D("800.00"), reason="damaged",
                 on=day("2025-06-02"))
    letter = services.dunning_run(as_of=AS_OF, user=acting)[0]
    assert letter.overdue_amount == D("2000.00")
    assert [item["invoice_number"] for item in letter.items] == [paid.number]


def test_new_run_replaces_unsent_proposal(overdue_customer, acting):
    first = services.dunning_run(as_of=AS_OF, user=acting)[0]
    second = services.dunning_run(as_of=AS_OF, user=acting)[0]
    first.refresh_from_db()
    assert first.status == "cancelled"
    assert second.status == "proposed"


def test_level_not_lower_than_last_letter_sent(make_customer, invoice, pay, acting):
    customer = make_customer()
    old = invoice(customer, "1000.00", "2025-03-01")
    letter = services.dunning_run(as_of=day("2025-05-05"), user=acting)[0]
    assert letter.level.level == 3  # 65 days
    services.dunning_letter_send(letter=letter, user=acting)
    pay(customer, "1000.00", "2025-05-10", invoice=old)
    invoice(customer, "400.00", "2025-06-25")  # only 5 days overdue: level 1 by itself
    again = services.dunning_run(as_of=AS_OF, user=acting)[0]
    assert again.level.level == 3
    assert again.interest == D("0.66")  # 400 x 12% x 5 / 365 = 0.6575 -> 0.66
    assert again.fee == D("200.00")


def test_send_marks_sent_stores_html_and_logs(overdue_customer, acting):
    letter = services.dunning_run(as_of=AS_OF, user=acting)[0]
    sent = services.dunning_letter_send(letter=letter, user=acting)
    sent.refresh_from_db()
    assert sent.status == "sent"
    assert sent.sent_by == acting
    assert sent.sent_at is not None
    assert "最后催款通知" in sent.rendered_html
    assert ObjectChange.objects.filter(
        object_type="collections.dunningletter", object_id=str(sent.pk), action="update"
    ).exists()
    event = BusinessEvent.objects.get(name="collections.letter.sent")
    assert event.customer_id == overdue_customer.pk
    assert event.payload["total_due"] == "15413.70"


def test_sending_twice_is_refused_and_changes_nothing(overdue_customer, acting):
    letter = services.dunning_run(as_of=AS_OF, user=acting)[0]
    services.dunning_letter_send(letter=letter, user=acting)
    changes = ObjectChange.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.dunning_letter_send(letter=letter, user=acting)
    assert refused.value.message_dict == {
        "status": ["Only a proposed letter can be sent; this one is Sent."]
    }
    assert ObjectChange.objects.count() == changes
    assert BusinessEvent.objects.filter(name="collections.letter.sent").count() == 1


def test_cancel_only_proposals(overdue_customer, acting):
    letter = services.dunning_run(as_of=AS_OF, user=acting)[0]
    services.dunning_letter_cancel(letter=letter, user=acting)
    letter.refresh_from_db()
    assert letter.status == "cancelled"
    with pytest.raises(ValidationError):
        services.dunning_letter_send(letter=letter, user=acting)


def test_chinese_letter_for_chinese_customer(overdue_customer, acting):
    html = selectors.letter_render(services.dunning_run(as_of=AS_OF, user=acting)[0])
    assert "上海甲乙贸易有限公司" in html
    assert "2025年6月30日" in html
    assert "逾期利息（年利率 12%" in html
    for figure in ("15,000.00", "197.26", "16.44", "213.70", "200.00", "15,413.70"):
        assert figure in html
    assert "Dear" not in html


def test_english_letter_when_only_english_name(make_customer, invoice, acting):
    customer = make_customer(name_zh="", name_en="Harbour Trading Ltd")
    invoice(customer, "2500.00", "2025-06-15")
    letter = services.dunning_run(as_of=AS_OF, user=acting)[0]
    assert (letter.language, letter.level.level) == ("en", 1)
    html = selectors.letter_render(letter)
    assert "Dear Harbour Trading Ltd" in html
    assert "30 June 2025" in html
    assert "15 days" in html
    assert "2,500.00" in html
    assert "Interest" not in html  # level 1 charges none
    assert "催款" not in html


def test_level_template_must_exist(acting):
    with pytest.raises(ValidationError) as refused:
        services.dunning_level_save(
            level=5, name="Court", min_days_overdue=180, tone="handover",
            template_zh="collections/letters/missing_zh.html",
        )
    assert refused.value.message_dict == {
        "template_zh": ["There is no template collections/letters/missing_zh.html."]
    }
    assert not DunningLevel.objects.filter(level=5).exists()


def test_run_only_for_visible_customers(make_customer, invoice, acting, other_account_manager,
                                        account_manager):
    mine = make_customer(owner=account_manager)
    theirs = make_customer(owner=other_account_manager)
    invoice(mine, "100.00", "2025-06-01")
    invoice(theirs, "100.00", "2025-06-01")
    letters = services.dunning_run(as_of=AS_OF, user=account_manager)
    assert [letter.customer_id for letter in letters] == [mine.pk]
