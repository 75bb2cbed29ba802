"""The back-testing report page: permissions (the whole portfolio, so not for account
managers), the figures of a hand-built history against ``credo.rating.backtest``, bad input,
the access log and the page in Chinese."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from credo.core.models import AccessLog
from credo.rating import backtest
from credo.rating.defaults import DefaultDefinition
from credo.receivables.metrics import add_months
from tests.rating.histories import five_customer_history

pytestmark = pytest.mark.django_db

URL = reverse("web:rating_backtest")
START = dt.date(2024, 1, 1)  # window 1 Jan 2024 to 1 Jan 2025, default = 90+ days past due
# The hand-built amounts are small: no materiality thresholds unless a test says so.
QUERY = {"start": "2024-01-01", "months": "12", "default_days": "90", "min_amount": "0",
         "min_percent": "0"}
ANY = DefaultDefinition(min_amount=Decimal(0), min_share=Decimal(0))


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def cells(html: str, table_id: str, grade: str) -> list[str]:
    """The cell texts (th and td, tags stripped) of a table's row ``data-grade=grade``."""
    table = re.search(rf'<table class="data" id="{table_id}">(.*?)</table>', html).group(1)
    row = re.search(rf'<tr[^>]*data-grade="{grade}"[^>]*>(.*?)</tr>', table).group(1)
    found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
    return [re.sub(r"<[^>]+>", " ", cell).split()[0] if cell.strip() else "" for cell in found]


@pytest.fixture
def history(make_customer, credit_manager, analyst):
    """The five-customer history of ``tests.rating.histories.five_customer_history``."""
    return five_customer_history(make_customer, credit_manager, analyst, key="backtest-page")


# --- permissions --------------------------------------------------------------------------------


def test_anonymous_goes_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_account_manager_is_refused(client_for, account_manager):
    # They hold rating.view_rating but see only their own customers: the report is portfolio-wide.
    assert account_manager.has_perm("rating.view_rating")
    assert client_for(account_manager).get(URL).status_code == 403
    assert not AccessLog.objects.filter(resource="rating.backtest").exists()


def test_user_without_a_role_is_refused(client_for, no_role_user):
    assert client_for(no_role_user).get(URL).status_code == 403


@pytest.mark.parametrize("role", ["analyst", "credit_manager", "auditor"])
def test_portfolio_roles_see_the_page(client_for, request, role):
    user = request.getfixturevalue(role)
    response = client_for(user).get(URL)
    assert response.status_code == 200
    text = text_of(response)
    assert 'id="backtest-rates"' in text and 'id="backtest-migration"' in text
    assert 'id="backtest-limits"' in text
    # Defaults: a 12-month window ending today, 90 days past due.
    form = response.context["form"]
    assert form.initial["months"] == 12 and form.initial["default_days"] == 90
    # ... material from 1,000 and 1 % (the setting), said on the page.
    assert form.initial["min_amount"] == Decimal("1000") and form.initial["min_percent"] == 1
    assert "material from 1,000.00 CNY and 1.0 % of the open receivables" in text
    rates = response.context["rates"]
    assert rates.window_start == add_months(timezone.localdate(), -12) and rates.months == 12


def test_nav_link_only_with_the_portfolio(client_for, analyst, account_manager):
    link = f'href="{URL}"'
    assert link in text_of(client_for(analyst).get(reverse("web:rating_reviews")))
    assert link not in text_of(client_for(account_manager).get(reverse("web:rating_reviews")))


# --- figures ------------------------------------------------------------------------------------


def test_figures_match_the_backtest(client_for, analyst, history):
    response = client_for(analyst).get(URL, QUERY)
    assert response.status_code == 200
    html = text_of(response)

    rates = backtest.default_rate_by_grade(window_start=START, definition=ANY)
    assert (rates.customers, rates.defaults, rates.excluded_in_default) == (4, 2, 1)
    for row in rates.rows:
        rate = "—" if row.default_rate is None else f"{100 * row.default_rate:.1f}"
        assert cells(html, "backtest-rates", row.grade) == [
            row.grade, str(row.customers), str(row.defaults), rate
        ]
    assert cells(html, "backtest-rates", "A") == ["A", "2", "1", "50.0"]
    assert cells(html, "backtest-rates", "total")[1:] == ["4", "2", "50.0"]
    assert rates.monotone is True
    assert 'id="backtest-monotone" data-monotone="true">Yes<' in html
    assert 'id="backtest-excluded">1<' in html
    # The chart: one bar per grade with customers (0 % bars have no height but exist).
    chart = re.search(r'<figure class="portfolio-chart" id="backtest-chart">(.*?)</figure>',
                      html).group(1)
    assert chart.count("<rect") >= 3 and "A: 50" in chart and "C: 100" in chart

    matrix = backtest.migration_matrix(start=START, end=rates.window_end)
    assert (matrix.upgrades, matrix.downgrades, matrix.unchanged) == (1, 1, 3)
    assert f'id="backtest-migration-customers">{matrix.customers}<' in html
    assert 'id="backtest-upgrades">1<' in html and 'id="backtest-downgrades">1<' in html
    assert 'id="backtest-unchanged">3<' in html
    for i, grade in enumerate(matrix.grades):
        for j, to in enumerate(matrix.grades):
            cell = re.search(
                rf'data-from="{grade}" data-to="{to}"><(?:b|span) class="count">(\d+)<', html
            )
            assert int(cell.group(1)) == matrix.counts[i][j]
    # The A row: one stays A, one goes to AA -> 50 % each.
    a_row = re.search(r'<tr data-grade="A"><th scope="row">A</th>(.*?)</tr>',
                      html.split('id="backtest-migration"')[1]).group(1)
    assert a_row.count("50.0 %") == 2

    limits = backtest.limit_effectiveness(window_start=START, definition=ANY)
    total = limits.total
    assert (total.customers_with_limit, total.defaults, total.over_limit_at_default) == (3, 2, 2)
    assert total.limits_total == Decimal("6300.00")
    assert total.exposure_at_default_total == Decimal("1700.00")
    assert cells(html, "backtest-limits", "total") == [
        "Total", "3", "2", "66.7", "6,300", "1,700", "1.31", "2"
    ]
    assert cells(html, "backtest-limits", "A") == ["A", "1", "1", "100.0", "800", "1,000",
                                                   "1.25", "1"]
    assert cells(html, "backtest-limits", "AAA") == ["AAA", "1", "0", "0.0", "5,000", "0",
                                                     "—", "0"]
    assert f"({limits.currency})" in html


def test_migration_end_and_shorter_window(client_for, analyst, history):
    # 3 months with 60 days: c4 (30 Jan) defaults, c2's item only on 30 April.
    query = {**QUERY, "months": "3", "default_days": "60", "end": "2024-06-15"}
    response = client_for(analyst).get(URL, query)
    html = text_of(response)
    rates = backtest.default_rate_by_grade(
        window_start=START,
        definition=DefaultDefinition(days=60, months=3, min_amount=Decimal(0),
                                     min_share=Decimal(0)))
    assert rates.defaults == 1
    assert cells(html, "backtest-rates", "total")[1:] == ["4", "1", "25.0"]
    # To 15 June 2024: c1's downgrade counts, c3's upgrade (1 July) not yet.
    matrix = backtest.migration_matrix(start=START, end=dt.date(2024, 6, 15))
    assert (matrix.upgrades, matrix.downgrades) == (0, 1)
    assert 'id="backtest-upgrades">0<' in html and 'id="backtest-downgrades">1<' in html
    assert response.context["migration"].end == dt.date(2024, 6, 15)


# --- bad input ----------------------------------------------------------------------------------


def _errors(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def test_bad_input_shows_errors_and_computes_nothing(client_for, analyst, history):
    client = client_for(analyst)
    response = client.get(URL, {**QUERY, "months": "0"})
    assert response.status_code == 200
    text = text_of(response)
    assert "Ensure this value is greater than or equal to 1." in text
    assert 'id="id_months_errors"' in text
    assert "rates" not in response.context and 'id="backtest-rates"' not in text

    response = client.get(URL, {**QUERY, "months": "61", "default_days": "45"})
    errors = _errors(response)
    assert "months" in errors and "default_days" in errors

    response = client.get(URL, {**QUERY, "end": "2023-12-01"})
    text = text_of(response)
    assert "The end must not be before the start." in text and 'id="id_end_errors"' in text
    assert 'id="backtest-rates"' not in text

    response = client.get(URL, {**QUERY, "start": "not a date"})
    assert "start" in _errors(response)

    response = client.get(URL, {**QUERY, "min_amount": "-5", "min_percent": "150"})
    errors = _errors(response)
    assert "min_amount" in errors and "min_percent" in errors
    assert 'id="backtest-rates"' not in text_of(response)
    assert not AccessLog.objects.filter(resource="rating.backtest").exists()


def test_bad_input_in_chinese(client_for, analyst):
    client = client_for(analyst)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = client.get(URL, {**QUERY, "months": "0", "end": "2023-12-01"})
    with translation.override("zh-hans"):
        expected = [
            translation.gettext("Ensure this value is greater than or equal to %(limit_value)s.")
            % {"limit_value": 1},
            translation.gettext("The end must not be before the start."),
        ]
    text = text_of(response)
    for message in expected:
        assert message in text
    assert "Ensure this value" not in text


# --- access log and language ---------------------------------------------------------------------


def test_a_view_is_written_to_the_access_log(client_for, analyst, history):
    client_for(analyst).get(URL, QUERY)
    entry = AccessLog.objects.get(resource="rating.backtest")
    assert entry.user == analyst and entry.customer_id is None
    assert "start=2024-01-01" in entry.detail and "months=12" in entry.detail
    assert "default_days=90" in entry.detail and "end=2025-01-01" in entry.detail
    assert "min_amount=0" in entry.detail and "min_share=0" in entry.detail


def test_empty_fields_show_the_values_applied(client_for, analyst, history):
    response = client_for(analyst).get(URL, {"start": "2024-01-01", "default_days": "60"})
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial["start"] == START and form.initial["default_days"] == 60
    assert form.initial["months"] == 12 and form.initial["min_amount"] == Decimal("1000")
    html = text_of(response)
    assert '<option value="60" selected>' in html and 'name="months" value="12"' in html


def test_the_materiality_thresholds(client_for, analyst, history):
    # From 1,000 and 1 %: c2's 1,000 defaults, c4's 700 does not; c5's 400 is no longer in
    # default at the start, so it joins the C customers and does not default either.
    response = client_for(analyst).get(
        URL, {**QUERY, "min_amount": "1000", "min_percent": "1"})
    html = text_of(response)
    assert cells(html, "backtest-rates", "C") == ["C", "2", "0", "0.0"]
    assert cells(html, "backtest-rates", "total")[1:] == ["5", "1", "20.0"]
    assert 'id="backtest-excluded">0<' in html
    # 1,001 and up: nobody.
    response = client_for(analyst).get(URL, {**QUERY, "min_amount": "1000.01"})
    assert cells(text_of(response), "backtest-rates", "total")[1:] == ["5", "0", "0.0"]


def test_the_page_in_chinese(client_for, credit_manager, history):
    client = client_for(credit_manager)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = client.get(URL, QUERY)
    assert response.status_code == 200
    text = text_of(response)
    assert '<html lang="zh-hans">' in text
    with translation.override("zh-hans"):
        for msgid in ("Total", "Customers", "Grade", "Show"):
            assert translation.gettext(msgid) in text
        days = translation.gettext("%(days)s days") % {"days": 90}
    assert days in text
    assert cells(text, "backtest-limits", "A")[1:3] == ["1", "1"]
