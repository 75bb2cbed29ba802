"""The Rating tab of the customer page: permissions, content on a rated customer (grade, reasons,
contributions, the data used, what would change the grade, history), the access log, and the
tab's forms (rate now, credit event, override proposal and decision) with bad input."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from credo.core.context import acting_as
from credo.core.models import AccessLog
from credo.rating import presenters, services
from credo.rating.messages import feature_label
from credo.rating.models import CreditEvent, Rating, RatingOverride

pytestmark = pytest.mark.django_db


def tab_url(customer) -> str:
    return reverse("web:customer_detail", args=[customer.pk]) + "?tab=rating"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def section(response, section_id: str) -> str:
    """The HTML of one ``<section id=...>`` (or ``<details id=...>``) of the page."""
    text = response.content.decode()
    start = text.index(f'id="{section_id}"')
    end = min(i for i in (text.find("</section>", start), text.find("</details>", start)) if i > 0)
    return re.sub(r"\s+", " ", text[start:end])


@pytest.fixture
def customer(make_customer, account_manager):
    return make_customer(owner=account_manager, name_zh="福建评级测试有限公司", legal_form="llc")


@pytest.fixture
def rated(customer, analyst):
    with acting_as(analyst, channel="system"):
        services.customer_rate(customer=customer, trigger="manual", user=analyst)
    return customer


@pytest.fixture
def current(rated):
    return Rating.objects.get(customer=rated, is_current=True)


@pytest.fixture
def pending(current, analyst):
    with acting_as(analyst, channel="system"):
        return services.rating_override_propose(
            rating=current, grade="BB", reason="担保人实力强", user=analyst
        )


# --- permissions ------------------------------------------------------------------------------


def test_tab_permissions(
    client_for,
    rated,
    account_manager,
    other_account_manager,
    service_agent,
    no_role_user,
    viewer,
    auditor,
):
    assert client_for(account_manager).get(tab_url(rated)).status_code == 200  # own customer
    assert client_for(viewer).get(tab_url(rated)).status_code == 200
    assert client_for(auditor).get(tab_url(rated)).status_code == 200
    assert client_for(other_account_manager).get(tab_url(rated)).status_code == 404
    # A service agent sees the customer but holds no rating permission.
    assert client_for(service_agent).get(tab_url(rated)).status_code == 403
    assert client_for(no_role_user).get(tab_url(rated)).status_code == 403
    page = client_for(service_agent).get(reverse("web:customer_detail", args=[rated.pk]))
    assert "?tab=rating" not in page.content.decode()  # no tab link without the permission


def test_tab_link_and_htmx_partial(client_for, analyst, rated):
    client = client_for(analyst)
    page = client.get(reverse("web:customer_detail", args=[rated.pk])).content.decode()
    assert "?tab=rating" in page
    partial = client.get(
        reverse("web:customer_tab", args=[rated.pk, "rating"]), headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200 and 'id="rating-summary"' in partial.content.decode()


# --- content ----------------------------------------------------------------------------------


def test_tab_shows_the_rating_and_its_explanation(client_for, analyst, current):
    response = client_for(analyst).get(tab_url(current.customer))
    assert response.status_code == 200
    summary = section(response, "rating-summary")
    badge = presenters.grade_badge(current.grade)
    assert f'data-grade="{current.grade}"' in summary and badge.label in summary
    assert f"grade-{badge.grade_class.lower()}" in summary  # the colour follows the class
    assert "chart-gauge" in summary and "<svg" in summary
    assert presenters.pd_percent(current.pd) in summary
    assert "default-expert v1" in summary and "Manual" in summary

    reasons = section(response, "rating-reasons")
    for reason in current.reasons:
        assert feature_label(reason["key"]) in reasons
    top = current.reasons[0]
    assert f"{top['points_lost']:g} points lost" in reasons

    contributions = section(response, "rating-contributions")
    assert len(current.contributions) == contributions.count("data-factor=")
    assert "Financial position" in contributions and "Payment record" in contributions
    # No statement: the missing rule applied, with the rule and why.
    row = re.search(r'data-factor="current_ratio".*?</tr>', contributions).group(0)
    assert "worst bin&#x27;s points" in row and "no statement" in row

    data = section(response, "rating-data")
    assert 'data-feature="years_in_business"' in data and "founding date missing" in data

    improvements = section(response, "rating-improvements")
    found = presenters.improvements(current)
    assert found["target"] is not None
    assert f"to {found['target'].code}" in improvements
    for change in found["changes"]:
        assert f'data-factor="{change["key"]}"' in improvements

    history = section(response, "rating-history")
    assert "chart-bands" in history and f'data-rating="{current.pk}"' in history


def test_content_security_policy_holds(client_for, analyst, current):
    html = client_for(analyst).get(tab_url(current.customer)).content.decode()
    start = html.index('<div class="rcv rating">')
    assert " style=" not in html[start:] and "<script" not in html[start:]


def test_tab_in_chinese_shows_chinese_grade_labels(client_for, analyst, current):
    client = client_for(analyst)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    text = text_of(client.get(tab_url(current.customer)))
    with translation.override("zh-hans"):
        badge = presenters.grade_badge(current.grade)
    assert badge.label in text and badge.class_label in text  # e.g. 信用很差, C类
    assert "资产及财务状况" in text  # dimension label


def test_unrated_customer(client_for, analyst, customer):
    text = text_of(client_for(analyst).get(tab_url(customer)))
    assert "has not been rated yet" in text and "Rate now" in text


def test_every_view_writes_the_access_log(client_for, account_manager, current):
    client = client_for(account_manager)
    client.get(tab_url(current.customer))
    client.get(tab_url(current.customer))
    entries = AccessLog.objects.filter(customer_id=current.customer_id, resource="rating.customer")
    assert entries.count() == 2
    assert {entry.user_id for entry in entries} == {account_manager.pk}
    assert entries.first().detail == f"rating={current.pk}"


def test_buttons_and_forms_follow_permissions(client_for, account_manager, viewer, analyst, rated):
    mine = text_of(client_for(account_manager).get(tab_url(rated)))
    assert "Record credit event" in mine  # owners record news
    assert "Rate now" not in mine and "Propose another grade" not in mine
    read_only = text_of(client_for(viewer).get(tab_url(rated)))
    assert "Record credit event" not in read_only and "Rate now" not in read_only
    analyst_text = text_of(client_for(analyst).get(tab_url(rated)))
    assert "Rate now" in analyst_text and "Propose another grade" in analyst_text


# --- rate now ---------------------------------------------------------------------------------


def test_rate_now(client_for, analyst, customer):
    response = client_for(analyst).post(reverse("web:rating_rate", args=[customer.pk]))
    assert response.status_code == 302 and response["Location"].endswith("?tab=rating")
    rating = Rating.objects.get(customer=customer)
    assert rating.trigger == "manual" and rating.rated_by == analyst


def test_rate_now_permissions(client_for, account_manager, other_account_manager, viewer, customer):
    url = reverse("web:rating_rate", args=[customer.pk])
    assert client_for(account_manager).post(url).status_code == 403  # no rating.add_rating
    assert client_for(viewer).post(url).status_code == 403
    assert client_for(account_manager).get(url).status_code == 405
    assert not Rating.objects.exists()


def test_rate_now_invisible_customer_is_404(client_for, analyst, make_customer, credit_manager):
    from credo.customers.models import Customer

    missing = (Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 99
    url = reverse("web:rating_rate", args=[missing])
    assert client_for(analyst).post(url).status_code == 404


# --- credit events ----------------------------------------------------------------------------


def test_account_manager_records_news_on_own_customer(
    client_for, account_manager, rated, django_capture_on_commit_callbacks
):
    url = reverse("web:rating_event_create", args=[rated.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(account_manager).post(
            url,
            {"kind": "news", "occurred_on": timezone.localdate().isoformat(), "note": "新闻"},
        )
    assert response.status_code == 302
    event = CreditEvent.objects.get(customer=rated)
    assert event.kind == "news" and event.recorded_by == account_manager
    event.refresh_from_db()
    assert event.processed_at is not None and event.rating.trigger == "event"


def test_credit_event_permissions(client_for, other_account_manager, viewer, rated):
    url = reverse("web:rating_event_create", args=[rated.pk])
    data = {"kind": "news", "occurred_on": timezone.localdate().isoformat()}
    assert client_for(other_account_manager).post(url, data).status_code == 404
    assert client_for(viewer).post(url, data).status_code == 403
    assert not CreditEvent.objects.exists()


def test_credit_event_in_the_future_is_refused(client_for, account_manager, rated):
    url = reverse("web:rating_event_create", args=[rated.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client_for(account_manager).post(
        url, {"kind": "news", "occurred_on": tomorrow.isoformat()}
    )
    assert response.status_code == 200
    assert "The event cannot have occurred in the future." in text_of(response)
    assert 'id="rating-event-form" open' in response.content.decode()
    response = client_for(account_manager).post(url, {"kind": "rumour", "occurred_on": ""})
    text = text_of(response)
    assert "Select a valid choice." in text and "This field is required." in text
    assert not CreditEvent.objects.exists()


# --- overrides --------------------------------------------------------------------------------


def test_propose_override(client_for, analyst, current):
    url = reverse("web:rating_override_propose", args=[current.customer_id])
    response = client_for(analyst).post(url, {"proposed_grade": "BB", "reason": "担保人实力强"})
    assert response.status_code == 302
    override = RatingOverride.objects.get()
    assert (override.rating, override.proposed_grade, override.status) == (current, "BB", "pending")
    text = text_of(client_for(analyst).get(tab_url(current.customer)))
    assert 'id="rating-pending"' in text and "担保人实力强" in text
    assert "Awaiting a credit manager" in text


def test_override_without_reason_writes_nothing(client_for, analyst, current):
    url = reverse("web:rating_override_propose", args=[current.customer_id])
    response = client_for(analyst).post(url, {"proposed_grade": "BB", "reason": "  "})
    assert response.status_code == 200
    assert "Give the reason for the override." in section(response, "rating-propose")
    assert not RatingOverride.objects.exists()


def test_override_without_reason_in_chinese(client_for, analyst, current):
    client = client_for(analyst)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    url = reverse("web:rating_override_propose", args=[current.customer_id])
    response = client.post(url, {"proposed_grade": "BB", "reason": ""})
    with translation.override("zh-hans"):
        expected = translation.gettext("Give the reason for the override.")  # 请填写评级调整原因。
    text = text_of(response)
    assert '<html lang="zh-hans">' in text and expected in text
    assert not RatingOverride.objects.exists()


def test_override_grade_not_on_the_scale_writes_nothing(client_for, analyst, current):
    url = reverse("web:rating_override_propose", args=[current.customer_id])
    response = client_for(analyst).post(url, {"proposed_grade": "ZZZ", "reason": "试试"})
    assert response.status_code == 200
    assert "ZZZ is not a grade of the scale" in section(response, "rating-propose")
    response = client_for(analyst).post(url, {"proposed_grade": current.grade, "reason": "同级"})
    assert "The proposed grade is the rating&#x27;s grade." in text_of(response)
    assert not RatingOverride.objects.exists()


def test_propose_permissions(client_for, account_manager, viewer, other_account_manager, current):
    url = reverse("web:rating_override_propose", args=[current.customer_id])
    data = {"proposed_grade": "BB", "reason": "x"}
    assert client_for(account_manager).post(url, data).status_code == 403
    assert client_for(viewer).post(url, data).status_code == 403
    assert not RatingOverride.objects.exists()


def test_propose_on_unrated_customer_is_404(client_for, analyst, customer):
    url = reverse("web:rating_override_propose", args=[customer.pk])
    assert client_for(analyst).post(url, {"proposed_grade": "BB", "reason": "x"}).status_code == 404


def test_credit_manager_approves_from_the_tab(client_for, credit_manager, pending):
    client = client_for(credit_manager)
    text = text_of(client.get(tab_url(pending.customer)))
    assert 'name="action" value="approve"' in text  # the decision form is there
    url = reverse("web:rating_override_decide", args=[pending.pk])
    response = client.post(url, {"action": "approve", "decision_note": "同意"})
    assert response.status_code == 302 and response["Location"].endswith("?tab=rating")
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.decided_by == credit_manager
    new = Rating.objects.get(customer=pending.customer, is_current=True)
    assert new.grade == "BB" and new.trigger == "override"
    text = text_of(client.get(tab_url(pending.customer)))
    assert 'id="rating-override-note"' in text


def test_reject_needs_a_note(client_for, credit_manager, pending):
    url = reverse("web:rating_override_decide", args=[pending.pk])
    response = client_for(credit_manager).post(url, {"action": "reject", "decision_note": ""})
    assert response.status_code == 200
    assert "Give the reason for the rejection." in text_of(response)
    pending.refresh_from_db()
    assert pending.status == "pending"
    response = client_for(credit_manager).post(url, {"action": "reject", "decision_note": "不足"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "rejected"


def test_decide_permissions(client_for, analyst, account_manager, other_account_manager, pending):
    url = reverse("web:rating_override_decide", args=[pending.pk])
    assert client_for(analyst).post(url, {"action": "approve"}).status_code == 403
    assert client_for(account_manager).post(url, {"action": "approve"}).status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_nobody_decides_on_their_own_override(client_for, credit_manager, current):
    with acting_as(credit_manager, channel="system"):
        own = services.rating_override_propose(
            rating=current, grade="B", reason="自己提议", user=credit_manager
        )
    client = client_for(credit_manager)
    text = text_of(client.get(tab_url(current.customer)))
    assert "Your own proposal" in text and 'value="approve"' not in text
    url = reverse("web:rating_override_decide", args=[own.pk])
    assert client.post(url, {"action": "approve"}).status_code == 403
    own.refresh_from_db()
    assert own.status == "pending"


def test_unknown_decision_is_404(client_for, credit_manager, pending):
    url = reverse("web:rating_override_decide", args=[pending.pk])
    assert client_for(credit_manager).post(url, {"action": "maybe"}).status_code == 404


def test_tab_shows_the_recommendation_and_the_next_review(client_for, account_manager, current):
    from credo.rating import selectors

    response = client_for(account_manager).get(tab_url(current.customer))
    reco = section(response, "rating-recommendation")
    terms = selectors.terms_recommendation(current.customer)
    for method in terms.methods:
        assert method.label in reco
    review = selectors.open_review(current.customer)
    assert review is not None and 'id="rating-next-review"' in reco
    assert "overdue" not in re.search(r'id="rating-next-review".*?</dd>', reco).group(0)
    limit = selectors.limit_recommendation(customer=current.customer)
    for method in limit.methods:
        assert f'data-method="{method.method}"' in response.content.decode()


# Chinese texts of a few engine messages, put in the catalogue for the test (the translator
# fills the real catalogue): the tab must render the structured notes and lines through them.
ZH_TEST_TEXTS = {
    "founding date missing": "缺少成立日期",
    "no statement ending on or before %(as_of)s": "%(as_of)s 或之前无财务报表",
    "Recommended limit: %(amount)s": "建议额度：%(amount)s",
    "Recommended limit: none (no method gave an amount)": "建议额度：无（各方法均未得出金额）",
    "%(method)s: missing input: %(inputs)s": "%(method)s：缺少输入：%(inputs)s",
}


@pytest.fixture
def zh_engine_texts():
    from django.utils.translation import trans_real

    catalog = trans_real.translation("zh-hans")._catalog
    before = {msgid: catalog.get(msgid) for msgid in ZH_TEST_TEXTS}
    for msgid, text in ZH_TEST_TEXTS.items():
        catalog[msgid] = text
    yield ZH_TEST_TEXTS
    for msgid, old in before.items():
        if old is None:
            catalog._catalogs[0].pop(msgid, None)
        else:
            catalog[msgid] = old


def test_tab_in_chinese_shows_chinese_notes_and_calculation_lines(
    client_for, analyst, current, zh_engine_texts
):
    # The stored snapshot keeps the structured form (code + parameters) next to the English.
    stored = current.features["years_in_business"]
    assert stored["note_message"] == {"code": "feature.founding_date_missing", "params": {}}
    assert current.features["current_ratio"]["note_message"]["code"] == "feature.no_statement"

    client = client_for(analyst)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = client.get(tab_url(current.customer))
    data = section(response, "rating-data")
    assert "缺少成立日期" in data and "founding date missing" not in data
    assert "或之前无财务报表" in data and "no statement ending" not in data
    contributions = section(response, "rating-contributions")
    row = re.search(r'data-factor="current_ratio".*?</tr>', contributions).group(0)
    assert "或之前无财务报表" in row  # why the missing rule applied, from the structured note
    calculation = section(response, "rating-reco-calculation")
    assert "建议额度：" in calculation and "Recommended limit" not in calculation
    assert "缺少输入" in calculation  # the methods without input, in Chinese
    with translation.override("zh-hans"):
        equity = str(presenters.render_message(
            {"code": "limit.method_missing_input",
             "params": {"method": "tangible_net_worth", "inputs": "equity"}}))
    assert equity in calculation  # method label and input label translated too


def test_older_ratings_with_plain_texts_still_show(client_for, analyst, current):
    features = dict(current.features)
    old = {k: v for k, v in features["years_in_business"].items()
           if k not in ("note_message", "source_message")}
    old["note"] = "an older plain note"
    features["years_in_business"] = old
    Rating.objects.filter(pk=current.pk).update(features=features)
    data = section(client_for(analyst).get(tab_url(current.customer)), "rating-data")
    assert "an older plain note" in data
