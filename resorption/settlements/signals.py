"""What the site services announce to the apps above them (notifications, later the activity feed).

`settlements` may not import those apps (apps depend one way, pyproject.toml), so the services send these plain Django
signals and the apps above connect receivers in their `AppConfig.ready()`. They are announcements, not domain flow:
each is sent by its service inside the service's transaction, after the change is saved, so that a receiver's writes
(an event row to fan out after commit) are kept or rolled back with the change itself.
"""

from django.dispatch import Signal

# A site was declared (`site_declare`). Arguments: `site`, `user` (who declared it).
site_declared = Signal()

# An open site was updated (`site_update`), with or without changes. Arguments: `site`, `user` (who updated it),
# `version_id` (the `history_id` of the site version the update saved last, which `history.update_changes` compares
# with the version before it), `changed` (the names of the fields it changed, "owners" and "incoming_sites" included;
# empty for « mise à jour sans modification »).
site_updated = Signal()

# An open site was declared closed (`site_close`). Arguments: `site`, `user` (who closed it).
site_closed = Signal()

# Someone added another person to a site's actors (`site_actor_add`; not a self-declaration). Arguments: `actor` (the
# new `SiteActor`), `added_by` (who added the person).
site_actor_added = Signal()
