"""`{% site_actions site %}`: « Actions sur ce site », the actions on a site that the reader sees, for the site page.

The site page belongs to `settlements`, which may not import `actions` (apps depend one way, pyproject.toml): the
page loads this tag library instead, as it does the journal's (`journal_tags`).
"""

from django import template
from django.utils import timezone

from resorption.accounts import permissions
from resorption.actions.models import Action, actions_on_site
from resorption.core.prepared import PreparedQueries

register = template.Library()


# Compiled once per process for the users who read the same actions (`permissions.actions_key`): the site page
# shows this block on every visit.
_ON_SITE = PreparedQueries(Action)


@register.inclusion_tag("actions/includes/site_actions.html", takes_context=True)
def site_actions(context, site) -> dict:
    """One query whatever the number of actions: their name, dates and id as plain values."""
    user = context["request"].user
    today = timezone.localdate()
    rows = _ON_SITE.fetch(
        ("on site", permissions.actions_key(user)),
        lambda site_id: actions_on_site(user, site_id).values("pk", "name", "started_at", "ended_at"),
        site.pk,
    )
    return {
        "site_actions": [
            {**row, "status_label": "En cours" if row["ended_at"] is None or row["ended_at"] >= today else "Terminée"}
            for row in rows
        ]
    }
