"""The Swagger docs page renders in Chromium offline, under the site's Content-Security-Policy.

Uses Debian's /usr/bin/chromium through Playwright for Python (never ``playwright install``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_page_renders_operations_without_leaving_the_site(live_server):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    foreign_requests: list[str] = []
    console_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context()

        def guard(route):
            if route.request.url.startswith(live_server.url):
                route.continue_()
            else:
                foreign_requests.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{live_server.url}/api/v1/docs")
        page.wait_for_selector(".opblock", timeout=15000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        context.close()
        browser.close()
    assert any("/api/v1/customers" in p for p in paths), paths
    assert foreign_requests == []
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
