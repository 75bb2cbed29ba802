"""Load the GB/T 4754-2017 industry classification (20 sections, 97 divisions).

Idempotent: re-running updates names in place, so the data file can be corrected later by a
new migration that calls ``load_industries`` again.
"""

import json
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "industries_gbt4754_2017.json"


def load_industries(apps, schema_editor):
    Industry = apps.get_model("customers", "Industry")
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for section in data["sections"]:
        parent, _created = Industry.objects.update_or_create(
            code=section["code"],
            defaults={"name_zh": section["name_zh"], "name_en": section["name_en"], "parent": None},
        )
        for division in section["divisions"]:
            Industry.objects.update_or_create(
                code=division["code"],
                defaults={
                    "name_zh": division["name_zh"],
                    "name_en": division["name_en"],
                    "parent": parent,
                },
            )


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_industries, migrations.RunPython.noop, elidable=False),
    ]
