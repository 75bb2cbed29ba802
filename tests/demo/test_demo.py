"""The demo portfolio: deterministic, valid codes, balanced statements, both writers agree."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Count

from credo.core.models import BusinessEvent, ObjectChange
from credo.core.validators import validate_id_number, validate_uscc
from credo.creditfile.models import (
    BankRelation,
    BusinessProfile,
    FinancialStatement,
    MarketShare,
    PublicRecord,
    Shareholder,
)
from credo.customers.models import (
    Contact,
    Customer,
    CustomerAlias,
    ExternalId,
    OwnershipPeriod,
    TeamMember,
)
from credo.demo.generator import PortfolioGenerator
from credo.demo.writer import load_portfolio

pytestmark = pytest.mark.django_db

# Rows compared between runs; ids and timestamps are left out, relations by customer code.
SNAPSHOT_MODELS = [
    Customer, Contact, CustomerAlias, ExternalId, TeamMember, Shareholder, FinancialStatement,
    BusinessProfile, MarketShare, BankRelation, PublicRecord,
]
_SKIPPED = {"id", "created_at", "updated_at"}


def _snapshot() -> dict[str, list[tuple]]:
    codes = dict(Customer.objects.values_list("pk", "code"))
    profile_dates = dict(BusinessProfile.objects.values_list("pk", "as_of"))
    result = {}
    for model in SNAPSHOT_MODELS:
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in _SKIPPED]
        rows = []
        for values in model.objects.values_list(*names):
            row = dict(zip(names, values, strict=True))
            for key in ("customer_id", "parent_id"):
                if key in row:
                    row[key] = codes.get(row[key])
            if "profile_id" in row:
                row["profile_id"] = profile_dates[row["profile_id"]]
            rows.append(tuple(sorted((k, str(v)) for k, v in row.items())))
        result[model.__name__] = sorted(rows)
    tags = Customer.tags.through.objects.values_list("customer__code", "tag__name")
    result["tags"] = sorted(tags)
    return result


def _wipe_customers() -> None:
    # Subsidiaries first: a parent is protected while it has subsidiaries.
    Customer.objects.filter(parent__isnull=False).delete()
    Customer.objects.all().delete()


def _load(count: int, *, bulk: bool, seed: int = 7) -> None:
    load_portfolio(PortfolioGenerator(seed=seed, count=count), bulk=bulk, batch_size=17)


def test_same_seed_gives_the_same_specs_and_another_seed_does_not():
    def names(seed):
        return [
            (s.code, s.fields.get("name_zh"), s.fields.get("uscc"), s.fields.get("id_number"),
             s.records)
            for s in PortfolioGenerator(seed=seed, count=120).customers()
        ]

    assert names(3) == names(3)
    assert names(3) != names(4)


def test_service_and_bulk_writers_store_identical_rows_and_reruns_are_identical():
    _load(60, bulk=False)
    through_services = _snapshot()
    assert ObjectChange.objects.filter(object_type="customers.customer").count() == 60
    _wipe_customers()

    _load(60, bulk=True)
    in_bulk = _snapshot()
    _wipe_customers()
    _load(60, bulk=True)
    again = _snapshot()

    assert len(through_services["Customer"]) == 60
    assert through_services["FinancialStatement"]  # the comparison is not vacuous
    assert through_services["PublicRecord"]
    for model_name, rows in through_services.items():
        assert rows == in_bulk[model_name], model_name
        assert rows == again[model_name], model_name


def test_codes_are_valid_unique_and_match_the_province():
    _load(150, bulk=True, seed=11)
    enterprises = Customer.objects.filter(kind="enterprise")
    individuals = Customer.objects.filter(kind="individual")
    assert enterprises.count() > 100
    assert 3 <= individuals.count() <= 40  # about 10 %
    for customer in enterprises:
        validate_uscc(customer.uscc)
        assert customer.uscc[2:4] == customer.registered_province, customer.uscc
        assert customer.industry is not None and customer.industry.parent is not None
        if customer.paid_in_capital is not None:
            assert customer.paid_in_capital <= customer.registered_capital
    for customer in individuals:
        validate_id_number(customer.id_number)
        assert customer.id_number[:2] == customer.registered_province
        assert customer.uscc is None
    # A realistic portfolio: groups, English names, contacts, former names, ERP ids.
    subsidiaries = Customer.objects.filter(parent__isnull=False).select_related("parent")
    assert subsidiaries.exists()
    assert all("集团" in s.parent.name_zh for s in subsidiaries)
    assert enterprises.exclude(name_en="").exists()
    assert Contact.objects.filter(is_primary=True).count() == enterprises.count()
    assert CustomerAlias.objects.filter(kind="former").exists()
    assert ExternalId.objects.filter(source_system="ERP").count() > 100
    assert all(c.phone.startswith("1") and len(c.phone) == 11 for c in individuals)
    for holder in Shareholder.objects.exclude(id_number=""):
        validate_id_number(holder.id_number)
    for holder in Shareholder.objects.exclude(uscc=""):
        validate_uscc(holder.uscc)


def test_every_bulk_row_passes_model_validation():
    _load(40, bulk=True, seed=5)
    for model in SNAPSHOT_MODELS:
        for instance in model.objects.all():
            try:
                instance.full_clean(validate_unique=False)
            except ValidationError as exc:  # pragma: no cover - message for the failure
                pytest.fail(f"{model.__name__} {instance.pk}: {exc.message_dict}")


def test_statements_balance_and_shares_add_up():
    _load(120, bulk=True, seed=2)
    statements = FinancialStatement.objects.all()
    assert statements.count() > 50
    for statement in statements:
        assert statement.total_assets == statement.total_liabilities + statement.equity
        assert statement.current_assets <= statement.total_assets
        assert statement.current_liabilities <= statement.total_liabilities
    for customer_id in Shareholder.objects.values_list("customer_id", flat=True).distinct():
        total = sum(
            Shareholder.objects.filter(customer_id=customer_id).values_list(
                "share_percent", flat=True
            )
        )
        assert total == Decimal("100.00")
    for profile in BusinessProfile.objects.annotate(n=Count("market_shares")):
        assert profile.n >= 1
        assert sum(profile.market_shares.values_list("percent", flat=True)) == Decimal("100.00")


def test_latent_health_drives_the_public_record_and_the_financials():
    generator = PortfolioGenerator(seed=9, count=3000)
    weak, strong = [], []
    for spec in generator.customers():
        if spec.fields["kind"] != "enterprise":
            continue
        adverse = sum(
            1 for key, data in spec.records
            if key == "public-records" and data["kind"] in {"enforcement", "dishonest_debtor"}
        )
        equity_ratios = [
            data["equity"] / data["total_assets"] for key, data in spec.records
            if key == "financial-statements"
        ]
        bucket = weak if spec.health < -1 else strong if spec.health > 1 else None
        if bucket is not None:
            bucket.append((adverse, equity_ratios[-1] if equity_ratios else None))
    adverse_rate = [sum(a for a, _e in b) / len(b) for b in (weak, strong)]
    assert adverse_rate[0] > 3 * adverse_rate[1]
    median = [sorted(e for _a, e in b if e is not None)[len(b) // 4] for b in (weak, strong)]
    assert median[0] < median[1]


def test_command_creates_logins_and_if_empty_does_nothing_the_second_time():
    out = io.StringIO()
    call_command("credo_demo", customers=30, seed=1, items_per_customer=1, stdout=out,
                 verbosity=0)
    assert Customer.objects.count() == 30
    text = out.getvalue()
    assert "demo-password-1" in text and "account_manager" in text
    from django.contrib.auth import authenticate

    demo = authenticate(username="demo", password="demo-password-1")
    assert demo is not None and demo.is_staff
    assert demo.groups.filter(name="administrator").exists()
    assert Customer.objects.values("account_manager").distinct().count() >= 2
    assert OwnershipPeriod.objects.count() == 30
    assert BusinessEvent.objects.filter(name="demo.loaded").count() == 1
    # Every demo customer is rated: one current rating each, from the batch run.
    from credo.rating.models import Rating

    assert Rating.objects.filter(is_current=True).count() == 30
    assert Rating.objects.filter(is_current=True, trigger="batch").count() == 30
    assert "Rated 30 customers" in text

    out = io.StringIO()
    call_command("credo_demo", customers=30, seed=2, if_empty=True, stdout=out, verbosity=0)
    assert Customer.objects.count() == 30
    assert "--if-empty" in out.getvalue()
    assert BusinessEvent.objects.filter(name="demo.loaded").count() == 1

    with pytest.raises(CommandError, match="already has customers"):
        call_command("credo_demo", customers=30, seed=2, verbosity=0)
    assert Customer.objects.count() == 30


def test_fast_mode_writes_no_per_row_change_log_and_leaves_the_keys_usable(make_customer):
    call_command("credo_demo", customers=25, seed=1, fast=True, verbosity=0, stdout=io.StringIO())
    assert Customer.objects.count() == 25
    assert ObjectChange.objects.count() == 0
    # Primary keys were assigned by the loader: new rows must not collide with them.
    newcomer = make_customer()
    assert newcomer.pk > max(Customer.objects.exclude(pk=newcomer.pk).values_list("pk", flat=True))
    assert newcomer.code == f"C{newcomer.pk:08d}"
    assert Contact.objects.create(customer=newcomer, name="王伟").pk
