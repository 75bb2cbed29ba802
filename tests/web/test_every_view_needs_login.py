"""No page of the web UI answers an anonymous request: every URL pattern sends it to the login.

Walks the whole ``web`` URL map, so a view added without ``login_required`` fails here even
before it gets its own permission tests.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name


def _concrete(route: str) -> str:
    """A path for the route: int and slug converters get harmless values."""
    route = re.sub(r"<int:\w+>", "1", route)
    route = re.sub(r"<(slug|str):\w+>", "x", route)
    return "/" + route


def web_routes():
    web = next(r for r in get_resolver().url_patterns
               if isinstance(r, URLResolver) and r.namespace == "web")
    return sorted(set(_patterns(web, str(web.pattern))))


def test_the_walk_finds_the_rating_pages():
    names = {name for _route, name in web_routes()}
    assert {"customer_list", "rating_overrides", "rating_scorecards"} <= names


@pytest.mark.parametrize(("route", "name"), web_routes())
def test_anonymous_gets_the_login_page(client, route, name):
    path = _concrete(route)
    responses = [client.get(path), client.post(path)]
    # A method the view does not take may be refused (405); the other must go to the login.
    assert all(r.status_code in (302, 405) for r in responses), (path, responses)
    to_login = [r for r in responses if r.status_code == 302]
    assert to_login, (path, responses)
    for response in to_login:
        assert response["Location"].startswith(reverse("login")), (path, response["Location"])
