"""Load the demo world (idempotent): territories if missing, organisations, one account per role, the charter,
sites with their actors, journal entries."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from resorption.accounts import signals
from resorption.accounts.enums import UserStatus
from resorption.accounts.models import Charter, InterventionArea, Organization, OrganizationType, User
from resorption.demo import actions, data, journal, sites
from resorption.territories.models import Commune, Departement, Epci, Region

LOCATION_FIELD = {"region": "region", "departement": "departement", "epci": "epci", "commune": "commune"}
TERRITORY_MODEL = {"region": Region, "departement": Departement, "epci": Epci, "commune": Commune}


class Command(BaseCommand):
    help = "Charge les données de démonstration (structures, comptes de chaque rôle, charte). Sans effet si déjà là."

    @transaction.atomic
    def handle(self, *args, **options):
        self._ensure_territories()
        organizations = {spec.key: self._organization(spec) for spec in data.ORGANIZATIONS}
        charter = Charter.objects.order_by("-version").first()
        if charter is None:
            charter = Charter.objects.create(version=1, published_at=timezone.localdate(), body=data.CHARTER_BODY)
        for spec in data.USERS:
            self._user(spec, organizations[spec.organization], charter)
        sites.load_demo_sites()
        journal.load_demo_journal()
        actions.load_demo_actions()
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Données de démonstration : {len(data.ORGANIZATIONS)} structures, {len(data.USERS)} comptes "
                f"(mot de passe {data.DEMO_PASSWORD})."
            )

    def _ensure_territories(self):
        """Create the few territories the demo needs when the Etalab set was not loaded; never overwrite it."""
        for code, name, lat, lon in data.REGIONS:
            Region.objects.get_or_create(code=code, defaults={"name": name, "latitude": lat, "longitude": lon})
        for code, name, region, lat, lon in data.DEPARTEMENTS:
            Departement.objects.get_or_create(
                code=code, defaults={"name": name, "region_id": region, "latitude": lat, "longitude": lon}
            )
        for code, name, kind, departements in data.EPCIS:
            epci, created = Epci.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
            if created:
                epci.departements.set(departements)
        for code, name, departement, epci, postal_codes, population in data.COMMUNES:
            Commune.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "departement_id": departement,
                    "epci_id": epci,
                    "postal_codes": postal_codes,
                    "population": population,
                },
            )

    def _organization(self, spec: data.DemoOrganization) -> Organization:
        location = {field: None for field in LOCATION_FIELD.values()}
        if spec.code is not None:
            location[LOCATION_FIELD[spec.area_type]] = TERRITORY_MODEL[spec.area_type].objects.get(code=spec.code)
        organization, _ = Organization.objects.update_or_create(
            name=spec.name,
            type=OrganizationType.objects.get(uid=spec.type_uid),
            defaults={"abbreviation": spec.abbreviation, "active": True, "area_type": spec.area_type, **location},
        )
        if not organization.intervention_areas.exists():
            InterventionArea.objects.create(
                organization=organization, area_type=spec.area_type, is_main_area=True, **location
            )
        return organization

    def _user(self, spec: data.DemoUser, organization: Organization, charter: Charter) -> None:
        user, created = User.objects.update_or_create(
            email=spec.email,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "phone": "0556000000",
                "position": spec.position,
                "organization": organization,
                "status": UserStatus.ACTIVE,
                "role": spec.role,
                "admin_role": spec.admin_role,
                "options": list(spec.options),
                "charter_version_accepted": charter.version,
                "charter_accepted_at": timezone.now(),
            },
        )
        if not user.check_password(data.DEMO_PASSWORD):
            user.set_password(data.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if created:
            # Created active, as if she had used her activation link: the activity feed lists her as a newcomer.
            signals.user_activated.send(sender=User, user=user)
