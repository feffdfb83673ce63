"""Reference data: the managed list of journal tags.

The reference keeps its list in migrations that could not be retrieved (§D.1); only `canicule` is known, shown as a red
badge. The other tags follow the themes of the platform (site actors' themes §C.10, living conditions §C.4, events
of a site's life) and are to be checked with the Dihal; a tag is retired by setting `active` to false, never deleted.
"""

from django.db import migrations

# uid, label, is_alert
TAGS = [
    ("canicule", "Canicule", True),
    ("grand_froid", "Grand froid", True),
    ("incendie", "Incendie", True),
    ("intemperies", "Intempéries, inondation", True),
    ("expulsion", "Expulsion, évacuation", False),
    ("sante", "Santé", False),
    ("scolarisation", "Scolarisation", False),
    ("emploi", "Formation et emploi", False),
    ("hebergement_logement", "Hébergement et logement", False),
    ("acces_aux_droits", "Accès aux droits", False),
    ("eau_hygiene", "Eau, hygiène et assainissement", False),
    ("dechets", "Déchets", False),
    ("electricite", "Électricité", False),
    ("securite", "Sécurité", False),
    ("mediation", "Médiation", False),
    ("aide_alimentaire", "Aide alimentaire", False),
    ("coordination", "Réunion, coordination", False),
]


def add_tags(apps, schema_editor):
    Tag = apps.get_model("journal", "Tag")
    for position, (uid, label, is_alert) in enumerate(TAGS):
        Tag.objects.update_or_create(uid=uid, defaults={"label": label, "is_alert": is_alert, "position": position})


def remove_tags(apps, schema_editor):
    apps.get_model("journal", "Tag").objects.filter(uid__in=[uid for uid, _, _ in TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]

    operations = [migrations.RunPython(add_tags, remove_tags)]
