"""Decisions admin: pages render; policies and authorities are saved through the services."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from credo.core.models import BusinessEvent, ObjectChange
from credo.decisions.models import CheckPolicy, ReleaseAuthority

from .conftest import D

pytestmark = pytest.mark.django_db

MODELS = ("creditlimit", "listentry", "customersegment", "creditcheck", "ordercreditdecision",
          "checkpolicy", "releaseauthority")


@pytest.fixture
def admin_client_logged(client, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("model_name", MODELS)
def test_changelist_renders(admin_client_logged, model_name):
    response = admin_client_logged.get(reverse(f"admin:decisions_{model_name}_changelist"))
    assert response.status_code == 200


def test_logs_cannot_be_added_in_the_admin(admin_client_logged):
    for model_name in ("creditlimit", "creditcheck", "ordercreditdecision"):
        response = admin_client_logged.get(reverse(f"admin:decisions_{model_name}_add"))
        assert response.status_code == 403


def test_policy_saved_through_the_service(admin_client_logged):
    steps = [{"type": "max_order", "max_amount": "1000", "reaction": "hold"}]
    response = admin_client_logged.post(
        reverse("admin:decisions_checkpolicy_add"),
        {"key": "dealers", "name": "Dealers", "steps": json.dumps(steps),
         "counted_buckets": json.dumps(["open_receivables"])},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = CheckPolicy.objects.get(key="dealers")
    assert policy.steps == steps
    assert ObjectChange.objects.get(object_type="decisions.checkpolicy").user_name == "root"
    assert BusinessEvent.objects.filter(name="decisions.check_policy.saved").count() == 1


def test_invalid_policy_is_refused_in_the_admin(admin_client_logged):
    response = admin_client_logged.post(
        reverse("admin:decisions_checkpolicy_add"),
        {"key": "bad", "name": "Bad", "steps": json.dumps([{"type": "teleport"}]),
         "counted_buckets": json.dumps(["open_orders"])},
    )
    assert response.status_code == 200
    assert "Step 1 has an unknown type: teleport." in response.content.decode()
    assert not CheckPolicy.objects.filter(key="bad").exists()


def test_release_authority_changed_through_the_service(admin_client_logged):
    authority = ReleaseAuthority.objects.get(group_name="credit_analyst")
    response = admin_client_logged.post(
        reverse("admin:decisions_releaseauthority_change", args=[authority.pk]),
        {"group_name": "credit_analyst", "max_amount": "800000"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    authority.refresh_from_db()
    assert authority.max_amount == D("800000.00")
    assert BusinessEvent.objects.filter(name="decisions.release_authority.set").count() == 1
