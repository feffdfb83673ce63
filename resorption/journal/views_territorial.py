"""The page of territorial messages (reference §I.2): the form to publish one, for who may, and the messages the user
may read, newest first; deleting a message.

Messages are listed through `territorial.territorial_messages_for` and one is fetched through
`access_territorial_message` (a message the user may not read is a 404, like a missing one); permissions come from
`accounts.permissions`; writes go through the `territorial` services.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from resorption.accounts import permissions
from resorption.core.forms import BaseForm
from resorption.core.pagination import pagination_links
from resorption.journal import territorial
from resorption.journal.access import access_territorial_message
from resorption.journal.forms import JournalEntryDeleteForm
from resorption.journal.models import TerritorialMessage
from resorption.territories.models import Departement, parse_departement_code

PAGE_SIZE = 20


class TerritorialMessageForm(BaseForm):
    """« Nouveau message territorial »: the départements and the text. The départements offered are those of the
    author's reach; with a single one, it is fixed."""

    departements = forms.MultipleChoiceField(
        label="Départements destinataires",
        help_text=(
            "Le message apparaîtra dans l'onglet « Suivi sanitaire » du journal de chaque site de ces départements."
        ),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": territorial.DEPARTEMENT_REQUIRED, "invalid_choice": territorial.OUT_OF_REACH},
    )
    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": territorial.BODY_REQUIRED},
    )

    def __init__(self, *args, departements: list[Departement], prefilled: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["departements"]
        field.choices = [(departement.pk, f"{departement.name} ({departement.pk})") for departement in departements]
        codes = [departement.pk for departement in departements]
        if len(codes) == 1:
            # Nothing to choose: the author's own département, shown checked and locked.
            field.disabled = True
            field.initial = codes
            # The bound field (already built by DsfrBaseForm) carries the hint shown.
            self["departements"].help_text = "Votre territoire d'intervention. " + field.help_text
        elif prefilled:
            field.initial = codes


@dataclass(frozen=True)
class TerritorialRow:
    """A message with what the user may do with it, for the templates (which never re-derive a rule)."""

    message: TerritorialMessage
    can_delete: bool


def territorial_rows(user, messages_) -> list[TerritorialRow]:
    return [
        TerritorialRow(message, can_delete=permissions.can_delete_territorial_message(user, message))
        for message in messages_
    ]


def _page_url(anchor: str = "") -> str:
    return reverse("journal:territorial") + (f"#{anchor}" if anchor else "")


@require_http_methods(["GET", "POST"])
def territorial_messages(request: HttpRequest) -> HttpResponse:
    """« Messages territoriaux »: above, for who may publish, the form; below, the messages the user may read (those
    addressed to a département where he reads the sites' journals), newest first, optionally those of one
    département (`?departement=33`, the link of a site's journal)."""
    user = request.user
    reach = permissions.territorial_message_reach(user)
    form = None
    if reach:
        form = TerritorialMessageForm(
            request.POST if request.method == "POST" else None,
            departements=territorial.reachable_departements(user),
            # A régional user picks among his région's départements; the others write to all of theirs.
            prefilled=not reach.by_region,
        )
        if request.method == "POST" and form.is_valid():
            try:
                message = territorial.territorial_message_post(
                    user=user,
                    departement_codes=form.cleaned_data["departements"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Votre message territorial a été publié.")
                return redirect(_page_url(f"message-territorial-{message.pk}"))
    elif request.method == "POST":
        raise PermissionDenied(territorial.NO_RIGHT_TO_POST)

    code = parse_departement_code(request.GET.get("departement"))
    departement = Departement.objects.filter(pk=code).first() if code else None
    found = territorial.territorial_messages_for(user, departement=departement.pk if departement else None)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "journal/territorial_messages.html",
        {
            "form": form,
            "departement": departement,
            "page": page,
            "rows": territorial_rows(user, page.object_list),
            "pagination": pagination_links(request.GET, page),
        },
    )


@require_http_methods(["GET", "POST"])
def territorial_message_delete(request: HttpRequest, message_id: int) -> HttpResponse:
    """« Supprimer » a territorial message: its author, or a moderator of every addressed département who gives a
    reason (403 for anyone else who reads it, 404 for who does not)."""
    user = request.user
    message = access_territorial_message(user, message_id, queryset=TerritorialMessage.objects.with_display_data())
    if not permissions.can_delete_territorial_message(user, message):
        raise PermissionDenied(territorial.NO_RIGHT_TO_DELETE)
    moderating = message.author_id != user.pk
    if request.method == "POST":
        form = JournalEntryDeleteForm(request.POST, reason_required=moderating)
        if form.is_valid():
            try:
                territorial.territorial_message_delete(
                    user=user, message_id=message.pk, reason=form.cleaned_data.get("reason", "")
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                done = "Le message territorial a été supprimé."
                if moderating and message.author is not None and message.author.is_active:
                    done += " Son auteur en a été informé par courriel, avec le motif."
                messages.success(request, done)
                return redirect(_page_url())
    else:
        form = JournalEntryDeleteForm(reason_required=moderating)
    return render(
        request,
        "journal/territorial_message_delete.html",
        {
            # Shown as a reminder of what is deleted, without its own « Supprimer » link.
            "row": TerritorialRow(message, can_delete=False),
            "form": form,
            "moderating": moderating,
            "back_url": _page_url(f"message-territorial-{message.pk}"),
        },
    )
