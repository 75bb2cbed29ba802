"""Shared fixtures: one user per role, customers owned by different account managers."""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread
from django.utils import translation

from credo.core.context import acting_as


class _SerialLiveServer(WSGIServer):
    """The browser tests' live server, one request at a time.

    With the in-memory SQLite test database every live-server thread shares the test's single
    connection; htmx fires overlapping requests (live search), and concurrent use of one SQLite
    connection fails at random ("bad parameter or other API misuse"). Serving requests serially
    removes the race; the non-threaded server also answers with "Connection: close", so a
    browser's keep-alive connection cannot starve the others.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


LiveServerThread.server_class = _SerialLiveServer

PASSWORD = "correct-horse-battery-9"
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in Chinese leaves its language
    active in the thread (LocaleMiddleware does not undo it), and management commands print
    in the active language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


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
