"""The customer page: header, tabs (full page and htmx partial), masking, access log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credo.core.context import acting_as
from credo.core.models import AccessLog
from credo.customers.services import customer_update

ID_NUMBER = "11010519491231002X"
MASKED_ID_NUMBER = "110105********002X"


def detail(customer, tab=""):
    url = reverse("web:customer_detail", args=[customer.pk])
    return f"{url}?tab={tab}" if tab else url


@pytest.fixture
def individual(make_customer):
    return make_customer(kind="individual", name_zh="李四", id_number=ID_NUMBER)


@pytest.mark.django_db
def test_header_shows_identity_and_key_facts(client_for, viewer, make_customer):
    customer = make_customer(
        name_zh="福州海峡机械有限公司",
        name_en="Fuzhou Strait Machinery Co., Ltd.",
        registered_capital="12000000",
        registered_capital_currency="CNY",
        paid_in_capital="8000000.50",
        paid_in_capital_currency="CNY",
        registered_province="35",
        registered_city="福州",
        status="suspended",
    )
    page = client_for(viewer).get(detail(customer)).content.decode()
    assert "福州海峡机械有限公司" in page and "Fuzhou Strait Machinery Co., Ltd." in page
    assert customer.code in page
    assert "12,000,000 CNY" in page
    assert "8,000,000.50 CNY" in page
    assert "Fujian · 福州" in page
    assert 'class="badge badge-suspended">Suspended<' in page


@pytest.mark.django_db
def test_id_number_masked_for_viewer(client_for, viewer, individual):
    page = client_for(viewer).get(detail(individual)).content.decode()
    assert MASKED_ID_NUMBER in page
    assert ID_NUMBER not in page


@pytest.mark.django_db
def test_id_number_shown_to_credit_manager(client_for, credit_manager, individual):
    page = client_for(credit_manager).get(detail(individual)).content.decode()
    assert ID_NUMBER in page


@pytest.mark.django_db
def test_id_number_masked_in_list_without_sensitive_permission(client_for, viewer, individual):
    page = client_for(viewer).get(reverse("web:customer_list")).content.decode()
    assert MASKED_ID_NUMBER in page and ID_NUMBER not in page


@pytest.mark.django_db
def test_id_number_shown_in_list_with_sensitive_permission(client_for, credit_manager, individual):
    client = client_for(credit_manager)
    page = client.get(reverse("web:customer_list")).content.decode()
    assert ID_NUMBER in page and MASKED_ID_NUMBER not in page
    # The htmx partial (live search) follows the same rule.
    partial = client.get(
        reverse("web:customer_list") + "?q=李四", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in partial
    assert ID_NUMBER in partial


@pytest.mark.django_db
def test_history_masks_id_number_without_sensitive_permission(
    client_for, account_manager, credit_manager, individual
):
    with acting_as(account_manager, channel="system"):
        customer_update(customer=individual, id_number="350102198001011233")
    am_page = client_for(account_manager).get(detail(individual, "history")).content.decode()
    assert "350102198001011233" not in am_page and ID_NUMBER not in am_page
    assert "350102********1233" in am_page
    cm_page = client_for(credit_manager).get(detail(individual, "history")).content.decode()
    assert "350102198001011233" in cm_page and ID_NUMBER in cm_page


@pytest.mark.django_db
def test_tabs_shown_depend_on_permissions(client_for, viewer, service_agent, full_customer):
    viewer_page = client_for(viewer).get(detail(full_customer)).content.decode()
    assert "?tab=basic" in viewer_page and "?tab=attachments" in viewer_page
    assert "?tab=history" not in viewer_page  # viewer lacks VIEW_CHANGELOG
    agent_page = client_for(service_agent).get(detail(full_customer)).content.decode()
    assert "?tab=contacts" in agent_page
    assert "?tab=basic" not in agent_page and "?tab=completeness" not in agent_page


@pytest.mark.django_db
def test_tab_partial_for_htmx_and_redirect_without(client_for, viewer, full_customer):
    client = client_for(viewer)
    url = reverse("web:customer_tab", args=[full_customer.pk, "contacts"])
    partial = client.get(url, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in body and 'id="customer-tabs"' in body
    assert "王经理" in body
    # Without htmx the tab URL sends the browser to the full page with ?tab=.
    plain = client.get(url)
    assert plain.status_code == 302 and plain["Location"] == detail(full_customer, "contacts")


@pytest.mark.django_db
def test_tab_links_have_htmx_and_plain_fallback(client_for, viewer, full_customer):
    page = client_for(viewer).get(detail(full_customer)).content.decode()
    tab_url = reverse("web:customer_tab", args=[full_customer.pk, "basic"])
    assert f'href="{detail(full_customer, "basic")}"' in page
    assert f'hx-get="{tab_url}"' in page


@pytest.mark.django_db
def test_credit_file_tab_writes_access_log(client_for, viewer, full_customer):
    client = client_for(viewer)
    client.get(detail(full_customer, "overview"))
    assert not AccessLog.objects.exists()  # the overview is master data, not the credit file
    page = client.get(detail(full_customer, "basic")).content.decode()
    assert "福建控股有限公司" in page
    entry = AccessLog.objects.get()
    assert entry.user == viewer
    assert entry.customer_id == full_customer.pk
    assert entry.resource == "creditfile.basic"
    assert entry.channel == "ui" and entry.request_id
    assert entry.sensitive_shown is False


@pytest.mark.django_db
def test_every_dimension_tab_logs_access(client_for, credit_manager, full_customer):
    client = client_for(credit_manager)
    for tab in ("basic", "business", "finances", "payment", "bank", "public", "attachments"):
        assert client.get(detail(full_customer, tab)).status_code == 200
    resources = set(AccessLog.objects.values_list("resource", flat=True))
    assert resources == {
        "creditfile.basic",
        "creditfile.business",
        "creditfile.finances",
        "creditfile.payment",
        "creditfile.bank",
        "creditfile.public",
        "creditfile.attachments",
    }
    assert all(AccessLog.objects.values_list("sensitive_shown", flat=True))


@pytest.mark.django_db
def test_completeness_tab(client_for, viewer, full_customer):
    page = client_for(viewer).get(detail(full_customer, "completeness")).content.decode()
    assert "Basic information" in page and "Public record and reputation" in page
    assert "Shareholders" in page or "shareholders" in page
    assert 'class="meter meter-' in page


@pytest.mark.django_db
def test_attachment_download_is_logged(client_for, viewer, full_customer):
    attachment = full_customer.test_attachment
    response = client_for(viewer).get(
        reverse("web:attachment_download", args=[full_customer.pk, attachment.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 licence"
    assert "licence.pdf" in response["Content-Disposition"]
    assert AccessLog.objects.filter(resource="creditfile.attachment").count() == 1


@pytest.mark.django_db
def test_history_shows_labels_not_codes(client_for, credit_manager, make_customer, account_manager):
    customer = make_customer(owner=account_manager, status="active")
    with acting_as(account_manager, channel="system"):
        customer_update(customer=customer, status="suspended")
    page = client_for(credit_manager).get(detail(customer, "history")).content.decode()
    assert '<td class="before">Active</td>' in page
    assert '<td class="after">Suspended</td>' in page
    # The creation entry names the account manager instead of showing their id.
    assert f'<td class="after">{account_manager.username}</td>' in page
