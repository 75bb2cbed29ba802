"""The change log written by core.services model_create / model_update / model_delete."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from credo.core.context import acting_as, current_actor
from credo.core.middleware import RequestContextMiddleware
from credo.core.models import ChangeAction, ObjectChange
from credo.core.services import model_create, model_delete, model_update
from credo.customers.models import Contact, Tag

pytestmark = pytest.mark.django_db


def _changes(obj_type: str) -> list[ObjectChange]:
    return list(ObjectChange.objects.filter(object_type=obj_type).order_by("id"))


def test_create_update_delete_are_logged_with_before_and_after(make_customer, credit_manager):
    customer = make_customer()
    with acting_as(credit_manager, channel="cli", request_id="req-1"):
        contact = model_create(
            model=Contact, data={"customer": customer, "name": "王伟", "phone": "0755-1"},
            customer_id_attr="customer_id",
        )
        assert model_update(
            instance=contact, data={"phone": "0755-2"}, customer_id_attr="customer_id"
        )
        pk = contact.pk
        model_delete(instance=contact, customer_id_attr="customer_id")

    created, updated, deleted = _changes("customers.contact")
    assert [c.action for c in (created, updated, deleted)] == [
        ChangeAction.CREATE, ChangeAction.UPDATE, ChangeAction.DELETE,
    ]
    for change in (created, updated, deleted):
        assert change.object_id == str(pk)
        assert change.customer_id == customer.pk
        assert change.user_id == credit_manager.pk
        assert change.user_name == credit_manager.username
        assert change.request_id == "req-1"
        assert change.channel == "cli"
    assert created.prechange_data is None
    assert created.postchange_data["phone"] == "0755-1"
    assert updated.changed_fields() == [("phone", "0755-1", "0755-2")]
    # A deletion keeps the last values, so the record can be reconstructed.
    assert deleted.postchange_data is None
    assert deleted.prechange_data["name"] == "王伟"
    assert deleted.prechange_data["phone"] == "0755-2"
    assert not Contact.objects.filter(pk=pk).exists()


def test_update_without_change_writes_nothing():
    tag = model_create(model=Tag, data={"name": "export"}, customer_id_attr=None)
    assert model_update(instance=tag, data={"name": "export"}, customer_id_attr=None) is False
    assert [c.action for c in _changes("customers.tag")] == [ChangeAction.CREATE]
    assert _changes("customers.tag")[0].customer_id is None


def test_invalid_data_is_refused_and_not_logged(make_customer):
    customer = make_customer()
    before = ObjectChange.objects.count()
    with pytest.raises(ValidationError) as exc:
        model_create(
            model=Contact, data={"customer": customer, "name": "", "email": "not-an-email"},
            customer_id_attr="customer_id",
        )
    assert set(exc.value.message_dict) == {"name", "email"}
    assert ObjectChange.objects.count() == before
    assert not Contact.objects.exists()


def test_without_an_actor_changes_are_attributed_to_system():
    model_create(model=Tag, data={"name": "key"}, customer_id_attr=None)
    change = _changes("customers.tag")[0]
    assert change.user_id is None and change.user_name == "system"
    assert change.channel == "system" and change.request_id == ""


def test_middleware_binds_the_request_id_and_user(viewer):
    seen = {}

    def view(request):
        seen["actor"] = current_actor()
        model_create(model=Tag, data={"name": "from-request"}, customer_id_attr=None)
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().get("/customers/", HTTP_X_REQUEST_ID="abc-123")
    request.user = viewer
    response = RequestContextMiddleware(view)(request)
    assert response["X-Request-ID"] == "abc-123"
    assert seen["actor"].request_id == "abc-123" and seen["actor"].channel == "ui"
    change = _changes("customers.tag")[0]
    assert change.request_id == "abc-123" and change.user_name == viewer.username
    assert current_actor().username == "system"  # the binding ends with the request


def test_secret_fields_are_never_logged(django_user_model):
    user = model_create(
        model=django_user_model,
        data={"username": "zoe", "password": "argon2$not-a-real-hash"},
        customer_id_attr=None,
    )
    change = ObjectChange.objects.get(object_type="auth.user", object_id=str(user.pk))
    assert "password" not in change.postchange_data
