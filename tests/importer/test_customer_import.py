"""CLI import of customers: encodings, formats, matching, idempotency and every bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.importer.conftest import USCC_A, USCC_B

from credo.core.models import ObjectChange
from credo.customers.models import Customer, ExternalId

pytestmark = pytest.mark.django_db

CHINESE_HEADER = "客户名称,统一社会信用代码,状态,省份,所属行业,注册资本,成立日期\n"
CHINESE_ROWS = (
    f"深圳甲电子有限公司,{USCC_A},存续,广东省,39,120万,2024年1月31日\n"
    f'深圳乙贸易有限公司,{USCC_B},在业,44,C,"1,500,000.50",2024/1/31\n'
)


def _assert_chinese_customers_imported() -> None:
    first = Customer.objects.get(uscc=USCC_A)
    assert first.name_zh == "深圳甲电子有限公司"
    assert first.status == "active"
    assert first.registered_province == "44"
    assert first.industry.code == "39"
    assert first.registered_capital == Decimal("1200000")
    assert first.founding_date == dt.date(2024, 1, 31)
    second = Customer.objects.get(uscc=USCC_B)
    assert second.industry.code == "C"
    assert second.registered_capital == Decimal("1500000.50")
    assert second.founding_date == dt.date(2024, 1, 31)


def test_utf8_english_headers_create_customers_and_log_the_importer(
    run_import_command, write_csv, credit_manager, account_manager
):
    path = write_csv(
        "Chinese name, USCC ,Status,Province,account_manager\n"
        f"福州甲有限公司,{USCC_A},active,Fujian,{account_manager.username}\n"
        f"福州乙有限公司,{USCC_B},Active,35,{account_manager.username}\n"
    )
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert "encoding: UTF-8 (detected)" in result.out
    assert "imported 2 rows: 2 created, 0 updated, 0 unchanged" in result.out
    customer = Customer.objects.get(uscc=USCC_A)
    assert customer.account_manager == account_manager
    assert customer.registered_province == "35"
    change = ObjectChange.objects.get(object_id=str(customer.pk), action="create")
    assert change.channel == "import"
    assert change.user_name == credit_manager.username


def test_utf8_bom_with_chinese_headers(run_import_command, write_csv, credit_manager, industries):
    path = write_csv(CHINESE_HEADER + CHINESE_ROWS, encoding="utf-8-sig")
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert "encoding: UTF-8 with BOM (detected)" in result.out
    _assert_chinese_customers_imported()
    # The importing user owns new customers when no owner is given.
    assert Customer.objects.get(uscc=USCC_A).account_manager == credit_manager


def test_gbk_with_chinese_headers_is_detected(
    run_import_command, write_csv, credit_manager, industries
):
    path = write_csv(CHINESE_HEADER + CHINESE_ROWS, encoding="gbk")
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert "encoding: GB18030 (GBK) (detected)" in result.out
    _assert_chinese_customers_imported()


def test_gbk_with_explicit_encoding(run_import_command, write_csv, credit_manager, industries):
    path = write_csv(CHINESE_HEADER + CHINESE_ROWS, encoding="gbk")
    result = run_import_command(
        "customers", path, "--user", credit_manager.username, "--encoding", "gbk"
    )
    assert not result.failed, result.err
    assert "encoding: GB18030 (GBK)\n" in result.out
    _assert_chinese_customers_imported()


def test_xlsx_with_chinese_headers_and_sheet(
    run_import_command, write_xlsx, credit_manager, industries
):
    path = write_xlsx(
        [
            ["客户名称", "统一社会信用代码", "状态", "省份", "所属行业", "注册资本", "成立日期"],
            ["深圳甲电子有限公司", USCC_A, "存续", "广东", 39, "120万", dt.datetime(2024, 1, 31)],
            [],
            ["深圳乙贸易有限公司", USCC_B, "在业", "广东省", "C", 1500000.5, "2024/1/31"],
        ],
        sheet="客户清单",
    )
    result = run_import_command(
        "customers", path, "--user", credit_manager.username, "--sheet", "客户清单"
    )
    assert not result.failed, result.err
    assert "sheet: 客户清单" in result.out
    _assert_chinese_customers_imported()


def test_reimport_changes_nothing(run_import_command, write_csv, credit_manager, industries):
    path = write_csv(CHINESE_HEADER + CHINESE_ROWS, encoding="gbk")
    assert not run_import_command("customers", path, "--user", credit_manager.username).failed
    changes = ObjectChange.objects.count()
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert "0 created, 0 updated, 2 unchanged" in result.out
    assert ObjectChange.objects.count() == changes


def test_row_with_existing_key_updates_that_customer(
    run_import_command, write_csv, credit_manager, make_customer
):
    existing = make_customer(uscc=USCC_A, name_zh="旧名称有限公司")
    path = write_csv(f"uscc,name_zh,name_en\n{USCC_A},新名称有限公司,New Name Co\n")
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert "imported 1 rows: 0 created, 1 updated, 0 unchanged" in result.out
    existing.refresh_from_db()
    assert existing.name_zh == "新名称有限公司"
    assert existing.name_en == "New Name Co"
    assert Customer.objects.count() == 1
    update = ObjectChange.objects.get(action="update", object_id=str(existing.pk))
    assert update.channel == "import"


def test_update_by_customer_code_and_by_external_id(
    run_import_command, write_csv, credit_manager, make_customer
):
    by_code = make_customer(code="K-001")
    path = write_csv("code,name_en,source_system,external_id\nK-001,Code Match Ltd,ERP,E-1\n")
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    by_code.refresh_from_db()
    assert by_code.name_en == "Code Match Ltd"
    assert ExternalId.objects.get(source_system="ERP", external_id="E-1").customer == by_code
    # Now the external id alone identifies the customer.
    path = write_csv("source_system,external_id,phone\nERP,E-1,0591-1234567\n", name="b.csv")
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert "0 created, 1 updated, 0 unchanged" in result.out
    by_code.refresh_from_db()
    assert by_code.phone == "0591-1234567"


def test_dry_run_validates_and_writes_nothing(
    run_import_command, write_csv, credit_manager, counts
):
    before = counts()
    path = write_csv(f"name_zh,uscc\n甲公司,{USCC_A}\n乙公司,{USCC_B}\n")
    result = run_import_command("customers", path, "--user", credit_manager.username, "--dry-run")
    assert not result.failed, result.err
    assert "validated 2 rows: 2 to create, 0 to update, 0 unchanged" in result.out
    assert counts() == before


def test_parent_may_come_later_or_earlier_in_the_file(
    run_import_command, write_csv, credit_manager
):
    path = write_csv("code,name_zh,parent\nSUB-1,子公司一,GRP\nGRP,集团公司,\nSUB-2,子公司二,GRP\n")
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert "3 created" in result.out
    group = Customer.objects.get(code="GRP")
    assert set(group.subsidiaries.values_list("code", flat=True)) == {"SUB-1", "SUB-2"}
    # and re-importing is still a no-op
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert "0 created, 0 updated, 3 unchanged" in result.out


def test_choice_and_province_spellings(run_import_command, write_csv, credit_manager):
    path = write_csv(
        "name_zh,kind,status,legal_form,registered_province,size_class\n"
        "甲,企业,吊销,有限责任公司,Guangdong,中型\n"
        "乙,Enterprise,注销,Joint-stock company,广西壮族自治区,small\n"
        "丙,enterprise,Suspended,llc,北京市,MICRO\n"
    )
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    rows = {c.name_zh: c for c in Customer.objects.all()}
    assert (rows["甲"].status, rows["甲"].legal_form, rows["甲"].registered_province) == (
        "revoked",
        "llc",
        "44",
    )
    assert rows["甲"].size_class == "medium"
    assert (rows["乙"].status, rows["乙"].legal_form, rows["乙"].registered_province) == (
        "deregistered",
        "joint_stock",
        "45",
    )
    assert (rows["丙"].status, rows["丙"].registered_province, rows["丙"].size_class) == (
        "suspended",
        "11",
        "micro",
    )


def test_default_owner_option(run_import_command, write_csv, credit_manager, account_manager):
    path = write_csv("name_zh\n甲公司\n")
    result = run_import_command(
        "customers", path, "--user", credit_manager.username, "--owner", account_manager.username
    )
    assert not result.failed, result.err
    assert Customer.objects.get().account_manager == account_manager


def test_unknown_columns_are_a_warning(run_import_command, write_csv, credit_manager):
    path = write_csv("name_zh,备注,Fax\n甲公司,VIP,123\n")
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert "warning: line 1, column 备注: unknown column, ignored" in result.err
    assert "warning: line 1, column Fax: unknown column, ignored" in result.err
    assert Customer.objects.count() == 1


def test_without_user_runs_as_system_with_owner(run_import_command, write_csv, account_manager):
    path = write_csv("name_zh\n甲公司\n")
    result = run_import_command("customers", path, "--owner", account_manager.username)
    assert not result.failed, result.err
    change = ObjectChange.objects.get(action="create", object_type="customers.customer")
    assert (change.user_name, change.channel) == ("system", "import")


def test_file_without_key_column_warns_that_it_creates_again(
    run_import_command, write_csv, credit_manager
):
    path = write_csv("name_zh\n甲公司\n")
    result = run_import_command("customers", path, "--user", credit_manager.username)
    assert not result.failed, result.err
    assert result.err.strip() == (
        "warning: line 1: no key column (code, uscc, id_number or source_system + external_id): "
        "every row creates a new customer, also when the file is imported again"
    )
