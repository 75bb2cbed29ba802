"""Cell parsers and readers in isolation: numbers, dates, choices, provinces, line numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credo.customers.choices import CustomerStatus
from credo.importer import parsers
from credo.importer.parsers import EMPTY, CellError
from credo.importer.readers import FileProblem, decode, read_file
from credo.importer.specs import customer_spec, header_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,200,000", Decimal("1200000")),
        ("1,200,000.50", Decimal("1200000.50")),
        ("120万", Decimal("1200000")),
        ("120 万元", Decimal("1200000")),
        ("1.5亿", Decimal("150000000")),
        ("¥3,000", Decimal("3000")),
        ("-42.5", Decimal("-42.5")),
        ("(1,000)", Decimal("-1000")),
        ("１２０", Decimal("120")),  # full-width digits
        ("35%", Decimal("35")),
        (1500000.5, Decimal("1500000.5")),
        (7, Decimal("7")),
        ("", EMPTY),
    ],
)
def test_decimal_values(raw, expected):
    assert parsers.decimal_value(raw) == expected


@pytest.mark.parametrize("raw", ["12O", "1,20,000", "abc", "1.2.3", "万"])
def test_bad_numbers(raw):
    with pytest.raises(CellError) as exc:
        parsers.decimal_value(raw)
    assert exc.value.message == f"“{raw}” is not a number."


@pytest.mark.parametrize(
    "raw",
    [
        "2024-01-31",
        "2024/1/31",
        "2024年1月31日",
        "2024.1.31",
        "20240131",
        "2024-01-31 00:00:00",
        dt.datetime(2024, 1, 31),
        dt.date(2024, 1, 31),
    ],
)
def test_dates(raw):
    assert parsers.date_value(raw) == dt.date(2024, 1, 31)


def test_choice_accepts_code_english_and_chinese_words():
    parse = parsers.choice_parser(CustomerStatus)
    assert [parse(v) for v in ("active", "ACTIVE", "Active", "存续", "在业", "吊销", "注销")] == [
        "active",
        "active",
        "active",
        "active",
        "active",
        "revoked",
        "deregistered",
    ]


@pytest.mark.parametrize("raw", ["44", "Guangdong", "guangdong", "广东", "广东省", "440300"])
def test_province_spellings(raw):
    assert parsers.province_parser()(raw) == "44"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("新疆维吾尔自治区", "65"),
        ("内蒙古自治区", "15"),
        ("上海市", "31"),
        ("香港特别行政区", "81"),
    ],
)
def test_province_suffixes(raw, code):
    assert parsers.province_parser()(raw) == code


def test_header_matching_is_case_space_and_width_insensitive():
    aliases = customer_spec().alias_map()
    for header in ("name_zh", "Name ZH", "Chinese name", "中文名称", "客户名称", "name (Chinese)"):
        assert aliases[header_key(header)] == "name_zh", header
    for header in ("uscc", " USCC ", "统一社会信用代码", "Unified social credit code"):
        assert aliases[header_key(header)] == "uscc", header
    assert header_key("客户名称（中文）") == header_key("客户名称(中文)")


def test_csv_line_numbers_count_physical_lines():
    data = 'name_zh,notes\n\n甲,"two\nlines"\n乙,x\n'.encode()
    sheet = read_file(data, filename="a.csv")
    assert sheet.header_line == 1
    assert [line for line, _row in sheet.rows] == [3, 5]
    assert sheet.rows[0][1] == {"name_zh": "甲", "notes": "two\nlines"}


def test_semicolon_and_tab_separated_files():
    assert read_file(b"name_zh;uscc\nA;B\n", filename="a.csv").rows[0][1] == {
        "name_zh": "A",
        "uscc": "B",
    }
    assert read_file(b"name_zh\tuscc\nA\tB\n", filename="a.txt").rows[0][1] == {
        "name_zh": "A",
        "uscc": "B",
    }


def test_xlsx_row_numbers_survive_blank_rows(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A2"] = "客户名称"
    sheet["A3"] = "甲"
    sheet["A6"] = "乙"
    path = tmp_path / "gaps.xlsx"
    workbook.save(path)
    result = read_file(path.read_bytes(), filename="gaps.xlsx")
    assert result.header_line == 2
    assert [line for line, _row in result.rows] == [3, 6]


def test_decode_reports_detected_encodings():
    assert decode("甲".encode())[1:] == ("utf-8", True)
    assert decode("甲".encode("utf-8-sig"))[1:] == ("utf-8-sig", True)
    assert decode("甲".encode("gbk"))[1:] == ("gb18030", True)
    with pytest.raises(FileProblem) as exc:
        decode("a\nb\n甲".encode("gbk"), "utf-8")
    assert exc.value.line == 3
