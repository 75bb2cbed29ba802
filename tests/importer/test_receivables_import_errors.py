"""Bad ERP exports: the exact error (line, column, message), a failing exit, nothing written —
no document, no change-log row — and the maintained exposure still equal to the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from credo.core.context import acting_as
from credo.core.models import ObjectChange
from credo.customers.services import external_id_set
from credo.receivables.models import (
    Allocation,
    CustomerExposure,
    Delivery,
    FxRate,
    Invoice,
    OpenItemDue,
    Payment,
    PaymentTerms,
    SalesOrder,
)
from credo.receivables.services import (
    exposure_reconcile,
    invoice_post,
    payment_post,
    payment_terms_create,
    sales_order_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(credit_manager):
    return credit_manager.username


@pytest.fixture
def acme(make_customer, credit_manager):
    customer = make_customer(name_zh="甲公司")
    with acting_as(credit_manager, channel="system"):
        external_id_set(customer=customer, source_system="SAP", external_id="K-1001")
    return customer


@pytest.fixture
def other(make_customer):
    return make_customer(name_zh="乙公司")


@pytest.fixture
def ledger(acme, credit_manager):
    """An order, two invoices of 200 and a payment of 100 for ``acme``, posted by services."""
    with acting_as(credit_manager, channel="system"):
        payment_terms_create(code="N30", name="Net 30", kind="net", days=30)
        sales_order_create(
            customer=acme,
            number="SO-1",
            order_date=dt.date(2025, 1, 2),
            currency="CNY",
            amount=Decimal("1000"),
        )
        for number in ("INV-1", "INV-2"):
            invoice_post(
                customer=acme,
                number=number,
                invoice_date=dt.date(2025, 1, 10),
                currency="CNY",
                amount=Decimal("200"),
            )
        payment_post(
            customer=acme,
            number="RC-1",
            payment_date=dt.date(2025, 2, 1),
            currency="CNY",
            amount=Decimal("100"),
        )
    return acme


def _state() -> tuple:
    """Everything an import could write, including the exposure rows."""
    return (
        SalesOrder.objects.count(),
        Delivery.objects.count(),
        Invoice.objects.count(),
        Payment.objects.count(),
        Allocation.objects.count(),
        FxRate.objects.count(),
        PaymentTerms.objects.count(),
        ObjectChange.objects.count(),
        sorted(
            CustomerExposure.objects.values_list(
                "customer_id", "open_orders", "delivered_not_invoiced", "open_receivables"
            )
        ),
        sorted(OpenItemDue.objects.values_list("customer_id", "due_date", "amount")),
    )


@pytest.fixture
def fails_and_writes_nothing(run_import_command, write_csv, importer):
    """Import ``text`` as ``record_type``; assert the errors exactly and that nothing changed."""

    def check(record_type: str, text: str, expected: list[str], *extra: str) -> None:
        before = _state()
        path = write_csv(text, name=f"{record_type}.csv")
        result = run_import_command(record_type, path, "--user", importer, *extra)
        assert result.failed, result.out
        errors = [line for line in result.err.splitlines() if not line.startswith("warning: ")]
        assert errors == expected
        assert "nothing was written" in result.message
        assert _state() == before
        assert exposure_reconcile() == []

    return check


def test_unknown_customer(fails_and_writes_nothing, acme):
    fails_and_writes_nothing(
        "invoices",
        f"发票号,客户编号,开票日期,金额\nF-1,{acme.code},2025-01-01,100\nF-2,C404,2025-01-01,100\n",
        ["line 3, column 客户编号: No customer with the number or USCC “C404”."],
    )


def test_unknown_external_id(fails_and_writes_nothing, acme):
    fails_and_writes_nothing(
        "payments",
        "收款单号,来源系统,外部编号,收款日期,金额\nR-1,SAP,K-9999,2025-01-01,100\n",
        ["line 2, column 外部编号: No customer has the external id “K-9999” in SAP."],
    )


def test_external_id_without_source_system(fails_and_writes_nothing, acme):
    fails_and_writes_nothing(
        "payments",
        "收款单号,外部编号,收款日期,金额\nR-1,K-1001,2025-01-01,100\n",
        [
            "line 2, column 外部编号: An external id needs its source system: add a "
            "source_system column or give the source system of the file (--source-system)."
        ],
    )


def test_customer_number_and_external_id_disagree(fails_and_writes_nothing, acme, other):
    fails_and_writes_nothing(
        "payments",
        f"收款单号,客户编号,外部编号,收款日期,金额\nR-1,{other.code},K-1001,2025-01-01,100\n",
        [
            f"line 2, column 外部编号: The customer number or USCC names customer {other.code}, "
            f"the external id customer {acme.code}."
        ],
        "--source-system",
        "SAP",
    )


def test_duplicate_numbers_within_a_file(fails_and_writes_nothing, acme):
    fails_and_writes_nothing(
        "invoices",
        "发票号,客户编号,开票日期,金额\n"
        f"F-1,{acme.code},2025-01-01,100\n"
        f"F-2,{acme.code},2025-01-01,100\n"
        f"F-1,{acme.code},2025-01-02,50\n",
        ["line 4, column 发票号: duplicates line 2"],
    )


def test_duplicate_allocation_key_within_a_file(fails_and_writes_nothing, ledger):
    fails_and_writes_nothing(
        "allocations",
        "收款单号,发票号,期次,核销金额\nRC-1,INV-1,1,10\nRC-1,INV-1,,20\n",
        ["line 3, column 收款单号: duplicates line 2"],
    )


@pytest.mark.parametrize("amount", ["-100", "(100)", "0"])
def test_negative_or_zero_amounts(fails_and_writes_nothing, acme, amount):
    fails_and_writes_nothing(
        "sales-orders",
        f'订单号,客户编号,订单日期,金额\nSO-2,{acme.code},2025-01-01,"{amount}"\n',
        ["line 2, column 金额: The amount must be above zero."],
    )


def test_more_than_two_decimals(fails_and_writes_nothing, acme):
    fails_and_writes_nothing(
        "payments",
        f"收款单号,客户编号,收款日期,金额\nR-1,{acme.code},2025-01-01,10.005\n",
        ["line 2, column 金额: Amounts have at most two decimal places."],
    )


def test_over_allocation_of_the_payment(fails_and_writes_nothing, ledger):
    fails_and_writes_nothing(
        "allocations",
        "收款单号,发票号,核销金额\nRC-1,INV-1,150\n",
        [
            "line 2, column 核销金额: The amount exceeds the unapplied part of the document (100.00)."
        ],
    )


def test_over_allocation_across_rows_of_one_file(fails_and_writes_nothing, ledger):
    # Each row alone fits; together they exceed the payment: the second row fails and the
    # first one is not written either.
    fails_and_writes_nothing(
        "allocations",
        "收款单号,发票号,核销金额\nRC-1,INV-1,60\nRC-1,INV-2,60\n",
        ["line 3, column 核销金额: The amount exceeds the unapplied part of the document (40.00)."],
    )


def test_over_allocation_of_the_open_item(fails_and_writes_nothing, ledger, credit_manager):
    with acting_as(credit_manager, channel="system"):
        payment_post(
            customer=ledger,
            number="RC-BIG",
            payment_date=dt.date(2025, 2, 1),
            currency="CNY",
            amount=Decimal("1000"),
        )
    fails_and_writes_nothing(
        "allocations",
        "收款单号,发票号,核销金额\nRC-BIG,INV-1,250\n",
        ["line 2, column 核销金额: The amount exceeds the open amount of the item (200.00 CNY)."],
    )


def test_currency_mismatch_in_allocation(fails_and_writes_nothing, ledger, credit_manager):
    from credo.receivables.services import fx_rate_set

    with acting_as(credit_manager, channel="system"):
        fx_rate_set(currency="USD", rate_date=dt.date(2025, 1, 1), rate=Decimal("7.2"))
        payment_post(
            customer=ledger,
            number="RC-USD",
            payment_date=dt.date(2025, 2, 1),
            currency="USD",
            amount=Decimal("50"),
        )
    fails_and_writes_nothing(
        "allocations",
        "收款单号,发票号,核销金额\nRC-USD,INV-1,10\n",
        ["line 2, column 发票号: Currency mismatch: the payment is in USD, the invoice in CNY."],
    )


def test_currency_without_fx_rate(fails_and_writes_nothing, acme):
    fails_and_writes_nothing(
        "invoices",
        f"发票号,客户编号,开票日期,币种,金额\nF-1,{acme.code},2025-01-05,美元,100\n",
        ["line 2, column 币种: No FX rate for USD on or before 2025-01-05: record one first."],
    )


def test_unknown_currency(fails_and_writes_nothing, acme):
    fails_and_writes_nothing(
        "payments",
        f"收款单号,客户编号,收款日期,币种,金额\nR-1,{acme.code},2025-01-05,XYZ,100\n",
        [
            "line 2, column 币种: “XYZ” is not one of: Chinese yuan, US dollar, Euro, "
            "Hong Kong dollar, Japanese yen, Pound sterling."
        ],
    )


def test_unknown_invoice_and_payment_in_allocations(fails_and_writes_nothing, ledger):
    fails_and_writes_nothing(
        "allocations",
        "收款单号,发票号,核销金额\nRC-1,INV-404,10\nRC-404,INV-1,10\n",
        [
            "line 2, column 发票号: No invoice numbered “INV-404”.",
            "line 3, column 收款单号: No payment numbered “RC-404”.",
        ],
    )


def test_unknown_instalment_sequence(fails_and_writes_nothing, ledger):
    fails_and_writes_nothing(
        "allocations",
        "收款单号,发票号,期次,核销金额\nRC-1,INV-1,2,10\n",
        ["line 2, column 期次: The invoice INV-1 has no instalment 2 (it has 1)."],
    )


def test_changed_amount_of_a_posted_invoice(fails_and_writes_nothing, ledger):
    fails_and_writes_nothing(
        "invoices",
        f"发票号,客户编号,开票日期,金额\nINV-1,{ledger.code},2025-01-10,250\n",
        [
            "line 2, column 金额: Invoice INV-1 is already posted with 200.00, the file says "
            "250: posted documents cannot be changed by an import (cancel it in credo and post "
            "a corrected one under a new number)."
        ],
    )


def test_posted_payment_named_for_another_customer(fails_and_writes_nothing, ledger, other):
    fails_and_writes_nothing(
        "payments",
        f"收款单号,客户编号,收款日期,金额\nRC-1,{other.code},2025-02-01,100\n",
        [
            f"line 2, column 客户编号: Payment RC-1 is already posted with {ledger.code}, the "
            f"file says {other.code}: posted documents cannot be changed by an import (cancel "
            "it in credo and post a corrected one under a new number)."
        ],
    )


def test_changed_allocation(
    run_import_command, write_csv, importer, ledger, fails_and_writes_nothing
):
    path = write_csv("收款单号,发票号,核销金额\nRC-1,INV-1,40\n", name="first.csv")
    assert not run_import_command("allocations", path, "--user", importer).failed
    fails_and_writes_nothing(
        "allocations",
        "收款单号,发票号,核销金额\nRC-1,INV-1,50\n",
        [
            "line 2, column 核销金额: The payment RC-1 is already allocated to INV-1/1 with "
            "40.00, the file says 50: allocations cannot be changed by an import (reverse the "
            "allocation in credo first)."
        ],
    )


def test_invoice_beyond_its_order(fails_and_writes_nothing, ledger):
    fails_and_writes_nothing(
        "invoices",
        f"发票号,客户编号,开票日期,金额,订单号\nF-9,{ledger.code},2025-01-10,1200,SO-1\n",
        ["line 2, column 金额: Invoices would exceed the order amount (1000.00 left to invoice)."],
    )


def test_delivery_for_unknown_order(fails_and_writes_nothing, ledger):
    fails_and_writes_nothing(
        "deliveries",
        "发货单号,订单号,发货日期,金额\nDN-1,SO-404,2025-01-10,10\n",
        ["line 2, column 订单号: No sales order numbered “SO-404”."],
    )


def test_unknown_payment_terms_code(fails_and_writes_nothing, acme):
    fails_and_writes_nothing(
        "invoices",
        f"发票号,客户编号,开票日期,金额,付款条件\nF-1,{acme.code},2025-01-10,10,N99\n",
        [
            "line 2, column 付款条件: No payment terms with the code “N99”: import or create "
            "them first."
        ],
    )


def test_due_date_that_no_terms_give(fails_and_writes_nothing, ledger):
    fails_and_writes_nothing(
        "invoices",
        "发票号,客户编号,开票日期,金额,付款条件,到期日\n"
        f"F-1,{ledger.code},2025-01-10,10,N30,2025-02-10\n"
        f"F-2,{ledger.code},2025-01-10,10,,2025-01-27\n",
        [
            "line 2, column 到期日: The due date 2025-02-10 does not match the payment terms "
            "N30, which give 2025-02-09.",
            "line 3, column 到期日: No payment terms give a due date 17 days after the invoice "
            "date: create net 17-day terms first, or add a payment terms column.",
        ],
    )


def test_missing_required_columns(fails_and_writes_nothing):
    fails_and_writes_nothing(
        "invoices",
        "发票号,金额\nF-1,10\n",
        ["line 1: missing required columns: invoice_date, customer or external_id"],
    )


def test_changed_payment_terms(fails_and_writes_nothing, ledger):
    fails_and_writes_nothing(
        "payment-terms",
        "code,name,kind,days\nN30,Net 30,net,45\n",
        [
            "line 2, column days: The payment terms N30 exist with 30, the file says 45: "
            "payment terms cannot be changed by an import (create new terms under another "
            "code)."
        ],
    )


def test_bad_instalments(fails_and_writes_nothing):
    fails_and_writes_nothing(
        "payment-terms",
        'code,name,kind,instalments\nS1,Split,instalments,"40%:30; 50%:60"\nS2,Split,分期,abc\n',
        [
            "line 2, column instalments: Instalment percentages must add up to 100.",
            "line 3, column instalments: “abc” is not a list of instalments; write it like "
            "40%:30; 60%:60.",
        ],
    )


def test_importer_needs_the_ledger_permission(run_import_command, write_csv, make_user, acme):
    clerk = make_user("viewer")
    clerk.user_permissions.add(Permission.objects.get(codename="import_data"))
    path = write_csv(f"发票号,客户编号,开票日期,金额\nF-1,{acme.code},2025-01-10,10\n")
    before = _state()
    result = run_import_command("invoices", path, "--user", clerk.username)
    assert result.failed
    assert result.err.splitlines() == ["You may not import invoices."]
    assert _state() == before


def test_restricted_importer_cannot_post_for_other_customers(
    run_import_command, write_csv, make_user, other
):
    clerk = make_user("account_manager")
    for codename in ("import_data", "add_invoice"):
        clerk.user_permissions.add(Permission.objects.get(codename=codename))
    path = write_csv(f"发票号,客户编号,开票日期,金额\nF-1,{other.code},2025-01-10,10\n")
    before = _state()
    result = run_import_command("invoices", path, "--user", clerk.username)
    assert result.failed
    assert result.err.splitlines() == [
        f"line 2, column 客户编号: The customer {other.code} is not one of your customers."
    ]
    assert _state() == before


def test_cli_exit_codes(write_csv, credit_manager, acme, capsys, monkeypatch):
    from django.db import connections

    from credo.cli import main

    # run_from_argv closes every connection when it ends, which would end the test transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    good = write_csv(f"收款单号,客户编号,收款日期,金额\nR-1,{acme.code},2025-01-10,10\n")
    assert main(["import", "payments", good, "--user", credit_manager.username]) == 0
    assert "1 created" in capsys.readouterr().out
    before = _state()
    bad = write_csv(
        f"收款单号,客户编号,收款日期,金额\nR-2,{acme.code},2025-01-10,-5\n", name="b.csv"
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "payments", bad, "--user", credit_manager.username])
    assert exit_info.value.code == 1
    assert "line 2, column 金额: The amount must be above zero." in capsys.readouterr().err
    assert _state() == before
