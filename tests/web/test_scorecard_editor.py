"""The expert scorecard editor: weights, bins (bounds, categories, added and removed), missing
rules, segments and grade cut-offs; bad input re-rendered with the user's values; permissions.

Points are worked by hand: expert points = weight x bin score x 10."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from credo.core.context import acting_as
from credo.rating import services
from credo.rating.batch import CATEGORICAL
from credo.rating.engine.scorecard import (
    Scorecard,
    expert_factors,
    load_template,
    select_scorecard,
)
from credo.rating.models import ScorecardVersion
from credo.rating.selectors import engine_scorecard, grade_scale_for
from credo.web.forms_rating import apply_bin_action, category_choices, field_for_path

pytestmark = pytest.mark.django_db

# Factor positions in the default-expert template (see its JSON).
CURRENT_RATIO, QUICK_RATIO, GROSS_MARGIN, ALTMAN_ZONE, SIZE_CLASS = 0, 1, 6, 13, 28


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def input_value(text: str, name: str) -> str | None:
    """The value attribute of the input named ``name`` (None: no such input or no value)."""
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', text)
    if tag is None:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return None if value is None else value.group(1)


def is_checked(text: str, name: str, value: str) -> bool:
    """Whether the checkbox ``name`` with ``value`` is rendered ticked."""
    pattern = rf'<input type="checkbox" name="{re.escape(name)}" value="{re.escape(value)}"[^>]*>'
    tag = re.search(pattern, text)
    assert tag is not None, f"no checkbox {name}={value}"
    return " checked" in tag.group(0)


@pytest.fixture
def default_card():
    return ScorecardVersion.objects.get(key="default-expert", version=1)


@pytest.fixture
def small_firm_card():
    return ScorecardVersion.objects.get(key="small-firm-expert", version=1)


def edit_url(version) -> str:
    return reverse("web:rating_scorecard_edit", args=[version.pk])


def editor_data(version, **changes) -> dict:
    """The editor's POST with the card's values unchanged, then ``changes`` applied (a list
    value posts several values, e.g. the ticked categories of a bin)."""
    card = engine_scorecard(version)
    data: dict = {"name": card.name, "notes": "调整评分卡"}
    if card.segment is not None:
        data["seg_sections"] = list(card.segment.industry_sections or [])
        data["seg_sizes"] = list(card.segment.sizes or [])
    for i, factor in enumerate(expert_factors(card)):
        data[f"w_{i}"] = repr(factor.weight)
        data[f"bins_{i}"] = str(len(factor.bins))
        data[f"mr_{i}"] = factor.missing_rule
        if factor.missing_score is not None:
            data[f"m_{i}"] = repr(factor.missing_score)
        for j, item in enumerate(factor.bins):
            data[f"s_{i}_{j}"] = repr(item.score)
            if factor.type == "numeric" and j < len(factor.bins) - 1:
                data[f"c_{i}_{j}"] = repr(item.upper)
            if factor.type == "categorical":
                data[f"cat_{i}_{j}"] = list(item.categories)
        if factor.other_score is not None:
            data[f"o_{i}"] = repr(factor.other_score)
    for grade in grade_scale_for(version).grades[:-1]:
        data[f"g_{grade.code}"] = repr(grade.min_score)
    for key, value in changes.items():
        data[key] = value if isinstance(value, list) else str(value)
    return data


def drop_bin_fields(data: dict, factor: int, bins: range) -> None:
    for j in bins:
        for name in (f"s_{factor}_{j}", f"c_{factor}_{j}", f"cat_{factor}_{j}"):
            data.pop(name, None)


def saved(key: str = "default-expert", version: int = 2) -> Scorecard:
    return Scorecard.from_dict(ScorecardVersion.objects.get(key=key, version=version).definition)


def post_ok(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, text_of(response)[:200] + re.sub(
        r".*?(<div class=\"form-errors\".*?</div>).*", r"\1", text_of(response)
    )
    return response


# --- permissions ------------------------------------------------------------------------------


def test_editor_permissions(client_for, analyst, viewer, credit_manager, default_card):
    url = edit_url(default_card)
    assert client_for(analyst).get(url).status_code == 403  # drafts, but may not activate
    assert client_for(viewer).get(url).status_code == 403
    data = editor_data(default_card, bin_action=f"remove-{QUICK_RATIO}-1")
    assert client_for(analyst).post(url, data).status_code == 403
    assert client_for(analyst).post(url, editor_data(default_card)).status_code == 403
    assert client_for(credit_manager).get(url).status_code == 200
    assert (
        client_for(credit_manager)
        .get(reverse("web:rating_scorecard_edit", args=[999999]))
        .status_code
        == 404
    )
    assert ScorecardVersion.objects.filter(version=2).count() == 0


# --- today's edits: weights, bin scores, bounds, cut-offs -------------------------------------


def test_editor_saves_a_new_draft(client_for, credit_manager, default_card):
    card = load_template("default-expert")
    weights = [f.weight for f in expert_factors(card)]
    # Move 0.01 of weight from the first factor to the second, lift AAA's cut-off to 920.
    data = editor_data(
        default_card,
        w_0=round(weights[0] - 0.01, 6),
        w_1=round(weights[1] + 0.01, 6),
        s_0_0=10,
        g_AAA=920,
    )
    post_ok(client_for(credit_manager), edit_url(default_card), data)
    new = ScorecardVersion.objects.get(key="default-expert", version=2)
    assert new.status == "draft" and new.created_by == credit_manager and new.notes == "调整评分卡"
    assert new.definition["weights"][card.factors[1].key] == pytest.approx(weights[1] + 0.01)
    assert new.grade_scale["grades"][0]["min_score"] == 920
    assert new.definition["factors"][0]["bins"][0]["points"] == pytest.approx(2.0)  # .02x10x10
    assert new.segment is None and new.definition["segment"] is None
    # Unedited: the categorical bins and the missing rules come through as they were.
    assert new.definition["factors"][SIZE_CLASS]["bins"] == card.to_dict()["factors"][
        SIZE_CLASS
    ]["bins"]
    assert new.definition["factors"][ALTMAN_ZONE]["missing"] == {"rule": "points", "points": 12.0}
    default_card.refresh_from_db()
    assert default_card.status == "active"  # the draft rates nobody yet


def test_editor_weights_not_summing_to_one(client_for, credit_manager, default_card):
    before = ScorecardVersion.objects.count()
    response = client_for(credit_manager).post(
        edit_url(default_card), editor_data(default_card, w_0=0.5)
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "they must sum to 1" in text and 'class="form-errors"' in text
    assert ScorecardVersion.objects.count() == before


def test_editor_field_errors_next_to_the_fields(client_for, credit_manager, default_card):
    before = ScorecardVersion.objects.count()
    data = editor_data(default_card, s_0_1=150, c_0_1=-5, g_AA=950, notes="")
    text = text_of(client_for(credit_manager).post(edit_url(default_card), data))
    assert 'id="id_s_0_1_errors"' in text and "less than or equal to 100" in text
    assert 'id="id_c_0_1_errors"' in text and "Each bound must be above the previous one" in text
    assert 'id="id_g_AA_errors"' in text and "Must be below the minimum score of AAA" in text
    assert "Say what changed and why." in text
    assert ScorecardVersion.objects.count() == before


def test_editor_errors_in_chinese(client_for, credit_manager, default_card):
    client = client_for(credit_manager)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    data = editor_data(default_card, s_0_0="abc")
    data[f"cat_{SIZE_CLASS}_1"] = ["medium", "large"]  # large is already in bin 1
    text = text_of(client.post(edit_url(default_card), data))
    with translation.override("zh-hans"):
        expected = translation.gettext("Enter a number.")
    assert expected in text
    assert f'id="id_cat_{SIZE_CLASS}_1_errors"' in text
    assert not ScorecardVersion.objects.filter(version=2).exists()


# --- categorical bins -------------------------------------------------------------------------


def test_page_offers_the_features_categories(client_for, credit_manager, default_card):
    text = text_of(client_for(credit_manager).get(edit_url(default_card)))
    # Every size class is offered in every size bin, ticked only where the card has it.
    for j, ticked in enumerate(["large", "medium", "small", "micro"]):
        for size in ("large", "medium", "small", "micro"):
            assert is_checked(text, f"cat_{SIZE_CLASS}_{j}", size) == (size == ticked)
    for zone in ("safe", "grey", "distress"):
        assert is_checked(text, f"cat_{ALTMAN_ZONE}_0", zone) == (zone == "safe")
    assert input_value(text, f"bins_{SIZE_CLASS}") == "4"
    assert input_value(text, f"o_{SIZE_CLASS}") is None  # no "other" score yet: empty field


def test_every_categorical_feature_has_its_values(db):
    from credo.customers.choices import LegalForm, SizeClass

    # The engine's categorical features (the batch reads them as text): each offers its values.
    assert set(CATEGORICAL) == {"altman_zone", "size_class", "legal_form"}
    assert [v for v, _ in category_choices("size_class")] == ["large", "medium", "small", "micro"]
    assert {v for v, _ in category_choices("size_class")} == set(SizeClass.values)
    assert [v for v, _ in category_choices("altman_zone")] == ["safe", "grey", "distress"]
    assert [v for v, _ in category_choices("legal_form")] == list(LegalForm.values)
    # A value a card already uses is kept, after the known ones.
    assert category_choices("size_class", ["giant", "small"])[-1] == ("giant", "giant")


def test_moving_a_category_changes_the_card_and_the_score(client_for, credit_manager, default_card):
    before = saved("default-expert", 1)
    # micro leaves its own bin (removed) and joins small: 3 bins, micro scores like small.
    data = editor_data(default_card)
    drop_bin_fields(data, SIZE_CLASS, range(4))
    data.update({
        f"bins_{SIZE_CLASS}": "3",
        f"cat_{SIZE_CLASS}_0": ["large"], f"s_{SIZE_CLASS}_0": "100",
        f"cat_{SIZE_CLASS}_1": ["medium"], f"s_{SIZE_CLASS}_1": "80",
        f"cat_{SIZE_CLASS}_2": ["micro", "small"], f"s_{SIZE_CLASS}_2": "55",
    })
    post_ok(client_for(credit_manager), edit_url(default_card), data)
    new = saved()
    bins = new.to_dict()["factors"][SIZE_CLASS]["bins"]
    assert [b["categories"] for b in bins] == [["large"], ["medium"], ["small", "micro"]]
    # weight 0.03: small 0.03 x 55 x 10 = 16.5; micro before: 0.03 x 30 x 10 = 9.
    assert [b["points"] for b in bins] == [30.0, 24.0, 16.5]
    assert before.score({"size_class": "micro"}).contribution("size_class").points == 9.0
    assert new.score({"size_class": "micro"}).contribution("size_class").points == 16.5
    assert new.score({"size_class": "large"}).contribution("size_class").points == 30.0


def test_a_category_left_out_gets_the_other_score(client_for, credit_manager, default_card):
    data = editor_data(default_card, **{f"o_{SIZE_CLASS}": "40"})
    drop_bin_fields(data, SIZE_CLASS, range(3, 4))
    data[f"bins_{SIZE_CLASS}"] = "3"  # micro's bin is gone; micro is now an "other" value
    post_ok(client_for(credit_manager), edit_url(default_card), data)
    new = saved()
    assert new.to_dict()["factors"][SIZE_CLASS]["other_points"] == 12.0  # 0.03 x 40 x 10
    micro = new.score({"size_class": "micro"}).contribution("size_class")
    assert micro.points == 12.0 and micro.bin_index is None and not micro.missing_applied


def test_a_category_in_two_bins_is_rejected(client_for, credit_manager, default_card):
    before = ScorecardVersion.objects.count()
    data = editor_data(default_card, **{f"cat_{SIZE_CLASS}_3": ["small", "micro"]})
    response = client_for(credit_manager).post(edit_url(default_card), data)
    text = text_of(response)
    assert response.status_code == 200 and ScorecardVersion.objects.count() == before
    errors = re.search(rf'id="id_cat_{SIZE_CLASS}_3_errors">(.*?)</ul>', text)
    assert errors is not None and "Small is already in bin 3." in errors.group(1)
    assert f'id="id_cat_{SIZE_CLASS}_2_errors"' not in text  # the first bin keeps it
    # Nothing lost: both ticks of the user's bin are shown again.
    assert is_checked(text, f"cat_{SIZE_CLASS}_3", "small")
    assert is_checked(text, f"cat_{SIZE_CLASS}_3", "micro")


def test_an_empty_or_unknown_category_bin_is_rejected(client_for, credit_manager, default_card):
    data = editor_data(default_card, **{f"cat_{SIZE_CLASS}_3": "giant"})
    data.pop(f"cat_{SIZE_CLASS}_2")
    text = text_of(client_for(credit_manager).post(edit_url(default_card), data))
    assert re.search(
        rf'id="id_cat_{SIZE_CLASS}_2_errors"><li>Tick at least one category, or remove the bin.',
        text,
    )
    assert re.search(rf'id="id_cat_{SIZE_CLASS}_3_errors"><li>Select a valid choice.', text)
    assert not ScorecardVersion.objects.filter(version=2).exists()


def test_add_a_categorical_bin(client_for, credit_manager):
    # A draft whose size bins are large | medium | small+micro (points 0.03 x score x 10).
    definition = load_template("default-expert").to_dict()
    definition["version"] = 2
    definition["factors"][SIZE_CLASS]["bins"] = [
        {"categories": ["large"], "points": 30.0},
        {"categories": ["medium"], "points": 24.0},
        {"categories": ["small", "micro"], "points": 16.5},
    ]
    with acting_as(credit_manager, channel="system"):
        merged = services.scorecard_version_create(
            definition=definition, user=credit_manager, notes="合并小微"
        )
    client = client_for(credit_manager)
    url = edit_url(merged)
    data = editor_data(merged, bin_action=f"add-{SIZE_CLASS}", w_2="0.041")
    text = text_of(client.post(url, data))
    assert input_value(text, f"bins_{SIZE_CLASS}") == "4" and input_value(text, "w_2") == "0.041"
    assert input_value(text, f"s_{SIZE_CLASS}_3") is None  # the new bin: empty for the user
    assert not any(is_checked(text, f"cat_{SIZE_CLASS}_3", s) for s in ("small", "micro"))
    assert is_checked(text, f"cat_{SIZE_CLASS}_2", "micro")
    assert 'class="form-errors"' not in text  # a layout change, not a save: no errors yet
    # Saved as it is, the new bin is caught empty; then micro moves into it at 20.
    data = editor_data(merged, **{f"bins_{SIZE_CLASS}": "4", f"s_{SIZE_CLASS}_3": "20"})
    text = text_of(client.post(url, data))
    assert f'id="id_cat_{SIZE_CLASS}_3_errors"' in text
    assert "Tick at least one category, or remove the bin." in text
    data.update({f"cat_{SIZE_CLASS}_2": ["small"], f"cat_{SIZE_CLASS}_3": ["micro"]})
    post_ok(client, url, data)
    new = saved("default-expert", 3)
    assert [b["categories"] for b in new.to_dict()["factors"][SIZE_CLASS]["bins"]] == [
        ["large"], ["medium"], ["small"], ["micro"]
    ]
    assert new.score({"size_class": "micro"}).contribution("size_class").points == 6.0  # x 20
    assert new.score({"size_class": "small"}).contribution("size_class").points == 16.5


# --- missing rules ----------------------------------------------------------------------------


def test_missing_rule_worst(client_for, credit_manager, default_card):
    # altman_zone (weight 0.04) was "points" 30 (= 12 points); now "worst" with distress at 10.
    data = editor_data(
        default_card, **{f"mr_{ALTMAN_ZONE}": "worst", f"s_{ALTMAN_ZONE}_2": "10"}
    )
    post_ok(client_for(credit_manager), edit_url(default_card), data)
    new = saved()
    assert new.to_dict()["factors"][ALTMAN_ZONE]["missing"] == {"rule": "worst"}
    missing = new.score({"altman_zone": None}).contribution("altman_zone")
    assert missing.missing_applied and missing.missing_rule == "worst"
    assert missing.points == 4.0  # the worst bin: 0.04 x 10 x 10
    assert saved("default-expert", 1).score({}).contribution("altman_zone").points == 12.0


def test_missing_rule_points_and_neutral(client_for, credit_manager, default_card):
    client = client_for(credit_manager)
    url = edit_url(default_card)
    # current_ratio (weight 0.03) was "worst": "points" needs a score.
    data = editor_data(default_card, **{f"mr_{CURRENT_RATIO}": "points"})
    text = text_of(client.post(url, data))
    assert f'id="id_m_{CURRENT_RATIO}_errors"' in text
    assert "Give the score for a missing value (the rule is fixed points)." in text
    data[f"m_{CURRENT_RATIO}"] = "45"
    data[f"mr_{GROSS_MARGIN}"] = "neutral"  # was points 20: its score is now ignored
    post_ok(client, url, data)
    new = saved()
    assert new.score({}).contribution("current_ratio").points == 13.5  # 0.03 x 45 x 10
    # neutral, expert: the middle of 0 and 20 points (0.02 x 100 x 10).
    assert new.score({}).contribution("gross_margin").points == 10.0
    assert new.to_dict()["factors"][GROSS_MARGIN]["missing"] == {"rule": "neutral"}


# --- numeric bins -----------------------------------------------------------------------------


def test_split_a_numeric_bin_then_save(client_for, credit_manager, default_card):
    client = client_for(credit_manager)
    url = edit_url(default_card)
    # current_ratio: [1.0, 1.2) -> 50 is split; the weight typed before the split is kept.
    data = editor_data(default_card, bin_action=f"split-{CURRENT_RATIO}-2", w_3="0.031")
    response = client.post(url, data)
    text = text_of(response)
    assert response.status_code == 200 and not ScorecardVersion.objects.filter(version=2).exists()
    assert input_value(text, "w_3") == "0.031"
    assert input_value(text, "bins_0") == "7"
    assert [input_value(text, f"c_0_{j}") for j in range(6)] == [
        "0.8", "1.0", None, "1.2", "1.5", "2.0"
    ]
    assert [input_value(text, f"s_0_{j}") for j in range(7)] == [
        "0.0", "25.0", "50.0", "50.0", "70.0", "90.0", "100.0"
    ]
    # The user fills the new bound and scores the new bin, then saves.
    data = editor_data(default_card, bins_0="7")
    drop_bin_fields(data, 0, range(6))
    bounds = ["0.8", "1.0", "1.1", "1.2", "1.5", "2.0"]
    scores = ["0", "25", "50", "60", "70", "90", "100"]
    data.update({f"c_0_{j}": b for j, b in enumerate(bounds)})
    data.update({f"s_0_{j}": s for j, s in enumerate(scores)})
    post_ok(client, url, data)
    bins = saved().to_dict()["factors"][0]["bins"]
    assert [(b["lower"], b["upper"]) for b in bins] == [
        (None, 0.8), (0.8, 1.0), (1.0, 1.1), (1.1, 1.2), (1.2, 1.5), (1.5, 2.0), (2.0, None)
    ]
    assert saved().score({"current_ratio": 1.15}).contribution("current_ratio").points == 18.0
    assert saved().score({"current_ratio": 1.05}).contribution("current_ratio").points == 15.0


def test_a_split_bin_needs_its_bound(client_for, credit_manager, default_card):
    data = editor_data(default_card, bins_0="7", s_0_6="100")
    for j in range(5, 1, -1):  # shift as the split did, leaving c_0_2 empty
        data[f"c_0_{j}"] = data.get(f"c_0_{j - 1}", "")
        data[f"s_0_{j + 1}"] = data[f"s_0_{j}"]
    data["c_0_2"] = ""
    text = text_of(client_for(credit_manager).post(edit_url(default_card), data))
    assert 'id="id_c_0_2_errors"><li>This field is required.' in text
    assert not ScorecardVersion.objects.filter(version=2).exists()


def test_remove_a_numeric_bin_then_save(client_for, credit_manager, default_card):
    client = client_for(credit_manager)
    url = edit_url(default_card)
    # quick_ratio: <0.5 -> 0, [0.5, 0.8) -> 40, [0.8, 1) -> 70, >=1 -> 100; remove [0.5, 0.8).
    data = editor_data(default_card, bin_action=f"remove-{QUICK_RATIO}-1")
    text = text_of(client.post(url, data))
    assert input_value(text, "bins_1") == "3"
    assert [input_value(text, f"c_1_{j}") for j in range(3)] == ["0.5", "1.0", None]
    assert [input_value(text, f"s_1_{j}") for j in range(4)] == ["0.0", "70.0", "100.0", None]
    data = editor_data(default_card, bins_1="3", c_1_0="0.5", c_1_1="1.0", s_1_1="70",
                       s_1_2="100")
    drop_bin_fields(data, 1, range(3, 4))
    data.pop("c_1_2")
    post_ok(client, url, data)
    bins = saved().to_dict()["factors"][1]["bins"]
    assert [(b["lower"], b["upper"], b["points"]) for b in bins] == [
        (None, 0.5, 0.0), (0.5, 1.0, 14.0), (1.0, None, 20.0)  # 0.02 x 70 x 10, 0.02 x 100 x 10
    ]
    assert saved().score({"quick_ratio": 0.6}).contribution("quick_ratio").points == 14.0


def test_bin_actions_on_the_posted_data():
    from django.http import QueryDict

    factors = expert_factors(load_template("default-expert"))
    posted = QueryDict(mutable=True)
    posted.update({"bins_1": "4", "c_1_0": "0.5", "c_1_1": "0.8", "c_1_2": "1",
                   "s_1_0": "0", "s_1_1": "40", "s_1_2": "70", "s_1_3": "100", "bin_action": "x"})
    last = apply_bin_action(posted, "remove-1-3", factors)  # the last merges into the previous
    assert [last.get(f"c_1_{j}") for j in range(3)] == ["0.5", "0.8", None]
    assert [last.get(f"s_1_{j}") for j in range(4)] == ["0", "40", "70", None]
    assert last["bins_1"] == "3" and "bin_action" not in last
    first = apply_bin_action(posted, "remove-1-0", factors)  # the first merges into the next
    assert [first.get(f"c_1_{j}") for j in range(2)] == ["0.8", "1"]
    assert [first.get(f"s_1_{j}") for j in range(3)] == ["40", "70", "100"]
    top = apply_bin_action(posted, "split-1-3", factors)  # the open top bin gets a new bound
    assert [top.get(f"c_1_{j}") for j in range(4)] == ["0.5", "0.8", "1", ""]
    assert top["bins_1"] == "5" and top["s_1_4"] == "100"
    one = QueryDict(mutable=True)
    one.update({"bins_24": "1", "s_24_0": "100"})
    assert apply_bin_action(one, "remove-24-0", factors)["bins_24"] == "1"  # never below one
    for nonsense in ("remove-99-0", "add-1", "split-13-0", "explode-1-1", "remove-1-9"):
        assert apply_bin_action(posted, nonsense, factors)["bins_1"] == "4"


# --- segments ---------------------------------------------------------------------------------


def test_a_segment_variant_matches_only_its_segment(client_for, credit_manager, default_card):
    data = editor_data(
        default_card,
        name="制造业小微企业评分卡",
        new_key="manufacturing-small",
        seg_sections=["C"],
        seg_sizes=["small", "micro"],
    )
    post_ok(client_for(credit_manager), edit_url(default_card), data)
    version = ScorecardVersion.objects.get(key="manufacturing-small")
    assert version.version == 1 and version.status == "draft"
    assert version.segment == {"industry_sections": ["C"], "size": ["micro", "small"]}
    assert version.definition["meta"]["based_on_key"] == "default-expert"
    assert not ScorecardVersion.objects.filter(key="default-expert", version=2).exists()
    variant = Scorecard.from_dict(version.definition)
    assert variant.segment is not None
    assert variant.segment.matches(industry_section="C", size_class="small")
    assert variant.segment.matches(industry_section="C", size_class="micro")
    assert not variant.segment.matches(industry_section="C", size_class="large")
    assert not variant.segment.matches(industry_section="G", size_class="small")
    assert not variant.segment.matches(industry_section=None, size_class=None)
    default = saved("default-expert", 1)
    pool = [default, variant]
    assert select_scorecard(pool, industry_section="C", size_class="micro") is variant
    assert select_scorecard(pool, industry_section="G", size_class="micro") is default


def test_the_default_card_keeps_its_key_only_without_a_segment(
    client_for, credit_manager, default_card
):
    data = editor_data(default_card, seg_sizes=["micro"])
    text = text_of(client_for(credit_manager).post(edit_url(default_card), data))
    assert 'id="id_new_key_errors"' in text and "Give the variant a new key." in text
    assert is_checked(text, "seg_sizes", "micro")  # kept
    data = editor_data(default_card, new_key="small-firm-expert")
    text = text_of(client_for(credit_manager).post(edit_url(default_card), data))
    assert "A scorecard with this key already exists." in text
    assert ScorecardVersion.objects.filter(version=2).count() == 0


def test_change_the_segment_of_a_segment_card(client_for, credit_manager, small_firm_card):
    text = text_of(client_for(credit_manager).get(edit_url(small_firm_card)))
    assert is_checked(text, "seg_sizes", "micro") and is_checked(text, "seg_sizes", "small")
    assert not is_checked(text, "seg_sizes", "large") and not is_checked(text, "seg_sections", "C")
    data = editor_data(small_firm_card, seg_sizes=["micro"], seg_sections=["F", "G"])
    post_ok(client_for(credit_manager), edit_url(small_firm_card), data)
    new = saved("small-firm-expert", 2)
    assert new.segment is not None
    assert new.segment.matches(industry_section="G", size_class="micro")
    assert not new.segment.matches(industry_section="G", size_class="small")
    assert not new.segment.matches(industry_section="C", size_class="micro")


def test_section_labels_come_from_the_industry_table(client_for, credit_manager, default_card):
    text = text_of(client_for(credit_manager).get(edit_url(default_card)))
    assert re.search(r'name="seg_sections" value="C"[^>]*> C Manufacturing</label>', text)
    for code in "ABCDEFGHIJKLMNOPQRST":  # the default card: no section ticked
        assert not is_checked(text, "seg_sections", code)
    client = client_for(credit_manager)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    text = text_of(client.get(edit_url(default_card)))
    assert re.search(r'name="seg_sections" value="C"[^>]*> C 制造业</label>', text)


# --- bad input keeps everything ---------------------------------------------------------------


def test_bad_input_keeps_the_users_values(client_for, credit_manager, default_card):
    # A split bin with its new bound, a moved category, a new rule, a segment and a key: and one
    # mistake (a score above 100). Everything comes back as typed.
    data = editor_data(
        default_card,
        bins_0="7",
        s_0_6="100",
        new_key="variant-x",
        seg_sections=["C", "D"],
        seg_sizes=["medium"],
        **{f"mr_{ALTMAN_ZONE}": "neutral", f"cat_{SIZE_CLASS}_3": ["micro", "small"],
           f"s_{SIZE_CLASS}_3": "130", "w_5": "0.021"},
    )
    for j in range(5, 2, -1):
        data[f"c_0_{j}"] = data[f"c_0_{j - 1}"]
        data[f"s_0_{j}"] = data.get(f"s_0_{j - 1}")
    data["c_0_2"], data["s_0_2"] = "1.1", "55"
    data.pop(f"cat_{SIZE_CLASS}_2")
    data[f"cat_{SIZE_CLASS}_2"] = ["medium"]  # medium also in bin 2: a second mistake
    before = ScorecardVersion.objects.count()
    response = client_for(credit_manager).post(edit_url(default_card), data)
    text = text_of(response)
    assert response.status_code == 200 and ScorecardVersion.objects.count() == before
    assert f'id="id_s_{SIZE_CLASS}_3_errors"' in text
    assert f'id="id_cat_{SIZE_CLASS}_2_errors"' in text
    assert input_value(text, "bins_0") == "7" and input_value(text, "c_0_2") == "1.1"
    assert input_value(text, "s_0_2") == "55" and input_value(text, "w_5") == "0.021"
    assert input_value(text, f"s_{SIZE_CLASS}_3") == "130"
    assert input_value(text, "new_key") == "variant-x"
    assert is_checked(text, f"cat_{SIZE_CLASS}_3", "micro")
    assert is_checked(text, f"cat_{SIZE_CLASS}_3", "small")
    assert is_checked(text, "seg_sections", "D") and is_checked(text, "seg_sizes", "medium")
    assert re.search(rf'<select name="mr_{ALTMAN_ZONE}"[^>]*>.*?<option value="neutral" selected',
                     text)


def test_engine_error_paths_map_to_fields():
    fields = {"w_2": 1, "s_2_1": 1, "cat_3_0": 1, "o_3": 1, "m_2": 1, "mr_2": 1, "c_2_0": 1,
              "c_2_1": 1, "seg_sizes": 1}
    assert field_for_path("factors[2].weight", fields) == "w_2"
    assert field_for_path("factors[2].bins[1].score", fields) == "s_2_1"
    assert field_for_path("factors[3].bins[0].categories", fields) == "cat_3_0"
    assert field_for_path("factors[3].other_score", fields) == "o_3"
    assert field_for_path("factors[2].missing.points", fields) == "m_2"
    assert field_for_path("factors[2].missing.rule", fields) == "mr_2"
    assert field_for_path("factors[2].bins[1]", fields) == "c_2_0"  # its lower bound
    assert field_for_path("factors[2].bins[0]", fields) == "c_2_0"  # the first: its upper
    assert field_for_path("segment.size[0]", fields) == "seg_sizes"
    assert field_for_path("weights", fields) is None
    assert field_for_path("factors[9].weight", fields) is None  # no such field
