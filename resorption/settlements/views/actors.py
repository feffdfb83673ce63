"""The « Intervenants » of a site (issue 4, item 7; reference §C.10): declare oneself, edit one's themes, add a person
of the platform, invite an address, take someone off the list.

Everything is a plain form posted to the server (works without JavaScript); the rules and emails are in
`settlements.actors`. The site comes through `Site.objects.visible_to` in the services: out of scope is a 404.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from resorption.accounts import permissions
from resorption.core.forms import BaseForm, IdField
from resorption.settlements import actors as services
from resorption.settlements.access import access_site
from resorption.settlements.enums import SiteActorTheme
from resorption.settlements.models import Site, SiteActor
from resorption.territories.models import clean_search_term


class ActorThemesForm(BaseForm):
    themes = forms.MultipleChoiceField(
        label="Thèmes d'intervention",
        choices=SiteActorTheme.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": services.THEMES_REQUIRED,
            "invalid_choice": "Choisissez les thèmes parmi ceux proposés.",
        },
    )
    other_theme = forms.CharField(
        label="Précisez le thème « Autre »",
        help_text="Obligatoire si vous cochez « Autre ».",
        required=False,
        max_length=services.OTHER_THEME_MAX_LENGTH,
    )


class ActorAddForm(ActorThemesForm):
    """A person among the candidates found by the search (`q` carries the search, to list them again)."""

    q = forms.CharField(required=False, widget=forms.HiddenInput)
    user = IdField(
        label="Personne à ajouter",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez la personne à ajouter.",
            "invalid": "Choisissez la personne à ajouter parmi les personnes proposées.",
        },
    )

    field_order = ["q", "user", "themes", "other_theme"]

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].widget.choices = [(person.pk, _person_label(person)) for person in candidates]


class ActorInviteForm(BaseForm):
    email = forms.EmailField(
        label="Adresse électronique de la personne à inviter",
        help_text="Format attendu : nom@domaine.fr",
        error_messages={"required": "Saisissez l'adresse électronique de la personne à inviter."},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


def _person_label(person) -> str:
    organization = person.organization
    name = f"{organization.name} ({organization.abbreviation})" if organization.abbreviation else organization.name
    return f"{person.first_name} {person.last_name} — {name}, {person.role_label}"


def _visible_site(request: HttpRequest, pk: int) -> Site:
    """The site (404 out of scope), if the user may work on its actors (403 otherwise)."""
    site = access_site(request.user, pk, shape="commune")
    if not permissions.can_join_site_actors(request.user, site):
        raise PermissionDenied("Vous n'avez pas accès aux intervenants de ce site.")
    return site


def _section_url(site: Site) -> str:
    return reverse("settlements:detail", kwargs={"pk": site.pk}) + "#intervenants"


def _show_errors(form: BaseForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, messages_)


def _closed(request: HttpRequest, site: Site) -> HttpResponse:
    messages.error(request, services.CLOSED_SITE)
    return redirect(_section_url(site))


def actor_self(request: HttpRequest, pk: int) -> HttpResponse:
    """« J'interviens sur ce site », or the themes of the user's own work when he is already an actor."""
    site = _visible_site(request, pk)
    if site.is_closed:
        return _closed(request, site)
    own = SiteActor.objects.filter(site=site, user=request.user).first()
    if request.method == "POST":
        form = ActorThemesForm(request.POST)
        if form.is_valid():
            service = services.site_actor_update if own else services.site_actor_declare
            try:
                service(
                    user=request.user,
                    site_id=site.pk,
                    themes=form.cleaned_data["themes"],
                    other_theme=form.cleaned_data["other_theme"],
                )
            except ValidationError as error:
                _show_errors(form, error)
            else:
                if own:
                    messages.success(request, "Vos thèmes d'intervention ont été enregistrés.")
                else:
                    messages.success(request, "Vous êtes désormais intervenant sur ce site.")
                return redirect(_section_url(site))
    else:
        initial = {"themes": own.themes, "other_theme": own.other_theme} if own else {}
        form = ActorThemesForm(initial=initial)
    return render(request, "settlements/site_actor_self.html", {"site": site, "form": form, "is_actor": bool(own)})


def actor_add(request: HttpRequest, pk: int) -> HttpResponse:
    """« Ajouter un intervenant »: search the people who may be added, pick one with his themes; the page also
    holds the invitation by email of someone without an account."""
    site = _visible_site(request, pk)
    if site.is_closed:
        return _closed(request, site)
    data = request.POST if request.method == "POST" else request.GET
    term = clean_search_term(data.get("q", ""))
    found = _candidates(request, site, term)
    shown = found[: services.CANDIDATES_SHOWN]
    if request.method != "POST":
        form = ActorAddForm(initial={"q": term}, candidates=shown)
        return _add_page(request, site, term=term, found=found, add_form=form)
    form = ActorAddForm(request.POST, candidates=shown)
    if form.is_valid():
        try:
            actor = services.site_actor_add(
                user=request.user,
                site_id=site.pk,
                actor_id=form.cleaned_data["user"],
                themes=form.cleaned_data["themes"],
                other_theme=form.cleaned_data["other_theme"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                f"{actor.user.first_name} {actor.user.last_name} a été ajouté aux intervenants ; un courriel "
                "l'en informe.",
            )
            return redirect(_section_url(site))
    return _add_page(request, site, term=term, found=found, add_form=form)


@require_POST
def actor_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """« Inviter par courriel » someone who has no account yet."""
    site = _visible_site(request, pk)
    if site.is_closed:
        return _closed(request, site)
    form = ActorInviteForm(request.POST)
    if form.is_valid():
        try:
            services.site_actor_invite(user=request.user, site_id=site.pk, email=form.cleaned_data["email"])
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Une invitation a été envoyée à {form.cleaned_data['email']}.")
            return redirect(_section_url(site))
    found = _candidates(request, site, "")
    add_form = ActorAddForm(candidates=found[: services.CANDIDATES_SHOWN])
    return _add_page(request, site, term="", found=found, add_form=add_form, invite_form=form)


@require_POST
def actor_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """Takes a person off the site's actors (herself, by whom added her, or by a moderator of the site)."""
    site = _visible_site(request, pk)
    try:
        services.site_actor_remove(user=request.user, site_id=site.pk, actor_user_id=user_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if user_id == request.user.pk:
            messages.success(request, "Vous ne faites plus partie des intervenants de ce site.")
        else:
            messages.success(request, "L'intervenant a été retiré de ce site.")
    return redirect(_section_url(site))


def _candidates(request: HttpRequest, site: Site, term: str) -> list:
    """The first candidates matching the search, one more than shown to tell whether there are others."""
    candidates = services.site_actor_candidates(user=request.user, site=site, term=term)
    return list(candidates[: services.CANDIDATES_SHOWN + 1])


def _add_page(request, site, *, term, found, add_form, invite_form=None) -> HttpResponse:
    return render(
        request,
        "settlements/site_actor_add.html",
        {
            "site": site,
            "term": term,
            "has_candidates": bool(found),
            "more_candidates": len(found) > services.CANDIDATES_SHOWN,
            "add_form": add_form,
            "invite_form": invite_form or ActorInviteForm(),
        },
    )


urlpatterns = [
    path("<int:pk>/intervenants/moi/", actor_self, name="actor_self"),
    path("<int:pk>/intervenants/ajouter/", actor_add, name="actor_add"),
    path("<int:pk>/intervenants/inviter/", actor_invite, name="actor_invite"),
    path("<int:pk>/intervenants/<int:user_id>/retirer/", actor_remove, name="actor_remove"),
]
