"""Every view: anonymous -> login, missing permission -> 403, invisible customer -> 404."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from credo.core.permissions import ASSIGN_OWNER, VIEW_CHANGELOG, VIEW_CREDITFILE


@dataclass(frozen=True)
class Route:
    name: str
    args: tuple[str, ...]  # attribute names resolved on the customer: "pk", "contact" ...
    query: str
    permissions: tuple[str, ...]
    lacking_role: str  # a role (or "norole") without one of the permissions


ROUTES = [
    Route("customer_list", (), "", ("customers.view_customer",), "norole"),
    Route("customer_create", (), "", ("customers.add_customer",), "viewer"),
    Route("customer_detail", ("pk",), "", ("customers.view_customer",), "norole"),
    Route("customer_detail", ("pk",), "?tab=history", (VIEW_CHANGELOG,), "viewer"),
    Route(
        "customer_detail",
        ("pk",),
        "?tab=basic",
        (VIEW_CREDITFILE, "creditfile.view_shareholder"),
        "service_agent",
    ),
    Route("customer_tab", ("pk", "tab:history"), "", (VIEW_CHANGELOG,), "viewer"),
    Route(
        "customer_tab",
        ("pk", "tab:finances"),
        "",
        (VIEW_CREDITFILE, "creditfile.view_financialstatement"),
        "service_agent",
    ),
    Route(
        "customer_tab",
        ("pk", "tab:attachments"),
        "",
        (VIEW_CREDITFILE, "creditfile.view_attachment"),
        "service_agent",
    ),
    Route("customer_tab", ("pk", "tab:completeness"), "", (VIEW_CREDITFILE,), "service_agent"),
    Route("customer_edit", ("pk",), "", ("customers.change_customer",), "viewer"),
    Route("customer_delete", ("pk",), "", ("customers.delete_customer",), "account_manager"),
    Route(
        "customer_owner",
        ("pk",),
        "",
        ("customers.change_customer", ASSIGN_OWNER),
        "account_manager",
    ),
    Route("contact_create", ("pk",), "", ("customers.add_contact",), "viewer"),
    Route("contact_edit", ("pk", "contact"), "", ("customers.change_contact",), "viewer"),
    Route("contact_delete", ("pk", "contact"), "", ("customers.delete_contact",), "service_agent"),
    Route(
        "record_create",
        ("pk", "type:shareholders"),
        "",
        (VIEW_CREDITFILE, "creditfile.add_shareholder"),
        "viewer",
    ),
    Route(
        "record_edit",
        ("pk", "type:shareholders", "shareholder"),
        "",
        (VIEW_CREDITFILE, "creditfile.change_shareholder"),
        "viewer",
    ),
    Route(
        "record_delete",
        ("pk", "type:shareholders", "shareholder"),
        "",
        (VIEW_CREDITFILE, "creditfile.delete_shareholder"),
        "account_manager",
    ),
    Route(
        "attachment_create", ("pk",), "", (VIEW_CREDITFILE, "creditfile.add_attachment"), "viewer"
    ),
    Route(
        "attachment_download",
        ("pk", "attachment"),
        "",
        (VIEW_CREDITFILE, "creditfile.view_attachment"),
        "service_agent",
    ),
    Route(
        "attachment_delete",
        ("pk", "attachment"),
        "",
        (VIEW_CREDITFILE, "creditfile.delete_attachment"),
        "account_manager",
    ),
]
ROUTE_IDS = [f"{r.name}{r.query}-{'-'.join(r.args)}" for r in ROUTES]


def url_of(route: Route, customer) -> str:
    args = []
    for arg in route.args:
        if arg == "pk":
            args.append(customer.pk)
        elif arg.startswith(("tab:", "type:")):
            args.append(arg.split(":", 1)[1])
        else:
            args.append(getattr(customer, f"test_{arg}").pk)
    return reverse(f"web:{route.name}", args=args) + route.query


def grant(user, dotted_permissions):
    for dotted in dotted_permissions:
        app_label, codename = dotted.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_anonymous_is_sent_to_login(client, full_customer, route):
    url = url_of(route, full_customer)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_role_without_permission_gets_403(request, client_for, full_customer, route):
    fixture = "no_role_user" if route.lacking_role == "norole" else route.lacking_role
    user = request.getfixturevalue(fixture)
    assert not user.has_perms(route.permissions)
    response = client_for(user).get(url_of(route, full_customer))
    assert response.status_code == 403
    assert b"403" in response.content  # our page, inside the layout
    assert b'class="topnav"' in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if r.args],
    ids=[i for r, i in zip(ROUTES, ROUTE_IDS, strict=True) if r.args],
)
def test_other_managers_customer_is_404(client_for, other_account_manager, full_customer, route):
    # The intruder holds every permission of the view: only object visibility stops them.
    intruder = grant(other_account_manager, route.permissions)
    response = client_for(intruder).get(url_of(route, full_customer))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if r.args],
    ids=[i for r, i in zip(ROUTES, ROUTE_IDS, strict=True) if r.args],
)
def test_owner_with_permissions_gets_the_page(client_for, account_manager, full_customer, route):
    owner = grant(account_manager, route.permissions)
    extra = {"HTTP_HX_REQUEST": "true"} if route.name == "customer_tab" else {}
    response = client_for(owner).get(url_of(route, full_customer), **extra)
    assert response.status_code == 200


@pytest.mark.django_db
def test_posts_are_refused_without_permission(client_for, viewer, full_customer):
    client = client_for(viewer)
    response = client.post(
        reverse("web:customer_edit", args=[full_customer.pk]), {"name_zh": "改名"}
    )
    assert response.status_code == 403
    full_customer.refresh_from_db()
    assert full_customer.name_zh == "福建全档案有限公司"


@pytest.mark.django_db
def test_unknown_tab_and_record_type_are_404(client_for, credit_manager, full_customer):
    client = client_for(credit_manager)
    assert (
        client.get(
            reverse("web:customer_detail", args=[full_customer.pk]) + "?tab=nope"
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("web:record_create", args=[full_customer.pk, "nope"])).status_code == 404
    )


@pytest.mark.django_db
def test_record_of_another_customer_is_404(
    client_for, credit_manager, full_customer, make_customer
):
    other = make_customer()
    url = reverse(
        "web:record_edit", args=[other.pk, "shareholders", full_customer.test_shareholder.pk]
    )
    assert client_for(credit_manager).get(url).status_code == 404
