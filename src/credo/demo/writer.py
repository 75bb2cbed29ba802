"""Store a generated portfolio: through the services (small runs) or in bulk (large runs).

Both writers store exactly the same rows for the same specs. The service writer also writes the
change log and a business event per record, like any other user action; the bulk writer skips
them (one summary event instead) because per-row logging would dominate the time at a million
customers. See docs/decisions/0003-demo-bulk-loading.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from credo.core.context import acting_as
from credo.core.services import business_event_emit, roles_sync
from credo.customers.models import (
    Contact,
    Customer,
    CustomerAlias,
    ExternalId,
    Industry,
    OwnershipPeriod,
    Tag,
    TeamMember,
)

from .generator import ADMIN_USERNAME, CustomerSpec, PortfolioGenerator, UserSpec

# Above this many customers the command switches to the bulk writer unless told otherwise.
BULK_THRESHOLD = 5_000
SERVICE_COMMIT_EVERY = 50

Progress = Callable[[int, int, float], None]


@dataclass
class LoadResult:
    """What a load stored, for the command's summary."""

    customers: int = 0
    records: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    mode: str = ""


def _chunks(items: Iterable[CustomerSpec], size: int) -> Iterator[list[CustomerSpec]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def ensure_users(users: list[UserSpec]) -> dict[str, Any]:
    """Create the demo logins that do not exist yet; existing users keep their password."""
    needed = {spec.role for spec in users}
    if Group.objects.filter(name__in=needed).count() < len(needed):
        roles_sync()
    groups = {g.name: g for g in Group.objects.all()}
    user_model = get_user_model()
    result = {}
    for spec in users:
        user = user_model.objects.filter(username=spec.username).first()
        if user is None:
            user = user_model(
                username=spec.username, first_name=spec.first_name, last_name=spec.last_name,
                is_staff=spec.is_staff,
            )
            user.set_password(spec.password)
            user.save()
            user.groups.set([groups[spec.role]])
        result[spec.username] = user
    return result


def _ensure_tags(specs_tags: Iterable[str]) -> dict[str, Tag]:
    return {name: Tag.objects.get_or_create(name=name)[0] for name in sorted(set(specs_tags))}


ALL_TAGS = ("重点客户", "集团客户", "出口", "新客户")


def load_portfolio(
    generator: PortfolioGenerator,
    *,
    bulk: bool,
    batch_size: int = 5_000,
    progress: Progress | None = None,
) -> LoadResult:
    """Create the users, then the customers and their credit files; returns counts and time."""
    started = time.monotonic()
    users = ensure_users(generator.users)
    tags = _ensure_tags(ALL_TAGS)
    industries = {i.code: i for i in Industry.objects.all()}
    result = LoadResult(mode="bulk" if bulk else "services")
    admin = users[ADMIN_USERNAME]
    with acting_as(admin, channel="cli"):
        writer = _BulkWriter if bulk else _ServiceWriter
        writer(users=users, tags=tags, industries=industries, result=result).run(
            generator, batch_size=batch_size if bulk else SERVICE_COMMIT_EVERY,
            progress=progress, started=started,
        )
        business_event_emit(
            name="demo.loaded", customer_id=None,
            payload={"seed": generator.seed, "customers": result.customers, "mode": result.mode},
        )
    result.seconds = time.monotonic() - started
    return result


class _Writer:
    def __init__(self, *, users, tags, industries, result: LoadResult) -> None:
        self.users = users
        self.tags = tags
        self.industries = industries
        self.result = result
        self.group_heads: dict[int, Customer] = {}

    def count(self, key: str, n: int = 1) -> None:
        self.result.records[key] = self.result.records.get(key, 0) + n

    def run(self, generator, *, batch_size: int, progress: Progress | None, started: float):
        total = generator.count
        for chunk in _chunks(generator.customers(), batch_size):
            with transaction.atomic():
                self.write(chunk)
            self.result.customers += len(chunk)
            if progress is not None:
                progress(self.result.customers, total, time.monotonic() - started)

    def customer_fields(self, spec: CustomerSpec) -> dict[str, Any]:
        fields = dict(spec.fields)
        if fields.get("industry"):
            fields["industry"] = self.industries[fields["industry"]]
        return fields

    def write(self, chunk: list[CustomerSpec]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class _ServiceWriter(_Writer):
    """Every row through its service: validation, change log and events as in real use."""

    def write(self, chunk: list[CustomerSpec]) -> None:
        from credo.creditfile.services import record_create
        from credo.customers import services

        for spec in chunk:
            parent = self.group_heads.get(spec.parent_index) if spec.parent_index is not None else None
            customer = services.customer_create(
                account_manager=self.users[spec.account_manager],
                parent=parent,
                tags=[self.tags[name] for name in spec.tags],
                **self.customer_fields(spec),
            )
            if spec.is_group_head:
                self.group_heads[spec.index] = customer
            for contact in spec.contacts:
                services.contact_create(customer=customer, **contact)
            for alias in spec.aliases:
                services.alias_add(customer=customer, **alias)
            for source_system, external_id in spec.external_ids:
                services.external_id_set(
                    customer=customer, source_system=source_system, external_id=external_id
                )
            for username, role in spec.team:
                services.team_member_add(customer=customer, user=self.users[username], role=role)
            for key, data in spec.records:
                data = dict(data)
                shares = data.pop("market_shares", None) or []
                record = record_create(record_type=key, customer=customer, **data)
                self.count(key)
                for share in shares:
                    record_create(
                        record_type="market-shares", customer=customer, profile=record, **share
                    )
                    self.count("market-shares")


class _BulkWriter(_Writer):
    """Rows built in memory and inserted with bulk_create, one transaction per batch."""

    def write(self, chunk: list[CustomerSpec]) -> None:
        from credo.creditfile.models import MarketShare
        from credo.creditfile.registry import RECORD_TYPES

        now = timezone.now()
        recorded_by = ADMIN_USERNAME
        reason = gettext("Customer created")
        # Group heads first, so subsidiaries in the same batch can point at them.
        first, second = [], []
        for spec in chunk:
            ready = spec.parent_index is None or spec.parent_index in self.group_heads
            (first if ready else second).append(spec)
        customers: dict[int, Customer] = {}
        for part in (first, second):
            objects = []
            for spec in part:
                parent = self.group_heads.get(spec.parent_index) if spec.parent_index is not None else None
                objects.append(Customer(
                    account_manager=self.users[spec.account_manager], parent=parent,
                    **self.customer_fields(spec),
                ))
            Customer.objects.bulk_create(objects)
            for spec, customer in zip(part, objects, strict=True):
                customers[spec.index] = customer
                if spec.is_group_head:
                    self.group_heads[spec.index] = customer
        ordered = [(spec, customers[spec.index]) for spec in chunk]

        OwnershipPeriod.objects.bulk_create([
            OwnershipPeriod(customer=c, account_manager_id=c.account_manager_id, started_at=now,
                            changed_by=recorded_by, reason=reason)
            for _spec, c in ordered
        ])
        through = Customer.tags.through
        through.objects.bulk_create([
            through(customer_id=c.pk, tag_id=self.tags[name].pk)
            for spec, c in ordered for name in spec.tags
        ])
        Contact.objects.bulk_create(
            [Contact(customer=c, **contact) for spec, c in ordered for contact in spec.contacts]
        )
        CustomerAlias.objects.bulk_create(
            [CustomerAlias(customer=c, **alias) for spec, c in ordered for alias in spec.aliases]
        )
        ExternalId.objects.bulk_create([
            ExternalId(customer=c, source_system=system, external_id=value)
            for spec, c in ordered for system, value in spec.external_ids
        ])
        TeamMember.objects.bulk_create([
            TeamMember(customer=c, user=self.users[username], role=role)
            for spec, c in ordered for username, role in spec.team
        ])

        by_type: dict[str, list] = {}
        shares_of: list[tuple[Any, list[dict[str, Any]]]] = []
        for spec, customer in ordered:
            for key, data in spec.records:
                data = dict(data)
                shares = data.pop("market_shares", None)
                model = RECORD_TYPES[key].model
                record = model(customer=customer, recorded_by=recorded_by, **data)
                by_type.setdefault(key, []).append(record)
                if shares:
                    shares_of.append((record, shares))
        for key, records in by_type.items():
            RECORD_TYPES[key].model.objects.bulk_create(records)
            self.count(key, len(records))
        shares = [
            MarketShare(customer_id=profile.customer_id, profile=profile,
                        recorded_by=recorded_by, **share)
            for profile, share_list in shares_of for share in share_list
        ]
        MarketShare.objects.bulk_create(shares)
        if shares:
            self.count("market-shares", len(shares))
