"""Credit-file records and attachments through the UI: generic forms over the registry."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credo.core.context import acting_as
from credo.core.models import ObjectChange
from credo.creditfile.models import Attachment, MarketShare, Shareholder
from credo.creditfile.services import record_create
from tests.conftest import VALID_USCC

BAD_USCC = "91350100M000100Y44"
PROVENANCE = {"as_of": "2025-06-30", "source": "registry", "source_detail": ""}


def record_url(action, customer, type_key, record=None):
    args = [customer.pk, type_key] + ([record.pk] if record is not None else [])
    return reverse(f"web:record_{action}", args=args)


@pytest.mark.django_db
def test_add_shareholder_with_bad_uscc_shows_error_and_writes_nothing(
    client_for, analyst, full_customer
):
    before = ObjectChange.objects.count()
    response = client_for(analyst).post(
        record_url("create", full_customer, "shareholders"),
        {
            "name": "坏代码股东有限公司",
            "shareholder_type": "enterprise",
            "currency": "CNY",
            "uscc": BAD_USCC,
            **PROVENANCE,
        },
    )
    assert response.status_code == 200
    block = response.content.decode().split('id="id_uscc_errors"', 1)[1].split("</ul>")[0]
    assert "should be 3" in block
    assert Shareholder.objects.filter(customer=full_customer).count() == 1  # the fixture's
    assert ObjectChange.objects.count() == before


@pytest.mark.django_db
def test_add_shareholder_then_listed_on_basic_tab(client_for, analyst, full_customer):
    client = client_for(analyst)
    response = client.post(
        record_url("create", full_customer, "shareholders"),
        {
            "name": "福州国资有限公司",
            "shareholder_type": "enterprise",
            "currency": "CNY",
            "uscc": VALID_USCC,
            "share_percent": "40",
            **PROVENANCE,
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?tab=basic")
    shareholder = Shareholder.objects.get(customer=full_customer, name="福州国资有限公司")
    assert shareholder.recorded_by == analyst.username
    assert ObjectChange.objects.filter(
        object_type="creditfile.shareholder", action="create", object_id=str(shareholder.pk)
    ).exists()
    page = client.get(response["Location"]).content.decode()
    assert "福州国资有限公司" in page and VALID_USCC in page


@pytest.mark.django_db
def test_edit_and_delete_record(client_for, credit_manager, full_customer):
    client = client_for(credit_manager)
    shareholder = full_customer.test_shareholder
    edit = client.get(record_url("edit", full_customer, "shareholders", shareholder))
    assert 'value="福建控股有限公司"' in edit.content.decode()
    response = client.post(
        record_url("edit", full_customer, "shareholders", shareholder),
        {
            "name": "福建控股集团有限公司",
            "shareholder_type": "enterprise",
            "currency": "CNY",
            "share_percent": "60",
            **PROVENANCE,
        },
    )
    assert response.status_code == 302
    shareholder.refresh_from_db()
    assert shareholder.name == "福建控股集团有限公司"
    assert ObjectChange.objects.filter(
        object_type="creditfile.shareholder", action="update"
    ).exists()

    response = client.post(record_url("delete", full_customer, "shareholders", shareholder))
    assert response.status_code == 302
    assert not Shareholder.objects.filter(pk=shareholder.pk).exists()


@pytest.fixture
def bank_relation(full_customer, account_manager):
    with acting_as(account_manager, channel="system"):
        return record_create(
            record_type="bank-relations",
            customer=full_customer,
            bank="中国银行",
            branch="福州分行",
            account_number="6222020200112233445",
        )


@pytest.mark.django_db
def test_account_number_masked_on_tab_and_in_form(
    client_for, account_manager, bank_relation, full_customer
):
    client = client_for(account_manager)
    tab = client.get(
        reverse("web:customer_detail", args=[full_customer.pk]) + "?tab=bank"
    ).content.decode()
    assert "6222020200112233445" not in tab
    assert "***************3445" in tab
    url = record_url("edit", full_customer, "bank-relations", bank_relation)
    assert "6222020200112233445" not in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "bank": "中国银行",
            "branch": "福州分行",
            "account_number": "",
            "currency": "CNY",
            "overdue_count": "0",
            "overdue_amount": "0",
            "repayment_record": "normal",
            **PROVENANCE,
        },
    )
    assert response.status_code == 302
    bank_relation.refresh_from_db()
    assert bank_relation.account_number == "6222020200112233445"  # blank kept it
    assert bank_relation.repayment_record == "normal"


@pytest.mark.django_db
def test_account_number_shown_to_credit_manager(
    client_for, credit_manager, bank_relation, full_customer
):
    tab = (
        client_for(credit_manager)
        .get(reverse("web:customer_detail", args=[full_customer.pk]) + "?tab=bank")
        .content.decode()
    )
    assert "6222020200112233445" in tab


@pytest.mark.django_db
def test_market_share_form_offers_only_this_customers_profiles(
    client_for, credit_manager, full_customer, make_customer, account_manager
):
    other = make_customer()
    with acting_as(account_manager, channel="system"):
        own_profile = record_create(
            record_type="business-profiles", customer=full_customer, main_products="阀门"
        )
        foreign_profile = record_create(
            record_type="business-profiles", customer=other, main_products="泵"
        )
    client = client_for(credit_manager)
    url = record_url("create", full_customer, "market-shares")
    form = client.get(url).content.decode()
    assert f'value="{own_profile.pk}"' in form
    assert f'value="{foreign_profile.pk}"' not in form
    response = client.post(
        url, {"profile": foreign_profile.pk, "region": "华东", "percent": "50", **PROVENANCE}
    )
    assert response.status_code == 200
    assert 'id="id_profile_errors"' in response.content.decode()
    assert not MarketShare.objects.exists()


@pytest.mark.django_db
def test_financial_statements_are_shown_transposed(
    client_for, credit_manager, full_customer, account_manager
):
    with acting_as(account_manager, channel="system"):
        record_create(
            record_type="financial-statements",
            customer=full_customer,
            period_type="annual",
            period_end="2024-12-31",
            revenue="1234567",
            total_assets="5000000",
            total_liabilities="3000000",
            equity="2000000",
        )
    page = (
        client_for(credit_manager)
        .get(reverse("web:customer_detail", args=[full_customer.pk]) + "?tab=finances")
        .content.decode()
    )
    assert '<th scope="row">Revenue</th>' in page
    assert "1,234,567" in page


@pytest.mark.django_db
def test_upload_attachment_and_reject_bad_type(client_for, analyst, full_customer):
    client = client_for(analyst)
    url = reverse("web:attachment_create", args=[full_customer.pk])
    bad = client.post(
        url,
        {
            "title": "脚本",
            "kind": "other",
            "file": SimpleUploadedFile("run.exe", b"MZ", "application/x-msdos"),
        },
    )
    assert bad.status_code == 200
    assert "cannot be attached" in bad.content.decode().split('id="id_file_errors"', 1)[1]
    assert Attachment.objects.filter(customer=full_customer).count() == 1

    good = client.post(
        url,
        {
            "title": "2024年审计报告",
            "kind": "statement",
            "file": SimpleUploadedFile("audit.pdf", b"%PDF-1.4 a"),
        },
    )
    assert good.status_code == 302
    attachment = Attachment.objects.get(title="2024年审计报告")
    assert attachment.uploaded_by == analyst.username
    tab = client.get(good["Location"]).content.decode()
    assert "2024年审计报告" in tab


@pytest.mark.django_db
def test_delete_attachment(client_for, credit_manager, full_customer):
    attachment = full_customer.test_attachment
    response = client_for(credit_manager).post(
        reverse("web:attachment_delete", args=[full_customer.pk, attachment.pk])
    )
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert ObjectChange.objects.filter(
        object_type="creditfile.attachment", action="delete"
    ).exists()


@pytest.mark.django_db
def test_edit_links_only_with_change_permission(client_for, viewer, credit_manager, full_customer):
    url = reverse("web:customer_detail", args=[full_customer.pk]) + "?tab=basic"
    edit_link = record_url("edit", full_customer, "shareholders", full_customer.test_shareholder)
    assert edit_link not in client_for(viewer).get(url).content.decode()
    assert edit_link in client_for(credit_manager).get(url).content.decode()
