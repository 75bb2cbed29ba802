"""The portfolio ageing page and its CSV: figures equal ``ageing_report`` over visible customers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from credo.core.context import acting_as
from credo.customers.models import Customer
from credo.receivables import services
from credo.receivables.ageing import BASIS_INVOICE, DEFAULT_SCHEME, YEARS_SCHEME
from credo.receivables.reports import BY_CUSTOMER, BY_GROUP, BY_OWNER, ageing_report, customer_label

pytestmark = pytest.mark.django_db

AGEING_URL = reverse("web:portfolio_ageing")
CSV_URL = reverse("web:portfolio_ageing_csv")
AS_OF = dt.date(2025, 6, 30)


def D(value: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(value)


@pytest.fixture
def ledger(make_customer, account_manager, other_account_manager, credit_manager):
    """Two customers of ``account_manager`` (one a subsidiary of the other's parent) and one of
    ``other_account_manager``, with invoices of several ages, a part payment and a dispute."""
    parent = make_customer(owner=other_account_manager, name_zh="账龄集团有限公司")
    mine = make_customer(owner=account_manager, name_zh="账龄甲有限公司", parent=parent)
    mine_too = make_customer(owner=account_manager, name_zh="账龄丙有限公司")
    with acting_as(credit_manager, channel="system"):

        def invoice(customer, number, day, amount):
            return services.invoice_post(
                customer=customer,
                number=number,
                invoice_date=day,
                currency="CNY",
                amount=D(amount),
            )

        old = invoice(mine, "AG-1", dt.date(2025, 3, 1), "1000.00")  # 121 days overdue
        recent = invoice(mine, "AG-2", dt.date(2025, 6, 15), "2000.00")  # 15 days overdue
        invoice(mine_too, "AG-3", dt.date(2024, 5, 1), "300.00")  # over a year
        invoice(mine, "AG-4", dt.date(2025, 7, 10), "999.00")  # after the as-of date
        invoice(parent, "AG-5", dt.date(2025, 6, 1), "5000.00")
        payment = services.payment_post(
            customer=mine,
            number="PAY-AG-1",
            payment_date=dt.date(2025, 6, 20),
            currency="CNY",
            amount=D("400.00"),
        )
        services.allocation_create(
            payment=payment,
            instalment=old.instalments.get(),
            amount=D("400.00"),
            on=dt.date(2025, 6, 20),
        )
        services.dispute_open(
            instalment=recent.instalments.get(),
            amount=D("500.00"),
            reason="短少",
            on=dt.date(2025, 6, 25),
        )
    return {"parent": parent, "mine": mine, "mine_too": mine_too}


def query(**params) -> dict:
    return {"as_of": AS_OF.isoformat(), **params}


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


# Access --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [AGEING_URL, CSV_URL])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [AGEING_URL, CSV_URL])
def test_roles_without_receivables_permission_get_403(client_for, service_agent, no_role_user, url):
    for user in (service_agent, no_role_user):
        assert client_for(user).get(url).status_code == 403


def test_nav_link_follows_the_permission(client_for, viewer, service_agent):
    home = reverse("web:customer_list")
    assert AGEING_URL in client_for(viewer).get(home).content.decode()
    assert AGEING_URL not in client_for(service_agent).get(home).content.decode()


# Figures -------------------------------------------------------------------------------------


def test_account_manager_sees_the_report_of_own_customers(client_for, account_manager, ledger):
    response = client_for(account_manager).get(AGEING_URL, query())
    assert response.status_code == 200
    report = response.context["report"]
    expected = ageing_report(
        as_of=AS_OF, by=BY_CUSTOMER, customers=Customer.objects.restrict(account_manager)
    )
    assert report.rows == expected.rows
    assert report.total == expected.total
    # Worked by hand: AG-1 600 in 91-180, AG-2 1500 in 1-30 plus 500 disputed, AG-3 300 >365.
    assert [row.label for row in report.rows] == [
        customer_label(ledger["mine"]),
        customer_label(ledger["mine_too"]),
    ]
    mine = report.rows[0]
    assert mine.buckets["d1_30"] == D("1500.00")
    assert mine.buckets["d91_180"] == D("600.00")
    assert mine.disputed == D("500.00")
    assert mine.total == D("2600.00")
    assert report.total.total == D("2900.00")
    body = response.content.decode()
    assert "账龄集团有限公司" not in body  # the other manager's customer
    assert "5,000.00" not in body
    assert "2,900.00" in body  # the totals row
    assert '<tr class="total">' in body
    assert reverse("web:customer_detail", args=[ledger["mine"].pk]) in body


def test_credit_manager_sees_every_customer(client_for, credit_manager, ledger):
    response = client_for(credit_manager).get(AGEING_URL, query())
    report = response.context["report"]
    assert report.total.total == D("7900.00")
    assert len(report.rows) == 3


def test_grouping_basis_and_scheme_are_passed_on(client_for, credit_manager, ledger):
    response = client_for(credit_manager).get(
        AGEING_URL, query(by="owner", basis="invoice", scheme="years")
    )
    report = response.context["report"]
    expected = ageing_report(
        as_of=AS_OF,
        by=BY_OWNER,
        basis=BASIS_INVOICE,
        scheme=YEARS_SCHEME,
        customers=Customer.objects.restrict(credit_manager),
    )
    assert report.rows == expected.rows
    assert report.bucket_keys == ["within_1y", "y1_2", "y2_3", "over_3y"]
    body = response.content.decode()
    assert "within 1 year" in body


def test_by_group_hides_a_top_company_the_user_cannot_see(client_for, account_manager, ledger):
    response = client_for(account_manager).get(AGEING_URL, query(by="group"))
    report = response.context["report"]
    expected = ageing_report(
        as_of=AS_OF, by=BY_GROUP, customers=Customer.objects.restrict(account_manager)
    )
    assert report.rows == expected.rows
    body = response.content.decode()
    # The subsidiary's figures count under its group, whose name the manager may not read.
    assert "账龄集团有限公司" not in body
    assert "(not visible)" in body
    assert reverse("web:customer_detail", args=[ledger["parent"].pk]) not in body


def test_defaults_to_today_by_customer_on_the_due_date(client_for, credit_manager, ledger):
    response = client_for(credit_manager).get(AGEING_URL)
    report = response.context["report"]
    assert (report.by, report.basis, report.scheme) == ("customer", "due", DEFAULT_SCHEME.key)
    assert report.as_of == timezone.localdate()
    # The form shows the date the report used.
    assert f'value="{timezone.localdate().isoformat()}"' in response.content.decode()


def test_no_open_items_says_so(client_for, credit_manager):
    response = client_for(credit_manager).get(AGEING_URL, query())
    assert response.status_code == 200
    assert "No open receivables on this date." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"as_of": "2025-02-30"}, "Enter a valid date."),
        ({"by": "region"}, "Select a valid choice. region is not one of the available choices."),
        ({"basis": "paid"}, "Select a valid choice. paid is not one of the available choices."),
        ({"scheme": "0,30"}, "Select a valid choice. 0,30 is not one of the available choices."),
    ],
)
def test_bad_filters_show_the_error_and_no_report(
    client_for, credit_manager, ledger, params, message
):
    response = client_for(credit_manager).get(AGEING_URL, params)
    assert response.status_code == 400
    assert response.context["report"] is None
    assert message in response.content.decode()
    csv_response = client_for(credit_manager).get(CSV_URL, params)
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()


# CSV -----------------------------------------------------------------------------------------


def test_csv_holds_the_same_report(client_for, account_manager, ledger):
    response = client_for(account_manager).get(CSV_URL, query())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="ageing-customer-2025-06-30.csv"'
    )
    assert response.content.startswith("\ufeff".encode())
    rows = csv_rows(response)
    assert rows[0] == [
        "key",
        "label",
        "not_due",
        "d1_30",
        "d31_60",
        "d61_90",
        "d91_180",
        "d181_365",
        "over_365",
        "disputed",
        "total",
        "overdue",
        "items",
    ]
    mine, mine_too = ledger["mine"], ledger["mine_too"]
    assert rows[1:] == [
        [
            str(mine.pk),
            customer_label(mine),
            "0.00",
            "1500.00",
            "0.00",
            "0.00",
            "600.00",
            "0.00",
            "0.00",
            "500.00",
            "2600.00",
            "2600.00",
            "2",
        ],
        [
            str(mine_too.pk),
            customer_label(mine_too),
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "300.00",
            "0.00",
            "300.00",
            "300.00",
            "1",
        ],
        [
            "total",
            "Total",
            "0.00",
            "1500.00",
            "0.00",
            "0.00",
            "600.00",
            "0.00",
            "300.00",
            "500.00",
            "2900.00",
            "2900.00",
            "3",
        ],
    ]


def test_page_links_to_the_csv_with_the_same_choices(client_for, credit_manager, ledger):
    response = client_for(credit_manager).get(AGEING_URL, query(by="owner"))
    assert f"{CSV_URL}?as_of=2025-06-30&amp;by=owner" in response.content.decode()
    rows = csv_rows(client_for(credit_manager).get(CSV_URL, query(by="owner")))
    assert [row[1] for row in rows[1:]] == [
        row.label for row in response.context["report"].rows
    ] + ["Total"]


def test_csv_of_a_hidden_group_has_no_name(client_for, account_manager, ledger):
    rows = csv_rows(client_for(account_manager).get(CSV_URL, query(by="group")))
    labels = [row[1] for row in rows[1:]]
    assert "账龄集团有限公司" not in labels
    assert "(not visible)" in labels
