"""The régions and départements that filters offer (the activity feed's, the directory's), read from the database
once per process every `LISTS_SECONDS` and kept in memory as they are (not in a cache that would unpickle 101 objects
on each read): they change only when the territories are loaded (once a year), and a page that offers them then needs
no query for them."""

import threading
import time
from dataclasses import dataclass

from resorption.core.text import normalize_search
from resorption.territories.models import Departement

LISTS_SECONDS = 600
# (when read, départements, régions), replaced as a whole.
_read: tuple[float, list, list] | None = None
_lock = threading.Lock()


@dataclass(frozen=True)
class DepartementChoice:
    code: str
    name: str
    region_code: str
    region_name: str

    @property
    def label(self) -> str:
        """« Gironde (33) », as a département names itself."""
        return f"{self.name} ({self.code})"


def departements() -> list["DepartementChoice"]:
    """Every département with its région, by code (one query, then none for `LISTS_SECONDS`)."""
    return _lists()[0]


def regions() -> list[tuple[str, str]]:
    """Every région that has a département, as (code, name), in alphabetical order (accents aside)."""
    return _lists()[1]


def forget() -> None:
    """Reads the lists again on next use (tests that change the territories)."""
    global _read
    _read = None


def on_territories_loaded(sender, **kwargs) -> None:
    """`territories_loaded` receiver: the process that loaded them offers the new lists at once."""
    forget()


def _lists() -> tuple[list, list]:
    global _read
    read = _read
    if read is None or time.monotonic() - read[0] > LISTS_SECONDS:
        with _lock:
            rows = Departement.objects.order_by("code").values_list("code", "name", "region_id", "region__name")
            found = [DepartementChoice(*row) for row in rows]
            named = {(each.region_code, each.region_name) for each in found}
            read = (time.monotonic(), found, sorted(named, key=lambda region: normalize_search(region[1])))
            _read = read
    return read[1], read[2]
