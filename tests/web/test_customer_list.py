"""The customer list: search, filters, sort, pagination and the htmx partial."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from credo.core.context import acting_as
from credo.customers.models import Industry
from credo.customers.services import alias_add, contact_create
from tests.conftest import VALID_USCC

LIST_URL = reverse("web:customer_list")


def codes_in(response) -> list[str]:
    """Customer numbers of the table rows, in order."""
    return re.findall(
        r'<td class="mono nowrap"><a href="/customers/\d+/">([^<]+)</a>', response.content.decode()
    )


@pytest.fixture
def catalogue(make_customer, account_manager, other_account_manager):
    """Five customers with distinct names, owners, provinces, statuses and industries."""
    manufacturing = Industry.objects.get(code="C")
    textiles = Industry.objects.get(code="17")
    finance = Industry.objects.get(code="J")
    made = {
        "alpha": make_customer(
            code="A001",
            name_zh="阿尔法纺织有限公司",
            name_en="Alpha Textiles",
            registered_province="35",
            industry=textiles,
            founding_date=dt.date(2001, 1, 1),
        ),
        "beta": make_customer(
            code="B002",
            name_zh="贝塔银行",
            registered_province="11",
            industry=finance,
            status="suspended",
            founding_date=dt.date(1995, 5, 5),
        ),
        "gamma": make_customer(
            owner=other_account_manager,
            code="G003",
            name_zh="伽马机械",
            registered_province="35",
            industry=manufacturing,
            uscc=VALID_USCC,
            founding_date=dt.date(2010, 3, 3),
        ),
        "delta": make_customer(
            owner=other_account_manager,
            code="D004",
            name_zh="张三",
            kind="individual",
            registered_province="44",
        ),
        "omega": make_customer(code="O005", name_zh="欧米伽贸易", registered_province="31"),
    }
    with acting_as(account_manager, channel="system"):
        alias_add(customer=made["omega"], name="老欧贸易行", kind="former")
        contact_create(customer=made["beta"], name="李会计", mobile="13900001111")
    return made


@pytest.mark.django_db
def test_list_shows_all_visible_customers_sorted_by_code(client_for, viewer, catalogue):
    response = client_for(viewer).get(LIST_URL)
    assert response.status_code == 200
    assert codes_in(response) == ["A001", "B002", "D004", "G003", "O005"]
    assert "5 customers" in response.content.decode()


@pytest.mark.django_db
def test_account_manager_sees_only_own_customers(client_for, account_manager, catalogue):
    response = client_for(account_manager).get(LIST_URL)
    assert codes_in(response) == ["A001", "B002", "O005"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("纺织", ["A001"]),  # Chinese name
        ("alpha", ["A001"]),  # English name, case-insensitive
        ("老欧", ["O005"]),  # former name (alias)
        ("G003", ["G003"]),  # customer number
        (VALID_USCC, ["G003"]),  # USCC
        ("13900001111", ["B002"]),  # contact's mobile phone
        ("不存在的公司", []),
    ],
)
def test_search(client_for, viewer, catalogue, query, expected):
    response = client_for(viewer).get(LIST_URL, {"q": query})
    assert codes_in(response) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"industry": "C"}, ["A001", "G003"]),  # a section includes its divisions
        ({"industry": "17"}, ["A001"]),
        ({"province": "35"}, ["A001", "G003"]),
        ({"status": "suspended"}, ["B002"]),
        ({"kind": "individual"}, ["D004"]),
        ({"province": "35", "industry": "J"}, []),
    ],
)
def test_filters(client_for, viewer, catalogue, params, expected):
    response = client_for(viewer).get(LIST_URL, params)
    assert codes_in(response) == expected


@pytest.mark.django_db
def test_owner_filter(client_for, viewer, catalogue, other_account_manager):
    response = client_for(viewer).get(LIST_URL, {"owner": str(other_account_manager.pk)})
    assert codes_in(response) == ["D004", "G003"]


@pytest.mark.django_db
def test_sort_by_column_headers(client_for, viewer, catalogue):
    client = client_for(viewer)
    by_founding = client.get(LIST_URL, {"sort": "founded", "kind": "enterprise", "province": "35"})
    assert codes_in(by_founding) == ["A001", "G003"]
    descending = client.get(LIST_URL, {"sort": "-code"})
    assert codes_in(descending) == ["O005", "G003", "D004", "B002", "A001"]
    page = descending.content.decode()
    # The header of the sorted column links to the opposite direction and keeps the filters.
    assert 'href="?sort=code"' in page
    assert 'aria-sort="descending"' in page


@pytest.mark.django_db
def test_pagination_25_per_page(client_for, viewer, make_customer):
    for number in range(30):
        make_customer(code=f"P{number:03d}")
    client = client_for(viewer)
    first = client.get(LIST_URL)
    assert len(codes_in(first)) == 25
    assert codes_in(first)[0] == "P000"
    assert "page 1 of 2" in first.content.decode()
    second = client.get(LIST_URL, {"page": 2})
    assert codes_in(second) == [f"P{number:03d}" for number in range(25, 30)]
    # Out-of-range pages fall back to the last page rather than failing.
    assert codes_in(client.get(LIST_URL, {"page": 99})) == codes_in(second)


@pytest.mark.django_db
def test_htmx_request_returns_only_the_table(client_for, viewer, catalogue):
    client = client_for(viewer)
    partial = client.get(LIST_URL, {"q": "纺织"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and "<table" in body
    assert codes_in(partial) == ["A001"]
    assert "HX-Request" in partial["Vary"]
    # A history restore needs the whole page.
    full = client.get(LIST_URL, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in full.content.decode()


@pytest.mark.django_db
def test_filter_form_works_without_javascript(client_for, viewer, catalogue):
    page = client_for(viewer).get(LIST_URL).content.decode()
    # A plain GET form with a submit button is the fallback for the htmx live search.
    assert re.search(r'<form id="customer-filters"[^>]*method="get"', page)
    assert 'hx-get="/"' in page
    assert '<button type="submit" class="btn">' in page


@pytest.mark.django_db
def test_unknown_filter_values_do_not_break_the_list(client_for, viewer, catalogue):
    response = client_for(viewer).get(LIST_URL, {"status": "bogus", "sort": "nonsense"})
    assert response.status_code == 200
    # An invalid filter is ignored (form invalid), so every customer is listed.
    assert len(codes_in(response)) == 5
