"""Django's two most rendered widget templates, written in Python (issue 8, lean templates).

The site form renders about 190 attribute lists and 170 inputs per page: through Django's templates
(`django/forms/widgets/attrs.html`, `input.html`, each a loop and tests in the template language) they took a third of
the page's rendering. The project overrides both templates with these tags, which write the same markup, escaped the
same way; tests/core/test_widget_html.py renders every case through both and compares.
"""

from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe

register = template.Library()


def attrs_html(attrs: dict) -> str:
    """`django/forms/widgets/attrs.html`: ` name="value"` for each attribute, the name alone for True, nothing for
    False."""
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}`: the value as text, escaped unless it was already safe."""
    return value if isinstance(value, SafeData) else escape(str(value))


@register.simple_tag
def widget_attrs(attrs: dict) -> SafeString:
    return mark_safe(attrs_html(attrs))  # noqa: S308 — every part is escaped by attrs_html


@register.simple_tag
def widget_input(widget: dict) -> SafeString:
    """`django/forms/widgets/input.html`."""
    value = f' value="{_text(widget["value"])}"' if widget["value"] != None else ""  # noqa: E711 — the template's test
    return mark_safe(  # noqa: S308 — every part is escaped here or by attrs_html
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"{value}'
        f"{attrs_html(widget['attrs'])}>"
    )
