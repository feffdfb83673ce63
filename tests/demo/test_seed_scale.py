import datetime
import itertools
import random
from collections import Counter
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.urls import reverse

from resorption.accounts import permissions
from resorption.accounts.enums import AdminRole, UserStatus
from resorption.accounts.models import InterventionArea, Organization, User
from resorption.actions.enums import LocationType
from resorption.actions.models import (
    METRIC_FIELDS,
    METRIC_SECTIONS,
    Action,
    ActionFinance,
    ActionManager,
    ActionMetrics,
    ActionOperator,
    ActionSite,
    euros,
)
from resorption.actions.services import action_finances_update, action_metrics_update, action_update
from resorption.demo import scale
from resorption.emails.models import EmailStatus, OutgoingEmail
from resorption.journal.enums import Audience, EntryKind
from resorption.journal.models import Attachment, JournalEntry
from resorption.notifications.models import Delivery, Notification, NotificationEvent
from resorption.settlements import living_conditions
from resorption.settlements.enums import SiteStatus
from resorption.settlements.models import (
    STATUS_FIELDS,
    ClosingOrientation,
    Site,
    SiteActor,
    SiteOwner,
    commune_search_terms,
    site_search_text,
)
from resorption.territories.models import Departement
from tests.accounts.factories import UserFactory
from tests.actions.factories import ActionFactory
from tests.db import rolled_back_afterwards
from tests.journal.factories import JournalEntryFactory
from tests.settlements.factories import SiteFactory
from tests.territories.factories import CommuneFactory, DepartementFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 15)
# 24 départements, 4 of them hotspots (93, 13, 33, 06): enough for « 20 hold 80 % » to mean something;
# no Etalab load needed.
CODES = ["93", "13", "33", *(f"{number:02d}" for number in range(1, 22))]
SMALL = {
    "open": 30,
    "closed": 60,
    "users": 400,
    "messages": 500,
    "years": 2,
    "seed": 7,
    "today": TODAY,
    "verbosity": 0,
}
HistoricalSite = Site.history.model
# What `seed_scale` writes on the 90 sites by default: one action for 20 sites, rounded (4.5 → 5).
DEFAULT_ACTIONS = 5
# The actions written over the small seed for the checks of `TestSeededActions`.
ACTIONS = 30
ACTION_MODELS = (ActionManager, ActionOperator, ActionSite, ActionFinance, ActionMetrics)


def _territories():
    for code in CODES:
        departement = DepartementFactory(code=code, name=f"Département {code}")
        for number, population in ((1, 120_000), (2, 8_000)):
            CommuneFactory(
                code=f"{code}{number:03d}",
                name=f"Commune {code}-{number}",
                departement=departement,
                postal_codes=f"{code}{number:03d}",
                population=population,
            )


@pytest.fixture
def territories():
    _territories()


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """One small seed on the territories, written once for the class: each test reads it (or seeds again over it) in
    its own savepoint."""
    with rolled_back_afterwards(django_db_blocker):
        _territories()
        _seed()
        yield


@pytest.fixture(scope="class")
def seeded_with_actions(django_db_setup, django_db_blocker):
    """The small seed, then its actions written again as for a data set seeded before the actions existed: 30 of
    them, to read their shares."""
    with rolled_back_afterwards(django_db_blocker):
        _territories()
        _seed()
        scale.seed_actions(seed=SMALL["seed"], today=TODAY, years=SMALL["years"], actions=ACTIONS)
        yield


def _seed(**options):
    call_command("seed_scale", **{**SMALL, **options})


def _action_key_data() -> list[tuple]:
    """The seeded actions primary keys aside: fields, members, sites, finances, indicators, versions."""
    return [
        (
            action.name,
            action.departement_id,
            action.started_at,
            action.ended_at,
            action.location_type,
            action.topic_labels,
            action.created_by.email,
            tuple(action.managers.order_by("pk").values_list("user__email", "organization__name")),
            tuple(action.operators.order_by("pk").values_list("user__email", "organization__name")),
            tuple(action.site_links.order_by("pk").values_list("site__address", "site__declared_at")),
            tuple(action.finances.values_list("year", "finance_type", "amount", "real_amount", "comments")),
            tuple(action.metrics.values_list("year", "nombre_personnes", "nombre_mineurs")),
            tuple(
                action.history.order_by("history_date").values_list("history_date", "version", "history_user__email")
            ),
        )
        for action in scale.seeded_actions().select_related("created_by").order_by("pk")
    ]


def _key_data() -> list[tuple]:
    """The data set primary keys aside: each site's fields and its versions (date, number, count, author)."""
    versions: dict[int, list[tuple]] = {}
    for row in HistoricalSite.objects.order_by("history_date", "history_id").values_list(
        "id", "history_date", "version", "population_total", "history_user__email"
    ):
        versions.setdefault(row[0], []).append(row[1:])
    return [
        (
            site.address,
            site.name,
            site.commune_id,
            site.status,
            site.declared_at,
            site.closed_at,
            site.closing_cause,
            site.population_total,
            site.water_status,
            site.created_by.email,
            tuple(versions[site.pk]),
            tuple(site.owners.values_list("name", "owner_type")),
            tuple(site.actors.values_list("user__email", "themes")),
            tuple(
                site.journal_entries.order_by("created_at", "pk").values_list(
                    "created_at", "author__email", "audience", "body"
                )
            ),
        )
        for site in scale.seeded_sites().select_related("created_by").order_by("pk")
    ]


def test_dense_departements_are_the_hotspots_present_then_code_order():
    others = [f"{number:02d}" for number in range(1, 19) if number not in (6, 13)]

    assert scale.dense_departements(CODES) == ["93", "13", "33", "06", *others]
    assert scale.dense_departements(["06", "13", "93", "01"], count=2) == ["93", "13"]
    assert scale.dense_departements(["05", "04", "03", "02", "01"], count=3) == ["01", "02", "03"]


def test_twenty_departements_hold_80_percent_of_the_sites():
    codes = [f"{number:03d}" for number in range(100)]
    chosen = scale.spread_departements(codes, 10_000, random.Random(1))
    counts = Counter(chosen)
    dense = set(scale.dense_departements(codes))

    assert len(chosen) == 10_000
    assert sum(counts[code] for code in dense) == 8_000
    assert {code for code, _ in counts.most_common(20)} == dense
    # The rest is spread: most of the other 80 départements have sites.
    assert len(counts) > 90


@pytest.mark.usefixtures("seeded")
class TestSeedingAgain:
    """A second run over a small seed: refused, skipped, replaced or reset."""

    def test_same_arguments_give_the_same_data_and_another_seed_other_data(self):
        first, first_actions = _key_data(), _action_key_data()
        _seed(reset=True)
        again, again_actions = _key_data(), _action_key_data()
        _seed(reset=True, seed=8)

        assert len(first) == 90
        assert sum(len(site[-1]) for site in first) == 500
        assert len(first_actions) == DEFAULT_ACTIONS
        assert (again, again_actions) == (first, first_actions)
        assert _key_data() != first
        assert _action_key_data() != first_actions

    def test_skip_if_seeded_adds_actions_to_a_data_set_seeded_without_them(self):
        written = _action_key_data()
        sites = list(Site.objects.order_by("pk").values_list("pk", "version"))
        messages = JournalEntry.objects.count()
        scale.delete_seeded_actions()
        output = StringIO()

        call_command("seed_scale", **{**SMALL, "verbosity": 1}, skip_if_seeded=True, stdout=output)

        assert f"0 actions remplacées par {DEFAULT_ACTIONS} actions (" in output.getvalue()
        assert _action_key_data() == written
        assert list(Site.objects.order_by("pk").values_list("pk", "version")) == sites
        assert JournalEntry.objects.count() == messages

        call_command("seed_scale", **SMALL, actions=12, skip_if_seeded=True)
        assert scale.seeded_counts()["actions"] == 12
        output = StringIO()
        call_command("seed_scale", **{**SMALL, "verbosity": 1}, actions=12, skip_if_seeded=True, stdout=output)
        assert "12 actions) : rien à faire." in output.getvalue()
        assert scale.seeded_counts()["actions"] == 12

    def test_actions_added_to_a_data_set_seeded_without_them_are_those_a_full_seed_writes(self):
        written = _action_key_data()
        other = ActionFactory(departement=Departement.objects.get(code="33"))
        seeded_ids = list(scale.seeded_actions().values_list("pk", flat=True))

        assert scale.delete_seeded_actions() == DEFAULT_ACTIONS
        assert scale.seeded_counts()["actions"] == 0
        report = scale.seed_actions(seed=SMALL["seed"], today=TODAY, years=SMALL["years"])

        assert report.actions == DEFAULT_ACTIONS
        assert _action_key_data() == written
        assert list(Action.objects.exclude(pk__in=scale.seeded_actions().values("pk"))) == [other]
        # The rows and versions of the actions removed went with them; the other action kept its own.
        assert not Action.history.filter(id__in=seeded_ids).exists()
        for model in ACTION_MODELS:
            assert not model.history.filter(action_id__in=seeded_ids).exists(), model
            assert not model.objects.filter(action_id__in=seeded_ids).exists(), model
        assert Action.history.filter(id=other.pk).count() == 1
        assert ActionManager.objects.filter(action=other).count() == 1

    def test_a_second_run_is_refused_without_reset(self):
        before = (Site.objects.count(), HistoricalSite.objects.count(), User.objects.count())

        with pytest.raises(CommandError, match="--reset"):
            _seed()
        call_command("seed_scale", **SMALL, skip_if_seeded=True)

        assert (Site.objects.count(), HistoricalSite.objects.count(), User.objects.count()) == before

    def test_skip_if_seeded_replaces_a_data_set_of_another_shape(self):
        output = StringIO()
        call_command("seed_scale", **{**SMALL, "messages": 100, "verbosity": 1}, skip_if_seeded=True, stdout=output)

        assert "sont remplacées" in output.getvalue()
        assert f"), {DEFAULT_ACTIONS} actions (" in output.getvalue()  # in the summary line

        assert scale.seeded_counts() == {
            "open": 30,
            "closed": 60,
            "messages": 100,
            "users": 400,
            "actions": DEFAULT_ACTIONS,
        }


def test_reset_removes_the_seeded_rows_only(territories):
    other_site = SiteFactory(commune=CommuneFactory(code="33001"))
    other_user = UserFactory()
    other_entry = JournalEntryFactory(site=other_site, author=other_user)
    other_action = ActionFactory(
        departement=Departement.objects.get(code="33"), managers=[other_user], operators=[other_user]
    )
    _seed()
    assert JournalEntry.objects.count() == 501 and Notification.objects.exists()
    assert scale.seeded_actions().count() == DEFAULT_ACTIONS
    seeded_ids = list(scale.seeded_sites().values_list("pk", flat=True))
    seeded_action_ids = list(scale.seeded_actions().values_list("pk", flat=True))

    assert scale.delete_seeded() == 90

    assert list(Site.objects.all()) == [other_site]
    assert not HistoricalSite.objects.filter(id__in=seeded_ids).exists()
    assert not SiteOwner.history.model.objects.exists() and not ClosingOrientation.history.model.objects.exists()
    assert HistoricalSite.objects.filter(id=other_site.pk).count() == 1
    assert list(User.objects.all()) == [other_user]
    assert not Organization.objects.filter(name__endswith="(données de charge)").exists()
    assert not scale.is_seeded()
    assert list(JournalEntry.objects.all()) == [other_entry]
    for model in (Attachment, NotificationEvent, Notification, Delivery, OutgoingEmail):
        assert not model.objects.exists(), model
    assert not InterventionArea.objects.filter(organization__isnull=True, user__isnull=True).exists()
    assert list(Action.objects.all()) == [other_action]
    assert not Action.history.filter(id__in=seeded_action_ids).exists()
    for model in ACTION_MODELS:
        assert not model.history.filter(action_id__in=seeded_action_ids).exists(), model
    assert ActionManager.objects.get(action=other_action).user == other_user

    _seed()
    assert scale.seeded_sites().count() == 90
    assert scale.seeded_actions().count() == DEFAULT_ACTIONS


# The role of the members of each kind of seeded organisation: the type's default role (accounts migration 0002),
# but the gendarmerie's observers, as in the demo world.
ROLE_OF_TYPE = {
    "delegation_interministerielle": "national_establisment",
    "agence_nationale": "national_establisment",
    "prefecture_departement": "direct_collaborator",
    "ddets": "direct_collaborator",
    "association": "association",
    "intervenant": "intervener",
    "departement": "collaborator",
    "dsden": "collaborator",
    "commune": "collaborator",
    "gendarmerie": "external_observator",
}


def _departement_of(organization: Organization) -> str | None:
    return organization.departement_id or (organization.commune.departement_id if organization.commune else None)


@pytest.mark.usefixtures("seeded")
class TestSeededDataSet(TestCase):
    """What one small seed writes: read-only checks on the data set seeded once for the module."""

    def test_small_scale_seed_keeps_the_distribution(self):
        counts = Counter(scale.seeded_sites().values_list("commune__departement_id", flat=True))

        assert sum(count for _, count in counts.most_common(20)) / 90 >= 0.8
        assert counts["93"] == max(counts.values())

    def test_every_seeded_row_passes_model_validation(self):
        sites = list(scale.seeded_sites().order_by("pk"))

        assert Counter(site.status for site in sites) == {SiteStatus.OPEN: 30, SiteStatus.CLOSED: 60}
        assert all(5 <= (site.population_total or 5) <= 300 for site in sites)
        # The database checks every constraint on insert; `full_clean` (one query per constraint) runs on a sample.
        for site in random.Random(3).sample(sites, 6):
            site.full_clean()
        for model in (SiteOwner, ClosingOrientation, SiteActor):
            rows = list(model.objects.order_by("pk")[:4])
            assert rows
            for row in rows:
                row.full_clean()

    def test_closed_sites_have_their_closing_data_and_dates_stay_in_the_window(self):
        closed = scale.seeded_sites().filter(status=SiteStatus.CLOSED)
        first_day = TODAY - datetime.timedelta(days=2 * 365)

        assert all(site.closed_at and site.closing_cause for site in closed)
        assert {site.closed_with_solutions for site in closed} >= {True, False}
        assert not ClosingOrientation.objects.filter(site__status=SiteStatus.OPEN).exists()
        for site in scale.seeded_sites():
            assert first_day <= site.declared_at <= site.updated_at < TODAY

    def test_each_site_has_at_least_five_versions_ending_with_its_current_state(self):
        seeded_users = set(User.objects.filter(email__endswith=f"@{scale.SEED_DOMAIN}").values_list("pk", flat=True))

        for site in scale.seeded_sites():
            versions = list(HistoricalSite.objects.filter(id=site.pk).order_by("history_date"))
            assert len(versions) >= 5
            assert [version.version for version in versions] == list(range(1, len(versions) + 1))
            assert [version.history_type for version in versions] == ["+"] + ["~"] * (len(versions) - 1)
            assert all(earlier.history_date < later.history_date for earlier, later in itertools.pairwise(versions))
            assert {version.history_user_id for version in versions} <= seeded_users
            last = versions[-1]
            assert (last.population_total, last.status, last.updated_at, last.version) == (
                site.population_total,
                site.status,
                site.updated_at,
                site.version,
            )
            assert versions[0].history_date == site.created_at
        # Versions change something most of the time: populations are counted again.
        totals = HistoricalSite.objects.values_list("id", "population_total")
        assert len(set(totals)) > 90

    def test_stored_statuses_and_search_text_are_computed(self):
        sites = list(scale.seeded_sites().select_related("commune__departement"))

        for site in sites:
            expected = living_conditions.site_living_conditions(site)
            assert {STATUS_FIELDS[section]: status for section, status in expected.items()} == {
                field: getattr(site, field) for field in STATUS_FIELDS.values()
            }
            commune = site.commune
            terms = commune_search_terms(commune.search_name, commune.departement.search_name, commune.postal_codes)
            assert site.search_text == site_search_text(site.address, site.name, terms)
            assert commune.search_name in site.search_text
        assert len({site.water_status for site in sites}) >= 3

    def test_accounts_sign_in_and_the_local_user_sees_only_his_departement(self):
        local = User.objects.get(email=scale.LOCAL_USER_EMAIL)
        admin = User.objects.get(email=scale.NATIONAL_ADMIN_EMAIL)

        assert local.check_password(scale.SEED_PASSWORD) and admin.check_password(scale.SEED_PASSWORD)
        assert Site.objects.visible_to(admin).count() == 90
        assert set(Site.objects.visible_to(local).values_list("commune__departement_id", flat=True)) == {"93"}
        site_departements = set(scale.seeded_sites().values_list("commune__departement_id", flat=True))
        account_departements = set(
            Organization.objects.filter(users__email__endswith=f"@{scale.SEED_DOMAIN}").values_list(
                "departement_id", flat=True
            )
        )
        assert account_departements == site_departements | {None}

        response = self.client.post(reverse("accounts:login"), {"email": local.email, "password": scale.SEED_PASSWORD})
        assert response.status_code == 302
        site = Site.objects.visible_to(local).order_by("pk").first()
        assert self.client.get(reverse("settlements:list")).status_code == 200
        assert self.client.get(reverse("settlements:detail", args=[site.pk])).status_code == 200
        history = self.client.get(reverse("settlements:history", args=[site.pk]))
        assert history.status_code == 200
        assert history.content.decode().count("Mise à jour") >= 1

    def test_users_spread_over_the_organisations_with_the_role_of_their_type(self):
        users = list(
            User.objects.filter(email__endswith=f"@{scale.SEED_DOMAIN}").select_related(
                "organization__type", "organization__commune"
            )
        )
        organizations = Organization.objects.filter(name__endswith="(données de charge)").select_related("type")
        site_departements = set(scale.seeded_sites().values_list("commune__departement_id", flat=True))

        assert len(users) == 400
        assert {user.organization.type.uid: user.role for user in users} == ROLE_OF_TYPE
        assert all(user.role == ROLE_OF_TYPE[user.organization.type.uid] for user in users)
        assert all(organization.users.exists() for organization in organizations)
        # 2 national organisations; 10 per département with sites: 2 associations, its 2 communes and 6 others.
        assert organizations.count() == 2 + 10 * len(site_departements)
        for organization in organizations:
            area = InterventionArea.objects.get(organization=organization)
            assert (area.area_type, area.departement_id, area.commune_id, area.is_main_area) == (
                organization.area_type,
                organization.departement_id,
                organization.commune_id,
                True,
            )
        admins = Counter(user.admin_role for user in users if user.admin_role)
        assert admins == {AdminRole.NATIONAL_ADMIN: 1, AdminRole.LOCAL_ADMIN: len(site_departements)}
        assert Counter(user.status for user in users)[UserStatus.ACTIVE] > 300
        # The densest département has the most accounts.
        per_departement = Counter(_departement_of(user.organization) for user in users)
        del per_departement[None]
        assert per_departement.most_common(1)[0][0] == "93"

    def test_site_actors_work_in_the_site_departement(self):
        actors = SiteActor.objects.select_related("site__commune", "user__organization__type")
        open_with_actors = scale.seeded_sites().filter(status=SiteStatus.OPEN, actors__isnull=False).distinct()

        # Half the 30 open sites have actors (a binomial draw: 15 expected), a tenth of the 60 closed ones (6).
        assert 8 <= open_with_actors.count() <= 22
        assert (
            1 <= scale.seeded_sites().filter(status=SiteStatus.CLOSED, actors__isnull=False).distinct().count() <= 14
        )
        for actor in actors:
            assert actor.user.organization.type.uid in {"association", "intervenant"}
            assert actor.user.organization.departement_id == actor.site.commune.departement_id
            assert actor.user.status == UserStatus.ACTIVE

    def test_messages_are_written_on_seeded_sites_by_people_of_their_departement(self):
        entries = list(
            JournalEntry.objects.select_related("site__commune", "author__organization").prefetch_related(
                "target_organizations__type", "target_users__organization", "tags"
            )
        )
        seeded_site_ids = set(scale.seeded_sites().values_list("pk", flat=True))

        assert len(entries) == 500
        assert {entry.site_id for entry in entries} <= seeded_site_ids
        # Exactly a tenth is targeted, half of them (about) to the préfecture and DDETS.
        targeted = [entry for entry in entries if not entry.is_public]
        assert len(targeted) == 50
        audiences = Counter(entry.audience for entry in targeted)
        assert set(audiences) == {Audience.PREFECTURE_DDETS, Audience.CUSTOM}
        assert 10 <= audiences[Audience.PREFECTURE_DDETS] <= 40
        for entry in entries:
            departement = entry.site.commune.departement_id
            assert entry.author.email.endswith(f"@{scale.SEED_DOMAIN}")
            assert entry.author.organization.departement_id == departement
            end = entry.site.closed_at or TODAY
            assert entry.site.created_at <= entry.created_at
            assert entry.created_at.date() <= end
            assert (entry.kind == EntryKind.HEALTH) == (entry.health_date is not None)
            organizations = list(entry.target_organizations.all())
            users = list(entry.target_users.all())
            if entry.audience == Audience.PREFECTURE_DDETS:
                assert sorted(each.type.uid for each in organizations) == ["ddets", "prefecture_departement"]
                assert {each.departement_id for each in organizations} == {departement}
                assert users == []
            elif entry.audience == Audience.CUSTOM:
                assert organizations or users
                assert {_departement_of(each) for each in organizations} <= {departement}
                assert {_departement_of(each.organization) for each in users} <= {departement}
            else:
                assert organizations == users == []
        # Some health follow-ups (8 % expected: 40), tags (40 %: 200), deletions (1 %: 5) and attachments (3 %: 15
        # messages, 1 or 2 files each), all written out as metadata.
        kinds = Counter(entry.kind for entry in entries)
        assert 20 <= kinds[EntryKind.HEALTH] <= 65
        assert 150 <= sum(1 for entry in entries if entry.tags.all()) <= 250
        assert 1 <= sum(1 for entry in entries if entry.deleted_at) <= 15
        attachments = list(Attachment.objects.all())
        assert 5 <= len(attachments) <= 50
        assert all(each.file.name.startswith("journal/seed-scale/") for each in attachments)
        # The busiest journal is much longer than the average (500 / 90 sites ≈ 5.6).
        busiest = Counter(entry.site_id for entry in entries).most_common(1)[0][1]
        assert busiest >= 20

    def test_the_sites_versions_are_events_of_the_activity_feed(self):
        """As the services record them: one « declared » per site, one « closed » per closed site, an « updated » per
        other version (its id), each at the version's time and in the site's place, fanned out to nobody."""
        events = list(NotificationEvent.objects.exclude(kind="journal_message_posted"))
        versions = Site.history.model.objects.in_bulk(field_name="history_id")
        sites = Site.objects.select_related("commune").in_bulk()

        declared = [event for event in events if event.kind == "site_declared"]
        closed = [event for event in events if event.kind == "site_closed"]
        updated = [event for event in events if event.kind == "site_updated"]
        assert sorted(event.object_id for event in declared) == sorted(sites)
        assert sorted(event.object_id for event in closed) == sorted(
            pk for pk, site in sites.items() if site.is_closed
        )
        assert len(declared) + len(closed) + len(updated) == len(versions)
        for event in updated:
            version = versions[event.object_id]
            assert version.history_type == "~" and event.created_at == version.history_date
            assert event.changed_open_data
        for event in events:
            site = sites[event.object_id] if event.kind != "site_updated" else sites[versions[event.object_id].id]
            assert (event.commune_id, event.departement_id) == (site.commune_id, site.commune.departement_id)
            assert event.fanned_out_at is not None

    def test_recent_messages_were_fanned_out_to_readers(self):
        notifications = list(Notification.objects.select_related("event", "user__organization"))
        entries = JournalEntry.objects.prefetch_related("target_users", "target_organizations").in_bulk()
        first_day = datetime.datetime.combine(
            TODAY - datetime.timedelta(days=scale.NOTIFIED_DAYS), datetime.time(0), tzinfo=datetime.UTC
        )

        assert notifications
        events = NotificationEvent.objects.filter(kind="journal_message_posted")
        assert events and all(
            event.departement_id == entries[event.object_id].site.commune.departement_id for event in events
        )
        for event in events:
            entry = entries[event.object_id]
            assert entry.deleted_at is None and entry.created_at >= first_day - datetime.timedelta(days=1)
            assert event.actor_id == entry.author_id and event.fanned_out_at > event.created_at
        for notification in notifications:
            entry = entries[notification.event.object_id]
            assert notification.user_id != entry.author_id
            assert notification.url.startswith(f"/sites/{entry.site_id}/journal/")
            assert notification.url.endswith(f"#message-{entry.pk}")
            if not entry.is_public:
                assert notification.user_id in entry.target_user_ids or (
                    notification.user.organization_id in entry.target_organization_ids
                )
        # One delivery per notification; most with their sent email, a fifth opted out.
        deliveries = {(each.event_id, each.user_id): each for each in Delivery.objects.select_related("email")}
        assert set(deliveries) == {(each.event_id, each.user_id) for each in notifications}
        opted_out = sum(1 for each in deliveries.values() if each.email_opted_out)
        assert 0 < opted_out < len(deliveries) / 2
        assert all(each.email.status == EmailStatus.SENT for each in deliveries.values() if each.email)
        assert OutgoingEmail.objects.count() == len(deliveries) - opted_out
        # Read and unread; the local bench account has some of both.
        assert {each.read_at is None for each in notifications} == {True, False}
        local = [each for each in notifications if each.user.email == scale.LOCAL_USER_EMAIL]
        assert {each.read_at is None for each in local} == {True, False}


# Who pilots and who operates the seeded actions, by organisation type (written out: the types whose members may
# create an action in their département, and those who work on sites).
PILOT_TYPES = {"prefecture_departement", "ddets", "association", "departement"}
OPERATOR_TYPES = {"association", "intervenant"}


FINANCE_FIELDS = ["year", "finance_type", "amount", "real_amount", "comments"]


def _assert_unchanged(message: str, service, **arguments) -> None:
    """The service refuses the save, with `message` alone: every rule passed and nothing changed."""
    __tracebackhide__ = True
    with pytest.raises(ValidationError) as refused:
        service(**arguments)
    assert refused.value.message_dict == {"__all__": [message]}


def _years_entered(action: Action) -> set[int]:
    """The years of the action up to the seed's: those that have finances (or indicators) when it has any."""
    last = min(action.ended_at.year if action.ended_at else TODAY.year, TODAY.year)
    return set(range(action.started_at.year, last + 1))


@pytest.mark.usefixtures("seeded_with_actions")
class TestSeededActions(TestCase):
    """The 30 actions written over a small seed: read-only checks, and writes that must change nothing."""

    def _actions(self) -> list[Action]:
        return list(
            scale.seeded_actions()
            .with_members()
            .select_related("created_by", "departement", "location_eti_commune")
            .prefetch_related("site_links__site__commune", "finances", "metrics")
            .order_by("pk")
        )

    def test_actions_spread_over_the_departements_in_proportion_to_their_sites(self):
        actions = Counter(scale.seeded_actions().values_list("departement_id", flat=True))
        sites = Counter(scale.seeded_sites().values_list("commune__departement_id", flat=True))

        assert sum(actions.values()) == ACTIONS
        assert set(actions) <= set(sites)
        assert actions["93"] == max(actions.values())
        for code, count in sites.items():
            assert abs(actions[code] - ACTIONS * count / 90) < 1, code

    def test_pilots_operators_and_sites_are_people_and_sites_of_the_action_departement(self):
        actions = self._actions()
        people = User.objects.select_related("organization__type").in_bulk(
            [member.user_id for action in actions for member in [*action.managers.all(), *action.operators.all()]]
        )
        links = alive = 0
        for action in actions:
            code = action.departement_id
            managers, operators = list(action.managers.all()), list(action.operators.all())
            assert 1 <= len(managers) <= 3 and 1 <= len(operators) <= 3
            for member, types in [(each, PILOT_TYPES) for each in managers] + [
                (each, OPERATOR_TYPES) for each in operators
            ]:
                user = people[member.user_id]
                assert member.organization_id == user.organization_id
                assert user.status == UserStatus.ACTIVE and user.email.endswith(f"@{scale.SEED_DOMAIN}")
                assert user.organization.type.uid in types
                assert user.organization.departement_id == code
            assert action.created_by_id == managers[0].user_id
            assert permissions.can_create_action(action.created_by, action.departement)
            sites = [link.site for link in action.site_links.all()]
            if action.location_type == LocationType.SUR_SITE:
                assert 1 <= len(sites) <= 5
                assert {site.commune.departement_id for site in sites} == {code}
                links += len(sites)
                until = action.ended_at or TODAY
                alive += sum(
                    1 for site in sites if site.declared_at <= until and (site.closed_at or until) >= action.started_at
                )
            else:
                assert sites == []
            if action.location_type == LocationType.ETI:
                assert action.location_eti and action.location_eti_commune.departement_id == code
        # The sites of an action existed while it ran (unless none of its département did).
        assert alive >= 0.8 * links > 0
        assert Counter(action.location_type for action in actions)[LocationType.SUR_SITE] >= ACTIONS / 3
        assert len({action.location_type for action in actions}) >= 3

    def test_a_third_ended_half_have_finances_a_third_indicators(self):
        actions = self._actions()
        first_day = TODAY - datetime.timedelta(days=2 * 365)

        finished = [action for action in actions if action.ended_at and action.ended_at < TODAY]
        assert len(finished) == ACTIONS // 3
        assert sum(1 for action in actions if action.finances.all()) == ACTIONS // 2
        assert sum(1 for action in actions if action.metrics.all()) == ACTIONS // 3
        for action in actions:
            assert first_day <= action.started_at < TODAY
            assert action.ended_at is None or action.ended_at >= action.started_at
            assert action.topics and action.goals
        # Years of finances and indicators: every year of the action up to the seed's, 1 to 3 lines of different
        # types a year.
        for action in actions:
            finances = list(action.finances.all())
            if finances:
                assert {finance.year for finance in finances} == _years_entered(action)
                for year in _years_entered(action):
                    types = [finance.finance_type for finance in finances if finance.year == year]
                    assert 1 <= len(types) <= 3 and len(set(types)) == len(types)
                assert all(0 <= finance.real_amount <= finance.amount for finance in finances)
            if action.metrics.all():
                assert {metrics.year for metrics in action.metrics.all()} == _years_entered(action)

    def test_the_services_find_every_action_valid_and_nothing_to_change(self):
        """Each action, its finances and its indicators saved again by its first pilot through the services, which
        check every rule (dates, places, sites, years, amounts, the bounds of each indicator): all pass, and all are
        refused only because nothing changed."""
        for action in self._actions():
            author, version = action.created_by, action.version
            values = {
                "name": action.name,
                "started_at": action.started_at,
                "ended_at": action.ended_at,
                "topics": [topic.value for topic in action.topics],
                "goals": action.goals,
                "departement": action.departement,
                "location_type": action.location_type,
                "location_eti": action.location_eti,
                "location_eti_commune": action.location_eti_commune,
                "location_eti_latitude": action.location_eti_latitude,
                "location_eti_longitude": action.location_eti_longitude,
                "location_autre": action.location_autre,
                "sites": [link.site for link in action.site_links.all()],
                "managers": [member.user for member in action.managers.all()],
                "operators": [member.user for member in action.operators.all()],
            }
            _assert_unchanged(
                "Aucune donnée n'a changé.",
                action_update,
                action_id=action.pk,
                author=author,
                expected_version=version,
                values=values,
            )
            if action.finances.all():
                _assert_unchanged(
                    "Aucun financement n'a changé.",
                    action_finances_update,
                    action_id=action.pk,
                    author=author,
                    expected_version=version,
                    rows=[
                        {"id": each.pk, **{name: getattr(each, name) for name in FINANCE_FIELDS}}
                        for each in action.finances.all()
                    ],
                )
            for metrics in action.metrics.all():
                _assert_unchanged(
                    "Aucun indicateur n'a changé.",
                    action_metrics_update,
                    action_id=action.pk,
                    author=author,
                    expected_version=version,
                    year=metrics.year,
                    values={name: getattr(metrics, name) for name in METRIC_FIELDS},
                )

    def test_indicators_fill_the_sections_of_the_action_topics_only(self):
        for metrics in ActionMetrics.objects.filter(action__in=scale.seeded_actions()).select_related("action"):
            topics = set(metrics.action.topics)
            assert metrics.nombre_personnes >= 1
            for _, topic, names in METRIC_SECTIONS:
                if topic is not None and topic not in topics:
                    assert all(getattr(metrics, name) is None for name in names), (metrics, names)
            shown = [name for _, topic, names in METRIC_SECTIONS if topic is None or topic in topics for name in names]
            assert any(getattr(metrics, name) is not None for name in shown if name != "nombre_personnes")

    def test_each_action_has_the_versions_the_services_write(self):
        for action in self._actions():
            versions = list(action.history.order_by("history_date", "history_id"))
            assert [version.version for version in versions] == list(range(1, action.version + 1))
            assert [version.history_type for version in versions] == ["+"] + ["~"] * (action.version - 1)
            assert all(earlier.history_date < later.history_date for earlier, later in itertools.pairwise(versions))
            assert (versions[0].history_date, versions[0].history_user_id) == (action.created_at, action.created_by_id)
            assert (versions[-1].history_date, versions[-1].history_user_id, versions[-1].updated_at) == (
                action.updated_at,
                action.updated_by_id,
                action.updated_at,
            )
            # One version for the creation, one per year of finances, one per year of indicators.
            finance_years = {finance.year for finance in action.finances.all()}
            assert action.version == 1 + len(finance_years) + len(action.metrics.all())
            # Every row has its « created » version, no later than the action's last version.
            for model in ACTION_MODELS:
                rows = set(model.objects.filter(action=action).values_list("pk", flat=True))
                history = list(model.history.filter(action_id=action.pk))
                assert {each.id for each in history} == rows, model
                assert all(each.history_type == "+" for each in history)
                assert all(action.created_at <= each.history_date <= action.updated_at for each in history)

    def test_the_pages_show_the_seeded_actions_and_their_history(self):
        admin = User.objects.get(email=scale.NATIONAL_ADMIN_EMAIL)
        local = User.objects.get(email=scale.LOCAL_USER_EMAIL)
        in_93 = scale.seeded_actions().filter(departement_id="93").count()
        assert set(Action.objects.visible_to(local).values_list("pk", flat=True)) == set(
            scale.seeded_actions().filter(departement_id="93").values_list("pk", flat=True)
        )

        self.client.force_login(admin)
        response = self.client.get(reverse("actions:list"))
        assert response.status_code == 200
        assert response.context["page"].paginator.count == ACTIONS
        self.client.force_login(local)
        assert self.client.get(reverse("actions:list")).context["page"].paginator.count == in_93

        # A pilot of a financed action reads its amounts on its page and its versions in its history.
        action = next(action for action in self._actions() if action.finances.all() and action.metrics.all())
        finance = action.finances.all()[0]
        self.client.force_login(action.created_by)
        page = self.client.get(action.get_absolute_url())
        assert page.status_code == 200 and euros(finance.amount) in page.content.decode()
        history = self.client.get(reverse("actions:history", kwargs={"pk": action.pk}))
        assert history.status_code == 200
        text = history.content.decode()
        assert "Création de l&#x27;action" in text or "Création de l'action" in text
        assert euros(finance.amount) in text
        assert f"Indicateurs {action.metrics.all()[0].year}" in text
