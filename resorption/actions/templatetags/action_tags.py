"""`{% site_actions site %}`: « Actions sur ce site », the actions on a site that the reader sees, for the site page.

The site page belongs to `settlements`, which may not import `actions` (apps depend one way, pyproject.toml): the
page loads this tag library instead, as it does the journal's (`journal_tags`).
"""

from django import template
from django.utils import timezone

from resorption.actions.models import actions_on_site

register = template.Library()


@register.inclusion_tag("actions/includes/site_actions.html", takes_context=True)
def site_actions(context, site) -> dict:
    """One query whatever the number of actions: their name, dates and id as plain values."""
    today = timezone.localdate()
    rows = actions_on_site(context["request"].user, site).values("pk", "name", "started_at", "ended_at")
    return {
        "site_actions": [
            {**row, "status_label": "En cours" if row["ended_at"] is None or row["ended_at"] >= today else "Terminée"}
            for row in rows
        ]
    }
