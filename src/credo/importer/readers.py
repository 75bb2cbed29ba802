"""Readers: turn an uploaded CSV or XLSX file into ``(line_no, {header: raw})`` rows.

Line numbers are what a person sees when opening the file: the physical line of a CSV record
(its first line when a quoted cell spans lines) or the row number of the sheet. Headers are kept
exactly as written so errors can name the column the way the file names it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

XLSX_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
# Names accepted by --encoding besides any codec Python knows.
ENCODING_ALIASES = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "utf8": "utf-8",
    "utf-8-bom": "utf-8-sig",
}
_ZIP_MAGIC = b"PK\x03\x04"


class FileProblem(Exception):
    """The file as a whole cannot be read: one clear message, optionally tied to a line."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class SheetData:
    """What a reader found: headers as written, data rows and how the file was decoded."""

    header_line: int
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    encoding: str = ""  # CSV: codec used; XLSX: empty
    encoding_detected: bool = False
    sheet: str = ""  # XLSX: name of the sheet read
    problems: list[FileProblem] = field(default_factory=list)  # per-line structural errors


def read_file(data: bytes, *, filename: str = "", encoding: str = "", sheet: str = "") -> SheetData:
    """Read CSV or XLSX bytes; the format comes from the file name, else from the content."""
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise FileProblem(_("The file is empty."))
    suffix = Path(filename).suffix.lower()
    if suffix in XLSX_SUFFIXES or (suffix not in CSV_SUFFIXES and data.startswith(_ZIP_MAGIC)):
        return read_xlsx(data, sheet=sheet)
    if sheet:
        raise FileProblem(_("--sheet only applies to XLSX workbooks; this file is CSV."))
    return read_csv(data, encoding=encoding)


# --------------------------------------------------------------------------- CSV


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def normalize_encoding_name(name: str) -> str:
    key = name.strip().lower().replace("_", "-")
    return ENCODING_ALIASES.get(key, key)


def decode(data: bytes, encoding: str = "") -> tuple[str, str, bool]:
    """Return ``(text, encoding used, detected?)``; raise FileProblem with the failing line.

    Detection is strict UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and
    GB2312). When neither fits, charset-normalizer's guess is offered as a suggestion only:
    silently guessing would import garbled names.
    """
    if encoding:
        codec = normalize_encoding_name(encoding)
        if codec == "utf-8":
            codec = "utf-8-sig"  # a forced UTF-8 still tolerates a BOM
        try:
            text = data.decode(codec)
        except LookupError:
            raise FileProblem(
                _("Unknown encoding %(encoding)s.") % {"encoding": encoding}
            ) from None
        except UnicodeDecodeError as exc:
            raise FileProblem(
                _(
                    "the file is not valid %(encoding)s (byte 0x%(byte)s cannot be decoded); "
                    "it may be in another encoding: try --encoding gb18030 or --encoding utf-8."
                )
                % {
                    "encoding": _display_encoding(codec),
                    "byte": data[exc.start : exc.start + 1].hex(),
                },
                line=_line_of(data, exc.start),
            ) from None
        return text, codec, False
    try:
        text = data.decode("utf-8-sig")
        return text, ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"), True
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030", True
    except UnicodeDecodeError as exc:
        guess = _charset_guess(data)
        message = _(
            "The encoding of the file could not be recognised: it is neither UTF-8 nor "
            "GB18030/GBK (byte 0x%(byte)s). Save it as UTF-8, or give the encoding with "
            "--encoding NAME."
        ) % {"byte": data[exc.start : exc.start + 1].hex()}
        if guess:
            message += " " + _("It looks like %(guess)s.") % {"guess": guess}
        raise FileProblem(message, line=_line_of(data, exc.start)) from None


def _charset_guess(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return best.encoding if best is not None else ""


def _display_encoding(codec: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030"}.get(codec, codec)


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes, *, encoding: str = "") -> SheetData:
    text, used, detected = decode(data, encoding)
    if not text.strip():
        raise FileProblem(_("The file is empty."))
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    sheet: SheetData | None = None
    last_line = 0
    try:
        for cells in reader:
            start_line = last_line + 1
            last_line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if sheet is None:
                sheet = SheetData(
                    header_line=start_line,
                    headers=[cell.strip() for cell in cells],
                    encoding=used,
                    encoding_detected=detected,
                )
                continue
            _add_row(sheet, start_line, cells)
    except csv.Error as exc:
        raise FileProblem(
            _("The CSV structure is broken (%(reason)s).") % {"reason": exc}, line=last_line + 1
        ) from None
    if sheet is None:
        raise FileProblem(_("The file is empty."))
    return sheet


def _add_row(sheet: SheetData, line: int, cells: list[Any] | tuple[Any, ...]) -> None:
    width = len(sheet.headers)
    extra = [c for c in cells[width:] if _text(c)]
    if extra:
        sheet.problems.append(
            FileProblem(
                _("This row has %(cells)d cells but the header has only %(headers)d columns.")
                % {"cells": width + len(cells[width:]), "headers": width},
                line=line,
            )
        )
    values: dict[str, Any] = {}
    for header, value in zip(sheet.headers, cells, strict=False):
        if header:
            values[header] = value
    sheet.rows.append((line, values))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


# --------------------------------------------------------------------------- XLSX


def read_xlsx(data: bytes, *, sheet: str = "") -> SheetData:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileProblem(
            _("The file is not a readable XLSX workbook (%(reason)s).")
            % {"reason": exc.__class__.__name__ + (f": {exc}" if str(exc) else "")}
        ) from None
    try:
        if sheet:
            if sheet not in workbook.sheetnames:
                raise FileProblem(
                    _("The workbook has no sheet named “%(sheet)s”; its sheets are: %(names)s.")
                    % {"sheet": sheet, "names": ", ".join(workbook.sheetnames)}
                )
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        result: SheetData | None = None
        try:
            for row_no, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if not any(_text(c) for c in cells):
                    continue
                if result is None:
                    result = SheetData(
                        header_line=row_no,
                        headers=[_text(c) for c in cells],
                        sheet=worksheet.title,
                    )
                    continue
                _add_row(result, row_no, [_cell_value(c) for c in cells])
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
            raise FileProblem(
                _("The sheet “%(sheet)s” cannot be read (%(reason)s).")
                % {"sheet": worksheet.title, "reason": exc.__class__.__name__}
            ) from None
        if result is None:
            raise FileProblem(_("The sheet “%(sheet)s” is empty.") % {"sheet": worksheet.title})
        # Trailing empty header cells come from formatting, not from data.
        while result.headers and not result.headers[-1]:
            result.headers.pop()
        return result
    finally:
        workbook.close()


def _cell_value(value: Any) -> Any:
    """Keep dates and numbers typed; strip strings."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value
