"""The sites of a territory in one tab, from an index (docs/benchmarks.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("settlements", "0004_trigram_search")]

    operations = [
        migrations.AddIndex(
            model_name="site",
            index=models.Index(fields=["commune", "status"], name="site_commune_status_idx"),
        ),
    ]
