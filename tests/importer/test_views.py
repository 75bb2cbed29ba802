"""Import UI: permission, upload -> preview (dry run) -> confirm, errors, expired tokens."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.importer.conftest import USCC_A, USCC_B

from credo.core.models import ObjectChange
from credo.customers.models import Customer
from credo.importer.views import SESSION_KEY

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("importer:upload")
CONFIRM_URL = reverse("importer:confirm")


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.CREDO_IMPORT_UPLOAD_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def _csv(text: str, encoding: str = "utf-8", name: str = "customers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def _upload(client, file, record_type: str = "customers", **extra):
    return client.post(UPLOAD_URL, {"record_type": record_type, "file": file, **extra})


def _token(client) -> str:
    (token,) = client.session[SESSION_KEY].keys()
    return token


def test_login_required(client):
    response = client.get(UPLOAD_URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("role", ["viewer", "account_manager", "service_agent", "auditor"])
def test_roles_without_import_permission_get_403(client, make_user, role, counts):
    client.force_login(make_user(role))
    before = counts()
    assert client.get(UPLOAD_URL).status_code == 403
    assert _upload(client, _csv("name_zh\n甲\n")).status_code == 403
    assert client.post(CONFIRM_URL, {"token": "x" * 32}).status_code == 403
    assert counts() == before


def test_upload_form_renders(client, credit_manager):
    client.force_login(credit_manager)
    response = client.get(UPLOAD_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert 'value="financial-statements"' in content
    assert "<script>" not in content and "style=" not in content


def test_preview_then_confirm(client, credit_manager, upload_dir):
    client.force_login(credit_manager)
    response = _upload(
        client, _csv(f"客户名称,统一社会信用代码\n甲公司,{USCC_A}\n乙公司,{USCC_B}\n", "gbk")
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "validated 2 rows: 2 to create, 0 to update, 0 unchanged" in content
    assert "encoding: GB18030 (GBK) (detected)" in content
    assert "甲公司" in content and "Import now" in content
    assert Customer.objects.count() == 0  # the preview wrote nothing
    token = _token(client)
    assert (upload_dir / f"{token}.upload").exists()

    response = client.post(CONFIRM_URL, {"token": token, "confirm": "1"})
    assert response.status_code == 302
    assert Customer.objects.count() == 2
    change = ObjectChange.objects.filter(action="create", object_type="customers.customer").first()
    assert (change.user_name, change.channel) == (credit_manager.username, "import")
    assert not (upload_dir / f"{token}.upload").exists()
    assert client.session[SESSION_KEY] == {}
    page = client.get(response["Location"]).content.decode()
    assert "imported 2 rows: 2 created, 0 updated, 0 unchanged" in page

    # The same token cannot be used twice.
    response = client.post(CONFIRM_URL, {"token": token, "confirm": "1"})
    assert response.status_code == 302
    assert Customer.objects.count() == 2


def test_preview_shows_errors_and_confirm_writes_nothing(client, credit_manager, counts):
    client.force_login(credit_manager)
    before = counts()
    bad = USCC_A[:17] + ("0" if USCC_A[17] != "0" else "1")
    response = _upload(client, _csv(f"name_zh,uscc\n甲公司,{USCC_B}\n乙公司,{bad}\n"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "1 error in 2 rows; nothing was written." in content
    assert "The check character of this unified social credit code" in content
    assert "Import now" not in content
    # Forcing the confirmation still validates first and writes nothing.
    response = client.post(CONFIRM_URL, {"token": _token(client), "confirm": "1"})
    assert response.status_code == 200
    assert "1 error in 2 rows; nothing was written." in response.content.decode()
    assert counts() == before


def test_xlsx_upload_with_sheet(client, credit_manager, write_xlsx):
    client.force_login(credit_manager)
    path = write_xlsx([["客户名称", "状态"], ["甲公司", "存续"]], sheet="名单")
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile("list.xlsx", handle.read())
    response = _upload(client, upload, sheet="名单")
    assert "validated 1 rows: 1 to create" in response.content.decode()
    client.post(CONFIRM_URL, {"token": _token(client), "confirm": "1"})
    assert Customer.objects.get().status == "active"


def test_token_belongs_to_the_uploading_session(client, credit_manager, analyst, counts):
    client.force_login(credit_manager)
    _upload(client, _csv("name_zh\n甲公司\n"))
    token = _token(client)
    before = counts()
    client.logout()
    client.force_login(analyst)
    response = client.post(CONFIRM_URL, {"token": token, "confirm": "1"})
    assert response.status_code == 302
    assert counts() == before


def test_cancel_discards_the_upload(client, credit_manager, upload_dir, counts):
    client.force_login(credit_manager)
    _upload(client, _csv("name_zh\n甲公司\n"))
    token = _token(client)
    before = counts()
    response = client.post(CONFIRM_URL, {"token": token, "cancel": "1"})
    assert response.status_code == 302
    assert not (upload_dir / f"{token}.upload").exists()
    assert counts() == before


def test_wrong_file_type_is_refused(client, credit_manager):
    client.force_login(credit_manager)
    response = _upload(client, SimpleUploadedFile("report.pdf", b"%PDF-1.4"))
    assert response.status_code == 200
    assert "Upload a CSV or XLSX file" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_credit_file_records_through_the_ui(client, credit_manager, make_customer):
    from credo.creditfile.models import Shareholder

    make_customer(code="C-9", uscc=USCC_A)
    client.force_login(credit_manager)
    response = _upload(
        client,
        _csv("客户编号,股东名称,持股比例\nC-9,乙投资有限公司,60%\n"),
        record_type="shareholders",
    )
    assert "1 to create" in response.content.decode()
    client.post(CONFIRM_URL, {"token": _token(client), "confirm": "1"})
    assert Shareholder.objects.get().name == "乙投资有限公司"


def test_navigation_offers_import_only_with_the_permission(client, credit_manager, viewer):
    client.force_login(credit_manager)
    page = client.get(reverse("web:customer_list")).content.decode()
    assert f'href="{UPLOAD_URL}"' in page
    client.force_login(viewer)
    page = client.get(reverse("web:customer_list")).content.decode()
    assert f'href="{UPLOAD_URL}"' not in page


def test_record_type_choices_are_labelled(client, credit_manager):
    client.force_login(credit_manager)
    page = client.get(UPLOAD_URL).content.decode()
    assert '<option value="customers">Customers</option>' in page
    assert '<option value="financial-statements">Financial statements</option>' in page
