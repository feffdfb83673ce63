from datetime import timedelta

import factory
from django.utils import timezone

from resorption.accounts.enums import AreaType, OrganizationCategory, Role, UserStatus
from resorption.accounts.models import (
    Charter,
    InterventionArea,
    Organization,
    OrganizationType,
    PermissionOverride,
    User,
)
from tests.territories.factories import DepartementFactory

DEFAULT_PASSWORD = "Mot-de-passe-Test-2026!"


class OrganizationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationType
        django_get_or_create = ["uid"]

    uid = "association"
    name_singular = "Association"
    name_plural = "Associations"
    abbreviation = ""
    category = OrganizationCategory.ASSOCIATION
    default_role = Role.ASSOCIATION


class OrganizationFactory(factory.django.DjangoModelFactory):
    """An active organisation located in a département, working on that same département."""

    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Structure {n}")
    type = factory.SubFactory(OrganizationTypeFactory)
    active = True
    area_type = AreaType.DEPARTEMENT
    departement = factory.SubFactory(DepartementFactory)

    @factory.post_generation
    def with_area(self, create, extracted, **kwargs):
        """Gives the organisation an intervention area equal to its location (pass with_area=False to skip)."""
        if create and extracted is not False:
            InterventionArea.objects.create(
                organization=self,
                area_type=self.area_type,
                region=self.region,
                departement=self.departement,
                epci=self.epci,
                commune=self.commune,
                is_main_area=True,
            )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n}@exemple.test")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    phone = "0601020304"
    position = "Chargée de mission"
    organization = factory.SubFactory(OrganizationFactory)
    status = UserStatus.ACTIVE
    role = factory.LazyAttribute(lambda user: user.organization.type.default_role)
    admin_role = ""
    options = factory.LazyFunction(list)

    class Params:
        new = factory.Trait(status=UserStatus.NEW)
        inactive = factory.Trait(status=UserStatus.INACTIVE)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save(update_fields=["password"])


class CharterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charter
        django_get_or_create = ["version"]

    version = 1
    published_at = factory.Faker("date_object")
    body = "Je m'engage à n'inscrire aucune donnée personnelle sur les habitants."


class InterventionAreaFactory(factory.django.DjangoModelFactory):
    """An intervention area; pass `organization=` or `user=`, and the territory matching `area_type`."""

    class Meta:
        model = InterventionArea

    area_type = AreaType.DEPARTEMENT
    departement = factory.Maybe(
        factory.LazyAttribute(lambda area: area.area_type == AreaType.DEPARTEMENT),
        yes_declaration=factory.SubFactory(DepartementFactory),
        no_declaration=None,
    )
    is_main_area = False


class PermissionOverrideFactory(factory.django.DjangoModelFactory):
    """An exception to the role matrix; pass `organization=` or `user=` and `key="entity.name"`."""

    class Meta:
        model = PermissionOverride

    class Params:
        key = "shantytown.create"

    entity = factory.LazyAttribute(lambda override: override.key.split(".")[0])
    feature = factory.LazyAttribute(lambda override: override.key.split(".")[1])
    allowed = True
    national = False


class UserAccessFactory(factory.django.DjangoModelFactory):
    """An activation link sent by a local admin to a person waiting for access, valid 7 days from `created_at`."""

    class Meta:
        model = "accounts.UserAccess"

    user = factory.SubFactory(UserFactory, new=True)
    sent_by = factory.SubFactory(UserFactory, admin_role="local_admin")
    token_hash = factory.Sequence(lambda n: f"{n:064x}")  # only the hash is stored; no test needs the token
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda access: access.created_at + timedelta(days=7))
