"""Events name the site they are about and whether a message was public: the activity feed decides who sees an event
from its own columns (0005 fills them for the events recorded before)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_fill_event_place"),
        ("settlements", "0009_site_map_markers_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="notificationevent",
            name="is_public",
            field=models.BooleanField(default=True, verbose_name="message public"),
        ),
        migrations.AddField(
            model_name="notificationevent",
            name="site",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="settlements.site",
                verbose_name="site",
            ),
        ),
    ]
