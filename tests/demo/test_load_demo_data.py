import pytest
from django.core.management import call_command

from resorption.accounts.models import User
from resorption.demo import sites as demo_sites
from resorption.settlements.enums import SiteStatus
from resorption.settlements.models import ClosingOrientation, Site, SiteOwner

pytestmark = pytest.mark.django_db


def _counts():
    return Site.objects.count(), SiteOwner.objects.count(), ClosingOrientation.objects.count(), User.objects.count()


def test_loading_twice_creates_nothing_new():
    call_command("load_demo_data", verbosity=0)
    first = _counts()
    call_command("load_demo_data", verbosity=0)

    assert _counts() == first
    assert first[0] == len(demo_sites.SITES)


def test_demo_sites_cover_open_and_closed_sites_justice_and_owners():
    call_command("load_demo_data", verbosity=0)

    assert Site.objects.filter(status=SiteStatus.OPEN).count() >= 8
    assert Site.objects.resorbed().exists()
    assert Site.objects.closed().filter(closed_with_solutions=False).exists()
    assert Site.objects.filter(justice_procedure=True).exists()
    assert SiteOwner.objects.exists()
    assert ClosingOrientation.objects.exists()
    # Every living-condition status appears somewhere, so that badges and filters have something to show.
    assert set(Site.objects.values_list("water_status", flat=True)) == {"good", "to_improve", "bad", "unknown"}
    assert set(Site.objects.values_list("commune__departement_id", flat=True)) == {"33", "31", "44"}


def test_national_admin_sees_every_demo_site_and_the_haute_garonne_operator_those_of_31():
    call_command("load_demo_data", verbosity=0)
    admin = User.objects.get(email="national-admin@demo.test")
    operator = User.objects.get(email="operateur-31@demo.test")

    assert Site.objects.visible_to(admin).count() == len(demo_sites.SITES)
    operator_sites = Site.objects.visible_to(operator)
    assert set(operator_sites.values_list("commune__departement_id", flat=True)) == {"31"}
    assert operator_sites.count() == Site.objects.filter(commune__departement_id="31").count() == 4
