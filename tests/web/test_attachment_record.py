"""Uploading an attachment tied to one credit-file record of the customer."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credo.core.context import acting_as
from credo.core.models import ObjectChange
from credo.creditfile.models import Attachment
from credo.creditfile.services import record_create


def upload(client, customer, **data):
    payload = {
        "title": "股东决议",
        "kind": "other",
        "file": SimpleUploadedFile("resolution.pdf", b"%PDF-1.4 r", "application/pdf"),
        **data,
    }
    return client.post(reverse("web:attachment_create", args=[customer.pk]), payload)


@pytest.mark.django_db
def test_form_offers_only_this_customers_records(
    client_for, credit_manager, full_customer, make_customer
):
    other = make_customer(name_zh="别家有限公司")
    with acting_as(credit_manager, channel="system"):
        foreign = record_create(record_type="shareholders", customer=other, name="外部股东")
    page = (
        client_for(credit_manager)
        .get(reverse("web:attachment_create", args=[full_customer.pk]))
        .content.decode()
    )
    select = page.split('name="record"', 1)[1].split("</select>", 1)[0]
    shareholder = full_customer.test_shareholder
    assert f'value="shareholders:{shareholder.pk}"' in select
    assert "Shareholder: 福建控股有限公司" in select
    assert "None (the whole file)" in select
    assert f"shareholders:{foreign.pk}" not in select
    assert "外部股东" not in select


@pytest.mark.django_db
def test_upload_tied_to_record(client_for, analyst, full_customer):
    client = client_for(analyst)
    shareholder = full_customer.test_shareholder
    response = upload(client, full_customer, record=f"shareholders:{shareholder.pk}")
    assert response.status_code == 302
    attachment = Attachment.objects.get(title="股东决议")
    assert attachment.content_type == ContentType.objects.get_for_model(shareholder)
    assert attachment.object_id == shareholder.pk
    assert ObjectChange.objects.filter(
        object_type="creditfile.attachment", object_id=attachment.pk, action="create"
    ).exists()
    tab = client.get(response["Location"]).content.decode()
    row = tab.split("股东决议", 1)[1].split("</tr>", 1)[0]
    assert "Shareholder: 福建控股有限公司" in row


@pytest.mark.django_db
def test_upload_without_record_stays_on_the_file(client_for, analyst, full_customer):
    response = upload(client_for(analyst), full_customer, record="")
    assert response.status_code == 302
    attachment = Attachment.objects.get(title="股东决议")
    assert attachment.content_type is None and attachment.object_id is None


@pytest.mark.django_db
def test_record_of_another_customer_is_refused(
    client_for, credit_manager, full_customer, make_customer
):
    other = make_customer(name_zh="别家有限公司")
    with acting_as(credit_manager, channel="system"):
        foreign = record_create(record_type="shareholders", customer=other, name="外部股东")
    changes_before = ObjectChange.objects.count()
    response = upload(
        client_for(credit_manager), full_customer, record=f"shareholders:{foreign.pk}"
    )
    assert response.status_code == 200
    errors = response.content.decode().split('id="id_record_errors"', 1)[1].split("</ul>", 1)[0]
    assert "Select a valid choice." in errors
    assert Attachment.objects.filter(customer=full_customer).count() == 1
    assert not Attachment.objects.filter(title="股东决议").exists()
    assert ObjectChange.objects.count() == changes_before
