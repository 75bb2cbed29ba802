"""Import of credit-file records (generic over the registry): shareholders and statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.importer.conftest import USCC_A, USCC_B, USCC_C

from credo.core.models import ObjectChange
from credo.creditfile.models import FinancialStatement, Shareholder
from credo.creditfile.registry import RECORD_TYPES
from credo.importer.specs import available_specs

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(make_customer):
    return make_customer(code="C-1", uscc=USCC_A, name_zh="甲公司")


def test_every_registry_type_is_importable():
    specs = available_specs()
    assert set(RECORD_TYPES) <= set(specs)
    for key in RECORD_TYPES:
        assert specs[key].columns_by_field["customer"].required


def test_shareholders_with_chinese_headers_gbk_and_reimport(
    run_import_command, write_csv, credit_manager, customer
):
    path = write_csv(
        "客户编号,股东名称,股东类型,持股比例,认缴出资额,实缴出资额,统一社会信用代码,身份证号码\n"
        f"C-1,乙投资有限公司,企业,60%,600万,300万,{USCC_B},\n"
        f'{USCC_A},张三,自然人,40,400万,"4,000,000",,11010519491231002X\n',
        encoding="gbk",
    )
    result = run_import_command("shareholders", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert "imported 2 rows: 2 created, 0 updated, 0 unchanged" in result.out
    company = Shareholder.objects.get(customer=customer, name="乙投资有限公司")
    assert company.shareholder_type == "enterprise"
    assert company.share_percent == Decimal("60")
    assert company.subscribed_capital == Decimal("6000000")
    assert company.uscc == USCC_B
    person = Shareholder.objects.get(customer=customer, name="张三")
    assert person.shareholder_type == "person"
    assert person.paid_capital == Decimal("4000000")
    assert (
        ObjectChange.objects.filter(object_type="creditfile.shareholder", channel="import").count()
        == 2
    )

    changes = ObjectChange.objects.count()
    result = run_import_command("shareholders", path, "--user", credit_manager.username)
    assert "0 created, 0 updated, 2 unchanged" in result.out
    assert ObjectChange.objects.count() == changes


def test_shareholder_update_by_business_key(
    run_import_command, write_csv, credit_manager, customer
):
    first = write_csv("customer,name,share_percent\nC-1,乙投资有限公司,60\n")
    assert not run_import_command("shareholders", first, "--user", credit_manager.username).failed
    second = write_csv("customer,name,share_percent\nC-1,乙投资有限公司,55.5\n", name="b.csv")
    result = run_import_command("shareholders", second, "--user", credit_manager.username)
    assert "0 created, 1 updated, 0 unchanged" in result.out
    assert Shareholder.objects.get().share_percent == Decimal("55.50")


def test_shareholder_errors_map_to_columns(
    run_import_command, write_csv, credit_manager, customer, counts
):
    before = counts(), Shareholder.objects.count()
    path = write_csv(
        "客户编号,股东名称,股东类型,持股比例,身份证号码\n"
        "C-1,乙投资有限公司,企业,120,\n"
        "C-404,丙,企业,10,\n"
        "C-1,张三,自然人,10,110105194912310021\n"
        "C-1,乙投资有限公司,企业,10,\n"
        "C-1,,企业,10,\n"
    )
    result = run_import_command("shareholders", path, "--user", credit_manager.username)
    assert result.failed
    assert result.err.strip().splitlines() == [
        "line 2, column 持股比例: Ensure this value is less than or equal to 100.",
        "line 3, column 客户编号: No customer with the number or USCC “C-404”.",
        "line 4, column 身份证号码: The check digit of this resident ID number is 1 but should "
        "be X.",
        "line 5, column 股东名称: duplicates line 2",
        "line 6, column 股东名称: A value is required.",
    ]
    assert (counts(), Shareholder.objects.count()) == before


def test_financial_statements_xlsx(run_import_command, write_xlsx, credit_manager, customer):
    path = write_xlsx(
        [
            [
                "统一社会信用代码",
                "报表类型",
                "报告期",
                "金额单位",
                "资产总计",
                "负债合计",
                "所有者权益合计",
                "营业收入",
                "净利润",
                "是否审计",
            ],
            [USCC_A, "月报", dt.date(2023, 12, 31), "万元", 5000, 3000, 2000, "8,000", -120, "否"],
            [USCC_A, "annual", "2022年12月31日", "万元", 4000, 2500, 1500, 7000, 80, "是"],
        ],
        sheet="财务报表",
    )
    result = run_import_command("financial-statements", path, "--user", credit_manager.username)
    # "月报" (monthly) is not a period credo keeps: the error names the accepted values, nothing is written.
    assert result.failed
    assert result.err.strip().splitlines() == [
        "line 2, column 报表类型: “月报” is not one of: Annual, Semi-annual, Quarterly."
    ]
    assert FinancialStatement.objects.count() == 0

    path = write_xlsx(
        [
            [
                "统一社会信用代码",
                "报表类型",
                "报告期",
                "金额单位",
                "资产总计",
                "负债合计",
                "所有者权益合计",
                "营业收入",
                "净利润",
                "是否审计",
            ],
            [
                USCC_A,
                "Annual",
                dt.date(2023, 12, 31),
                "万元",
                5000,
                3000,
                2000,
                "8,000",
                -120,
                "否",
            ],
            [USCC_A, "年报", "2022年12月31日", "万元", 4000, 2500, 1500, 7000, 80, "是"],
        ],
        sheet="财务报表",
        name="ok.xlsx",
    )
    result = run_import_command("financial-statements", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert "2 created" in result.out
    latest = FinancialStatement.objects.get(period_end=dt.date(2023, 12, 31))
    assert latest.in_yuan("total_assets") == Decimal("50000000")
    assert latest.total_assets == Decimal("5000")
    assert latest.revenue == Decimal("8000")
    assert latest.net_profit == Decimal("-120")
    assert latest.audited is False
    assert FinancialStatement.objects.get(period_end=dt.date(2022, 12, 31)).audited is True


def test_unbalanced_statement_is_an_error_on_its_line_and_column(
    run_import_command, write_csv, credit_manager, customer, counts
):
    before = counts(), FinancialStatement.objects.count()
    path = write_csv(
        "customer,period_end,total_assets,total_liabilities,equity\n"
        "C-1,2023-12-31,5000,3000,2000\n"
        "C-1,2022-12-31,5000,3000,1000\n"
    )
    result = run_import_command("financial-statements", path, "--user", credit_manager.username)
    assert result.failed
    assert result.err.strip().splitlines() == [
        "line 3, column total_assets: Total assets 5,000 ≠ total liabilities 3,000 + equity "
        "1,000 (difference 1,000)."
    ]
    assert (counts(), FinancialStatement.objects.count()) == before


def test_missing_required_statement_columns(
    run_import_command, write_csv, credit_manager, customer
):
    path = write_csv("客户,报告期\nC-1,2023-12-31\n")
    result = run_import_command("financial-statements", path, "--user", credit_manager.username)
    assert result.failed
    assert result.err.strip().splitlines() == [
        "line 1: missing required columns: total_assets, total_liabilities, equity"
    ]


def test_record_for_customer_outside_scope(
    run_import_command, write_csv, account_manager, other_account_manager, make_customer
):
    from django.contrib.auth.models import Permission

    account_manager.user_permissions.add(
        Permission.objects.get(codename="import_data", content_type__app_label="customers")
    )
    foreign = make_customer(owner=other_account_manager, uscc=USCC_C)
    path = write_csv(f"customer,name\n{USCC_C},某股东\n")
    result = run_import_command("shareholders", path, "--user", account_manager.username)
    assert result.failed
    assert result.err.strip().splitlines() == [
        f"line 2, column customer: The customer {foreign.code} is not one of your customers."
    ]
    assert Shareholder.objects.count() == 0


def test_market_shares_find_their_business_profile_by_date(
    run_import_command, write_csv, credit_manager, customer
):
    from credo.core.context import acting_as
    from credo.creditfile.models import MarketShare
    from credo.creditfile.services import record_create

    with acting_as(credit_manager, channel="system"):
        record_create(
            record_type="business-profiles",
            customer=customer,
            as_of=dt.date(2024, 6, 30),
            main_products="显示器",
        )
    path = write_csv(
        "客户编号,经营情况日期,地区,销售占比\n"
        "C-1,2024-06-30,华南,60\n"
        "C-1,2024-06-30,华东,30%\n"
        "C-1,2023-06-30,华北,10\n"
    )
    result = run_import_command("market-shares", path, "--user", credit_manager.username)
    assert result.failed
    assert result.err.strip().splitlines() == [
        "line 4, column 经营情况日期: The customer has no business profile dated 2023-06-30."
    ]
    assert MarketShare.objects.count() == 0
    path = write_csv(
        "客户编号,经营情况日期,地区,销售占比\nC-1,2024-06-30,华南,60\nC-1,2024-06-30,华东,30%\n",
        name="ok.csv",
    )
    result = run_import_command("market-shares", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert sorted(MarketShare.objects.values_list("region", "percent")) == [
        ("华东", Decimal("30.00")),
        ("华南", Decimal("60.00")),
    ]
