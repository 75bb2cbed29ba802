"""Import specs for ERP exports of the receivables ledger: sales orders, deliveries, invoices,
payments, allocations, and the master data they refer to (FX rates, payment terms).

Every write goes through ``credo.receivables.services``; the engine maps the services'
validation errors to the row's line and column.

Decisions:

* Documents are keyed by their number and are immutable once posted. A row whose document
  already exists with the same values is "unchanged" (no service call, no change-log row); a
  row that differs is an error naming every differing column: a posted document is corrected by
  cancelling it in credo and posting a new one, never by overwriting it from a file.
* Allocations are keyed by (payment number, invoice number, instalment sequence, default 1)
  and are immutable the same way.
* A customer is named by customer number or USCC (``customer``) or, as ERP exports do, by its id
  in the source system (``source_system`` + ``external_id``; the source system may instead be
  given once for the whole file).
* A blank currency means the company currency; a blank FX rate takes the rate table's rate on
  the document date (the service's rule).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import parsers
from .engine import Action, RowContext, RowError, RowOutcome
from .parsers import EMPTY, CellError, Parser, cell_text
from .specs import CUSTOMER_REFERENCE_ALIASES, Column, ImportSpec

CURRENCY_ALIASES = ("币种", "货币", "币别", "原币", "currency code")
FX_RATE_ALIASES = ("exchange rate", "rate", "汇率", "折算汇率")
TERMS_ALIASES = (
    "terms",
    "terms code",
    "payment terms code",
    "付款条件",
    "付款条件代码",
    "收款条件",
    "收款协议",
)
SOURCE_SYSTEM_ALIASES = ("source system", "来源系统", "源系统", "ERP系统")
EXTERNAL_ID_ALIASES = (
    "external id",
    "customer external id",
    "ERP customer id",
    "外部编号",
    "客户外部编号",
    "外部系统编号",
    "ERP客户编号",
)
ORDER_NUMBER_ALIASES = ("order number", "order no", "sales order", "订单号", "销售订单号")


# --------------------------------------------------------------------------- cell parsers


def _currency_parser() -> Parser:
    from credo.customers.choices import Currency

    return parsers.choice_parser(Currency)


def payment_terms_value(value: Any) -> Any:
    """Payment terms by their code (any case)."""
    from credo.receivables.models import PaymentTerms

    raw = cell_text(value)
    if not raw:
        return EMPTY
    found = (
        PaymentTerms.objects.filter(code=raw).first()
        or PaymentTerms.objects.filter(code__iexact=raw).first()
    )
    if found is None:
        raise CellError(
            _("No payment terms with the code “%(value)s”: import or create them first.")
            % {"value": raw}
        )
    return found


def positive_integer(value: Any) -> Any:
    number = parsers.integer_value(value)
    if number is not EMPTY and number < 1:
        raise CellError(_("“%(value)s” is not a whole number of 1 or more.") % {"value": number})
    return number


_INSTALMENT_ITEM = re.compile(r"^(\d+(?:\.\d+)?)\s*%?\s*[:@/]\s*(\d+)\s*(?:天|days?|d)?$")


def instalments_value(value: Any) -> Any:
    """``40%:30; 60%:60`` (percent at days after the invoice date) or the stored JSON list."""
    raw = cell_text(value)
    if not raw:
        return EMPTY
    if raw.startswith("["):
        try:
            return json.loads(raw)
        except ValueError:
            raise CellError(_("“%(value)s” is not a valid JSON list.") % {"value": raw}) from None
    items = []
    for part in re.split(r"[;；,，\n]+", raw):
        part = part.strip()
        if not part:
            continue
        match = _INSTALMENT_ITEM.match(part.casefold())
        if match is None:
            raise CellError(
                _("“%(value)s” is not a list of instalments; write it like 40%%:30; 60%%:60.")
                % {"value": raw}
            )
        try:
            percent = Decimal(match.group(1))
        except InvalidOperation:  # pragma: no cover - the pattern allows only digits
            raise CellError(_("“%(value)s” is not a number.") % {"value": part}) from None
        items.append({"percent": str(percent), "days": int(match.group(2))})
    return items


# --------------------------------------------------------------------------- shared helpers


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _differences(document, differences: list[tuple[str, Any, Any]]) -> None:
    """Raise one error per differing column when a posted document would change."""
    errors: dict[str, list[str]] = {}
    for field_name, stored, given in differences:
        if given is None or given == stored:
            continue
        errors.setdefault(field_name, []).append(
            _(
                "%(document)s %(number)s is already posted with %(stored)s, the file says "
                "%(given)s: posted documents cannot be changed by an import (cancel it in credo "
                "and post a corrected one under a new number)."
            )
            % {
                "document": str(document._meta.verbose_name).capitalize(),
                "number": getattr(document, "number", document),
                "stored": _display(stored),
                "given": _display(given),
            }
        )
    if errors:
        raise ValidationError(errors)


def _customer_label(customer) -> str:
    return f"{customer.code} {customer.display_name}"


def _require_visible(customer, context: RowContext, field_name: str) -> None:
    if not context.can_see(customer):
        raise RowError(
            _("The customer %(customer)s is not one of your customers.")
            % {"customer": customer.code},
            field=field_name,
        )


def resolve_customer(data: dict[str, Any], context: RowContext, *, required: bool = True):
    """The customer a row names by number/USCC or by source system + external id."""
    from credo.customers.selectors import customer_find_by_key

    reference = data.pop("customer", "")
    source_system = data.pop("source_system", "") or context.source_system
    external_id = data.pop("external_id", "")
    by_reference = by_external = None
    if reference:
        compact = reference.replace(" ", "")
        by_reference = customer_find_by_key(code=compact, uscc=compact)
        if by_reference is None:
            raise RowError(
                _("No customer with the number or USCC “%(reference)s”.")
                % {"reference": reference},
                field="customer",
            )
    if external_id:
        if not source_system:
            raise RowError(
                _(
                    "An external id needs its source system: add a source_system column or "
                    "give the source system of the file (--source-system)."
                ),
                field="external_id",
            )
        by_external = customer_find_by_key(source_system=source_system, external_id=external_id)
        if by_external is None:
            raise RowError(
                _("No customer has the external id “%(external_id)s” in %(system)s.")
                % {"external_id": external_id, "system": source_system},
                field="external_id",
            )
    if by_reference is not None and by_external is not None and by_reference != by_external:
        raise RowError(
            _(
                "The customer number or USCC names customer %(first)s, the external id "
                "customer %(second)s."
            )
            % {"first": by_reference.code, "second": by_external.code},
            field="external_id",
        )
    customer = by_reference or by_external
    if customer is None:
        if not required:
            return None
        raise RowError(
            _("Name the customer: a customer number, USCC, or source system and external id."),
            field="customer",
        )
    _require_visible(customer, context, "customer" if by_reference else "external_id")
    return customer


def _customer_columns() -> list[Column]:
    return [
        Column("customer", parsers.text, gettext_lazy("customer"), CUSTOMER_REFERENCE_ALIASES),
        Column("source_system", parsers.text, gettext_lazy("source system"), SOURCE_SYSTEM_ALIASES),
        Column("external_id", parsers.text, gettext_lazy("external id"), EXTERNAL_ID_ALIASES),
    ]


def _document_number(model, number: str, field_name: str, *, related=()):
    """The posted document with ``number`` or a RowError naming the column."""
    found = model.objects.select_related(*related).filter(number=number).first()
    if found is None:
        raise RowError(
            _("No %(document)s numbered “%(number)s”.")
            % {"document": model._meta.verbose_name, "number": number},
            field=field_name,
        )
    return found


def _model_label(model, name: str) -> Any:
    return model._meta.get_field(name).verbose_name


class LedgerSpec(ImportSpec):
    """Base of the receivables specs: service error keys -> the spec's columns."""

    error_columns: ClassVar[dict[str, str]] = {}

    def column_for_field(self, name: str) -> str:
        return self.error_columns.get(name, name)


# --------------------------------------------------------------------------- sales orders


class SalesOrderSpec(LedgerSpec):
    """Sales orders keyed by order number; posted with ``sales_order_create``."""

    def apply(self, row: dict[str, Any], context: RowContext) -> RowOutcome:
        from credo.receivables.models import SalesOrder
        from credo.receivables.selectors import company_currency
        from credo.receivables.services import sales_order_create

        data = dict(row)
        number = data["number"]
        context.claim_key("number", number)
        customer = resolve_customer(data, context)
        currency = data.get("currency") or company_currency()
        terms = data.get("payment_terms")
        existing = (
            SalesOrder.objects.select_related("customer", "payment_terms")
            .filter(number=number)
            .first()
        )
        label = f"{number} · {_customer_label(customer)} · {data['amount']} {currency}"
        if existing is not None:
            _require_visible(existing.customer, context, "number")
            _differences(
                existing,
                [
                    ("customer", existing.customer.code, customer.code),
                    ("order_date", existing.order_date, data["order_date"]),
                    ("currency", existing.currency, currency),
                    ("amount", existing.amount, data["amount"]),
                    (
                        "payment_terms",
                        getattr(existing.payment_terms, "code", None),
                        getattr(terms, "code", None),
                    ),
                    ("fx_rate", existing.fx_rate, data.get("fx_rate")),
                ],
            )
            return RowOutcome(context.line, Action.UNCHANGED, label)
        sales_order_create(
            customer=customer,
            number=number,
            order_date=data["order_date"],
            currency=currency,
            amount=data["amount"],
            payment_terms=terms,
            fx_rate=data.get("fx_rate"),
        )
        return RowOutcome(context.line, Action.CREATE, label)


def sales_order_spec() -> SalesOrderSpec:
    from credo.receivables.models import SalesOrder

    def label(name: str) -> Any:
        return _model_label(SalesOrder, name)

    return SalesOrderSpec(
        key="sales-orders",
        label=SalesOrder._meta.verbose_name_plural,
        columns=[
            Column(
                "number",
                parsers.text,
                label("number"),
                (
                    "order no",
                    "order",
                    "sales order",
                    "订单号",
                    "订单编号",
                    "销售订单号",
                    "单据编号",
                ),
                required=True,
            ),
            *_customer_columns(),
            Column(
                "order_date",
                parsers.date_value,
                label("order_date"),
                ("date", "订单日期", "下单日期", "单据日期", "日期"),
                required=True,
            ),
            Column("currency", _currency_parser(), label("currency"), CURRENCY_ALIASES),
            Column(
                "amount",
                parsers.decimal_value,
                label("amount"),
                ("order amount", "total", "金额", "订单金额", "价税合计", "含税金额"),
                required=True,
            ),
            Column("payment_terms", payment_terms_value, label("payment_terms"), TERMS_ALIASES),
            Column("fx_rate", parsers.decimal_value, label("fx_rate"), FX_RATE_ALIASES),
        ],
        required_one_of=(("customer", "external_id"),),
        required_permissions=("receivables.add_salesorder",),
    )


# --------------------------------------------------------------------------- deliveries


class DeliverySpec(LedgerSpec):
    """Deliveries keyed by delivery number, against an order; posted with ``delivery_post``."""

    error_columns: ClassVar[dict[str, str]] = {"order": "order"}

    def apply(self, row: dict[str, Any], context: RowContext) -> RowOutcome:
        from credo.receivables.models import Delivery, SalesOrder
        from credo.receivables.services import delivery_post

        data = dict(row)
        number = data["number"]
        context.claim_key("number", number)
        customer = resolve_customer(data, context, required=False)
        order = _document_number(SalesOrder, data["order"], "order", related=("customer",))
        _require_visible(order.customer, context, "order")
        if customer is not None and customer.pk != order.customer_id:
            raise RowError(
                _("The order %(order)s belongs to customer %(customer)s.")
                % {"order": order.number, "customer": order.customer.code},
                field="order",
            )
        label = f"{number} · {order.number} · {_customer_label(order.customer)} · {data['amount']}"
        existing = Delivery.objects.select_related("order").filter(number=number).first()
        if existing is not None:
            _differences(
                existing,
                [
                    ("order", existing.order.number, order.number),
                    ("delivery_date", existing.delivery_date, data["delivery_date"]),
                    ("amount", existing.amount, data["amount"]),
                ],
            )
            return RowOutcome(context.line, Action.UNCHANGED, label)
        delivery_post(
            order=order, number=number, delivery_date=data["delivery_date"], amount=data["amount"]
        )
        return RowOutcome(context.line, Action.CREATE, label)


def delivery_spec() -> DeliverySpec:
    from credo.receivables.models import Delivery

    def label(name: str) -> Any:
        return _model_label(Delivery, name)

    return DeliverySpec(
        key="deliveries",
        label=Delivery._meta.verbose_name_plural,
        columns=[
            Column(
                "number",
                parsers.text,
                label("number"),
                ("delivery no", "发货单号", "出库单号", "交货单号", "送货单号"),
                required=True,
            ),
            Column("order", parsers.text, label("order"), ORDER_NUMBER_ALIASES, required=True),
            *_customer_columns(),
            Column(
                "delivery_date",
                parsers.date_value,
                label("delivery_date"),
                ("date", "发货日期", "出库日期", "交货日期", "日期"),
                required=True,
            ),
            Column(
                "amount",
                parsers.decimal_value,
                label("amount"),
                ("金额", "发货金额", "出库金额"),
                required=True,
            ),
        ],
        required_permissions=("receivables.add_delivery",),
    )


# --------------------------------------------------------------------------- invoices


class InvoiceSpec(LedgerSpec):
    """Invoices keyed by invoice number; posted with ``invoice_post`` (open items from terms).

    A ``due_date`` column is checked against the payment terms; without terms it picks the
    net terms of exactly that many days (there must be such terms).
    """

    error_columns: ClassVar[dict[str, str]] = {"order": "order"}

    def apply(self, row: dict[str, Any], context: RowContext) -> RowOutcome:
        from credo.receivables.models import Invoice, PaymentTerms, SalesOrder
        from credo.receivables.selectors import company_currency
        from credo.receivables.services import invoice_post

        data = dict(row)
        number = data["number"]
        context.claim_key("number", number)
        customer = resolve_customer(data, context)
        currency = data.get("currency") or company_currency()
        order = None
        if data.get("order"):
            order = _document_number(
                SalesOrder, data["order"], "order", related=("customer", "payment_terms")
            )
            _require_visible(order.customer, context, "order")
        terms = data.get("payment_terms")
        due_date = data.get("due_date")
        label = f"{number} · {_customer_label(customer)} · {data['amount']} {currency}"
        existing = (
            Invoice.objects.select_related("customer", "order", "payment_terms")
            .filter(number=number)
            .first()
        )
        if existing is not None:
            _require_visible(existing.customer, context, "number")
            last_due = (
                existing.instalments.order_by("-sequence")
                .values_list("due_date", flat=True)
                .first()
            )
            _differences(
                existing,
                [
                    ("customer", existing.customer.code, customer.code),
                    ("invoice_date", existing.invoice_date, data["invoice_date"]),
                    ("currency", existing.currency, currency),
                    ("amount", existing.amount, data["amount"]),
                    (
                        "order",
                        getattr(existing.order, "number", None),
                        getattr(order, "number", None),
                    ),
                    (
                        "payment_terms",
                        getattr(existing.payment_terms, "code", None),
                        getattr(terms, "code", None),
                    ),
                    ("due_date", last_due, due_date),
                    ("fx_rate", existing.fx_rate, data.get("fx_rate")),
                ],
            )
            return RowOutcome(context.line, Action.UNCHANGED, label)
        effective_terms = terms or (order.payment_terms if order is not None else None)
        if due_date is not None:
            if effective_terms is None and due_date != data["invoice_date"]:
                days = (due_date - data["invoice_date"]).days
                effective_terms = terms = (
                    PaymentTerms.objects.filter(kind="net", days=days).order_by("code").first()
                    if days > 0
                    else None
                )
                if terms is None:
                    raise RowError(
                        _(
                            "No payment terms give a due date %(days)d days after the invoice "
                            "date: create net %(days)d-day terms first, or add a payment terms "
                            "column."
                        )
                        % {"days": days},
                        field="due_date",
                    )
            expected = self._last_due_date(effective_terms, data["invoice_date"])
            if expected != due_date:
                raise RowError(
                    _(
                        "The due date %(due)s does not match the payment terms %(terms)s, which "
                        "give %(expected)s."
                    )
                    % {
                        "due": due_date.isoformat(),
                        "terms": getattr(effective_terms, "code", _("none")),
                        "expected": expected.isoformat(),
                    },
                    field="due_date",
                )
        invoice_post(
            customer=customer,
            number=number,
            invoice_date=data["invoice_date"],
            currency=currency,
            amount=data["amount"],
            order=order,
            payment_terms=terms,
            fx_rate=data.get("fx_rate"),
        )
        return RowOutcome(context.line, Action.CREATE, label)

    @staticmethod
    def _last_due_date(terms, invoice_date: dt.date) -> dt.date:
        from credo.receivables.terms import instalment_schedule

        if terms is None:
            return invoice_date
        schedule = instalment_schedule(
            kind=terms.kind,
            days=terms.days,
            instalments=terms.instalments,
            invoice_date=invoice_date,
            amount=Decimal("100"),
        )
        return schedule[-1][0]


def invoice_spec() -> InvoiceSpec:
    from credo.receivables.models import Invoice

    def label(name: str) -> Any:
        return _model_label(Invoice, name)

    return InvoiceSpec(
        key="invoices",
        label=Invoice._meta.verbose_name_plural,
        columns=[
            Column(
                "number",
                parsers.text,
                label("number"),
                ("invoice no", "invoice", "发票号", "发票号码", "发票编号", "应收单号", "单据编号"),
                required=True,
            ),
            *_customer_columns(),
            Column(
                "invoice_date",
                parsers.date_value,
                label("invoice_date"),
                ("date", "开票日期", "发票日期", "单据日期", "日期"),
                required=True,
            ),
            Column("currency", _currency_parser(), label("currency"), CURRENCY_ALIASES),
            Column(
                "amount",
                parsers.decimal_value,
                label("amount"),
                ("invoice amount", "total", "金额", "发票金额", "价税合计", "含税金额", "应收金额"),
                required=True,
            ),
            Column("order", parsers.text, label("order"), ORDER_NUMBER_ALIASES),
            Column("payment_terms", payment_terms_value, label("payment_terms"), TERMS_ALIASES),
            Column(
                "due_date",
                parsers.date_value,
                gettext_lazy("due date"),
                ("due", "到期日", "到期日期", "应收日期", "收款到期日"),
            ),
            Column("fx_rate", parsers.decimal_value, label("fx_rate"), FX_RATE_ALIASES),
        ],
        required_one_of=(("customer", "external_id"),),
        required_permissions=("receivables.add_invoice",),
    )


# --------------------------------------------------------------------------- payments


class PaymentSpec(LedgerSpec):
    """Payments (cash received) keyed by payment number; posted with ``payment_post``."""

    def apply(self, row: dict[str, Any], context: RowContext) -> RowOutcome:
        from credo.receivables.models import Payment
        from credo.receivables.selectors import company_currency
        from credo.receivables.services import payment_post

        data = dict(row)
        number = data["number"]
        context.claim_key("number", number)
        customer = resolve_customer(data, context)
        currency = data.get("currency") or company_currency()
        label = f"{number} · {_customer_label(customer)} · {data['amount']} {currency}"
        existing = Payment.objects.select_related("customer").filter(number=number).first()
        if existing is not None:
            _require_visible(existing.customer, context, "number")
            _differences(
                existing,
                [
                    ("customer", existing.customer.code, customer.code),
                    ("payment_date", existing.payment_date, data["payment_date"]),
                    ("currency", existing.currency, currency),
                    ("amount", existing.amount, data["amount"]),
                    ("fx_rate", existing.fx_rate, data.get("fx_rate")),
                ],
            )
            return RowOutcome(context.line, Action.UNCHANGED, label)
        payment_post(
            customer=customer,
            number=number,
            payment_date=data["payment_date"],
            currency=currency,
            amount=data["amount"],
            fx_rate=data.get("fx_rate"),
        )
        return RowOutcome(context.line, Action.CREATE, label)


def payment_spec() -> PaymentSpec:
    from credo.receivables.models import Payment

    def label(name: str) -> Any:
        return _model_label(Payment, name)

    return PaymentSpec(
        key="payments",
        label=Payment._meta.verbose_name_plural,
        columns=[
            Column(
                "number",
                parsers.text,
                label("number"),
                (
                    "payment no",
                    "receipt number",
                    "receipt no",
                    "收款单号",
                    "收款编号",
                    "回款单号",
                    "收款单据号",
                    "单据编号",
                ),
                required=True,
            ),
            *_customer_columns(),
            Column(
                "payment_date",
                parsers.date_value,
                label("payment_date"),
                ("date", "receipt date", "收款日期", "回款日期", "到账日期", "日期"),
                required=True,
            ),
            Column("currency", _currency_parser(), label("currency"), CURRENCY_ALIASES),
            Column(
                "amount",
                parsers.decimal_value,
                label("amount"),
                ("payment amount", "金额", "收款金额", "回款金额"),
                required=True,
            ),
            Column("fx_rate", parsers.decimal_value, label("fx_rate"), FX_RATE_ALIASES),
        ],
        required_one_of=(("customer", "external_id"),),
        required_permissions=("receivables.add_payment",),
    )


# --------------------------------------------------------------------------- allocations


class AllocationSpec(LedgerSpec):
    """Payments applied to open items, keyed by (payment, invoice, instalment sequence).

    Without an allocation date the later of the payment date and the invoice date is used.
    """

    error_columns: ClassVar[dict[str, str]] = {
        "currency": "invoice",
        "instalment": "invoice",
        "payment": "payment",
    }

    def apply(self, row: dict[str, Any], context: RowContext) -> RowOutcome:
        from credo.receivables.models import Allocation, Invoice, Payment
        from credo.receivables.selectors import cents, money_sum
        from credo.receivables.services import allocation_create

        data = dict(row)
        sequence = data.get("sequence", 1)
        key = (data["payment"], data["invoice"], sequence)
        context.claim_key("payment", key)
        payment = _document_number(Payment, data["payment"], "payment", related=("customer",))
        _require_visible(payment.customer, context, "payment")
        invoice = _document_number(Invoice, data["invoice"], "invoice", related=("customer",))
        _require_visible(invoice.customer, context, "invoice")
        instalment = invoice.instalments.filter(sequence=sequence).first()
        if instalment is None:
            raise RowError(
                _("The invoice %(invoice)s has no instalment %(sequence)d (it has %(count)d).")
                % {
                    "invoice": invoice.number,
                    "sequence": sequence,
                    "count": invoice.instalments.count(),
                },
                field="sequence" if "sequence" in data else "invoice",
            )
        on = data.get("allocation_date") or max(payment.payment_date, invoice.invoice_date)
        label = f"{payment.number} → {invoice.number}/{sequence} · {data['amount']}"
        existing = Allocation.objects.filter(payment=payment, instalment=instalment).live()
        if existing.exists():
            total = cents(existing.aggregate(total=money_sum("amount"))["total"])
            dates = sorted({a.allocation_date for a in existing})
            stored_date = dates[0] if len(dates) == 1 else None
            _differences_allocation(
                payment.number,
                invoice.number,
                sequence,
                [
                    ("amount", total, data["amount"]),
                    ("allocation_date", stored_date, data.get("allocation_date")),
                ],
            )
            return RowOutcome(context.line, Action.UNCHANGED, label)
        allocation_create(payment=payment, instalment=instalment, amount=data["amount"], on=on)
        return RowOutcome(context.line, Action.CREATE, label)


def _differences_allocation(
    payment: str, invoice: str, sequence: int, differences: list[tuple[str, Any, Any]]
) -> None:
    errors: dict[str, list[str]] = {}
    for field_name, stored, given in differences:
        if given is None or given == stored:
            continue
        errors.setdefault(field_name, []).append(
            _(
                "The payment %(payment)s is already allocated to %(invoice)s/%(sequence)d with "
                "%(stored)s, the file says %(given)s: allocations cannot be changed by an import "
                "(reverse the allocation in credo first)."
            )
            % {
                "payment": payment,
                "invoice": invoice,
                "sequence": sequence,
                "stored": _display(stored),
                "given": _display(given),
            }
        )
    if errors:
        raise ValidationError(errors)


def allocation_spec() -> AllocationSpec:
    from credo.receivables.models import Allocation

    return AllocationSpec(
        key="allocations",
        label=Allocation._meta.verbose_name_plural,
        columns=[
            Column(
                "payment",
                parsers.text,
                gettext_lazy("payment number"),
                ("payment no", "receipt number", "收款单号", "收款编号", "回款单号"),
                required=True,
            ),
            Column(
                "invoice",
                parsers.text,
                gettext_lazy("invoice number"),
                ("invoice no", "发票号", "发票号码", "发票编号", "应收单号"),
                required=True,
            ),
            Column(
                "sequence",
                positive_integer,
                gettext_lazy("instalment sequence"),
                ("instalment", "installment", "期次", "分期序号", "分期", "序号"),
            ),
            Column(
                "amount",
                parsers.decimal_value,
                gettext_lazy("allocated amount"),
                ("amount", "核销金额", "本次核销金额", "金额"),
                required=True,
            ),
            Column(
                "allocation_date",
                parsers.date_value,
                _model_label(Allocation, "allocation_date"),
                ("date", "核销日期", "日期"),
            ),
        ],
        required_permissions=("receivables.add_allocation",),
    )


# --------------------------------------------------------------------------- master data


class FxRateSpec(LedgerSpec):
    """FX rates keyed by (currency, date); a different rate corrects the stored one."""

    def apply(self, row: dict[str, Any], context: RowContext) -> RowOutcome:
        from credo.receivables.models import FxRate
        from credo.receivables.services import fx_rate_set

        data = dict(row)
        context.claim_key("rate_date", (data["currency"], data["rate_date"]))
        label = f"{data['currency']} {data['rate_date'].isoformat()} {data['rate']}"
        existing = FxRate.objects.filter(
            currency=data["currency"], rate_date=data["rate_date"]
        ).first()
        if existing is not None and existing.rate == data["rate"]:
            return RowOutcome(context.line, Action.UNCHANGED, label)
        fx_rate_set(currency=data["currency"], rate_date=data["rate_date"], rate=data["rate"])
        if existing is None:
            return RowOutcome(context.line, Action.CREATE, label)
        return RowOutcome(context.line, Action.UPDATE, label, [str(_("rate"))])


def fx_rate_spec() -> FxRateSpec:
    from credo.receivables.models import FxRate

    def label(name: str) -> Any:
        return _model_label(FxRate, name)

    return FxRateSpec(
        key="fx-rates",
        label=FxRate._meta.verbose_name_plural,
        columns=[
            Column("currency", _currency_parser(), label("currency"), CURRENCY_ALIASES, True),
            Column(
                "rate_date",
                parsers.date_value,
                label("rate_date"),
                ("date", "日期", "汇率日期", "生效日期"),
                required=True,
            ),
            Column(
                "rate",
                parsers.decimal_value,
                label("rate"),
                ("fx rate", "exchange rate", "汇率", "折算汇率"),
                required=True,
            ),
        ],
        required_permissions=("receivables.add_fxrate", "receivables.change_fxrate"),
    )


TERMS_KIND_SYNONYMS = {
    "月结": "eom",
    "月末": "eom",
    "月底": "eom",
    "eom": "eom",
    "净天数": "net",
    "发票后天数": "net",
    "天数": "net",
    "分期": "instalments",
    "分期付款": "instalments",
    "installments": "instalments",
}


class PaymentTermsSpec(LedgerSpec):
    """Payment-terms templates keyed by code; immutable once created (invoices refer to them)."""

    def apply(self, row: dict[str, Any], context: RowContext) -> RowOutcome:
        from credo.receivables.models import PaymentTerms
        from credo.receivables.services import payment_terms_create

        data = dict(row)
        code = data["code"]
        context.claim_key("code", code.casefold())
        days = data.get("days", 0)
        instalments = data.get("instalments", [])
        label = f"{code} {data['name']}"
        existing = PaymentTerms.objects.filter(code__iexact=code).first()
        if existing is not None:
            errors: dict[str, list[str]] = {}
            for field_name, stored, given in (
                ("name", existing.name, data["name"]),
                ("kind", existing.kind, data["kind"]),
                ("days", existing.days, days),
                ("instalments", _normalised(existing.instalments), _normalised(instalments)),
            ):
                if stored != given:
                    errors.setdefault(field_name, []).append(
                        _(
                            "The payment terms %(code)s exist with %(stored)s, the file says "
                            "%(given)s: payment terms cannot be changed by an import (create "
                            "new terms under another code)."
                        )
                        % {"code": existing.code, "stored": _display(stored), "given": given}
                    )
            if errors:
                raise ValidationError(errors)
            return RowOutcome(context.line, Action.UNCHANGED, label)
        payment_terms_create(
            code=code, name=data["name"], kind=data["kind"], days=days, instalments=instalments
        )
        return RowOutcome(context.line, Action.CREATE, label)


def _normalised(instalments: Any) -> list[tuple[str, Any]]:
    result = []
    for item in instalments or []:
        try:
            percent = str(Decimal(str(item["percent"])).normalize())
        except (InvalidOperation, KeyError, TypeError, ValueError):
            return [("?", item)]
        result.append((percent, item.get("days")))
    return result


def payment_terms_spec() -> PaymentTermsSpec:
    from credo.receivables.choices import TermsKind
    from credo.receivables.models import PaymentTerms

    def label(name: str) -> Any:
        return _model_label(PaymentTerms, name)

    return PaymentTermsSpec(
        key="payment-terms",
        label=PaymentTerms._meta.verbose_name_plural,
        columns=[
            Column(
                "code",
                parsers.text,
                label("code"),
                ("terms code", "代码", "编码", "付款条件代码", "条件代码"),
                required=True,
            ),
            Column("name", parsers.text, label("name"), ("名称", "付款条件名称", "付款条件"), True),
            Column(
                "kind",
                parsers.choice_parser(TermsKind, synonyms=TERMS_KIND_SYNONYMS),
                label("kind"),
                ("type", "类型", "计算方式"),
                required=True,
            ),
            Column("days", parsers.integer_value, label("days"), ("天数", "账期天数", "账期")),
            Column("instalments", instalments_value, label("instalments"), ("分期", "分期明细")),
        ],
        required_permissions=("receivables.add_paymentterms",),
    )


def receivables_specs() -> dict[str, ImportSpec]:
    """The ledger specs, master data first (the order to import them in)."""
    return {
        spec.key: spec
        for spec in (
            payment_terms_spec(),
            fx_rate_spec(),
            sales_order_spec(),
            delivery_spec(),
            invoice_spec(),
            payment_spec(),
            allocation_spec(),
        )
    }
