"""Record services: validation (naming the line that is off), logging, events, upsert."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from credo.core.context import acting_as
from credo.core.models import BusinessEvent, ObjectChange
from credo.creditfile.models import (
    BankRelation,
    BusinessProfile,
    FinancialStatement,
    MarketShare,
    PublicRecord,
    Shareholder,
)
from credo.creditfile.services import (
    record_create,
    record_delete,
    record_update,
    record_upsert,
)

VALID_ID_NUMBER = "11010519491231002X"

pytestmark = pytest.mark.django_db


def _changes(model_label: str) -> int:
    return ObjectChange.objects.filter(object_type=model_label).count()


# Generic behaviour ---------------------------------------------------------------------------


def test_create_records_actor_change_log_and_event(customer, acting, analyst):
    holder = record_create(
        record_type="shareholders", customer=customer, name=" 张三 ",
        shareholder_type="person", share_percent="60", subscribed_capital=Decimal("600"),
        paid_capital=Decimal("300"), id_number=VALID_ID_NUMBER.lower(), source="registry",
        as_of=dt.date(2025, 1, 10),
    )
    holder.refresh_from_db()
    assert holder.name == "张三"
    assert holder.id_number == VALID_ID_NUMBER
    assert holder.share_percent == Decimal("60.00")
    assert holder.recorded_by == analyst.username
    change = ObjectChange.objects.get(object_type="creditfile.shareholder")
    assert change.action == "create"
    assert change.customer_id == customer.pk
    assert change.user_name == analyst.username
    assert change.request_id == "req-cf"
    event = BusinessEvent.objects.get(name="creditfile.shareholders.created")
    assert event.customer_id == customer.pk
    assert event.payload == {"id": holder.pk}


def test_as_of_defaults_to_today(customer, acting):
    manager = record_create(
        record_type="key-management", customer=customer, name="李四", title="总经理"
    )
    assert manager.as_of == dt.date.today()


def test_unknown_field_is_rejected_and_nothing_written(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(
            record_type="key-management", customer=customer, name="李四", title="CEO",
            salary=Decimal("1"), recorded_by="someone else",
        )
    assert exc.value.message_dict == {
        "recorded_by": ["This field cannot be set here."],
        "salary": ["This field cannot be set here."],
    }
    assert not customer.key_managers.exists()
    assert _changes("creditfile.keymanager") == 0


def test_unknown_record_type_is_rejected(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="lawsuits", customer=customer, title="x")
    assert exc.value.message_dict == {"record_type": ["Unknown credit-file record type: lawsuits."]}


def test_missing_required_field_is_reported(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="trade-references", customer=customer, supplier="供应商甲")
    assert exc.value.message_dict == {"payment_experience": ["This field cannot be blank."]}
    assert _changes("creditfile.tradereference") == 0


def test_update_returns_false_when_nothing_changed(customer, acting):
    manager = record_create(
        record_type="key-management", customer=customer, name="李四", title="总经理",
        since=dt.date(2020, 1, 1),
    )
    before = _changes("creditfile.keymanager")
    assert record_update(record=manager, title="总经理", since="2020-01-01") is False
    assert _changes("creditfile.keymanager") == before
    assert not BusinessEvent.objects.filter(name="creditfile.key-management.updated").exists()


def test_update_logs_change_and_takes_over_recorded_by(customer, acting, credit_manager):
    manager = record_create(
        record_type="key-management", customer=customer, name="李四", title="副总经理"
    )
    with acting_as(credit_manager, channel="api"):
        assert record_update(record=manager, title="总经理") is True
    manager.refresh_from_db()
    assert manager.title == "总经理"
    assert manager.recorded_by == credit_manager.username
    change = ObjectChange.objects.filter(
        object_type="creditfile.keymanager", action="update"
    ).get()
    assert ("title", "副总经理", "总经理") in change.changed_fields()
    event = BusinessEvent.objects.get(name="creditfile.key-management.updated")
    assert event.payload == {"id": manager.pk, "fields": ["title"]}


def test_customer_cannot_be_changed_by_update(customer, make_customer, acting):
    manager = record_create(
        record_type="key-management", customer=customer, name="李四", title="总经理"
    )
    with pytest.raises(ValidationError) as exc:
        record_update(record=manager, customer=make_customer())
    assert exc.value.message_dict == {"customer": ["This field cannot be set here."]}


def test_delete_logs_and_emits(customer, acting):
    affiliation = record_create(
        record_type="affiliations", customer=customer, related_company_name="母公司",
        relation_type="parent",
    )
    pk = affiliation.pk
    record_delete(record=affiliation)
    assert not customer.affiliations.exists()
    change = ObjectChange.objects.get(object_type="creditfile.affiliation", action="delete")
    assert change.object_id == str(pk)
    assert change.prechange_data["related_company_name"] == "母公司"
    assert BusinessEvent.objects.filter(
        name="creditfile.affiliations.deleted", payload={"id": pk}
    ).exists()


# Basic information ---------------------------------------------------------------------------


def test_enterprise_shareholder_cannot_have_id_number(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(
            record_type="shareholders", customer=customer, name="某投资有限公司",
            shareholder_type="enterprise", id_number=VALID_ID_NUMBER,
        )
    assert exc.value.message_dict == {
        "id_number": ["Only a natural person has a resident ID number."]
    }
    assert not Shareholder.objects.exists()


def test_shareholder_id_number_check_digit(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(
            record_type="shareholders", customer=customer, name="王五",
            shareholder_type="person", id_number="110105194912310021",
        )
    assert exc.value.message_dict == {
        "id_number": ["The check digit of this resident ID number is 1 but should be X."]
    }


def test_shareholder_paid_cannot_exceed_subscribed(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(
            record_type="shareholders", customer=customer, name="王五",
            shareholder_type="person", subscribed_capital="100", paid_capital="150",
        )
    assert exc.value.message_dict == {
        "paid_capital": ["Paid-in capital cannot exceed subscribed capital."]
    }


def test_share_percent_above_100_rejected(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(
            record_type="shareholders", customer=customer, name="王五", share_percent="120"
        )
    assert list(exc.value.message_dict) == ["share_percent"]


def test_affiliation_uscc_is_validated(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(
            record_type="affiliations", customer=customer, related_company_name="子公司",
            relation_type="subsidiary", uscc="91350100M000100Y44",
        )
    assert "uscc" in exc.value.message_dict


# Finances ------------------------------------------------------------------------------------


def test_balanced_statement_is_accepted(customer, acting, balanced_statement):
    statement = record_create(
        record_type="financial-statements", customer=customer, **balanced_statement
    )
    assert statement.unit == "ten_thousand"
    assert statement.in_yuan("total_assets") == Decimal("10000000.00")
    assert BusinessEvent.objects.filter(name="creditfile.financial-statements.created").exists()


def test_unbalanced_statement_names_the_lines(customer, acting, balanced_statement):
    balanced_statement["equity"] = Decimal("300")
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="financial-statements", customer=customer, **balanced_statement)
    assert exc.value.message_dict == {
        "total_assets": [
            "Total assets 1,000 ≠ total liabilities 600 + equity 300 (difference 100)."
        ]
    }
    assert not FinancialStatement.objects.exists()
    assert _changes("creditfile.financialstatement") == 0


@pytest.mark.parametrize(
    ("total_assets", "liabilities", "equity", "accepted"),
    [
        ("1000", "600", "395", True),  # off by 5 = 0.5 % of 1000: inside the tolerance
        ("1000", "600", "394", False),  # off by 6
        ("100", "60", "39", True),  # off by 1 unit: the minimum tolerance
        ("100", "60", "38.5", False),  # off by 1.5 units
        ("0", "0", "0", True),
    ],
)
def test_balance_tolerance(customer, acting, balanced_statement, total_assets, liabilities,
                           equity, accepted):
    balanced_statement.update(
        total_assets=total_assets, total_liabilities=liabilities, equity=equity,
        current_assets=None, current_liabilities=None,
    )
    if accepted:
        record_create(record_type="financial-statements", customer=customer, **balanced_statement)
        assert FinancialStatement.objects.count() == 1
    else:
        with pytest.raises(ValidationError) as exc:
            record_create(
                record_type="financial-statements", customer=customer, **balanced_statement
            )
        assert list(exc.value.message_dict) == ["total_assets"]
        assert FinancialStatement.objects.count() == 0


def test_current_lines_cannot_exceed_totals(customer, acting, balanced_statement):
    balanced_statement.update(current_assets="1200.5", current_liabilities="700")
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="financial-statements", customer=customer, **balanced_statement)
    assert exc.value.message_dict == {
        "current_assets": ["Current assets 1,200.50 exceed total assets 1,000."],
        "current_liabilities": ["Current liabilities 700 exceed total liabilities 600."],
    }


def test_statement_unique_per_customer_period_type_and_end(
    customer, make_customer, acting, balanced_statement
):
    record_create(record_type="financial-statements", customer=customer, **balanced_statement)
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="financial-statements", customer=customer, **balanced_statement)
    assert exc.value.message_dict == {
        "__all__": [
            "This customer already has a statement for this period type and period end."
        ]
    }
    # Same period as a quarterly statement, or for another customer: allowed.
    record_create(
        record_type="financial-statements", customer=customer,
        **{**balanced_statement, "period_type": "quarterly"},
    )
    record_create(
        record_type="financial-statements", customer=make_customer(), **balanced_statement
    )
    assert FinancialStatement.objects.count() == 3


def test_auditor_requires_audited_flag(customer, acting, balanced_statement):
    balanced_statement["audited"] = False
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="financial-statements", customer=customer, **balanced_statement)
    assert list(exc.value.message_dict) == ["auditor"]


# Business ------------------------------------------------------------------------------------


def _profile(customer, **fields):
    return record_create(
        record_type="business-profiles", customer=customer, business_scope="机械设备销售",
        as_of=dt.date(2025, 3, 1), **fields,
    )


def test_market_shares_cannot_exceed_100_percent(customer, acting):
    profile = _profile(customer)
    record_create(record_type="market-shares", customer=customer, profile=profile,
                  region="华东", percent="60")
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="market-shares", customer=customer, profile=profile,
                      region="华南", percent="50")
    assert exc.value.message_dict == {
        "percent": [
            "The market shares of this business profile would add up to 110.00%; "
            "they cannot exceed 100%."
        ]
    }
    assert list(MarketShare.objects.values_list("region", flat=True)) == ["华东"]
    record_create(record_type="market-shares", customer=customer, profile=profile,
                  region="华南", percent="40")
    assert MarketShare.objects.count() == 2


def test_market_share_update_does_not_count_itself(customer, acting):
    profile = _profile(customer)
    share = record_create(record_type="market-shares", customer=customer, profile=profile,
                          region="华东", percent="60")
    record_create(record_type="market-shares", customer=customer, profile=profile,
                  region="华北", percent="30")
    assert record_update(record=share, percent="70") is True
    with pytest.raises(ValidationError) as exc:
        record_update(record=share, percent="71")
    assert list(exc.value.message_dict) == ["percent"]
    share.refresh_from_db()
    assert share.percent == Decimal("70.00")


def test_market_share_takes_profile_date_and_must_match_customer(
    customer, make_customer, acting
):
    profile = _profile(customer)
    share = record_create(record_type="market-shares", customer=customer, profile=profile,
                          region="华东", percent="10")
    assert share.as_of == dt.date(2025, 3, 1)
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="market-shares", customer=make_customer(), profile=profile,
                      region="华北", percent="10")
    assert exc.value.message_dict == {
        "profile": ["This business profile belongs to another customer."]
    }


def test_business_profile_unique_per_date(customer, acting):
    _profile(customer)
    with pytest.raises(ValidationError) as exc:
        _profile(customer)
    assert exc.value.message_dict == {
        "__all__": ["This customer already has a business profile for this date."]
    }


def test_deleting_profile_logs_its_market_shares(customer, acting):
    profile = _profile(customer)
    record_create(record_type="market-shares", customer=customer, profile=profile,
                  region="华东", percent="60")
    record_delete(record=profile)
    assert not BusinessProfile.objects.exists()
    assert not MarketShare.objects.exists()
    assert ObjectChange.objects.filter(
        object_type="creditfile.marketshare", action="delete"
    ).count() == 1
    assert BusinessEvent.objects.filter(name="creditfile.market-shares.deleted").count() == 1


# Payment, bank, public record ----------------------------------------------------------------


def test_bank_relation_account_number_normalised(customer, acting):
    relation = record_create(
        record_type="bank-relations", customer=customer, bank="中国工商银行",
        branch="福州分行", account_number="6222 0210 0112 3456 789", credit_line="5000000",
    )
    assert relation.account_number == "6222021001123456789"


def test_bank_relation_overdue_amount_needs_count(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(
            record_type="bank-relations", customer=customer, bank="中国银行",
            overdue_amount="1000", overdue_count=0,
        )
    assert exc.value.message_dict == {
        "overdue_count": ["There is an overdue amount, so the overdue count must be at least 1."]
    }
    assert not BankRelation.objects.exists()


def test_party_role_only_for_lawsuits(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(
            record_type="public-records", customer=customer, kind="honour",
            title="ISO 9001 认证", role="plaintiff", status="valid",
        )
    assert exc.value.message_dict == {"role": ["A party role applies only to lawsuits."]}
    assert not PublicRecord.objects.exists()
    lawsuit = record_create(
        record_type="public-records", customer=customer, kind="lawsuit", title="买卖合同纠纷",
        role="defendant", amount="250000", status="open", authority="福州市中级人民法院",
        case_number="(2025)闽01民初123号", event_date=dt.date(2025, 2, 1),
        source_url="https://wenshu.court.gov.cn/",
    )
    assert lawsuit.get_role_display() == "Defendant"


def test_public_record_date_not_after_as_of(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_create(
            record_type="public-records", customer=customer, kind="press", title="报道",
            event_date=dt.date(2025, 5, 2), as_of=dt.date(2025, 5, 1),
        )
    assert exc.value.message_dict == {
        "event_date": ["The date of the record cannot be after the as-of date."]
    }


# Upsert --------------------------------------------------------------------------------------


def test_upsert_creates_then_is_idempotent(customer, acting, balanced_statement):
    record, created, changed = record_upsert(
        record_type="financial-statements", customer=customer, **balanced_statement
    )
    assert (created, changed) == (True, True)
    changes_before = ObjectChange.objects.count()
    events_before = BusinessEvent.objects.count()
    # The same facts as an importer would send them: strings, different decimal places.
    as_text = {
        k: (str(v) if isinstance(v, Decimal | dt.date) else v)
        for k, v in balanced_statement.items()
    }
    as_text["total_assets"] = "1000.000"
    again, created, changed = record_upsert(
        record_type="financial-statements", customer=customer, **as_text
    )
    assert again.pk == record.pk
    assert (created, changed) == (False, False)
    assert ObjectChange.objects.count() == changes_before
    assert BusinessEvent.objects.count() == events_before


def test_upsert_updates_by_business_key(customer, acting, balanced_statement):
    record, _, _ = record_upsert(
        record_type="financial-statements", customer=customer, **balanced_statement
    )
    balanced_statement.update(net_profit=Decimal("120"), audited=True)
    again, created, changed = record_upsert(
        record_type="financial-statements", customer=customer, **balanced_statement
    )
    assert again.pk == record.pk
    assert (created, changed) == (False, True)
    update = ObjectChange.objects.get(object_type="creditfile.financialstatement", action="update")
    assert update.changed_fields() == [("net_profit", "100.00", "120.00")]
    assert FinancialStatement.objects.count() == 1


def test_upsert_uses_defaults_of_missing_key_fields(customer, acting):
    # public-records key includes event_date and case_number, both absent here.
    first, created, _ = record_upsert(
        record_type="public-records", customer=customer, kind="no_findings",
        title="裁判文书网检索", as_of=dt.date(2025, 5, 1),
    )
    second, created_again, changed = record_upsert(
        record_type="public-records", customer=customer, kind="no_findings",
        title="裁判文书网检索", as_of=dt.date(2025, 5, 1), case_number=None,
    )
    assert created and not created_again and not changed
    assert first.pk == second.pk


def test_upsert_keeps_history_of_trade_references(customer, acting):
    for as_of in (dt.date(2024, 6, 30), dt.date(2025, 6, 30)):
        record_upsert(
            record_type="trade-references", customer=customer, supplier="宝钢",
            payment_experience="prompt", terms_days=60, as_of=as_of,
        )
    _, created, changed = record_upsert(
        record_type="trade-references", customer=customer, supplier="宝钢",
        payment_experience="slow", days_beyond_terms=15, terms_days=60,
        as_of=dt.date(2025, 6, 30),
    )
    assert (created, changed) == (False, True)
    assert list(
        customer.trade_references.order_by("as_of").values_list("payment_experience", flat=True)
    ) == ["prompt", "slow"]


def test_upsert_with_bad_value_writes_nothing(customer, acting):
    with pytest.raises(ValidationError) as exc:
        record_upsert(
            record_type="key-management", customer=customer, name="李四", title="总经理",
            since="not a date",
        )
    assert list(exc.value.message_dict) == ["since"]
    assert not customer.key_managers.exists()


def test_unparseable_amount_is_a_field_error(customer, acting, balanced_statement):
    balanced_statement.update(total_assets="一千", current_assets="abc")
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="financial-statements", customer=customer, **balanced_statement)
    assert exc.value.message_dict == {
        "total_assets": ["“一千” value must be a decimal number."],
        "current_assets": ["“abc” value must be a decimal number."],
    }
    assert not FinancialStatement.objects.exists()


def test_empty_cells_from_importers_become_blank(customer, acting):
    relation = record_create(
        record_type="bank-relations", customer=customer, bank="中国银行", branch=None,
        account_number=None, credit_line="", remarks=None,
    )
    relation.refresh_from_db()
    assert (relation.branch, relation.account_number, relation.credit_line) == ("", "", None)


def test_float_amounts_are_taken_at_face_value(customer, acting):
    reference = record_create(
        record_type="trade-references", customer=customer, supplier="宝钢",
        payment_experience="prompt", highest_credit=1234.1,
    )
    assert reference.highest_credit == Decimal("1234.10")


def test_related_profile_may_be_given_by_id(customer, acting):
    profile = record_create(record_type="business-profiles", customer=customer)
    share = record_create(record_type="market-shares", customer=customer, profile=str(profile.pk),
                          region="华东", percent="10")
    assert share.profile == profile
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="market-shares", customer=customer, profile=999999,
                      region="华北", percent="10")
    assert exc.value.message_dict == {"profile": ["There is no business profile with id 999999."]}


@pytest.mark.parametrize(
    ("given", "stored"),
    [("ten_thousand", "ten_thousand"), (10000, "ten_thousand"), ("1000", "thousand"),
     ("万元", "ten_thousand"), ("元", "yuan"), (1, "yuan")],
)
def test_statement_unit_accepts_multipliers_and_chinese_words(
    customer, acting, balanced_statement, given, stored
):
    balanced_statement["unit"] = given
    statement = record_create(
        record_type="financial-statements", customer=customer, **balanced_statement
    )
    statement.refresh_from_db()
    assert statement.unit == stored


def test_statement_unit_unknown_is_rejected(customer, acting, balanced_statement):
    balanced_statement["unit"] = "百万"
    with pytest.raises(ValidationError) as exc:
        record_create(record_type="financial-statements", customer=customer, **balanced_statement)
    assert exc.value.message_dict == {"unit": ["Value '百万' is not a valid choice."]}
