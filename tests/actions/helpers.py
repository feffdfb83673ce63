"""Helpers shared by the actions tests."""

import re

from tests.accounts.helpers import text


def field_errors(response, field_id: str) -> list[str]:
    """The error messages DSFR shows under the field whose HTML id is `field_id` (« id_ended_at »)."""
    page = text(response)
    start = page.find(f'id="{field_id}-desc-error"')
    if start == -1:
        return []
    block = page[start : page.index("</ul>", start)]
    items = re.findall(r'<li class="fr-error-text">(.*?)</li>', block, re.S)
    return [re.sub(r"[ \t\r\n]+", " ", item).strip() for item in items]


def plain(response) -> str:
    """The page's text without its tags, spaces collapsed, for sentences that span several elements."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", text(response)))
