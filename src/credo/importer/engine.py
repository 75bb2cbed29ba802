"""The import engine: read, match headers, validate every row through the services, commit or not.

The whole import runs inside one ``transaction.atomic()`` block; each row's service calls run in
a savepoint so a failing row leaves the others intact and every row is checked. At the end the
transaction is rolled back when any row failed or when it was a dry run, so "validate" and
"import" run exactly the same code and a dry run's counts are the real ones (parents created
earlier in the file, uniqueness against earlier rows ...).

Decisions:

* Unknown columns are a warning, not an error: exports from ERP systems carry many columns we do
  not keep, and refusing them would force people to edit files by hand. The warning names them.
* A blank cell leaves the stored value alone (partial files update only what they carry).
* Without ``user`` (CLI without ``--user``) the import runs as the system actor with full scope;
  the change log still records channel "import".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from credo.core.context import acting_as
from credo.core.permissions import VIEW_ALL_CUSTOMERS

from .parsers import EMPTY, CellError, is_blank
from .readers import FileProblem, read_file

if TYPE_CHECKING:
    from .specs import ImportSpec


class RowError(Exception):
    """A problem with one row, tied to a field of the spec (or to no column)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Issue:
    """One error or warning: ``line N, column C: message``."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.line is not None and self.column:
            return _("line %(line)d, column %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        if self.line is not None:
            return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass
class RowOutcome:
    """What a valid row does (or did): create, update or nothing."""

    line: int
    action: str
    label: str
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """Everything the CLI and the UI show about one import run."""

    spec_key: str
    filename: str
    dry_run: bool
    encoding: str = ""
    encoding_detected: bool = False
    sheet: str = ""
    rows_read: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    committed: bool = False

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def created(self) -> int:
        return self.count(Action.CREATE)

    @property
    def updated(self) -> int:
        return self.count(Action.UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(Action.UNCHANGED)

    @property
    def ok(self) -> bool:
        return not self.errors

    def encoding_line(self) -> str:
        if self.sheet:
            return _("sheet: %(sheet)s") % {"sheet": self.sheet}
        if not self.encoding:
            return ""
        name = {"utf-8": "UTF-8", "utf-8-sig": _("UTF-8 with BOM"), "gb18030": "GB18030 (GBK)"}.get(
            self.encoding, self.encoding
        )
        if self.encoding_detected:
            return _("encoding: %(encoding)s (detected)") % {"encoding": name}
        return _("encoding: %(encoding)s") % {"encoding": name}

    def summary(self) -> str:
        values = {
            "rows": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }
        if self.errors:
            return (
                ngettext(
                    "%(errors)d error in %(rows)d rows; nothing was written.",
                    "%(errors)d errors in %(rows)d rows; nothing was written.",
                    len(self.errors),
                )
                % values
            )
        if self.committed:
            return (
                _(
                    "imported %(rows)d rows: %(created)d created, %(updated)d updated, "
                    "%(unchanged)d unchanged"
                )
                % values
            )
        return (
            _(
                "validated %(rows)d rows: %(created)d to create, %(updated)d to update, "
                "%(unchanged)d unchanged"
            )
            % values
        )


class RowContext:
    """What a spec's row handler may know about the run: user, defaults, keys seen so far."""

    def __init__(self, *, user, default_owner, mapping: dict[str, str], source_system: str = ""):
        self.user = user
        self.default_owner = default_owner
        # The ERP a document file comes from, when its rows name customers by external id.
        self.source_system = source_system
        self.mapping = mapping  # field -> header as written
        self.line = 0
        self.file_keys: dict[Any, int] = {}  # filled by spec.prepare (e.g. parents later on)
        self._seen: dict[Any, int] = {}
        self._deferred: list[tuple[int, Callable[[], bool]]] = []

    def has_perm(self, perm: str) -> bool:
        return self.user is None or self.user.has_perm(perm)

    def can_see(self, customer) -> bool:
        """Account managers may only touch their own customers (or those of their team)."""
        if self.user is None or self.user.has_perm(VIEW_ALL_CUSTOMERS):
            return True
        from credo.customers.models import Customer

        return Customer.objects.restrict(self.user).filter(pk=customer.pk).exists()

    def claim_key(self, field_name: str, key: Any) -> None:
        """Refuse a business key seen on an earlier line of the same file."""
        first = self._seen.get(key)
        if first is not None:
            raise RowError(_("duplicates line %(line)d") % {"line": first}, field=field_name)
        self._seen[key] = self.line

    def defer(self, step: Callable[[], bool]) -> None:
        """Run ``step`` after all rows (e.g. a parent that comes later in the file)."""
        self._deferred.append((self.line, step))


def _issues_from_validation(
    exc: ValidationError, line: int, spec: ImportSpec, mapping: dict[str, str]
) -> list[Issue]:
    if not hasattr(exc, "error_dict"):
        return [Issue(line, "", message) for message in exc.messages]
    issues: list[Issue] = []
    for name, messages in exc.message_dict.items():
        column = "" if name == NON_FIELD_ERRORS else mapping.get(spec.column_for_field(name), "")
        issues.extend(Issue(line, column, message) for message in messages)
    return issues


def run_import(
    *,
    spec: ImportSpec,
    data: bytes,
    filename: str = "",
    user=None,
    default_owner=None,
    encoding: str = "",
    sheet: str = "",
    dry_run: bool = False,
    request_id: str | None = None,
    source_system: str = "",
) -> ImportReport:
    """Validate every row of the file; write everything (one transaction) or nothing."""
    report = ImportReport(spec_key=spec.key, filename=filename, dry_run=dry_run)
    if user is not None and not all(user.has_perm(p) for p in spec.required_permissions):
        report.errors.append(
            Issue(None, "", _("You may not import %(type)s.") % {"type": spec.label})
        )
        return report
    try:
        sheet_data = read_file(data, filename=filename, encoding=encoding, sheet=sheet)
    except FileProblem as problem:
        report.errors.append(Issue(problem.line, "", problem.message))
        return report
    report.encoding = sheet_data.encoding
    report.encoding_detected = sheet_data.encoding_detected
    report.sheet = sheet_data.sheet
    report.rows_read = len(sheet_data.rows)

    mapping, header_errors, unknown = spec.match_headers(sheet_data.headers)
    header_line = sheet_data.header_line
    report.errors.extend(Issue(header_line, column, message) for column, message in header_errors)
    report.warnings.extend(
        Issue(header_line, header, _("unknown column, ignored")) for header in unknown
    )
    report.warnings.extend(
        Issue(header_line, "", message) for message in spec.header_warnings(mapping)
    )
    if report.errors:
        return report
    if not sheet_data.rows:
        report.errors.append(Issue(header_line, "", _("The file has a header but no data rows.")))
        return report
    report.errors.extend(Issue(p.line, "", p.message) for p in sheet_data.problems)

    with acting_as(user, channel="import", request_id=request_id), transaction.atomic():
        context = RowContext(
            user=user,
            default_owner=default_owner or user,
            mapping=mapping,
            source_system=source_system.strip(),
        )
        spec.prepare(sheet_data.rows, context)
        outcomes_by_line: dict[int, RowOutcome] = {}
        for line, raw_row in sheet_data.rows:
            context.line = line
            outcome = _process_row(spec, line, raw_row, context, report)
            if outcome is not None:
                outcomes_by_line[line] = outcome
                report.outcomes.append(outcome)
        for line, step in context._deferred:
            context.line = line
            try:
                with transaction.atomic():
                    changed = step()
            except ValidationError as exc:
                report.errors.extend(_issues_from_validation(exc, line, spec, mapping))
                continue
            except RowError as exc:
                report.errors.append(Issue(line, mapping.get(exc.field or "", ""), exc.message))
                continue
            outcome = outcomes_by_line.get(line)
            if changed and outcome is not None and outcome.action == Action.UNCHANGED:
                outcome.action = Action.UPDATE
        report.errors.sort(key=lambda issue: issue.line or 0)
        if report.errors or dry_run:
            transaction.set_rollback(True)
        else:
            report.committed = True
    return report


def _process_row(
    spec: ImportSpec,
    line: int,
    raw_row: dict[str, Any],
    context: RowContext,
    report: ImportReport,
) -> RowOutcome | None:
    typed: dict[str, Any] = {}
    cell_errors: list[Issue] = []
    for field_name, header in context.mapping.items():
        column = spec.columns_by_field[field_name]
        raw = raw_row.get(header)
        if is_blank(raw):
            if column.required:
                cell_errors.append(Issue(line, header, _("A value is required.")))
            continue
        try:
            value = column.parser(raw)
        except CellError as exc:
            cell_errors.append(Issue(line, header, exc.message))
            continue
        if value is not EMPTY:
            typed[field_name] = value
    if cell_errors:
        report.errors.extend(cell_errors)
        return None
    try:
        with transaction.atomic():
            return spec.apply(typed, context)
    except ValidationError as exc:
        report.errors.extend(_issues_from_validation(exc, line, spec, context.mapping))
    except RowError as exc:
        report.errors.append(Issue(line, context.mapping.get(exc.field or "", ""), exc.message))
    return None
