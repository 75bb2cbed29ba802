"""Fixtures of the web UI tests: logged-in clients and a customer with a full file."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from credo.core.context import acting_as
from credo.creditfile.services import attachment_add, record_create
from credo.customers.services import contact_create


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    # Uploaded attachments must not land in the project's var/ directory.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def client_for(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def no_role_user(db):
    """An active user in no group: holds no permission at all."""
    return get_user_model().objects.create_user(username="norole", password="x-unused-9")


@pytest.fixture
def full_customer(make_customer, account_manager):
    """A customer of ``account_manager`` with a contact, a shareholder and an attachment."""
    customer = make_customer(owner=account_manager, name_zh="福建全档案有限公司")
    with acting_as(account_manager, channel="system"):
        contact = contact_create(customer=customer, name="王经理", phone="0591-87654321")
        shareholder = record_create(
            record_type="shareholders",
            customer=customer,
            name="福建控股有限公司",
            share_percent="60",
        )
        attachment = attachment_add(
            customer=customer,
            title="营业执照",
            file=SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence", "application/pdf"),
        )
    customer.test_contact = contact
    customer.test_shareholder = shareholder
    customer.test_attachment = attachment
    return customer
