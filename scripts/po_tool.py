"""Catalogue helper for translators: dump untranslated/fuzzy entries to JSON and fill them back.

    python scripts/po_tool.py dump src/credo/locale/zh_Hans/LC_MESSAGES/django.po out.json [--chunks N]
    python scripts/po_tool.py fill src/credo/locale/zh_Hans/LC_MESSAGES/django.po in1.json [in2.json ...]

JSON entries: {"id": "<msgctxt>\\x04<msgid>" or "<msgid>", "msgid": ..., "msgid_plural": ...,
"msgstr": ""} — translators fill "msgstr" (for plurals, Chinese has one form: the same string).
"""

from __future__ import annotations

import json
import sys

import polib


def _key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def dump(po_path: str, out_path: str, chunks: int = 1) -> None:
    po = polib.pofile(po_path)
    todo = [
        {
            "id": _key(e),
            "msgctxt": e.msgctxt or "",
            "msgid": e.msgid,
            "msgid_plural": e.msgid_plural or "",
            "msgstr": "",
        }
        for e in po
        if not e.obsolete and (e.fuzzy or not e.translated())
    ]
    size = -(-len(todo) // chunks) if todo else 0
    for i in range(chunks):
        part = todo[i * size : (i + 1) * size]
        path = out_path if chunks == 1 else out_path.replace(".json", f".{i + 1}.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(part, fh, ensure_ascii=False, indent=1)
        print(f"{path}: {len(part)} entries")


def fill(po_path: str, json_paths: list[str]) -> None:
    po = polib.pofile(po_path)
    translations: dict[str, str] = {}
    for path in json_paths:
        with open(path, encoding="utf-8") as fh:
            for item in json.load(fh):
                if item.get("msgstr"):
                    translations[item["id"]] = item["msgstr"]
    filled = 0
    for entry in po:
        text = translations.get(_key(entry))
        if not text:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Project-Id-Version"] = "credo"
    po.metadata["Last-Translator"] = "credo developers"
    po.metadata["Language-Team"] = "Simplified Chinese"
    po.metadata["PO-Revision-Date"] = po.metadata.get("POT-Creation-Date", "")
    po.save(po_path)
    left = [e.msgid for e in po if not e.obsolete and (e.fuzzy or not e.translated())]
    print(f"filled {filled}; still untranslated or fuzzy: {len(left)}")
    for msgid in left[:20]:
        print("  -", msgid[:80])


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "dump":
        chunks = int(sys.argv[sys.argv.index("--chunks") + 1]) if "--chunks" in sys.argv else 1
        dump(sys.argv[2], sys.argv[3], chunks)
    elif command == "fill":
        fill(sys.argv[2], sys.argv[3:])
    else:
        raise SystemExit(__doc__)
