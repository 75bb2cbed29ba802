"""In Chromium: the parent-company suggestions, the names on the overview and the audit pages."""

from __future__ import annotations

import pytest

from credo.core.context import acting_as
from credo.customers.services import alias_add, external_id_set
from tests.browser.conftest import SCREENSHOT_DIR
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector("table.data")


def test_parent_suggestions_fill_the_code(live_server, credit_manager, make_customer, browser_page):
    page = browser_page
    parent = make_customer(name_zh="福建海峡集团有限公司")
    child = make_customer(name_zh="福建海峡子公司有限公司")
    with acting_as(credit_manager, channel="system"):
        alias_add(customer=child, name="海峡子公司", kind="short")
        external_id_set(customer=child, source_system="ERP", external_id="K-1001")
    log_in(page, live_server.url, credit_manager)

    page.goto(f"{live_server.url}/customers/{child.pk}/")
    page.wait_for_selector("#aliases")
    assert "海峡子公司" in page.locator("#tab-overview").inner_text()
    page.locator("#aliases").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-overview-names.png"), full_page=True)

    page.goto(f"{live_server.url}/customers/{child.pk}/edit/")
    page.locator("#id_parent_code").press_sequentially("海峡集团", delay=30)
    choice = page.locator(f"#parent-code-suggestions button[data-suggest-value='{parent.code}']")
    choice.wait_for()
    # The customer being edited is never offered as its own parent.
    assert page.locator(f"[data-suggest-value='{child.code}']").count() == 0
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-parent-suggest.png"), full_page=False)
    choice.click()
    assert page.input_value("#id_parent_code") == parent.code
    assert page.locator("#parent-code-suggestions li").count() == 0
    page.click("form.stacked button[type=submit]")
    page.wait_for_selector(".customer-head")
    child.refresh_from_db()
    assert child.parent == parent
    assert page.console_errors == []


def test_auditor_opens_the_change_log(
    live_server, auditor, account_manager, make_customer, browser_page
):
    page = browser_page
    customer = make_customer(owner=account_manager, name_zh="审计浏览有限公司")
    with acting_as(account_manager, channel="web"):
        alias_add(customer=customer, name="审计旧名", kind="former")
    log_in(page, live_server.url, auditor)
    page.click("header nav a:has-text('Change log')")
    page.wait_for_selector("#change-log")
    page.fill("input[name=customer]", customer.code)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**customer={customer.code}**")
    assert "审计旧名" in page.locator("#change-log").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-change-log.png"), full_page=True)
    page.click("header nav a:has-text('Access log')")
    page.wait_for_selector("#access-log")
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-access-log.png"), full_page=True)
    assert page.console_errors == []
