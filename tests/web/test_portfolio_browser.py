"""In Chromium: the portfolio pages render under the strict CSP and an order is released."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credo.core.context import acting_as
from credo.decisions.models import OrderCreditDecision
from credo.decisions.services import credit_check, credit_limit_set
from credo.receivables import services
from tests.browser.conftest import SCREENSHOT_DIR, browser_page  # noqa: F401 - fixture
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector("table.data")


@pytest.fixture
def portfolio(make_customer, credit_manager):
    """Three customers with a year of invoices and payments, two of them with blocked orders."""
    customers = [
        make_customer(name_zh=name)
        for name in ("闽江机电有限公司", "厦门海联贸易有限公司", "泉州石材有限公司")
    ]
    today = dt.date.today()
    with acting_as(credit_manager, channel="system"):
        for index, customer in enumerate(customers):
            for back in range(12, 0, -1):
                day = today - dt.timedelta(days=30 * back)
                amount = Decimal(10000 * (index + 1) + back * 137)
                invoice = services.invoice_post(
                    customer=customer,
                    number=f"B-{index}-{back}",
                    invoice_date=day,
                    currency="CNY",
                    amount=amount,
                )
                if back > 2 + index:
                    paid_on = day + dt.timedelta(days=20 + 10 * index)
                    payment = services.payment_post(
                        customer=customer,
                        number=f"BP-{index}-{back}",
                        payment_date=paid_on,
                        currency="CNY",
                        amount=amount,
                    )
                    services.allocation_create(
                        payment=payment,
                        instalment=invoice.instalments.get(),
                        amount=amount,
                        on=paid_on,
                    )
        orders = []
        for index, (customer, amount) in enumerate(
            [(customers[0], "180000"), (customers[1], "620000"), (customers[1], "45000")]
        ):
            if index < 2:
                credit_limit_set(
                    customer=customer,
                    amount=Decimal("50000"),
                    user=credit_manager,
                    valid_from=today - dt.timedelta(days=400),
                )
            order = services.sales_order_create(
                customer=customer,
                number=f"SO-B{index}",
                order_date=today,
                currency="CNY",
                amount=Decimal(amount),
            )
            credit_check(customer=customer, user=credit_manager, order=order)
            orders.append(order)
    return {"customers": customers, "orders": orders}


def test_portfolio_pages_and_a_release(live_server, analyst, portfolio, browser_page):  # noqa: F811
    page = browser_page
    log_in(page, live_server.url, analyst)

    page.goto(f"{live_server.url}/portfolio/ageing/")
    page.wait_for_selector("#ageing-report tfoot tr.total")
    assert page.locator("#ageing-report tbody tr.ageing-row").count() == 3
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-portfolio-ageing.png"), full_page=True)

    page.goto(f"{live_server.url}/portfolio/metrics/")
    page.wait_for_selector("svg.chart-lines polyline")
    assert page.locator("#metrics-trend tr.trend-row").count() == 12
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-portfolio-metrics.png"), full_page=True)

    page.goto(f"{live_server.url}/portfolio/blocked-orders/")
    page.wait_for_selector("#blocked-orders")
    order = portfolio["orders"][0]
    row = page.locator(f"#order-{order.pk}")
    row.locator("summary").click()
    row.locator("textarea[name=reason]").fill("客户已承诺本周付款")
    row.locator("textarea[name=conditions]").fill("预付 30%")
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-portfolio-worklist.png"), full_page=True)
    row.locator("button[value=release]").click()
    page.wait_for_selector(".messages .success")
    assert page.locator(f"#order-{order.pk}").count() == 0
    decision = OrderCreditDecision.objects.get(order=order)
    assert decision.reason == "客户已承诺本周付款"
    assert decision.decided_by == analyst

    assert page.console_errors == []  # nothing broke the strict CSP so far

    # Above the analyst's authority: the service's refusal is shown on the page.
    large = portfolio["orders"][1]
    row = page.locator(f"#order-{large.pk}")
    row.locator("summary").click()
    row.locator("textarea[name=reason]").fill("大客户")
    row.locator("button[value=release]").click()
    page.wait_for_selector(f"#order-{large.pk} .form-errors")
    assert "does not cover this order" in page.locator(f"#order-{large.pk}").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-portfolio-refused.png"), full_page=True)
    # The refusal answers 403, which Chromium reports; nothing else may appear.
    assert [e for e in page.console_errors if "403" not in e] == []
