import datetime
from decimal import Decimal

import factory

from resorption.actions.enums import FinanceType, LocationType
from resorption.actions.models import Action, ActionFinance, ActionManager, ActionOperator, ActionSite
from tests.accounts.factories import UserFactory
from tests.territories.factories import DepartementFactory


class ActionFactory(factory.django.DjangoModelFactory):
    """An action in the Gironde since 2025, on housing, in an ETA-less « autre » place. Pass `managers=[users]`,
    `operators=[users]` and `sites=[sites]` (each stored with the user's organisation); by default one new pilot and
    one new operator."""

    class Meta:
        model = Action
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Accompagnement global {n}")
    started_at = datetime.date(2025, 1, 1)
    ended_at = None
    topic_housing = True
    goals = "Accompagner les familles vers le logement."
    departement = factory.SubFactory(DepartementFactory)
    location_type = LocationType.AUTRE
    location_autre = "Locaux de l'association"

    class Params:
        finished = factory.Trait(started_at=datetime.date(2023, 1, 1), ended_at=datetime.date(2024, 6, 30))
        on_site = factory.Trait(location_type=LocationType.SUR_SITE, location_autre="")

    @factory.post_generation
    def managers(self, create, extracted, **kwargs):
        if create:
            for user in extracted if extracted is not None else [UserFactory()]:
                ActionManager.objects.create(action=self, user=user, organization_id=user.organization_id)

    @factory.post_generation
    def operators(self, create, extracted, **kwargs):
        if create:
            for user in extracted if extracted is not None else [UserFactory()]:
                ActionOperator.objects.create(action=self, user=user, organization_id=user.organization_id)

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create:
            for site in extracted or []:
                ActionSite.objects.create(action=self, site=site)


class ActionFinanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionFinance

    action = factory.SubFactory(ActionFactory)
    year = 2025
    finance_type = FinanceType.DEDIE
    amount = Decimal("48250.00")
    real_amount = Decimal("12000.00")
    comments = "Crédits BOP 135"
