"""Former names, source-system identifiers and team members on the customer page."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from credo.core.context import acting_as
from credo.core.models import ObjectChange
from credo.customers.models import Customer, CustomerAlias, ExternalId, TeamMember
from credo.customers.services import alias_add, external_id_set, team_member_add
from tests.web.test_access import grant


@dataclass(frozen=True)
class Route:
    name: str
    part: str  # "" or the attribute of the fixture holding the object in the URL
    permission: str
    lacking_role: str


ROUTES = [
    Route("alias_create", "", "customers.add_customeralias", "viewer"),
    Route("alias_delete", "alias", "customers.delete_customeralias", "account_manager"),
    Route("external_id_create", "", "customers.add_externalid", "viewer"),
    Route("external_id_delete", "external_id", "customers.delete_externalid", "account_manager"),
    Route("team_member_create", "", "customers.add_teammember", "viewer"),
    Route("team_member_delete", "member", "customers.delete_teammember", "account_manager"),
]
IDS = [route.name for route in ROUTES]


@pytest.fixture
def parts_customer(make_customer, account_manager, make_user):
    """A customer of ``account_manager`` with one alias, one ERP id and one team member."""
    customer = make_customer(owner=account_manager, name_zh="福建别名测试有限公司")
    colleague = make_user("account_manager", username="colleague")
    with acting_as(account_manager, channel="system"):
        customer.test_alias = alias_add(customer=customer, name="福建老字号", kind="former")
        customer.test_external_id = external_id_set(
            customer=customer, source_system="ERP", external_id="C-0001"
        )
        customer.test_member = team_member_add(customer=customer, user=colleague, role="销售助理")
    return customer


def url_of(route: Route, customer) -> str:
    args = [customer.pk]
    if route.part:
        args.append(getattr(customer, f"test_{route.part}").pk)
    return reverse(f"web:{route.name}", args=args)


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_anonymous_is_sent_to_login(client, parts_customer, route):
    response = client.get(url_of(route, parts_customer))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_role_without_permission_gets_403(request, client_for, parts_customer, route):
    user = request.getfixturevalue(route.lacking_role)
    assert not user.has_perm(route.permission)
    client = client_for(user)
    assert client.get(url_of(route, parts_customer)).status_code == 403
    changes_before = ObjectChange.objects.count()
    assert client.post(url_of(route, parts_customer), {"name": "x"}).status_code == 403
    assert ObjectChange.objects.count() == changes_before


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_other_managers_customer_is_404(client_for, other_account_manager, parts_customer, route):
    intruder = grant(other_account_manager, [route.permission])
    assert client_for(intruder).get(url_of(route, parts_customer)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.part], ids=[r.name for r in ROUTES if r.part]
)
def test_part_of_another_customer_is_404(
    client_for, credit_manager, parts_customer, make_customer, route
):
    other = make_customer()
    url = reverse(
        f"web:{route.name}", args=[other.pk, getattr(parts_customer, f"test_{route.part}").pk]
    )
    assert client_for(credit_manager).post(url).status_code == 404
    assert CustomerAlias.objects.count() == 1
    assert ExternalId.objects.count() == 1
    assert TeamMember.objects.count() == 1


# Aliases -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_overview_lists_names_with_add_and_delete_links(client_for, credit_manager, parts_customer):
    page = (
        client_for(credit_manager)
        .get(reverse("web:customer_detail", args=[parts_customer.pk]))
        .content.decode()
    )
    section = page.split('id="aliases"', 1)[1].split('id="external-ids"', 1)[0]
    assert "福建老字号" in section
    assert reverse("web:alias_create", args=[parts_customer.pk]) in section
    assert reverse("web:alias_delete", args=[parts_customer.pk, parts_customer.test_alias.pk]) in (
        section
    )


@pytest.mark.django_db
def test_viewer_sees_names_without_links(client_for, viewer, parts_customer):
    page = (
        client_for(viewer)
        .get(reverse("web:customer_detail", args=[parts_customer.pk]))
        .content.decode()
    )
    assert "福建老字号" in page
    assert "/aliases/" not in page
    assert "/external-ids/" not in page


@pytest.mark.django_db
def test_add_alias_writes_through_service(client_for, account_manager, parts_customer):
    response = client_for(account_manager).post(
        reverse("web:alias_create", args=[parts_customer.pk]),
        {"name": "  闽老字号  ", "kind": "short", "valid_until": "2020-12-31"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("?tab=overview")
    alias = CustomerAlias.objects.get(customer=parts_customer, name="闽老字号")
    assert alias.kind == "short"
    assert str(alias.valid_until) == "2020-12-31"
    change = ObjectChange.objects.get(object_type="customers.customeralias", object_id=alias.pk)
    assert change.action == "create"
    assert change.user_name == account_manager.username
    assert "闽老字号" in response.content.decode()


@pytest.mark.django_db
def test_add_alias_without_name_shows_field_error(client_for, account_manager, parts_customer):
    changes_before = ObjectChange.objects.count()
    response = client_for(account_manager).post(
        reverse("web:alias_create", args=[parts_customer.pk]), {"name": "   ", "kind": "alias"}
    )
    assert response.status_code == 200
    errors = response.content.decode().split('id="id_name_errors"', 1)[1].split("</ul>", 1)[0]
    assert "This field is required." in errors
    assert CustomerAlias.objects.count() == 1
    assert ObjectChange.objects.count() == changes_before


@pytest.mark.django_db
def test_add_alias_with_unknown_kind_shows_field_error(client_for, account_manager, parts_customer):
    response = client_for(account_manager).post(
        reverse("web:alias_create", args=[parts_customer.pk]), {"name": "新名", "kind": "nickname"}
    )
    errors = response.content.decode().split('id="id_kind_errors"', 1)[1].split("</ul>", 1)[0]
    assert "Select a valid choice. nickname is not one of the available choices." in errors
    assert not CustomerAlias.objects.filter(name="新名").exists()


@pytest.mark.django_db
def test_delete_alias_asks_then_deletes(client_for, credit_manager, parts_customer):
    client = client_for(credit_manager)
    url = reverse("web:alias_delete", args=[parts_customer.pk, parts_customer.test_alias.pk])
    assert "福建老字号" in client.get(url).content.decode()
    assert CustomerAlias.objects.count() == 1
    response = client.post(url)
    assert response.status_code == 302
    assert not CustomerAlias.objects.exists()
    assert ObjectChange.objects.filter(
        object_type="customers.customeralias", action="delete"
    ).exists()


# External ids --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_external_id_writes_through_service(client_for, account_manager, parts_customer):
    response = client_for(account_manager).post(
        reverse("web:external_id_create", args=[parts_customer.pk]),
        {"source_system": "CRM", "external_id": "K-77"},
        follow=True,
    )
    assert ExternalId.objects.filter(
        customer=parts_customer, source_system="CRM", external_id="K-77"
    ).exists()
    assert (
        ObjectChange.objects.filter(object_type="customers.externalid", action="create").count()
        == 2
    )
    section = response.content.decode().split('id="external-ids"', 1)[1]
    assert "K-77" in section


@pytest.mark.django_db
def test_external_id_of_another_customer_shows_service_error(
    client_for, credit_manager, parts_customer, make_customer
):
    other = make_customer()
    changes_before = ObjectChange.objects.count()
    response = client_for(credit_manager).post(
        reverse("web:external_id_create", args=[other.pk]),
        {"source_system": "ERP", "external_id": "C-0001"},
    )
    assert response.status_code == 200
    errors = response.content.decode().split('id="id_external_id_errors"', 1)[1]
    assert "This external id already belongs to another customer." in errors.split("</ul>", 1)[0]
    assert ExternalId.objects.get(external_id="C-0001").customer == parts_customer
    assert ObjectChange.objects.count() == changes_before


@pytest.mark.django_db
def test_external_id_without_source_system_shows_field_error(
    client_for, credit_manager, parts_customer
):
    response = client_for(credit_manager).post(
        reverse("web:external_id_create", args=[parts_customer.pk]),
        {"source_system": "", "external_id": "Z-1"},
    )
    errors = response.content.decode().split('id="id_source_system_errors"', 1)[1]
    assert "This field is required." in errors.split("</ul>", 1)[0]
    assert not ExternalId.objects.filter(external_id="Z-1").exists()


@pytest.mark.django_db
def test_delete_external_id(client_for, credit_manager, parts_customer):
    url = reverse(
        "web:external_id_delete", args=[parts_customer.pk, parts_customer.test_external_id.pk]
    )
    assert client_for(credit_manager).post(url).status_code == 302
    assert not ExternalId.objects.exists()


# Team members --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ownership_tab_lists_team(client_for, credit_manager, parts_customer):
    page = (
        client_for(credit_manager)
        .get(reverse("web:customer_detail", args=[parts_customer.pk]) + "?tab=ownership")
        .content.decode()
    )
    team = page.split('id="team"', 1)[1]
    assert "colleague" in team
    assert "销售助理" in team
    assert reverse("web:team_member_create", args=[parts_customer.pk]) in team
    assert (
        reverse("web:team_member_delete", args=[parts_customer.pk, parts_customer.test_member.pk])
        in team
    )


@pytest.mark.django_db
def test_add_team_member_lets_them_see_the_customer(
    client_for, account_manager, other_account_manager, parts_customer
):
    assert (
        client_for(other_account_manager)
        .get(reverse("web:customer_detail", args=[parts_customer.pk]))
        .status_code
        == 404
    )
    response = client_for(account_manager).post(
        reverse("web:team_member_create", args=[parts_customer.pk]),
        {"user": other_account_manager.pk, "role": "备岗"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?tab=ownership")
    member = TeamMember.objects.get(customer=parts_customer, user=other_account_manager)
    assert member.role == "备岗"
    assert ObjectChange.objects.filter(
        object_type="customers.teammember", object_id=member.pk, action="create"
    ).exists()
    assert (
        client_for(other_account_manager)
        .get(reverse("web:customer_detail", args=[parts_customer.pk]))
        .status_code
        == 200
    )


@pytest.mark.django_db
def test_inactive_user_cannot_be_added(client_for, credit_manager, parts_customer, make_user):
    retired = make_user("account_manager", username="retired")
    retired.is_active = False
    retired.save()
    response = client_for(credit_manager).post(
        reverse("web:team_member_create", args=[parts_customer.pk]), {"user": retired.pk}
    )
    errors = response.content.decode().split('id="id_user_errors"', 1)[1].split("</ul>", 1)[0]
    assert "Select a valid choice." in errors
    assert not TeamMember.objects.filter(user=retired).exists()
    assert Customer.objects.restrict(retired).count() == 0


@pytest.mark.django_db
def test_remove_team_member(client_for, credit_manager, parts_customer):
    url = reverse("web:team_member_delete", args=[parts_customer.pk, parts_customer.test_member.pk])
    assert client_for(credit_manager).post(url).status_code == 302
    assert not TeamMember.objects.exists()
    assert ObjectChange.objects.filter(object_type="customers.teammember", action="delete").exists()
