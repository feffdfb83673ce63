import factory
from django.core.files.base import ContentFile

from resorption.journal.enums import Audience, EntryKind
from resorption.journal.models import Attachment, JournalEntry, Tag
from tests.accounts.factories import UserFactory
from tests.journal.files import PNG
from tests.settlements.factories import SiteFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["uid"]

    uid = factory.Sequence(lambda n: f"etiquette-{n}")
    label = factory.Sequence(lambda n: f"Étiquette {n}")


class JournalEntryFactory(factory.django.DjangoModelFactory):
    """A public message on a site in Bordeaux, written by a user of Gironde. Pass `target_users=[…]` and
    `target_organizations=[…]` with `targeted=True` for a targeted message."""

    class Meta:
        model = JournalEntry
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    author = factory.SubFactory(UserFactory)
    kind = EntryKind.MESSAGE
    body = factory.Sequence(lambda n: f"Passage sur le site, situation stable (message {n}).")
    audience = Audience.PUBLIC

    class Params:
        targeted = factory.Trait(audience=Audience.CUSTOM)
        health = factory.Trait(
            kind=EntryKind.HEALTH,
            health_date=factory.Faker("date_between", start_date="-30d", end_date="today"),
            health_interventions=["equipe_maraude", "sensibilisation_vaccination"],
        )

    @factory.post_generation
    def target_users(self, create, extracted, **kwargs):
        if create and extracted:
            self.target_users.set(extracted)

    @factory.post_generation
    def target_organizations(self, create, extracted, **kwargs):
        if create and extracted:
            self.target_organizations.set(extracted)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    entry = factory.SubFactory(JournalEntryFactory)
    file = factory.LazyFunction(lambda: ContentFile(PNG, name="piece-jointe.png"))
    original_name = "photo du site.png"
    size = len(PNG)
    content_type = "image/png"
