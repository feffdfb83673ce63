"""Helpers shared by the accounts tests."""

import html


def text(response) -> str:
    """The page's HTML with its entities unescaped, for assertions on French sentences (apostrophes, guillemets)."""
    return html.unescape(response.content.decode())
