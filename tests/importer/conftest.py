"""Helpers for import tests: write files in several encodings and run the command."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from credo.core.models import ObjectChange
from credo.core.validators import uscc_check_character
from credo.customers.models import Customer, Industry


def make_uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


USCC_A = make_uscc("91440300MA5F00001")
USCC_B = make_uscc("91440300MA5F00002")
USCC_C = make_uscc("91440300MA5F00003")


@dataclass
class CommandResult:
    out: str
    err: str
    failed: bool
    message: str  # CommandError text when failed


@pytest.fixture
def run_import_command(db):
    def run(*args: str) -> CommandResult:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("credo_import", *args, stdout=out, stderr=err)
        except CommandError as exc:
            return CommandResult(out.getvalue(), err.getvalue(), True, str(exc))
        return CommandResult(out.getvalue(), err.getvalue(), False, "")

    return run


@pytest.fixture
def write_csv(tmp_path):
    def write(text: str, *, encoding: str = "utf-8", name: str = "data.csv") -> str:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


@pytest.fixture
def write_xlsx(tmp_path):
    def write(rows: list[list], *, sheet: str = "客户", name: str = "data.xlsx") -> str:
        import openpyxl

        workbook = openpyxl.Workbook()
        worksheet = workbook.active
        worksheet.title = sheet
        for row in rows:
            worksheet.append(row)
        path = tmp_path / name
        workbook.save(path)
        return str(path)

    return write


@pytest.fixture
def industries(db):
    # The GB/T 4754 table may already be loaded by a data migration.
    section, _ = Industry.objects.get_or_create(
        code="C", defaults={"name_zh": "制造业", "name_en": "Manufacturing"}
    )
    division, _ = Industry.objects.get_or_create(
        code="39",
        defaults={
            "name_zh": "计算机、通信和其他电子设备制造业",
            "name_en": "Manufacture of computers, communication and other electronic equipment",
            "parent": section,
        },
    )
    return section, division


@pytest.fixture
def counts(db):
    """Snapshot of what an import could write, to prove a failed import wrote nothing."""

    def snapshot() -> tuple[int, int]:
        return Customer.objects.count(), ObjectChange.objects.count()

    return snapshot
