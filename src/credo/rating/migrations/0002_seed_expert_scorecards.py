"""Seed the bundled expert scorecards as active version 1: the default card (segment null) and
the segment variants (services, small firms), each with the default expert grade scale.

The cards come from the engine's templates (``credo.rating.engine.templates``): they are
versioned JSON data. A changed template carries a higher version and is registered by a new
migration or by ``scorecard_version_create``; this one only adds versions not stored yet.
"""

from django.db import migrations

from credo.rating.engine.grades import default_scale, statistical_scale
from credo.rating.engine.scorecard import available_templates, load_template


def seed(apps, schema_editor):
    ScorecardVersion = apps.get_model("rating", "ScorecardVersion")
    for template in available_templates():
        card = load_template(template)
        if ScorecardVersion.objects.filter(key=card.key).exists():
            continue
        if card.kind == "statistical" and card.scaling is not None:
            scale = statistical_scale(card.scaling)
        else:
            scale = default_scale()
        definition = card.to_dict()
        ScorecardVersion.objects.create(
            key=card.key,
            version=card.version,
            name=card.name,
            kind=card.kind,
            status="active",
            segment=definition["segment"],
            definition=definition,
            grade_scale=scale.to_dict(),
            notes="Bundled template, seeded by migration 0002.",
        )


class Migration(migrations.Migration):
    dependencies = [("rating", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
