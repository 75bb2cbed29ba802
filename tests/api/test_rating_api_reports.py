"""The rating reports and worklists of the API: back-testing (figures of a hand-built history
against ``credo.rating.backtest``, one ledger read, bad input, refusals, access log), a scorecard
version's validation report, the credit-review worklist (visibility, overdue, pages) and the
user's own notifications (list, mark one, mark all)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation

from credo.core.context import acting_as
from credo.core.models import AccessLog
from credo.customers.models import TeamMember
from credo.rating import backtest, defaults, services
from credo.rating.defaults import DefaultDefinition
from credo.rating.engine.scorecard import load_template
from credo.rating.engine.validation import FactorIV, build_report
from credo.rating.messages import feature_label, notification_message
from credo.rating.models import CreditReview, Notification, ScorecardVersion
from credo.receivables.metrics import add_months
from tests.rating.histories import five_customer_history

from .conftest import assert_error

pytestmark = pytest.mark.django_db

BACKTEST = "/api/v1/rating/backtest"
REVIEWS = "/api/v1/rating/reviews"
NOTIFICATIONS = "/api/v1/rating/notifications"
START = dt.date(2024, 1, 1)  # window 1 Jan 2024 to 1 Jan 2025, default = 90+ days past due
# The hand-built amounts are small: no materiality thresholds unless a test says so.
QUERY = {"start": "2024-01-01", "months": "12", "default_days": "90", "min_amount": "0",
         "min_percent": "0"}
ANY = DefaultDefinition(min_amount=Decimal(0), min_share=Decimal(0))


@pytest.fixture
def history(make_customer, credit_manager, analyst):
    """The five-customer history of ``tests.rating.histories.five_customer_history``."""
    return five_customer_history(make_customer, credit_manager, analyst, key="backtest-api")


def _row(rows: list[dict], grade: str) -> dict:
    return next(row for row in rows if row["grade"] == grade)


# --- back-testing: figures ----------------------------------------------------------------------


def test_backtest_figures_match_the_reports(api_as, analyst, history):
    response = api_as(analyst).get(BACKTEST, **QUERY)
    assert response.status_code == 200, response.content
    body = response.json()

    rates = backtest.default_rate_by_grade(window_start=START, definition=ANY)
    matrix = backtest.migration_matrix(start=START, end=rates.window_end)
    limits = backtest.limit_effectiveness(window_start=START, definition=ANY)
    # The API answers the reports' own JSON, figure for figure.
    assert body["default_rates"] == rates.to_dict()
    assert body["migration"] == matrix.to_dict()
    assert body["limits"] == limits.to_dict()

    # ... and those are the hand-computed figures of the history.
    assert body["definition"]["code"] == "90dpd12m"
    assert body["definition"]["min_amount"] == "0" and body["definition"]["min_share"] == "0"
    assert body["definition"]["text"].startswith("90+ days past due within 12 months")
    assert body["window_open"] is False
    rated = body["default_rates"]
    assert (rated["window_start"], rated["window_end"]) == ("2024-01-01", "2025-01-01")
    assert (rated["customers"], rated["defaults"], rated["excluded_in_default"]) == (4, 2, 1)
    assert rated["default_rate"] == 0.5 and rated["monotone"] is True
    assert _row(rated["rows"], "AAA") == {
        "grade": "AAA", "customers": 1, "defaults": 0, "default_rate": 0.0}
    assert _row(rated["rows"], "A") == {
        "grade": "A", "customers": 2, "defaults": 1, "default_rate": 0.5}
    assert _row(rated["rows"], "C") == {
        "grade": "C", "customers": 1, "defaults": 1, "default_rate": 1.0}
    assert _row(rated["rows"], "BBB")["default_rate"] is None

    migration = body["migration"]
    assert migration["end"] == "2025-01-01" and migration["customers"] == 5
    assert (migration["upgrades"], migration["downgrades"], migration["unchanged"]) == (1, 1, 3)
    grades = migration["grades"]
    a_row = grades.index("A")
    assert migration["counts"][a_row][grades.index("A")] == 1
    assert migration["counts"][a_row][grades.index("AA")] == 1
    assert migration["shares"][a_row][grades.index("AA")] == 0.5
    assert migration["counts"][grades.index("AAA")][grades.index("BB")] == 1

    total = body["limits"]["total"]
    assert (total["customers_with_limit"], total["defaults"], total["over_limit_at_default"]) \
        == (3, 2, 2)
    assert total["limits_total"] == "6300.00" and total["exposure_at_default_total"] == "1700.00"
    assert total["defaulted_limits_total"] == "1300.00"
    assert total["exposure_to_limit"] == pytest.approx(1700 / 1300)
    a_limit = _row(body["limits"]["rows"], "A")
    assert (a_limit["customers_with_limit"], a_limit["defaults"]) == (1, 1)
    assert (a_limit["limits_total"], a_limit["exposure_at_default_total"]) == ("800.00", "1000.00")
    assert a_limit["exposure_to_limit"] == 1.25
    assert body["limits"]["currency"] == "CNY"


def test_backtest_reads_the_ledger_once(api_as, analyst, history, monkeypatch):
    calls: list[tuple[dt.date, dt.date]] = []
    real = defaults.ledger_rows

    def counting(*, start, end, customer_ids=None):
        calls.append((start, end))
        return real(start=start, end=end, customer_ids=customer_ids)

    # Both the handler's read and any read the reports would make themselves are counted.
    monkeypatch.setattr(backtest, "ledger_rows", counting)
    monkeypatch.setattr(defaults, "ledger_rows", counting)
    assert api_as(analyst).get(BACKTEST, **QUERY).status_code == 200
    assert calls == [(START, dt.date(2025, 1, 1))]


def test_backtest_shorter_window_and_migration_end(api_as, analyst, history):
    # 3 months with 60 days: c4 (30 Jan) defaults, c2's item only on 30 April.
    query = {**QUERY, "months": "3", "default_days": "60", "end": "2024-06-15"}
    body = api_as(analyst).get(BACKTEST, **query).json()
    assert body["definition"]["code"] == "60dpd3m"
    assert body["default_rates"]["window_end"] == "2024-04-01"
    assert (body["default_rates"]["customers"], body["default_rates"]["defaults"]) == (4, 1)
    # To 15 June 2024: c1's downgrade counts, c3's upgrade (1 July) not yet.
    migration = body["migration"]
    assert migration["end"] == "2024-06-15"
    assert (migration["upgrades"], migration["downgrades"]) == (0, 1)
    assert migration == backtest.migration_matrix(start=START, end=dt.date(2024, 6, 15)).to_dict()


def test_backtest_materiality_and_empty_fields(api_as, analyst, history):
    client = api_as(analyst)
    # From 1,000 and 1 %: c2's 1,000 defaults, c4's 700 does not; c5's 400 is no longer in
    # default at the start, so it joins the C customers and does not default either.
    material = client.get(BACKTEST, **{**QUERY, "min_amount": "1000", "min_percent": "1"}).json()
    rated = material["default_rates"]
    assert _row(rated["rows"], "C") == {
        "grade": "C", "customers": 2, "defaults": 0, "default_rate": 0.0}
    assert (rated["customers"], rated["defaults"], rated["excluded_in_default"]) == (5, 1, 0)
    assert material["definition"]["min_share"] == "0.01"
    # Empty thresholds take the configured definition: 1,000 and 1 %, the same figures.
    empty = client.get(BACKTEST, **{**QUERY, "min_amount": "", "min_percent": ""}).json()
    assert empty["definition"]["min_amount"] == "1000"
    assert empty["definition"]["min_share"] == "0.01"
    assert empty["default_rates"] == rated
    # 1,000.01 and up: nobody.
    above = client.get(BACKTEST, **{**QUERY, "min_amount": "1000.01"}).json()
    assert above["default_rates"]["defaults"] == 0


def test_backtest_defaults_without_parameters(api_as, credit_manager):
    body = api_as(credit_manager).get(BACKTEST).json()
    today = timezone.localdate()
    assert body["definition"]["code"] == "90dpd12m"
    assert body["definition"]["min_amount"] == "1000"
    assert body["default_rates"]["window_start"] == add_months(today, -12).isoformat()
    assert body["migration"]["end"] == body["default_rates"]["window_end"]
    assert body["default_rates"]["customers"] == 0


# --- back-testing: refusals, bad input, access log ------------------------------------------------


def test_backtest_permissions(api_as, account_manager, service_agent, viewer, auditor):
    # Account managers hold rating.view_rating but see only their own customers.
    assert account_manager.has_perm("rating.view_rating")
    assert_error(api_as(account_manager).get(BACKTEST), 403, "permission_denied")
    # Service agents see every customer but no ratings.
    assert_error(api_as(service_agent).get(BACKTEST), 403, "permission_denied")
    assert_error(Client().get(BACKTEST), 401, "not_authenticated")
    assert not AccessLog.objects.filter(resource="rating.backtest").exists()
    assert api_as(viewer).get(BACKTEST).status_code == 200
    assert api_as(auditor).get(BACKTEST).status_code == 200


def test_backtest_bad_input_names_the_fields(api_as, analyst, history):
    client = api_as(analyst)
    body = assert_error(client.get(BACKTEST, **{**QUERY, "months": "0"}), 400, "invalid")
    assert body["field_errors"] == {
        "months": ["Ensure this value is greater than or equal to 1."]}

    body = assert_error(
        client.get(BACKTEST, **{**QUERY, "months": "61", "default_days": "45"}), 400, "invalid")
    assert set(body["field_errors"]) == {"months", "default_days"}
    assert body["field_errors"]["default_days"] == ["Choose one of 30, 60, 90, 180 days."]

    body = assert_error(client.get(BACKTEST, **{**QUERY, "end": "2023-12-01"}), 400, "invalid")
    assert body["field_errors"] == {"end": ["The end must not be before the start."]}

    body = assert_error(
        client.get(BACKTEST, **{**QUERY, "min_amount": "-5", "min_percent": "150"}),
        400, "invalid")
    assert set(body["field_errors"]) == {"min_amount", "min_percent"}

    body = assert_error(
        client.get(BACKTEST, **{**QUERY, "start": "not a date"}), 422, "invalid_request")
    assert body["field_errors"] == {"start": ["Enter a date as YYYY-MM-DD."]}
    body = assert_error(client.get(BACKTEST, **{**QUERY, "months": "x"}), 422, "invalid_request")
    assert body["field_errors"] == {"months": ["Enter a whole number."]}
    # Nothing was computed, so nothing was logged.
    assert not AccessLog.objects.filter(resource="rating.backtest").exists()


def test_backtest_bad_input_in_chinese(api_as, analyst):
    client = api_as(analyst, language="zh-hans")
    response = client.get(BACKTEST, **{**QUERY, "months": "0", "end": "2023-12-01"})
    months = assert_error(response, 400, "invalid")["field_errors"]["months"]
    with translation.override("zh-hans"):
        expected = translation.gettext(
            "Ensure this value is greater than or equal to %(limit_value)s."
        ) % {"limit_value": 1}
    assert months == [expected] and "Ensure" not in expected
    response = client.get(BACKTEST, **{**QUERY, "end": "2023-12-01"})
    with translation.override("zh-hans"):
        expected = translation.gettext("The end must not be before the start.")
    assert assert_error(response, 400, "invalid")["field_errors"]["end"] == [expected]
    assert expected != "The end must not be before the start."


def test_backtest_is_written_to_the_access_log(api_as, analyst, history):
    api_as(analyst).get(BACKTEST, **QUERY)
    entry = AccessLog.objects.get(resource="rating.backtest")
    assert entry.user == analyst and entry.customer_id is None and entry.channel == "api"
    assert entry.detail == (
        "start=2024-01-01 months=12 default_days=90 min_amount=0 min_share=0 end=2025-01-01"
    )


# --- validation report --------------------------------------------------------------------------


def _draft(user, report=None):
    card = load_template("default-expert").to_dict()
    card["version"] = 2
    with acting_as(user, channel="system"):
        return services.scorecard_version_create(
            definition=card, user=user, notes="草稿", validation_report=report
        )


def test_validation_report(api_as, viewer, analyst):
    factors = [
        FactorIV("current_ratio", 0.12, (("[-inf, 1)", 2, 1, -0.4), ("[1, +inf)", 2, 1, 0.3))),
        FactorIV("dishonest_debtor", 0.85, (("[-inf, 0.5)", 4, 0, 1.2), ("[0.5, +inf)", 0, 2, -2.0))),
    ]
    report = build_report(
        [1, 0, 0, 1, 0, 0], [300, 700, 650, 420, 800, 500], card_key="default-expert",
        card_version=2, factors=factors, development_scores=[300, 400, 500, 600, 700, 800],
    ).to_dict()
    version = _draft(analyst, report=report)
    response = api_as(viewer).get(f"/api/v1/scorecards/{version.pk}/validation-report")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["scorecard"], body["key"], body["version"]) == (version.pk, "default-expert", 2)
    assert (body["rows"], body["bads"]) == (6, 2) and body["bad_rate"] == pytest.approx(1 / 3)
    # Both bads score lowest: a perfect ranking.
    assert (body["auc"], body["gini"], body["ks"]) == (1.0, 1.0, 1.0)
    assert body["auc"] == report["auc"] and body["ks_score"] == 420.0 and body["brier"] is None
    assert [row["count"] for row in body["calibration"]] == [1] * 6
    assert body["calibration"] == report["calibration"]
    # Highest information value first, with labels and bins as objects.
    assert [f["key"] for f in body["factors"]] == ["dishonest_debtor", "current_ratio"]
    assert body["factors"][0]["label"] == feature_label("dishonest_debtor")
    assert body["factors"][0]["bins"][1] == {
        "label": "[0.5, +inf)", "goods": 0, "bads": 2, "woe": -2.0}
    assert body["psi"]["psi"] == pytest.approx(report["psi"]["psi"])
    assert body["psi"]["reading"] == report["psi"]["reading"]
    assert len(body["psi"]["rows"]) == len(report["psi"]["rows"])
    assert body["notes"] == report["notes"]


def test_validation_report_missing_or_refused(api_as, viewer, service_agent):
    without = ScorecardVersion.objects.get(key="default-expert", version=1)
    body = assert_error(
        api_as(viewer).get(f"/api/v1/scorecards/{without.pk}/validation-report"), 404, "not_found")
    assert body["message"] == "This scorecard version has no validation report."
    body = assert_error(
        api_as(viewer).get("/api/v1/scorecards/999999/validation-report"), 404, "not_found")
    assert body["message"] == "No such scorecard version."
    assert_error(
        api_as(service_agent).get(f"/api/v1/scorecards/{without.pk}/validation-report"),
        403, "permission_denied")


# --- review worklist ----------------------------------------------------------------------------


@pytest.fixture
def reviews(make_customer, analyst, account_manager, other_account_manager):
    """Three rated customers, each with its open review: the account manager's own (made
    overdue), another manager's, and another manager's where the account manager is in the
    team."""
    mine = make_customer(owner=account_manager, name_zh="福建复核自有有限公司")
    theirs = make_customer(owner=other_account_manager, name_zh="厦门复核他人有限公司")
    team = make_customer(owner=other_account_manager, name_zh="泉州复核团队有限公司")
    with acting_as(analyst, channel="system"):
        TeamMember.objects.create(customer=team, user=account_manager, role="sales")
        for customer in (mine, theirs, team):
            services.customer_rate(customer=customer, trigger="manual", user=analyst)
    found = {
        name: CreditReview.objects.get(customer=customer, status="scheduled")
        for name, customer in {"mine": mine, "theirs": theirs, "team": team}.items()
    }
    today = timezone.localdate()
    CreditReview.objects.filter(pk=found["mine"].pk).update(due_on=today - dt.timedelta(days=3))
    CreditReview.objects.filter(pk=found["team"].pk).update(due_on=today + dt.timedelta(days=10))
    CreditReview.objects.filter(pk=found["theirs"].pk).update(
        due_on=today + dt.timedelta(days=20))
    for review in found.values():
        review.refresh_from_db()
    return found


def test_review_worklist_earliest_due_first(api_as, analyst, reviews):
    response = api_as(analyst).get(REVIEWS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["count"], body["overdue_count"]) == (3, 1)
    assert [item["id"] for item in body["items"]] == [
        reviews["mine"].pk, reviews["team"].pk, reviews["theirs"].pk]
    assert [item["overdue"] for item in body["items"]] == [True, False, False]
    first = body["items"][0]
    mine = reviews["mine"]
    assert first["due_on"] == mine.due_on.isoformat() and first["customer"] == mine.customer_id
    assert first["customer_name"] == "福建复核自有有限公司"
    assert first["account_manager"]["id"] == mine.customer.account_manager_id
    assert first["grade"]["code"] == mine.grade and first["rating"] == mine.rating_id
    overdue = api_as(analyst).get(REVIEWS, overdue="true").json()
    assert [item["id"] for item in overdue["items"]] == [mine.pk] and overdue["count"] == 1


def test_review_worklist_pages(api_as, analyst, reviews):
    body = api_as(analyst).get(REVIEWS, limit=1, offset=1).json()
    assert (body["count"], body["limit"], body["offset"]) == (3, 1, 1)
    assert [item["id"] for item in body["items"]] == [reviews["team"].pk]
    body = assert_error(api_as(analyst).get(REVIEWS, limit=0), 422, "invalid_request")
    assert "limit" in body["field_errors"]


def test_account_manager_sees_own_and_team_reviews(api_as, account_manager, reviews):
    body = api_as(account_manager).get(REVIEWS).json()
    assert [item["id"] for item in body["items"]] == [reviews["mine"].pk, reviews["team"].pk]
    assert (body["count"], body["overdue_count"]) == (2, 1)


def test_review_worklist_permissions(api_as, service_agent, reviews):
    assert_error(api_as(service_agent).get(REVIEWS), 403, "permission_denied")
    assert_error(Client().get(REVIEWS), 401, "not_authenticated")


# --- notifications ------------------------------------------------------------------------------


GRADE_CHANGED = {"customer": "甲公司", "grade": "BB", "previous_grade": "A", "score": "520",
                 "trigger": "event"}


@pytest.fixture
def notifications(make_customer, account_manager, other_account_manager):
    customer = make_customer(owner=account_manager, name_zh="福建通知测试有限公司")
    older = Notification.objects.create(
        user=account_manager, customer=customer, kind="grade_changed",
        params={**GRADE_CHANGED, "grade": "A", "previous_grade": "BBB"},
        read_at=timezone.now(),
    )
    mine = Notification.objects.create(
        user=account_manager, customer=customer, kind="grade_changed", params=GRADE_CHANGED
    )
    theirs = Notification.objects.create(
        user=other_account_manager, kind="batch_changes",
        params={"run": 7, "as_of": "2024-05-31", "count": 3, "up": 1, "down": 2},
    )
    return {"older": older, "mine": mine, "theirs": theirs}


def test_notifications_are_own_only(api_as, account_manager, notifications):
    response = api_as(account_manager).get(NOTIFICATIONS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["count"], body["unread_count"]) == (2, 1)
    mine = notifications["mine"]
    assert [item["id"] for item in body["items"]] == [mine.pk, notifications["older"].pk]
    first = body["items"][0]
    assert first["message"] == (
        "The rating grade of 甲公司 moved from A to BB (score 520, trigger: Credit event).")
    assert first["params"] == GRADE_CHANGED and first["kind"] == "grade_changed"
    assert first["customer"] == mine.customer_id and first["read_at"] is None
    assert first["customer_name"] == "福建通知测试有限公司"
    unread = api_as(account_manager).get(NOTIFICATIONS, unread="true").json()
    assert [item["id"] for item in unread["items"]] == [mine.pk] and unread["count"] == 1


def test_notification_text_in_chinese(api_as, other_account_manager, notifications):
    body = api_as(other_account_manager, language="zh-hans").get(NOTIFICATIONS).json()
    theirs = notifications["theirs"]
    with translation.override("zh-hans"):
        expected = notification_message(theirs.kind, theirs.params)
    assert [item["message"] for item in body["items"]] == [expected]
    assert not expected.startswith("Rating run") and body["items"][0]["customer"] is None


def test_mark_one_read(api_as, account_manager, notifications):
    mine, theirs = notifications["mine"], notifications["theirs"]
    client = api_as(account_manager)
    response = client.post(f"{NOTIFICATIONS}/{mine.pk}/read")
    assert response.status_code == 200, response.content
    mine.refresh_from_db()
    assert mine.read_at is not None and response.json()["read_at"] is not None
    assert client.get(NOTIFICATIONS).json()["unread_count"] == 0
    # Someone else's notification does not exist for this user.
    body = assert_error(client.post(f"{NOTIFICATIONS}/{theirs.pk}/read"), 404, "not_found")
    assert body["message"] == "No such notification."
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert_error(client.post(f"{NOTIFICATIONS}/999999/read"), 404, "not_found")


def test_mark_all_read(api_as, other_account_manager, notifications):
    client = api_as(other_account_manager)
    assert client.post(f"{NOTIFICATIONS}/read-all").json() == {"marked": 1, "unread_count": 0}
    notifications["theirs"].refresh_from_db()
    notifications["mine"].refresh_from_db()
    assert notifications["theirs"].read_at is not None
    assert notifications["mine"].read_at is None  # another user's stays unread
    assert client.post(f"{NOTIFICATIONS}/read-all").json() == {"marked": 0, "unread_count": 0}


def test_notifications_permissions(api_as, service_agent, notifications):
    client = api_as(service_agent)
    assert_error(client.get(NOTIFICATIONS), 403, "permission_denied")
    assert_error(client.post(f"{NOTIFICATIONS}/read-all"), 403, "permission_denied")
    mine = notifications["mine"]
    assert_error(client.post(f"{NOTIFICATIONS}/{mine.pk}/read"), 403, "permission_denied")
    assert_error(Client().get(NOTIFICATIONS), 401, "not_authenticated")
    mine.refresh_from_db()
    assert mine.read_at is None


# --- OpenAPI ------------------------------------------------------------------------------------


def test_openapi_documents_the_new_endpoints(db):
    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    expected = {
        "/api/v1/rating/backtest": "get",
        "/api/v1/scorecards/{version_id}/validation-report": "get",
        "/api/v1/rating/reviews": "get",
        "/api/v1/rating/notifications": "get",
        "/api/v1/rating/notifications/{notification_id}/read": "post",
        "/api/v1/rating/notifications/read-all": "post",
    }
    for path, method in expected.items():
        assert method in paths.get(path, {}), path
        assert paths[path][method]["summary"]
    backtest_get = paths["/api/v1/rating/backtest"]["get"]
    assert {p["name"] for p in backtest_get["parameters"]} == {
        "start", "months", "default_days", "min_amount", "min_percent", "end"}
    assert {"200", "400", "403"} <= set(backtest_get["responses"])
    schemas = document["components"]["schemas"]
    assert set(schemas["BacktestOut"]["properties"]) == {
        "definition", "window_open", "default_rates", "migration", "limits"}
    assert "monotone" in schemas["DefaultRateReportOut"]["properties"]
