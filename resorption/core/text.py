"""Text normalisation shared by every search (territories, organisations, users)."""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-'’_]+")


def normalize_search(text: str) -> str:
    """Lower-case, accent-free, with hyphens and apostrophes as single spaces.

    "Saint-Médard-en-Jalles" and "saint medard en jalles" give the same key, so a search column filled with this
    function is accent-insensitive on SQLite and PostgreSQL alike.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SEPARATORS.sub(" ", stripped.lower()).strip()
