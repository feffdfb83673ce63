"""The catalogue of notifications (reference §D.4, §F.3, §C.10), one declarative class each.

Every rule of who is told keeps only people who may read what they are told about: a notification never reveals a
site, or a targeted journal message (§A.6), to someone who could not open it. The rules about roles and territories
come from `accounts.permissions` (`users_holding_q`, `journal_entry_readers_q`).

Two kinds are recorded for the activity feed only (§F.2: a site's update, a person who joined): they tell nobody
(`_FeedOnly`), and the fan-out handles them as any other kind.
"""

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from resorption.accounts import permissions
from resorption.accounts.enums import AdminRole, EmailSubscription, Role
from resorption.accounts.models import Organization, User, effective_role_q
from resorption.actions.models import Action, ActionEntry
from resorption.core.navigation import url_for
from resorption.journal.enums import EntryKind
from resorption.journal.models import JournalEntry, TerritorialMessage
from resorption.notifications.registry import NotificationKind, register
from resorption.settlements.actors import site_url
from resorption.settlements.models import Site, SiteActor
from resorption.territories.location import Territories, located_at_q, located_in_q
from resorption.territories.models import Commune


def _watching_organizations_q(commune: Commune) -> Q:
    """Organisations that hear about what happens in this commune (§D.4, §F.3): located at the level of its
    département or at one of the département's communes, or in its EPCI (at it or at one of its communes) — not at
    another EPCI of the département, nor at a région or the national level."""
    located = located_in_q(Territories(departements=frozenset({commune.departement_id})), with_overlapping_epcis=False)
    if commune.epci_id is not None:
        located |= located_in_q(Territories(epcis=frozenset({commune.epci_id})))
    return located


def _members_of(located: Q) -> Q:
    return Q(organization__in=Organization.objects.filter(located).values("pk"))


def _absolute(path: str) -> str:
    return settings.BASE_URL + path


# ---------------------------------------------------------------------------------------------------------------------
# Journal
# ---------------------------------------------------------------------------------------------------------------------


@register
class JournalMessagePosted(NotificationKind):
    """A message (or a health follow-up) posted in a site's journal (§D.4 `user_new_comment`).

    Told: the site's watchers — its actors, the local admins whose areas cover the site, the members of organisations
    located in its département (at that level or at one of its communes) and of organisations located in its EPCI —
    among the people who may read this very message: a targeted message reaches only its audience (§A.6).
    """

    name = "journal_message_posted"
    label = "Nouveau message dans le journal d'un site"
    category = EmailSubscription.COMMENT_NOTIFICATION
    email_template = "journal_message_posted"
    text_template = "notifications/texts/journal_message_posted.txt"

    @classmethod
    def load(cls, object_id: int) -> JournalEntry | None:
        return (
            JournalEntry.objects.alive()
            .select_related("site__commune", "author__organization")
            .prefetch_related("tags", "target_users", "target_organizations", "attachments")
            .filter(pk=object_id)
            .first()
        )

    @classmethod
    def recipients(cls, obj: JournalEntry, users: QuerySet[User]) -> QuerySet[User]:
        commune = obj.site.commune
        watchers = (
            Q(pk__in=SiteActor.objects.filter(site_id=obj.site_id).values("user_id"))
            | (
                Q(admin_role=AdminRole.LOCAL_ADMIN)
                & permissions.users_holding_q("shantytown_comment.moderate", commune)
            )
            | _members_of(_watching_organizations_q(commune))
        )
        return users.filter(watchers).filter(permissions.journal_entry_readers_q(obj))

    @classmethod
    def context(cls, obj: JournalEntry) -> dict[str, Any]:
        return {
            "entry": obj,
            "site": obj.site,
            "commune": obj.site.commune,
            "is_health": obj.kind == EntryKind.HEALTH,
            "tags": [tag.label for tag in obj.tags.all()],
            "attachment_count": len(obj.attachments.all()),
            "entry_url": _absolute(cls.url(obj)),
        }

    @classmethod
    def url(cls, obj: JournalEntry) -> str:
        journal = url_for("journal:journal", "site_id", obj.site_id)
        tab = "?onglet=sanitaire" if obj.kind == EntryKind.HEALTH else ""
        return f"{journal}{tab}#message-{obj.pk}"


@register
class ActionMessagePosted(NotificationKind):
    """A message posted in an action's journal (§E.3 `user_new_action_comment`).

    Told: the action's pilots and operators, and the correspondents (« Correspondant » role) of organisations located
    in the action's région or at the national level — among the people who may read this very message
    (`permissions.can_read_action_entry`, decided for each of them: they are a few dozen at most, and the rule is then
    the page's own rather than a second one written as a filter).
    """

    name = "action_message_posted"
    label = "Nouveau message dans le journal d'une action"
    category = EmailSubscription.ACTION_COMMENT_NOTIFICATION
    email_template = "actions/message_posted"
    text_template = "notifications/texts/action_message_posted.txt"

    @classmethod
    def load(cls, object_id: int) -> ActionEntry | None:
        entry = (
            ActionEntry.objects.alive()
            .select_related("author__organization")
            .prefetch_related("target_users", "target_organizations", "attachments")
            .filter(pk=object_id)
            .first()
        )
        if entry is not None:
            entry.action = Action.objects.with_members().select_related("departement").get(pk=entry.action_id)
        return entry

    @classmethod
    def recipients(cls, obj: ActionEntry, users: QuerySet[User]) -> QuerySet[User]:
        action = obj.action
        members = {member.user_id for member in (*action.managers.all(), *action.operators.all())}
        region = Territories(regions=frozenset({action.departement.region_id}))
        correspondents = effective_role_q([Role.DIRECT_COLLABORATOR]) & _members_of(
            located_in_q(region) | located_at_q(Territories(nation=True))
        )
        candidates = users.filter(Q(pk__in=members) | correspondents)
        return users.filter(pk__in=[user.pk for user in candidates if permissions.can_read_action_entry(user, obj)])

    @classmethod
    def context(cls, obj: ActionEntry) -> dict[str, Any]:
        return {
            "entry": obj,
            "action": obj.action,
            "attachment_count": len(obj.attachments.all()),
            "entry_url": _absolute(cls.url(obj)),
        }

    @classmethod
    def url(cls, obj: ActionEntry) -> str:
        return url_for("actions:journal", "pk", obj.action_id) + f"#message-{obj.pk}"


@register
class TerritorialMessagePosted(NotificationKind):
    """A territorial message published to the sites of several départements (§I.2).

    Told: the members of organisations located in one of those départements (at that level, in one of its EPCI or at
    one of its communes) who read the site journals there.
    """

    name = "territorial_message_posted"
    label = "Message territorial"
    category = EmailSubscription.COMMENT_NOTIFICATION
    email_template = "territorial_message_posted"
    text_template = "notifications/texts/territorial_message_posted.txt"

    @classmethod
    def load(cls, object_id: int) -> TerritorialMessage | None:
        return (
            TerritorialMessage.objects.alive()
            .select_related("author", "organization")
            .prefetch_related("departements")
            .filter(pk=object_id)
            .first()
        )

    @classmethod
    def recipients(cls, obj: TerritorialMessage, users: QuerySet[User]) -> QuerySet[User]:
        codes = [departement.code for departement in obj.departements.all()]
        located = located_in_q(Territories(departements=frozenset(codes)))
        # Reading a journal is a reading feature, granted per département: any commune stands for its département
        # (one query per addressed département, a handful).
        readers = Q(pk__in=[])
        for code in codes:
            commune = Commune.objects.filter(departement_id=code).order_by("code").first()
            if commune is not None:
                readers |= permissions.users_holding_q("shantytown_comment.list", commune)
        return users.filter(_members_of(located)).filter(readers).distinct()

    @classmethod
    def context(cls, obj: TerritorialMessage) -> dict[str, Any]:
        return {
            "message": obj,
            "departements": ", ".join(
                f"{departement.name} ({departement.code})" for departement in obj.departements.all()
            ),
            "message_url": _absolute(cls.url(obj)),
        }

    @classmethod
    def url(cls, obj: TerritorialMessage) -> str:
        return obj.get_absolute_url()


# ---------------------------------------------------------------------------------------------------------------------
# Sites
# ---------------------------------------------------------------------------------------------------------------------


class _TerritorySiteEvent(NotificationKind):
    """A site declared or closed (§F.3 `user_shantytown_declared` / `user_shantytown_closed`).

    Told: the members of the organisations located at the level of the site's département (or at one of its
    communes), and of those located in its EPCI (or at one of its communes) — not régional or national organisations
    — who may read the site.
    """

    @classmethod
    def load(cls, object_id: int) -> Site | None:
        return Site.objects.select_related("commune__departement").filter(pk=object_id).first()

    @classmethod
    def recipients(cls, obj: Site, users: QuerySet[User]) -> QuerySet[User]:
        commune = obj.commune
        return users.filter(_members_of(_watching_organizations_q(commune))).filter(
            permissions.site_readers_q(commune)
        )

    @classmethod
    def context(cls, obj: Site) -> dict[str, Any]:
        return {
            "site": obj,
            "commune": obj.commune,
            "departement": obj.commune.departement,
            "site_url": _absolute(cls.url(obj)),
        }

    @classmethod
    def url(cls, obj: Site) -> str:
        return url_for("settlements:detail", "pk", obj.pk)


@register
class SiteDeclared(_TerritorySiteEvent):
    name = "site_declared"
    label = "Nouveau site déclaré sur le territoire"
    category = EmailSubscription.SHANTYTOWN_CREATION
    email_template = "site_declared"
    text_template = "notifications/texts/site_declared.txt"


@register
class SiteClosed(_TerritorySiteEvent):
    name = "site_closed"
    label = "Fermeture d'un site du territoire"
    category = EmailSubscription.SHANTYTOWN_CLOSURE
    email_template = "site_closed"
    text_template = "notifications/texts/site_closed.txt"

    @classmethod
    def context(cls, obj: Site) -> dict[str, Any]:
        return {**super().context(obj), "closing_cause": obj.get_closing_cause_display()}


class _FeedOnly(NotificationKind):
    """An event recorded for the activity feed (§F.2) that tells nobody: its recipients rule designates nobody, so
    `services.event_fan_out` — the same path for every kind — marks it fanned out without a delivery, an in-app
    notification or an email. Hence no templates: nothing is ever rendered for it."""

    category = None
    email_template = ""
    text_template = ""

    @classmethod
    def recipients(cls, obj: Any, users: QuerySet[User]) -> QuerySet[User]:
        return users.none()


@register
class SiteUpdated(_FeedOnly):
    """A site updated (§C.8), shown in the activity feed with what the update changed: its object is the site version
    the update saved (`HistoricalSite.history_id`, compared with the version before it)."""

    name = "site_updated"
    label = "Mise à jour d'un site (historique des activités)"

    @classmethod
    def load(cls, object_id: int) -> Any | None:
        return Site.history.filter(history_id=object_id).first()

    @classmethod
    def context(cls, obj: Any) -> dict[str, Any]:
        return {"site_id": obj.id}

    @classmethod
    def url(cls, obj: Any) -> str:
        return url_for("settlements:history", "pk", obj.id)


# ---------------------------------------------------------------------------------------------------------------------
# Site actors
# ---------------------------------------------------------------------------------------------------------------------


@register
class SiteActorAdded(NotificationKind):
    """Someone added a person to a site's actors (§C.10 `shantytown_actor_notification`). Told: that person, while
    she may read the site. Her replies go to the person who added her."""

    name = "site_actor_added"
    label = "Ajout aux intervenants d'un site"
    category = None  # §B.8 offers no subscription for it: being added to a site is always told
    email_template = "site_actor_added"
    text_template = "notifications/texts/site_actor_added.txt"

    @classmethod
    def load(cls, object_id: int) -> SiteActor | None:
        return (
            SiteActor.objects.select_related("site__commune", "user", "created_by__organization")
            .filter(pk=object_id, created_by__isnull=False)
            .first()
        )

    @classmethod
    def recipients(cls, obj: SiteActor, users: QuerySet[User]) -> QuerySet[User]:
        return users.filter(pk=obj.user_id).filter(permissions.site_readers_q(obj.site.commune))

    @classmethod
    def context(cls, obj: SiteActor) -> dict[str, Any]:
        return {
            "person": obj.user,
            "added_by": obj.created_by,
            "added_by_organization": obj.created_by.organization,
            "site": obj.site,
            "commune": obj.site.commune,
            "themes": obj.theme_labels,
            "site_url": site_url(obj.site),
        }

    @classmethod
    def url(cls, obj: SiteActor) -> str:
        return url_for("settlements:detail", "pk", obj.site_id) + "#intervenants"

    @classmethod
    def reply_to(cls, obj: SiteActor) -> list[str]:
        return [obj.created_by.email]


# ---------------------------------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------------------------------


@register
class UserActivated(_FeedOnly):
    """A person activated her account (§B.4): « X de <structure> a rejoint la plateforme » in the activity feed."""

    name = "user_activated"
    label = "Nouvel utilisateur de la plateforme (historique des activités)"

    @classmethod
    def load(cls, object_id: int) -> User | None:
        return User.objects.filter(pk=object_id).first()

    @classmethod
    def context(cls, obj: User) -> dict[str, Any]:
        return {"person": obj}

    @classmethod
    def url(cls, obj: User) -> str:
        return url_for("directory:person", "pk", obj.pk)
