"""The admin writes through the services, so it logs changes and applies cross-record checks."""

import pytest
from django.urls import reverse

from credo.core.models import ObjectChange
from credo.creditfile.models import KeyManager, MarketShare
from credo.creditfile.registry import RECORD_TYPES
from credo.creditfile.services import record_create

pytestmark = pytest.mark.django_db

MODEL_NAMES = [rt.model._meta.model_name for rt in RECORD_TYPES.values()] + ["attachment"]


@pytest.fixture
def admin_client_logged(client, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("model_name", MODEL_NAMES)
def test_changelist_and_add_pages_render(admin_client_logged, model_name):
    for view in ("changelist", "add"):
        response = admin_client_logged.get(reverse(f"admin:creditfile_{model_name}_{view}"))
        assert response.status_code == 200, (model_name, view)


def test_admin_add_goes_through_service(admin_client_logged, customer):
    response = admin_client_logged.post(
        reverse("admin:creditfile_keymanager_add"),
        {"customer": customer.pk, "name": "李四", "title": "总经理", "since": "",
         "as_of": "2025-01-01", "source": "registry", "source_detail": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    manager = KeyManager.objects.get()
    assert manager.recorded_by == "root"
    change = ObjectChange.objects.get(object_type="creditfile.keymanager")
    assert change.channel == "ui" and change.user_name == "root"


def test_admin_rejects_market_shares_over_100(admin_client_logged, customer, acting):
    profile = record_create(record_type="business-profiles", customer=customer)
    record_create(record_type="market-shares", customer=customer, profile=profile,
                  region="华东", percent="80")
    response = admin_client_logged.post(
        reverse("admin:creditfile_marketshare_add"),
        {"customer": customer.pk, "profile": profile.pk, "region": "华南", "percent": "30",
         "as_of": "2025-01-01", "source": "customer", "source_detail": ""},
    )
    assert response.status_code == 200
    assert "would add up to 110.00%" in response.content.decode()
    assert MarketShare.objects.count() == 1
