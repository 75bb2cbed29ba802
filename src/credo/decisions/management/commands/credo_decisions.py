"""``credo decisions expire-releases``: recheck orders whose release has run out (daily job)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credo.core.context import acting_as
from credo.decisions.services import released_orders_expire
from credo.receivables.choices import CreditStatus


class Command(BaseCommand):
    help = gettext_lazy("Credit decisions: recheck released orders whose release has expired.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        expire = actions.add_parser(
            "expire-releases",
            help=_("recheck open orders whose release was valid until a day before today"),
        )
        expire.add_argument("--as-of", default="", help=_("day to run for, YYYY-MM-DD (default: today)"))

    def handle(self, *args, **options):
        as_of = None
        if options.get("as_of"):
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError as error:
                raise CommandError(
                    _("--as-of: not a date (YYYY-MM-DD): %(value)s") % {"value": options["as_of"]}
                ) from error
        with acting_as(None, channel="cli"):
            decisions = released_orders_expire(today=as_of)
        for decision in decisions:
            self.stdout.write(
                _("%(order)s: release expired, rechecked: %(status)s")
                % {"order": decision.order.number,
                   "status": CreditStatus(decision.new_status).label}
            )
        self.stdout.write(_("%(count)d orders rechecked.") % {"count": len(decisions)})
