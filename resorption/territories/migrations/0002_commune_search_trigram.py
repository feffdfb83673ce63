"""A trigram index for the word search on commune names, on PostgreSQL (docs/decisions/0013-trigram-search.md)."""

from django.db import migrations

from resorption.core.search import trigram_index


class Migration(migrations.Migration):
    dependencies = [("territories", "0001_initial")]

    operations = [trigram_index("territories_commune", "search_name", "territories_commune_search_trgm")]
