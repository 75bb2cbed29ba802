"""Seed the default dunning ladder.

The values are written out here (not imported from the app) so this migration keeps doing the
same thing whatever the code later becomes.
"""

from decimal import Decimal

from django.db import migrations

LEVELS = [
    (1, "Friendly reminder", 1, "0.00", "0", "friendly"),
    (2, "Firm reminder", 30, "0.00", "0", "firm"),
    (3, "Final notice", 60, "200.00", "12", "final"),
    (4, "Hand over to collection", 90, "500.00", "12", "handover"),
]


def seed(apps, schema_editor):
    DunningLevel = apps.get_model("collections", "DunningLevel")
    for level, name, days, fee, rate, tone in LEVELS:
        DunningLevel.objects.get_or_create(
            level=level,
            defaults={
                "name": name,
                "min_days_overdue": days,
                "min_amount": Decimal("0"),
                "fee": Decimal(fee),
                "annual_interest_rate": Decimal(rate),
                "tone": tone,
                "template_zh": f"collections/letters/{tone}_zh.html",
                "template_en": f"collections/letters/{tone}_en.html",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("collections", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
