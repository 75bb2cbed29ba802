"""In Chromium, without any script of ours: a credit manager builds a segment variant of the
default scorecard in the editor (removes a categorical bin, moves its category into another,
sets a segment and a new key) and saves it. Screenshots land in CREDO_SCREENSHOT_DIR."""

from __future__ import annotations

import re

import pytest

from credo.rating.engine.scorecard import Scorecard
from credo.rating.models import ScorecardVersion
from tests.browser.conftest import SCREENSHOT_DIR, browser_page  # noqa: F401 - the fixture
from tests.web.test_rating_browser import ensure_default_scorecard, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZE = "#factor-size_class"


def test_build_a_segment_variant(live_server, credit_manager, browser_page):  # noqa: F811
    page = browser_page
    ensure_default_scorecard()
    default = ScorecardVersion.objects.get(key="default-expert", status="active")
    size_index = [f["key"] for f in default.definition["factors"]].index("size_class")
    log_in(page, live_server.url, credit_manager)
    page.goto(f"{live_server.url}/rating/scorecards/{default.pk}/edit/")
    page.wait_for_selector(SIZE)
    # The editor's stylesheet loaded under the CSP: the hidden default button is off-screen.
    assert (
        page.locator(".default-submit").evaluate("el => getComputedStyle(el).position")
        == "absolute"
    )

    # Enter in a field saves (the default button), it does not split or remove a bin: without
    # notes the save is refused and the layout is unchanged.
    with page.expect_navigation():
        page.press("#id_name", "Enter")
    page.wait_for_selector("#id_notes_errors")
    assert "Say what changed and why." in page.inner_text("form.scorecard-editor")
    assert page.input_value(f"{SIZE} input[name=bins_{size_index}]") == "4"

    # Remove the micro bin (the 4th): the page comes back at the factor, with three bins.
    with page.expect_navigation():
        page.click(f'{SIZE} li[data-bin="4"] button[value="remove-{size_index}-3"]')
    assert page.input_value(f"{SIZE} input[name=bins_{size_index}]") == "3"
    assert page.url.endswith("#factor-size_class")
    assert page.evaluate("window.scrollY") > 1000  # at the factor, not at the top of the page
    assert page.locator(f"{SIZE} li[data-bin]").count() == 3
    # micro joins small (bin 3), whose score drops to 45.
    page.check(f'{SIZE} input[name=cat_{size_index}_2][value="micro"]')
    page.fill(f"{SIZE} input[name=s_{size_index}_2]", "45")

    # The variant: manufacturing and construction, small and micro firms, under a new key.
    page.check('#editor-segment input[name=seg_sections][value="C"]')
    page.check('#editor-segment input[name=seg_sections][value="E"]')
    page.check('#editor-segment input[name=seg_sizes][value="small"]')
    page.check('#editor-segment input[name=seg_sizes][value="micro"]')
    page.fill("#id_new_key", "small-industrial")
    page.fill("#id_name", "制造业与建筑业小微企业评分卡")
    page.fill("#id_notes", "小微制造及建筑企业单独评分")
    page.screenshot(path=str(SCREENSHOT_DIR / "credo-scorecard-editor.png"), full_page=True)
    page.click("#editor-save")
    # The detail page of the new draft (the fragment of the last bin action rides along).
    page.wait_for_url(re.compile(r"/rating/scorecards/\d+/(#.*)?$"))
    assert "small-industrial" in page.inner_text("main")

    version = ScorecardVersion.objects.get(key="small-industrial")
    assert version.version == 1 and version.status == "draft"
    assert version.created_by == credit_manager
    assert version.segment == {"industry_sections": ["C", "E"], "size": ["micro", "small"]}
    card = Scorecard.from_dict(version.definition)
    bins = version.definition["factors"][size_index]["bins"]
    assert [b["categories"] for b in bins] == [["large"], ["medium"], ["small", "micro"]]
    # weight 0.03 x 45 x 10 = 13.5 points for a micro firm now (9 before, in its own bin).
    assert card.score({"size_class": "micro"}).contribution("size_class").points == 13.5
    assert card.segment is not None
    assert card.segment.matches(industry_section="E", size_class="micro")
    assert not card.segment.matches(industry_section="G", size_class="micro")
    assert not ScorecardVersion.objects.filter(key="default-expert", version__gt=1).exists()
    assert page.console_errors == []
