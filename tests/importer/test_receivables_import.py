"""Import of ERP exports into the receivables ledger: happy paths in every format and encoding,
idempotent re-imports, customers named by external id, and the exposure staying reconciled."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.conftest import VALID_USCC

from credo.core.context import acting_as
from credo.core.models import ObjectChange
from credo.customers.services import external_id_set
from credo.receivables.models import (
    Allocation,
    Delivery,
    FxRate,
    Invoice,
    Payment,
    PaymentTerms,
    SalesOrder,
)
from credo.receivables.selectors import exposure_snapshot
from credo.receivables.services import exposure_reconcile

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(credit_manager):
    return credit_manager.username


@pytest.fixture
def acme(make_customer, credit_manager):
    customer = make_customer(name_zh="甲公司", uscc=VALID_USCC)
    with acting_as(credit_manager, channel="system"):
        external_id_set(customer=customer, source_system="SAP", external_id="K-1001")
    return customer


@pytest.fixture
def net30(credit_manager):
    from credo.receivables.services import payment_terms_create

    with acting_as(credit_manager, channel="system"):
        return payment_terms_create(code="N30", name="Net 30", kind="net", days=30)


def _ok(result) -> str:
    assert not result.failed, result.err + result.message
    return result.out


def _ledger_counts() -> tuple[int, ...]:
    return (
        SalesOrder.objects.count(),
        Delivery.objects.count(),
        Invoice.objects.count(),
        Payment.objects.count(),
        Allocation.objects.count(),
        ObjectChange.objects.count(),
    )


def test_utf8_csv_with_chinese_headers_full_cycle(
    run_import_command, write_csv, importer, acme, net30
):
    """Orders, deliveries, invoices, payments and allocations from one ERP, in Chinese."""
    orders = write_csv(
        "订单号,客户编号,订单日期,币种,金额,付款条件\n"
        f'SO-1,{acme.code},2025-01-05,人民币,"10,000.00",N30\n',
        name="orders.csv",
    )
    assert "imported 1 rows: 1 created" in _ok(
        run_import_command("sales-orders", orders, "--user", importer)
    )
    deliveries = write_csv(
        "发货单号,订单号,发货日期,金额\nDN-1,SO-1,2025/1/8,6000\n", name="deliveries.csv"
    )
    assert "1 created" in _ok(run_import_command("deliveries", deliveries, "--user", importer))
    invoices = write_csv(
        "发票号,客户统一社会信用代码,开票日期,币种,金额,订单号,到期日\n"
        f"INV-1,{VALID_USCC},2025年1月10日,CNY,6000,SO-1,2025-02-09\n",
        name="invoices.csv",
    )
    assert "1 created" in _ok(run_import_command("invoices", invoices, "--user", importer))
    payments = write_csv(
        "收款单号,外部编号,来源系统,收款日期,币种,金额\nRC-1,K-1001,SAP,2025-02-01,CNY,7000\n",
        name="payments.csv",
    )
    assert "1 created" in _ok(run_import_command("payments", payments, "--user", importer))
    allocations = write_csv(
        "收款单号,发票号,核销金额,核销日期\nRC-1,INV-1,4500,2025-02-02\n", name="allocations.csv"
    )
    assert "1 created" in _ok(run_import_command("allocations", allocations, "--user", importer))

    order = SalesOrder.objects.get(number="SO-1")
    assert (order.customer, order.amount, order.payment_terms) == (acme, Decimal("10000.00"), net30)
    assert order.delivered_amount == Decimal("6000.00")
    assert order.invoiced_amount == Decimal("6000.00")
    invoice = Invoice.objects.get(number="INV-1")
    assert invoice.order == order and invoice.payment_terms == net30  # terms from the order
    assert invoice.instalments.get().due_date == dt.date(2025, 2, 9)
    assert Payment.objects.get(number="RC-1").customer == acme
    allocation = Allocation.objects.get()
    assert (allocation.amount, allocation.allocation_date) == (
        Decimal("4500.00"),
        dt.date(2025, 2, 2),
    )
    snapshot = exposure_snapshot(customer=acme)
    assert snapshot.open_orders == Decimal("4000.00")
    assert snapshot.delivered_not_invoiced == Decimal("0.00")
    assert snapshot.open_receivables == Decimal("1500.00")
    assert exposure_reconcile() == []
    change = ObjectChange.objects.filter(object_repr="INV-1").get()
    assert change.channel == "import"

    before = _ledger_counts()
    for record_type, path in (
        ("sales-orders", orders),
        ("deliveries", deliveries),
        ("invoices", invoices),
        ("payments", payments),
        ("allocations", allocations),
    ):
        out = _ok(run_import_command(record_type, path, "--user", importer))
        assert "imported 1 rows: 0 created, 0 updated, 1 unchanged" in out, record_type
    assert _ledger_counts() == before
    assert exposure_reconcile() == []


def test_gbk_csv_is_detected_and_reimport_is_unchanged(
    run_import_command, write_csv, importer, acme, net30
):
    path = write_csv(
        "发票号,客户编号,开票日期,金额,付款条件\n"
        f"FP-001,{acme.code},2025-03-01,1200.50,N30\n"
        f"FP-002,{acme.code},2025-03-02,800,\n",
        encoding="gbk",
    )
    out = _ok(run_import_command("invoices", path, "--user", importer))
    assert "encoding: GB18030 (GBK) (detected)" in out
    assert "imported 2 rows: 2 created, 0 updated, 0 unchanged" in out
    assert Invoice.objects.get(number="FP-001").currency == "CNY"  # blank = company currency
    assert Invoice.objects.get(number="FP-002").instalments.get().due_date == dt.date(2025, 3, 2)
    before = _ledger_counts()
    out = _ok(run_import_command("invoices", path, "--user", importer))
    assert "imported 2 rows: 0 created, 0 updated, 2 unchanged" in out
    assert _ledger_counts() == before  # no document and no change-log row
    assert exposure_reconcile() == []


def test_xlsx_payments_with_spreadsheet_types_and_reimport(
    run_import_command, write_xlsx, importer, acme
):
    path = write_xlsx(
        [
            ["Payment number", "Customer", "Payment date", "Currency", "Amount"],
            [20250001, acme.code, dt.datetime(2025, 4, 1), "CNY", 1500],
            ["RC-2", acme.code, "2025/4/2", "人民币", 99.99],
        ],
        sheet="收款",
    )
    out = _ok(run_import_command("payments", path, "--user", importer))
    assert "sheet: 收款" in out and "2 created" in out
    assert Payment.objects.get(number="20250001").payment_date == dt.date(2025, 4, 1)
    assert Payment.objects.get(number="RC-2").amount == Decimal("99.99")
    before = _ledger_counts()
    assert "2 unchanged" in _ok(run_import_command("payments", path, "--user", importer))
    assert _ledger_counts() == before


def test_xlsx_allocations_one_payment_to_many_items_and_instalments(
    run_import_command, write_csv, write_xlsx, importer, acme, credit_manager
):
    from credo.receivables.services import payment_terms_create

    with acting_as(credit_manager, channel="system"):
        payment_terms_create(
            code="I4060",
            name="40/60",
            kind="instalments",
            instalments=[{"percent": "40", "days": 30}, {"percent": "60", "days": 60}],
        )
    invoices = write_csv(
        "invoice number,customer,invoice date,amount,payment terms\n"
        f"A-1,{acme.code},2025-01-01,1000,I4060\n"
        f"A-2,{acme.code},2025-01-15,300,\n"
    )
    _ok(run_import_command("invoices", invoices, "--user", importer))
    payments = write_csv(
        f"payment number,customer,payment date,amount\nP-1,{acme.code},2025-02-20,1000\n"
    )
    _ok(run_import_command("payments", payments, "--user", importer))
    path = write_xlsx(
        [
            ["收款单号", "发票号", "期次", "核销金额"],
            ["P-1", "A-1", 1, 400],
            ["P-1", "A-1", 2, 300],
            ["P-1", "A-2", None, 300],
        ]
    )
    out = _ok(run_import_command("allocations", path, "--user", importer))
    assert "3 created" in out
    first = Allocation.objects.get(instalment__invoice__number="A-1", instalment__sequence=1)
    assert first.allocation_date == dt.date(2025, 2, 20)  # later of payment and invoice date
    assert Invoice.objects.get(number="A-2").status == "paid"
    assert exposure_snapshot(customer=acme).open_receivables == Decimal("300.00")
    before = _ledger_counts()
    assert "3 unchanged" in _ok(run_import_command("allocations", path, "--user", importer))
    assert _ledger_counts() == before
    assert exposure_reconcile() == []
    # A reversed allocation is no longer in force: importing the file again re-applies it.
    from credo.receivables.services import allocation_reverse

    with acting_as(credit_manager, channel="system"):
        allocation_reverse(allocation=first, on=dt.date(2025, 3, 1))
    assert exposure_snapshot(customer=acme).open_receivables == Decimal("700.00")
    out = _ok(run_import_command("allocations", path, "--user", importer))
    assert "1 created" in out and "2 unchanged" in out
    assert exposure_snapshot(customer=acme).open_receivables == Decimal("300.00")
    assert exposure_reconcile() == []


def test_external_id_with_source_system_option(run_import_command, write_csv, importer, acme):
    path = write_csv("外部编号,订单号,订单日期,金额\nK-1001,SO-9,2025-05-01,500\n")
    out = _ok(
        run_import_command("sales-orders", path, "--user", importer, "--source-system", "SAP")
    )
    assert "1 created" in out
    assert SalesOrder.objects.get(number="SO-9").customer == acme


def test_dry_run_counts_but_writes_nothing(run_import_command, write_csv, importer, acme):
    path = write_csv(f"收款单号,客户编号,收款日期,金额\nRC-7,{acme.code},2025-02-01,10\n")
    before = _ledger_counts()
    out = _ok(run_import_command("payments", path, "--user", importer, "--dry-run"))
    assert "validated 1 rows: 1 to create, 0 to update, 0 unchanged" in out
    assert _ledger_counts() == before


def test_foreign_currency_uses_rate_table_or_given_rate(
    run_import_command, write_csv, importer, acme
):
    rates = write_csv("币种,汇率日期,汇率\n美元,2025-01-01,7.1\nUSD,2025-03-01,7.2\n")
    assert "2 created" in _ok(run_import_command("fx-rates", rates, "--user", importer))
    invoices = write_csv(
        "发票号,客户编号,开票日期,币种,金额,汇率\n"
        f"U-1,{acme.code},2025-03-05,USD,100,\n"
        f"U-2,{acme.code},2025-03-05,USD,100,7.25\n"
    )
    _ok(run_import_command("invoices", invoices, "--user", importer))
    assert Invoice.objects.get(number="U-1").amount_company == Decimal("720.00")
    assert Invoice.objects.get(number="U-2").amount_company == Decimal("725.00")
    corrected = write_csv("currency,rate date,rate\nUSD,2025-01-01,7.1\nUSD,2025-03-01,7.3\n")
    out = _ok(run_import_command("fx-rates", corrected, "--user", importer))
    assert "imported 2 rows: 0 created, 1 updated, 1 unchanged" in out
    assert FxRate.objects.get(rate_date=dt.date(2025, 3, 1)).rate == Decimal("7.3")
    assert exposure_reconcile() == []


def test_payment_terms_import_and_due_date_picks_net_terms(
    run_import_command, write_csv, importer, acme
):
    terms = write_csv(
        "代码,名称,类型,天数,分期\n"
        "N45,发票后45天,净天数,45,\n"
        "M30,月结30天,月结,30,\n"
        "S55,五五分期,分期,,50%:30; 50%:60\n"
    )
    assert "3 created" in _ok(run_import_command("payment-terms", terms, "--user", importer))
    split = PaymentTerms.objects.get(code="S55")
    assert split.kind == "instalments"
    assert split.instalments == [{"percent": "50", "days": 30}, {"percent": "50", "days": 60}]
    assert PaymentTerms.objects.get(code="M30").kind == "eom"
    assert "3 unchanged" in _ok(run_import_command("payment-terms", terms, "--user", importer))
    invoices = write_csv(
        "发票号,客户编号,开票日期,金额,到期日\n"
        f"D-1,{acme.code},2025-01-10,100,2025-02-24\n"
        f"D-2,{acme.code},2025-01-10,100,2025-01-10\n"
    )
    _ok(run_import_command("invoices", invoices, "--user", importer))
    assert Invoice.objects.get(number="D-1").payment_terms.code == "N45"
    assert Invoice.objects.get(number="D-2").payment_terms is None


def test_ui_preview_then_confirm_with_source_system(
    client, credit_manager, acme, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from credo.importer.views import SESSION_KEY

    settings.CREDO_IMPORT_UPLOAD_DIR = str(tmp_path / "uploads")
    client.force_login(credit_manager)
    upload = SimpleUploadedFile(
        "payments.csv",
        "收款单号,外部编号,收款日期,金额\nRC-UI,K-1001,2025-02-01,88\n".encode("gbk"),
        content_type="text/csv",
    )
    response = client.post(
        reverse("importer:upload"),
        {"record_type": "payments", "file": upload, "source_system": "SAP"},
    )
    assert response.status_code == 200
    assert "validated 1 rows: 1 to create" in response.content.decode()
    assert not Payment.objects.exists()  # the preview is a dry run
    (token,) = client.session[SESSION_KEY].keys()
    response = client.post(reverse("importer:confirm"), {"token": token})
    assert response.status_code == 302
    assert Payment.objects.get(number="RC-UI").customer == acme
    assert exposure_reconcile() == []
