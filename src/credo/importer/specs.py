"""Import specs: one per record type, each a list of columns (aliases, parser, required) and a
row handler that calls the services.

Headers match case-, space-, underscore- and width-insensitively against the field name, the
field's label in English and in Chinese (from the zh-hans catalogue) and a few explicit
synonyms used in Chinese registry extracts and ERP exports.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credo.core.permissions import ASSIGN_OWNER
from credo.core.services import serialize_instance

from . import parsers
from .engine import Action, RowContext, RowError, RowOutcome
from .parsers import Parser, cell_text


def header_key(value: str) -> str:
    """The comparable form of a header: NFKC, case-folded, without spaces, _ - * and colons."""
    return re.sub(r"[\s_\-*:：]+", "", unicodedata.normalize("NFKC", value or "")).casefold()


@dataclass(frozen=True)
class Column:
    """One importable column."""

    field: str
    parser: Parser
    label: Any = ""  # verbose name (lazy) used in messages and the template header
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> list[str]:
        names = [self.field, *self.aliases]
        if self.label:
            with translation.override("en"):
                names.append(str(self.label))
            with translation.override("zh-hans"):
                names.append(str(self.label))
        return names


@dataclass
class ImportSpec:
    """Columns of one record type plus how a typed row is written."""

    key: str
    label: Any
    columns: list[Column]
    # Groups of fields of which at least one column must be present (e.g. a customer's name).
    required_one_of: tuple[tuple[str, ...], ...] = ()
    # Permissions the importing user needs besides the import permission itself.
    required_permissions: tuple[str, ...] = ()
    columns_by_field: dict[str, Column] = field(init=False)

    def __post_init__(self) -> None:
        self.columns_by_field = {column.field: column for column in self.columns}

    def alias_map(self) -> dict[str, str]:
        """header key -> field; the first column claiming a name keeps it."""
        mapping: dict[str, str] = {}
        for column in self.columns:
            for name in column.names():
                mapping.setdefault(header_key(name), column.field)
        return mapping

    def match_headers(
        self, headers: list[str]
    ) -> tuple[dict[str, str], list[tuple[str, str]], list[str]]:
        """Return (field -> header as written, header errors, unknown headers)."""
        aliases = self.alias_map()
        mapping: dict[str, str] = {}
        errors: list[tuple[str, str]] = []
        unknown: list[str] = []
        for header in headers:
            if not header:
                continue
            field_name = aliases.get(header_key(header))
            if field_name is None:
                unknown.append(header)
            elif field_name in mapping:
                errors.append(
                    (
                        header,
                        _("this column and column %(other)s both give %(field)s")
                        % {"other": mapping[field_name], "field": field_name},
                    )
                )
            else:
                mapping[field_name] = header
        missing = [c.field for c in self.columns if c.required and c.field not in mapping]
        missing += [
            _(" or ").join(group)
            for group in self.required_one_of
            if not any(name in mapping for name in group)
        ]
        if missing:
            errors.insert(
                0,
                ("", _("missing required columns: %(columns)s") % {"columns": ", ".join(missing)}),
            )
        return mapping, errors, unknown

    def header_warnings(self, mapping: dict[str, str]) -> list[str]:
        """Warnings about the set of columns (not about single rows)."""
        return []

    def column_for_field(self, name: str) -> str:
        """The spec field that carries a model field's error (overridden where they differ)."""
        return name

    def prepare(self, rows: list[tuple[int, dict[str, Any]]], context: RowContext) -> None:
        """Look at all raw rows before the first is written (e.g. to find parents later on)."""

    def apply(self, row: dict[str, Any], context: RowContext) -> RowOutcome:
        raise NotImplementedError


def _changed_labels(model: type[models.Model], before: dict, after: dict) -> list[str]:
    labels = []
    for field_obj in model._meta.concrete_fields:
        name = field_obj.attname
        if name in before and before.get(name) != after.get(name):
            labels.append(str(field_obj.verbose_name))
    return labels


# --------------------------------------------------------------------------- customers


def _quantized(parser: Parser, places: int) -> Parser:
    """Decimals rounded to the field's places, so 120万 compares equal to the stored 1200000.00."""
    exponent = Decimal(1).scaleb(-places)

    def parse(value: Any) -> Any:
        number = parser(value)
        if number is parsers.EMPTY or number.as_tuple().exponent < -places:
            return number  # too many decimals: the field's validator says so
        return number.quantize(exponent)

    return parse


def _typed_for(model_field: models.Field, parser: Parser) -> Parser:
    if isinstance(model_field, models.DecimalField):
        return _quantized(parser, model_field.decimal_places)
    return parser


def _website(value: Any) -> Any:
    text = cell_text(value)
    if not text:
        return parsers.EMPTY
    return text if "://" in text else "https://" + text


def _customer_columns() -> list[Column]:
    from credo.customers.choices import (
        Currency,
        CustomerKind,
        CustomerStatus,
        LegalForm,
        OwnershipType,
        SizeClass,
    )
    from credo.customers.models import Customer

    def label(name: str) -> Promise:
        return Customer._meta.get_field(name).verbose_name

    province = parsers.province_parser()
    currency = parsers.choice_parser(Currency)
    text = parsers.text
    spec = [
        ("code", text, ("customer code", "customer no", "客户编号", "客户编码", "客户代码")),
        ("kind", parsers.choice_parser(CustomerKind), ("type", "客户类型", "客户类别")),
        ("name_zh", text, ("Chinese name", "中文名称", "客户名称", "企业名称", "名称", "公司名称")),
        ("name_en", text, ("English name", "英文名称", "英文名")),
        ("status", parsers.choice_parser(CustomerStatus), ("状态", "登记状态", "经营状态")),
        ("uscc", parsers.upper_text, ("统一社会信用代码", "信用代码", "社会信用代码")),
        ("legal_form", parsers.choice_parser(LegalForm), ("企业类型", "公司类型", "企业性质")),
        ("industry", parsers.industry_value, ("所属行业", "行业", "行业代码")),
        ("size_class", parsers.choice_parser(SizeClass), ("size", "企业规模", "规模")),
        ("ownership_type", parsers.choice_parser(OwnershipType), ("ownership", "所有制")),
        ("legal_representative", text, ("法定代表人", "法人代表", "法人")),
        ("registered_capital", parsers.decimal_value, ("注册资本",)),
        ("registered_capital_currency", currency, ("注册资本币种",)),
        ("paid_in_capital", parsers.decimal_value, ("实缴资本",)),
        ("paid_in_capital_currency", currency, ("实缴资本币种",)),
        ("founding_date", parsers.date_value, ("成立日期", "成立时间", "注册日期")),
        ("registered_province", province, ("province", "省份", "注册省份", "所在省份")),
        ("registered_city", text, ("city", "城市", "注册城市", "所在城市")),
        ("registered_district", text, ("district", "区县", "注册区县")),
        ("registered_street", text, ("address", "注册地址", "住所", "地址")),
        ("operating_province", province, ("经营省份",)),
        ("operating_city", text, ("经营城市",)),
        ("operating_district", text, ("经营区县",)),
        ("operating_street", text, ("经营地址", "办公地址")),
        ("website", _website, ("网址", "网站", "官网")),
        ("id_number", parsers.upper_text, ("身份证号码", "身份证号", "证件号码")),
        ("phone", text, ("电话", "联系电话")),
        ("parent", text, ("parent", "上级公司", "母公司", "上级客户")),
        ("account_manager", parsers.user_value, ("owner", "客户经理", "负责人")),
    ]
    columns = [
        Column(name, _typed_for(Customer._meta.get_field(name), parser), label(name), aliases)
        for name, parser, aliases in spec
    ]
    columns += [
        Column("source_system", text, gettext_lazy("source system"), ("来源系统", "源系统")),
        Column("external_id", text, gettext_lazy("external id"), ("外部编号", "外部系统编号")),
    ]
    return columns


class CustomerSpec(ImportSpec):
    """Customers: matched by number, USCC, resident ID or source system + external id."""

    KEY_FIELDS = ("code", "uscc", "id_number", "external_id")

    def header_warnings(self, mapping: dict[str, str]) -> list[str]:
        if any(name in mapping for name in self.KEY_FIELDS):
            return []
        return [
            _(
                "no key column (code, uscc, id_number or source_system + external_id): every "
                "row creates a new customer, also when the file is imported again"
            )
        ]

    def prepare(self, rows, context: RowContext) -> None:
        # Parents may be defined further down the file: remember where each key appears.
        code_header = context.mapping.get("code")
        uscc_header = context.mapping.get("uscc")
        for line, raw in rows:
            for header in (code_header, uscc_header):
                if header:
                    key = cell_text(raw.get(header)).replace(" ", "").upper()
                    if key:
                        context.file_keys.setdefault(key, line)

    def apply(self, row: dict[str, Any], context: RowContext) -> RowOutcome:
        from credo.customers.models import Customer, ExternalId
        from credo.customers.services import (
            customer_assign_owner,
            customer_create,
            customer_update,
            external_id_set,
        )

        data = dict(row)
        source_system = data.pop("source_system", "")
        external_id = data.pop("external_id", "")
        if bool(source_system) != bool(external_id):
            raise RowError(
                _("Give both the source system and the external id, or neither."),
                field="external_id" if source_system else "source_system",
            )
        account_manager = data.pop("account_manager", None)
        parent_ref = data.pop("parent", "")

        for name in ("code", "uscc", "id_number"):
            if data.get(name):
                context.claim_key(name, (name, data[name]))
        if source_system:
            context.claim_key("external_id", ("external_id", source_system, external_id))

        existing = self._find_existing(data, source_system, external_id)
        if existing is not None and not context.can_see(existing):
            raise RowError(
                _("The customer %(customer)s exists but is not one of your customers.")
                % {"customer": existing.code},
                field=next((n for n in ("code", "uscc", "id_number") if n in data), "external_id"),
            )
        if parent_ref:
            parent = self._find_parent(parent_ref, context)
            if parent is not None:
                data["parent"] = parent

        if existing is None:
            owner = account_manager or context.default_owner
            if owner is None:
                raise RowError(
                    _(
                        "A new customer needs an account manager: add an account_manager column "
                        "or give a default owner (--owner)."
                    ),
                    field="account_manager",
                )
            if (
                context.user is not None
                and owner.pk != context.user.pk
                and not context.has_perm(ASSIGN_OWNER)
            ):
                raise RowError(
                    _("You may not make another user the account manager."),
                    field="account_manager",
                )
            customer = customer_create(account_manager=owner, **data)
            if source_system:
                external_id_set(
                    customer=customer, source_system=source_system, external_id=external_id
                )
            outcome = RowOutcome(context.line, Action.CREATE, self._label(customer))
        else:
            customer = existing
            before = serialize_instance(customer)
            changed = customer_update(customer=customer, **data)
            if account_manager is not None and account_manager.pk != customer.account_manager_id:
                if not context.has_perm(ASSIGN_OWNER):
                    raise RowError(
                        _("You may not change the account manager."), field="account_manager"
                    )
                changed = (
                    customer_assign_owner(
                        customer=customer, account_manager=account_manager, reason=str(_("Import"))
                    )
                    or changed
                )
            if (
                source_system
                and not ExternalId.objects.filter(
                    customer=customer, source_system=source_system, external_id=external_id
                ).exists()
            ):
                external_id_set(
                    customer=customer, source_system=source_system, external_id=external_id
                )
                changed = True
            changes = _changed_labels(Customer, before, serialize_instance(customer))
            if source_system and changed and not changes:
                changes = [str(_("external id"))]
            outcome = RowOutcome(
                context.line,
                Action.UPDATE if changed else Action.UNCHANGED,
                self._label(customer),
                changes,
            )
        if parent_ref and "parent" not in data:
            context.defer(lambda: self._set_parent_later(customer, parent_ref, context))
        return outcome

    @staticmethod
    def _label(customer) -> str:
        return f"{customer.code} {customer.display_name}"

    @staticmethod
    def _find_existing(data: dict[str, Any], source_system: str, external_id: str):
        from credo.customers.models import Customer

        candidates = []
        for name in ("code", "uscc", "id_number"):
            if data.get(name):
                found = Customer.objects.filter(**{name: data[name]}).first()
                if found is not None:
                    candidates.append((name, found))
        if source_system and external_id:
            found = Customer.objects.filter(
                external_ids__source_system=source_system,
                external_ids__external_id=external_id,
            ).first()
            if found is not None:
                candidates.append(("external_id", found))
        if not candidates:
            return None
        first_name, first = candidates[0]
        for name, other in candidates[1:]:
            if other.pk != first.pk:
                raise RowError(
                    _(
                        "%(field)s belongs to customer %(other)s, but %(first_field)s to "
                        "customer %(first)s."
                    )
                    % {
                        "field": name,
                        "other": other.code,
                        "first_field": first_name,
                        "first": first.code,
                    },
                    field=name,
                )
        return first

    @staticmethod
    def _lookup_customer(reference: str):
        from credo.customers.models import Customer

        key = reference.replace(" ", "")
        return (
            Customer.objects.filter(code=key).first()
            or Customer.objects.filter(uscc=key.upper()).first()
        )

    def _find_parent(self, reference: str, context: RowContext):
        parent = self._lookup_customer(reference)
        if parent is None:
            later = context.file_keys.get(reference.replace(" ", "").upper())
            if later is not None and later > context.line:
                return None  # set once that row is written
            raise RowError(
                _("No customer with the number or USCC “%(reference)s”.")
                % {"reference": reference},
                field="parent",
            )
        if not context.can_see(parent):
            raise RowError(
                _("The customer %(customer)s is not one of your customers.")
                % {"customer": parent.code},
                field="parent",
            )
        return parent

    def _set_parent_later(self, customer, reference: str, context: RowContext) -> bool:
        from credo.customers.services import customer_update

        parent = self._lookup_customer(reference)
        if parent is None:  # the later row failed
            raise RowError(
                _("No customer with the number or USCC “%(reference)s”.")
                % {"reference": reference},
                field="parent",
            )
        customer.refresh_from_db()
        return customer_update(customer=customer, parent=parent)


def customer_spec() -> CustomerSpec:
    return CustomerSpec(
        key="customers",
        label=gettext_lazy("customers"),
        columns=_customer_columns(),
        # A file without names can still update customers it identifies by a key.
        required_one_of=(("name_zh", "name_en", "code", "uscc", "id_number", "external_id"),),
    )


# --------------------------------------------------------------------------- credit file

# Chinese and English headers seen in registry extracts, agency reports and statements.
RECORD_FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("名称", "姓名", "股东名称", "股东", "姓名/名称"),
    "shareholder_type": ("股东类型", "股东性质"),
    "share_percent": ("share", "share percent", "持股比例", "出资比例", "持股比例(%)"),
    "subscribed_capital": ("认缴出资额", "认缴出资", "认缴资本"),
    "paid_capital": ("paid in capital", "实缴出资额", "实缴出资", "实缴资本"),
    "currency": ("币种", "货币"),
    "id_number": ("身份证号码", "身份证号", "证件号码"),
    "uscc": ("统一社会信用代码", "信用代码"),
    "as_of": ("截至日期", "信息日期", "数据日期"),
    "source": ("信息来源", "来源"),
    "source_detail": ("来源说明", "来源明细"),
    "title": ("职务", "职位"),
    "since": ("任职日期", "任职开始日期"),
    "related_company_name": ("关联企业", "关联企业名称", "关联公司"),
    "relation_type": ("关联关系", "关系"),
    "business_scope": ("经营范围",),
    "main_products": ("主要产品", "主营产品"),
    "supply_sources": ("供应来源", "主要供应商"),
    "payment_practices": ("结算方式", "收款方式"),
    "employees": ("员工人数", "职工人数", "从业人数"),
    "profile": ("经营情况日期", "业务情况日期"),
    "region": ("地区", "区域", "销售区域"),
    "percent": ("销售占比", "占比", "比例"),
    "period_type": ("报表类型", "期间类型", "报告期类型"),
    "period_end": ("报告期", "报表日期", "期末日期", "会计期末"),
    "audited": ("是否审计", "经审计", "审计"),
    "auditor": ("审计机构", "会计师事务所"),
    "unit": ("金额单位", "单位"),
    "cash": ("货币资金",),
    "accounts_receivable": ("应收账款",),
    "inventory": ("存货",),
    "current_assets": ("流动资产合计", "流动资产"),
    "fixed_assets": ("固定资产",),
    "total_assets": ("资产总计", "资产合计", "总资产"),
    "current_liabilities": ("流动负债合计", "流动负债"),
    "total_liabilities": ("负债合计", "总负债"),
    "equity": ("所有者权益合计", "所有者权益", "股东权益合计", "净资产"),
    "retained_earnings": ("留存收益", "留存收益合计"),
    "revenue": ("营业收入", "营业总收入"),
    "cost_of_sales": ("营业成本",),
    "operating_profit": ("营业利润",),
    "interest_expense": ("利息费用", "利息支出"),
    "net_profit": ("净利润",),
    "operating_cash_flow": ("经营活动产生的现金流量净额", "经营活动现金流量净额"),
    "investing_cash_flow": ("投资活动产生的现金流量净额", "投资活动现金流量净额"),
    "financing_cash_flow": ("筹资活动产生的现金流量净额", "筹资活动现金流量净额"),
    "supplier": ("供应商", "供应商名称"),
    "highest_credit": ("最高信用额度", "最高赊销额"),
    "terms_days": ("账期", "账期天数", "信用期限"),
    "payment_experience": ("付款表现", "付款情况"),
    "days_beyond_terms": ("逾期天数", "超期天数"),
    "comment": ("备注", "评价"),
    "bank": ("银行", "开户银行", "银行名称"),
    "branch": ("支行", "开户网点"),
    "account_number": ("账号", "银行账号"),
    "credit_line": ("授信额度",),
    "loans_outstanding": ("贷款余额",),
    "overdue_count": ("逾期次数",),
    "overdue_amount": ("逾期金额",),
    "repayment_record": ("还款记录", "还款情况"),
    "remarks": ("备注", "说明"),
    "record_type": ("记录类型", "类型"),
    "role": ("诉讼地位", "角色"),
    "amount": ("金额", "涉案金额"),
    "status": ("状态",),
    "authority": ("机关", "法院", "决定机关"),
    "case_number": ("案号", "文书号", "决定书文号"),
    "event_date": ("发生日期", "立案日期", "决定日期"),
    "description": ("描述", "详情", "内容"),
    "source_url": ("链接", "网址", "来源链接"),
}

CUSTOMER_REFERENCE_ALIASES = (
    "customer",
    "customer number",
    "customer code",
    "customer uscc",
    "客户",
    "客户编号",
    "客户编码",
    "客户代码",
    "客户统一社会信用代码",
    "客户名称编号",
    # Taken only when the record itself has no USCC field (see alias_map order).
    "uscc",
    "unified social credit code",
    "统一社会信用代码",
)

# Statement units, whether the field stores the multiplier or a name.
UNIT_SYNONYMS = {
    "元": ("yuan", 1),
    "1": ("yuan", 1),
    "千元": ("thousand", 1000),
    "千": ("thousand", 1000),
    "1000": ("thousand", 1000),
    "万元": ("ten_thousand", 10000),
    "万": ("ten_thousand", 10000),
    "10000": ("ten_thousand", 10000),
}


def _parser_for(model_field: models.Field) -> Parser | None:
    if model_field.is_relation:
        related = model_field.related_model
        from credo.creditfile.registry import record_type_for

        try:
            related_type = record_type_for(related)
        except KeyError:
            return None
        # A parent record identified by its date (a market share's business profile).
        return parsers.date_value if related_type.business_key == ("as_of",) else None
    if model_field.choices:
        synonyms = UNIT_SYNONYMS if model_field.name == "unit" else None
        return parsers.choice_parser(model_field.choices, synonyms=synonyms)
    if isinstance(model_field, models.DecimalField):
        return _quantized(parsers.decimal_value, model_field.decimal_places)
    if isinstance(model_field, models.BooleanField):
        return parsers.boolean_value
    if isinstance(model_field, models.IntegerField):
        return parsers.integer_value
    if isinstance(model_field, models.DateField):
        return parsers.date_value
    if model_field.name in {"uscc", "id_number"}:
        return parsers.upper_text
    return parsers.text


def _is_required(model_field: models.Field) -> bool:
    return not (model_field.blank or model_field.null or model_field.has_default())


class RecordSpec(ImportSpec):
    """A credit-file record type, written with ``record_upsert`` keyed by its business key."""

    record_type: Any = None

    def apply(self, row: dict[str, Any], context: RowContext) -> RowOutcome:
        from credo.creditfile.services import record_upsert

        data = dict(row)
        reference = data.pop("customer")
        customer = CustomerSpec._lookup_customer(reference)
        if customer is None:
            raise RowError(
                _("No customer with the number or USCC “%(reference)s”.")
                % {"reference": reference},
                field="customer",
            )
        if not context.can_see(customer):
            raise RowError(
                _("The customer %(customer)s is not one of your customers.")
                % {"customer": customer.code},
                field="customer",
            )
        model = self.record_type.model
        for name in list(data):
            model_field = model._meta.get_field(name)
            if model_field.is_relation:
                data[name] = self._related_record(model_field, customer, data[name])
        key_values = tuple(
            getattr(data.get(name), "pk", data.get(name)) for name in self.record_type.business_key
        )
        key_field = next((n for n in self.record_type.business_key if n in data), "customer")
        context.claim_key(key_field, (customer.pk, *key_values))
        record, created, changed = record_upsert(
            record_type=self.record_type.key, customer=customer, **data
        )
        action = Action.CREATE if created else (Action.UPDATE if changed else Action.UNCHANGED)
        return RowOutcome(
            context.line, action, f"{customer.code} {customer.display_name}: {record}"
        )

    @staticmethod
    def _related_record(model_field: models.Field, customer, as_of):
        found = model_field.related_model.objects.filter(customer=customer, as_of=as_of).first()
        if found is None:
            raise RowError(
                _("The customer has no %(record)s dated %(date)s.")
                % {"record": model_field.related_model._meta.verbose_name, "date": as_of},
                field=model_field.name,
            )
        return found


def record_spec(record_type) -> RecordSpec:
    columns: list[Column] = []
    for name in record_type.fields:
        model_field = record_type.model._meta.get_field(name)
        parser = _parser_for(model_field)
        if parser is None:
            continue
        columns.append(
            Column(
                name,
                parser,
                model_field.verbose_name,
                RECORD_FIELD_ALIASES.get(name, ()),
                required=_is_required(model_field),
            )
        )
    columns.append(
        Column(
            "customer",
            parsers.text,
            gettext_lazy("customer"),
            CUSTOMER_REFERENCE_ALIASES,
            required=True,
        )
    )
    spec = RecordSpec(
        key=record_type.key, label=record_type.model._meta.verbose_name_plural, columns=columns
    )
    spec.record_type = record_type
    return spec


# --------------------------------------------------------------------------- registry


def available_specs() -> dict[str, ImportSpec]:
    """Every importable record type by CLI/URL key, customers first."""
    specs: dict[str, ImportSpec] = {"customers": customer_spec()}
    try:
        from credo.creditfile.registry import RECORD_TYPES
    except ImportError:  # the credit-file app is optional for the customer import
        RECORD_TYPES = {}
    for key, record_type in RECORD_TYPES.items():
        specs[key] = record_spec(record_type)
    from .receivables_specs import receivables_specs

    specs.update(receivables_specs())
    return specs


def get_spec(key: str) -> ImportSpec:
    """The spec for ``key``; raises KeyError when unknown."""
    return available_specs()[key]


def spec_choices() -> Iterable[tuple[str, str]]:
    return [(key, capfirst(str(spec.label))) for key, spec in available_specs().items()]
