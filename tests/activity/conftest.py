"""The people and places of the activity feed tests.

Gironde (33, Nouvelle-Aquitaine): Bordeaux in Bordeaux Métropole, Libourne outside it; Haute-Garonne (31, Occitanie):
Toulouse; La Réunion (974, overseas): Saint-Denis. One open site in each commune. People are in Gironde unless their
name says otherwise, each in his own organisation.
"""

import datetime
from types import SimpleNamespace

import pytest

from resorption.accounts.enums import AdminRole, Option, Role
from resorption.accounts.services.activation import access_link_send, user_activate
from resorption.actions.journal import action_entry_post
from resorption.journal.enums import Audience
from resorption.journal.services import journal_entry_post
from resorption.settlements.enums import ClosingCause, FieldType, OwnerType
from resorption.settlements.services import site_close, site_declare, site_update
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.actions.factories import ActionFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

PASSWORD = "Nouveau-mot-de-passe-2026"
# What the confidential changes of the scenario write: none of it may reach someone outside their audience.
BAILIFF = "Étude Huissiers de la Garonne"
OWNER_NAME = "SCI des Berges"
TARGETED_BODY = "Réunion de coordination réservée à la préfecture."
DELETED_BODY = "Message publié par erreur, supprimé."
TARGETED_ACTION_BODY = "Point budgétaire réservé au pilote."


@pytest.fixture
def places(db):
    return make_places()


@pytest.fixture
def people(places):
    return make_people(places)


@pytest.fixture
def sites(places):
    return make_sites(places)


@pytest.fixture
def scenario(places, people, sites):
    return make_scenario(places, people, sites)


def make_places() -> SimpleNamespace:
    gironde = DepartementFactory()
    metropole = EpciFactory(departements=[gironde])
    haute_garonne = DepartementFactory(
        code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie")
    )
    return SimpleNamespace(
        gironde=gironde,
        metropole=metropole,
        haute_garonne=haute_garonne,
        bordeaux=CommuneFactory(epci=metropole),
        libourne=CommuneFactory(code="33243", name="Libourne", postal_codes="33500"),
        toulouse=CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne, postal_codes="31000"),
        saint_denis=CommuneFactory(overseas=True),
    )


def make_people(places) -> SimpleNamespace:
    def person(last_name, **kwargs):
        kwargs.setdefault("organization", OrganizationFactory(name=f"Structure {last_name}"))
        return UserFactory(first_name="Camille", last_name=last_name, **kwargs)

    toulouse_organization = OrganizationFactory(name="Structure Toulousaine", departement=places.haute_garonne)
    return SimpleNamespace(
        national_admin=person("Nationale", admin_role=AdminRole.NATIONAL_ADMIN, role=Role.DIRECT_COLLABORATOR),
        # Reads every site and justice nationally; owners and targeted messages in Gironde.
        correspondent=person("Correspondante", role=Role.DIRECT_COLLABORATOR),
        # Reads the sites and journals of Gironde: no justice, no owners, only the targeted messages addressed to him.
        operator=person("Operateur", role=Role.ASSOCIATION),
        # The same, with the option « Accéder aux procédures judiciaires »: justice but no owners.
        justice_reader=person("Juriste", role=Role.ASSOCIATION, options=[Option.ACCESS_JUSTICE]),
        # Targeted by the scenario's messages.
        target=person("Destinataire", role=Role.ASSOCIATION),
        author=person("Autrice", role=Role.ASSOCIATION),
        toulouse_operator=person("Toulousain", role=Role.ASSOCIATION, organization=toulouse_organization),
        local_admin=person("Admin", role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN),
    )


def make_sites(places) -> SimpleNamespace:
    return SimpleNamespace(
        bordeaux=SiteFactory(commune=places.bordeaux, address="1 quai de Brazza 33100 Bordeaux"),
        libourne=SiteFactory(commune=places.libourne, address="2 rue du Port 33500 Libourne"),
        toulouse=SiteFactory(commune=places.toulouse, address="3 chemin du Ramier 31400 Toulouse"),
        reunion=SiteFactory(commune=places.saint_denis, address="4 rue de Paris 97400 Saint-Denis"),
    )


def update(user, site, **values):
    """`site_update` of the site's current version; `owners=` gives its whole list of owners."""
    site.refresh_from_db()
    owners = values.pop("owners", None)
    return site_update(user=user, site_id=site.pk, expected_version=site.version, values=values, owners=owners)


def declare(user, commune, address):
    return site_declare(
        user=user,
        values={
            "address": address,
            "commune": commune,
            "latitude": 44.84,
            "longitude": -0.58,
            "built_at": datetime.date(2025, 1, 2),
            "declared_at": datetime.date(2025, 1, 15),
            "field_type": FieldType.LAND,
            "population_total": 20,
        },
    )


def close(user, site):
    site.refresh_from_db()
    return site_close(
        user=user,
        site_id=site.pk,
        expected_version=site.version,
        closed_at=datetime.date(2025, 6, 30),
        closing_cause=ClosingCause.RESORBED,
        closed_with_solutions=True,
        orientations=[],
    )


def activate(person, *, admin):
    access = access_link_send(user=person, sent_by=admin)
    return user_activate(token=access.token, password=PASSWORD, accept_charter=True)


def make_scenario(places, people, sites) -> SimpleNamespace:
    """One event of each kind and each audience, in this order (the newest last):

    - the correspondent declares a site in Bordeaux, and one in Toulouse;
    - he updates the Bordeaux site's population (open data), then the owner's complaint alone (justice), then its
      owners alone, then the population and the bailiff (justice) together, then the population and the owners
      together;
    - the author posts a public message on the Bordeaux site, a message targeted to `target`, and a message she then
      deletes; a public message on the Toulouse site by the Toulouse operator;
    - a pilot posts a public message and one targeted to himself in the journal of an action of Gironde;
    - a person of Gironde activates her account;
    - the correspondent closes the Libourne site.
    """
    correspondent, author = people.correspondent, people.author
    bordeaux = declare(correspondent, places.bordeaux, "10 rue des Étangs 33000 Bordeaux")
    toulouse = declare(people.national_admin, places.toulouse, "20 avenue de Muret 31300 Toulouse")
    update(correspondent, bordeaux, population_total=35)
    update(correspondent, bordeaux, owner_complaint=True)
    update(correspondent, bordeaux, owners=[{"name": "Commune de Bordeaux", "owner_type": OwnerType.PUBLIC}])
    update(correspondent, bordeaux, population_total=36, bailiff=BAILIFF)
    owner = bordeaux.owners.get()
    update(
        correspondent,
        bordeaux,
        population_total=37,
        owners=[
            {"id": owner.pk, "name": owner.name, "owner_type": owner.owner_type},
            {"name": OWNER_NAME, "owner_type": OwnerType.PRIVATE},
        ],
    )
    public = journal_entry_post(user=author, site_id=bordeaux.pk, body="Passage de l'équipe ce matin.")
    targeted = journal_entry_post(
        user=author,
        site_id=bordeaux.pk,
        body=TARGETED_BODY,
        audience=Audience.CUSTOM,
        target_user_ids=[people.target.pk],
    )
    deleted = journal_entry_post(user=author, site_id=bordeaux.pk, body=DELETED_BODY)
    deleted.deleted_at = deleted.created_at
    deleted.save(update_fields=["deleted_at"])
    far = journal_entry_post(user=people.toulouse_operator, site_id=toulouse.pk, body="Distribution d'eau à Toulouse.")
    pilot = UserFactory(first_name="Pierre", last_name="Pilote")
    action = ActionFactory(departement=places.gironde, managers=[pilot], operators=[pilot])
    action_public = action_entry_post(user=pilot, action_id=action.pk, body="Lancement de l'action.")
    action_targeted = action_entry_post(
        user=pilot,
        action_id=action.pk,
        body=TARGETED_ACTION_BODY,
        audience=Audience.CUSTOM,
        target_user_ids=[pilot.pk],
    )
    newcomer = UserFactory(
        new=True,
        first_name="Nina",
        last_name="Nouvelle",
        organization=OrganizationFactory(name="Association Nouvelle"),
    )
    activate(newcomer, admin=people.local_admin)
    closed = close(correspondent, sites.libourne)
    return SimpleNamespace(
        bordeaux=bordeaux,
        toulouse=toulouse,
        public=public,
        targeted=targeted,
        deleted=deleted,
        far=far,
        pilot=pilot,
        action=action,
        action_public=action_public,
        action_targeted=action_targeted,
        newcomer=newcomer,
        closed=closed,
    )
