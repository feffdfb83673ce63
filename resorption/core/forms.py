"""The base of every form of the project: DSFR rendering through `{{ form }}`."""

from django.conf import settings
from dsfr.forms import DsfrBaseForm


class BaseForm(DsfrBaseForm):
    """DsfrBaseForm made to render without warnings and without unknown template variables.

    `DsfrBaseForm.get_context` warns whenever DSFR_MARK_OPTIONAL_FIELDS exists, and warnings are errors in our tests.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # django-dsfr's input snippet reads this attribute, which only some widgets get.
            if not hasattr(field.widget, "group_class"):
                field.widget.group_class = "fr-input-group"

    def get_context(self):
        context = super(DsfrBaseForm, self).get_context()
        context["DSFR_MARK_OPTIONAL_FIELDS"] = getattr(settings, "DSFR_MARK_OPTIONAL_FIELDS", True)
        return context
