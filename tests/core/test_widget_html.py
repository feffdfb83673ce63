"""The project's `attrs.html` and `input.html` (Python tags, resorption/core/templatetags/widget_html.py) write what
Django's own templates write, for every kind of value."""

from pathlib import Path

import django.forms
import pytest
from django import forms
from django.template import Context, Engine
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

# Django's templates alone, as they would render without the project's overrides.
DJANGO_FORMS = Engine(dirs=[Path(django.forms.__file__).parent / "templates"], autoescape=True)
ATTRS = {
    "required": True,
    "disabled": False,
    "placeholder": 'Ex. : « 12 rue "des Lilas" » <b> & co',
    "maxlength": 0,
    "min": -3,
    "step": 0.5,
    "data-none": None,
    "aria-describedby": mark_safe("aide-<b>1</b>"),
    "title": gettext_lazy("Adresse"),
    'onx"<': "nom d'attribut hostile",
}
VALUES = [None, "", 0, 12, "a < b & \"c\" 'd'", mark_safe("<i>sûre</i>"), gettext_lazy("Oui"), False, True]


def django_renders(name: str, widget: dict) -> str:
    return DJANGO_FORMS.get_template(name).render(Context({"widget": widget}))


def project_renders(name: str, widget: dict) -> str:
    return get_template(name).render({"widget": widget})


def test_the_project_overrides_both_templates():
    for name in ("django/forms/widgets/attrs.html", "django/forms/widgets/input.html"):
        assert "widget_html" in get_template(name).template.source


@pytest.mark.parametrize("attrs", [{}, ATTRS, {"checked": True}, {"class": "fr-input", "id": "id_adresse"}])
def test_attributes_are_written_as_django_writes_them(attrs):
    widget = {"attrs": attrs}
    assert project_renders("django/forms/widgets/attrs.html", widget) == django_renders(
        "django/forms/widgets/attrs.html", widget
    )


@pytest.mark.parametrize("value", VALUES)
def test_an_input_is_written_as_django_writes_it(value):
    widget = {"type": "text", "name": 'adresse"<', "value": value, "attrs": ATTRS}
    assert project_renders("django/forms/widgets/input.html", widget) == django_renders(
        "django/forms/widgets/input.html", widget
    )


@pytest.mark.parametrize(
    "field",
    [
        forms.CharField(max_length=10, required=True),
        forms.IntegerField(min_value=0, required=False),
        forms.DateField(),
        forms.BooleanField(required=False),
        forms.EmailField(),
        forms.ChoiceField(choices=[("a", "A"), ("b", "B")]),
    ],
    ids=["char", "integer", "date", "boolean", "email", "select"],
)
def test_a_bound_field_renders_as_with_djangos_templates(field):
    """A whole widget, bound to hostile data, compared with Django's own templates (the widgets whose templates
    django-dsfr leaves to Django)."""

    class Form(forms.Form):
        champ = field

    bound = Form(data={"champ": '"><script>1</script>'})["champ"]
    context = bound.field.widget.get_context(
        bound.html_name, bound.value(), bound.build_widget_attrs({"id": bound.auto_id})
    )
    template = bound.field.widget.template_name
    assert get_template(template).render(context) == DJANGO_FORMS.get_template(template).render(Context(context))
