"""Every bad input: exact error (line, column, message), non-zero exit and nothing written."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from tests.importer.conftest import USCC_A, USCC_B, USCC_C

from credo.core.validators import uscc_check_character
from credo.customers.models import Customer

pytestmark = pytest.mark.django_db

WRONG_CHECK = USCC_A[:17] + ("0" if USCC_A[17] != "0" else "1")


@pytest.fixture
def importer(credit_manager):
    return credit_manager.username


def _fails_with(result, expected_errors: list[str]) -> None:
    assert result.failed, result.out
    errors = [line for line in result.err.splitlines() if not line.startswith("warning: ")]
    assert errors == expected_errors
    assert "nothing was written" in result.message


def test_gbk_file_forced_as_utf8(run_import_command, write_csv, importer, counts):
    before = counts()
    path = write_csv(f"name_zh,uscc\n甲公司,{USCC_A}\n", encoding="gbk")
    result = run_import_command("customers", path, "--user", importer, "--encoding", "utf-8")
    _fails_with(
        result,
        [
            "line 2: the file is not valid UTF-8 (byte 0xbc cannot be decoded); it may be in "
            "another encoding: try --encoding gb18030 or --encoding utf-8."
        ],
    )
    assert counts() == before


def test_undecodable_file_suggests_encoding(run_import_command, tmp_path, importer, counts):
    before = counts()
    path = tmp_path / "latin.csv"
    path.write_bytes(b"name_en\nAcme\nCaf\xe9 M\xfcller GmbH\n")
    result = run_import_command("customers", str(path), "--user", importer)
    assert result.failed
    assert result.err.startswith(
        "line 3: The encoding of the file could not be recognised: it is neither UTF-8 nor "
        "GB18030/GBK (byte 0xe9). Save it as UTF-8, or give the encoding with --encoding NAME."
    )
    assert counts() == before


def test_unknown_encoding_name(run_import_command, write_csv, importer):
    path = write_csv("name_zh\n甲\n")
    result = run_import_command("customers", path, "--user", importer, "--encoding", "klingon")
    _fails_with(result, ["Unknown encoding klingon."])


def test_bad_uscc_reports_validator_message_with_line_and_column(
    run_import_command, write_csv, importer, counts
):
    before = counts()
    expected = uscc_check_character(WRONG_CHECK[:17])
    path = write_csv(
        f"客户名称,统一社会信用代码\n好公司,{USCC_B}\n坏公司,{WRONG_CHECK}\n", encoding="gbk"
    )
    result = run_import_command("customers", path, "--user", importer)
    _fails_with(
        result,
        [
            f"line 3, column 统一社会信用代码: The check character of this unified social credit "
            f"code is {WRONG_CHECK[17]} but should be {expected}: please check the code for a "
            "typing error."
        ],
    )
    assert counts() == before


def test_every_row_is_validated_before_anything_is_written(
    run_import_command, write_csv, importer, counts
):
    before = counts()
    path = write_csv(
        "name_zh,uscc,founding_date,registered_capital\n"
        f"甲公司,{USCC_A[:10]},2024-01-31,100\n"
        f"乙公司,{USCC_B},2024-01-31,100\n"
        f"丙公司,{USCC_C},2024-02-30,12O万\n"
    )
    result = run_import_command("customers", path, "--user", importer)
    _fails_with(
        result,
        [
            "line 2, column uscc: A unified social credit code has 18 characters; this one has 10.",
            "line 4, column founding_date: “2024-02-30” is not a real date.",
            "line 4, column registered_capital: “12O万” is not a number.",
        ],
    )
    assert result.message == "3 errors in 3 rows; nothing was written."
    assert counts() == before


def test_unreadable_date_format(run_import_command, write_csv, importer, counts):
    before = counts()
    path = write_csv("name_zh,成立日期\n甲公司,31.01.24\n")
    result = run_import_command("customers", path, "--user", importer)
    _fails_with(
        result,
        [
            "line 2, column 成立日期: “31.01.24” is not a date; write it like 2024-01-31, "
            "2024/1/31 or 2024年1月31日."
        ],
    )
    assert counts() == before


def test_missing_required_columns(run_import_command, write_csv, importer, counts):
    before = counts()
    path = write_csv("phone,website\n0591-1,example.com\n")
    result = run_import_command("customers", path, "--user", importer)
    _fails_with(
        result,
        [
            "line 1: missing required columns: name_zh or name_en or code or uscc or id_number "
            "or external_id"
        ],
    )
    assert counts() == before


def test_two_columns_for_the_same_field(run_import_command, write_csv, importer):
    path = write_csv("name_zh,客户名称\n甲,乙\n")
    result = run_import_command("customers", path, "--user", importer)
    _fails_with(
        result, ["line 1, column 客户名称: this column and column name_zh both give name_zh"]
    )


def test_duplicate_key_within_the_file(run_import_command, write_csv, importer, counts):
    before = counts()
    path = write_csv(
        f"客户名称,统一社会信用代码\n甲公司,{USCC_A}\n乙公司,{USCC_B}\n丙公司,{USCC_A.lower()}\n"
    )
    result = run_import_command("customers", path, "--user", importer)
    _fails_with(result, ["line 4, column 统一社会信用代码: duplicates line 2"])
    assert counts() == before


def test_service_validation_maps_to_the_column(run_import_command, write_csv, importer, counts):
    before = counts()
    path = write_csv(
        f"name_zh,kind,uscc,注册资本,实缴资本\n张三,个人,{USCC_A},,\n甲公司,企业,,100万,200万\n"
    )
    result = run_import_command("customers", path, "--user", importer)
    _fails_with(
        result,
        [
            "line 2, column uscc: An individual has no unified social credit code.",
            "line 3, column 实缴资本: Paid-in capital cannot exceed registered capital.",
        ],
    )
    assert counts() == before


def test_bad_choice_and_unknown_parent(run_import_command, write_csv, importer, counts):
    before = counts()
    path = write_csv("name_zh,status,province,parent\n甲公司,营业中,火星,NOPE\n")
    result = run_import_command("customers", path, "--user", importer)
    _fails_with(
        result,
        [
            "line 2, column status: “营业中” is not one of: Active, Suspended, Revoked, "
            "Deregistered.",
            "line 2, column province: “火星” is not a known province.",
        ],
    )
    path = write_csv("name_zh,parent\n甲公司,NOPE\n", name="b.csv")
    result = run_import_command("customers", path, "--user", importer)
    _fails_with(result, ["line 2, column parent: No customer with the number or USCC “NOPE”."])
    assert counts() == before


def test_corrupt_xlsx(run_import_command, tmp_path, importer, counts):
    before = counts()
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    result = run_import_command("customers", str(path), "--user", importer)
    _fails_with(
        result, ["The file is not a readable XLSX workbook (BadZipFile: File is not a zip file)."]
    )
    assert counts() == before


def test_xlsx_missing_sheet(run_import_command, write_xlsx, importer, counts):
    before = counts()
    path = write_xlsx([["客户名称"], ["甲公司"]], sheet="客户")
    result = run_import_command("customers", path, "--user", importer, "--sheet", "Sheet9")
    _fails_with(result, ["The workbook has no sheet named “Sheet9”; its sheets are: 客户."])
    assert counts() == before


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \n"])
def test_empty_file(run_import_command, tmp_path, importer, counts, content):
    before = counts()
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    result = run_import_command("customers", str(path), "--user", importer)
    _fails_with(result, ["The file is empty."])
    assert counts() == before


def test_header_without_rows(run_import_command, write_csv, importer):
    result = run_import_command("customers", write_csv("name_zh,uscc\n"), "--user", importer)
    _fails_with(result, ["line 1: The file has a header but no data rows."])


def test_row_longer_than_header(run_import_command, write_csv, importer, counts):
    before = counts()
    path = write_csv("name_zh\n甲公司,extra\n")
    result = run_import_command("customers", path, "--user", importer)
    _fails_with(result, ["line 2: This row has 2 cells but the header has only 1 columns."])
    assert counts() == before


def test_user_without_import_permission(run_import_command, write_csv, viewer, counts):
    before = counts()
    result = run_import_command("customers", write_csv("name_zh\n甲\n"), "--user", viewer.username)
    assert result.failed
    assert result.message == f"The user {viewer.username} may not import data."
    assert counts() == before


def test_unknown_record_type(run_import_command, write_csv, importer):
    result = run_import_command("suppliers", write_csv("name_zh\n甲\n"), "--user", importer)
    assert result.failed
    assert result.message.startswith("Unknown record type suppliers; choose one of: customers")


def test_new_customer_without_owner(run_import_command, write_csv, counts):
    before = counts()
    result = run_import_command("customers", write_csv("name_zh\n甲\n"))
    _fails_with(
        result,
        [
            "line 2: A new customer needs an account manager: add an account_manager column or "
            "give a default owner (--owner)."
        ],
    )
    assert counts() == before


def test_account_manager_cannot_update_customers_of_others(
    run_import_command, write_csv, account_manager, other_account_manager, make_customer, counts
):
    account_manager.user_permissions.add(
        Permission.objects.get(codename="import_data", content_type__app_label="customers")
    )
    own = make_customer(owner=account_manager, uscc=USCC_A)
    foreign = make_customer(owner=other_account_manager, uscc=USCC_B)
    before = counts()
    path = write_csv(f"uscc,name_en\n{USCC_A},Mine Ltd\n{USCC_B},Not Mine Ltd\n")
    result = run_import_command("customers", path, "--user", account_manager.username)
    _fails_with(
        result,
        [
            f"line 3, column uscc: The customer {foreign.code} exists but is not one of your "
            "customers."
        ],
    )
    assert counts() == before
    own.refresh_from_db()
    assert own.name_en == ""
    # Their own customer alone imports fine, and they cannot hand it to someone else.
    path = write_csv(f"uscc,name_en\n{USCC_A},Mine Ltd\n", name="own.csv")
    assert not run_import_command("customers", path, "--user", account_manager.username).failed
    own.refresh_from_db()
    assert own.name_en == "Mine Ltd"
    path = write_csv(
        f"uscc,account_manager\n{USCC_A},{other_account_manager.username}\n", name="give.csv"
    )
    result = run_import_command("customers", path, "--user", account_manager.username)
    _fails_with(result, ["line 2, column account_manager: You may not change the account manager."])
    assert Customer.objects.get(pk=own.pk).account_manager == account_manager


def test_cli_entry_point_exits_non_zero(write_csv, credit_manager, counts, capsys, monkeypatch):
    from django.db import connections

    from credo.cli import main

    # run_from_argv closes every connection when it ends, which would end the test transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    before = counts()
    path = write_csv(f"name_zh,uscc\n甲,{WRONG_CHECK}\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "customers", path, "--user", credit_manager.username])
    assert exit_info.value.code == 1
    assert "line 2, column uscc:" in capsys.readouterr().err
    assert counts() == before
