"""The parent-company field: htmx suggestions of visible customers, plain text as fallback."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credo.core.models import ObjectChange

SUGGEST_URL = reverse("web:customer_suggest")


def suggested_codes(response) -> list[str]:
    page = response.content.decode()
    return [part.split('"', 1)[0] for part in page.split('data-suggest-value="')[1:]]


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(SUGGEST_URL, {"q": "福建"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.django_db
def test_user_without_view_customer_gets_403(client_for, no_role_user, make_customer):
    make_customer(name_zh="福建母公司有限公司")
    assert client_for(no_role_user).get(SUGGEST_URL, {"q": "福建"}).status_code == 403


@pytest.mark.django_db
def test_suggestions_match_name_and_number(client_for, viewer, make_customer):
    parent = make_customer(name_zh="福建母公司有限公司")
    make_customer(name_zh="广东无关有限公司")
    client = client_for(viewer)
    by_name = client.get(SUGGEST_URL, {"q": "母公司"}, HTTP_HX_REQUEST="true")
    assert by_name.status_code == 200
    assert suggested_codes(by_name) == [parent.code]
    assert "福建母公司有限公司" in by_name.content.decode()
    # The field htmx sends is parent_code; the customer number matches exactly.
    by_code = client.get(SUGGEST_URL, {"parent_code": parent.code})
    assert suggested_codes(by_code) == [parent.code]


@pytest.mark.django_db
def test_suggestions_only_show_visible_customers(
    client_for, account_manager, other_account_manager, make_customer
):
    mine = make_customer(owner=account_manager, name_zh="福建集团甲有限公司")
    theirs = make_customer(owner=other_account_manager, name_zh="福建集团乙有限公司")
    response = client_for(account_manager).get(SUGGEST_URL, {"q": "福建集团"})
    assert suggested_codes(response) == [mine.code]
    assert theirs.code not in response.content.decode()
    assert "福建集团乙有限公司" not in response.content.decode()


@pytest.mark.django_db
def test_at_most_ten_suggestions_and_exclude(client_for, viewer, make_customer):
    customers = [make_customer(name_zh=f"福建连锁{i:02d}有限公司") for i in range(12)]
    client = client_for(viewer)
    assert len(suggested_codes(client.get(SUGGEST_URL, {"q": "福建连锁"}))) == 10
    first = customers[0]
    codes = suggested_codes(client.get(SUGGEST_URL, {"q": first.code, "exclude": first.pk}))
    assert codes == []


@pytest.mark.django_db
def test_empty_term_and_no_match(client_for, viewer, make_customer):
    make_customer(name_zh="福建母公司有限公司")
    client = client_for(viewer)
    assert client.get(SUGGEST_URL, {"q": "  "}).content.decode().strip() == ""
    assert (
        "No visible customer matches." in client.get(SUGGEST_URL, {"q": "不存在"}).content.decode()
    )


@pytest.mark.django_db
def test_customer_form_wires_the_field_to_the_suggestions(
    client_for, account_manager, make_customer
):
    customer = make_customer(owner=account_manager)
    page = (
        client_for(account_manager)
        .get(reverse("web:customer_edit", args=[customer.pk]))
        .content.decode()
    )
    field = page.split('name="parent_code"', 1)[1].split(">", 1)[0]
    assert f'hx-get="{SUGGEST_URL}?exclude={customer.pk}"' in field
    assert 'hx-target="#parent-code-suggestions"' in field
    assert 'id="parent-code-suggestions" data-suggest-for="id_parent_code"' in page
    assert "credo/js/suggest.js" in page
    assert "<script>" not in page  # strict CSP: no inline code


@pytest.mark.django_db
def test_typed_code_still_sets_the_parent(client_for, account_manager, make_customer):
    parent = make_customer(owner=account_manager, name_zh="福建母公司有限公司")
    child = make_customer(owner=account_manager, name_zh="福建子公司有限公司")
    data = {
        "kind": "enterprise",
        "status": "active",
        "code": child.code,
        "name_zh": child.name_zh,
        "registered_capital_currency": "CNY",
        "paid_in_capital_currency": "CNY",
        "parent_code": parent.code,
    }
    response = client_for(account_manager).post(reverse("web:customer_edit", args=[child.pk]), data)
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.parent == parent


@pytest.mark.django_db
def test_invisible_parent_code_shows_field_error(
    client_for, account_manager, other_account_manager, make_customer
):
    theirs = make_customer(owner=other_account_manager)
    child = make_customer(owner=account_manager, name_zh="福建子公司有限公司")
    changes_before = ObjectChange.objects.count()
    data = {
        "kind": "enterprise",
        "status": "active",
        "code": child.code,
        "name_zh": child.name_zh,
        "registered_capital_currency": "CNY",
        "paid_in_capital_currency": "CNY",
        "parent_code": theirs.code,
    }
    response = client_for(account_manager).post(reverse("web:customer_edit", args=[child.pk]), data)
    errors = response.content.decode().split('id="id_parent_code_errors"', 1)[1].split("</ul>")[0]
    assert "No customer with this number is visible to you." in errors
    child.refresh_from_db()
    assert child.parent is None
    assert ObjectChange.objects.count() == changes_before
