"""``credo import RECORD_TYPE FILE``: import customers, credit-file records or receivables
documents (ERP exports of orders, invoices, payments, allocations) from CSV/XLSX."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credo.core.permissions import IMPORT_DATA
from credo.importer.engine import run_import
from credo.importer.specs import available_specs


class Command(BaseCommand):
    help = gettext_lazy(
        "Import customers, credit-file records or receivables documents from a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) "
        "or XLSX file. Every row is validated first; errors are listed as 'line N, column C: "
        "message' and nothing is written. Unknown columns are reported as warnings and ignored."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # argparse needs a real string; translate the lazy help in the active language.
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "record_type",
            help=_("what the file holds, one of: %(types)s")
            % {"types": ", ".join(available_specs())},
        )
        parser.add_argument("file", help=_("path of the CSV or XLSX file"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("validate only, write nothing")
        )
        parser.add_argument(
            "--encoding",
            default="",
            help=_("CSV encoding (utf-8, gbk, gb18030 ...); detected when omitted"),
        )
        parser.add_argument("--sheet", default="", help=_("XLSX sheet name (default: the first)"))
        parser.add_argument(
            "--user",
            default="",
            help=_(
                "import as this user (needs the import permission; the change log names "
                "them). Without it the import runs as the system actor."
            ),
        )
        parser.add_argument(
            "--owner",
            default="",
            help=_(
                "account manager (user name) of new customers without an account_manager "
                "column; defaults to --user"
            ),
        )
        parser.add_argument(
            "--source-system",
            default="",
            help=_(
                "source system (ERP) of the file: rows naming their customer by external_id "
                "without a source_system column use this one"
            ),
        )
        parser.add_argument(
            "--language",
            default="",
            help=_("language of the messages (en, zh-hans); default: the site language"),
        )

    def handle(self, *args, record_type, file, **options):
        language = options.get("language") or ""
        if language:
            with translation.override(language):
                return self._handle(record_type, file, options)
        return self._handle(record_type, file, options)

    def _handle(self, record_type: str, file: str, options: dict) -> None:
        specs = available_specs()
        spec = specs.get(record_type)
        if spec is None:
            raise CommandError(
                _("Unknown record type %(type)s; choose one of: %(types)s.")
                % {"type": record_type, "types": ", ".join(specs)}
            )
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": exc.strerror}
            ) from None
        user = self._user(options.get("user") or "", check_permission=True)
        owner = self._user(options.get("owner") or "", check_permission=False)
        report = run_import(
            spec=spec,
            data=data,
            filename=path.name,
            user=user,
            default_owner=owner,
            encoding=options.get("encoding") or "",
            sheet=options.get("sheet") or "",
            dry_run=bool(options.get("dry_run")),
            source_system=options.get("source_system") or "",
        )
        if report.encoding_line():
            self.stdout.write(report.encoding_line())
        for warning in report.warnings:
            self.stderr.write(_("warning: %(issue)s") % {"issue": warning})
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())

    def _user(self, username: str, *, check_permission: bool):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active user named %(name)s.") % {"name": username})
        if check_permission and not user.has_perm(IMPORT_DATA):
            raise CommandError(_("The user %(name)s may not import data.") % {"name": username})
        return user
