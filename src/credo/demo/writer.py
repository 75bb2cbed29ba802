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
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, reset_queries, transaction
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
from .ledger import LedgerGenerator
from .ledger_writer import (
    BulkLedgerRows,
    ensure_master_data_bulk,
    ensure_master_data_services,
    write_ledger_services,
)

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
    # Hash each distinct password once: Argon2 takes ~0.1 s and a large demo has 200 managers.
    hashes: dict[str, str] = {}
    result = {}
    for spec in users:
        user = user_model.objects.filter(username=spec.username).first()
        if user is None:
            if spec.password not in hashes:
                hashes[spec.password] = make_password(spec.password)
            user = user_model(
                username=spec.username, first_name=spec.first_name, last_name=spec.last_name,
                is_staff=spec.is_staff, password=hashes[spec.password],
            )
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
    ledger: LedgerGenerator | None = None,
) -> LoadResult:
    """Create the users, then the customers, their credit files and (with ``ledger``) their
    receivables history; returns counts and time.

    The bulk path writes the exposure aggregates with the ledger rows, so
    ``credo.receivables.services.exposure_reconcile()`` finds no drift afterwards.
    """
    started = time.monotonic()
    users = ensure_users(generator.users)
    tags = _ensure_tags(ALL_TAGS)
    industries = {i.code: i for i in Industry.objects.all()}
    result = LoadResult(mode="bulk" if bulk else "services")
    admin = users[ADMIN_USERNAME]
    with acting_as(admin, channel="cli"):
        writer = _BulkWriter if bulk else _ServiceWriter
        writer(users=users, tags=tags, industries=industries, result=result,
               ledger=ledger).run(
            generator, batch_size=batch_size if bulk else SERVICE_COMMIT_EVERY,
            progress=progress, started=started,
        )
        business_event_emit(
            name="demo.loaded", customer_id=None,
            payload={"seed": generator.seed, "customers": result.customers, "mode": result.mode,
                     "items_per_customer": ledger.items_per_customer if ledger else 0},
        )
    result.seconds = time.monotonic() - started
    return result


class _Writer:
    def __init__(self, *, users, tags, industries, result: LoadResult,
                 ledger: LedgerGenerator | None = None) -> None:
        self.users = users
        self.tags = tags
        self.industries = industries
        self.result = result
        self.ledger = ledger
        self.terms: dict = {}
        self.group_heads: dict[int, Customer] = {}

    def count(self, key: str, n: int = 1) -> None:
        self.result.records[key] = self.result.records.get(key, 0) + n

    def run(self, generator, *, batch_size: int, progress: Progress | None, started: float):
        total = generator.count
        if self.ledger is not None:
            with transaction.atomic():
                self.terms = self.master_data(self.ledger)
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

    def master_data(self, ledger: LedgerGenerator) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError


class _ServiceWriter(_Writer):
    """Every row through its service: validation, change log and events as in real use."""

    def master_data(self, ledger: LedgerGenerator) -> dict:
        return ensure_master_data_services(ledger)

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
            if self.ledger is not None:
                counts = write_ledger_services(
                    customer=customer, ledger=self.ledger.ledger(spec), terms=self.terms,
                    users=self.users,
                )
                for key, n in counts.items():
                    self.count(key, n)


class _RawTable:
    """Plain multi-row INSERTs for one model, with primary keys assigned here.

    Going around the ORM's per-object machinery is what makes a million customers feasible;
    values are still converted by each field's own ``get_db_prep_save``, so they are stored
    exactly as the ORM would store them (the demo tests compare both writers row by row).
    """

    def __init__(self, model) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.converters = [
            f if isinstance(f, models.DateField | models.DecimalField | models.JSONField) else None
            for f in self.fields
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
        self.next_id: int | None = None

    def allocate(self, count: int) -> range:
        if self.next_id is None:
            top = self.model.objects.aggregate(top=models.Max("pk"))["top"] or 0
            self.next_id = top + 1
        ids = range(self.next_id, self.next_id + count)
        self.next_id += count
        return ids

    def insert(self, rows: list[dict[str, Any]], ids: list[int] | None = None) -> list[int]:
        """Insert rows given as {attname: value}; returns their primary keys."""
        if not rows:
            return []
        ids = ids if ids is not None else list(self.allocate(len(rows)))
        params = []
        for pk, row in zip(ids, rows, strict=True):
            values = {**self.defaults, **row, "id": pk}
            params.append(tuple(
                field.get_db_prep_save(values[attname], connection) if field is not None
                else values[attname]
                for attname, field in zip(self.attnames, self.converters, strict=True)
            ))
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, params)
        return ids

    @property
    def attnames(self) -> list[str]:
        return [f.attname for f in self.fields]


class _BulkWriter(_Writer):
    """Rows built in memory and inserted in batches, one transaction per batch."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tables: dict[type, _RawTable] = {}
        self.group_head_ids: dict[int, int] = {}

    def table(self, model) -> _RawTable:
        if model not in self.tables:
            self.tables[model] = _RawTable(model)
        return self.tables[model]

    def master_data(self, ledger: LedgerGenerator) -> dict:
        return ensure_master_data_bulk(ledger, self.table)

    def run(self, generator, **kwargs):
        super().run(generator, **kwargs)
        # Primary keys were assigned here: move PostgreSQL's sequences past them.
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.tables))
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        # DEBUG keeps every query in memory; a large load must not.
        reset_queries()

    def write(self, chunk: list[CustomerSpec]) -> None:
        from credo.creditfile.models import MarketShare
        from credo.creditfile.registry import RECORD_TYPES

        now = timezone.now()
        stamps = {"created_at": now, "updated_at": now}
        recorded_by = ADMIN_USERNAME
        reason = gettext("Customer created")
        table = self.table(Customer)
        ids = list(table.allocate(len(chunk)))
        customer_rows = []
        for spec, pk in zip(chunk, ids, strict=True):
            if spec.is_group_head:
                self.group_head_ids[spec.index] = pk
            fields = dict(spec.fields)
            division = fields.pop("industry", None)
            customer_rows.append({
                **fields, **stamps,
                "industry_id": self.industries[division].pk if division else None,
                "account_manager_id": self.users[spec.account_manager].pk,
                # A group head always has a lower index than its subsidiaries.
                "parent_id": self.group_head_ids[spec.parent_index]
                if spec.parent_index is not None else None,
            })
        table.insert(customer_rows, ids=ids)
        ordered = list(zip(chunk, ids, strict=True))

        self.table(OwnershipPeriod).insert([
            {"customer_id": pk, "account_manager_id": self.users[spec.account_manager].pk,
             "started_at": now, "ended_at": None, "changed_by": recorded_by, "reason": reason}
            for spec, pk in ordered
        ])
        self.table(Customer.tags.through).insert([
            {"customer_id": pk, "tag_id": self.tags[name].pk}
            for spec, pk in ordered for name in spec.tags
        ])
        self.table(Contact).insert([
            {**contact, **stamps, "customer_id": pk}
            for spec, pk in ordered for contact in spec.contacts
        ])
        self.table(CustomerAlias).insert([
            {**alias, **stamps, "customer_id": pk} for spec, pk in ordered for alias in spec.aliases
        ])
        self.table(ExternalId).insert([
            {"source_system": system, "external_id": value, **stamps, "customer_id": pk}
            for spec, pk in ordered for system, value in spec.external_ids
        ])
        self.table(TeamMember).insert([
            {"user_id": self.users[username].pk, "role": role, **stamps, "customer_id": pk}
            for spec, pk in ordered for username, role in spec.team
        ])

        by_type: dict[str, list[dict[str, Any]]] = {}
        profiles_shares: list[tuple[int, list[dict[str, Any]]]] = []
        for spec, pk in ordered:
            for key, data in spec.records:
                row = {**data, **stamps, "customer_id": pk, "recorded_by": recorded_by}
                shares = row.pop("market_shares", None)
                by_type.setdefault(key, []).append(row)
                if shares is not None:
                    profiles_shares.append((len(by_type[key]) - 1, shares))
        profile_ids: list[int] = []
        for key, rows in by_type.items():
            new_ids = self.table(RECORD_TYPES[key].model).insert(rows)
            if key == "business-profiles":
                profile_ids = new_ids
            self.count(key, len(rows))
        share_rows = [
            {**share, **stamps, "customer_id": by_type["business-profiles"][position]["customer_id"],
             "profile_id": profile_ids[position], "recorded_by": recorded_by}
            for position, shares in profiles_shares for share in shares
        ]
        self.table(MarketShare).insert(share_rows)
        if share_rows:
            self.count("market-shares", len(share_rows))
        if self.ledger is not None:
            ledger_rows = BulkLedgerRows(table=self.table, terms=self.terms, users=self.users,
                                         stamps=stamps)
            for spec, pk in ordered:
                ledger_rows.add(pk, self.ledger.ledger(spec))
            ledger_rows.flush()
            for key, n in ledger_rows.counts.items():
                self.count(key, n)
        reset_queries()
