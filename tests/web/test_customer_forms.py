"""Create, edit, delete and owner change of customers, and contacts, through the UI."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credo.core.models import ObjectChange
from credo.customers.models import Contact, Customer, OwnershipPeriod
from tests.conftest import VALID_USCC, VALID_USCC_2

BAD_USCC = "91350100M000100Y44"  # VALID_USCC with a wrong check character
CREATE_URL = reverse("web:customer_create")


def form_data(**overrides):
    data = {
        "kind": "enterprise",
        "status": "active",
        "name_zh": "福州新客户有限公司",
        "registered_capital_currency": "CNY",
        "paid_in_capital_currency": "CNY",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_create_with_invalid_uscc_shows_field_error_and_writes_nothing(client_for, account_manager):
    response = client_for(account_manager).post(CREATE_URL, form_data(uscc=BAD_USCC))
    assert response.status_code == 200
    page = response.content.decode()
    error_block = page.split('id="id_uscc_errors"', 1)[1].split("</ul>", 1)[0]
    assert (
        "The check character of this unified social credit code is 4 but should be 3" in error_block
    )
    assert Customer.objects.count() == 0
    assert ObjectChange.objects.count() == 0
    assert OwnershipPeriod.objects.count() == 0


@pytest.mark.django_db
def test_create_with_short_uscc_shows_length_error(client_for, account_manager):
    response = client_for(account_manager).post(CREATE_URL, form_data(uscc="9135"))
    assert "this one has 4" in response.content.decode()
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_create_without_name_shows_error_under_name(client_for, account_manager):
    response = client_for(account_manager).post(CREATE_URL, form_data(name_zh=""))
    page = response.content.decode()
    assert (
        "Give the customer&#x27;s name in Chinese or English."
        in page.split('id="id_name_zh_errors"', 1)[1]
    )
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_create_valid_customer_goes_through_service(client_for, account_manager):
    response = client_for(account_manager).post(
        CREATE_URL, form_data(uscc=VALID_USCC.lower(), registered_capital="5000000.00")
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:customer_detail", args=[customer.pk])
    assert customer.uscc == VALID_USCC  # normalised by the model
    assert customer.code == f"C{customer.pk:08d}"  # numbered by the service
    assert customer.account_manager == account_manager
    change = ObjectChange.objects.get(object_type="customers.customer", action="create")
    assert change.user_name == account_manager.username
    assert change.channel == "ui" and change.request_id
    assert OwnershipPeriod.objects.filter(customer=customer, ended_at=None).exists()


@pytest.mark.django_db
def test_duplicate_uscc_is_reported_under_the_field(client_for, account_manager, make_customer):
    make_customer(uscc=VALID_USCC)
    response = client_for(account_manager).post(CREATE_URL, form_data(uscc=VALID_USCC))
    assert response.status_code == 200
    assert 'id="id_uscc_errors"' in response.content.decode()
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_credit_manager_may_choose_the_owner(client_for, credit_manager, account_manager):
    response = client_for(credit_manager).post(
        CREATE_URL, form_data(account_manager=str(account_manager.pk))
    )
    assert response.status_code == 302
    assert Customer.objects.get().account_manager == account_manager


@pytest.mark.django_db
def test_account_manager_cannot_choose_another_owner(
    client_for, account_manager, other_account_manager
):
    client = client_for(account_manager)
    assert 'name="account_manager"' not in client.get(CREATE_URL).content.decode()
    client.post(CREATE_URL, form_data(account_manager=str(other_account_manager.pk)))
    assert Customer.objects.get().account_manager == account_manager


@pytest.mark.django_db
def test_edit_logs_change_visible_on_history_tab(client_for, credit_manager, make_customer):
    customer = make_customer(name_zh="旧名称有限公司", uscc=VALID_USCC_2)
    client = client_for(credit_manager)
    edit_url = reverse("web:customer_edit", args=[customer.pk])
    form = client.get(edit_url).content.decode()
    assert 'value="旧名称有限公司"' in form
    response = client.post(
        edit_url, form_data(name_zh="新名称有限公司", uscc=VALID_USCC_2, code=customer.code)
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name_zh == "新名称有限公司"
    change = ObjectChange.objects.get(object_type="customers.customer", action="update")
    assert change.prechange_data["name_zh"] == "旧名称有限公司"
    assert change.postchange_data["name_zh"] == "新名称有限公司"

    history = client.get(
        reverse("web:customer_detail", args=[customer.pk]) + "?tab=history"
    ).content.decode()
    assert credit_manager.username in history
    assert change.request_id[:10] in history
    assert "旧名称有限公司" in history and "新名称有限公司" in history
    assert "Name (Chinese)" in history  # field label, not the column name


@pytest.mark.django_db
def test_edit_without_changes_writes_no_log(client_for, credit_manager, make_customer):
    customer = make_customer(name_zh="不变有限公司")
    before = ObjectChange.objects.count()
    response = client_for(credit_manager).post(
        reverse("web:customer_edit", args=[customer.pk]),
        form_data(name_zh="不变有限公司", code=customer.code),
    )
    assert response.status_code == 302
    assert ObjectChange.objects.count() == before


@pytest.mark.django_db
def test_edit_with_invalid_uscc_keeps_the_stored_one(client_for, credit_manager, make_customer):
    customer = make_customer(uscc=VALID_USCC)
    response = client_for(credit_manager).post(
        reverse("web:customer_edit", args=[customer.pk]),
        form_data(name_zh=customer.name_zh, uscc=BAD_USCC, code=customer.code),
    )
    assert response.status_code == 200
    assert 'id="id_uscc_errors"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.uscc == VALID_USCC
    assert not ObjectChange.objects.filter(action="update").exists()


@pytest.mark.django_db
def test_edit_hides_id_number_from_users_without_sensitive_permission(
    client_for, account_manager, make_customer
):
    customer = make_customer(kind="individual", name_zh="张三", id_number="11010519491231002X")
    client = client_for(account_manager)
    url = reverse("web:customer_edit", args=[customer.pk])
    form = client.get(url).content.decode()
    assert "11010519491231002X" not in form
    assert "110105********002X" in form  # shown masked in the help text
    # Saving with the field left blank keeps the stored number.
    response = client.post(
        url, form_data(kind="individual", name_zh="张三丰", id_number="", code=customer.code)
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name_zh == "张三丰"
    assert customer.id_number == "11010519491231002X"


@pytest.mark.django_db
def test_delete_customer_confirm_then_delete(client_for, credit_manager, make_customer):
    customer = make_customer(name_zh="待删除有限公司")
    client = client_for(credit_manager)
    url = reverse("web:customer_delete", args=[customer.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "待删除有限公司" in confirm.content.decode()
    assert Customer.objects.filter(pk=customer.pk).exists()  # GET deletes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert ObjectChange.objects.filter(action="delete", object_id=str(customer.pk)).exists()


@pytest.mark.django_db
def test_delete_refused_by_service_shows_message(client_for, credit_manager, make_customer):
    parent = make_customer(name_zh="集团母公司")
    make_customer(name_zh="子公司", parent=parent)
    response = client_for(credit_manager).post(reverse("web:customer_delete", args=[parent.pk]))
    assert response.status_code == 200
    assert "Detach the subsidiaries of this customer before deleting it." in (
        response.content.decode()
    )
    assert Customer.objects.filter(pk=parent.pk).exists()


@pytest.mark.django_db
def test_owner_change_records_ownership_history(
    client_for, credit_manager, account_manager, other_account_manager, make_customer
):
    customer = make_customer(owner=account_manager)
    client = client_for(credit_manager)
    response = client.post(
        reverse("web:customer_owner", args=[customer.pk]),
        {"account_manager": other_account_manager.pk, "reason": "区域调整"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.account_manager == other_account_manager
    page = client.get(
        reverse("web:customer_detail", args=[customer.pk]) + "?tab=ownership"
    ).content.decode()
    assert "区域调整" in page
    assert account_manager.username in page and other_account_manager.username in page


@pytest.mark.django_db
def test_parent_code_must_be_visible(
    client_for, account_manager, other_account_manager, make_customer
):
    hidden = make_customer(owner=other_account_manager, code="HID001")
    response = client_for(account_manager).post(CREATE_URL, form_data(parent_code="HID001"))
    assert "No customer with this number is visible to you." in response.content.decode()
    assert Customer.objects.count() == 1 and Customer.objects.get() == hidden


@pytest.mark.django_db
def test_contacts_add_edit_delete(client_for, credit_manager, make_customer):
    customer = make_customer()
    client = client_for(credit_manager)
    response = client.post(
        reverse("web:contact_create", args=[customer.pk]),
        {"name": "陈财务", "role": "finance", "mobile": "13800000000", "is_primary": "on"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get(customer=customer)
    assert contact.is_primary and contact.role == "finance"

    response = client.post(
        reverse("web:contact_edit", args=[customer.pk, contact.pk]),
        {"name": "陈财务", "role": "finance", "mobile": "13800000001", "is_primary": "on"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.mobile == "13800000001"
    assert ObjectChange.objects.filter(
        object_type="customers.contact", action="update", customer_id=customer.pk
    ).exists()
    tab = client.get(reverse("web:customer_detail", args=[customer.pk]) + "?tab=contacts")
    assert "13800000001" in tab.content.decode()

    response = client.post(reverse("web:contact_delete", args=[customer.pk, contact.pk]))
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.django_db
def test_contact_with_bad_email_shows_error(client_for, credit_manager, make_customer):
    customer = make_customer()
    response = client_for(credit_manager).post(
        reverse("web:contact_create", args=[customer.pk]),
        {"name": "无效邮箱", "role": "other", "email": "not-an-address"},
    )
    assert response.status_code == 200
    assert 'id="id_email_errors"' in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_edit_requires_customer_number(client_for, credit_manager, make_customer):
    customer = make_customer()
    response = client_for(credit_manager).post(
        reverse("web:customer_edit", args=[customer.pk]),
        form_data(name_zh=customer.name_zh, code=""),
    )
    assert response.status_code == 200
    assert 'id="id_code_errors"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.code == f"C{customer.pk:08d}"
