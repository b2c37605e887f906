"""Loads the default business catalogue of seed 002 (全球通 17 kinds, 预付费 10 kinds) and the
opening checklist; existing rows are left alone, so a site's edits survive."""

from django.db import migrations


def load(apps, schema_editor):  # noqa: ANN001, ARG001
    from kefu.hall.seed import BRANDS, CHECKLIST

    BusinessType = apps.get_model("hall", "BusinessType")
    ChecklistItem = apps.get_model("hall", "ChecklistItem")
    for brand, prefix, kinds in BRANDS:
        for order, (code, name, self_ok, seconds) in enumerate(kinds, start=1):
            BusinessType.objects.get_or_create(
                code=code,
                defaults={
                    "brand": brand,
                    "name": name,
                    "prefix": prefix,
                    "self_service_ok": self_ok,
                    "mean_service_seconds": seconds,
                    "sort_order": order,
                },
            )
    if not ChecklistItem.objects.exists():
        for i, (cat, text) in enumerate(CHECKLIST, start=1):
            ChecklistItem.objects.create(category=cat, text=text, sort_order=i)


class Migration(migrations.Migration):
    dependencies = [("hall", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
