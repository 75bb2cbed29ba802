"""Customer master through the API: CRUD, permissions, visibility, masking, errors, listing."""

from __future__ import annotations

import pytest

from credo.core.models import ObjectChange
from credo.customers.models import (
    Contact,
    Customer,
    CustomerAlias,
    ExternalId,
    OwnershipPeriod,
    Tag,
)
from credo.customers.services import contact_create
from tests.conftest import VALID_USCC, VALID_USCC_2

from .conftest import assert_error

# GB 11643 valid resident ID number (check digit X).
VALID_ID_NUMBER = "11010519491231002X"
BAD_USCC = "91350100M000100Y44"  # valid except the check character (should be 3)


# --- create / read / update / delete -------------------------------------------------------


@pytest.mark.django_db
def test_account_manager_creates_customer_and_owns_it(account_manager, api_as):
    response = api_as(account_manager).post(
        "/api/v1/customers",
        {
            "name_zh": "福州测试有限公司",
            "uscc": VALID_USCC.lower(),
            "industry": "C",
            "registered_capital": "1000000.50",
            "paid_in_capital": 500000,
            "founding_date": "2015-03-01",
            "registered_province": "35",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get()
    assert body["id"] == customer.pk
    assert body["code"] == f"C{customer.pk:08d}"
    assert body["uscc"] == VALID_USCC  # normalised by the model
    assert body["registered_capital"] == "1000000.50"  # money as a string
    assert body["paid_in_capital"] == "500000.00"
    assert body["founding_date"] == "2015-03-01"
    assert body["industry"]["code"] == "C"
    assert body["account_manager"]["username"] == account_manager.username
    assert customer.account_manager == account_manager
    assert OwnershipPeriod.objects.filter(customer=customer, account_manager=account_manager)


@pytest.mark.django_db
def test_get_patch_delete_customer(make_customer, credit_manager, api_as):
    customer = make_customer(uscc=VALID_USCC)
    api = api_as(credit_manager)
    assert api.get(f"/api/v1/customers/{customer.pk}").json()["uscc"] == VALID_USCC

    response = api.patch(
        f"/api/v1/customers/{customer.pk}", {"name_en": "Fuzhou Test Co", "website": None}
    )
    assert response.status_code == 200, response.content
    assert response.json()["name_en"] == "Fuzhou Test Co"
    customer.refresh_from_db()
    assert customer.name_en == "Fuzhou Test Co"
    assert customer.uscc == VALID_USCC  # untouched: PATCH sends only changes

    assert api.delete(f"/api/v1/customers/{customer.pk}").status_code == 204
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert ObjectChange.objects.filter(
        object_type="customers.customer", object_id=str(customer.pk), action="delete"
    ).exists()


@pytest.mark.django_db
def test_parent_and_tags_are_set_by_reference(make_customer, credit_manager, api_as):
    parent = make_customer()
    child = make_customer()
    Tag.objects.create(name="key account")
    response = api_as(credit_manager).patch(
        f"/api/v1/customers/{child.pk}", {"parent": parent.pk, "tags": ["key account"]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["parent"] == parent.pk
    assert response.json()["tags"] == ["key account"]


@pytest.mark.django_db
def test_unknown_tag_and_industry_are_field_errors(make_customer, credit_manager, api_as):
    customer = make_customer()
    response = api_as(credit_manager).patch(
        f"/api/v1/customers/{customer.pk}", {"tags": ["nope"], "industry": "ZZ"}
    )
    body = assert_error(response, 400, "invalid")
    assert body["field_errors"] == {
        "tags": ["Unknown tag: nope."],
        "industry": ["Unknown industry code."],
    }
    customer.refresh_from_db()
    assert customer.industry is None


# --- validation errors ---------------------------------------------------------------------


@pytest.mark.django_db
def test_bad_uscc_gives_exact_field_error_and_writes_nothing(account_manager, api_as):
    response = api_as(account_manager).post(
        "/api/v1/customers", {"name_zh": "坏代码公司", "uscc": BAD_USCC}
    )
    body = assert_error(response, 400, "invalid")
    assert body["message"] == "The data is not valid."
    assert body["field_errors"] == {
        "uscc": [
            "The check character of this unified social credit code is 4 but should be 3: "
            "please check the code for a typing error."
        ]
    }
    assert not Customer.objects.exists()
    assert not ObjectChange.objects.exists()


@pytest.mark.django_db
def test_duplicate_uscc_is_a_400_field_error(make_customer, account_manager, api_as):
    make_customer(uscc=VALID_USCC)
    response = api_as(account_manager).post(
        "/api/v1/customers", {"name_zh": "重复公司", "uscc": VALID_USCC}
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["field_errors"]) == ["uscc"]
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_schema_errors_are_422_with_field_errors(account_manager, api_as):
    response = api_as(account_manager).post(
        "/api/v1/customers",
        {"name_zh": "类型错误公司", "founding_date": "yesterday", "colour": "red"},
    )
    body = assert_error(response, 422, "invalid_request")
    assert body["field_errors"] == {
        "founding_date": ["Enter a date as YYYY-MM-DD."],
        "colour": ["This field is not allowed here."],
    }
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_bad_query_parameter_is_422(viewer, api_as):
    body = assert_error(
        api_as(viewer).get("/api/v1/customers", limit="many"), 422, "invalid_request"
    )
    assert body["field_errors"] == {"limit": ["Enter a whole number."]}


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(viewer, api_as):
    assert_error(api_as(viewer).get("/api/v1/no-such-thing"), 404, "not_found")


@pytest.mark.django_db
def test_deleting_a_parent_with_subsidiaries_is_refused(make_customer, credit_manager, api_as):
    parent = make_customer()
    make_customer(parent=parent)
    body = assert_error(
        api_as(credit_manager).delete(f"/api/v1/customers/{parent.pk}"), 400, "invalid"
    )
    assert body["field_errors"] == {
        "parent": ["Detach the subsidiaries of this customer before deleting it."]
    }
    assert Customer.objects.filter(pk=parent.pk).exists()


# --- permissions (403) ---------------------------------------------------------------------


@pytest.mark.django_db
def test_viewer_cannot_write_anything(make_customer, viewer, api_as):
    customer = make_customer()
    contact = contact_create(customer=customer, name="王经理")
    alias = CustomerAlias.objects.create(customer=customer, name="旧名")
    external = ExternalId.objects.create(customer=customer, source_system="erp", external_id="1")
    api = api_as(viewer)
    base = f"/api/v1/customers/{customer.pk}"
    writes = [
        ("post", "/api/v1/customers", {"name_zh": "观察者公司"}),
        ("patch", base, {"name_en": "X"}),
        ("delete", base, None),
        ("put", f"{base}/account-manager", {"account_manager": viewer.pk}),
        ("post", f"{base}/aliases", {"name": "别名"}),
        ("delete", f"{base}/aliases/{alias.pk}", None),
        ("post", f"{base}/external-ids", {"source_system": "crm", "external_id": "9"}),
        ("delete", f"{base}/external-ids/{external.pk}", None),
        ("post", f"{base}/contacts", {"name": "李四"}),
        ("patch", f"/api/v1/contacts/{contact.pk}", {"title": "CFO"}),
        ("delete", f"/api/v1/contacts/{contact.pk}", None),
    ]
    changes_before = ObjectChange.objects.count()
    for method, path, data in writes:
        response = api.delete(path) if method == "delete" else getattr(api, method)(path, data)
        body = assert_error(response, 403, "permission_denied")
        assert body["message"] == "You do not have permission to perform this action.", path
    assert ObjectChange.objects.count() == changes_before
    assert Customer.objects.count() == 1
    assert Contact.objects.get().title == ""


@pytest.mark.django_db
def test_service_agent_reads_contacts_but_not_external_ids_or_history(
    make_customer, service_agent, api_as
):
    customer = make_customer()
    api = api_as(service_agent)
    # service agents see customers and contacts but not external ids or the history
    assert api.get(f"/api/v1/customers/{customer.pk}/contacts").status_code == 200
    assert_error(api.get(f"/api/v1/customers/{customer.pk}/external-ids"), 403, "permission_denied")
    assert_error(api.get(f"/api/v1/customers/{customer.pk}/history"), 403, "permission_denied")


@pytest.mark.django_db
def test_account_manager_cannot_hand_customer_over(
    make_customer, account_manager, other_account_manager, api_as
):
    customer = make_customer()
    response = api_as(account_manager).put(
        f"/api/v1/customers/{customer.pk}/account-manager",
        {"account_manager": other_account_manager.pk},
    )
    assert_error(response, 403, "permission_denied")
    customer.refresh_from_db()
    assert customer.account_manager == account_manager


@pytest.mark.django_db
def test_creating_for_another_manager_needs_assign_owner(
    account_manager, other_account_manager, credit_manager, api_as
):
    payload = {"name_zh": "代建公司", "account_manager": other_account_manager.username}
    assert_error(
        api_as(account_manager).post("/api/v1/customers", payload), 403, "permission_denied"
    )
    assert not Customer.objects.exists()
    response = api_as(credit_manager).post("/api/v1/customers", payload)
    assert response.status_code == 201
    assert response.json()["account_manager"]["id"] == other_account_manager.pk


@pytest.mark.django_db
def test_credit_manager_changes_account_manager(
    make_customer, credit_manager, other_account_manager, api_as
):
    customer = make_customer()
    response = api_as(credit_manager).put(
        f"/api/v1/customers/{customer.pk}/account-manager",
        {"account_manager": other_account_manager.username, "reason": "区域调整"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["account_manager"]["id"] == other_account_manager.pk
    history = api_as(credit_manager).get(f"/api/v1/customers/{customer.pk}/ownership-history")
    periods = history.json()
    assert [p["account_manager"]["id"] for p in periods][0] == other_account_manager.pk
    assert periods[0]["reason"] == "区域调整"
    assert periods[1]["ended_at"] is not None


@pytest.mark.django_db
def test_assigning_unknown_user_is_field_error(make_customer, credit_manager, api_as):
    customer = make_customer()
    body = assert_error(
        api_as(credit_manager).put(
            f"/api/v1/customers/{customer.pk}/account-manager", {"account_manager": "ghost"}
        ),
        400,
        "invalid",
    )
    assert body["field_errors"] == {
        "account_manager": ["No active user with this id or user name."]
    }


# --- visibility (404 for another manager's customer) ----------------------------------------


@pytest.mark.django_db
def test_other_managers_customer_is_404_everywhere(make_customer, other_account_manager, api_as):
    customer = make_customer()  # owned by account_manager
    contact = contact_create(customer=customer, name="张三")
    api = api_as(other_account_manager)
    base = f"/api/v1/customers/{customer.pk}"
    attempts = [
        api.get(base),
        api.patch(base, {"name_en": "Hijacked"}),
        api.get(f"{base}/contacts"),
        api.post(f"{base}/contacts", {"name": "入侵者"}),
        api.get(f"/api/v1/contacts/{contact.pk}"),
        api.patch(f"/api/v1/contacts/{contact.pk}", {"title": "X"}),
        api.get(f"{base}/aliases"),
        api.post(f"{base}/aliases", {"name": "别名"}),
        api.get(f"{base}/history"),
        api.get(f"{base}/ownership-history"),
    ]
    for response in attempts:
        assert_error(response, 404, "not_found")
    customer.refresh_from_db()
    assert customer.name_en == ""
    assert Contact.objects.count() == 1
    assert not CustomerAlias.objects.exists()
    listing = api.get("/api/v1/customers").json()
    assert listing["count"] == 0


@pytest.mark.django_db
def test_other_manager_cannot_delete(make_customer, make_user, other_account_manager, api_as):
    from django.contrib.auth.models import Permission

    customer = make_customer()
    # Give the other manager the delete permission: visibility must still stop them.
    other_account_manager.user_permissions.add(Permission.objects.get(codename="delete_customer"))
    from django.contrib.auth import get_user_model

    other = get_user_model().objects.get(pk=other_account_manager.pk)
    assert other.has_perm("customers.delete_customer")
    assert_error(api_as(other).delete(f"/api/v1/customers/{customer.pk}"), 404, "not_found")
    assert Customer.objects.filter(pk=customer.pk).exists()


@pytest.mark.django_db
def test_team_member_sees_customer(make_customer, other_account_manager, api_as):
    from credo.customers.services import team_member_add

    customer = make_customer()
    team_member_add(customer=customer, user=other_account_manager)
    response = api_as(other_account_manager).get(f"/api/v1/customers/{customer.pk}")
    assert response.status_code == 200


# --- masking -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_id_number_masked_for_viewer_not_for_credit_manager(
    make_customer, viewer, credit_manager, api_as
):
    person = make_customer(kind="individual", name_zh="张三", id_number=VALID_ID_NUMBER)
    as_viewer = api_as(viewer).get(f"/api/v1/customers/{person.pk}").json()
    assert as_viewer["id_number"] == "110105********002X"
    assert as_viewer["id_number_masked"] is True
    as_manager = api_as(credit_manager).get(f"/api/v1/customers/{person.pk}").json()
    assert as_manager["id_number"] == VALID_ID_NUMBER
    assert as_manager["id_number_masked"] is False


# --- list, filters, pagination, sort -------------------------------------------------------


@pytest.mark.django_db
def test_list_filters_paginates_and_sorts(
    make_customer, account_manager, other_account_manager, viewer, api_as
):
    make_customer(name_zh="甲公司", registered_province="35", uscc=VALID_USCC)
    make_customer(name_zh="乙公司", registered_province="11")
    make_customer(
        owner=other_account_manager, name_zh="丙公司", registered_province="35", uscc=VALID_USCC_2
    )
    make_customer(kind="individual", name_zh="丁先生", id_number=VALID_ID_NUMBER)
    api = api_as(viewer)

    page = api.get("/api/v1/customers", limit=2, offset=0, sort="code").json()
    assert page["count"] == 4
    assert page["limit"] == 2 and page["offset"] == 0
    assert [c["name_zh"] for c in page["items"]] == ["甲公司", "乙公司"]
    second = api.get("/api/v1/customers", limit=2, offset=2, sort="code").json()
    assert [c["name_zh"] for c in second["items"]] == ["丙公司", "丁先生"]

    desc = api.get("/api/v1/customers", sort="-code").json()
    assert [c["name_zh"] for c in desc["items"]][0] == "丁先生"

    in_fujian = api.get("/api/v1/customers", province="35").json()
    assert sorted(c["name_zh"] for c in in_fujian["items"]) == ["丙公司", "甲公司"]
    assert api.get("/api/v1/customers", search="乙").json()["count"] == 1
    assert api.get("/api/v1/customers", search=VALID_USCC_2).json()["items"][0]["name_zh"] == (
        "丙公司"
    )
    assert api.get("/api/v1/customers", kind="individual").json()["count"] == 1
    owned = api.get("/api/v1/customers", owner=other_account_manager.username).json()
    assert [c["name_zh"] for c in owned["items"]] == ["丙公司"]
    assert api.get("/api/v1/customers", status="revoked").json()["count"] == 0

    # the account manager sees only their own three
    mine = api_as(account_manager).get("/api/v1/customers").json()
    assert mine["count"] == 3


@pytest.mark.django_db
def test_limit_above_maximum_is_rejected(viewer, api_as):
    body = assert_error(api_as(viewer).get("/api/v1/customers", limit=501), 422, "invalid_request")
    assert list(body["field_errors"]) == ["limit"]


# --- aliases, external ids, contacts -------------------------------------------------------


@pytest.mark.django_db
def test_aliases_and_external_ids(make_customer, credit_manager, api_as):
    customer = make_customer()
    api = api_as(credit_manager)
    base = f"/api/v1/customers/{customer.pk}"
    created = api.post(f"{base}/aliases", {"name": "旧名称", "kind": "former"})
    assert created.status_code == 201, created.content
    assert api.get(f"{base}/aliases").json() == [
        {"id": created.json()["id"], "name": "旧名称", "kind": "former", "valid_until": None}
    ]
    assert api.get("/api/v1/customers", search="旧名").json()["count"] == 1

    ext = api.post(f"{base}/external-ids", {"source_system": "erp", "external_id": "K-1"})
    assert ext.status_code == 201
    other = make_customer()
    clash = api.post(
        f"/api/v1/customers/{other.pk}/external-ids", {"source_system": "erp", "external_id": "K-1"}
    )
    body = assert_error(clash, 400, "invalid")
    assert body["field_errors"] == {
        "external_id": ["This external id already belongs to another customer."]
    }
    detail = api.get(base).json()
    assert [a["name"] for a in detail["aliases"]] == ["旧名称"]
    assert detail["external_ids"][0]["external_id"] == "K-1"

    assert api.delete(f"{base}/aliases/{created.json()['id']}").status_code == 204
    assert api.delete(f"{base}/external-ids/{ext.json()['id']}").status_code == 204
    assert not CustomerAlias.objects.exists()
    assert not ExternalId.objects.exists()


@pytest.mark.django_db
def test_contacts_crud_and_primary_demotion(make_customer, account_manager, credit_manager, api_as):
    customer = make_customer()
    api = api_as(account_manager)
    first = api.post(
        f"/api/v1/customers/{customer.pk}/contacts",
        {"name": "王财务", "role": "finance", "is_primary": True, "email": "wang@example.com"},
    )
    assert first.status_code == 201, first.content
    second = api.post(
        f"/api/v1/customers/{customer.pk}/contacts", {"name": "李采购", "is_primary": True}
    )
    assert second.status_code == 201
    listing = api.get(f"/api/v1/customers/{customer.pk}/contacts").json()
    assert [(c["name"], c["is_primary"]) for c in listing] == [("李采购", True), ("王财务", False)]

    bad = api.patch(f"/api/v1/contacts/{first.json()['id']}", {"email": "not-an-email"})
    body = assert_error(bad, 400, "invalid")
    assert body["field_errors"] == {"email": ["Enter a valid email address."]}

    ok = api.patch(f"/api/v1/contacts/{first.json()['id']}", {"title": "财务经理"})
    assert ok.json()["title"] == "财务经理"
    assert api.get(f"/api/v1/contacts/{first.json()['id']}").json()["title"] == "财务经理"
    # account managers may add and change contacts but not delete them
    assert_error(api.delete(f"/api/v1/contacts/{first.json()['id']}"), 403, "permission_denied")
    deleted = api_as(credit_manager).delete(f"/api/v1/contacts/{first.json()['id']}")
    assert deleted.status_code == 204
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_contact_without_name_is_422(make_customer, account_manager, api_as):
    customer = make_customer()
    body = assert_error(
        api_as(account_manager).post(f"/api/v1/customers/{customer.pk}/contacts", {"title": "X"}),
        422,
        "invalid_request",
    )
    assert body["field_errors"] == {"name": ["This field is required."]}


@pytest.mark.django_db
def test_customer_write_via_api_records_api_channel(make_customer, credit_manager, api_as):
    customer = make_customer()
    api_as(credit_manager).patch(f"/api/v1/customers/{customer.pk}", {"name_en": "Logged"})
    change = ObjectChange.objects.filter(action="update").get()
    assert change.channel == "api"
    assert change.user_name == credit_manager.username
    assert change.request_id


@pytest.mark.django_db
def test_team_member_added_through_api_gains_visibility(
    make_customer, account_manager, other_account_manager, viewer, api_as
):
    customer = make_customer()
    owner_api = api_as(account_manager)
    added = owner_api.post(
        f"/api/v1/customers/{customer.pk}/team",
        {"user": other_account_manager.username, "role": "backup"},
    )
    assert added.status_code == 201, added.content
    assert added.json()["user"]["id"] == other_account_manager.pk
    assert api_as(other_account_manager).get(f"/api/v1/customers/{customer.pk}").status_code == 200
    assert [m["role"] for m in owner_api.get(f"/api/v1/customers/{customer.pk}/team").json()] == [
        "backup"
    ]
    # viewers may not change teams; account managers may not remove members
    assert_error(
        api_as(viewer).post(f"/api/v1/customers/{customer.pk}/team", {"user": viewer.pk}),
        403,
        "permission_denied",
    )
    member_path = f"/api/v1/customers/{customer.pk}/team/{added.json()['id']}"
    assert_error(owner_api.delete(member_path), 403, "permission_denied")


@pytest.mark.django_db
def test_handing_over_own_customer_answers_although_no_longer_visible(
    make_customer, account_manager, other_account_manager, api_as
):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    account_manager.user_permissions.add(Permission.objects.get(codename="assign_owner"))
    manager = get_user_model().objects.get(pk=account_manager.pk)
    customer = make_customer(owner=manager)
    api = api_as(manager)
    response = api.put(
        f"/api/v1/customers/{customer.pk}/account-manager",
        {"account_manager": other_account_manager.pk},
    )
    assert response.status_code == 200, response.content
    assert response.json()["account_manager"]["id"] == other_account_manager.pk
    assert_error(api.get(f"/api/v1/customers/{customer.pk}"), 404, "not_found")
