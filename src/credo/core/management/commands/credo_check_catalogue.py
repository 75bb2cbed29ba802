"""`credo check-catalogue`: fail unless the zh-hans catalogue is complete and current.

Three checks, each reported with counts:

1. every entry of ``django.po`` (and ``djangojs.po`` when present) is translated and not fuzzy;
2. ``msgfmt --check-format`` accepts the file (placeholders match, syntax is valid);
3. the catalogue is not stale: ``makemessages`` is run on a temporary copy of the source tree,
   writing into a temporary copy of the catalogue, and the msgids are compared. The real
   catalogue is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

DOMAINS = ("django", "djangojs")
# Directories never scanned for messages (generated, third-party or the catalogue itself).
_SKIP_DIRS = {"locale", "__pycache__", "node_modules", ".mypy_cache", ".pytest_cache"}


@dataclass
class PoEntry:
    msgid: str
    context: str = ""
    msgid_plural: str = ""
    msgstrs: list[str] = field(default_factory=list)
    fuzzy: bool = False
    obsolete: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.context, self.msgid, self.msgid_plural)

    @property
    def translated(self) -> bool:
        return bool(self.msgstrs) and all(self.msgstrs)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted string: {text!r}")
    body = text[1:-1]
    out, i = [], 0
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def parse_po(text: str) -> list[PoEntry]:
    """Parse a PO file into entries (header excluded). Small on purpose: no polib at runtime."""
    entries: list[PoEntry] = []
    current: dict | None = None
    last_key: str | None = None

    def finish() -> None:
        nonlocal current
        if current is not None and "msgid" in current:
            msgstrs = [current[k] for k in sorted(current) if k.startswith("msgstr")]
            entry = PoEntry(
                msgid=current["msgid"], context=current.get("msgctxt", ""),
                msgid_plural=current.get("msgid_plural", ""), msgstrs=msgstrs,
                fuzzy=current.get("fuzzy", False), obsolete=current.get("obsolete", False),
            )
            if entry.msgid or entry.context:  # the header has an empty msgid
                entries.append(entry)
        current = None

    for raw in text.splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            last_key = None
            continue
        if line.startswith("#"):
            if current is not None and "msgid" in current:
                finish()
            current = current or {}
            if line.startswith("#,") and "fuzzy" in {f.strip() for f in line[2:].split(",")}:
                current["fuzzy"] = True
            continue
        keyword, _space, rest = line.partition(" ")
        if line.startswith('"'):
            if current is None or last_key is None:
                raise ValueError(f"continuation line without a keyword: {raw!r}")
            current[last_key] += _unquote(line)
            continue
        if keyword in {"msgctxt", "msgid"} and current is not None and "msgid" in current:
            finish()
        current = current or {}
        if obsolete:
            current["obsolete"] = True
        if keyword.startswith("msgstr[") or keyword in {"msgctxt", "msgid", "msgid_plural",
                                                        "msgstr"}:
            current[keyword] = _unquote(rest)
            last_key = keyword
        else:
            raise ValueError(f"unknown PO keyword {keyword!r}")
    finish()
    return entries


@dataclass
class CatalogueReport:
    path: Path
    total: int = 0
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    format_errors: str = ""
    missing_msgids: list[str] = field(default_factory=list)
    obsolete_msgids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.untranslated or self.fuzzy or self.format_errors or self.missing_msgids
                    or self.obsolete_msgids)


def inspect_entries(report: CatalogueReport, entries: list[PoEntry]) -> None:
    live = [e for e in entries if not e.obsolete]
    report.total = len(live)
    report.untranslated = [e.msgid for e in live if not e.translated]
    report.fuzzy = [e.msgid for e in live if e.fuzzy]


def check_format(path: Path) -> str:
    """msgfmt's complaints about the file (empty when it compiles with consistent formats)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise CommandError(_("msgfmt is missing: install gettext (apt-get install gettext)."))
    result = subprocess.run(
        [msgfmt, "--check-format", "-o", os.devnull, str(path)],
        capture_output=True, text=True, check=False,
    )
    return "" if result.returncode == 0 else (result.stderr.strip() or "msgfmt failed")


def extracted_entries(source_dir: Path, catalogue: Path, locale: str, domain: str) -> list[PoEntry]:
    """The catalogue as ``makemessages --no-obsolete`` would leave it, built in a temp dir."""
    with tempfile.TemporaryDirectory(prefix="credo-catalogue-") as tmp:
        tmp_path = Path(tmp)
        tree = tmp_path / "tree"
        shutil.copytree(
            source_dir, tree, ignore=lambda _d, names: [n for n in names if n in _SKIP_DIRS]
        )
        locale_dir = tmp_path / "locale"
        target = locale_dir / locale / "LC_MESSAGES" / f"{domain}.po"
        target.parent.mkdir(parents=True)
        shutil.copyfile(catalogue, target)
        # makemessages writes into settings.LOCALE_PATHS: point it at the temp copy.
        (tmp_path / "credo_catalogue_check_settings.py").write_text(
            f"from {os.environ.get('DJANGO_SETTINGS_MODULE', 'credo.settings.test')} import *\n"
            f"LOCALE_PATHS = [{str(locale_dir)!r}]\n",
            encoding="utf-8",
        )
        env = dict(os.environ)
        python_path = [str(tmp_path), *[p for p in sys.path if p]]
        env["PYTHONPATH"] = os.pathsep.join(python_path)
        env["DJANGO_SETTINGS_MODULE"] = "credo_catalogue_check_settings"
        command = [
            sys.executable, "-m", "django", "makemessages", "-l", locale, "-d", domain,
            "--no-obsolete", "--no-location", "-v", "0",
        ]
        if domain == "djangojs":
            command += ["--ignore", "*.min.js", "--ignore", "vendor/*"]
        result = subprocess.run(
            command, cwd=tree, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise CommandError(
                _("makemessages failed: %(error)s") % {"error": result.stderr.strip()}
            )
        return parse_po(target.read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = "Fail when the zh-hans catalogue has untranslated or fuzzy entries or is stale."

    def add_arguments(self, parser):
        parser.add_argument("--locale", default="zh_Hans", help="locale directory name")
        parser.add_argument(
            "--locale-dir", type=Path, default=None,
            help="directory holding <locale>/LC_MESSAGES (default: first of LOCALE_PATHS)",
        )
        parser.add_argument(
            "--source-dir", type=Path, default=None,
            help="source tree scanned for messages (default: the credo package)",
        )
        parser.add_argument(
            "--no-extract", action="store_true",
            help="skip the staleness check (no makemessages run)",
        )
        parser.add_argument(
            "--show", type=int, default=10, help="list at most this many msgids per problem"
        )

    def handle(self, *args, locale, locale_dir, source_dir, no_extract, show, **options):
        locale_dir = locale_dir or Path(settings.LOCALE_PATHS[0])
        source_dir = source_dir or Path(settings.BASE_DIR)
        messages_dir = locale_dir / locale / "LC_MESSAGES"
        main = messages_dir / "django.po"
        if not main.is_file():
            raise CommandError(
                _("The catalogue %(path)s is missing: run makemessages and translate it.")
                % {"path": main}
            )
        reports = []
        for domain in DOMAINS:
            path = messages_dir / f"{domain}.po"
            if not path.is_file():
                continue
            report = CatalogueReport(path=path)
            try:
                inspect_entries(report, parse_po(path.read_text(encoding="utf-8")))
            except ValueError as exc:
                raise CommandError(
                    _("%(path)s cannot be parsed: %(error)s") % {"path": path, "error": exc}
                ) from None
            report.format_errors = check_format(path)
            if not no_extract:
                current = {e.key for e in parse_po(path.read_text(encoding="utf-8"))
                           if not e.obsolete}
                extracted = {e.key for e in extracted_entries(source_dir, path, locale, domain)
                             if not e.obsolete}
                report.missing_msgids = sorted(k[1] for k in extracted - current)
                report.obsolete_msgids = sorted(k[1] for k in current - extracted)
            reports.append(report)

        failed = False
        for report in reports:
            self.stdout.write(
                _("%(path)s: %(total)d entries, %(untranslated)d untranslated, %(fuzzy)d fuzzy, "
                  "%(missing)d missing (not yet extracted), %(obsolete)d obsolete")
                % {
                    "path": report.path, "total": report.total,
                    "untranslated": len(report.untranslated), "fuzzy": len(report.fuzzy),
                    "missing": len(report.missing_msgids),
                    "obsolete": len(report.obsolete_msgids),
                }
            )
            for label, items in (
                (_("untranslated"), report.untranslated), (_("fuzzy"), report.fuzzy),
                (_("missing"), report.missing_msgids), (_("obsolete"), report.obsolete_msgids),
            ):
                for msgid in items[:show]:
                    self.stdout.write(f"  {label}: {msgid!r}")
                if len(items) > show:
                    self.stdout.write(f"  {label}: … {len(items) - show} more")
            if report.format_errors:
                self.stdout.write(report.format_errors)
            failed = failed or not report.ok
        if failed:
            problems = [
                _("%(path)s: %(untranslated)d untranslated, %(fuzzy)d fuzzy, %(missing)d missing, "
                  "%(obsolete)d obsolete%(format)s")
                % {
                    "path": r.path.name, "untranslated": len(r.untranslated),
                    "fuzzy": len(r.fuzzy), "missing": len(r.missing_msgids),
                    "obsolete": len(r.obsolete_msgids),
                    "format": _(", format errors") if r.format_errors else "",
                }
                for r in reports if not r.ok
            ]
            raise CommandError(_("The catalogue is incomplete: ") + "; ".join(problems))
        self.stdout.write(_("The catalogue is complete."))
