"""The change-log and access-log pages for auditors (who are not staff)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from credo.core.context import acting_as
from credo.core.models import AccessLog, ObjectChange
from credo.core.services import access_log_write
from credo.customers.services import alias_add, customer_update

CHANGES_URL = reverse("web:audit_changes")
ACCESS_URL = reverse("web:audit_access")
ID_NUMBER = "11010519491231002X"
NEW_ID_NUMBER = "350102198001011233"


def entry_count(response) -> int:
    # Top-level rows only: the changed fields sit in a nested table inside a cell.
    return response.content.decode().count('<tr class="entry">')


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def trail(make_customer, account_manager, other_account_manager):
    """Two customers of different managers with changes on known days."""
    mine = make_customer(owner=account_manager, name_zh="审计甲有限公司")
    theirs = make_customer(owner=other_account_manager, name_zh="审计乙有限公司")
    with acting_as(account_manager, channel="web"):
        alias_add(customer=mine, name="甲老名", kind="former")
    with acting_as(other_account_manager, channel="api"):
        alias_add(customer=theirs, name="乙老名", kind="former")
    ObjectChange.objects.filter(customer_id=mine.pk).update(time=at(dt.date(2025, 3, 1)))
    ObjectChange.objects.filter(customer_id=theirs.pk).update(time=at(dt.date(2025, 3, 20)))
    return mine, theirs


# Access ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [CHANGES_URL, ACCESS_URL])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "role"), [(CHANGES_URL, "viewer"), (ACCESS_URL, "account_manager")]
)
def test_without_permission_is_403(request, client_for, url, role):
    assert client_for(request.getfixturevalue(role)).get(url).status_code == 403


@pytest.mark.django_db
def test_nav_links_follow_the_permissions(client_for, auditor, viewer, credit_manager):
    auditor_page = client_for(auditor).get(reverse("web:customer_list")).content.decode()
    nav = auditor_page.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert CHANGES_URL in nav and ACCESS_URL in nav
    assert not auditor.is_staff and "/admin/" not in nav
    viewer_nav = client_for(viewer).get(reverse("web:customer_list")).content.decode()
    assert CHANGES_URL not in viewer_nav and ACCESS_URL not in viewer_nav
    manager_nav = client_for(credit_manager).get(reverse("web:customer_list")).content.decode()
    assert CHANGES_URL in manager_nav and ACCESS_URL not in manager_nav


# Change log -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_auditor_sees_all_changes_and_writes_nothing(client_for, auditor, trail):
    mine, theirs = trail
    changes_before = ObjectChange.objects.count()
    response = client_for(auditor).get(CHANGES_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "甲老名" in page and "乙老名" in page
    assert mine.code in page and theirs.code in page
    assert ObjectChange.objects.count() == changes_before


@pytest.mark.django_db
def test_account_manager_sees_only_own_customers_changes(client_for, account_manager, trail):
    mine, theirs = trail
    client = client_for(account_manager)
    page = client.get(CHANGES_URL).content.decode()
    assert "甲老名" in page
    assert "乙老名" not in page and theirs.code not in page
    # Naming the other manager's customer does not reveal it either.
    page = client.get(CHANGES_URL, {"customer": theirs.code}).content.decode()
    assert "乙老名" not in page and "No changes match." in page


@pytest.mark.django_db
def test_filters_by_type_user_customer_and_dates(
    client_for, auditor, account_manager, other_account_manager, trail
):
    mine, theirs = trail
    client = client_for(auditor)

    def shown(**params) -> tuple[bool, bool]:
        page = client.get(CHANGES_URL, params).content.decode()
        return "甲老名" in page, "乙老名" in page

    assert shown(object_type="customers.customeralias") == (True, True)
    assert shown(object_type="customers.customer") == (False, False)
    assert shown(user=other_account_manager.pk) == (False, True)
    assert shown(customer=mine.code) == (True, False)
    assert shown(date_from="2025-03-01", date_to="2025-03-01") == (True, False)
    assert shown(date_from="2025-03-02") == (False, True)
    assert shown(date_to="2025-03-19") == (True, False)


@pytest.mark.django_db
def test_object_type_filter_lists_types_with_labels(client_for, auditor, trail):
    page = client_for(auditor).get(CHANGES_URL).content.decode()
    select = page.split('name="object_type"', 1)[1].split("</select>", 1)[0]
    assert '<option value="customers.customeralias">Alias</option>' in select
    assert '<option value="customers.customer">Customer</option>' in select


@pytest.mark.django_db
def test_end_before_start_shows_field_error_and_no_entries(client_for, auditor, trail):
    response = client_for(auditor).get(
        CHANGES_URL, {"date_from": "2025-03-20", "date_to": "2025-03-01"}
    )
    page = response.content.decode()
    errors = page.split('id="id_date_to_errors"', 1)[1].split("</ul>", 1)[0]
    assert "The end date is before the start date." in errors
    assert "甲老名" not in page and "乙老名" not in page


@pytest.mark.django_db
def test_invalid_date_shows_field_error(client_for, auditor, trail):
    page = client_for(auditor).get(CHANGES_URL, {"date_from": "2025-13-01"}).content.decode()
    errors = page.split('id="id_date_from_errors"', 1)[1].split("</ul>", 1)[0]
    assert "Enter a valid date." in errors


@pytest.mark.django_db
def test_sensitive_values_masked_unless_allowed(
    client_for, auditor, credit_manager, account_manager, make_customer
):
    person = make_customer(
        owner=account_manager, kind="individual", name_zh="王五", id_number=ID_NUMBER
    )
    with acting_as(account_manager, channel="web"):
        customer_update(customer=person, id_number=NEW_ID_NUMBER)
    auditor_page = client_for(auditor).get(CHANGES_URL, {"customer": person.code}).content.decode()
    assert ID_NUMBER not in auditor_page and NEW_ID_NUMBER not in auditor_page
    assert "110105********002X" in auditor_page and "350102********1233" in auditor_page
    manager_page = (
        client_for(credit_manager).get(CHANGES_URL, {"customer": person.code}).content.decode()
    )
    assert ID_NUMBER in manager_page and NEW_ID_NUMBER in manager_page


@pytest.mark.django_db
def test_change_log_is_paginated(client_for, auditor, account_manager, make_customer):
    customer = make_customer(owner=account_manager)
    with acting_as(account_manager, channel="web"):
        for number in range(55):
            alias_add(customer=customer, name=f"名{number:02d}")
    client = client_for(auditor)
    first = client.get(CHANGES_URL, {"object_type": "customers.customeralias"})
    assert entry_count(first) == 50
    assert "55 entries" in first.content.decode()
    second = client.get(CHANGES_URL, {"object_type": "customers.customeralias", "page": 2})
    assert entry_count(second) == 5
    assert 'href="?object_type=customers.customeralias&amp;page=1"' in second.content.decode()


# Access log -----------------------------------------------------------------------------------


@pytest.fixture
def reads(make_customer, account_manager, other_account_manager, credit_manager):
    mine = make_customer(owner=account_manager, name_zh="读取甲有限公司")
    theirs = make_customer(owner=other_account_manager, name_zh="读取乙有限公司")
    access_log_write(
        user=account_manager, customer_id=mine.pk, resource="creditfile.basic", detail="read-mine"
    )
    access_log_write(
        user=credit_manager, customer_id=theirs.pk, resource="creditfile.bank", detail="read-theirs"
    )
    AccessLog.objects.filter(customer_id=mine.pk).update(time=at(dt.date(2025, 4, 1)))
    AccessLog.objects.filter(customer_id=theirs.pk).update(time=at(dt.date(2025, 4, 10)))
    return mine, theirs


@pytest.mark.django_db
def test_auditor_sees_and_filters_the_access_log(client_for, auditor, credit_manager, reads):
    mine, theirs = reads
    client = client_for(auditor)

    def shown(**params) -> tuple[bool, bool]:
        page = client.get(ACCESS_URL, params).content.decode()
        return "read-mine" in page, "read-theirs" in page

    assert shown() == (True, True)
    assert shown(user=credit_manager.pk) == (False, True)
    assert shown(customer=mine.code) == (True, False)
    assert shown(date_from="2025-04-02") == (False, True)
    assert shown(date_from="2025-04-01", date_to="2025-04-01") == (True, False)
    page = client.get(ACCESS_URL).content.decode()
    assert mine.code in page and "creditfile.bank" in page


@pytest.mark.django_db
def test_access_log_restricted_to_visible_customers(client_for, account_manager, reads):
    from tests.web.test_access import grant

    mine, theirs = reads
    reader = grant(account_manager, ["core.view_accesslog"])
    page = client_for(reader).get(ACCESS_URL).content.decode()
    assert "read-mine" in page and "read-theirs" not in page


@pytest.mark.django_db
def test_access_log_bad_dates_show_field_error(client_for, auditor, reads):
    page = (
        client_for(auditor)
        .get(ACCESS_URL, {"date_from": "2025-04-10", "date_to": "2025-04-01"})
        .content.decode()
    )
    errors = page.split('id="id_date_to_errors"', 1)[1].split("</ul>", 1)[0]
    assert "The end date is before the start date." in errors
    assert "read-mine" not in page and "read-theirs" not in page
