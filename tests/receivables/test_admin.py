"""The receivables admin is read-only except FX rates and payment terms, saved via services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credo.core.models import BusinessEvent
from credo.receivables import services
from credo.receivables.models import FxRate, PaymentTerms

from .conftest import D, day

pytestmark = pytest.mark.django_db

READ_ONLY = ["salesorder", "delivery", "invoice", "invoiceinstalment", "creditnote", "payment",
             "allocation", "writeoff", "dispute", "security", "customerexposure", "openitemdue"]


@pytest.fixture
def admin_client_logged(client, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456")
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("model_name", READ_ONLY)
def test_documents_are_listed_but_not_added(admin_client_logged, model_name, customer):
    services.invoice_post(customer=customer, number="INV-A", invoice_date=day("2025-01-01"),
                          currency="CNY", amount=D("10.00"))
    listing = admin_client_logged.get(reverse(f"admin:receivables_{model_name}_changelist"))
    assert listing.status_code == 200
    add = admin_client_logged.get(reverse(f"admin:receivables_{model_name}_add"))
    assert add.status_code == 403


def test_invoice_detail_shows_open_items(admin_client_logged, customer, terms):
    invoice = services.invoice_post(customer=customer, number="INV-B",
                                    invoice_date=day("2025-01-01"), currency="CNY",
                                    amount=D("10.00"), payment_terms=terms["split"])
    page = admin_client_logged.get(reverse("admin:receivables_invoice_change", args=[invoice.pk]))
    assert page.status_code == 200
    assert "2025-01-31" in page.content.decode() or "Jan. 31, 2025" in page.content.decode()


def test_fx_rate_added_through_the_service(admin_client_logged):
    response = admin_client_logged.post(
        reverse("admin:receivables_fxrate_add"),
        {"currency": "USD", "rate_date": "2025-01-01", "rate": "7.1"},
    )
    assert response.status_code == 302
    assert FxRate.objects.get().rate == D("7.1")
    assert BusinessEvent.objects.filter(name="receivables.fx_rate.set").count() == 1
    bad = admin_client_logged.post(
        reverse("admin:receivables_fxrate_add"),
        {"currency": "CNY", "rate_date": "2025-01-02", "rate": "1"},
    )
    assert bad.status_code == 200
    assert "The company currency needs no FX rate." in bad.content.decode()
    assert FxRate.objects.count() == 1


def test_payment_terms_added_through_the_service(admin_client_logged):
    response = admin_client_logged.post(
        reverse("admin:receivables_paymentterms_add"),
        {"code": "N45", "name": "Net 45", "kind": "net", "days": "45", "instalments": "[]"},
    )
    assert response.status_code == 302
    assert PaymentTerms.objects.get().days == 45
    assert BusinessEvent.objects.filter(name="receivables.payment_terms.created").count() == 1
