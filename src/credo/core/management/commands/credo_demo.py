"""`credo demo`: load the deterministic demo portfolio (users, customers, credit files)."""

from __future__ import annotations

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from credo.customers.models import Customer
from credo.demo.generator import DEFAULT_AS_OF, PortfolioGenerator
from credo.demo.ledger import DEFAULT_ITEMS_PER_CUSTOMER, LedgerGenerator
from credo.demo.writer import BULK_THRESHOLD, load_portfolio


class Command(BaseCommand):
    help = (
        f"Load a deterministic demo portfolio: the same --seed and --customers always give the "
        f"same data. Above {BULK_THRESHOLD} customers rows are bulk-inserted without per-row "
        f"change log."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300, help="number of customers")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--if-empty", action="store_true",
            help="do nothing when the database already has customers",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--fast", action="store_true",
            help=f"bulk insert (no per-row change log); automatic above {BULK_THRESHOLD}",
        )
        mode.add_argument(
            "--services", action="store_true",
            help="write every row through the services, even for large portfolios",
        )
        parser.add_argument("--batch-size", type=int, default=5_000, help="rows per bulk batch")
        parser.add_argument(
            "--items-per-customer", type=float, default=DEFAULT_ITEMS_PER_CUSTOMER,
            help=f"average open items (invoice instalments) per customer over the three years "
                 f"of receivables history (default {DEFAULT_ITEMS_PER_CUSTOMER}; 0: no history)",
        )
        parser.add_argument(
            "--no-rating", action="store_true",
            help="do not rate the loaded customers (by default a batch rating run follows)",
        )
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF,
            help=f"date the portfolio refers to (default {DEFAULT_AS_OF.isoformat()})",
        )

    def handle(self, *args, customers, seed, if_empty, fast, services, batch_size, as_of,
               items_per_customer=DEFAULT_ITEMS_PER_CUSTOMER, **options):
        if customers < 1:
            raise CommandError(_("--customers must be at least 1."))
        if items_per_customer < 0:
            raise CommandError(_("--items-per-customer cannot be negative."))
        if Customer.objects.exists():
            if if_empty:
                self.stdout.write(_("Customers already exist: demo data not loaded (--if-empty)."))
                return
            raise CommandError(
                _("The database already has customers; the demo portfolio needs an empty "
                  "customer master (use --if-empty to skip silently).")
            )
        bulk = fast or (customers > BULK_THRESHOLD and not services)
        generator = PortfolioGenerator(seed=seed, count=customers, as_of=as_of)
        verbose = options.get("verbosity", 1) >= 1
        ledger = (
            LedgerGenerator(seed=seed, as_of=as_of, items_per_customer=items_per_customer)
            if items_per_customer else None
        )
        result = load_portfolio(
            generator, bulk=bulk, batch_size=batch_size,
            progress=self._progress if verbose else None, ledger=ledger,
        )
        if verbose:
            sys.stderr.write("\n")
        if not options.get("no_rating"):
            self._rate_all(as_of=min(as_of, timezone.localdate()), verbose=verbose)
        records = ", ".join(f"{key} {n}" for key, n in sorted(result.records.items()))
        self.stdout.write(
            _("Loaded %(customers)d customers (%(mode)s) in %(seconds).1f s; credit file and "
              "receivables: %(records)s")
            % {"customers": result.customers, "mode": result.mode, "seconds": result.seconds,
               "records": records}
        )
        self.stdout.write(
            _("Demo logins (password for all: %(password)s):")
            % {"password": generator.users[0].password}
        )
        for user in generator.users:
            self.stdout.write(f"  {user.username:<10} {user.role}")

    def _rate_all(self, *, as_of: dt.date, verbose: bool) -> None:
        """Every demo customer gets a rating: one batch run over the whole portfolio."""
        from credo.rating import batch

        state = batch.run_continue(
            batch.run_start(scope={"all": True}, as_of=as_of),
            progress=self._progress if verbose else None,
        )
        if verbose:
            sys.stderr.write("\n")
        self.stdout.write(
            _("Rated %(rated)d customers (batch run %(run)s).")
            % {"rated": state.rated, "run": state.run_id}
        )

    @staticmethod
    def _progress(done: int, total: int, seconds: float) -> None:
        width = 30
        filled = int(width * done / total)
        rate = done / seconds if seconds else 0
        sys.stderr.write(
            f"\r  customers [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
            f"{100 * done / total:3.0f}%  {seconds:6.1f} s  {rate:,.0f}/s"
        )
        sys.stderr.flush()
