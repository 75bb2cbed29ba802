"""Reads: restriction, masking, completeness and the access log."""

import datetime as dt
from decimal import Decimal

import pytest

from credo.core.context import acting_as
from credo.core.models import AccessLog
from credo.creditfile.models import BankRelation
from credo.creditfile.registry import Dimension
from credo.creditfile.selectors import (
    completeness,
    creditfile_read_logged,
    record_get,
    record_list,
    record_values,
)
from credo.creditfile.services import record_create
from credo.customers.services import team_member_add
from tests.conftest import VALID_USCC

pytestmark = pytest.mark.django_db

ACCOUNT = "6222021001123456789"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def bank_relation(customer, acting):
    return record_create(
        record_type="bank-relations", customer=customer, bank="中国工商银行", branch="福州分行",
        account_number=ACCOUNT, credit_line="5000000", loans_outstanding="1200000",
        overdue_count=1, overdue_amount="20000", repayment_record="occasionally_late",
        as_of=dt.date(2025, 3, 31), source="bank",
    )


@pytest.fixture
def person_shareholder(customer, acting):
    return record_create(
        record_type="shareholders", customer=customer, name="张三", shareholder_type="person",
        share_percent="51", id_number=ID_NUMBER,
    )


# Masking -------------------------------------------------------------------------------------


def test_account_number_masked_without_view_sensitive(bank_relation, account_manager):
    values = record_values(record=bank_relation, user=account_manager)
    assert values["account_number"] == "***************6789"
    assert values["bank"] == "中国工商银行"


def test_account_number_shown_to_credit_manager(bank_relation, credit_manager):
    values = record_values(record=bank_relation, user=credit_manager)
    assert values["account_number"] == ACCOUNT


def test_id_number_masked_without_view_sensitive(person_shareholder, account_manager, viewer,
                                                 credit_manager):
    assert record_values(record=person_shareholder, user=account_manager)["id_number"] == (
        "110105********002X"
    )
    assert record_values(record=person_shareholder, user=viewer)["id_number"] == (
        "110105********002X"
    )
    assert record_values(record=person_shareholder, user=credit_manager)["id_number"] == ID_NUMBER


def test_values_follow_registry_order_with_display_labels(bank_relation, credit_manager):
    values = record_values(record=bank_relation, user=credit_manager)
    assert list(values)[:4] == ["bank", "branch", "account_number", "currency"]
    assert values["repayment_record"] == "Occasionally late"
    assert values["source"] == "Bank"
    assert values["currency"] == "Chinese yuan"
    assert values["credit_line"] == Decimal("5000000.00")
    assert values["as_of"] == dt.date(2025, 3, 31)


def test_values_show_related_profile_as_text(customer, acting, credit_manager):
    profile = record_create(
        record_type="business-profiles", customer=customer, as_of=dt.date(2025, 1, 1)
    )
    share = record_create(record_type="market-shares", customer=customer, profile=profile,
                          region="华东", percent="55.5")
    values = record_values(record=share, user=credit_manager)
    assert values["profile"] == "Business profile of 2025-01-01"
    assert values["percent"] == Decimal("55.50")


# Restriction ---------------------------------------------------------------------------------


def test_account_manager_sees_own_customers_records_only(
    customer, bank_relation, account_manager, other_account_manager, credit_manager
):
    assert list(record_list(user=account_manager, record_type="bank-relations",
                            customer=customer)) == [bank_relation]
    assert list(record_list(user=credit_manager, record_type="bank-relations",
                            customer=customer)) == [bank_relation]
    assert not record_list(
        user=other_account_manager, record_type="bank-relations", customer=customer
    ).exists()
    with pytest.raises(BankRelation.DoesNotExist):
        record_get(user=other_account_manager, record_type="bank-relations", pk=bank_relation.pk)
    assert record_get(
        user=account_manager, record_type="bank-relations", pk=bank_relation.pk
    ) == bank_relation


def test_team_member_sees_records(customer, bank_relation, other_account_manager):
    with acting_as(customer.account_manager, channel="ui"):
        team_member_add(customer=customer, user=other_account_manager)
    assert record_get(
        user=other_account_manager, record_type="bank-relations", pk=bank_relation.pk
    ) == bank_relation


def test_record_list_newest_first_and_per_customer(customer, make_customer, acting,
                                                   credit_manager):
    for year in (2023, 2025, 2024):
        record_create(record_type="trade-references", customer=customer, supplier=f"S{year}",
                      payment_experience="prompt", as_of=dt.date(year, 1, 1))
    record_create(record_type="trade-references", customer=make_customer(), supplier="other",
                  payment_experience="prompt")
    suppliers = [
        r.supplier
        for r in record_list(user=credit_manager, record_type="trade-references",
                             customer=customer)
    ]
    assert suppliers == ["S2025", "S2024", "S2023"]


def test_anonymous_user_sees_nothing(customer, bank_relation):
    from django.contrib.auth.models import AnonymousUser

    assert not record_list(
        user=AnonymousUser(), record_type="bank-relations", customer=customer
    ).exists()


# Completeness --------------------------------------------------------------------------------

TODAY = dt.date(2025, 6, 30)


def _by_dimension(customer, today=TODAY):
    return {item.dimension: item for item in completeness(customer=customer, today=today)}


def test_empty_file_is_missing_everywhere(customer):
    result = completeness(customer=customer, today=TODAY)
    assert [item.dimension for item in result] == list(Dimension)
    assert {item.status for item in result} == {"missing"}
    basic = result[0]
    assert basic.label == "Basic information"
    assert basic.present == []
    assert basic.missing == [
        "unified social credit code", "legal form", "registered capital", "founding date",
        "industry", "registered address", "shareholders", "key management",
    ]
    assert basic.newest_as_of is None and basic.age_days is None and basic.stale is False


def _fill(customer):
    """A full, current credit file (as of TODAY)."""
    recent = dt.date(2025, 5, 31)
    record_create(record_type="shareholders", customer=customer, name="某集团", as_of=recent)
    record_create(record_type="key-management", customer=customer, name="李四", title="总经理",
                  as_of=recent)
    profile = record_create(record_type="business-profiles", customer=customer, as_of=recent)
    record_create(record_type="market-shares", customer=customer, profile=profile,
                  region="华东", percent="100")
    record_create(
        record_type="financial-statements", customer=customer, period_end=dt.date(2024, 12, 31),
        total_assets="100", total_liabilities="40", equity="60", as_of=recent,
    )
    record_create(record_type="trade-references", customer=customer, supplier="宝钢",
                  payment_experience="prompt", as_of=recent)
    record_create(record_type="bank-relations", customer=customer, bank="中国银行", as_of=recent)
    record_create(record_type="public-records", customer=customer, kind="no_findings",
                  title="检索无记录", as_of=recent)


def test_full_current_file_is_complete(make_customer, acting):
    from credo.customers.models import Industry

    customer = make_customer(
        uscc=VALID_USCC, legal_form="llc", registered_capital=Decimal("1000000"),
        founding_date=dt.date(2010, 1, 1), industry=Industry.objects.get(code="C"),
        registered_province="35", registered_street="福州市鼓楼区五四路 1 号",
    )
    _fill(customer)
    result = _by_dimension(customer)
    assert {d: item.status for d, item in result.items()} == dict.fromkeys(Dimension, "complete")
    assert result[Dimension.BASIC].missing == []
    assert result[Dimension.BASIC].newest_as_of == dt.date(2025, 5, 31)
    assert result[Dimension.BASIC].age_days == 30
    # Finances are dated by the period end, not by the day they were typed in.
    assert result[Dimension.FINANCES].newest_as_of == dt.date(2024, 12, 31)
    assert result[Dimension.FINANCES].age_days == 181
    assert result[Dimension.FINANCES].stale is False


def test_partial_when_a_required_part_is_missing(customer, acting):
    record_create(record_type="shareholders", customer=customer, name="某集团",
                  as_of=dt.date(2025, 6, 1))
    profile = record_create(record_type="business-profiles", customer=customer,
                            as_of=dt.date(2025, 6, 1))
    assert profile
    result = _by_dimension(customer)
    assert result[Dimension.BASIC].status == "partial"
    assert "key management" in result[Dimension.BASIC].missing
    assert "shareholders" in result[Dimension.BASIC].present
    # Affiliations are optional: never reported missing.
    assert "affiliations" not in result[Dimension.BASIC].missing
    assert result[Dimension.BUSINESS].status == "partial"
    assert result[Dimension.BUSINESS].missing == ["market distribution"]


def test_stale_finances_and_public_record(make_customer, acting):
    customer = make_customer()
    _fill(customer)
    record_create(
        record_type="financial-statements", customer=customer, period_end=dt.date(2023, 12, 31),
        total_assets="100", total_liabilities="40", equity="60",
    )
    # Nineteen months after the newest statement and seven after the last public-record check.
    later = dt.date(2026, 7, 31)
    result = _by_dimension(customer, today=later)
    finances = result[Dimension.FINANCES]
    assert finances.newest_as_of == dt.date(2024, 12, 31)
    assert finances.stale is True and finances.status == "stale"
    assert finances.stale_after_days == 548
    assert result[Dimension.PUBLIC].status == "stale"
    # Just under eighteen months (546 days) the newest statement is still current.
    assert _by_dimension(customer, today=dt.date(2026, 6, 30))[Dimension.FINANCES].status == (
        "complete"
    )
    # Six months (183 days) after the last public-record check it is still current, a month
    # later it is not.
    assert _by_dimension(customer, today=dt.date(2025, 11, 30))[Dimension.PUBLIC].status == (
        "complete"
    )
    result = _by_dimension(customer, today=dt.date(2025, 12, 31))
    assert result[Dimension.PUBLIC].status == "stale"


def test_individual_customer_registration_checks_id_number(make_customer):
    customer = make_customer(kind="individual", id_number=ID_NUMBER)
    basic = _by_dimension(customer)[Dimension.BASIC]
    assert basic.present == ["resident ID number"]
    assert "unified social credit code" not in basic.missing


def test_individual_is_not_asked_for_shareholders_or_management(make_customer):
    person = make_customer(
        kind="individual", id_number=ID_NUMBER, registered_province="32",
        registered_street="人民路 1 号",
    )
    basic = _by_dimension(person)[Dimension.BASIC]
    assert basic.missing == []
    assert basic.status == "complete"
    firm = make_customer(registered_province="32", registered_street="人民路 2 号")
    firm_missing = _by_dimension(firm)[Dimension.BASIC].missing
    assert "shareholders" in firm_missing and "key management" in firm_missing


# Access log ----------------------------------------------------------------------------------


def test_read_is_logged_with_sensitive_flag(customer, credit_manager, account_manager):
    with acting_as(credit_manager, channel="api", request_id="req-read"):
        entry = creditfile_read_logged(
            user=credit_manager, customer=customer, resource="creditfile.bank-relations",
            detail="list",
        )
    entry.refresh_from_db()
    assert entry.user == credit_manager
    assert entry.customer_id == customer.pk
    assert entry.resource == "creditfile.bank-relations"
    assert entry.detail == "list"
    assert entry.channel == "api"
    assert entry.request_id == "req-read"
    assert entry.sensitive_shown is True
    with acting_as(account_manager, channel="ui"):
        creditfile_read_logged(user=account_manager, customer=customer, resource="creditfile")
    assert AccessLog.objects.get(user=account_manager).sensitive_shown is False
    assert AccessLog.objects.count() == 2
