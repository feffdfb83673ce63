import factory

from resorption.territories.models import Commune, Departement, Epci, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "75"
    name = "Nouvelle-Aquitaine"
    latitude = 44.8378
    longitude = -0.5792

    class Params:
        overseas = factory.Trait(code="04", name="La Réunion", latitude=-20.8821, longitude=55.4507)


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ["code"]

    code = "33"
    name = "Gironde"
    region = factory.SubFactory(RegionFactory)
    latitude = 44.8378
    longitude = -0.5792

    class Params:
        overseas = factory.Trait(
            code="974",
            name="La Réunion",
            region=factory.SubFactory(RegionFactory, overseas=True),
            latitude=-20.8821,
            longitude=55.4507,
        )


class EpciFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Epci
        django_get_or_create = ["code"]
        skip_postgeneration_save = True

    code = "243300316"
    name = "Bordeaux Métropole"
    kind = "METRO"

    @factory.post_generation
    def departements(self, create, extracted, **kwargs):
        if create:
            self.departements.add(*(extracted or [DepartementFactory()]))


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ["code"]

    code = "33063"
    name = "Bordeaux"
    departement = factory.SubFactory(DepartementFactory)
    epci = None
    postal_codes = "33000 33100 33200 33300 33800"
    population = 267991

    class Params:
        overseas = factory.Trait(
            code="97411",
            name="Saint-Denis",
            departement=factory.SubFactory(DepartementFactory, overseas=True),
            postal_codes="97400 97417 97490",
            population=153001,
        )
