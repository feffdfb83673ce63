"""Loads or refreshes régions, départements, EPCI and communes from the Etalab data set
`@etalab/decoupage-administratif`.

Idempotent: each run writes only the rows that differ from the data set, so a second run changes nothing and a renamed
commune takes its new name. Territories that left the data set (a commune merged into a commune nouvelle, a dissolved
EPCI) are kept and counted, never deleted: sites, organisations and intervention areas reference them with PROTECT,
and retiring one is a decision for a person, not for a loader.
"""

import json
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from resorption.core.text import normalize_search
from resorption.territories.centres import DEPARTEMENT_CENTRES, REGION_CENTRES
from resorption.territories.models import Commune, Departement, Epci, Region
from resorption.territories.signals import territories_loaded

# Where `npm ci` installs the data set, relative to the project root (the TERRITORIES_DATA_DIR setting overrides it).
DEFAULT_DATA_DIR = Path("node_modules/@etalab/decoupage-administratif/data")
DATA_FILES = ("regions.json", "departements.json", "epci.json", "communes.json")

# The collectivités d'outre-mer (zone "com": Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin,
# Wallis-et-Futuna, Polynésie française, Nouvelle-Calédonie, TAAF, Clipperton: 8 of the 26 "régions", 8 of the 109
# "départements", 94 communes) are left out. The platform covers the 101 départements: its overseas territories are the
# five DROM régions of reference §A.1, and leaving the COM out keeps "métropole" equal to "every région that is not
# overseas".
EXCLUDED_ZONE = "com"
# Communes déléguées and associées are parts of a commune nouvelle, not communes in their own right: sites are located
# in the commune they belong to. Arrondissements municipaux (Paris, Lyon, Marseille) are kept, pointing to their
# commune.
LOADED_COMMUNE_TYPES = ("commune-actuelle", "arrondissement-municipal")
ARRONDISSEMENT = "arrondissement-municipal"
BATCH_SIZE = 2000


class Command(BaseCommand):
    help = (
        "Charge ou met à jour les régions, départements, EPCI et communes depuis le jeu de données Etalab "
        "« découpage administratif » installé par npm."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            help="Dossier contenant regions.json, departements.json, epci.json et communes.json "
            "(par défaut : réglage TERRITORIES_DATA_DIR).",
        )

    def handle(self, *args, data_dir=None, **options):
        data_dir = data_dir or Path(
            getattr(settings, "TERRITORIES_DATA_DIR", Path(settings.BASE_DIR) / DEFAULT_DATA_DIR)
        )
        data = read_data_set(data_dir)
        with transaction.atomic():
            report = load(data)
            if report.created or report.updated:
                territories_loaded.send(sender=self.__class__, changed=report.created + report.updated)
        self.stdout.write(report.summary())


def read_data_set(data_dir: Path) -> dict[str, list[dict]]:
    if not data_dir.is_dir():
        raise CommandError(
            f"Le dossier des données territoriales {data_dir} n'existe pas. "
            "Installez le jeu de données Etalab avec « npm ci » à la racine du projet, ou indiquez --data-dir."
        )
    data = {}
    for name in DATA_FILES:
        path = data_dir / name
        try:
            data[name] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"Fichier {path} manquant : relancez « npm ci » à la racine du projet.") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"Fichier {path} illisible : {error}.") from None
    return data


class Report:
    def __init__(self):
        self.totals: dict[str, int] = {}
        self.created = 0
        self.updated = 0
        self.stale = 0
        self.arrondissements = 0

    def summary(self) -> str:
        return (
            f"Territoires chargés : {self.totals['region']} régions, {self.totals['departement']} départements, "
            f"{self.totals['epci']} EPCI, {self.totals['commune']} communes dont {self.arrondissements} "
            f"arrondissements municipaux — {self.created} créés, {self.updated} mis à jour, "
            f"{self.stale} absents du jeu de données conservés."
        )


def load(data: dict[str, list[dict]]) -> Report:
    report = Report()
    regions = {row["code"]: row for row in data["regions.json"] if row["zone"] != EXCLUDED_ZONE}
    departements = {row["code"]: row for row in data["departements.json"] if row["zone"] != EXCLUDED_ZONE}
    communes = {
        row["code"]: row
        for row in data["communes.json"]
        if row["zone"] != EXCLUDED_ZONE and row["type"] in LOADED_COMMUNE_TYPES
    }
    epcis = {row["code"]: row for row in data["epci.json"]}

    sync(
        Region,
        {
            code: {
                "name": row["nom"],
                "latitude": REGION_CENTRES.get(code, (None, None))[0],
                "longitude": REGION_CENTRES.get(code, (None, None))[1],
            }
            for code, row in regions.items()
        },
        report,
    )
    sync(
        Departement,
        {
            code: {
                "name": row["nom"],
                "region_id": row["region"],
                "latitude": DEPARTEMENT_CENTRES.get(code, (None, None))[0],
                "longitude": DEPARTEMENT_CENTRES.get(code, (None, None))[1],
            }
            for code, row in departements.items()
        },
        report,
    )

    epci_of_commune = {member["code"]: code for code, row in epcis.items() for member in row["membres"]}
    epci_codes = sync(Epci, {code: {"name": row["nom"], "kind": row["type"]} for code, row in epcis.items()}, report)
    # An EPCI lies in the départements of its member communes; a few span two départements or more.
    epci_departements = {
        (code, communes[member["code"]]["departement"])
        for code, row in epcis.items()
        for member in row["membres"]
        if member["code"] in communes
    }
    report.updated += len(sync_epci_departements(epci_departements, set(epcis)) - epci_codes)

    rows = {}
    # Main communes first, so that each arrondissement's commune is written before it.
    for code, row in sorted(communes.items(), key=lambda item: item[1]["type"] == ARRONDISSEMENT):
        main = row.get("commune") if row["type"] == ARRONDISSEMENT else None
        rows[code] = {
            "name": row["nom"],
            "departement_id": row["departement"],
            # Arrondissements belong to no EPCI in the data set: they take their commune's, so that an EPCI-wide
            # search or permission also covers them.
            "epci_id": epci_of_commune.get(main or code),
            "main_id": main,
            "postal_codes": " ".join(row.get("codesPostaux", [])),
            "population": row.get("population"),
        }
    sync(Commune, rows, report)
    report.arrondissements = sum(1 for row in communes.values() if row["type"] == ARRONDISSEMENT)
    return report


def sync(model: type[models.Model], rows: dict[str, dict], report: Report) -> set[str]:
    """Creates or updates the rows that differ from the database; returns the codes written.

    `rows` maps each code to its column values (attnames for foreign keys); `search_name` is derived here because
    bulk_create bypasses `save()`.
    """
    report.totals[model.level] = len(rows)
    columns = ["search_name", *next(iter(rows.values()), {})]
    existing = {code: values for code, *values in model.objects.values_list("code", *columns)}
    report.stale += len(existing.keys() - rows.keys())
    to_write = []
    for code, values in rows.items():
        wanted = [normalize_search(values["name"]), *values.values()]
        if existing.get(code) != wanted:
            to_write.append(model(code=code, **dict(zip(columns, wanted, strict=True))))
    model.objects.bulk_create(
        to_write, update_conflicts=True, unique_fields=["code"], update_fields=columns, batch_size=BATCH_SIZE
    )
    written = {instance.code for instance in to_write}
    created = written - existing.keys()
    report.created += len(created)
    report.updated += len(written) - len(created)
    return written


def sync_epci_departements(pairs: set[tuple[str, str]], epci_codes: set[str]) -> set[str]:
    """Makes the EPCI ↔ département links of the data set's EPCI equal to `pairs`.

    Returns the codes of the EPCI whose links changed.
    """
    through = Epci.departements.through
    existing = defaultdict(dict)
    for link_id, epci_id, departement_id in through.objects.values_list("id", "epci_id", "departement_id"):
        existing[epci_id][departement_id] = link_id
    current = {(epci, departement) for epci, links in existing.items() for departement in links}
    missing = pairs - current
    # Links of EPCI that left the data set stay, like the EPCI themselves.
    extra = {(epci, departement) for epci, departement in current - pairs if epci in epci_codes}
    through.objects.filter(id__in=[existing[epci][departement] for epci, departement in extra]).delete()
    through.objects.bulk_create(
        [through(epci_id=epci, departement_id=departement) for epci, departement in missing], batch_size=BATCH_SIZE
    )
    return {epci for epci, _ in missing | extra}
