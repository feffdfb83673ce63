"""Site actors (reference §C.10 « Intervenants »): who works on a site, and on what.

Anyone who may read a site may declare himself actor of it (« J'interviens sur ce site »), add a person of the
platform who may read it too (that person is told, through the signal `site_actor_added`), or invite by email
someone who has no account yet (« Invitation à rejoindre la communauté »). An actor edits his own themes; the actor
himself, the person who added him and the site's moderators (admins on their territory) may take him off the list.
A closed site's actors are its history: they no longer change, except that anyone may still be taken off.

Each service fetches the site through `access_site(user, …)` (`Http404` when missing or out of sight) and checks
the permission in `accounts.permissions`; rule breaks are `ValidationError`s in French, keyed by the form field they
belong to (`themes`, `other_theme`, `user`, `email`).
"""

import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from resorption.accounts import permissions
from resorption.accounts.models import User
from resorption.core.prepared import PreparedQueries
from resorption.emails.services import email_queue
from resorption.settlements import signals
from resorption.settlements.access import access_site
from resorption.settlements.enums import SiteActorTheme
from resorption.settlements.models import Site, SiteActor

THEMES_REQUIRED = "Choisissez au moins un thème d'intervention."
OTHER_THEME_REQUIRED = "Décrivez le thème « Autre »."
OTHER_THEME_MAX_LENGTH = SiteActor._meta.get_field("other_theme").max_length
CLOSED_SITE = "Ce site est fermé : la liste de ses intervenants ne peut plus être complétée."
# Invitations go to addresses outside the platform: a limit per person keeps the feature from becoming a way to send
# mail in the platform's name to anyone.
INVITATIONS_PER_DAY = 20
INVITATION_WINDOW_SECONDS = 24 * 60 * 60
# How many people the « Ajouter un intervenant » search shows at most.
CANDIDATES_SHOWN = 20


def clean_themes(themes: Iterable[str], other_theme: str = "") -> tuple[list[str], str]:
    """The themes in the order of `SiteActorTheme`, each once, and the description of « Autre » (kept only with it);
    `ValidationError` when none is chosen, one is unknown or « Autre » has no description."""
    chosen = set(themes)
    errors: dict[str, list[str]] = {}
    if not chosen:
        errors.setdefault("themes", []).append(THEMES_REQUIRED)
    if chosen - set(SiteActorTheme.values):
        errors.setdefault("themes", []).append("Choisissez les thèmes parmi ceux proposés.")
    other_theme = (other_theme or "").strip()
    if SiteActorTheme.OTHER in chosen:
        if not other_theme:
            errors.setdefault("other_theme", []).append(OTHER_THEME_REQUIRED)
        elif len(other_theme) > OTHER_THEME_MAX_LENGTH:
            errors.setdefault("other_theme", []).append(
                f"La description du thème « Autre » ne peut dépasser {OTHER_THEME_MAX_LENGTH} caractères."
            )
    else:
        other_theme = ""
    if errors:
        raise ValidationError(errors)
    return [value for value in SiteActorTheme.values if value in chosen], other_theme


def site_actors(site: Site) -> list[SiteActor]:
    """The site's actors with their user and organisation, in the order they joined (one query, compiled once per
    process: the site page shows them on every visit). Only the columns the site page shows: not other people's
    password hashes and cached permissions."""
    actors = _SITE_ACTORS.fetch("site page", _actors_of, site.pk)
    for actor in actors:
        actor.site = site
    return actors


def _actors_of(site_id: int) -> QuerySet[SiteActor]:
    return (
        SiteActor.objects.filter(site_id=site_id)
        # The model's order within one site, without joining the site to sort by it.
        .order_by("created_at", "pk")
        .select_related("user__organization")
        .only(
            "site_id",
            "themes",
            "other_theme",
            "created_by_id",
            "user__first_name",
            "user__last_name",
            "user__organization__name",
            "user__organization__abbreviation",
        )
    )


_SITE_ACTORS = PreparedQueries(SiteActor, size=1)


def site_actor_candidates(*, user: User, site: Site, term: str = "") -> QuerySet[User]:
    """The people `user` may add as actors of the site: active accounts of active organisations who may read the site
    themselves, not yet its actors, not `user` (who declares himself with « J'interviens »). `term` narrows to those
    whose name, email or organisation contains each of its words."""
    candidates = (
        User.objects.can_sign_in()
        .filter(permissions.site_readers_q(site.commune))
        .exclude(pk=user.pk)
        .exclude(pk__in=SiteActor.objects.filter(site=site).values("user_id"))
        .select_related("organization")
        .order_by("last_name", "first_name", "pk")
    )
    for word in term.split():
        candidates = candidates.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(organization__name__icontains=word)
            | Q(organization__abbreviation__icontains=word)
        )
    return candidates


@transaction.atomic
def site_actor_declare(*, user: User, site_id: int, themes: Iterable[str], other_theme: str = "") -> SiteActor:
    """« J'interviens sur ce site »: the user becomes an actor of the site, with his themes."""
    site = _open_site(user=user, site_id=site_id)
    themes, other_theme = clean_themes(themes, other_theme)
    if SiteActor.objects.filter(site=site, user=user).exists():
        raise ValidationError({NON_FIELD_ERRORS: ["Vous êtes déjà intervenant sur ce site."]})
    return _create(site=site, user=user, added_by=user, themes=themes, other_theme=other_theme)


@transaction.atomic
def site_actor_update(*, user: User, site_id: int, themes: Iterable[str], other_theme: str = "") -> SiteActor:
    """An actor changes the themes of his own work on the site."""
    site = _open_site(user=user, site_id=site_id)
    themes, other_theme = clean_themes(themes, other_theme)
    actor = SiteActor.objects.select_for_update().filter(site=site, user=user).first()
    if actor is None:
        raise ValidationError({NON_FIELD_ERRORS: ["Vous n'êtes pas intervenant sur ce site."]})
    actor.themes, actor.other_theme = themes, other_theme
    actor.full_clean()
    actor.save(update_fields=["themes", "other_theme", "updated_at"])
    return actor


@transaction.atomic
def site_actor_add(
    *, user: User, site_id: int, actor_id: int | None, themes: Iterable[str], other_theme: str = ""
) -> SiteActor:
    """Adds another person of the platform as actor of the site; she is told by email and in her notification centre
    (signal `site_actor_added`). She must be active and able to read the site; nobody is added twice."""
    site = _open_site(user=user, site_id=site_id)
    errors: dict[str, list[str]] = {}
    try:
        themes, other_theme = clean_themes(themes, other_theme)
    except ValidationError as error:
        error.update_error_dict(errors)
    person = None
    if actor_id is None:
        errors.setdefault("user", []).append("Choisissez la personne à ajouter.")
    elif actor_id == user.pk:
        errors.setdefault("user", []).append("Pour vous déclarer vous-même, choisissez « J'interviens sur ce site ».")
    elif SiteActor.objects.filter(site=site, user_id=actor_id).exists():
        errors.setdefault("user", []).append("Cette personne intervient déjà sur ce site.")
    else:
        person = site_actor_candidates(user=user, site=site).filter(pk=actor_id).first()
        if person is None:
            errors.setdefault("user", []).append(
                "Cette personne ne peut pas être ajoutée : son compte n'est pas actif ou elle n'a pas accès à ce site."
            )
    if errors or person is None:
        raise ValidationError(errors)
    actor = _create(site=site, user=person, added_by=user, themes=list(themes), other_theme=other_theme)
    # The notifications app tells her, by email and in her notification centre, once this transaction commits.
    signals.site_actor_added.send(sender=SiteActor, actor=actor, added_by=user)
    return actor


@transaction.atomic
def site_actor_remove(*, user: User, site_id: int, actor_user_id: int) -> None:
    """Takes a person off the site's actors: herself, the person who added her, or a moderator of the site."""
    site = _site(user=user, site_id=site_id)
    actor = SiteActor.objects.select_for_update().filter(site=site, user_id=actor_user_id).first()
    if actor is None:
        raise ValidationError("Cette personne n'intervient pas (ou plus) sur ce site.", code="not_actor")
    if not permissions.can_remove_site_actor(user, site, actor_user_id=actor.user_id, added_by_id=actor.created_by_id):
        raise PermissionDenied("Vous ne pouvez pas retirer cet intervenant.")
    actor.delete()


@transaction.atomic
def site_actor_invite(*, user: User, site_id: int, email: str) -> None:
    """Invites an address that has no account yet to join the platform and work on the site
    (`site_actor_invitation`, « Invitation à rejoindre la communauté »), with a link to the access request."""
    site = _open_site(user=user, site_id=site_id)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": ["Saisissez une adresse électronique valide, par exemple nom@exemple.fr."]}
        ) from None
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {
                "email": [
                    "Cette adresse correspond déjà à un compte de la plateforme : ajoutez la personne avec "
                    "« Ajouter un intervenant »."
                ]
            }
        )
    if not _invitation_allowed(user):
        raise ValidationError(
            {"email": [f"Vous avez envoyé {INVITATIONS_PER_DAY} invitations en 24 heures : réessayez demain."]}
        )
    email_queue(
        to=[email],
        template="site_actor_invitation",
        context={
            "inviter": user,
            "inviter_organization": user.organization,
            "commune": site.commune,
            "access_request_url": settings.BASE_URL + reverse("accounts:access_request"),
            "login_url": settings.BASE_URL + reverse("accounts:login"),
        },
        reply_to=[user.email],
    )


def site_url(site: Site) -> str:
    """The absolute address of the site's page, for emails."""
    return settings.BASE_URL + reverse("settlements:detail", kwargs={"pk": site.pk})


def _site(*, user: User, site_id: int) -> Site:
    site = access_site(user, site_id, queryset=Site.objects.select_related("commune"))
    if not permissions.can_join_site_actors(user, site):
        raise PermissionDenied("Vous n'avez pas accès à ce site.")
    return site


def _open_site(*, user: User, site_id: int) -> Site:
    site = _site(user=user, site_id=site_id)
    if site.is_closed:
        raise ValidationError(CLOSED_SITE, code="closed")
    return site


def _create(*, site: Site, user: User, added_by: User, themes: list[str], other_theme: str) -> SiteActor:
    actor = SiteActor(site=site, user=user, created_by=added_by, themes=themes, other_theme=other_theme)
    actor.full_clean()
    try:
        with transaction.atomic():
            actor.save()
    except IntegrityError:  # the same person added twice at once: the second request finds the first
        raise ValidationError({"user": ["Cette personne intervient déjà sur ce site."]}) from None
    return actor


def _invitation_allowed(user: User) -> bool:
    """Records one invitation by `user`; False (nothing recorded) once the day's limit is reached."""
    key = f"site-actor-invitations:{user.pk}"
    now = time.time()
    recent = [moment for moment in cache.get(key, []) if moment > now - INVITATION_WINDOW_SECONDS]
    if len(recent) >= INVITATIONS_PER_DAY:
        return False
    cache.set(key, [*recent, now], timeout=INVITATION_WINDOW_SECONDS)
    return True
