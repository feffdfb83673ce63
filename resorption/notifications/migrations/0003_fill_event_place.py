"""Gives the events recorded before 0002 their place, read from their object: the commune (and its département) of
the site of a journal message, a declared or closed site or a site actor, the département of an action's message.
Territorial messages are addressed to several départements: they keep no place. Events whose object is gone keep
none either (the feed does not show them)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

# Event kind → (model of its object, path from that object to the site's commune, or to the action's département).
SITE_EVENTS = {
    "journal_message_posted": ("journal", "JournalEntry", "site__commune"),
    "site_declared": ("settlements", "Site", "commune"),
    "site_closed": ("settlements", "Site", "commune"),
    "site_actor_added": ("settlements", "SiteActor", "site__commune"),
}


def fill_places(apps, schema_editor):
    NotificationEvent = apps.get_model("notifications", "NotificationEvent")
    for kind, (app_label, model_name, commune_path) in SITE_EVENTS.items():
        objects = apps.get_model(app_label, model_name).objects.filter(pk=OuterRef("object_id"))
        NotificationEvent.objects.filter(kind=kind, commune__isnull=True).update(
            commune_id=Subquery(objects.values(f"{commune_path}_id")[:1]),
            departement_id=Subquery(objects.values(f"{commune_path}__departement_id")[:1]),
        )
    entries = apps.get_model("actions", "ActionEntry").objects.filter(pk=OuterRef("object_id"))
    NotificationEvent.objects.filter(kind="action_message_posted", departement__isnull=True).update(
        departement_id=Subquery(entries.values("action__departement_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_event_place_and_feed_indexes"),
        ("settlements", "0008_followed_site"),
        ("journal", "0003_territorial_messages"),
        ("actions", "0004_action_journal"),
    ]

    operations = [migrations.RunPython(fill_places, migrations.RunPython.noop)]
