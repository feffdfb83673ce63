"""The activity feed's filters (reference §F.2): GET parameters with French names, so that a filtered feed is a link
one can share. A value the form does not offer (a stale or edited link) is left out, and its default applies."""

import re

from django import forms

from resorption.accounts import permissions
from resorption.accounts.enums import AreaType
from resorption.activity.selectors import FEED_KINDS, FeedKind
from resorption.core.forms import BaseForm
from resorption.settlements.forms import Location
from resorption.territories import choices
from resorption.territories.models import Commune, Epci

_KINDS = {kind.value: kind for kind in FEED_KINDS}
# An INSEE commune code (« 33063 », « 2A004 ») or an EPCI's SIREN (« 243300316 »).
_TERRITORY_CODE = re.compile(r"[0-9][0-9AB][0-9]{3}|[0-9]{9}")


class ActivityFilterForm(BaseForm):
    type = forms.MultipleChoiceField(
        label="Activités",
        required=False,
        choices=[(kind.value, kind.label) for kind in FEED_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )
    localisation = forms.ChoiceField(label="Territoire", required=False)

    def __init__(self, *args, locations: list, **kwargs):
        """`locations`: the grouped choices of `location_choices`."""
        super().__init__(*args, **kwargs)
        self.fields["localisation"].choices = [
            ("", "France entière"),
            (Location.METROPOLE, "Métropole"),
            (Location.OVERSEAS, "Outre-mer"),
            *locations,
        ]

    @classmethod
    def from_query(cls, query, **kwargs) -> "ActivityFilterForm":
        """The form bound to the query string without its invalid values: the kinds it does not know are dropped
        (every kind is ticked when none is left: the feed then shows them all), an unknown territory is the nation."""
        query = query.copy()
        query.setlist("type", [value for value in query.getlist("type") if value in _KINDS] or list(_KINDS))
        form = cls(query, **kwargs)
        if not form.is_valid():
            for name in form.errors:
                query.pop(name, None)
            form = cls(query, **kwargs)
            form.is_valid()
        return form

    @property
    def kinds(self) -> list[FeedKind]:
        return [_KINDS[value] for value in self.cleaned_data.get("type") or _KINDS]

    @property
    def location(self) -> str:
        return self.cleaned_data.get("localisation", "")


def location_choices(user, chosen: str) -> list:
    """The territories the feed offers, grouped: the user's own intercommunalités and communes (his intervention
    areas) and the one a link chose, then every région and every département (`territories.choices`)."""
    areas = (
        [
            (_area_value(area), str(area.territory))
            for area in permissions.intervention_areas(user)
            if area.area_type in (AreaType.EPCI, AreaType.COMMUNE)
        ]
        if permissions.has_areas_below_departement(user)
        else []
    )
    extra = _epci_or_commune(chosen)
    if extra is not None and extra not in areas:
        areas.append(extra)
    return [
        *([("Intercommunalités et communes", areas)] if areas else []),
        ("Régions", [(f"{Location.REGION}-{code}", name) for code, name in choices.regions()]),
        ("Départements", [(departement.code, departement.label) for departement in choices.departements()]),
    ]


def _area_value(area) -> str:
    return f"{area.area_type}-{area.territory.code}"


def _epci_or_commune(value: str) -> tuple[str, str] | None:
    """The (value, label) of an EPCI or a commune chosen by a link, when it exists."""
    level, code = Location.parse(value)
    model = {Location.EPCI: Epci, Location.COMMUNE: Commune}.get(level)
    if model is None or not _TERRITORY_CODE.fullmatch(code):  # a code, never a raw parameter, reaches the query
        return None
    territory = model.objects.filter(code=code).first()
    return (value, str(territory)) if territory is not None else None
