"""Gives the events recorded before 0004 the site they are about and whether their message was public, and makes their
place their site's place of today (a site moved since keeps its events in sight of who reads it now). Apart from
0004: PostgreSQL creates the new foreign key's index at the end of its migration, which it refuses once rows of the
table were updated in the same transaction."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery

# Event kind → (model of its object, path from that object to its site's id).
SITE_EVENTS = {
    "site_declared": ("settlements", "Site", "id"),
    "site_closed": ("settlements", "Site", "id"),
    "site_updated": ("settlements", "HistoricalSite", "id"),
    "site_actor_added": ("settlements", "SiteActor", "site_id"),
    "journal_message_posted": ("journal", "JournalEntry", "site_id"),
}
MESSAGE_EVENTS = {
    "journal_message_posted": ("journal", "JournalEntry"),
    "action_message_posted": ("actions", "ActionEntry"),
}


def fill(apps, schema_editor):
    NotificationEvent = apps.get_model("notifications", "NotificationEvent")
    Site = apps.get_model("settlements", "Site")
    for kind, (app_label, model_name, site_path) in SITE_EVENTS.items():
        model = apps.get_model(app_label, model_name)
        key = "history_id" if model_name == "HistoricalSite" else "pk"
        objects = model.objects.filter(**{key: OuterRef("object_id")})
        NotificationEvent.objects.filter(kind=kind).update(site_id=Subquery(objects.values(site_path)[:1]))
    sites = Site.objects.filter(pk=OuterRef("site_id"))
    NotificationEvent.objects.filter(site__isnull=False).update(
        commune_id=Subquery(sites.values("commune_id")[:1]),
        departement_id=Subquery(sites.values("commune__departement_id")[:1]),
    )
    for kind, (app_label, model_name) in MESSAGE_EVENTS.items():
        targeted = apps.get_model(app_label, model_name).objects.filter(pk=OuterRef("object_id"), is_public=False)
        NotificationEvent.objects.filter(kind=kind).filter(Exists(targeted)).update(is_public=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_event_site_and_audience"),
        ("journal", "0004_deleted_entries_index"),
        ("actions", "0004_action_journal"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
