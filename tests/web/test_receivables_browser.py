"""In Chromium: the Receivables tab renders its SVG charts under the CSP, and the order form
answers a what-if check. Screenshots land in CREDO_SCREENSHOT_DIR (default /tmp)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from credo.core.context import acting_as
from credo.decisions.services import credit_limit_set
from credo.receivables import services as rs
from credo.receivables.models import SalesOrder
from tests.browser.conftest import SCREENSHOT_DIR, browser_page  # noqa: F401 - the fixture
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector("table.data")


def build_ledger(customer, user):
    """A year of monthly invoices on net 30, most paid some days late, one still open."""
    today = timezone.localdate()
    with acting_as(user, channel="system"):
        terms = rs.payment_terms_create(code="N30", name="Net 30", kind="net", days=30)
        for month in range(12, 0, -1):
            invoice_day = today - dt.timedelta(days=30 * month + 5)
            invoice = rs.invoice_post(
                customer=customer,
                number=f"INV-{month:02d}",
                invoice_date=invoice_day,
                currency="CNY",
                amount=Decimal(20000 + 1500 * (month % 4)),
                payment_terms=terms,
            )
            if month <= 2:
                continue  # the last two stay open (one overdue)
            paid_on = invoice_day + dt.timedelta(days=30 + (month % 5) * 6)
            payment = rs.payment_post(
                customer=customer,
                number=f"PAY-{month:02d}",
                payment_date=paid_on,
                currency="CNY",
                amount=invoice.amount,
            )
            rs.allocation_create(
                payment=payment,
                instalment=invoice.instalments.get(),
                amount=invoice.amount,
                on=paid_on,
            )
        rs.sales_order_create(
            customer=customer,
            number="SO-OPEN",
            order_date=today,
            currency="CNY",
            amount=Decimal("18000.00"),
        )
        credit_limit_set(
            customer=customer,
            amount=Decimal("80000.00"),
            user=user,
            valid_from=today - dt.timedelta(days=400),
        )


def test_receivables_tab_and_what_if(live_server, credit_manager, make_customer, browser_page):  # noqa: F811
    page = browser_page
    customer = make_customer(name_zh="福建应收浏览有限公司")
    build_ledger(customer, credit_manager)
    log_in(page, live_server.url, credit_manager)

    page.goto(f"{live_server.url}/customers/{customer.pk}/?tab=receivables")
    page.wait_for_selector("#rcv-exposure svg.chart-gauge")
    assert page.locator("svg.chart-bars rect.chart-s1 > title").count() == 12  # a bar a month
    # The gauge arc is drawn with CSS from credo.css: a visible stroke, not the default none.
    stroke = page.locator("svg.chart-gauge .gauge-value").evaluate(
        "el => getComputedStyle(el).stroke"
    )
    assert stroke not in ("", "none")
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-receivables-tab.png"), full_page=True)

    page.click("text=New order")
    page.fill("#id_number", "SO-WHATIF")
    page.fill("#id_amount", "90000")
    page.click("button[name=action][value=check]")
    page.wait_for_selector("#rcv-answer")
    assert page.get_attribute("#rcv-outcome", "data-outcome") == "block"
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-receivables-whatif.png"), full_page=True)
    assert not SalesOrder.objects.filter(number="SO-WHATIF").exists()
    assert page.console_errors == []
