"""The people of the notification tests: who watches a site in Bordeaux (Gironde, Bordeaux Métropole), who does not.

Each person has his own organisation, located where his name says. Built by `build_world()`, called by the fixtures
of each test module.
"""

from types import SimpleNamespace

from django.core import mail

from resorption.accounts.enums import AdminRole, AreaType, Role
from resorption.notifications.models import Delivery, Notification, NotificationEvent
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory


def build_world() -> SimpleNamespace:
    gironde = DepartementFactory()
    metropole = EpciFactory(departements=[gironde])
    bordeaux = CommuneFactory(epci=metropole)
    merignac = CommuneFactory(code="33281", name="Mérignac", epci=metropole, postal_codes="33700")
    libourne = CommuneFactory(code="33243", name="Libourne", postal_codes="33500")
    haute_garonne = DepartementFactory(code="31", name="Haute-Garonne", region=RegionFactory(code="76"))

    def person(first_name, last_name, *, role=Role.ASSOCIATION, organization=None, **kwargs):
        organization = organization or OrganizationFactory(name=f"Structure de {first_name} {last_name}")
        return UserFactory(first_name=first_name, last_name=last_name, role=role, organization=organization, **kwargs)

    def located(area_type, **where):
        fields = {"departement": None, **where}
        return OrganizationFactory(area_type=area_type, **fields)

    return SimpleNamespace(
        gironde=gironde,
        metropole=metropole,
        bordeaux=bordeaux,
        libourne=libourne,
        site=SiteFactory(commune=bordeaux),
        # Writes in the journals of Gironde.
        author=person("Alix", "Auteur"),
        # Members of organisations located in the site's département.
        departement_member=person("Denise", "Departement"),
        commune_member=person("Claude", "Merignac", organization=located(AreaType.COMMUNE, commune=merignac)),
        libourne_member=person("Lou", "Libourne", organization=located(AreaType.COMMUNE, commune=libourne)),
        # A member of an organisation located in the site's EPCI.
        epci_member=person("Emma", "Metropole", organization=located(AreaType.EPCI, epci=metropole)),
        # Reads Gironde through a région-level organisation: no watcher of its sites.
        region_member=person("Régis", "Region", organization=located(AreaType.REGION, region=gironde.region)),
        # A local admin whose areas (his région) cover the site: watches its journal.
        region_admin=person(
            "Rose",
            "Admin",
            role=Role.DIRECT_COLLABORATOR,
            admin_role=AdminRole.LOCAL_ADMIN,
            organization=located(AreaType.REGION, region=gironde.region),
        ),
        # Holds « lire tous les messages ciblés » in Gironde.
        correspondent=person("Corinne", "Correspondante", role=Role.DIRECT_COLLABORATOR),
        # A national actor of Haute-Garonne (reads every site): watches the site's journal once he is its actor.
        far_actor=person(
            "Fabien",
            "Lointain",
            role=Role.NATIONAL_ESTABLISHMENT,
            organization=OrganizationFactory(departement=haute_garonne),
        ),
        # Out of the site's territory.
        outsider=person("Oscar", "Ailleurs", organization=OrganizationFactory(departement=haute_garonne)),
        inactive=person("Ines", "Inactive", inactive=True),
        inactive_organization_member=person("Igor", "Sansstructure", organization=OrganizationFactory(active=False)),
    )


def told(kind: str, object_id: int) -> set:
    """The people who received a delivery of the event."""
    deliveries = Delivery.objects.filter(event__kind=kind, event__object_id=object_id).select_related("user")
    return {delivery.user for delivery in deliveries}


def notified_in_app(kind: str, object_id: int) -> set:
    notifications = Notification.objects.filter(event__kind=kind, event__object_id=object_id).select_related("user")
    return {notification.user for notification in notifications}


def emailed() -> set[str]:
    """Every address that received an email (locmem mailer of the test settings)."""
    return {address for message in mail.outbox for address in message.to}


def event_of(kind: str, object_id: int) -> NotificationEvent:
    return NotificationEvent.objects.get(kind=kind, object_id=object_id)
