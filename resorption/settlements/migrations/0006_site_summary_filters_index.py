"""The list's summary with its usual filters from one index, on PostgreSQL (docs/benchmarks.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("settlements", "0005_site_commune_status_index")]

    operations = [
        migrations.RemoveIndex(model_name="site", name="site_status_summary_idx"),
        migrations.AddIndex(
            model_name="site",
            index=models.Index(
                fields=["status", "population_total", "population_minors"],
                include=(
                    "id",
                    "commune",
                    "field_type",
                    "water_status",
                    "sanitary_status",
                    "electricity_status",
                    "trash_status",
                    "pest_animals_status",
                    "fire_prevention_status",
                    "origin_french",
                    "origin_european",
                    "origin_extra_european",
                    "resorption_target",
                    "heatwave",
                    "closing_cause",
                    "closed_with_solutions",
                ),
                name="site_summary_filters_idx",
            ),
        ),
    ]
