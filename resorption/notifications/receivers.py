"""Receivers of the domain signals (`settlements.signals`, `journal.signals`): each records a notification event in
the transaction of the change; `services.event_fan_out` tells people after commit. Connected in `AppConfig.ready()`."""

from django.dispatch import receiver

from resorption.actions.signals import action_entry_posted
from resorption.journal.signals import journal_entry_posted, territorial_message_posted
from resorption.notifications import catalogue, services
from resorption.settlements.signals import site_actor_added, site_closed, site_declared


@receiver(journal_entry_posted, dispatch_uid="notifications.journal_entry_posted")
def on_journal_entry_posted(sender, *, entry, user, **kwargs) -> None:
    services.event_record(kind=catalogue.JournalMessagePosted.name, object_id=entry.pk, actor=user)


@receiver(site_declared, dispatch_uid="notifications.site_declared")
def on_site_declared(sender, *, site, user, **kwargs) -> None:
    services.event_record(kind=catalogue.SiteDeclared.name, object_id=site.pk, actor=user)


@receiver(site_closed, dispatch_uid="notifications.site_closed")
def on_site_closed(sender, *, site, user, **kwargs) -> None:
    services.event_record(kind=catalogue.SiteClosed.name, object_id=site.pk, actor=user)


@receiver(site_actor_added, dispatch_uid="notifications.site_actor_added")
def on_site_actor_added(sender, *, actor, added_by, **kwargs) -> None:
    services.event_record(kind=catalogue.SiteActorAdded.name, object_id=actor.pk, actor=added_by)


@receiver(territorial_message_posted, dispatch_uid="notifications.territorial_message_posted")
def on_territorial_message_posted(sender, *, message, user, **kwargs) -> None:
    services.event_record(kind=catalogue.TerritorialMessagePosted.name, object_id=message.pk, actor=user)


@receiver(action_entry_posted, dispatch_uid="notifications.action_entry_posted")
def on_action_entry_posted(sender, *, entry, user, **kwargs) -> None:
    services.event_record(kind=catalogue.ActionMessagePosted.name, object_id=entry.pk, actor=user)
