"""Demo actions for `make run` (issue 10, item 10): a few realistic actions in the Gironde, the Haute-Garonne and the
Loire-Atlantique — on site, in an ETI, in housing —, one with finances over two years, so that each demo account sees
the list, an action page, its finances (or not), its indicators and its history.

Names, amounts and goals are fictional. Every action is written through the services by a demo account that may
create it, so that its history shows an author. Each is keyed by its name and département: loading twice creates
nothing new.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from resorption.accounts.models import User
from resorption.actions.enums import FinanceType, LocationType, Topic
from resorption.actions.journal import action_entry_post
from resorption.actions.models import Action
from resorption.actions.services import action_create, action_finances_update, action_metrics_update
from resorption.settlements.models import Site
from resorption.territories.models import Commune, Departement


@dataclass(frozen=True)
class DemoAction:
    departement: str
    name: str
    author: str  # email of a demo account that may create it (resorption.demo.data)
    managers: tuple[str, ...]
    operators: tuple[str, ...]
    topics: tuple[Topic, ...]
    goals: str
    started_at: datetime.date
    location_type: LocationType
    ended_at: datetime.date | None = None
    site_addresses: tuple[str, ...] = ()
    eti: tuple[str, str, float, float] | None = None  # address, commune code, latitude, longitude
    other_place: str = ""
    # (year, finance type, amount, executed, comment), entered by the first pilot
    finances: tuple[tuple[int, FinanceType, str, str, str], ...] = field(default=())
    # year → indicators (§E.2), entered by the first operator
    metrics: dict[int, dict[str, int]] = field(default_factory=dict)
    # (author's email, text) of the messages of its journal, oldest first, for every reader of the action
    messages: tuple[tuple[str, str], ...] = ()


ACTIONS = [
    DemoAction(
        "33",
        "Accompagnement global des familles de la Souys et de Lissandre",
        author="local-admin-33@demo.test",
        managers=("local-admin-33@demo.test",),
        operators=("intervenant-33@demo.test", "partenaire-33@demo.test"),
        topics=(Topic.HEALTH, Topic.SCHOOL, Topic.HOUSING),
        goals=(
            "Accompagner chaque ménage vers l'ouverture de ses droits, la scolarisation des enfants et une solution "
            "de logement adaptée avant la fin de l'année 2026."
        ),
        started_at=datetime.date(2025, 1, 6),
        location_type=LocationType.SUR_SITE,
        site_addresses=("14 quai de la Souys 33100 Bordeaux", "3 chemin de Lissandre 33800 Bordeaux"),
        finances=(
            (2025, FinanceType.DEDIE, "85000", "79500", "Crédits de résorption versés en deux fois"),
            (2025, FinanceType.COLLECTIVITE, "20000", "20000", "Participation de la commune de Bordeaux"),
            (2026, FinanceType.DEDIE, "90000", "31000", ""),
            (2026, FinanceType.EUROPEEN, "15000", "0", "FSE+ demandé, en attente de réponse"),
        ),
        metrics={
            2025: {
                "nombre_personnes": 62,
                "nombre_menages": 18,
                "nombre_femmes": 30,
                "nombre_mineurs": 24,
                "sante_nombre_personnes": 41,
                "hebergement_nombre_personnes": 12,
                "hebergement_nombre_menages": 4,
                "logement_nombre_personnes": 8,
                "logement_nombre_menages": 2,
                "scolaire_mineurs_moins_de_trois_ans": 5,
                "scolaire_mineurs_trois_ans_et_plus": 19,
                "scolaire_mediation_trois_ans_et_plus": 15,
                "scolaire_mineur_scolarise_dans_annee": 4,
                "scolaire_nombre_maternelle": 4,
                "scolaire_nombre_elementaire": 8,
                "scolaire_nombre_college": 3,
                "scolaire_nombre_lycee": 1,
            }
        },
        messages=(
            (
                "intervenant-33@demo.test",
                "Permanence d'ouverture des droits mardi : 9 ménages reçus, 4 dossiers de domiciliation déposés.",
            ),
            (
                "local-admin-33@demo.test",
                "Comité de suivi le 15 janvier en préfecture : merci d'apporter les indicateurs de l'année.",
            ),
        ),
    ),
    DemoAction(
        "33",
        "Espace temporaire d'accompagnement de Mérignac",
        author="correspondant-33@demo.test",
        managers=("correspondant-33@demo.test",),
        operators=("intervenant-33@demo.test",),
        topics=(Topic.HOUSING, Topic.WORK),
        goals="Héberger douze ménages le temps de construire avec eux un projet de logement et d'emploi.",
        started_at=datetime.date(2024, 5, 1),
        ended_at=datetime.date(2025, 12, 31),
        location_type=LocationType.ETI,
        eti=("22 avenue de l'Argonne", "33281", 44.8386, -0.6436),
    ),
    DemoAction(
        "31",
        "Médiation scolaire au Ramier",
        author="operateur-31@demo.test",
        managers=("operateur-31@demo.test",),
        operators=("operateur-31@demo.test",),
        topics=(Topic.SCHOOL,),
        goals="Inscrire et accompagner à l'école tous les enfants de 3 à 16 ans du site.",
        started_at=datetime.date(2025, 9, 1),
        location_type=LocationType.SUR_SITE,
        site_addresses=("40 chemin du Ramier Bas 31400 Toulouse",),
    ),
    DemoAction(
        "44",
        "Accès au logement des familles de la Prairie Haute",
        author="national-admin@demo.test",
        managers=("national-admin@demo.test",),
        operators=("acteur-national@demo.test",),
        topics=(Topic.HOUSING,),
        goals="Reloger les familles volontaires dans le parc social de la métropole avec un accompagnement renforcé.",
        started_at=datetime.date(2026, 2, 1),
        location_type=LocationType.LOGEMENT,
    ),
]


def load_demo_actions() -> int:
    """Create the demo actions that do not exist yet; return how many were made. Actions whose accounts, sites or
    territories are missing (a partial demo world) are skipped."""
    emails = {spec.author for spec in ACTIONS}
    for spec in ACTIONS:
        emails |= {*spec.managers, *spec.operators, *(email for email, _ in spec.messages)}
    users = {user.email: user for user in User.objects.filter(email__in=emails).select_related("organization")}
    created = 0
    for spec in ACTIONS:
        if Action.objects.filter(name=spec.name, departement_id=spec.departement).exists():
            continue
        departement = Departement.objects.filter(code=spec.departement).first()
        people = [users.get(email) for email in (spec.author, *spec.managers, *spec.operators)]
        sites = list(Site.objects.filter(address__in=spec.site_addresses))
        if departement is None or None in people or len(sites) != len(spec.site_addresses):
            continue
        action = action_create(author=users[spec.author], values=_values(spec, departement, users, sites))
        if spec.finances:
            action_finances_update(
                action_id=action.pk,
                author=users[spec.managers[0]],
                expected_version=action.version,
                rows=[
                    {
                        "year": year,
                        "finance_type": finance_type,
                        "amount": Decimal(amount),
                        "real_amount": Decimal(executed),
                        "comments": comment,
                    }
                    for year, finance_type, amount, executed, comment in spec.finances
                ],
            )
        for year, values in spec.metrics.items():
            action.refresh_from_db(fields=["version"])
            action_metrics_update(
                action_id=action.pk,
                author=users[spec.operators[0]],
                expected_version=action.version,
                year=year,
                values=values,
            )
        for email, body in spec.messages:
            action_entry_post(user=users[email], action_id=action.pk, body=body)
        created += 1
    return created


def _values(spec: DemoAction, departement: Departement, users: dict[str, User], sites: list[Site]) -> dict:
    values = {
        "name": spec.name,
        "started_at": spec.started_at,
        "ended_at": spec.ended_at,
        "topics": [topic.value for topic in spec.topics],
        "goals": spec.goals,
        "departement": departement,
        "location_type": spec.location_type,
        "location_autre": spec.other_place,
        "sites": sites,
        "managers": [users[email] for email in spec.managers],
        "operators": [users[email] for email in spec.operators],
    }
    if spec.eti is not None:
        address, commune, latitude, longitude = spec.eti
        values |= {
            "location_eti": address,
            "location_eti_commune": Commune.objects.filter(code=commune).first(),
            "location_eti_latitude": latitude,
            "location_eti_longitude": longitude,
        }
    return values
