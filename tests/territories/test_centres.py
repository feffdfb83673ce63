import json
from pathlib import Path

from resorption.territories.centres import DEPARTEMENT_CENTRES, REGION_CENTRES
from resorption.territories.enums import OVERSEAS_REGION_CODES

DATA_DIR = Path(__file__).resolve().parents[2] / "node_modules/@etalab/decoupage-administratif/data"


def read(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def test_every_region_and_departement_of_the_data_set_has_a_centre():
    regions = {row["code"] for row in read("regions.json") if row["zone"] != "com"}
    departements = {row["code"] for row in read("departements.json") if row["zone"] != "com"}
    assert set(REGION_CENTRES) == regions
    assert set(DEPARTEMENT_CENTRES) == departements


def test_each_region_is_centred_on_the_departement_of_its_chef_lieu():
    departement_of_commune = {
        row["code"]: row["departement"] for row in read("communes.json") if row["type"] == "commune-actuelle"
    }
    for region in read("regions.json"):
        if region["zone"] != "com":
            chef_lieu_departement = departement_of_commune[region["chefLieu"]]
            assert REGION_CENTRES[region["code"]] == DEPARTEMENT_CENTRES[chef_lieu_departement], region["nom"]


def test_metropolitan_centres_lie_in_metropolitan_france_and_overseas_ones_outside():
    departement_region = {row["code"]: row["region"] for row in read("departements.json")}
    for code, (latitude, longitude) in DEPARTEMENT_CENTRES.items():
        in_metropole = 41.3 < latitude < 51.1 and -5.2 < longitude < 9.6
        assert in_metropole == (departement_region[code] not in OVERSEAS_REGION_CODES), code


def test_corsica_centres_lie_on_the_island():
    for code in ("2A", "2B"):
        latitude, longitude = DEPARTEMENT_CENTRES[code]
        assert 41.3 < latitude < 43.1 and 8.5 < longitude < 9.6, code
