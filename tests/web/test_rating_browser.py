"""In Chromium: the Rating tab renders its SVG gauge and history chart under the CSP, an analyst
proposes an override, a credit manager approves it, and the Chinese UI shows the grade labels.
Screenshots land in CREDO_SCREENSHOT_DIR (default /tmp)."""

from __future__ import annotations

import pytest

from credo.core.context import acting_as
from credo.rating import presenters, services
from credo.rating.models import Rating, RatingOverride
from tests.browser.conftest import SCREENSHOT_DIR, browser_page  # noqa: F401 - the fixture
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ensure_default_scorecard():
    """The seeded default card: a transactional test before this one may have flushed it."""
    from credo.rating import selectors
    from credo.rating.engine.scorecard import load_template

    if selectors.active_scorecards():
        return
    version = services.scorecard_version_create(
        definition=load_template("default-expert").to_dict(), user=None
    )
    services.scorecard_version_activate(version=version, user=None)


def log_in(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_selector("table.data")


def log_out(page):
    page.click("header form.logout button[type=submit]")
    page.wait_for_load_state()


def test_rating_tab_override_and_chinese(
    live_server, analyst, credit_manager, make_customer, browser_page  # noqa: F811
):
    page = browser_page
    ensure_default_scorecard()
    customer = make_customer(name_zh="福建浏览器评级有限公司", legal_form="llc")
    with acting_as(analyst, channel="system"):
        rating = services.customer_rate(customer=customer, trigger="manual", user=analyst)
    tab = f"{live_server.url}/customers/{customer.pk}/?tab=rating"

    # The analyst sees the rating, its gauge and chart, and proposes another grade.
    log_in(page, live_server.url, analyst)
    page.goto(tab)
    page.wait_for_selector("#rating-summary svg.chart-score")
    assert page.get_attribute("#rating-grade .grade-badge", "data-grade") == rating.grade
    stroke = page.locator("svg.chart-score .gauge-value").evaluate(
        "el => getComputedStyle(el).stroke"
    )
    assert stroke not in ("", "none")  # coloured by credo.css, not inline style
    assert page.locator("#rating-history svg.chart-bands rect.chart-band").count() >= 3
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-rating-tab.png"), full_page=True)

    page.click("#rating-propose summary")
    page.select_option("#id_proposed_grade", "BB")
    page.click("#rating-propose button[type=submit]")  # no reason: refused, nothing written
    page.wait_for_selector("#id_reason_errors")
    assert "Give the reason for the override." in page.inner_text("#id_reason_errors")
    assert not RatingOverride.objects.exists()
    page.select_option("#id_proposed_grade", "BB")
    page.fill("#id_reason", "担保人实力强，银行授信充足")
    page.click("#rating-propose button[type=submit]")
    page.wait_for_selector("#rating-pending")
    assert "担保人实力强" in page.inner_text("#rating-pending")
    log_out(page)

    # A credit manager approves it from the tab.
    log_in(page, live_server.url, credit_manager)
    page.goto(tab)
    page.wait_for_selector("#rating-pending form.override-decide")
    page.fill("#rating-pending textarea[name=decision_note]", "同意")
    page.click("#rating-pending button[value=approve]")
    page.wait_for_selector("#rating-override-note")
    assert page.get_attribute("#rating-grade .grade-badge", "data-grade") == "BB"
    assert Rating.objects.get(customer=customer, is_current=True).trigger == "override"

    # In Chinese the grade labels come from the standard terms (信用欠佳 for BB).
    page.click("header .langswitch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    page.goto(tab)
    page.wait_for_selector("#rating-summary")
    from django.utils import translation

    with translation.override("zh-hans"):
        badge = presenters.grade_badge("BB")
    assert badge.label == "信用欠佳"
    assert badge.label in page.inner_text("#rating-grade")
    assert "B类" in page.inner_text("#rating-grade")
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-rating-tab-zh.png"), full_page=True)
    assert page.console_errors == []
