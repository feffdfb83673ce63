"""Demo journal entries (issue 5): a few messages on the demo sites — public ones, one targeted at the préfecture and
DDETS, a health follow-up — so that every demo account finds a living journal, and sees how a targeted message is
hidden from who is not addressed. Posted through the journal's own service, as their demo authors."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from resorption.accounts.models import User
from resorption.journal.enums import Audience, EntryKind, HealthIntervention
from resorption.journal.models import JournalEntry
from resorption.journal.services import journal_entry_post
from resorption.settlements.models import Site


@dataclass(frozen=True)
class DemoEntry:
    site_address: str  # the `address` of one of resorption.demo.sites.SITES
    author: str  # a demo account
    body: str
    tags: tuple[str, ...] = ()
    audience: str = Audience.PUBLIC
    kind: str = EntryKind.MESSAGE
    health_days_ago: int | None = None
    health_interventions: tuple[str, ...] = ()


ENTRIES = [
    DemoEntry(
        "14 quai de la Souys 33100 Bordeaux",
        "intervenant-33@demo.test",
        "Passage de l'équipe de médiation mardi : le point d'eau installé le mois dernier fonctionne, mais la file "
        "d'attente reste longue le matin. Nous proposons une seconde rampe côté quai.",
        tags=("eau_hygiene", "mediation"),
    ),
    DemoEntry(
        "14 quai de la Souys 33100 Bordeaux",
        "correspondant-33@demo.test",
        "Réunion de coordination prévue le 3 du mois prochain à la DDETS : ordre du jour scolarisation et "
        "hébergement. Les structures intervenantes sont invitées.",
        tags=("coordination",),
    ),
    DemoEntry(
        "14 quai de la Souys 33100 Bordeaux",
        "local-admin-33@demo.test",
        "Point de situation sur la procédure en cours, réservé à la préfecture et à la DDETS : le calendrier de "
        "l'audience sera communiqué dès réception.",
        tags=("expulsion",),
        audience=Audience.PREFECTURE_DDETS,
    ),
    DemoEntry(
        "14 quai de la Souys 33100 Bordeaux",
        "intervenant-33@demo.test",
        "Journée de sensibilisation à la vaccination, avec orientation de deux familles vers la PMI.",
        kind=EntryKind.HEALTH,
        health_days_ago=6,
        health_interventions=(HealthIntervention.HEALTH_TEAM, HealthIntervention.VACCINATION_AWARENESS),
    ),
    DemoEntry(
        "40 chemin du Ramier Bas 31400 Toulouse",
        "operateur-31@demo.test",
        "Fortes chaleurs annoncées cette semaine : distribution d'eau renforcée et repérage des personnes fragiles.",
        tags=("canicule",),
    ),
]


def load_demo_journal() -> int:
    """Post the demo entries a site does not hold yet (same author and text); return how many were posted."""
    users = {user.email: user for user in User.objects.filter(email__in={entry.author for entry in ENTRIES})}
    today = timezone.localdate()
    posted = 0
    for spec in ENTRIES:
        site = Site.objects.filter(address=spec.site_address).first()
        author = users.get(spec.author)
        if site is None or author is None:
            continue
        if JournalEntry.objects.filter(site=site, author=author, body=spec.body).exists():
            continue
        journal_entry_post(
            user=author,
            site_id=site.pk,
            body=spec.body,
            kind=spec.kind,
            audience=spec.audience,
            tags=spec.tags,
            health_date=today - datetime.timedelta(days=spec.health_days_ago) if spec.health_days_ago else None,
            health_interventions=spec.health_interventions,
        )
        posted += 1
    return posted
