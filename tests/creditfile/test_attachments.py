"""Attachments: type and size checks, storage, record links, deletion."""

import datetime as dt
import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile

from credo.core.models import BusinessEvent, ObjectChange
from credo.creditfile.models import Attachment
from credo.creditfile.selectors import attachment_list
from credo.creditfile.services import (
    attachment_add,
    attachment_delete,
    attachment_update,
    record_create,
    record_delete,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _pdf(name="licence.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def _stored_files(root):
    return [os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs]


def test_add_stores_file_under_dated_folder(customer, acting, analyst, media_root):
    attachment = attachment_add(customer=customer, file=_pdf(), title="营业执照", kind="licence")
    attachment.refresh_from_db()
    today = dt.date.today()
    assert attachment.file.name.startswith(f"attachments/{today:%Y}/{today:%m}/licence")
    assert (media_root / attachment.file.name).read_bytes() == b"%PDF-1.4 test"
    assert attachment.original_name == "licence.pdf"
    assert attachment.size == 13
    assert attachment.uploaded_by == analyst.username
    assert attachment.record is None
    assert ObjectChange.objects.filter(object_type="creditfile.attachment", action="create")
    assert BusinessEvent.objects.filter(name="creditfile.attachment.created").exists()


def test_title_defaults_to_file_name(customer, acting):
    attachment = attachment_add(customer=customer, file=_pdf("年报2024.pdf"), title="  ")
    assert attachment.title == "年报2024.pdf"
    assert attachment.kind == "other"


@pytest.mark.parametrize("name", ["setup.exe", "script.PY", "noextension", "archive.pdf.zip"])
def test_disallowed_extension_rejected_and_nothing_stored(customer, acting, media_root, name):
    with pytest.raises(ValidationError) as exc:
        attachment_add(customer=customer, file=SimpleUploadedFile(name, b"data"), title="x")
    extension = os.path.splitext(name)[1].lower().lstrip(".") or "?"
    assert exc.value.message_dict == {
        "file": [
            f"Files of type “{extension}” cannot be attached. Allowed types: "
            "pdf, png, jpg, jpeg, xlsx, xls, csv, docx, doc, txt."
        ]
    }
    assert not Attachment.objects.exists()
    assert _stored_files(media_root) == []


def test_upper_case_extension_is_allowed(customer, acting):
    attachment = attachment_add(customer=customer, file=_pdf("SCAN.JPG"), title="scan")
    assert attachment.original_name == "SCAN.JPG"


def test_file_over_20_mb_rejected(customer, acting, media_root):
    big = InMemoryUploadedFile(
        io.BytesIO(b"x"), field_name="file", name="statement.pdf",
        content_type="application/pdf", size=20 * 1024 * 1024 + 1, charset=None,
    )
    with pytest.raises(ValidationError) as exc:
        attachment_add(customer=customer, file=big, title="big")
    assert exc.value.message_dict == {
        "file": ["The file has 20.0 MB; an attachment may have at most 20 MB."]
    }
    assert not Attachment.objects.exists()
    assert _stored_files(media_root) == []


def test_file_of_exactly_20_mb_accepted_by_check(customer, acting):
    from credo.creditfile.services import attachment_file_check

    exact = InMemoryUploadedFile(
        io.BytesIO(b"x"), field_name="file", name="statement.xlsx",
        content_type="application/octet-stream", size=20 * 1024 * 1024, charset=None,
    )
    assert attachment_file_check(exact) == ("statement.xlsx", 20 * 1024 * 1024)


def test_empty_file_rejected(customer, acting):
    with pytest.raises(ValidationError) as exc:
        attachment_add(customer=customer, file=SimpleUploadedFile("a.txt", b""), title="x")
    assert exc.value.message_dict == {"file": ["The file is empty."]}


def test_attach_to_record_and_list(customer, acting, credit_manager, other_account_manager):
    statement = record_create(
        record_type="financial-statements", customer=customer, period_end=dt.date(2024, 12, 31),
        total_assets="100", total_liabilities="40", equity="60",
    )
    attached = attachment_add(customer=customer, file=_pdf(), title="审计报告", kind="statement",
                              record=statement)
    loose = attachment_add(customer=customer, file=_pdf(), title="其他")
    assert Attachment.objects.get(pk=attached.pk).record == statement
    assert set(attachment_list(user=credit_manager, customer=customer)) == {attached, loose}
    assert list(attachment_list(user=credit_manager, customer=customer, record=statement)) == [
        attached
    ]
    assert not attachment_list(user=other_account_manager, customer=customer).exists()


def test_record_of_another_customer_rejected(customer, make_customer, acting):
    other_record = record_create(
        record_type="key-management", customer=make_customer(), name="李四", title="总经理"
    )
    with pytest.raises(ValidationError) as exc:
        attachment_add(customer=customer, file=_pdf(), title="x", record=other_record)
    assert exc.value.message_dict == {"record": ["This record belongs to another customer."]}
    assert not Attachment.objects.exists()


def test_non_creditfile_record_rejected(customer, acting):
    with pytest.raises(ValidationError) as exc:
        attachment_add(customer=customer, file=_pdf(), title="x", record=customer)
    assert exc.value.message_dict == {
        "record": ["Attachments can only be tied to credit-file records."]
    }


def test_deleting_record_detaches_attachment(customer, acting):
    manager = record_create(
        record_type="key-management", customer=customer, name="李四", title="总经理"
    )
    attachment = attachment_add(customer=customer, file=_pdf(), title="简历", record=manager)
    record_delete(record=manager)
    attachment.refresh_from_db()
    assert attachment.content_type is None and attachment.object_id is None
    assert attachment.customer == customer


def test_update_title_and_kind(customer, acting):
    attachment = attachment_add(customer=customer, file=_pdf(), title="x")
    assert attachment_update(attachment=attachment, title="营业执照", kind="licence") is True
    assert attachment_update(attachment=attachment, title="营业执照") is False
    attachment.refresh_from_db()
    assert (attachment.title, attachment.kind) == ("营业执照", "licence")


def test_delete_removes_file_after_commit(customer, acting, media_root,
                                          django_capture_on_commit_callbacks):
    attachment = attachment_add(customer=customer, file=_pdf(), title="x")
    path = media_root / attachment.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(attachment=attachment)
    assert not path.exists()
    assert not Attachment.objects.exists()
    assert ObjectChange.objects.filter(object_type="creditfile.attachment", action="delete")
    assert BusinessEvent.objects.filter(name="creditfile.attachment.deleted").exists()
