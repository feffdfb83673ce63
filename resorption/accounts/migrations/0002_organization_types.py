"""Reference data: organisation types with their category and default role (reference §A.2).

DDCS/DDCSPP and Direccte appear under their current names (DDETS, DREETS).
"""

from django.db import migrations

# uid, singular, plural, abbreviation, category, default role
TYPES = [
    (
        "prefecture_departement",
        "Préfecture de département",
        "Préfectures de département",
        "Préfecture",
        "public_establishment",
        "direct_collaborator",
    ),
    (
        "ddets",
        "Direction départementale de l'emploi, du travail et des solidarités",
        "Directions départementales de l'emploi, du travail et des solidarités",
        "DDETS",
        "public_establishment",
        "direct_collaborator",
    ),
    (
        "prefecture_region",
        "Préfecture de région",
        "Préfectures de région",
        "Préfecture de région",
        "public_establishment",
        "direct_collaborator",
    ),
    (
        "ddt",
        "Direction départementale des territoires (et de la mer)",
        "Directions départementales des territoires (et de la mer)",
        "DDT / DDTM",
        "public_establishment",
        "direct_collaborator",
    ),
    ("commune", "Commune", "Communes", "", "territorial_collectivity", "collaborator"),
    ("intercommunalite", "Intercommunalité", "Intercommunalités", "", "territorial_collectivity", "collaborator"),
    ("departement", "Département", "Départements", "", "territorial_collectivity", "collaborator"),
    ("region", "Région", "Régions", "", "territorial_collectivity", "collaborator"),
    ("association", "Association", "Associations", "", "association", "association"),
    ("ministere", "Ministère", "Ministères", "", "administration", "national_establisment"),
    (
        "delegation_interministerielle",
        "Délégation interministérielle",
        "Délégations interministérielles",
        "",
        "administration",
        "national_establisment",
    ),
    (
        "agence_nationale",
        "Agence nationale sous tutelle",
        "Agences nationales sous tutelle",
        "",
        "administration",
        "national_establisment",
    ),
    (
        "dasen",
        "Direction académique des services de l'Éducation nationale",
        "Directions académiques des services de l'Éducation nationale",
        "DASEN",
        "public_establishment",
        "collaborator",
    ),
    (
        "dsden",
        "Direction des services départementaux de l'Éducation nationale",
        "Directions des services départementaux de l'Éducation nationale",
        "DSDEN",
        "public_establishment",
        "collaborator",
    ),
    ("rectorat", "Rectorat", "Rectorats", "", "public_establishment", "collaborator"),
    (
        "casnav",
        "Centre académique pour la scolarisation des enfants allophones nouvellement arrivés",
        "Centres académiques pour la scolarisation des enfants allophones nouvellement arrivés",
        "CASNAV",
        "public_establishment",
        "collaborator",
    ),
    ("gendarmerie", "Gendarmerie nationale", "Gendarmerie nationale", "", "public_establishment", "collaborator"),
    (
        "ddsp",
        "Direction départementale de la sécurité publique",
        "Directions départementales de la sécurité publique",
        "DDSP",
        "public_establishment",
        "collaborator",
    ),
    (
        "ofii",
        "Office français de l'immigration et de l'intégration",
        "Offices français de l'immigration et de l'intégration",
        "OFII",
        "public_establishment",
        "collaborator",
    ),
    (
        "dtpjj",
        "Direction territoriale de la protection judiciaire de la jeunesse",
        "Directions territoriales de la protection judiciaire de la jeunesse",
        "DTPJJ",
        "public_establishment",
        "collaborator",
    ),
    (
        "sdis",
        "Service départemental d'incendie et de secours",
        "Services départementaux d'incendie et de secours",
        "SDIS / SDMIS",
        "public_establishment",
        "collaborator",
    ),
    (
        "dreets",
        "Direction régionale de l'économie, de l'emploi, du travail et des solidarités",
        "Directions régionales de l'économie, de l'emploi, du travail et des solidarités",
        "DREETS",
        "public_establishment",
        "collaborator",
    ),
    (
        "dreal",
        "Direction régionale de l'environnement, de l'aménagement et du logement",
        "Directions régionales de l'environnement, de l'aménagement et du logement",
        "DREAL",
        "public_establishment",
        "collaborator",
    ),
    (
        "drihl",
        "Direction régionale et interdépartementale de l'hébergement et du logement",
        "Directions régionales et interdépartementales de l'hébergement et du logement",
        "DRIHL",
        "public_establishment",
        "collaborator",
    ),
    (
        "drjscs",
        "Direction régionale de la jeunesse, des sports et de la cohésion sociale",
        "Directions régionales de la jeunesse, des sports et de la cohésion sociale",
        "DRJSCS",
        "public_establishment",
        "collaborator",
    ),
    ("ars", "Agence régionale de santé", "Agences régionales de santé", "ARS", "public_establishment", "collaborator"),
    (
        "mission_droits_femmes",
        "Mission départementale aux droits des femmes et à l'égalité",
        "Missions départementales aux droits des femmes et à l'égalité",
        "",
        "public_establishment",
        "collaborator",
    ),
    ("intervenant", "Intervenant", "Intervenants", "", "intervener", "intervener"),
    # Not in the historical seed: private bodies (landlords, companies) are followed, not steering.
    ("organisme_prive", "Organisme privé", "Organismes privés", "", "private_organization", "collaborator"),
]


def create_types(apps, schema_editor):
    OrganizationType = apps.get_model("accounts", "OrganizationType")
    for uid, singular, plural, abbreviation, category, role in TYPES:
        OrganizationType.objects.update_or_create(
            uid=uid,
            defaults={
                "name_singular": singular,
                "name_plural": plural,
                "abbreviation": abbreviation,
                "category": category,
                "default_role": role,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_types, migrations.RunPython.noop)]
