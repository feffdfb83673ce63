"""Receivers of the domain signals (`settlements.signals`, `journal.signals`, `actions.signals`, `accounts.signals`):
each records an event, with where it happened, in the transaction of the change; `services.event_fan_out` tells
people after commit, and the activity feed lists the same events. Connected in `AppConfig.ready()`."""

from collections.abc import Collection

from django.dispatch import receiver

from resorption.accounts.enums import AreaType
from resorption.accounts.signals import user_activated
from resorption.actions.signals import action_entry_posted
from resorption.journal.signals import journal_entry_posted, territorial_message_posted
from resorption.notifications import catalogue, services
from resorption.notifications.models import NotificationEvent
from resorption.settlements.confidential import JUSTICE_FIELDS, OWNER_FIELDS
from resorption.settlements.signals import site_actor_added, site_closed, site_declared, site_updated
from resorption.territories.models import Epci


def _site_place(site) -> dict:
    """What an event about a site records of it: the site, its commune and the commune's département (loaded with the
    commune)."""
    return {"site_id": site.pk, "commune_id": site.commune_id, "departement_id": site.commune.departement_id}


@receiver(journal_entry_posted, dispatch_uid="notifications.journal_entry_posted")
def on_journal_entry_posted(sender, *, entry, user, **kwargs) -> None:
    services.event_record(
        kind=catalogue.JournalMessagePosted.name,
        object_id=entry.pk,
        actor=user,
        is_public=entry.is_public,
        **_site_place(entry.site),
    )


@receiver(site_declared, dispatch_uid="notifications.site_declared")
def on_site_declared(sender, *, site, user, **kwargs) -> None:
    services.event_record(kind=catalogue.SiteDeclared.name, object_id=site.pk, actor=user, **_site_place(site))


@receiver(site_updated, dispatch_uid="notifications.site_updated")
def on_site_updated(sender, *, site, user, version_id: int, changed: Collection[str], **kwargs) -> None:
    """Records which kinds of data the update changed (settlements/confidential.py), for the feed to leave out, in
    SQL, an update whose every change its reader may not see. A site moved to another commune takes its events
    along: the feed decides who sees them by their place, which must stay the site's."""
    names = set(changed)
    if "commune" in names:
        NotificationEvent.objects.filter(site=site).update(
            commune_id=site.commune_id, departement_id=site.commune.departement_id
        )
    services.event_record(
        kind=catalogue.SiteUpdated.name,
        object_id=version_id,
        actor=user,
        changed_open_data=bool(names - {*JUSTICE_FIELDS, *OWNER_FIELDS}),
        changed_justice=bool(names & set(JUSTICE_FIELDS)),
        changed_owners=bool(names & set(OWNER_FIELDS)),
        **_site_place(site),
    )


@receiver(site_closed, dispatch_uid="notifications.site_closed")
def on_site_closed(sender, *, site, user, **kwargs) -> None:
    services.event_record(kind=catalogue.SiteClosed.name, object_id=site.pk, actor=user, **_site_place(site))


@receiver(site_actor_added, dispatch_uid="notifications.site_actor_added")
def on_site_actor_added(sender, *, actor, added_by, **kwargs) -> None:
    services.event_record(
        kind=catalogue.SiteActorAdded.name, object_id=actor.pk, actor=added_by, **_site_place(actor.site)
    )


@receiver(territorial_message_posted, dispatch_uid="notifications.territorial_message_posted")
def on_territorial_message_posted(sender, *, message, user, **kwargs) -> None:
    # Addressed to several départements: no one place.
    services.event_record(kind=catalogue.TerritorialMessagePosted.name, object_id=message.pk, actor=user)


@receiver(action_entry_posted, dispatch_uid="notifications.action_entry_posted")
def on_action_entry_posted(sender, *, entry, user, **kwargs) -> None:
    services.event_record(
        kind=catalogue.ActionMessagePosted.name,
        object_id=entry.pk,
        actor=user,
        departement_id=entry.action.departement_id,
        is_public=entry.is_public,
    )


@receiver(user_activated, dispatch_uid="notifications.user_activated")
def on_user_activated(sender, *, user, **kwargs) -> None:
    services.event_record(
        kind=catalogue.UserActivated.name, object_id=user.pk, actor=user, **_organization_place(user.organization)
    )


def _organization_place(organization) -> dict[str, str | None]:
    """Where a person's organisation is located, as far as a département: its commune and the commune's département,
    its département, or the one département of its EPCI; nothing for a région or the nation (wider than one
    département), nor for an EPCI across départements."""
    if organization.area_type == AreaType.COMMUNE and organization.commune_id is not None:
        return {"commune_id": organization.commune_id, "departement_id": organization.commune.departement_id}
    if organization.area_type == AreaType.DEPARTEMENT:
        return {"commune_id": None, "departement_id": organization.departement_id}
    if organization.area_type == AreaType.EPCI and organization.epci_id is not None:
        through = Epci.departements.through
        codes = list(through.objects.filter(epci_id=organization.epci_id).values_list("departement_id", flat=True)[:2])
        return {"commune_id": None, "departement_id": codes[0] if len(codes) == 1 else None}
    return {"commune_id": None, "departement_id": None}
