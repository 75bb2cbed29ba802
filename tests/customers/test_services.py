import pytest
from django.core.exceptions import ValidationError

from credo.core.context import acting_as
from credo.core.models import BusinessEvent, ObjectChange
from credo.customers.models import Customer, OwnershipPeriod
from credo.customers.services import (
    contact_create,
    customer_assign_owner,
    customer_create,
    customer_update,
)
from tests.conftest import VALID_USCC, VALID_USCC_2


@pytest.mark.django_db
def test_create_numbers_customer_and_logs_change_and_event(account_manager):
    with acting_as(account_manager, channel="ui", request_id="req-1"):
        customer = customer_create(
            account_manager=account_manager, name_zh="福州测试有限公司", uscc=VALID_USCC
        )
    assert customer.code == f"C{customer.pk:08d}"
    change = ObjectChange.objects.get(object_type="customers.customer", object_id=str(customer.pk))
    assert change.action == "create"
    assert change.user_name == account_manager.username
    assert change.request_id == "req-1"
    assert change.postchange_data["code"] == customer.code
    assert change.postchange_data["uscc"] == VALID_USCC
    assert BusinessEvent.objects.filter(name="customer.created", customer_id=customer.pk).exists()
    assert OwnershipPeriod.objects.get(customer=customer).ended_at is None


@pytest.mark.django_db
def test_invalid_uscc_is_rejected_and_nothing_written(account_manager):
    with pytest.raises(ValidationError) as exc:
        customer_create(account_manager=account_manager, name_zh="坏代码公司",
                        uscc="91350100M000100Y44")
    assert "uscc" in exc.value.message_dict
    assert Customer.objects.count() == 0
    assert ObjectChange.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_uscc_rejected(make_customer):
    make_customer(uscc=VALID_USCC)
    with pytest.raises(ValidationError) as exc:
        make_customer(uscc=VALID_USCC.lower())
    assert "uscc" in exc.value.message_dict


@pytest.mark.django_db
def test_update_without_change_writes_no_log(make_customer):
    customer = make_customer(uscc=VALID_USCC_2)
    before = ObjectChange.objects.count()
    assert customer_update(customer=customer, name_zh=customer.name_zh) is False
    assert ObjectChange.objects.count() == before
    assert customer_update(customer=customer, name_en="Test Co") is True
    change = ObjectChange.objects.filter(action="update").get()
    assert change.prechange_data["name_en"] == ""
    assert change.postchange_data["name_en"] == "Test Co"


@pytest.mark.django_db
def test_paid_in_above_registered_capital_rejected(account_manager):
    with pytest.raises(ValidationError) as exc:
        customer_create(account_manager=account_manager, name_zh="资本公司",
                        registered_capital="100.00", paid_in_capital="200.00")
    assert "paid_in_capital" in exc.value.message_dict


@pytest.mark.django_db
def test_group_cycle_rejected(make_customer):
    parent = make_customer()
    child = make_customer(parent=parent)
    with pytest.raises(ValidationError) as exc:
        customer_update(customer=parent, parent=child)
    assert "parent" in exc.value.message_dict


@pytest.mark.django_db
def test_owner_change_keeps_history(make_customer, other_account_manager):
    customer = make_customer()
    assert customer_assign_owner(customer=customer, account_manager=other_account_manager,
                                 reason="territory change")
    periods = list(OwnershipPeriod.objects.filter(customer=customer).order_by("id"))
    assert len(periods) == 2
    assert periods[0].ended_at is not None
    assert periods[1].account_manager == other_account_manager and periods[1].ended_at is None


@pytest.mark.django_db
def test_new_primary_contact_demotes_previous(make_customer):
    customer = make_customer()
    first = contact_create(customer=customer, name="张三", is_primary=True)
    second = contact_create(customer=customer, name="李四", is_primary=True)
    first.refresh_from_db()
    assert not first.is_primary and second.is_primary


@pytest.mark.django_db
def test_account_manager_sees_only_own_and_team_customers(
    make_customer, account_manager, other_account_manager, viewer
):
    from credo.customers.services import team_member_add

    mine = make_customer(owner=account_manager)
    theirs = make_customer(owner=other_account_manager)
    shared = make_customer(owner=other_account_manager)
    team_member_add(customer=shared, user=account_manager)
    visible = set(Customer.objects.restrict(account_manager).values_list("pk", flat=True))
    assert visible == {mine.pk, shared.pk}
    assert theirs.pk not in visible
    assert Customer.objects.restrict(viewer).count() == 3
