"""The demo world loaded by `make run`: three départements, realistic organisations, one account per role.

Organisation names are plausible but fictional where they would otherwise name a real association.
"""

from dataclasses import dataclass

DEMO_PASSWORD = "Demo-Resorption-2026!"

# Minimal territories, used only when the full Etalab data set has not been loaded (e.g. in browser tests).
# code, name, latitude, longitude
REGIONS = [
    ("75", "Nouvelle-Aquitaine", 44.84, -0.58),
    ("76", "Occitanie", 43.60, 1.44),
    ("52", "Pays de la Loire", 47.22, -1.55),
]
# code, name, région, latitude, longitude
DEPARTEMENTS = [
    ("33", "Gironde", "75", 44.84, -0.58),
    ("31", "Haute-Garonne", "76", 43.60, 1.44),
    ("44", "Loire-Atlantique", "52", 47.22, -1.55),
]
# code, name, kind, départements
EPCIS = [
    ("243300316", "Bordeaux Métropole", "METRO", ["33"]),
    ("243100518", "Toulouse Métropole", "METRO", ["31"]),
    ("244400404", "Nantes Métropole", "METRO", ["44"]),
]
# code, name, département, epci, postal codes, population
COMMUNES = [
    ("33063", "Bordeaux", "33", "243300316", "33000 33100 33200 33300 33800", 267991),
    ("33281", "Mérignac", "33", "243300316", "33700", 75576),
    ("33318", "Pessac", "33", "243300316", "33600", 66760),
    ("33522", "Talence", "33", "243300316", "33400", 44431),
    ("31555", "Toulouse", "31", "243100518", "31000 31100 31200 31300 31400 31500", 511684),
    ("31069", "Blagnac", "31", "243100518", "31700", 25956),
    ("44109", "Nantes", "44", "244400404", "44000 44100 44200 44300", 325070),
    ("44143", "Rezé", "44", "244400404", "44400", 43251),
]


@dataclass(frozen=True)
class DemoOrganization:
    key: str
    name: str
    abbreviation: str
    type_uid: str
    area_type: str
    code: str | None  # territory code for the location and the intervention area; None for the nation


ORGANIZATIONS = [
    DemoOrganization(
        "dihal",
        "Délégation interministérielle à l'hébergement et à l'accès au logement",
        "DIHAL",
        "delegation_interministerielle",
        "nation",
        None,
    ),
    DemoOrganization("anah", "Agence nationale de l'habitat", "Anah", "agence_nationale", "nation", None),
    DemoOrganization("pref33", "Préfecture de la Gironde", "", "prefecture_departement", "departement", "33"),
    DemoOrganization("ddets33", "DDETS de la Gironde", "DDETS 33", "ddets", "departement", "33"),
    DemoOrganization("bordeaux", "Commune de Bordeaux", "", "commune", "commune", "33063"),
    DemoOrganization("ars-na", "ARS Nouvelle-Aquitaine", "ARS NA", "ars", "region", "75"),
    DemoOrganization("intervenants33", "Médiation sanitaire en Gironde", "", "intervenant", "departement", "33"),
    DemoOrganization("pref31", "Préfecture de la Haute-Garonne", "", "prefecture_departement", "departement", "31"),
    DemoOrganization("ddets31", "DDETS de la Haute-Garonne", "DDETS 31", "ddets", "departement", "31"),
    DemoOrganization(
        "asso31", "Association Habitat et Insertion Toulousaine", "AHIT", "association", "departement", "31"
    ),
    DemoOrganization(
        "gendarmerie31",
        "Groupement de gendarmerie départementale de la Haute-Garonne",
        "",
        "gendarmerie",
        "departement",
        "31",
    ),
    DemoOrganization("pref44", "Préfecture de la Loire-Atlantique", "", "prefecture_departement", "departement", "44"),
    DemoOrganization("ddets44", "DDETS de la Loire-Atlantique", "DDETS 44", "ddets", "departement", "44"),
    DemoOrganization("asso44", "Collectif Accompagnement Nantes Sud", "CANS", "association", "commune", "44109"),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    position: str
    organization: str
    role: str
    admin_role: str = ""
    options: tuple[str, ...] = ()


USERS = [
    DemoUser(
        "national-admin@demo.test",
        "Nadia",
        "Benali",
        "Cheffe de projet",
        "dihal",
        "national_establisment",
        "national_admin",
    ),
    DemoUser(
        "local-admin-33@demo.test",
        "Louis",
        "Arnaud",
        "Chargé de mission résorption des bidonvilles",
        "pref33",
        "direct_collaborator",
        "local_admin",
    ),
    DemoUser(
        "correspondant-33@demo.test",
        "Claire",
        "Dubois",
        "Coordinatrice départementale",
        "ddets33",
        "direct_collaborator",
    ),
    DemoUser(
        "partenaire-33@demo.test", "Paul", "Lefèvre", "Directeur de la cohésion sociale", "bordeaux", "collaborator"
    ),
    DemoUser(
        "operateur-31@demo.test",
        "Inès",
        "Moreau",
        "Travailleuse sociale",
        "asso31",
        "association",
        options=("create_shantytown",),
    ),
    DemoUser("intervenant-33@demo.test", "Hugo", "Garcia", "Médiateur en santé", "intervenants33", "intervener"),
    DemoUser(
        "observateur-31@demo.test", "Élise", "Roux", "Officière de liaison", "gendarmerie31", "external_observator"
    ),
    DemoUser(
        "acteur-national@demo.test",
        "Antoine",
        "Petit",
        "Chargé de mission habitat indigne",
        "anah",
        "national_establisment",
    ),
]

CHARTER_BODY = """\
En utilisant Résorption-bidonvilles, je m'engage à :

- utiliser la plateforme uniquement dans le cadre de mes missions de résorption des bidonvilles et des squats ;
- ne saisir aucune donnée personnelle sur les habitants : ni nom, ni prénom, ni origine ethnique, ni condamnation ;
- rédiger des messages neutres et factuels dans le journal des sites ;
- garder confidentielles les informations auxquelles j'ai accès et ne pas partager mes identifiants ;
- signaler à l'administrateur de mon territoire toute erreur ou tout usage contraire à cette charte.
"""
