"""The DSO / CEI trend page: figures equal ``collection_metrics`` over the visible customers."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from credo.core.context import acting_as
from credo.customers.models import Customer
from credo.receivables import services
from credo.receivables.reports import collection_metrics
from credo.web import charts
from credo.web.views_portfolio import default_period

pytestmark = pytest.mark.django_db

METRICS_URL = reverse("web:portfolio_metrics")
PERIOD = {"start": "2025-04-01", "end": "2025-06-30"}


@pytest.fixture
def ledger(make_customer, account_manager, other_account_manager, credit_manager):
    """Invoices and payments of a customer of each manager over the second quarter of 2025."""
    mine = make_customer(owner=account_manager, name_zh="指标甲有限公司")
    theirs = make_customer(owner=other_account_manager, name_zh="指标乙有限公司")
    with acting_as(credit_manager, channel="system"):
        for customer, prefix, amount in ((mine, "M", "3000.00"), (theirs, "T", "9000.00")):
            for month in (4, 5, 6):
                invoice = services.invoice_post(
                    customer=customer,
                    number=f"{prefix}-{month}",
                    invoice_date=dt.date(2025, month, 1),
                    currency="CNY",
                    amount=Decimal(amount),
                )
                if month < 6:
                    payment = services.payment_post(
                        customer=customer,
                        number=f"P{prefix}-{month}",
                        payment_date=dt.date(2025, month, 20),
                        currency="CNY",
                        amount=Decimal(amount),
                    )
                    services.allocation_create(
                        payment=payment,
                        instalment=invoice.instalments.get(),
                        amount=Decimal(amount),
                        on=dt.date(2025, month, 20),
                    )
    return {"mine": mine, "theirs": theirs}


def test_anonymous_is_sent_to_login(client):
    response = client.get(METRICS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_roles_without_receivables_permission_get_403(client_for, service_agent, no_role_user):
    for user in (service_agent, no_role_user):
        assert client_for(user).get(METRICS_URL).status_code == 403


def test_account_manager_gets_the_metrics_of_own_customers(client_for, account_manager, ledger):
    response = client_for(account_manager).get(METRICS_URL, PERIOD)
    assert response.status_code == 200
    report = response.context["report"]
    expected = collection_metrics(
        start=dt.date(2025, 4, 1),
        end=dt.date(2025, 6, 30),
        customers=Customer.objects.restrict(account_manager),
    )
    assert report == expected
    # Only the own customer's sales: 3 x 3,000, not the other manager's 9,000s.
    assert report.period.credit_sales == Decimal("9000.00")
    assert report.period.closing_receivables == Decimal("3000.00")
    assert len(report.trend) == 12
    body = response.content.decode()
    assert body.count('<tr class="trend-row">') == 12
    assert "2025-06" in body and "2024-07" in body
    assert "9,000.00" in body
    assert "<svg" in body and "<polyline" in body


def test_one_owners_customers(client_for, credit_manager, other_account_manager, ledger):
    response = client_for(credit_manager).get(
        METRICS_URL, {**PERIOD, "owner": other_account_manager.pk}
    )
    report = response.context["report"]
    assert report.period.credit_sales == Decimal("27000.00")
    whole = client_for(credit_manager).get(METRICS_URL, PERIOD).context["report"]
    assert whole.period.credit_sales == Decimal("36000.00")


def test_an_owner_outside_the_visible_customers_is_refused(
    client_for, account_manager, other_account_manager, ledger
):
    response = client_for(account_manager).get(
        METRICS_URL, {**PERIOD, "owner": other_account_manager.pk}
    )
    assert response.status_code == 400
    assert response.context["report"] is None
    assert "Select a valid choice." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-06-30", "end": "2025-04-01"}, "The period ends before it starts."),
        ({"start": "yesterday"}, "Enter a valid date."),
    ],
)
def test_bad_period(client_for, credit_manager, params, message):
    response = client_for(credit_manager).get(METRICS_URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_default_period_is_the_last_twelve_months():
    assert default_period(dt.date(2025, 6, 15)) == (dt.date(2024, 7, 1), dt.date(2025, 6, 15))


def test_line_chart_leaves_gaps_for_undefined_values():
    values = [Decimal("10"), Decimal("20"), None, Decimal("30"), Decimal("5")]
    svg = charts.line_chart(["a", "b", "c", "d", "e"], [charts.Series("DSO", values)], title="DSO")
    dots = re.findall(r'<circle class="chart-s1" cx="([^"]+)" cy="([^"]+)"', svg)
    assert len(dots) == 4  # no dot for the undefined third value
    (x0, y0), (x1, y1), (x3, y3), (x4, y4) = dots
    assert float(y0) > float(y1) > float(y3)  # higher values sit higher up (smaller y)
    segments = re.findall(r'<polyline class="chart-line chart-s1" points="([^"]+)"', svg)
    assert segments == [f"{x0},{y0} {x1},{y1}", f"{x3},{y3} {x4},{y4}"]
