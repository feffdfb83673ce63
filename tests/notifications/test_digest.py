"""The weekly digest (reference §F.3 `activity_summary`): content by territory level, audience of targeted messages,
opt-outs, empty digests, the Monday 07:00 slot, once per week, query budget, delivery to a real SMTP server.

The data is written at the real current time; the digest is then sent at the next Monday 07:05 (Paris), whose week
is the current one. Older events are moved back in time with `.update()`."""

import datetime
from datetime import timedelta
from email import message_from_bytes, policy
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.tasks import Task
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.module_loading import import_string

from resorption.accounts.enums import AccountEventKind, AdminRole, AreaType, Role
from resorption.accounts.models import AccountEvent, SentReminder
from resorption.core import scheduler
from resorption.emails.models import OutgoingEmail
from resorption.notifications import digest
from resorption.notifications.tasks_digest import send_weekly_digests
from resorption.settlements.enums import ClosingCause, SiteStatus
from resorption.settlements.models import Site
from tests.accounts.factories import OrganizationFactory, UserFactory
from tests.journal.factories import JournalEntryFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
WEEK = timedelta(days=7)


def next_monday(hour: int = 7, minute: int = 5) -> datetime.datetime:
    """The next Monday at this Paris time, strictly after today: its digest covers the current week."""
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.datetime.combine(monday, datetime.time(hour, minute), tzinfo=PARIS)


def send(now=None) -> int:
    return digest.weekly_digests_send(now=now or next_monday())


def digest_of(user) -> str | None:
    """The text of the digest queued for the user, or None."""
    emails = [email for email in OutgoingEmail.objects.filter(template="weekly_digest") if email.to == [user.email]]
    assert len(emails) <= 1
    return f"{emails[0].subject}\n{emails[0].body_text}" if emails else None


def age(site: Site, delta: timedelta) -> Site:
    """Moves the site's declaration (and its history so far) `delta` into the past."""
    Site.objects.filter(pk=site.pk).update(created_at=site.created_at - delta)
    versions = Site.history.filter(id=site.pk)
    for version in versions:
        Site.history.filter(history_id=version.history_id).update(history_date=version.history_date - delta)
    site.refresh_from_db()
    return site


# --- The world: Gironde and Landes (région Nouvelle-Aquitaine), Haute-Garonne (Occitanie) ----------------------------


@pytest.fixture
def world():
    gironde = DepartementFactory()  # 33, région 75
    landes = DepartementFactory(code="40", name="Landes")  # région 75
    haute_garonne = DepartementFactory(
        code="31", name="Haute-Garonne", region=RegionFactory(code="76", name="Occitanie")
    )
    bordeaux = CommuneFactory()
    dax = CommuneFactory(code="40088", name="Dax", departement=landes, postal_codes="40100")
    toulouse = CommuneFactory(code="31555", name="Toulouse", departement=haute_garonne, postal_codes="31000")
    return {
        "gironde": gironde,
        "landes": landes,
        "haute_garonne": haute_garonne,
        "bordeaux": SiteFactory(commune=bordeaux, address="4 rue Sainte-Catherine 33000 Bordeaux"),
        "dax": SiteFactory(commune=dax, address="8 avenue des Landes 40100 Dax"),
        "toulouse": SiteFactory(commune=toulouse, address="15 allée Jean-Jaurès 31000 Toulouse"),
    }


def national_user(**kwargs):
    organization = OrganizationFactory(area_type=AreaType.NATION, departement=None, name="Délégation nationale")
    return UserFactory(organization=organization, role=Role.NATIONAL_ESTABLISHMENT, **kwargs)


def regional_user(region_code="75", **kwargs):
    organization = OrganizationFactory(
        area_type=AreaType.REGION, departement=None, region=RegionFactory(code=region_code), name="DREETS"
    )
    return UserFactory(organization=organization, role=Role.COLLABORATOR, **kwargs)


def departemental_user(departement=None, **kwargs):
    organization = OrganizationFactory(departement=departement or DepartementFactory())
    return UserFactory(organization=organization, role=Role.ASSOCIATION, **kwargs)


# --- The week --------------------------------------------------------------------------------------------------------


def test_the_digest_covers_the_monday_to_sunday_before_the_monday_7_am_it_is_due():
    monday = datetime.datetime(2026, 11, 23, 7, 0, tzinfo=PARIS)

    week = digest.digest_week(monday)

    assert week.start == datetime.datetime(2026, 11, 16, 0, 0, tzinfo=PARIS)
    assert week.end == datetime.datetime(2026, 11, 23, 0, 0, tzinfo=PARIS)
    assert week.label == "du 16 au 22 novembre 2026"
    assert week.sent_kind == "weekly_digest:2026-11-16"
    assert digest.digest_week(monday + timedelta(days=1, hours=3)) == week  # a late scheduler catches up
    assert digest.digest_week(monday - timedelta(minutes=1)) is None  # last week's digest is too old by then
    assert digest.digest_week(monday + timedelta(days=2)) is None  # Wednesday 07:00: too late
    assert digest.digest_week(datetime.datetime(2026, 11, 2, 7, 0, tzinfo=PARIS)).label == (
        "du 26 octobre au 1er novembre 2026"
    )


# --- Content by territory level --------------------------------------------------------------------------------------


def test_each_reader_gets_the_sites_of_his_level_nation_region_or_departement(world):
    national, regional, departemental = national_user(), regional_user(), departemental_user()

    send()

    national_text, regional_text, departemental_text = map(digest_of, (national, regional, departemental))
    assert "France entière" in national_text
    assert all(street in national_text for street in ("Sainte-Catherine", "avenue des Landes", "Jean-Jaurès"))
    assert "Nouvelle-Aquitaine" in regional_text
    assert "Sainte-Catherine" in regional_text and "avenue des Landes" in regional_text
    assert "Jean-Jaurès" not in regional_text
    assert "Gironde (33)" in departemental_text
    assert "Sainte-Catherine" in departemental_text
    assert "avenue des Landes" not in departemental_text and "Jean-Jaurès" not in departemental_text
    assert "Sites déclarés : 1" in departemental_text
    assert f"{settings.BASE_URL}/sites/{world['bordeaux'].pk}/" in departemental_text


def test_a_commune_area_gets_the_digest_of_its_departement(world):
    organization = OrganizationFactory(
        area_type=AreaType.COMMUNE, departement=None, commune=world["bordeaux"].commune, name="Mairie"
    )
    mayor_office = UserFactory(organization=organization, role=Role.COLLABORATOR)

    send()

    text = digest_of(mayor_office)
    assert "Gironde (33)" in text and "Sainte-Catherine" in text and "avenue des Landes" not in text


def test_a_national_scope_does_not_widen_a_departemental_digest(world):
    """A national admin whose main area is a département reads the digest of that département."""
    organization = OrganizationFactory(departement=world["landes"], with_area=False)
    admin = UserFactory(organization=organization, admin_role=AdminRole.NATIONAL_ADMIN, role=Role.DIRECT_COLLABORATOR)
    organization.intervention_areas.create(
        area_type=AreaType.DEPARTEMENT, departement=world["landes"], is_main_area=True
    )
    organization.intervention_areas.create(area_type=AreaType.NATION)

    send()

    text = digest_of(admin)
    assert "Landes (40)" in text and "avenue des Landes" in text and "Sainte-Catherine" not in text


def test_sites_closed_and_updated_in_the_week_are_counted_apart_from_declarations(world):
    reader = departemental_user()
    updated = age(SiteFactory(address="2 impasse du Port 33000 Bordeaux", commune=world["bordeaux"].commune), 3 * WEEK)
    closed = age(
        SiteFactory(address="9 quai des Chartrons 33000 Bordeaux", commune=world["bordeaux"].commune), 3 * WEEK
    )
    age(SiteFactory(address="1 rue Oubliée 33000 Bordeaux", commune=world["bordeaux"].commune), 3 * WEEK)
    updated.population_total = 55
    updated.save()
    closed.status = SiteStatus.CLOSED
    closed.closed_at = timezone.localdate()
    closed.closing_cause = ClosingCause.CLOSED_BY_PREF_ADMIN
    closed.closed_with_solutions = False
    closed.save()

    send()

    text = digest_of(reader)
    assert "Sites déclarés : 1" in text  # Sainte-Catherine, this week
    assert "Sites fermés : 1" in text and "quai des Chartrons" in text
    assert "Sites mis à jour : 1" in text and "impasse du Port" in text
    assert "rue Oubliée" not in text


def test_no_justice_data_reaches_the_digest(world):
    reader = UserFactory(role=Role.DIRECT_COLLABORATOR)  # may read justice procedures on the page
    SiteFactory(commune=world["bordeaux"].commune, address="3 rue du Tribunal 33000 Bordeaux", with_justice=True)

    send()

    text = digest_of(reader)
    assert "rue du Tribunal" in text
    assert "Tribunal judiciaire de Bordeaux" not in text and "Étude Durand" not in text


def test_long_lists_are_cut_with_the_rest_counted(world, monkeypatch):
    monkeypatch.setattr(digest, "LIST_LIMIT", 2)
    reader = departemental_user()
    for number in range(3):
        SiteFactory(commune=world["bordeaux"].commune, address=f"{number + 20} cours Victor-Hugo 33000 Bordeaux")

    send()

    text = digest_of(reader)
    assert "Sites déclarés : 4" in text
    assert text.count("cours Victor-Hugo") + text.count("Sainte-Catherine") == 2
    assert "… et 2 autres" in text


# --- Journal messages: audience --------------------------------------------------------------------------------------


def test_messages_of_the_week_appear_with_author_organisation_site_and_excerpt(world):
    reader = departemental_user()
    author = departemental_user(first_name="Alix", last_name="Auteur")
    JournalEntryFactory(site=world["bordeaux"], author=author, body="Distribution d'eau mardi   matin.")
    JournalEntryFactory(site=world["toulouse"], author=author, body="Visite à Toulouse.")
    JournalEntryFactory(
        site=world["bordeaux"],
        author=author,
        body="Message de la semaine dernière.",
        created_at=timezone.now() - 2 * WEEK,
    )

    send()

    text = digest_of(reader)
    assert "MESSAGES DES JOURNAUX DES SITES : 1" in text
    assert "Alix Auteur" in text and author.organization.name in text
    assert "« Distribution d'eau mardi matin. »" in text
    assert "Visite à Toulouse" not in text and "semaine dernière" not in text
    assert f"/sites/{world['bordeaux'].pk}/journal/#message-" in text


def test_a_health_follow_up_links_to_its_tab(world):
    reader = departemental_user()
    entry = JournalEntryFactory(site=world["bordeaux"], health=True, body="Passage de l'équipe mobile.")

    send()

    text = digest_of(reader)
    assert "Suivi sanitaire" in text
    assert f"/sites/{world['bordeaux'].pk}/journal/?onglet=sanitaire#message-{entry.pk}" in text


def test_a_targeted_message_reaches_only_its_audience(world):
    author = departemental_user(first_name="Alix", last_name="Auteur")
    target = departemental_user(first_name="Théo", last_name="Destinataire")
    bystander = departemental_user()
    national = national_user()  # reads every journal, but not the targeted messages of others
    correspondent = UserFactory(role=Role.DIRECT_COLLABORATOR)  # « lire tous les messages ciblés » in Gironde
    JournalEntryFactory(
        site=world["bordeaux"], author=author, targeted=True, target_users=[target], body="Réunion confidentielle."
    )

    send()

    for reader in (author, target, correspondent):
        assert "Réunion confidentielle." in digest_of(reader)
        assert "message ciblé" in digest_of(reader)
    for reader in (bystander, national):
        text = digest_of(reader)  # they still get the week's sites
        assert text is not None and "Réunion confidentielle." not in text
        assert "MESSAGES DES JOURNAUX DES SITES : 0" in text


def test_a_message_targeting_an_organisation_reaches_its_members(world):
    author = departemental_user()
    member = departemental_user()
    colleague = UserFactory(organization=member.organization, role=Role.ASSOCIATION)
    JournalEntryFactory(
        site=world["bordeaux"],
        author=author,
        targeted=True,
        target_organizations=[member.organization],
        body="Pour votre structure.",
    )

    send()

    assert "Pour votre structure." in digest_of(member)
    assert "Pour votre structure." in digest_of(colleague)


def test_a_deleted_message_is_not_in_the_digest(world):
    reader = departemental_user()
    JournalEntryFactory(site=world["bordeaux"], body="Message supprimé ensuite.", deleted_at=timezone.now())

    send()

    assert "Message supprimé ensuite." not in digest_of(reader)


# --- New users -------------------------------------------------------------------------------------------------------


def test_new_users_are_named_for_admins_and_counted_for_the_others(world):
    newcomer = departemental_user(first_name="Nina", last_name="Nouvelle")
    AccountEvent.objects.create(user=newcomer, actor=newcomer, kind=AccountEventKind.ACTIVATED)
    old_timer = departemental_user(first_name="Ancien", last_name="Membre")
    AccountEvent.objects.create(
        user=old_timer, actor=old_timer, kind=AccountEventKind.ACTIVATED, created_at=timezone.now() - 3 * WEEK
    )
    local_admin = UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN)
    reader = departemental_user()
    landes_reader = departemental_user(departement=world["landes"])

    send()

    admin_text = digest_of(local_admin)
    assert "NOUVEAUX UTILISATEURS : 1" in admin_text
    assert "Nina Nouvelle" in admin_text and newcomer.organization.name in admin_text
    assert f"/administration/comptes/{newcomer.pk}/" in admin_text
    assert "Ancien Membre" not in admin_text
    reader_text = digest_of(reader)
    assert "NOUVEAUX UTILISATEURS : 1" in reader_text and "Nina Nouvelle" not in reader_text
    assert "NOUVEAUX UTILISATEURS : 0" in digest_of(landes_reader)


# --- Who receives it -------------------------------------------------------------------------------------------------


def test_opted_out_inactive_and_unplaced_users_receive_nothing(world):
    opted_out = departemental_user(email_unsubscriptions=["weekly_summary"])
    other_opt_out = departemental_user(email_unsubscriptions=["comment_notification"])
    inactive = departemental_user(inactive=True)
    without_area = UserFactory(organization=OrganizationFactory(with_area=False))

    send()

    assert digest_of(opted_out) is None
    assert digest_of(inactive) is None
    assert digest_of(without_area) is None
    assert digest_of(other_opt_out) is not None
    assert not SentReminder.objects.filter(user__in=[opted_out, inactive, without_area]).exists()


def test_an_empty_digest_is_not_sent(world):
    age(world["toulouse"], 3 * WEEK)
    quiet = departemental_user(departement=world["haute_garonne"])
    busy = departemental_user()

    assert send() > 0

    assert digest_of(quiet) is None
    assert not SentReminder.objects.filter(user=quiet).exists()
    assert digest_of(busy) is not None


def test_a_reader_who_sees_nothing_of_the_week_gets_no_digest(world):
    """Events exist in his territory, but none he may see: a targeted message to someone else only."""
    for site in (world["bordeaux"], world["dax"], world["toulouse"]):
        age(site, 3 * WEEK)
    reader = departemental_user()
    target = departemental_user()
    JournalEntryFactory(site=world["bordeaux"], targeted=True, target_users=[target], body="Pour Théo seulement.")

    send()

    assert digest_of(reader) is None
    assert "Pour Théo seulement." in digest_of(target)


# --- Once per week, at the Monday 07:00 slot -------------------------------------------------------------------------


def test_running_twice_sends_once_and_the_next_week_sends_again(world):
    reader = departemental_user()

    assert send() >= 1
    assert send() == 0
    assert send(next_monday() + timedelta(days=1)) == 0  # Tuesday's catch-up run finds it sent

    assert SentReminder.objects.filter(user=reader).count() == 1
    assert digest_of(reader) is not None


def test_a_scheduler_down_until_tuesday_still_sends_but_not_after_wednesday_7_am(world):
    reader = departemental_user()

    assert send(next_monday() + timedelta(days=2)) == 0
    assert digest_of(reader) is None
    assert send(next_monday() + timedelta(days=1, hours=2)) >= 1
    assert digest_of(reader) is not None


def test_the_job_is_scheduled_daily_at_7_and_sends_only_from_the_monday_slot(world, settings, monkeypatch):
    job = settings.SCHEDULED_JOBS["send_weekly_digests"]
    assert job["daily_at"] == "07:00"
    assert import_string(job["task"]) is send_weekly_digests and isinstance(send_weekly_digests, Task)
    settings.SCHEDULED_JOBS = {"send_weekly_digests": job}
    reader = departemental_user()
    monday = next_monday(7, 0)
    clock = {"now": monday - timedelta(minutes=1)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])  # the task reads the clock, as in production

    assert scheduler.tick() == []  # Monday 06:59: not yet
    assert digest_of(reader) is None

    clock["now"] = monday
    assert scheduler.tick() == ["send_weekly_digests"]
    assert digest_of(reader) is not None

    clock["now"] = monday + timedelta(days=1)  # Tuesday's slot runs the job again: nothing more to send
    assert scheduler.tick() == ["send_weekly_digests"]
    assert OutgoingEmail.objects.filter(template="weekly_digest").count() == SentReminder.objects.count()
    assert SentReminder.objects.filter(user=reader).count() == 1


# --- Cost ------------------------------------------------------------------------------------------------------------


def _week_of_activity(world, count: int, target):
    """`count` sites declared, each with a public and a targeted message, and `count` new users; their authors and
    the newcomers turned the digest off, so that the recipients stay the same."""
    author = departemental_user(email_unsubscriptions=["weekly_summary"])
    for number in range(count):
        site = SiteFactory(commune=world["bordeaux"].commune, address=f"{number + 30} rue du Palais 33000 Bordeaux")
        JournalEntryFactory(site=site, author=author, body=f"Message {number}.")
        JournalEntryFactory(site=site, author=author, targeted=True, target_users=[target], body=f"Ciblé {number}.")
        newcomer = departemental_user(email_unsubscriptions=["weekly_summary"])
        AccountEvent.objects.create(user=newcomer, actor=newcomer, kind=AccountEventKind.ACTIVATED)


def _forget_sent():
    SentReminder.objects.all().delete()
    OutgoingEmail.objects.all().delete()


def test_the_query_count_does_not_grow_with_the_weeks_activity(world, django_assert_num_queries):
    target = departemental_user()
    readers = [
        target,
        departemental_user(),
        UserFactory(role=Role.DIRECT_COLLABORATOR, admin_role=AdminRole.LOCAL_ADMIN),
    ]
    _week_of_activity(world, 1, target)
    send()  # the first run stores each reader's permission context with his account (accounts.permissions)
    _forget_sent()
    with CaptureQueriesContext(connection) as small_week:
        assert send() == len(readers)
    _forget_sent()

    _week_of_activity(world, 8, target)  # 8 more sites, 16 more messages, 8 more new users

    with django_assert_num_queries(len(small_week)):
        assert send() == len(readers)
    assert "Ciblé 7." in digest_of(target)


def test_the_weeks_data_is_read_once_per_territory_whatever_the_number_of_readers(world):
    def reads_of_sites_and_messages() -> int:
        _forget_sent()
        with CaptureQueriesContext(connection) as queries:
            send()
        return sum(
            1
            for query in queries.captured_queries
            if query["sql"].startswith("SELECT")
            and ('FROM "journal_journalentry"' in query["sql"] or 'FROM "settlements_site"' in query["sql"])
        )

    departemental_user()
    with_one_reader = reads_of_sites_and_messages()
    for _ in range(4):
        departemental_user()

    assert reads_of_sites_and_messages() == with_one_reader > 0


# --- Delivery --------------------------------------------------------------------------------------------------------


def test_the_digest_reaches_a_real_smtp_server(world, smtp_server, django_capture_on_commit_callbacks):
    reader = departemental_user(email="lecteur@exemple.test")

    with django_capture_on_commit_callbacks(execute=True):
        send()

    envelopes = [envelope for envelope in smtp_server.envelopes if envelope.rcpt_tos == ["lecteur@exemple.test"]]
    assert len(envelopes) == 1
    message = envelopes[0].content.decode()
    assert "Subject: =?utf-8?" in message or "Récapitulatif hebdomadaire" in message
    assert "/notifications/desabonnement/" in message
    assert digest_of(reader) is not None
    parsed = message_from_bytes(envelopes[0].content, policy=policy.default)
    assert (
        parsed["List-Unsubscribe"].startswith("<http")
        and "/notifications/desabonnement/" in parsed["List-Unsubscribe"]
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_command_sends_the_digests_of_the_moment_given(world):
    reader = departemental_user(email="commande@exemple.test")
    out = StringIO()

    call_command("send_weekly_digests", "--now", next_monday().isoformat(), stdout=out)

    assert "Récapitulatifs hebdomadaires envoyés : " in out.getvalue()
    assert digest_of(reader) is not None
