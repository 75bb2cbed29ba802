"""Who sees and does what with ratings: roles, restricted selectors, the admin."""

from __future__ import annotations

import pytest

from credo.rating import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_customers(make_customer, account_manager, other_account_manager, simple_card, analyst):
    mine = make_customer(owner=account_manager)
    theirs = make_customer(owner=other_account_manager)
    for customer in (mine, theirs):
        rating = services.customer_rate(customer=customer, trigger="manual", user=analyst)
        services.rating_override_propose(rating=rating, grade="A", reason="why", user=analyst)
    return mine, theirs


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        ("credit_manager",
         ["rating.view_rating", "rating.add_scorecardversion", "rating.change_scorecardversion",
          "rating.approve_override", "rating.add_creditevent"],
         []),
        ("credit_analyst",
         ["rating.view_rating", "rating.add_rating", "rating.add_creditevent",
          "rating.add_ratingoverride", "rating.view_scorecardversion",
          "rating.add_scorecardversion"],
         ["rating.approve_override", "rating.change_scorecardversion",
          "rating.delete_rating"]),
        ("account_manager",
         ["rating.view_rating", "rating.view_creditevent", "rating.view_ratingoverride",
          "rating.add_creditevent"],  # owners enter news about their customers
         ["rating.add_rating", "rating.add_ratingoverride", "rating.approve_override"]),
        ("auditor", ["rating.view_rating", "rating.view_scorecardversion"],
         ["rating.add_rating", "rating.approve_override"]),
        ("viewer", ["rating.view_rating", "rating.view_ratingoverride"],
         ["rating.add_creditevent", "rating.approve_override"]),
        ("service_agent", [], ["rating.view_rating"]),
    ],
)
def test_roles(make_user, role, allowed, refused):
    user = make_user(role)
    for permission in allowed:
        assert user.has_perm(permission), permission
    for permission in refused:
        assert not user.has_perm(permission), permission


def test_account_managers_see_only_their_customers(
    two_customers, account_manager, analyst, auditor, service_agent
):
    mine, theirs = two_customers
    assert selectors.rating_history(account_manager, mine).count() == 1
    assert not selectors.rating_history(account_manager, theirs).exists()
    assert [o.customer for o in selectors.pending_overrides(account_manager)] == [mine]
    assert selectors.rating_history(analyst, theirs).count() == 1
    assert selectors.pending_overrides(auditor).count() == 2
    # No view permission: nothing, even for visible customers.
    assert not selectors.rating_history(service_agent, mine).exists()
    assert not selectors.pending_overrides(service_agent).exists()


def test_history_is_newest_first(two_customers, analyst):
    mine, _theirs = two_customers
    services.customer_rate(customer=mine, trigger="review", user=analyst)
    history = list(selectors.rating_history(analyst, mine))
    assert [r.trigger for r in history] == ["review", "manual"]
    assert [r.is_current for r in history] == [True, False]


def test_admin_lists_are_restricted_and_read_only(two_customers, client, account_manager):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from credo.rating.models import Rating

    mine, _theirs = two_customers
    request = RequestFactory().get("/")
    request.user = account_manager
    model_admin = site._registry[Rating]
    assert [r.customer for r in model_admin.get_queryset(request)] == [mine]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
