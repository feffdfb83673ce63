"""The directory (« Annuaire », issue 11 item 5, reference §F.1): every signed-in user finds the organisations working
on the platform and the people to contact in them, whatever his role and territory (no permission but being signed
in, which `LoginRequiredMiddleware` ensures).

- `/annuaire/`: the organisations of the directory, searched and filtered by the query string, 30 a page;
- `/annuaire/<id>/`: an organisation, its intervention areas and its people; each view is counted (`DirectoryView`);
- `/annuaire/personne/<id>/`: a person's card.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from resorption.accounts import permissions
from resorption.accounts.access import access_by_id, access_directory_user
from resorption.accounts.enums import AreaType, OrganizationCategory
from resorption.accounts.models import InterventionArea, LocatedMixin, Organization, User
from resorption.core.db import searches_planned_for_their_words
from resorption.core.navigation import url_maker
from resorption.core.pagination import pagination_links
from resorption.directory import selectors
from resorption.directory.forms import DirectoryFilterForm
from resorption.directory.models import DirectoryView

PAGE_SIZE = 30
_CATEGORY_LABELS = dict(OrganizationCategory.choices)
_ORGANIZATION_SHAPE = ("type", "region", "departement", "epci", "commune")


def place_label(located: LocatedMixin) -> str:
    """« Département : Gironde (33) », or « France entière »."""
    if located.area_type == AreaType.NATION:
        return located.territory_label
    return f"{located.get_area_type_display()} : {located.territory_label}"


@dataclass(frozen=True)
class Card:
    """What a card of the list shows: its values alone (no reader: the directory is the same for everyone)."""

    url: str
    name: str
    abbreviation: str
    type_name: str
    place: str
    category: str
    being_funded: bool
    member_count: int
    people: tuple[tuple[str, str], ...] = ()  # (name, url) of the people a search found

    @property
    def html(self) -> str:
        """Rendered once per content and process: most readers open the same first pages."""
        return _card_html(self)


@lru_cache(maxsize=4096)
def _card_html(card: Card) -> str:
    return render_to_string("directory/index.html#card", {"card": card})


@searches_planned_for_their_words
def index(request: HttpRequest) -> HttpResponse:
    """The organisations of the directory, in alphabetical order. A search on a person's name lists her organisation
    with her name under it."""
    token = selectors.generation()
    form = DirectoryFilterForm.from_query(
        request.GET, territories=selectors.territory_choices(), types=selectors.type_choices(token)
    )
    filters = form.cleaned_data
    term = filters.get("q", "")
    narrowed = {
        "territory": filters.get("territoire", ""),
        "category": filters.get("categorie", ""),
        "type_uid": filters.get("type", ""),
    }
    words = selectors.search_words(term)
    if words:
        ids = selectors.ordered_ids(selectors.directory_organizations(term=term, **narrowed))
    else:
        ids = selectors.listing_ids(token, **narrowed)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page_ids = tuple(page.object_list)
    # A page's cards without a search are kept like the listings (`selectors.Kept`): a card counts the organisation's
    # people, whose changes replace the directory's generation.
    cards = _cards(page_ids, words) if words else _KEPT_CARDS.get(token, page_ids, lambda: _cards(page_ids, []))
    return render(
        request,
        "directory/index.html",
        {
            "form": form,
            "trail": [],
            "page": page,
            "pagination": pagination_links(request.GET, page),
            "filtered": any(filters.values()),
            # The three lists of the filters, kept rendered under the values chosen (their choices are everyone's).
            "filters_key": repr([filters.get(name, "") for name in ("territoire", "categorie", "type")]),
            "cards": cards,
        },
    )


_KEPT_CARDS = selectors.Kept()


def _cards(organization_ids: tuple[int, ...], words: list[str]) -> list[Card]:
    """The cards of these organisations, with the people a search on these words found in each."""
    shown = selectors.cards(list(organization_ids))
    named = selectors.people_named_by_organization([each.pk for each in shown], words)
    organization_url = url_maker("directory:organization", "pk")
    person_url = url_maker("directory:person", "pk")
    return [
        Card(
            url=organization_url(organization.pk),
            name=organization.name,
            abbreviation=organization.abbreviation,
            type_name=organization.type.name_singular,
            place=place_label(organization),
            category=_CATEGORY_LABELS.get(organization.type.category, ""),
            being_funded=organization.being_funded,
            member_count=organization.member_count,
            people=tuple((person.full_name, person_url(person.pk)) for person in named.get(organization.pk, [])),
        )
        for organization in shown
    ]


def organization(request: HttpRequest, pk: int) -> HttpResponse:
    """An organisation of the directory: what it is, where it works, and its people with their contact details. An
    organisation out of the directory (inactive, nobody active) is a 404. Each view is recorded for the statistics
    (§F.1 `stats_directory_views`)."""
    found = access_by_id(Organization.objects.in_directory().select_related(*_ORGANIZATION_SHAPE), pk)
    members = (
        User.objects.in_directory()
        .filter(organization=found)
        .only("first_name", "last_name", "email", "phone", "position", "role", "admin_role", "organization_id")
        .order_by("last_name", "first_name", "pk")
    )
    areas = InterventionArea.objects.filter(organization=found).select_related(
        "region", "departement", "epci", "commune"
    )
    DirectoryView.objects.create(organization=found, viewed_by=request.user)
    person_url = url_maker("directory:person", "pk")
    return render(
        request,
        "directory/organization.html",
        {
            "organization": found,
            "trail": [("Annuaire", reverse("directory:index"))],
            "category": _CATEGORY_LABELS.get(found.type.category, ""),
            "place": place_label(found),
            "areas": [place_label(area) for area in areas.order_by("-is_main_area", "area_type", "pk")],
            "members": [{"person": member, "url": person_url(member.pk)} for member in members],
        },
    )


def person(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's card: role, position, organisation, contact details and intervention areas (his own when he has
    custom areas, else his organisation's). Anyone out of the directory is a 404 (`access_directory_user`)."""
    found = access_directory_user(
        request.user,
        pk,
        queryset=User.objects.select_related(*(f"organization__{path}" for path in _ORGANIZATION_SHAPE)),
    )
    organization_url = reverse("directory:organization", kwargs={"pk": found.organization_id})
    return render(
        request,
        "directory/person.html",
        {
            "person": found,
            "organization": found.organization,
            "organization_url": organization_url,
            "trail": [("Annuaire", reverse("directory:index")), (found.organization.name, organization_url)],
            "place": place_label(found.organization),
            "areas": [place_label(area) for area in permissions.intervention_areas(found)],
        },
    )
