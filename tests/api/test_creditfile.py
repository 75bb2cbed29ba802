"""Credit-file endpoints: generic CRUD over the registry, permissions, masking, access log."""

from __future__ import annotations

import pytest

from credo.core.models import AccessLog, ObjectChange
from credo.creditfile.models import BankRelation, MarketShare, Shareholder
from credo.creditfile.registry import RECORD_TYPES
from credo.creditfile.services import record_create

from .conftest import assert_error
from .test_customers import VALID_ID_NUMBER

ACCOUNT = "6222021234567890"


@pytest.fixture
def bank_relation(make_customer, account_manager):
    from credo.core.context import acting_as

    customer = make_customer()
    with acting_as(account_manager, channel="system"):
        return record_create(
            record_type="bank-relations",
            customer=customer,
            bank="中国工商银行",
            branch="福州分行",
            account_number=ACCOUNT,
            credit_line="5000000",
        )


@pytest.mark.django_db
def test_create_list_get_patch_delete_record(make_customer, credit_manager, api_as):
    customer = make_customer()
    api = api_as(credit_manager)
    created = api.post(
        f"/api/v1/customers/{customer.pk}/creditfile/shareholders",
        {
            "name": "张三",
            "shareholder_type": "person",
            "share_percent": "60.5",
            "subscribed_capital": 3000000,
            "id_number": VALID_ID_NUMBER,
            "as_of": "2024-12-31",
            "source": "registry",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    record = Shareholder.objects.get()
    assert body["id"] == record.pk
    assert body["type"] == "shareholders"
    assert body["customer"] == customer.pk
    assert body["as_of"] == "2024-12-31"
    assert body["source"] == "registry"
    assert body["recorded_by"] == credit_manager.username
    assert body["values"]["share_percent"] == "60.50"
    assert body["values"]["subscribed_capital"] == "3000000.00"
    assert body["values"]["id_number"] == VALID_ID_NUMBER
    assert body["codes"]["shareholder_type"] == "person"
    assert "id_number" not in body["codes"]

    listing = api.get(f"/api/v1/customers/{customer.pk}/creditfile/shareholders").json()
    assert listing["count"] == 1
    assert listing["items"][0]["values"]["name"] == "张三"

    patched = api.patch(f"/api/v1/creditfile/shareholders/{record.pk}", {"share_percent": 70})
    assert patched.status_code == 200, patched.content
    assert patched.json()["values"]["share_percent"] == "70.00"
    change = ObjectChange.objects.get(object_type="creditfile.shareholder", action="update")
    assert change.channel == "api"
    assert change.user_name == credit_manager.username

    assert api.get(f"/api/v1/creditfile/shareholders/{record.pk}").status_code == 200
    assert api.delete(f"/api/v1/creditfile/shareholders/{record.pk}").status_code == 204
    assert not Shareholder.objects.exists()


@pytest.mark.django_db
def test_every_record_type_has_list_endpoint(make_customer, viewer, api_as):
    customer = make_customer()
    api = api_as(viewer)
    for key in RECORD_TYPES:
        response = api.get(f"/api/v1/customers/{customer.pk}/creditfile/{key}")
        assert response.status_code == 200, (key, response.content)
        assert response.json()["count"] == 0


@pytest.mark.django_db
def test_record_types_describe_fields(viewer, api_as):
    response = api_as(viewer).get("/api/v1/creditfile/types")
    assert response.status_code == 200, response.content
    types = {t["key"]: t for t in response.json()}
    assert set(types) == set(RECORD_TYPES)
    bank_fields = {f["name"]: f for f in types["bank-relations"]["fields"]}
    assert bank_fields["account_number"]["sensitive"] is True
    assert bank_fields["bank"]["required"] is True
    assert ["CNY", "Chinese yuan"] in bank_fields["currency"]["choices"]


@pytest.mark.django_db
def test_unknown_record_type_is_404(make_customer, viewer, api_as):
    customer = make_customer()
    api = api_as(viewer)
    body = assert_error(
        api.get(f"/api/v1/customers/{customer.pk}/creditfile/horoscopes"), 404, "not_found"
    )
    assert body["message"] == "Unknown credit-file record type: horoscopes."
    assert_error(api.get("/api/v1/creditfile/horoscopes/1"), 404, "not_found")


@pytest.mark.django_db
def test_invalid_record_values_are_field_errors_and_nothing_written(
    make_customer, credit_manager, api_as
):
    customer = make_customer()
    response = api_as(credit_manager).post(
        f"/api/v1/customers/{customer.pk}/creditfile/bank-relations",
        {"bank": "招商银行", "overdue_amount": "100", "overdue_count": 0, "customer": 99},
    )
    body = assert_error(response, 400, "invalid")
    assert body["field_errors"] == {"customer": ["This field cannot be set here."]}

    response = api_as(credit_manager).post(
        f"/api/v1/customers/{customer.pk}/creditfile/bank-relations",
        {"bank": "招商银行", "overdue_amount": "100", "overdue_count": 0},
    )
    body = assert_error(response, 400, "invalid")
    assert body["field_errors"] == {
        "overdue_count": ["There is an overdue amount, so the overdue count must be at least 1."]
    }
    assert not BankRelation.objects.exists()
    assert not ObjectChange.objects.filter(object_type="creditfile.bankrelation").exists()


@pytest.mark.django_db
def test_market_share_references_profile_by_id(make_customer, credit_manager, api_as):
    customer = make_customer()
    other = make_customer()
    api = api_as(credit_manager)
    profile = api.post(
        f"/api/v1/customers/{customer.pk}/creditfile/business-profiles",
        {"business_scope": "机械制造", "as_of": "2024-06-30"},
    ).json()
    share = api.post(
        f"/api/v1/customers/{customer.pk}/creditfile/market-shares",
        {"profile": profile["id"], "region": "华东", "percent": "40"},
    )
    assert share.status_code == 201, share.content
    assert share.json()["codes"]["profile"] == profile["id"]
    assert share.json()["as_of"] == "2024-06-30"  # taken from the profile
    foreign = api.post(
        f"/api/v1/customers/{other.pk}/creditfile/market-shares",
        {"profile": profile["id"], "region": "华南", "percent": "10"},
    )
    body = assert_error(foreign, 400, "invalid")
    assert body["field_errors"] == {
        "profile": ["This business profile belongs to another customer."]
    }
    missing = api.post(
        f"/api/v1/customers/{customer.pk}/creditfile/market-shares",
        {"profile": 999999, "region": "华北", "percent": "10"},
    )
    assert assert_error(missing, 400, "invalid")["field_errors"] == {"profile": ["No such record."]}
    assert MarketShare.objects.count() == 1


@pytest.mark.django_db
def test_bank_account_masked_for_viewer_not_for_credit_manager(
    bank_relation, viewer, credit_manager, api_as
):
    path = f"/api/v1/creditfile/bank-relations/{bank_relation.pk}"
    masked = api_as(viewer).get(path).json()["values"]["account_number"]
    assert masked == "************7890"
    clear = api_as(credit_manager).get(path).json()["values"]["account_number"]
    assert clear == ACCOUNT
    listing = api_as(viewer).get(
        f"/api/v1/customers/{bank_relation.customer_id}/creditfile/bank-relations"
    )
    assert ACCOUNT not in listing.content.decode()


@pytest.mark.django_db
def test_history_masks_bank_account_for_account_manager(bank_relation, account_manager, api_as):
    history = api_as(account_manager).get(
        f"/api/v1/customers/{bank_relation.customer_id}/history",
        object_type="creditfile.bankrelation",
    )
    assert history.status_code == 200
    assert history.json()["items"][0]["after"]["account_number"] == "************7890"
    assert ACCOUNT not in history.content.decode()


@pytest.mark.django_db
def test_reads_write_the_access_log(bank_relation, viewer, credit_manager, api_as):
    customer_id = bank_relation.customer_id
    api = api_as(viewer)
    api.headers["X-Request-ID"] = "req-read-1"
    api.get(f"/api/v1/customers/{customer_id}/creditfile/bank-relations")
    api.get(f"/api/v1/creditfile/bank-relations/{bank_relation.pk}")
    api.get(f"/api/v1/customers/{customer_id}/completeness")
    entries = list(AccessLog.objects.order_by("id"))
    assert [(e.resource, e.user_id, e.customer_id) for e in entries] == [
        ("creditfile.bank-relations", viewer.pk, customer_id),
        ("creditfile.bank-relations", viewer.pk, customer_id),
        ("creditfile.completeness", viewer.pk, customer_id),
    ]
    assert all(e.channel == "api" and e.request_id == "req-read-1" for e in entries)
    assert not any(e.sensitive_shown for e in entries)
    api_as(credit_manager).get(f"/api/v1/creditfile/bank-relations/{bank_relation.pk}")
    assert AccessLog.objects.latest("id").sensitive_shown is True


@pytest.mark.django_db
def test_refused_read_writes_no_access_log(bank_relation, other_account_manager, api_as):
    response = api_as(other_account_manager).get(
        f"/api/v1/creditfile/bank-relations/{bank_relation.pk}"
    )
    assert_error(response, 404, "not_found")
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_other_managers_credit_file_is_404(bank_relation, other_account_manager, api_as):
    api = api_as(other_account_manager)
    customer_id = bank_relation.customer_id
    attempts = [
        api.get(f"/api/v1/customers/{customer_id}/creditfile/bank-relations"),
        api.post(f"/api/v1/customers/{customer_id}/creditfile/bank-relations", {"bank": "X"}),
        api.get(f"/api/v1/creditfile/bank-relations/{bank_relation.pk}"),
        api.patch(f"/api/v1/creditfile/bank-relations/{bank_relation.pk}", {"remarks": "x"}),
        api.get(f"/api/v1/customers/{customer_id}/completeness"),
    ]
    for response in attempts:
        assert_error(response, 404, "not_found")
    bank_relation.refresh_from_db()
    assert bank_relation.remarks == ""
    assert BankRelation.objects.count() == 1


@pytest.mark.django_db
def test_credit_file_writes_need_permissions(
    bank_relation, viewer, account_manager, service_agent, api_as
):
    customer_id = bank_relation.customer_id
    record_path = f"/api/v1/creditfile/bank-relations/{bank_relation.pk}"
    viewer_api = api_as(viewer)
    for response in (
        viewer_api.post(
            f"/api/v1/customers/{customer_id}/creditfile/bank-relations", {"bank": "X"}
        ),
        viewer_api.patch(record_path, {"remarks": "x"}),
        viewer_api.delete(record_path),
    ):
        assert_error(response, 403, "permission_denied")
    # account managers add and change but do not delete credit-file records
    assert_error(api_as(account_manager).delete(record_path), 403, "permission_denied")
    # service agents do not open credit files at all
    assert_error(api_as(service_agent).get(record_path), 403, "permission_denied")
    assert_error(
        api_as(service_agent).get(f"/api/v1/customers/{customer_id}/completeness"),
        403,
        "permission_denied",
    )
    assert BankRelation.objects.filter(pk=bank_relation.pk, remarks="").exists()


@pytest.mark.django_db
def test_completeness_lists_six_dimensions(bank_relation, viewer, api_as):
    response = api_as(viewer).get(f"/api/v1/customers/{bank_relation.customer_id}/completeness")
    assert response.status_code == 200, response.content
    dimensions = response.json()
    assert [d["dimension"] for d in dimensions] == [1, 2, 3, 4, 5, 6]
    bank = dimensions[4]
    assert bank["status"] == "complete"
    assert bank["present"] == ["bank relations"]
    assert dimensions[5]["status"] == "missing"


# --- attachments ---------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _upload(api, customer_id, name="licence.pdf", content=b"%PDF-1.4 test", **form):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.client.post(
        f"/api/v1/customers/{customer_id}/attachments",
        {"file": SimpleUploadedFile(name, content), **form},
        headers=api.headers,
    )


@pytest.mark.django_db
def test_attachment_upload_list_download_delete(
    bank_relation, credit_manager, viewer, api_as, media_root
):
    from credo.creditfile.models import Attachment

    customer_id = bank_relation.customer_id
    api = api_as(credit_manager)
    response = _upload(
        api, customer_id, title="营业执照", kind="licence",
        record_type="bank-relations", record_id=bank_relation.pk,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "营业执照"
    assert body["record_type"] == "bank-relations"
    assert body["record_id"] == bank_relation.pk
    assert body["size"] == len(b"%PDF-1.4 test")

    viewer_api = api_as(viewer)
    listing = viewer_api.get(f"/api/v1/customers/{customer_id}/attachments").json()
    assert [a["id"] for a in listing] == [body["id"]]
    download = viewer_api.get(f"/api/v1/attachments/{body['id']}/download")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert "licence.pdf" in download["Content-Disposition"]
    resources = list(AccessLog.objects.order_by("id").values_list("resource", flat=True))
    assert resources == ["creditfile.attachments", "creditfile.attachment"]

    assert_error(viewer_api.delete(f"/api/v1/attachments/{body['id']}"), 403, "permission_denied")
    assert api.delete(f"/api/v1/attachments/{body['id']}").status_code == 204
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_attachment_of_forbidden_type_is_refused(make_customer, credit_manager, api_as, media_root):
    from credo.creditfile.models import Attachment

    customer = make_customer()
    response = _upload(api_as(credit_manager), customer.pk, name="virus.exe", title="x")
    body = assert_error(response, 400, "invalid")
    assert list(body["field_errors"]) == ["file"]
    assert body["field_errors"]["file"][0].startswith("Files of type “exe” cannot be attached.")
    assert not Attachment.objects.exists()
    assert not any(media_root.rglob("*.exe"))


@pytest.mark.django_db
def test_other_managers_attachment_is_404(
    make_customer, credit_manager, other_account_manager, api_as, media_root
):
    customer = make_customer()
    uploaded = _upload(api_as(credit_manager), customer.pk, title="合同").json()
    api = api_as(other_account_manager)
    assert_error(api.get(f"/api/v1/customers/{customer.pk}/attachments"), 404, "not_found")
    assert_error(api.get(f"/api/v1/attachments/{uploaded['id']}/download"), 404, "not_found")
    assert not AccessLog.objects.exists()
