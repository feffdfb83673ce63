# The versions in force at a moment (settlements/snapshots.py) read from an index: each site's versions in date
# order. Raw SQL because django-simple-history builds the historical model's options itself; the index is not part
# of the model state, so makemigrations does not see it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("settlements", "0009_site_map_markers_index")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX historicalsite_in_force_idx ON settlements_historicalsite "
            "(id, history_date DESC, history_id DESC)",
            "DROP INDEX historicalsite_in_force_idx",
        )
    ]
