"""`credo check-catalogue` on small temporary catalogues and source trees."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from credo.core.management.commands.credo_check_catalogue import parse_po

pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="gettext tools are installed by scripts/system-deps.sh",
)

HEADER = r'''msgid ""
msgstr ""
"Project-Id-Version: credo\n"
"Language: zh_Hans\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=1; plural=0;\n"

'''

SOURCE = '''from django.utils.translation import gettext_lazy as _

GREETING = _("Hello")
FAREWELL = _("Goodbye, %(name)s")
'''

COMPLETE = HEADER + r'''msgid "Hello"
msgstr "你好"

#, python-format
msgid "Goodbye, %(name)s"
msgstr "再见，%(name)s"
'''


def _setup(tmp_path: Path, po_text: str, source: str = SOURCE) -> dict:
    source_dir = tmp_path / "src"
    source_dir.mkdir()
    (source_dir / "messages.py").write_text(source, encoding="utf-8")
    locale_dir = tmp_path / "locale"
    messages = locale_dir / "zh_Hans" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text(po_text, encoding="utf-8")
    return {"locale_dir": locale_dir, "source_dir": source_dir}


def _run(**options) -> str:
    out = io.StringIO()
    call_command("credo_check_catalogue", stdout=out, **options)
    return out.getvalue()


def test_complete_catalogue_passes_and_is_left_untouched(tmp_path):
    paths = _setup(tmp_path, COMPLETE)
    po = paths["locale_dir"] / "zh_Hans" / "LC_MESSAGES" / "django.po"
    before = po.read_bytes()
    output = _run(**paths)
    assert "2 entries, 0 untranslated, 0 fuzzy, 0 missing" in output
    assert "complete" in output
    assert po.read_bytes() == before  # makemessages ran on a temporary copy


def test_untranslated_entry_fails_with_its_count(tmp_path):
    paths = _setup(tmp_path, COMPLETE.replace('msgstr "你好"', 'msgstr ""'))
    with pytest.raises(CommandError, match="1 untranslated, 0 fuzzy, 0 missing"):
        _run(**paths)


def test_fuzzy_entry_fails(tmp_path):
    paths = _setup(tmp_path, COMPLETE.replace('msgid "Hello"', '#, fuzzy\nmsgid "Hello"'))
    with pytest.raises(CommandError, match="0 untranslated, 1 fuzzy"):
        _run(**paths)


def test_stale_catalogue_fails_when_the_source_has_new_msgids(tmp_path):
    source = SOURCE + 'NEW = _("Credit limit")\n'
    paths = _setup(tmp_path, COMPLETE, source=source)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 missing"):
        call_command("credo_check_catalogue", stdout=out, **paths)
    assert "'Credit limit'" in out.getvalue()


def test_msgid_removed_from_the_source_is_reported_obsolete(tmp_path):
    paths = _setup(tmp_path, COMPLETE, source=SOURCE.replace('_("Hello")', '"Hello"'))
    with pytest.raises(CommandError, match="1 obsolete"):
        _run(**paths)


def test_placeholder_mismatch_is_a_format_error(tmp_path):
    paths = _setup(tmp_path, COMPLETE.replace("再见，%(name)s", "再见，%(nom)s"))
    with pytest.raises(CommandError, match="format errors"):
        _run(no_extract=True, **paths)


def test_missing_catalogue_fails(tmp_path):
    with pytest.raises(CommandError, match="missing"):
        _run(locale_dir=tmp_path / "nowhere", no_extract=True)


def test_no_extract_skips_the_staleness_check(tmp_path):
    source = SOURCE + 'NEW = _("Credit limit")\n'
    paths = _setup(tmp_path, COMPLETE, source=source)
    assert "complete" in _run(no_extract=True, **paths)


def test_parser_reads_plurals_contexts_multiline_and_obsolete_entries():
    text = HEADER + r'''msgctxt "menu"
msgid "File"
msgstr "文件"

msgid "One customer"
msgid_plural "%(n)d customers"
msgstr[0] ""

msgid ""
"Long "
"text"
msgstr "长文本"

#~ msgid "Old"
#~ msgstr "旧"
'''
    entries = parse_po(text)
    assert [(e.context, e.msgid, e.translated, e.obsolete) for e in entries] == [
        ("menu", "File", True, False),
        ("", "One customer", False, False),
        ("", "Long text", True, False),
        ("", "Old", True, True),
    ]
    assert entries[1].msgid_plural == "%(n)d customers"
