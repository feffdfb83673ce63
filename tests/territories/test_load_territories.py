import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from resorption.territories.centres import DEPARTEMENT_CENTRES, REGION_CENTRES
from resorption.territories.models import Commune, Departement, Epci, Region

pytestmark = pytest.mark.django_db

REAL_DATA_DIR = Path(__file__).resolve().parents[2] / "node_modules/@etalab/decoupage-administratif/data"


def load(data_dir) -> str:
    out = StringIO()
    call_command("load_territories", data_dir=data_dir, stdout=out)
    return out.getvalue()


def commune(code, name, departement, region, *, kind="commune-actuelle", zone="metro", postal_codes=(), **extra):
    return {
        "code": code,
        "nom": name,
        "type": kind,
        "zone": zone,
        "departement": departement,
        "region": region,
        "codesPostaux": list(postal_codes),
        **extra,
    }


def epci(code, name, members, kind="CA"):
    return {"code": code, "nom": name, "type": kind, "membres": [{"code": member} for member in members]}


@pytest.fixture
def data_set():
    """A few rows shaped like the Etalab files, each standing for a case the loader must handle."""
    return {
        "regions.json": [
            {"code": "75", "nom": "Nouvelle-Aquitaine", "zone": "metro"},
            {"code": "93", "nom": "Provence-Alpes-Côte d'Azur", "zone": "metro"},
            {"code": "04", "nom": "La Réunion", "zone": "drom"},
            {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "zone": "com"},
        ],
        "departements.json": [
            {"code": "24", "nom": "Dordogne", "region": "75", "zone": "metro"},
            {"code": "33", "nom": "Gironde", "region": "75", "zone": "metro"},
            {"code": "13", "nom": "Bouches-du-Rhône", "region": "93", "zone": "metro"},
            {"code": "974", "nom": "La Réunion", "region": "04", "zone": "drom"},
            {"code": "975", "nom": "Saint-Pierre-et-Miquelon", "region": "975", "zone": "com"},
        ],
        "epci.json": [
            epci("243300316", "Bordeaux Métropole", ["33063", "33449"], kind="METRO"),
            epci("200040798", "CA du Libournais et du Bergeracois", ["33243", "24037"]),
            epci("200054807", "Métropole d'Aix-Marseille-Provence", ["13055"], kind="METRO"),
        ],
        "communes.json": [
            commune("33063", "Bordeaux", "33", "75", postal_codes=["33000", "33100", "33800"], population=267991),
            commune("33449", "Saint-Médard-en-Jalles", "33", "75", postal_codes=["33160"], population=32910),
            commune("33243", "Libourne", "33", "75", postal_codes=["33500"], population=24000),
            commune("24037", "Bergerac", "24", "75", postal_codes=["24100"], population=26000),
            commune("24999", "Commune sans EPCI", "24", "75"),
            commune("24998", "Ancienne commune", "24", "75", kind="commune-deleguee", chefLieu="24037"),
            commune("24997", "Hameau associé", "24", "75", kind="commune-associee", chefLieu="24037"),
            commune("13055", "Marseille", "13", "93", postal_codes=["13001", "13002"], population=870000),
            commune(
                "13201",
                "Marseille 1er Arrondissement",
                "13",
                "93",
                kind="arrondissement-municipal",
                commune="13055",
                postal_codes=["13001"],
                population=37599,
            ),
            commune("97411", "Saint-Denis", "974", "04", zone="drom", postal_codes=["97400"], population=153001),
            commune("97502", "Saint-Pierre", "975", "975", zone="com", postal_codes=["97500"], population=5194),
        ],
    }


def write(directory, data_set):
    directory.mkdir(exist_ok=True)
    for name, rows in data_set.items():
        (directory / name).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return directory


@pytest.fixture
def data_dir(tmp_path, data_set):
    return write(tmp_path / "data", data_set)


def test_loads_regions_departements_epci_and_communes(data_dir):
    output = load(data_dir)

    assert sorted(Region.objects.values_list("code", flat=True)) == ["04", "75", "93"]
    assert sorted(Departement.objects.values_list("code", flat=True)) == ["13", "24", "33", "974"]
    assert Departement.objects.get(code="33").region_id == "75"
    assert sorted(Epci.objects.values_list("code", flat=True)) == ["200040798", "200054807", "243300316"]
    assert Epci.objects.get(code="243300316").kind == "METRO"
    assert output.strip() == (
        "Territoires chargés : 3 régions, 4 départements, 3 EPCI, 8 communes dont 1 arrondissements municipaux "
        "— 18 créés, 0 mis à jour, 0 absents du jeu de données conservés."
    )


def test_skips_collectivites_d_outre_mer(data_dir):
    load(data_dir)
    assert not Region.objects.filter(code="975").exists()
    assert not Departement.objects.filter(code="975").exists()
    assert not Commune.objects.filter(code="97502").exists()


def test_skips_communes_deleguees_and_associees(data_dir):
    load(data_dir)
    assert not Commune.objects.filter(code__in=["24998", "24997"]).exists()


def test_communes_get_departement_epci_postal_codes_population_and_search_name(data_dir):
    load(data_dir)
    bordeaux = Commune.objects.get(code="33063")
    assert bordeaux.name == "Bordeaux"
    assert bordeaux.departement_id == "33"
    assert bordeaux.epci_id == "243300316"
    assert bordeaux.postal_codes == "33000 33100 33800"
    assert bordeaux.population == 267991
    assert bordeaux.main_id is None
    assert Commune.objects.get(code="33449").search_name == "saint medard en jalles"
    outside_any_epci = Commune.objects.get(code="24999")
    assert (outside_any_epci.epci_id, outside_any_epci.postal_codes, outside_any_epci.population) == (None, "", None)


def test_arrondissement_points_to_its_commune_and_takes_its_epci(data_dir):
    load(data_dir)
    arrondissement = Commune.objects.get(code="13201")
    assert arrondissement.main_id == "13055"
    assert arrondissement.epci_id == "200054807"
    assert arrondissement.postal_codes == "13001"


def test_epci_lies_in_the_departements_of_its_members(data_dir):
    load(data_dir)
    assert list(Epci.objects.get(code="243300316").departements.values_list("code", flat=True)) == ["33"]
    assert list(Epci.objects.get(code="200040798").departements.values_list("code", flat=True)) == ["24", "33"]


def test_regions_and_departements_get_their_centre(data_dir):
    load(data_dir)
    assert Region.objects.values_list("latitude", "longitude").get(code="04") == REGION_CENTRES["04"]
    assert Departement.objects.values_list("latitude", "longitude").get(code="33") == DEPARTEMENT_CENTRES["33"]


def test_second_run_changes_nothing(data_dir):
    load(data_dir)
    before = {
        model: list(model.objects.values_list())
        for model in (Region, Departement, Epci, Commune, Epci.departements.through)
    }

    output = load(data_dir)

    assert "0 créés, 0 mis à jour" in output
    for model, rows in before.items():
        assert list(model.objects.values_list()) == rows


def test_rerun_follows_renames_and_membership_changes(tmp_path, data_set, data_dir):
    load(data_dir)
    data_set["communes.json"][0]["nom"] = "Bordeaux-sur-Garonne"
    data_set["communes.json"][0]["codesPostaux"] = ["33000"]
    # Libourne leaves the EPCI, which now lies in Dordogne only.
    data_set["epci.json"][1]["membres"] = [{"code": "24037"}]

    output = load(write(tmp_path / "data", data_set))

    bordeaux = Commune.objects.get(code="33063")
    assert (bordeaux.name, bordeaux.search_name, bordeaux.postal_codes) == (
        "Bordeaux-sur-Garonne",
        "bordeaux sur garonne",
        "33000",
    )
    assert Commune.objects.get(code="33243").epci_id is None
    assert list(Epci.objects.get(code="200040798").departements.values_list("code", flat=True)) == ["24"]
    assert Commune.objects.count() == 8
    # Bordeaux, Libourne and the EPCI whose départements changed.
    assert "0 créés, 3 mis à jour" in output


def test_territories_gone_from_the_data_set_are_kept_and_counted(tmp_path, data_set, data_dir):
    load(data_dir)
    data_set["communes.json"] = [row for row in data_set["communes.json"] if row["code"] != "24999"]

    output = load(write(tmp_path / "data", data_set))

    assert Commune.objects.filter(code="24999").exists()
    assert "1 absents du jeu de données conservés" in output


def test_reads_the_data_dir_from_the_setting(settings, data_dir):
    settings.TERRITORIES_DATA_DIR = data_dir
    call_command("load_territories", stdout=StringIO())
    assert Commune.objects.filter(code="33063").exists()


def test_missing_data_dir_tells_to_install_the_data_set(settings, tmp_path):
    settings.TERRITORIES_DATA_DIR = tmp_path / "absent"
    with pytest.raises(CommandError, match="npm ci") as error:
        call_command("load_territories", stdout=StringIO())
    assert str(tmp_path / "absent") in str(error.value)
    assert not Region.objects.exists()


def test_missing_file_tells_to_install_the_data_set(data_dir):
    (data_dir / "epci.json").unlink()
    with pytest.raises(CommandError, match="epci.json.*npm ci"):
        load(data_dir)
    assert not Region.objects.exists()


def test_unreadable_file_is_a_command_error(data_dir):
    (data_dir / "communes.json").write_text("[{", encoding="utf-8")
    with pytest.raises(CommandError, match="communes.json"):
        load(data_dir)


def test_real_data_set():
    """The Etalab data set installed by npm loads whole, consistent, and a second time without changes."""
    output = load(REAL_DATA_DIR)

    assert Region.objects.count() == 18
    assert Departement.objects.count() == 101
    assert Epci.objects.count() > 1200
    assert Commune.objects.count() >= 34_000
    assert Region.objects.overseas().count() == 5
    assert Departement.objects.overseas().count() == 5
    assert not Region.objects.filter(latitude__isnull=True).exists()
    assert not Departement.objects.filter(latitude__isnull=True).exists()

    arrondissements = Commune.objects.filter(main__isnull=False)
    assert arrondissements.count() == 45
    assert set(arrondissements.values_list("main_id", flat=True)) == {"75056", "69123", "13055"}
    bordeaux = Commune.objects.select_related("epci", "departement").get(code="33063")
    assert (bordeaux.epci_id, bordeaux.epci.name) == ("243300316", "Bordeaux Métropole")
    assert bordeaux.departement.region_id == "75"
    assert "33000" in bordeaux.postal_code_list
    assert Commune.objects.search("saint medard").filter(code="33449").exists()
    assert "45 arrondissements municipaux" in output

    counts = [model.objects.count() for model in (Region, Departement, Epci, Commune, Epci.departements.through)]
    Commune.objects.filter(code="33063").update(name="Bordeaux-Ancien", search_name="bordeaux ancien")

    output = load(REAL_DATA_DIR)

    assert [
        model.objects.count() for model in (Region, Departement, Epci, Commune, Epci.departements.through)
    ] == counts
    assert Commune.objects.values_list("name", "search_name").get(code="33063") == ("Bordeaux", "bordeaux")
    assert "0 créés, 1 mis à jour" in output
