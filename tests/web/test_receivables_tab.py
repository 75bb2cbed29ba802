"""The Receivables tab of the customer page: permissions, figures equal the selectors', access log."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from credo.core.context import acting_as
from credo.core.models import AccessLog
from credo.customers.services import customer_update
from credo.decisions.services import credit_limit_set
from credo.receivables import selectors as ledger
from credo.receivables import services as rs
from credo.receivables.reports import ageing_report, collection_metrics
from credo.web import charts

pytestmark = pytest.mark.django_db


def tab_url(customer, **params) -> str:
    query = "".join(f"&{key}={value}" for key, value in params.items())
    return reverse("web:customer_detail", args=[customer.pk]) + "?tab=receivables" + query


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def shown(amount: Decimal) -> str:
    """How the ``show`` filter prints an amount in English (grouped, cents when not whole)."""
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


@pytest.fixture
def small_ledger(make_customer, account_manager, credit_manager):
    """A customer of ``account_manager`` with an order, two invoices (one overdue and partly
    paid, one disputed), a guarantee and a limit of 100,000 CNY — all through the services."""
    today = timezone.localdate()
    customer = make_customer(owner=account_manager, name_zh="福建应收测试有限公司")
    with acting_as(credit_manager, channel="system"):
        terms = rs.payment_terms_create(code="N30", name="Net 30", kind="net", days=30)
        rs.sales_order_create(
            customer=customer,
            number="SO-1",
            order_date=today,
            currency="CNY",
            amount=Decimal("12000.00"),
        )
        old = rs.invoice_post(
            customer=customer,
            number="INV-OLD",
            invoice_date=today - dt.timedelta(days=75),
            currency="CNY",
            amount=Decimal("30000.00"),
            payment_terms=terms,
        )
        recent = rs.invoice_post(
            customer=customer,
            number="INV-NEW",
            invoice_date=today - dt.timedelta(days=5),
            currency="CNY",
            amount=Decimal("8000.50"),
            payment_terms=terms,
        )
        payment = rs.payment_post(
            customer=customer,
            number="PAY-1",
            payment_date=today - dt.timedelta(days=20),
            currency="CNY",
            amount=Decimal("10000.00"),
        )
        rs.allocation_create(
            payment=payment,
            instalment=old.instalments.get(),
            amount=Decimal("10000.00"),
            on=today - dt.timedelta(days=20),
        )
        rs.dispute_open(
            instalment=recent.instalments.get(),
            amount=Decimal("3000.00"),
            reason="Quality",
            on=today - dt.timedelta(days=2),
        )
        rs.security_add(
            customer=customer,
            kind="guarantee",
            amount=Decimal("5000.00"),
            currency="CNY",
            valid_from=today - dt.timedelta(days=100),
        )
        credit_limit_set(
            customer=customer,
            amount=Decimal("100000.00"),
            user=credit_manager,
            valid_from=today - dt.timedelta(days=100),
        )
    return customer


# --- permissions ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, small_ledger):
    response = client.get(tab_url(small_ledger))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_tab_needs_the_invoice_view_permission(client_for, service_agent, small_ledger):
    # A service agent sees every customer but holds no receivables permission.
    response = client_for(service_agent).get(tab_url(small_ledger))
    assert response.status_code == 403


def test_tab_of_an_invisible_customer_is_404(client_for, other_account_manager, small_ledger):
    response = client_for(other_account_manager).get(tab_url(small_ledger))
    assert response.status_code == 404
    assert not AccessLog.objects.filter(resource="receivables.customer").exists()


def test_tab_is_listed_only_with_the_permission(client_for, service_agent, viewer, small_ledger):
    overview = reverse("web:customer_detail", args=[small_ledger.pk])
    assert "?tab=receivables" not in client_for(service_agent).get(overview).content.decode()
    assert "?tab=receivables" in client_for(viewer).get(overview).content.decode()


def test_htmx_tab_partial(client_for, account_manager, small_ledger):
    url = reverse("web:customer_tab", args=[small_ledger.pk, "receivables"])
    response = client_for(account_manager).get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="rcv-exposure"' in response.content.decode()
    assert "<html" not in response.content.decode()


# --- figures ----------------------------------------------------------------------------------


def test_exposure_figures_equal_the_selectors(client_for, account_manager, small_ledger):
    response = client_for(account_manager).get(tab_url(small_ledger))
    assert response.status_code == 200
    page = text_of(response)
    assert "Amounts in CNY (company currency) as of" in page
    snapshot = ledger.exposure_snapshot(customer=small_ledger)
    # The ledger as built: 12,000 ordered; 30,000 - 10,000 + 8,000.50 open; 20,000 overdue.
    assert snapshot.open_orders == Decimal("12000.00")
    assert snapshot.open_receivables == Decimal("28000.50")
    assert snapshot.overdue == Decimal("20000.00")
    assert snapshot.disputed == Decimal("3000.00")
    assert snapshot.secured == Decimal("5000.00")
    for bucket in (
        "open_orders",
        "delivered_not_invoiced",
        "open_receivables",
        "overdue",
        "disputed",
    ):
        row = re.search(rf'data-bucket="{bucket}">.*?<td class="num">([^<]*)</td>', page)
        assert row is not None, bucket
        assert row.group(1) == shown(getattr(snapshot, bucket)), bucket
    secured = re.search(r'data-bucket="secured">.*?<td class="num">([^<]*)</td>', page)
    assert secured.group(1) == "5,000"
    # Available = 100,000 - (12,000 + 28,000.50) + 5,000 (the same definition as the check).
    assert 'id="rcv-available" class="">64,999.50 CNY' in page
    assert "40,000.50 CNY" in page  # counted exposure
    # Utilisation = (100,000 - 64,999.50) / 100,000 = 35.0 %.
    assert "Limit utilisation: 35.0 %" in page


def test_ageing_and_metrics_equal_the_reports(client_for, account_manager, small_ledger):
    from credo.customers.models import Customer

    today = timezone.localdate()
    page = text_of(client_for(account_manager).get(tab_url(small_ledger)))
    report = ageing_report(as_of=today, customers=Customer.objects.filter(pk=small_ledger.pk))
    row = report.rows[0]
    cells = re.search(r'id="rcv-ageing-table">.*?<tbody><tr>(.*?)</tr>', page).group(1)
    values = re.findall(r'<td class="num">(?:<b>)?([^<]*)', cells)
    expected = [
        *(row.buckets[key] for key in report.bucket_keys),
        row.disputed,
        row.total,
        row.overdue,
    ]
    assert values == [shown(amount) for amount in expected]
    # 20,000 in 31-60 (due 45 days ago), 5,000.50 not due + 3,000 disputed.
    assert row.buckets["d31_60"] == Decimal("20000.00")
    assert row.disputed == Decimal("3000.00")

    metrics = collection_metrics(
        start=ledger_start(today),
        end=today,
        customers=Customer.objects.filter(pk=small_ledger.pk),
    )
    for key in ("dso", "cei", "average_days_beyond_terms", "payment_index"):
        metric_row = re.search(rf'data-metric="{key}">.*?<b>([^<]*)</b>', page)
        value = getattr(metrics.period, key)
        assert metric_row.group(1) == ("—" if value is None else shown(value)), key
    assert metrics.period.payment_index is not None


def ledger_start(today: dt.date) -> dt.date:
    from credo.receivables.metrics import add_months, month_start

    return month_start(add_months(today, -11))


def test_open_items_show_days_overdue_and_dispute(client_for, account_manager, small_ledger):
    page = text_of(client_for(account_manager).get(tab_url(small_ledger)))
    old_row = re.search(r'<td class="mono">INV-OLD</td>(.*?)</tr>', page).group(1)
    assert "20,000 CNY" in old_row and ">45<" in old_row and "disputed" not in old_row
    new_row = re.search(r'<td class="mono">INV-NEW</td>(.*?)</tr>', page).group(1)
    assert "8,000.50 CNY" in new_row and "not due" in new_row and "disputed" in new_row


def test_ageing_as_of_a_past_day(client_for, account_manager, small_ledger):
    today = timezone.localdate()
    past = today - dt.timedelta(days=30)  # before the payment and before INV-NEW
    page = text_of(client_for(account_manager).get(tab_url(small_ledger, as_of=past.isoformat())))
    assert f'value="{past.isoformat()}"' in page
    cells = re.search(r'id="rcv-ageing-table">.*?<tbody><tr>(.*?)</tr>', page).group(1)
    values = re.findall(r'<td class="num">(?:<b>)?([^<]*)', cells)
    assert values[-2:] == ["30,000", "30,000"]  # total and overdue: the whole old invoice


def test_unreadable_as_of_falls_back_to_today(client_for, account_manager, small_ledger):
    page = text_of(client_for(account_manager).get(tab_url(small_ledger, as_of="31.02.2025")))
    assert "is not a date (use YYYY-MM-DD); showing today." in page
    assert f'value="{timezone.localdate().isoformat()}"' in page


def test_group_exposure_is_shown_for_a_group_member(
    client_for, credit_manager, make_customer, small_ledger
):
    parent = make_customer(name_zh="福建集团母公司")
    with acting_as(credit_manager, channel="system"):
        customer_update(customer=small_ledger, parent=parent)
        rs.sales_order_create(
            customer=parent,
            number="SO-P",
            order_date=timezone.localdate(),
            currency="CNY",
            amount=Decimal("1000.00"),
        )
    page = text_of(client_for(credit_manager).get(tab_url(small_ledger)))
    group = ledger.group_exposure_snapshot(customer=small_ledger)
    assert group.open_orders == Decimal("13000.00")
    assert "Group exposure (2 companies)" in page
    section = re.search(r'id="rcv-group">(.*?)</table>', page).group(1)
    assert '<td class="num">13,000</td>' in section


def test_no_group_panel_for_a_standalone_customer(client_for, account_manager, small_ledger):
    assert 'id="rcv-group"' not in text_of(client_for(account_manager).get(tab_url(small_ledger)))


def test_order_list_shows_credit_status_badges(client_for, account_manager, small_ledger):
    page = text_of(client_for(account_manager).get(tab_url(small_ledger)))
    row = re.search(r'data-order="SO-1">(.*?)</tr>', page).group(1)
    assert '<span class="badge badge-neutral">Not checked</span>' in row


def test_new_order_button_only_with_permission(
    client_for, account_manager, credit_manager, small_ledger
):
    new_order = reverse("web:receivables_order_create", args=[small_ledger.pk])
    manager_page = client_for(account_manager).get(tab_url(small_ledger)).content.decode()
    assert new_order in manager_page and "Check an order" in manager_page  # what-if only
    assert ">New order<" not in manager_page
    page = client_for(credit_manager).get(tab_url(small_ledger)).content.decode()
    assert new_order in page and ">New order<" in page


# --- access log -------------------------------------------------------------------------------


def test_each_read_is_written_to_the_access_log(client_for, account_manager, small_ledger):
    client = client_for(account_manager)
    client.get(tab_url(small_ledger))
    client.get(tab_url(small_ledger, as_of="2024-12-31"))
    entries = AccessLog.objects.filter(resource="receivables.customer").order_by("id")
    assert [entry.customer_id for entry in entries] == [small_ledger.pk, small_ledger.pk]
    assert entries[0].user == account_manager
    assert entries[1].detail == "as_of=2024-12-31"


# --- charts -----------------------------------------------------------------------------------


def test_charts_are_inline_svg_without_style_attributes(client_for, account_manager, small_ledger):
    page = client_for(account_manager).get(tab_url(small_ledger)).content.decode()
    assert page.count("<svg") == 3  # gauge, invoiced vs paid, days beyond terms
    assert " style=" not in page  # the CSP forbids inline styles


def test_gauge_levels_and_escaping():
    assert charts.gauge_level(Decimal("79.99"), warn_above=80, block_above=100) == "ok"
    assert charts.gauge_level(Decimal("80.01"), warn_above=80, block_above=100) == "warn"
    assert charts.gauge_level(Decimal("100.01"), warn_above=80, block_above=100) == "bad"
    assert charts.gauge_level(None, warn_above=80, block_above=100) == "none"
    svg = charts.gauge(Decimal("150"), label="<b>x</b>")
    assert "&lt;b&gt;x&lt;/b&gt;" in svg and "<b>" not in svg
    assert 'class="gauge-value gauge-bad"' in svg
    assert "gauge-value" not in charts.gauge(None, label="none")


def test_bar_chart_heights_are_proportional():
    svg = charts.bar_chart(
        ["a", "b"], [charts.Series("s", [Decimal("50"), Decimal("100")])], title="t"
    )
    heights = [
        float(h)
        for h in re.findall(
            r'<rect class="chart-s1" x="[^"]+" y="[^"]+" '
            r'width="[^"]+" height="([^"]+)">',
            svg,
        )
    ]
    assert len(heights) == 2 and heights[1] == pytest.approx(2 * heights[0])


def test_line_chart_breaks_at_missing_values():
    svg = charts.line_chart(
        ["a", "b", "c", "d", "e"],
        [charts.Series("s", [1, 2, None, 3, 4])],
        title="t",
    )
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 4
