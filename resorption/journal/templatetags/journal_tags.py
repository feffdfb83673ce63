"""`{% journal_latest site %}`: the last messages of a site's journal and a link to it, for the site page.

The site page belongs to `settlements`, which may not import `journal` (apps depend one way, pyproject.toml): the
page loads this tag library instead, and the tag builds its own context with `latest_context`.
"""

from django import template

from resorption.accounts import permissions
from resorption.journal.services import latest_messages

register = template.Library()

LATEST_COUNT = 3


def latest_context(user, site, *, count: int = LATEST_COUNT) -> dict:
    """What `journal/includes/latest.html` shows: whether the user reads the site's journal, the last `count`
    messages he may read (a fixed number of queries) and whether he may write."""
    can_read = permissions.can_read_journal(user, site)
    entries = latest_messages(user, site, count=count) if can_read else []
    return {
        "site": site,
        "can_read_journal": can_read,
        "latest_entries": entries,
        "can_post_in_journal": can_read and permissions.can_post_in_journal(user, site),
    }


@register.inclusion_tag("journal/includes/latest.html", takes_context=True)
def journal_latest(context, site, count: int = LATEST_COUNT) -> dict:
    return latest_context(context["request"].user, site, count=count)
