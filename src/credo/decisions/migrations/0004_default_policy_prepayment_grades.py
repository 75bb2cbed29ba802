"""With ratings (issue 4) the default policy's prepayment step gets its grades: CC, C and D.

Only a default policy whose prepayment step still lists no grade (as seeded) is changed; a step
someone edited is left alone.
"""

from django.db import migrations

PREPAYMENT_GRADES = ["CC", "C", "D"]


def set_grades(apps, schema_editor):
    CheckPolicy = apps.get_model("decisions", "CheckPolicy")
    policy = CheckPolicy.objects.filter(key="default").first()
    if policy is None:
        return
    steps = list(policy.steps)
    changed = False
    for step in steps:
        if step.get("type") == "grade_prepayment" and not step.get("grades"):
            step["grades"] = PREPAYMENT_GRADES
            changed = True
    if changed:
        policy.steps = steps
        policy.save(update_fields=["steps"])


class Migration(migrations.Migration):
    dependencies = [("decisions", "0003_release_expired_action")]

    operations = [migrations.RunPython(set_grades, migrations.RunPython.noop)]
