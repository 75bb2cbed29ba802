"""``credo receivables ageing|metrics|reconcile``: ageing report, collection metrics, exposure check.

Reads only, except ``reconcile --fix`` which sets the maintained exposure rows to the ledger.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credo.core.context import acting_as
from credo.customers.models import Customer
from credo.customers.selectors import customer_find_by_key
from credo.receivables.ageing import BASES, scheme_get
from credo.receivables.metrics import CollectionMetrics
from credo.receivables.reports import (
    BY_CUSTOMER,
    GROUPINGS,
    AgeingReport,
    MetricsReport,
    ageing_report,
    collection_metrics,
    customer_label,
)
from credo.receivables.selectors import company_currency
from credo.receivables.services import exposure_reconcile

METRIC_LABELS = {
    "dso": gettext_lazy("DSO (days)"),
    "countback_dso": gettext_lazy("countback DSO (days)"),
    "best_possible_dso": gettext_lazy("best possible DSO (days)"),
    "average_days_delinquent": gettext_lazy("average days delinquent"),
    "cei": gettext_lazy("collection effectiveness index (%)"),
    "average_days_beyond_terms": gettext_lazy("average days beyond terms"),
    "share_paid_on_time": gettext_lazy("paid on time (percent of amount)"),
    "maximum_days_past_due": gettext_lazy("maximum days past due"),
    "payment_index": gettext_lazy("payment index (1-100)"),
}
FIGURE_LABELS = {
    "opening_receivables": gettext_lazy("opening receivables"),
    "credit_sales": gettext_lazy("credit sales"),
    "closing_receivables": gettext_lazy("closing receivables"),
    "closing_current_receivables": gettext_lazy("closing receivables not yet due"),
    "paid_amount": gettext_lazy("amount paid"),
}
GROUPING_LABELS = {
    "customer": gettext_lazy("customer"),
    "owner": gettext_lazy("account manager"),
    "group": gettext_lazy("group"),
    "portfolio": gettext_lazy("portfolio"),
}
BASIS_LABELS = {"due": gettext_lazy("due date"), "invoice": gettext_lazy("invoice date")}
# Short column heads of the trend table, same order as METRIC_LABELS.
METRIC_HEADS = {
    "dso": gettext_lazy("DSO"),
    "countback_dso": gettext_lazy("CB DSO"),
    "best_possible_dso": gettext_lazy("BPDSO"),
    "average_days_delinquent": gettext_lazy("ADD"),
    "cei": gettext_lazy("CEI %"),
    "average_days_beyond_terms": gettext_lazy("days late"),
    "share_paid_on_time": gettext_lazy("on time %"),
    "maximum_days_past_due": gettext_lazy("max DPD"),
    "payment_index": gettext_lazy("index"),
}


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def render_table(headers: list[str], rows: list[list[str]], *, first_left: bool = True) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [_width(h) for h in headers]
    for row in rows:
        widths = [max(w, _width(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            _pad(cell, width, right=not (first_left and index == 0))
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _plain(value: object) -> str:
    return "" if value is None else str(value)


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(option)s: %(value)s is not a date; use YYYY-MM-DD.")
            % {"option": option, "value": value}
        ) from None


def _find_customer(key: str) -> Customer:
    customer = customer_find_by_key(code=key, uscc=key, id_number=key)
    if customer is None and key.isdigit():
        customer = Customer.objects.filter(pk=int(key)).first()
    if customer is None:
        raise CommandError(_("No customer has the number, code or id %(key)s.") % {"key": key})
    return customer


class Command(BaseCommand):
    help = gettext_lazy(
        "Receivables: ageing as of any date, collection metrics (DSO, CEI, payment index ...) "
        "over a period, and reconciling the maintained exposure with the ledger."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # argparse needs real strings; translate the lazy help in the active language.
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--language",
            default="",
            help=_("language of the output (en, zh-hans); default: the site language"),
        )
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        ageing = actions.add_parser(
            "ageing", help=_("open receivables in age buckets as of a date")
        )
        ageing.add_argument(
            "--as-of", default="", help=_("ageing date YYYY-MM-DD (default: today)")
        )
        ageing.add_argument("--by", choices=GROUPINGS, default=BY_CUSTOMER, help=_("grouping"))
        ageing.add_argument(
            "--basis",
            choices=BASES,
            default="due",
            help=_("count days from the due date or from the invoice date"),
        )
        ageing.add_argument(
            "--scheme",
            default="default",
            help=_(
                "buckets: default (not due, 1-30 ... >365), years (within 1 year ... over 3 "
                "years) or upper limits such as 0,30,60,90"
            ),
        )
        ageing.add_argument("--customer", default="", help=_("only this customer (number or code)"))
        ageing.add_argument("--format", choices=("table", "json", "csv"), default="table")

        metrics = actions.add_parser(
            "metrics", help=_("collection metrics over a period, with their 12-month trend")
        )
        metrics.add_argument(
            "--customer", default="", help=_("customer number or code (default: the portfolio)")
        )
        metrics.add_argument("--from", dest="start", required=True, help=_("first day YYYY-MM-DD"))
        metrics.add_argument("--to", dest="end", required=True, help=_("last day YYYY-MM-DD"))
        metrics.add_argument("--format", choices=("table", "json", "csv"), default="table")

        reconcile = actions.add_parser(
            "reconcile",
            help=_(
                "recompute the exposure aggregates from the ledger; exit status 1 when any differs"
            ),
        )
        reconcile.add_argument(
            "--fix", action="store_true", help=_("set the aggregates to the ledger values")
        )

    def handle(self, *args, **options):
        language = options.get("language") or ""
        if language:
            with translation.override(language):
                return self._dispatch(options)
        return self._dispatch(options)

    def _dispatch(self, options: dict) -> None:
        action = options["action"]
        if action == "ageing":
            self._ageing(options)
        elif action == "metrics":
            self._metrics(options)
        else:
            self._reconcile(fix=bool(options.get("fix")))

    # ------------------------------------------------------------------- ageing

    def _ageing(self, options: dict) -> None:
        as_of = (
            _parse_date(options["as_of"], "--as-of")
            if options.get("as_of")
            else timezone.localdate()
        )
        try:
            scheme = scheme_get(options["scheme"])
        except ValueError:
            raise CommandError(
                _(
                    "Unknown ageing scheme %(scheme)s: use default, years or ascending upper "
                    "limits in days such as 0,30,60,90."
                )
                % {"scheme": options["scheme"]}
            ) from None
        customers = None
        if options.get("customer"):
            customers = Customer.objects.filter(pk=_find_customer(options["customer"]).pk)
        report = ageing_report(
            as_of=as_of,
            by=options["by"],
            basis=options["basis"],
            scheme=scheme,
            customers=customers,
        )
        output_format = options["format"]
        if output_format == "json":
            self.stdout.write(json.dumps(self._ageing_json(report), ensure_ascii=False, indent=2))
        elif output_format == "csv":
            self.stdout.write(self._ageing_csv(report), ending="")
        else:
            self.stdout.write(self._ageing_table(report))

    def _ageing_columns(self, report: AgeingReport) -> list[str]:
        return [
            *report.bucket_labels,
            _("disputed"),
            _("total"),
            _("overdue"),
        ]

    def _ageing_table(self, report: AgeingReport) -> str:
        title = _("Ageing as of %(date)s by %(by)s, days from the %(basis)s (%(currency)s)") % {
            "date": report.as_of.isoformat(),
            "by": GROUPING_LABELS[report.by],
            "basis": BASIS_LABELS[report.basis],
            "currency": company_currency(),
        }
        headers = [str(GROUPING_LABELS[report.by]), *self._ageing_columns(report)]
        rows = []
        for row in [*report.rows, report.total]:
            rows.append(
                [
                    row.label,
                    *(_money(row.buckets[key]) for key in report.bucket_keys),
                    _money(row.disputed),
                    _money(row.total),
                    _money(row.overdue),
                ]
            )
        if not report.rows:
            return title + "\n" + _("No open receivables.")
        return title + "\n" + render_table(headers, rows)

    def _ageing_csv(self, report: AgeingReport) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["key", "label", *report.bucket_keys, "disputed", "total", "overdue"])
        for row in report.rows:
            writer.writerow(
                [
                    row.group,
                    row.label,
                    *(row.buckets[key] for key in report.bucket_keys),
                    row.disputed,
                    row.total,
                    row.overdue,
                ]
            )
        return buffer.getvalue()

    def _ageing_json(self, report: AgeingReport) -> dict:
        def row_json(row, oldest):
            return {
                "key": row.group,
                "label": row.label,
                "buckets": {key: str(row.buckets[key]) for key in report.bucket_keys},
                "disputed": str(row.disputed),
                "total": str(row.total),
                "overdue": str(row.overdue),
                "items": row.items,
                "oldest_overdue_days": None if oldest is None else (report.as_of - oldest).days,
            }

        oldest_all = [d for d in report.oldest_due.values() if d is not None]
        return {
            "as_of": report.as_of.isoformat(),
            "by": report.by,
            "basis": report.basis,
            "scheme": report.scheme,
            "currency": company_currency(),
            "buckets": [
                {"key": key, "label": label}
                for key, label in zip(report.bucket_keys, report.bucket_labels, strict=True)
            ],
            "rows": [row_json(row, report.oldest_due.get(row.group)) for row in report.rows],
            "total": row_json(report.total, min(oldest_all) if oldest_all else None),
        }

    # ------------------------------------------------------------------- metrics

    def _metrics(self, options: dict) -> None:
        start = _parse_date(options["start"], "--from")
        end = _parse_date(options["end"], "--to")
        if end < start:
            raise CommandError(_("--to must not be before --from."))
        customer = _find_customer(options["customer"]) if options.get("customer") else None
        customers = Customer.objects.filter(pk=customer.pk) if customer else None
        report = collection_metrics(start=start, end=end, customers=customers)
        output_format = options["format"]
        if output_format == "json":
            data = self._metrics_json(report, customer)
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        elif output_format == "csv":
            self.stdout.write(self._metrics_csv(report), ending="")
        else:
            self.stdout.write(self._metrics_table(report, customer))

    @staticmethod
    def _metric_values(metrics: CollectionMetrics) -> dict[str, object]:
        names = [*FIGURE_LABELS, *METRIC_LABELS]
        return {name: getattr(metrics, name) for name in names}

    def _metrics_json(self, report: MetricsReport, customer: Customer | None) -> dict:
        def period_json(metrics: CollectionMetrics) -> dict:
            values = {k: _json_value(v) for k, v in self._metric_values(metrics).items()}
            return {
                "start": metrics.start.isoformat(),
                "end": metrics.end.isoformat(),
                "days": metrics.days,
                **values,
            }

        return {
            "customer": None
            if customer is None
            else {"id": customer.pk, "code": customer.code, "label": customer_label(customer)},
            "currency": company_currency(),
            "from": report.start.isoformat(),
            "to": report.end.isoformat(),
            "period": period_json(report.period),
            "trend": [period_json(month) for month in report.trend],
        }

    def _metrics_csv(self, report: MetricsReport) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        names = [*FIGURE_LABELS, *METRIC_LABELS]
        writer.writerow(["start", "end", *names])
        for metrics in [*report.trend, report.period]:
            values = self._metric_values(metrics)
            writer.writerow([metrics.start, metrics.end, *(_plain(values[name]) for name in names)])
        return buffer.getvalue()

    def _metrics_table(self, report: MetricsReport, customer: Customer | None) -> str:
        subject = customer_label(customer) if customer else _("Portfolio")
        title = _("Collection metrics of %(subject)s, %(start)s to %(end)s (%(currency)s)") % {
            "subject": subject,
            "start": report.start.isoformat(),
            "end": report.end.isoformat(),
            "currency": company_currency(),
        }
        values = self._metric_values(report.period)
        summary_rows = [
            [str(label), _money(values[name])]  # type: ignore[arg-type]
            for name, label in FIGURE_LABELS.items()
        ]
        summary_rows += [
            [str(label), _plain(values[name]) or "-"] for name, label in METRIC_LABELS.items()
        ]
        summary = render_table([_("metric"), _("value")], summary_rows)
        trend_rows = []
        for month in report.trend:
            month_values = self._metric_values(month)
            trend_rows.append(
                [
                    month.start.strftime("%Y-%m"),
                    *(_plain(month_values[name]) or "-" for name in METRIC_HEADS),
                ]
            )
        trend = render_table(
            [_("month"), *(str(head) for head in METRIC_HEADS.values())], trend_rows
        )
        return "\n\n".join([title, summary, _("12-month trend"), trend])

    # ------------------------------------------------------------------- reconcile

    def _reconcile(self, *, fix: bool) -> None:
        with acting_as(None, channel="cli"):
            drifts = exposure_reconcile(fix=fix)
        if not drifts:
            self.stdout.write(_("No drift: the exposure aggregates equal the ledger."))
            return
        labels = {
            c.pk: customer_label(c)
            for c in Customer.objects.filter(pk__in={d.customer_id for d in drifts})
        }
        rows = [
            [
                labels.get(drift.customer_id, str(drift.customer_id)),
                drift.bucket,
                drift.due_date.isoformat() if drift.due_date else "",
                _money(drift.maintained),
                _money(drift.ledger),
            ]
            for drift in drifts
        ]
        self.stdout.write(
            render_table(
                [_("customer"), _("aggregate"), _("due date"), _("maintained"), _("ledger")],
                rows,
            )
        )
        if fix:
            message = _("%(count)s aggregates differed from the ledger and were corrected.")
        else:
            message = _("%(count)s aggregates differ from the ledger (run with --fix to correct).")
        raise CommandError(message % {"count": len(drifts)}, returncode=1)
