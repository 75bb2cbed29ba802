"""Cell parsers: raw cell value -> typed value, or ``CellError`` with a translated message.

Every parser takes the raw value (a string from CSV; a string, number or date from XLSX) and
returns the typed value; an empty cell returns ``EMPTY`` so the caller can tell "blank" from a
value that parses to something falsy.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _


class CellError(Exception):
    """A cell value that cannot be understood."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Empty:
    def __repr__(self) -> str:
        return "EMPTY"

    def __bool__(self) -> bool:
        return False


EMPTY: Any = _Empty()

Parser = Callable[[Any], Any]


def cell_text(value: Any) -> str:
    """The cell as text: integral floats from spreadsheets lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def is_blank(value: Any) -> bool:
    return cell_text(value) == ""


def text(value: Any) -> Any:
    result = cell_text(value)
    return result if result else EMPTY


def upper_text(value: Any) -> Any:
    result = cell_text(value).replace(" ", "").upper()
    return result if result else EMPTY


# --------------------------------------------------------------------------- numbers

_UNIT_FACTORS = (
    ("亿元", Decimal("100000000")),
    ("万元", Decimal("10000")),
    ("亿", Decimal("100000000")),
    ("万", Decimal("10000")),
    ("元", Decimal("1")),
)
_CURRENCY_MARKS = ("¥", "￥", "RMB", "CNY", "$")
_GROUPED_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def decimal_value(value: Any) -> Any:
    """Numbers with thousands separators, a unit 万/亿 (x 10,000 / 100,000,000) or a % sign."""
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    raw = cell_text(value)
    if not raw:
        return EMPTY
    textual = raw.replace(" ", "").replace("\u3000", "")
    negative = False
    if textual.startswith("(") and textual.endswith(")"):  # accounting negative
        negative, textual = True, textual[1:-1]
    for mark in _CURRENCY_MARKS:
        if textual.upper().startswith(mark):
            textual = textual[len(mark) :]
    factor = Decimal(1)
    for unit, unit_factor in _UNIT_FACTORS:
        if textual.endswith(unit):
            textual, factor = textual[: -len(unit)], unit_factor
            break
    if textual.endswith("%"):
        textual = textual[:-1]
    if not _GROUPED_NUMBER.match(textual):
        raise CellError(_("“%(value)s” is not a number.") % {"value": raw})
    try:
        number = Decimal(textual.replace(",", "")) * factor
    except InvalidOperation:
        raise CellError(_("“%(value)s” is not a number.") % {"value": raw}) from None
    number = -number if negative else number
    # 1.2万 -> 12000 rather than 12000.0
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def integer_value(value: Any) -> Any:
    number = decimal_value(value)
    if number is EMPTY:
        return EMPTY
    if number != number.to_integral_value():
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": cell_text(value)})
    return int(number)


# --------------------------------------------------------------------------- dates

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def date_value(value: Any) -> Any:
    """2024-01-31, 2024/1/31, 2024.1.31, 2024年1月31日, 20240131, or a spreadsheet date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = cell_text(value)
    if not raw:
        return EMPTY
    candidate = raw.replace(" ", "")
    # "2024-01-31 00:00:00" from a spreadsheet exported as text
    candidate = re.sub(r"[T ]?00:00(:00)?$", "", candidate)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(candidate)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellError(_("“%(value)s” is not a real date.") % {"value": raw}) from None
    raise CellError(
        _("“%(value)s” is not a date; write it like 2024-01-31, 2024/1/31 or 2024年1月31日.")
        % {"value": raw}
    )


_TRUE = {"1", "true", "yes", "y", "x", "是", "对", "有", "√", "✓"}
_FALSE = {"0", "false", "no", "n", "否", "无", "不是", "×"}


def boolean_value(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raw = cell_text(value)
    if not raw:
        return EMPTY
    key = raw.casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(_("“%(value)s” is not yes or no.") % {"value": raw})


# --------------------------------------------------------------------------- choices


def _choice_key(value: str) -> str:
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", value)).casefold()


# Registry words and everyday Chinese that are not the translated labels themselves. A word
# may stand for different codes in different choice sets ("正常"): the first code the field
# offers wins.
CHOICE_SYNONYMS: dict[str, tuple[str, ...]] = {
    # customer status (企业登记状态)
    "存续": ("active",),
    "在业": ("active",),
    "开业": ("active",),
    "在营": ("active",),
    "存续(在营、开业、在册)": ("active",),
    "正常": ("active", "normal"),
    "停业": ("suspended",),
    "歇业": ("suspended",),
    "暂停": ("suspended",),
    "吊销": ("revoked",),
    "吊销未注销": ("revoked",),
    "吊销,未注销": ("revoked",),
    "注销": ("deregistered",),
    "已注销": ("deregistered",),
    "吊销已注销": ("deregistered",),
    # customer kind / shareholder type
    "企业": ("enterprise",),
    "公司": ("enterprise",),
    "单位": ("enterprise",),
    "法人": ("enterprise",),
    "企业法人": ("enterprise",),
    "个人": ("individual", "person"),
    "自然人": ("individual", "person"),
    "国家": ("state",),
    "国有": ("state",),
    "其他": ("other",),
    # legal form
    "有限责任公司": ("llc",),
    "有限公司": ("llc",),
    "股份有限公司": ("joint_stock",),
    "股份公司": ("joint_stock",),
    "国有独资公司": ("state_sole",),
    "合伙企业": ("partnership",),
    "个人独资企业": ("sole_proprietorship",),
    "个体工商户": ("individual_business",),
    "外商投资企业": ("foreign_invested",),
    "农民专业合作社": ("cooperative",),
    "分公司": ("branch",),
    "事业单位": ("institution",),
    # size class
    "大型": ("large",),
    "大型企业": ("large",),
    "中型": ("medium",),
    "中型企业": ("medium",),
    "小型": ("small",),
    "小型企业": ("small",),
    "微型": ("micro",),
    "微型企业": ("micro",),
    # ownership
    "国有企业": ("state",),
    "集体": ("collective",),
    "私营": ("private",),
    "民营": ("private",),
    "外资": ("foreign",),
    "港澳台": ("hmt",),
    "混合所有制": ("mixed",),
    # currencies
    "人民币": ("CNY",),
    "元": ("CNY",),
    "rmb": ("CNY",),
    "美元": ("USD",),
    "欧元": ("EUR",),
    "港币": ("HKD",),
    "港元": ("HKD",),
    "日元": ("JPY",),
    "英镑": ("GBP",),
    # credit-file sources
    "客户提供": ("customer",),
    "工商登记": ("registry",),
    "公开登记": ("registry",),
    "征信机构": ("agency",),
    "信用机构": ("agency",),
    "银行": ("bank",),
    "自行调查": ("research",),
    "导入": ("import",),
    # statement periods
    "年报": ("annual",),
    "年度": ("annual",),
    "半年报": ("semi_annual",),
    "半年度": ("semi_annual",),
    "季报": ("quarterly",),
    "季度": ("quarterly",),
    # affiliations
    "母公司": ("parent",),
    "子公司": ("subsidiary",),
    "兄弟公司": ("sister",),
    "联营企业": ("associate",),
    "同一控制": ("common_control",),
    "担保人": ("guarantor",),
    "被担保人": ("guaranteed",),
    # payment experience and bank repayment record
    "及时": ("prompt",),
    "按时": ("prompt",),
    "较慢": ("slow",),
    "迟缓": ("slow",),
    "很慢": ("very_slow",),
    "严重拖欠": ("very_slow",),
    "催收": ("collection",),
    "按时还款": ("normal",),
    "偶有逾期": ("occasionally_late",),
    "经常逾期": ("frequently_late",),
    "违约": ("defaulted",),
    "未知": ("unknown",),
    # public record
    "诉讼": ("lawsuit",),
    "被执行": ("enforcement",),
    "被执行人": ("enforcement",),
    "失信被执行人": ("dishonest_debtor",),
    "抵押": ("mortgage_pledge",),
    "质押": ("mortgage_pledge",),
    "抵质押": ("mortgage_pledge",),
    "行政处罚": ("admin_penalty",),
    "税务": ("tax_issue",),
    "欠税": ("tax_issue",),
    "荣誉": ("honour",),
    "资质": ("honour",),
    "新闻": ("press",),
    "无": ("no_findings",),
    "原告": ("plaintiff",),
    "被告": ("defendant",),
    "第三人": ("third_party",),
    "审理中": ("open",),
    "未结": ("open",),
    "结案": ("closed",),
    "已结案": ("closed",),
    "和解": ("settled",),
    "撤诉": ("withdrawn",),
    "解除": ("lifted",),
    "已解除": ("lifted",),
    "有效": ("valid",),
    "失效": ("expired",),
    "过期": ("expired",),
}


def choice_parser(
    choices: type[models.Choices] | Iterable[tuple[Any, Any]],
    *,
    synonyms: dict[str, Any] | None = None,
) -> Parser:
    """Accept the stored code, the English label or the Chinese label (any case/spacing).

    ``synonyms`` adds words for this field only (word -> code or tuple of candidate codes).
    """
    pairs = list(choices.choices if isinstance(choices, type) else choices)
    by_text = {str(code): code for code, _label in pairs}
    lookup: dict[str, Any] = {}

    def build() -> dict[str, Any]:
        if lookup:
            return lookup
        for word, codes in (synonyms or {}).items():
            targets = codes if isinstance(codes, tuple) else (codes,)
            code = next((by_text[str(t)] for t in targets if str(t) in by_text), None)
            if code is not None:
                lookup[_choice_key(word)] = code
        for word, targets in CHOICE_SYNONYMS.items():
            code = next((by_text[t] for t in targets if t in by_text), None)
            if code is not None:
                lookup.setdefault(_choice_key(word), code)
        for code, label in pairs:
            with translation.override("en"):
                lookup[_choice_key(str(label))] = code
            with translation.override("zh-hans"):
                lookup[_choice_key(str(label))] = code
        for code, _label in pairs:  # codes win over labels that happen to look alike
            lookup[_choice_key(str(code))] = code
        return lookup

    def parse(value: Any) -> Any:
        raw = cell_text(value)
        if not raw:
            return EMPTY
        found = build().get(_choice_key(raw))
        if found is None:
            raise CellError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": raw, "choices": ", ".join(str(label) for _c, label in pairs)}
            )
        return found

    return parse


# GB/T 2260 provincial divisions: Chinese short names, matched after dropping the suffix.
PROVINCE_NAMES_ZH = {
    "北京": "11",
    "天津": "12",
    "河北": "13",
    "山西": "14",
    "内蒙古": "15",
    "辽宁": "21",
    "吉林": "22",
    "黑龙江": "23",
    "上海": "31",
    "江苏": "32",
    "浙江": "33",
    "安徽": "34",
    "福建": "35",
    "江西": "36",
    "山东": "37",
    "河南": "41",
    "湖北": "42",
    "湖南": "43",
    "广东": "44",
    "广西": "45",
    "海南": "46",
    "重庆": "50",
    "四川": "51",
    "贵州": "52",
    "云南": "53",
    "西藏": "54",
    "陕西": "61",
    "甘肃": "62",
    "青海": "63",
    "宁夏": "64",
    "新疆": "65",
    "台湾": "71",
    "香港": "81",
    "澳门": "82",
}
_PROVINCE_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)


def province_parser() -> Parser:
    """Code ("44"), a 6-digit division code ("440300"), English or Chinese name ("广东省")."""
    from credo.customers.choices import Province

    by_choice = choice_parser(Province)
    codes = set(Province.values)

    def parse(value: Any) -> Any:
        raw = cell_text(value)
        if not raw:
            return EMPTY
        compact = raw.replace(" ", "")
        if re.fullmatch(r"\d{6}", compact) and compact[:2] in codes:
            return compact[:2]
        name = compact
        for suffix in _PROVINCE_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
        if name in PROVINCE_NAMES_ZH:
            return PROVINCE_NAMES_ZH[name]
        try:
            return by_choice(raw)
        except CellError:
            raise CellError(_("“%(value)s” is not a known province.") % {"value": raw}) from None

    return parse


def industry_value(value: Any) -> Any:
    """A GB/T 4754-2017 section ("C") or division ("39") code, or the exact Chinese name."""
    from credo.customers.models import Industry

    raw = cell_text(value)
    if not raw:
        return EMPTY
    code = raw.replace(" ", "").upper()
    found = (
        Industry.objects.filter(code=code).first() or Industry.objects.filter(name_zh=raw).first()
    )
    if found is None:
        raise CellError(
            _("“%(value)s” is not an industry code of GB/T 4754-2017.") % {"value": raw}
        )
    return found


def user_value(value: Any) -> Any:
    """An active user, by user name."""
    from django.contrib.auth import get_user_model

    raw = cell_text(value)
    if not raw:
        return EMPTY
    user = get_user_model().objects.filter(username=raw, is_active=True).first()
    if user is None:
        raise CellError(_("There is no active user named “%(value)s”.") % {"value": raw})
    return user
