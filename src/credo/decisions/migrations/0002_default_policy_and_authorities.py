"""Seed the default check policy and the default release authorities.

The values are written out here (not imported from the app) so this migration keeps doing the
same thing whatever the code later becomes.
"""

from decimal import Decimal

from django.db import migrations

DEFAULT_STEPS = [
    {"type": "blacklist", "reaction": "block"},
    {"type": "watchlist", "reaction": "warn"},
    {
        "type": "limit",
        "grades": [
            {"above_percent": "90", "reaction": "warn"},
            {"above_percent": "100", "reaction": "block"},
        ],
        "no_limit_reaction": "hold",
    },
    {"type": "overdue_amount", "threshold": "0", "reaction": "warn"},
    {"type": "oldest_overdue", "days": 90, "reaction": "hold"},
    {"type": "limit_expired", "reaction": "hold"},
    {"type": "review_expired", "reaction": "warn"},
    {"type": "grade_prepayment", "grades": [], "reaction": "block"},
]
AUTHORITIES = {"credit_manager": Decimal("5000000.00"), "credit_analyst": Decimal("500000.00")}


def seed(apps, schema_editor):
    CheckPolicy = apps.get_model("decisions", "CheckPolicy")
    ReleaseAuthority = apps.get_model("decisions", "ReleaseAuthority")
    CheckPolicy.objects.get_or_create(
        key="default",
        defaults={
            "name": "Default",
            "counted_buckets": ["open_orders", "delivered_not_invoiced", "open_receivables"],
            "steps": DEFAULT_STEPS,
        },
    )
    for group_name, max_amount in AUTHORITIES.items():
        ReleaseAuthority.objects.get_or_create(
            group_name=group_name, defaults={"max_amount": max_amount}
        )


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
