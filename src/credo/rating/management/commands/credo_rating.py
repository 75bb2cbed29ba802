"""`credo rating`: batch rating runs, training, registering and comparing scorecards.

    credo rating run [--all | --segment KEY | --customers C1,C2] [--as-of DATE]
                     [--batch-size N] [--resume RUN_ID]
    credo rating train --data FILE --target COLUMN [--bad VALUE] --out MODEL.json
                       [--key K] [--version N] [--report REPORT.html] [--encoding NAME]
                       [--base-score 600] [--base-odds 50] [--pdo 20]
    credo rating train --from-history [--default-definition 90dpd12m] [--as-of DATE]
                       [--materiality-amount 1000] [--materiality-percent 1]
                       --out MODEL.json [--key K] [--version N] [--report REPORT.html]
    credo rating backtest --from DATE [--default-definition 90dpd12m] [--to DATE]
                          [--materiality-amount 1000] [--materiality-percent 1]
                          [--format table|json]
    credo rating register MODEL.json [--activate]
    credo rating compare A.json B.json --data FILE --target COLUMN [--bad VALUE]
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credo.rating import batch, training


def _definition_arguments(parser) -> None:
    """The default definition's options, shared by train --from-history and backtest."""
    parser.add_argument(
        "--default-definition", default="", metavar="NdpdMm",
        help=_("days past due and months of the performance window, e.g. 90dpd12m (default: "
               "the setting CREDO_DEFAULT_DEFINITION)"))
    parser.add_argument(
        "--materiality-amount", metavar="AMOUNT",
        help=_("smallest past-due amount that counts as a default, company currency (default "
               "from the setting; 0: any)"))
    parser.add_argument(
        "--materiality-percent", metavar="PERCENT",
        help=_("smallest past-due share of the open receivables that counts, in percent "
               "(default from the setting; 0: any)"))


def _definition(options):
    try:
        return training.definition_from(
            options.get("default_definition") or "",
            min_amount=options.get("materiality_amount"),
            min_percent=options.get("materiality_percent"))
    except training.TrainingError as error:
        raise CommandError(str(error)) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("%(value)s is not a date (write YYYY-MM-DD).")
                           % {"value": text}) from None


class Command(BaseCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # str() in create_parser
        "Credit rating: batch runs (run), daily jobs (daily), scorecard training (train), "
        "register, compare."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # argparse needs real strings; translate the lazy help in the active language.
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)

        run = actions.add_parser("run", help=_("rate customers in bulk (vectorised, resumable)"))
        scope = run.add_mutually_exclusive_group()
        scope.add_argument("--all", action="store_true", help=_("every customer (the default)"))
        scope.add_argument("--segment", metavar="KEY",
                           help=_("customers whose active scorecard has this key"))
        scope.add_argument("--customers", metavar="C1,C2", help=_("customer codes, comma separated"))
        scope.add_argument("--resume", metavar="RUN_ID", help=_("continue an interrupted run"))
        run.add_argument("--as-of", metavar="DATE", help=_("rating date (default today)"))
        run.add_argument("--batch-size", type=int, default=batch.DEFAULT_BATCH_SIZE,
                         metavar="N", help=_("customers per chunk (one commit per chunk)"))

        daily = actions.add_parser(
            "daily", help=_("daily jobs: overdue 30/60/90-day events, retry failed re-ratings")
        )
        daily.add_argument("--as-of", metavar="DATE", help=_("day to run for (default today)"))

        backtest = actions.add_parser(
            "backtest",
            help=_("default rate by grade, rating migration and limit effectiveness"),
        )
        backtest.add_argument("--from", dest="start", required=True, metavar="DATE",
                              help=_("window start: the ratings as of this day"))
        _definition_arguments(backtest)
        backtest.add_argument("--to", dest="end", metavar="DATE",
                              help=_("second date of the migration matrix (default: the "
                                     "window end)"))
        backtest.add_argument("--format", choices=("table", "json"), default="table")

        train = actions.add_parser("train", help=_("train a statistical scorecard"))
        source = train.add_mutually_exclusive_group(required=True)
        source.add_argument("--data", metavar="FILE", help=_("CSV file (UTF-8 or GBK)"))
        source.add_argument("--from-history", action="store_true",
                            help=_("build the training table from credo's own history"))
        train.add_argument("--target", metavar="COLUMN", help=_("target column of --data"))
        train.add_argument("--bad", metavar="VALUE", help=_("target value of a bad row"))
        train.add_argument("--encoding", default="", help=_("encoding of --data (default: detect)"))
        _definition_arguments(train)
        train.add_argument("--as-of", metavar="DATE",
                           help=_("end of the performance window (--from-history; default today)"))
        train.add_argument("--out", required=True, metavar="MODEL.json")
        train.add_argument("--key", default="", help=_("scorecard key"))
        train.add_argument("--version", type=int, default=1, dest="card_version")
        train.add_argument("--report", metavar="REPORT.html", help=_("write the validation report"))
        train.add_argument("--base-score", metavar="POINTS",
                           help=_("score at the base odds (default 600)"))
        train.add_argument("--base-odds", metavar="ODDS",
                           help=_("good:bad odds at the base score (default 50, i.e. 50:1)"))
        train.add_argument("--pdo", metavar="POINTS",
                           help=_("points to double the odds (default 20)"))
        train.add_argument("--binning", choices=("quantile", "optbinning"), default="quantile",
                           help=_("cut points of the numeric bins: quantiles (default) or "
                                  "optbinning (needs the modeling extra)"))

        register = actions.add_parser("register", help=_("store a trained card as a new version"))
        register.add_argument("model", metavar="MODEL.json")
        register.add_argument("--activate", action="store_true")

        compare = actions.add_parser("compare", help=_("champion vs challenger on the same data"))
        compare.add_argument("champion", metavar="A.json")
        compare.add_argument("challenger", metavar="B.json")
        compare.add_argument("--data", required=True, metavar="FILE")
        compare.add_argument("--target", required=True, metavar="COLUMN")
        compare.add_argument("--bad", metavar="VALUE")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except (batch.BatchError, training.TrainingError) as error:
            raise CommandError(str(error)) from None

    # ------------------------------------------------------------------ run

    def _run(self, *, segment, customers, resume, as_of, batch_size, verbosity=1, **_options):
        if resume:
            if as_of or segment or customers:
                raise CommandError(_("--resume continues a run with its own scope and date: "
                                     "give no other option."))
            state = batch.RunState.load(resume)
        else:
            day = _date(as_of) if as_of else timezone.localdate()
            if customers is not None:
                codes = [c.strip() for c in customers.split(",") if c.strip()]
                if not codes:
                    raise CommandError(_("--customers needs at least one customer code."))
                scope = {"customers": codes}
            elif segment:
                scope = {"segment": segment}
            else:
                scope = {"all": True}
            state = batch.run_start(scope=scope, as_of=day, batch_size=batch_size)
        self.stdout.write(_("Rating run %(run)s as of %(date)s (resume with --resume %(run)s)")
                          % {"run": state.run_id, "date": state.as_of})
        state = batch.run_continue(state, progress=self._progress if verbosity else None)
        if verbosity:
            sys.stderr.write("\n")
        skipped = ", ".join(f"{batch.SKIP_LABELS.get(k, k)} {n}" for k, n in state.skipped.items())
        self.stdout.write(_("Rated %(rated)d of %(total)d customers; skipped: %(skipped)s; "
                            "seconds: %(seconds)s")
                          % {"rated": state.rated, "total": state.total,
                             "skipped": skipped or "0",
                             "seconds": json.dumps(state.seconds)})

    @staticmethod
    def _progress(done: int, total: int, seconds: float) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / seconds if seconds else 0
        sys.stderr.write(
            f"\r  customers [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
            f"{100 * done / max(total, 1):3.0f}%  {seconds:6.1f} s  {rate:,.0f}/s")
        sys.stderr.flush()

    # ------------------------------------------------------------------ daily

    def _daily(self, *, as_of, **_options):
        from credo.core.context import acting_as
        from credo.rating.services import credit_events_process_pending, overdue_events_detect

        with acting_as(None, channel="cli"):
            detection = overdue_events_detect(today=_date(as_of) if as_of else None)
            retried = credit_events_process_pending()
        self.stdout.write(
            _("Overdue check for %(day)s: %(events)d credit events (customers looked at: "
              "%(candidates)d); %(retried)d pending events re-rated.")
            % {"day": detection.day.isoformat(), "events": len(detection.event_ids),
               "candidates": detection.candidates, "retried": retried}
        )

    # ------------------------------------------------------------------ backtest

    def _backtest(self, *, start, end, format, **options):  # noqa: A002 - option name
        from credo.rating import backtest

        definition = _definition(options)
        window_start = _date(start)
        reports = backtest.backtest_reports(start=window_start, definition=definition,
                                            end=_date(end) if end else None)
        rates, migration, limits = reports.rates, reports.migration, reports.limits
        if format == "json":
            self.stdout.write(json.dumps(
                {"default_rate_by_grade": rates.to_dict(), "migration": migration.to_dict(),
                 "limit_effectiveness": limits.to_dict()}, ensure_ascii=False, indent=1))
            return
        self.stdout.write(
            _("Default rate by grade: rated as of %(start)s, defaults until %(end)s (%(rule)s)")
            % {"start": rates.window_start.isoformat(), "end": rates.window_end.isoformat(),
               "rule": definition.describe()})
        self.stdout.write(f"  {_('grade'):<6} {_('customers'):>10} {_('defaults'):>9} "
                          f"{_('rate'):>8}")
        for row in rates.rows:
            rate = "—" if row.default_rate is None else f"{100 * row.default_rate:.1f} %"
            self.stdout.write(f"  {row.grade:<6} {row.customers:>10} {row.defaults:>9} {rate:>8}")
        self.stdout.write(
            _("%(customers)d customers, %(defaults)d defaults; rates rise from the best grade "
              "to the worst: %(monotone)s; already in default at the start: %(excluded)d")
            % {"customers": rates.customers, "defaults": rates.defaults,
               "monotone": _("yes") if rates.monotone else _("no"),
               "excluded": rates.excluded_in_default})
        self.stdout.write("")
        self.stdout.write(
            _("Rating migration %(start)s → %(end)s: %(customers)d customers, %(up)d upgrades, "
              "%(down)d downgrades, %(same)d unchanged")
            % {"start": migration.start.isoformat(), "end": migration.end.isoformat(),
               "customers": migration.customers, "up": migration.upgrades,
               "down": migration.downgrades, "same": migration.unchanged})
        self.stdout.write("  " + " " * 6 + "".join(f"{g:>6}" for g in migration.grades))
        for grade, counts in zip(migration.grades, migration.counts, strict=True):
            self.stdout.write(f"  {grade:<6}" + "".join(f"{n:>6}" for n in counts))
        self.stdout.write("")
        self.stdout.write(
            _("Limit effectiveness (%(currency)s): customers with a limit, defaults, exposure "
              "at default / limit") % {"currency": limits.currency})
        for row in (*limits.rows, limits.total):
            ratio = "—" if row.exposure_to_limit is None else f"{row.exposure_to_limit:.2f}"
            self.stdout.write(f"  {row.grade or _('total'):<6} {row.customers_with_limit:>10} "
                              f"{row.defaults:>9} {ratio:>8}")

    # ------------------------------------------------------------------ train

    def _train(self, *, data, from_history, target, bad, encoding, as_of,
               out, key, card_version, report, binning="quantile", **options):
        if card_version < 1:
            raise CommandError(_("--version must be at least 1."))
        scaling = training.scaling_from(base_score=options.get("base_score"),
                                        base_odds=options.get("base_odds"),
                                        pdo=options.get("pdo"))
        if data:
            if not target:
                raise CommandError(_("--target is required with --data."))
            result = training.train_file(data, target=target, bad=bad, key=key or "trained",
                                         version=card_version, encoding=encoding,
                                         prebinning=binning, scaling=scaling)
        else:
            day = _date(as_of) if as_of else timezone.localdate()
            result = training.train_history(as_of=day, definition=_definition(options),
                                            key=key or "history-statistical",
                                            version=card_version, prebinning=binning,
                                            scaling=scaling)
        Path(out).write_text(result.to_json(), encoding="utf-8")
        if report:
            Path(report).write_text(result.validation.html(scorecard=result.card),
                                    encoding="utf-8")
        v = result.validation
        self.stdout.write(
            _("Trained %(key)s v%(version)s on %(rows)d rows (%(bads)d bad), %(factors)d "
              "factors; hold-out AUC %(auc).3f, Gini %(gini).3f, KS %(ks).3f -> %(out)s")
            % {"key": result.card["key"], "version": result.card["version"], "rows": result.rows,
               "bads": result.bads, "factors": len(result.model.features), "auc": v.auc,
               "gini": v.gini, "ks": v.ks, "out": out})

    # ------------------------------------------------------------------ register / compare

    def _register(self, *, model, activate, **_options):
        version = training.register_card(model, activate=activate)
        self.stdout.write(_("Registered %(key)s version %(version)s (%(status)s).")
                          % {"key": version.key, "version": version.version,
                             "status": version.status})

    def _compare(self, *, champion, challenger, data, target, bad, **_options):
        result = training.compare_files(champion, challenger, data=data, target=target, bad=bad)
        a, b = result["champion"], result["challenger"]
        self.stdout.write(f"{'':12}{_('champion'):>14}{_('challenger'):>14}{_('difference'):>14}")
        for name in ("auc", "gini", "ks", "brier"):
            left, right = a[name], b[name]
            diff = result["differences"][name]
            cells = [("-" if x is None else f"{x:.4f}") for x in (left, right, diff)]
            self.stdout.write(f"{name:12}{cells[0]:>14}{cells[1]:>14}{cells[2]:>14}")
        self.stdout.write(_("Better: %(which)s") % {
            "which": _("challenger") if result["better"] == "challenger" else _("champion")})
