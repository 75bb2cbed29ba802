"""End-to-end: a credit manager logs in, switches to Chinese and creates a customer in Chromium.

Uses Debian's /usr/bin/chromium through Playwright for Python (never ``playwright install``).
"""

from __future__ import annotations

import re

import pytest

from credo.customers.models import Customer
from tests.browser.conftest import SCREENSHOT_DIR
from tests.conftest import PASSWORD, VALID_USCC

# Same first 17 characters as VALID_USCC with a wrong check character.
BAD_USCC = VALID_USCC[:17] + ("4" if VALID_USCC[17] != "4" else "5")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_switch_to_chinese_create_customer(live_server, credit_manager, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url

    page.fill("input[name=username]", credit_manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector("table.data")
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-list-en.png"), full_page=True)

    page.click("header .langswitch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")

    page.goto(f"{live_server.url}/customers/new/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("input[name=name_zh]", "福州浏览器测试有限公司")
    page.fill("input[name=uscc]", BAD_USCC)
    page.click("form.stacked button[type=submit]")
    error = page.locator("#id_uscc_errors")
    error.wait_for()
    assert VALID_USCC[17] in error.inner_text()  # the message names the expected character
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-create-error-zh.png"), full_page=True)
    assert not Customer.objects.exists()

    page.fill("input[name=uscc]", VALID_USCC)
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector(".customer-head")
    assert "福州浏览器测试有限公司" in page.locator(".customer-head h1").inner_text()
    customer = Customer.objects.get(uscc=VALID_USCC)
    assert customer.account_manager == credit_manager
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-detail-zh.png"), full_page=True)

    # Live search (htmx) finds the new customer; the table is swapped without a page load.
    page.goto(f"{live_server.url}/")
    page.fill("input[name=q]", "浏览器测试")
    page.wait_for_url(re.compile(r"[?&]q=%E6%B5%8F"))  # htmx pushed the search into the URL
    row = page.locator("#customer-table tbody tr", has_text="福州浏览器测试有限公司")
    row.wait_for()
    assert page.locator("#customer-table tbody tr").count() == 1
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-list-zh.png"), full_page=True)

    # Tabs load through htmx into the page and push their own URL.
    row.locator("a").first.click()
    page.wait_for_selector(".customer-head")
    with page.expect_request(lambda r: "/tabs/history/" in r.url) as tab_request:
        page.click(".tabs a[href$='?tab=history']")
    assert tab_request.value.headers.get("hx-request") == "true"
    page.wait_for_selector("#tab-history")
    assert page.url.endswith("?tab=history")
    assert "福州浏览器测试有限公司" in page.locator("#tab-history").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-history-zh.png"), full_page=True)
    assert page.console_errors == []
