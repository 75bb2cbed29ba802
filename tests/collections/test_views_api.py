"""Collections pages and API: login, 403, 404 for invisible customers, and what they show."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credo.core.context import acting_as
from credo.core.services import api_token_create
from credo.dunning import services
from credo.dunning.models import DunningLetter, PromiseToPay

pytestmark = pytest.mark.django_db


def ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def web(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api(user=None) -> Client:
    headers = {}
    if user is not None:
        _token, key = api_token_create(user=user, name="test")
        headers["Authorization"] = f"Bearer {key}"
    return Client(headers=headers)


@pytest.fixture
def ledger(make_customer, invoice, account_manager, other_account_manager):
    mine_small = make_customer(owner=account_manager, name_zh="小额客户有限公司")
    invoice(mine_small, "1000.00", ago(10))  # priority 10,000
    mine_big = make_customer(owner=account_manager, name_zh="大额客户有限公司")
    invoice(mine_big, "3000.00", ago(20))  # 60,000
    theirs = make_customer(owner=other_account_manager, name_zh="他人客户有限公司")
    invoice(theirs, "5000.00", ago(70))  # 350,000
    return {"small": mine_small, "big": mine_big, "theirs": theirs}


@pytest.fixture
def letter_of_theirs(ledger, credit_manager):
    with acting_as(credit_manager, channel="system"):
        letters = services.dunning_run(as_of=timezone.localdate(), user=credit_manager)
    return next(letter for letter in letters if letter.customer == ledger["theirs"])


PAGES = [
    ("web:collections_worklist", {}),
    ("web:collections_letters", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_pages_need_login(name, kwargs):
    response = web().get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_pages_forbidden_without_permission(name, kwargs, service_agent):
    assert web(service_agent).get(reverse(name, kwargs=kwargs)).status_code == 403


def test_letter_and_promises_need_login_and_permission(ledger, letter_of_theirs, service_agent):
    letter_url = reverse("web:collections_letter", args=[letter_of_theirs.pk])
    promises_url = reverse("web:collections_promises", args=[ledger["small"].pk])
    assert web().get(letter_url).status_code == 302
    assert web().get(promises_url).status_code == 302
    assert web(service_agent).get(letter_url).status_code == 403
    assert web(service_agent).get(promises_url).status_code == 403


def test_invisible_letter_and_customer_are_404(ledger, letter_of_theirs, account_manager):
    client = web(account_manager)
    assert client.get(
        reverse("web:collections_letter", args=[letter_of_theirs.pk])
    ).status_code == 404
    assert client.get(
        reverse("web:collections_promises", args=[ledger["theirs"].pk])
    ).status_code == 404
    assert client.post(
        reverse("web:collections_promises", args=[ledger["theirs"].pk]),
        {"amount": "10", "made_on": ago(0), "promised_date": ago(-5)},
    ).status_code == 404
    assert not PromiseToPay.objects.exists()


def _row_order(content: str, customers) -> list[str]:
    positions = {
        key: content.find(f'id="worklist-customer-{customer.pk}"')
        for key, customer in customers.items()
    }
    return [key for key, pos in sorted(positions.items(), key=lambda kv: kv[1]) if pos >= 0]


def test_worklist_page_order_and_restriction(ledger, credit_manager, account_manager):
    everyone = web(credit_manager).get(reverse("web:collections_worklist"))
    assert everyone.status_code == 200
    assert _row_order(everyone.content.decode(), ledger) == ["theirs", "big", "small"]
    own = web(account_manager).get(reverse("web:collections_worklist"))
    assert _row_order(own.content.decode(), ledger) == ["big", "small"]
    filtered = web(credit_manager).get(
        reverse("web:collections_worklist"), {"collector": account_manager.pk}
    )
    assert _row_order(filtered.content.decode(), ledger) == ["big", "small"]


def test_run_send_and_view_letter_on_the_web(ledger, credit_manager, account_manager):
    assert web(account_manager).post(
        reverse("web:collections_run"), {"as_of": ago(0)}
    ).status_code == 403
    client = web(credit_manager)
    response = client.post(reverse("web:collections_run"), {"as_of": ago(0)})
    assert response.status_code == 302
    assert DunningLetter.objects.filter(status="proposed").count() == 3
    letter = DunningLetter.objects.get(customer=ledger["theirs"])
    assert letter.level.level == 3
    page = client.get(reverse("web:collections_letter", args=[letter.pk])).content.decode()
    assert "最后催款通知" in page and "他人客户有限公司" in page
    assert client.post(
        reverse("web:collections_letter_send", args=[letter.pk])
    ).status_code == 302
    letter.refresh_from_db()
    assert letter.status == "sent"
    listing = client.get(reverse("web:collections_letters"), {"status": "sent"}).content.decode()
    assert f'id="letter-{letter.pk}"' in listing


def test_account_manager_cannot_send(ledger, letter_of_theirs, account_manager, make_customer):
    response = web(account_manager).post(
        reverse("web:collections_letter_send", args=[letter_of_theirs.pk])
    )
    assert response.status_code == 403
    letter_of_theirs.refresh_from_db()
    assert letter_of_theirs.status == "proposed"


def test_record_promise_on_the_web(ledger, account_manager):
    url = reverse("web:collections_promises", args=[ledger["small"].pk])
    client = web(account_manager)
    bad = client.post(url, {"amount": "0", "made_on": ago(0), "promised_date": ago(-7)})
    assert bad.status_code == 200
    assert "The promised amount must be above zero." in bad.content.decode()
    assert not PromiseToPay.objects.exists()
    good = client.post(url, {"amount": "500.00", "made_on": ago(0), "promised_date": ago(-7)})
    assert good.status_code == 302
    promise = PromiseToPay.objects.get()
    assert (promise.customer, promise.recorded_by, promise.status) == (
        ledger["small"], account_manager, "open"
    )


# --- API --------------------------------------------------------------------------------------

WORKLIST = "/api/v1/collections/worklist"


def test_api_worklist_auth_and_permission(service_agent):
    assert api().get(WORKLIST).status_code == 401
    assert api(service_agent).get(WORKLIST).status_code == 403


def test_api_worklist_order_restriction_and_collector(ledger, credit_manager, account_manager,
                                                     analyst):
    body = api(credit_manager).get(WORKLIST).json()
    assert [row["customer"] for row in body["items"]] == [
        ledger["theirs"].pk, ledger["big"].pk, ledger["small"].pk
    ]
    top = body["items"][0]
    assert (top["overdue_amount"], top["days_overdue"], top["risk_factor"], top["priority"]) == (
        "5000.00", 70, "1.00", "350000.00"
    )
    own = api(account_manager).get(WORKLIST).json()
    assert [row["customer"] for row in own["items"]] == [ledger["big"].pk, ledger["small"].pk]
    with acting_as(credit_manager, channel="system"):
        services.collector_assign(customer=ledger["small"], collector=analyst)
    by_analyst = api(credit_manager).get(WORKLIST, {"collector": analyst.pk}).json()
    assert [row["customer"] for row in by_analyst["items"]] == [ledger["small"].pk]
    assert by_analyst["items"][0]["collector"]["id"] == analyst.pk


def test_api_letters_run_view_send(ledger, credit_manager, account_manager):
    client = api(credit_manager)
    assert api(account_manager).post(
        "/api/v1/collections/dunning-run", json.dumps({"as_of": ago(0)}),
        content_type="application/json",
    ).status_code == 403
    run = client.post(
        "/api/v1/collections/dunning-run", json.dumps({"as_of": ago(0)}),
        content_type="application/json",
    )
    assert run.status_code == 200, run.content
    proposed = {row["customer"]: row for row in run.json()["proposed"]}
    theirs = proposed[ledger["theirs"].pk]
    assert (theirs["level"], theirs["fee"], theirs["total_due"]) == (3, "200.00", "5315.07")
    # 5000 x 12% x 70 / 365 = 115.068... -> 115.07; + 200 fee
    assert theirs["interest"] == "115.07"
    assert api(account_manager).get(
        f"/api/v1/collections/letters/{theirs['id']}"
    ).status_code == 404
    detail = client.get(f"/api/v1/collections/letters/{theirs['id']}").json()
    assert "最后催款通知" in detail["html"]
    sent = client.post(
        f"/api/v1/collections/letters/{theirs['id']}/send", json.dumps({"action": "send"}),
        content_type="application/json",
    )
    assert sent.json()["status"] == "sent"
    again = client.post(
        f"/api/v1/collections/letters/{theirs['id']}/send", json.dumps({"action": "send"}),
        content_type="application/json",
    )
    assert again.status_code == 400
    assert again.json()["field_errors"] == {
        "status": ["Only a proposed letter can be sent; this one is Sent."]
    }


def test_api_promises(ledger, account_manager):
    client = api(account_manager)
    url = f"/api/v1/customers/{ledger['small'].pk}/promises"
    created = client.post(
        url, json.dumps({"amount": "700.00", "promised_date": ago(-3)}),
        content_type="application/json",
    )
    assert created.status_code == 200, created.content
    assert created.json()["status"] == "open"
    assert [row["amount"] for row in client.get(url).json()["items"]] == ["700.00"]
    hidden = f"/api/v1/customers/{ledger['theirs'].pk}/promises"
    assert client.get(hidden).status_code == 404
    assert client.post(
        hidden, json.dumps({"amount": "1.00", "promised_date": ago(-3)}),
        content_type="application/json",
    ).status_code == 404
    assert PromiseToPay.objects.count() == 1


def test_navigation_offers_collections_only_with_the_permission(
    client, credit_manager, service_agent
):
    from django.urls import reverse

    link = f'href="{reverse("web:collections_worklist")}"'
    client.force_login(credit_manager)
    assert link in client.get(reverse("web:customer_list")).content.decode()
    client.force_login(service_agent)
    assert link not in client.get(reverse("web:customer_list")).content.decode()
