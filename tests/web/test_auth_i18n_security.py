"""Login, lockout, logout, language switch and the security headers of the UI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.conftest import PASSWORD

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


@pytest.mark.django_db
def test_login_page_renders_and_logs_in(client, viewer):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content
    response = client.post(reverse("login"), {"username": viewer.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:customer_list")
    assert client.session[SESSION_KEY] == str(viewer.pk)


@pytest.mark.django_db
def test_wrong_password_shows_generic_error(client, viewer):
    response = client.post(reverse("login"), {"username": viewer.username, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_lockout_after_five_failures_shows_locked_message(client, viewer, settings):
    settings.CREDO_LOGIN_MAX_FAILURES = 5
    settings.CREDO_LOGIN_LOCK_MINUTES = 15
    url = reverse("login")
    for _attempt in range(4):
        response = client.post(url, {"username": viewer.username, "password": "wrong"})
        assert "locked" not in response.content.decode()
    response = client.post(url, {"username": viewer.username, "password": "wrong"})
    assert "This account is locked after too many failed logins. Try again in 15 minutes." in (
        response.content.decode()
    )
    # Even the right password is refused while the lock lasts.
    response = client.post(url, {"username": viewer.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "Try again in 15 minutes." in response.content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_logout_needs_post(client_for, viewer):
    client = client_for(viewer)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get(reverse("web:customer_list")).status_code == 302


@pytest.mark.django_db
def test_language_switch_renders_chinese(client_for, viewer):
    client = client_for(viewer)
    page = client.get(reverse("web:customer_list")).content.decode()
    assert '<html lang="en">' in page
    assert f'action="{reverse("set_language")}"' in page
    assert 'value="zh-hans"' in page and "简体中文" in page

    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": reverse("web:customer_list")}
    )
    assert response.status_code == 302
    page = client.get(reverse("web:customer_list")).content.decode()
    assert '<html lang="zh-hans">' in page
    with translation.override("zh-hans"):
        log_out = gettext("Log out")
    assert log_out != "Log out"  # a real catalogue entry (Django's own, until ours exists)
    assert log_out in page


@pytest.mark.django_db
def test_language_switch_needs_csrf_token(viewer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    response = client.post(reverse("set_language"), {"language": "zh-hans"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_csp_and_security_headers(client_for, viewer):
    response = client_for(viewer).get(reverse("web:customer_list"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_base_template_has_no_inline_script_style_or_handlers():
    source = (TEMPLATES_DIR / "base.html").read_text(encoding="utf-8")
    assert "<script" not in source.replace("{% htmx_script %}", "")
    assert not INLINE_HANDLER.search(source)
    assert not STYLE_ATTRIBUTE.search(source)
    assert "<style" not in source


def test_no_template_has_inline_script_style_or_handlers():
    for path in TEMPLATES_DIR.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(source), path
        assert not INLINE_HANDLER.search(source), path
        assert not STYLE_ATTRIBUTE.search(source), path
        assert "<style" not in source, path


@pytest.mark.django_db
def test_rendered_pages_load_scripts_only_from_static(client_for, credit_manager, full_customer):
    client = client_for(credit_manager)
    for url in (
        reverse("web:customer_list"),
        reverse("web:customer_detail", args=[full_customer.pk]),
        reverse("web:customer_create"),
    ):
        page = client.get(url).content.decode()
        scripts = re.findall(r"<script[^>]*>", page)
        assert scripts, url  # htmx comes from django-htmx's static files
        for tag in scripts:
            assert 'src="/static/' in tag, tag
        assert not INLINE_HANDLER.search(page), url
        assert not STYLE_ATTRIBUTE.search(page), url


@pytest.mark.django_db
def test_admin_link_only_for_staff(client_for, viewer, admin_user_role):
    assert b'href="/admin/"' not in client_for(viewer).get(reverse("web:customer_list")).content
    admin_user_role.is_staff = True
    admin_user_role.save()
    assert (
        b'href="/admin/"' in client_for(admin_user_role).get(reverse("web:customer_list")).content
    )


@pytest.mark.django_db
def test_admin_registers_reference_data_users_and_logs(client_for, admin_user_role):
    admin_user_role.is_staff = True
    admin_user_role.is_superuser = True
    admin_user_role.save()
    client = client_for(admin_user_role)
    for path in (
        "customers/industry/",
        "customers/tag/",
        "auth/user/",
        "auth/group/",
        "core/objectchange/",
        "core/accesslog/",
    ):
        assert client.get(f"/admin/{path}").status_code == 200, path
    # The logs are read-only evidence.
    assert client.get("/admin/core/objectchange/add/").status_code == 403
    assert client.get("/admin/core/accesslog/add/").status_code == 403
