"""The list's word search reads one column: `Site.search_text` now also holds the commune's and département's names and
the postal codes, with a trigram index on PostgreSQL (docs/decisions/0013-trigram-search.md)."""

from django.db import migrations, models

from resorption.core.search import trigram_index
from resorption.core.text import normalize_search


def fill_search_texts(apps, schema_editor):
    Site = apps.get_model("settlements", "Site")
    Commune = apps.get_model("territories", "Commune")
    terms = {
        code: " ".join(part for part in parts if part)
        for code, *parts in Commune.objects.filter(
            code__in=Site.objects.values_list("commune_id", flat=True).distinct()
        ).values_list("code", "search_name", "departement__search_name", "postal_codes")
    }
    batch = []
    for site in Site.objects.order_by("pk").only("pk", "address", "name", "commune_id").iterator(chunk_size=2000):
        own = normalize_search(f"{site.address} {site.name}")
        site.search_text = " ".join(part for part in (own, terms.get(site.commune_id, "")) if part)
        batch.append(site)
        if len(batch) == 2000:
            Site.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Site.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("settlements", "0003_site_summary_index"),
        ("territories", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="site",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_texts, migrations.RunPython.noop, elidable=True),
        trigram_index("settlements_site", "search_text", "settlements_site_search_trgm"),
    ]
