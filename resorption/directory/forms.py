"""The directory's search form: GET parameters with French names, so that a search is a link one can share."""

from django import forms

from resorption.accounts.enums import OrganizationCategory
from resorption.core.forms import BaseForm
from resorption.territories.models import clean_search_term


class DirectoryFilterForm(BaseForm):
    """Search and filters of the directory. A value the form does not offer (a stale or edited link) is left out, and
    the list is filtered by the others."""

    q = forms.CharField(
        label="Rechercher",
        required=False,
        help_text="Nom ou sigle d'une structure, nom d'une personne",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    territoire = forms.ChoiceField(label="Territoire", required=False)
    categorie = forms.ChoiceField(
        label="Catégorie de structure",
        required=False,
        choices=[("", "Toutes les catégories"), *OrganizationCategory.choices],
    )
    type = forms.ChoiceField(label="Type de structure", required=False)

    def __init__(self, *args, territories: list, types: list, **kwargs):
        """`territories` and `types`: the grouped choices of `selectors.territory_choices` and `type_choices`."""
        super().__init__(*args, **kwargs)
        self.fields["territoire"].choices = [("", "Tous les territoires"), *territories]
        self.fields["type"].choices = [("", "Tous les types"), *types]

    @classmethod
    def from_query(cls, query, **kwargs) -> "DirectoryFilterForm":
        """The form bound to the query string without its invalid values: it shows the filters actually applied."""
        form = cls(query, **kwargs)
        if not form.is_valid():
            query = query.copy()
            for name in form.errors:
                query.pop(name, None)
            form = cls(query, **kwargs)
            form.is_valid()
        return form

    def clean_q(self) -> str:
        return clean_search_term(self.cleaned_data["q"])
