"""Shared fixtures: one user per role, customers owned by different account managers."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from credo.core.context import acting_as

PASSWORD = "correct-horse-battery-9"
_counter = itertools.count(1)


@pytest.fixture
def make_user(db):
    def make(role: str, username: str | None = None):
        user_model = get_user_model()
        user = user_model.objects.create_user(
            username=username or f"{role}{next(_counter)}", password=PASSWORD
        )
        user.groups.add(Group.objects.get(name=role))
        return user_model.objects.get(pk=user.pk)  # fresh permission cache

    return make


@pytest.fixture
def admin_user_role(make_user):
    return make_user("administrator")


@pytest.fixture
def credit_manager(make_user):
    return make_user("credit_manager")


@pytest.fixture
def analyst(make_user):
    return make_user("credit_analyst")


@pytest.fixture
def account_manager(make_user):
    return make_user("account_manager")


@pytest.fixture
def other_account_manager(make_user):
    return make_user("account_manager")


@pytest.fixture
def service_agent(make_user):
    return make_user("service_agent")


@pytest.fixture
def auditor(make_user):
    return make_user("auditor")


@pytest.fixture
def viewer(make_user):
    return make_user("viewer")


# Valid codes computed with the GB 32100 / GB 11643 check characters.
VALID_USCC = "91350100M000100Y43"
VALID_USCC_2 = "91110000100000000R"


@pytest.fixture
def make_customer(db, account_manager):
    from credo.customers.services import customer_create

    def make(owner=None, **fields):
        fields.setdefault("name_zh", f"测试客户{next(_counter)}有限公司")
        with acting_as(owner or account_manager, channel="system"):
            return customer_create(account_manager=owner or account_manager, **fields)

    return make
