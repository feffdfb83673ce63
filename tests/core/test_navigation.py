import re

from django.urls import NoReverseMatch, reverse

from resorption.core.navigation import MAIN_NAVIGATION
from tests.accounts.factories import UserFactory

# The main menu of the existing platform, in order. Entries appear only when their section exists.
PLANNED_SECTIONS = [
    "Tableau de bord",
    "Sites",
    "Carte",
    "Actions",
    "Annuaire",
    "Activités",
    "Statistiques",
    "Entraide",
]


def test_navigation_lists_only_sections_that_resolve_in_the_planned_order():
    labels = [item.label for item in MAIN_NAVIGATION]
    assert labels == [label for label in PLANNED_SECTIONS if label in labels]
    for item in MAIN_NAVIGATION:
        reverse(item.url_name)  # a dead link would raise NoReverseMatch


def test_signed_in_page_shows_main_navigation_with_current_entry(client, db):
    client.force_login(UserFactory())
    html = client.get(reverse("dashboard:index")).content.decode()
    assert 'id="navigation-principale"' in html
    assert f'href="{reverse("dashboard:index")}" aria-current="page"' in html
    built = {item.label for item in MAIN_NAVIGATION}
    for label in PLANNED_SECTIONS:
        if label in built:
            assert f">{label}</a>" in html
        else:
            assert f">{label}</a>" not in html, f"{label} is not built yet and must not appear"


def test_anonymous_page_has_skip_links_and_no_main_navigation(client, db):
    html = client.get(reverse("core:home")).content.decode()
    assert 'href="#contenu"' in html
    assert 'id="contenu"' in html
    assert 'href="#pied-de-page"' in html
    assert "navigation-principale" not in html


def test_planned_sections_are_not_half_routed():
    """A section must be routed before it is added to the menu; this guards the test above from a stale list."""
    try:
        reverse("settlements:list")
    except NoReverseMatch:
        assert "Sites" not in [item.label for item in MAIN_NAVIGATION]


def test_the_frame_parts_rendered_once_per_process_are_the_same_for_everyone(client, db):
    """The stylesheets and the footer are kept per process (base.html, `{% cache None … using="fragments" %}`): they
    must hold nothing that depends on the visitor or the page."""
    anonymous = client.get(reverse("core:legal")).content.decode()
    client.force_login(UserFactory())
    signed_in = client.get(reverse("dashboard:index")).content.decode()

    def parts(html: str) -> tuple[list[str], str]:
        stylesheets = re.findall(r'<link rel="stylesheet"[^>]*>', html)
        footer = re.search(r"<footer.*?</footer>", html, re.S)
        assert footer is not None
        return stylesheets, footer.group(0)

    assert parts(anonymous) == parts(signed_in)
    stylesheets, footer = parts(signed_in)
    assert any("dsfr" in link for link in stylesheets) and any("resorption.css" in link for link in stylesheets)
    assert f'href="{reverse("core:legal")}"' in footer


def test_url_maker_gives_what_reverse_gives_for_any_value():
    import uuid

    from resorption.core.navigation import url_maker

    site_page = url_maker("settlements:detail", "pk")
    edit = url_maker("journal:edit", "entry_id", site_id=12)
    attachment = url_maker("journal:attachment", "attachment_uuid", marker=uuid.UUID(int=0), site_id=12)
    file_id = uuid.uuid4()

    assert site_page(7) == reverse("settlements:detail", kwargs={"pk": 7})
    assert site_page(21_474_836) == reverse("settlements:detail", kwargs={"pk": 21_474_836})  # the marker's digits
    assert edit(345) == reverse("journal:edit", kwargs={"site_id": 12, "entry_id": 345})
    assert attachment(file_id) == reverse("journal:attachment", kwargs={"site_id": 12, "attachment_uuid": file_id})


def test_url_for_gives_what_reverse_gives_under_each_script_prefix():
    from django.urls import get_script_prefix, set_script_prefix

    from resorption.core.navigation import url_for

    assert url_for("settlements:detail", "pk", 7) == reverse("settlements:detail", kwargs={"pk": 7})
    assert url_for("journal:journal", "site_id", 12) == reverse("journal:journal", kwargs={"site_id": 12})
    before = get_script_prefix()
    try:
        set_script_prefix("/plateforme/")
        assert (
            url_for("settlements:detail", "pk", 7)
            == "/plateforme/sites/7/"
            == reverse("settlements:detail", kwargs={"pk": 7})
        )
    finally:
        set_script_prefix(before)
    assert url_for("settlements:detail", "pk", 8) == reverse("settlements:detail", kwargs={"pk": 8})


def test_the_statistics_entry_is_in_the_menu_only_for_who_reads_the_statistics(client, db):
    from resorption.accounts.enums import AdminRole, Role

    link = f'href="{reverse("stats:national")}"'
    client.force_login(UserFactory(role=Role.ASSOCIATION))
    assert link not in client.get(reverse("dashboard:index")).content.decode()

    client.force_login(UserFactory(admin_role=AdminRole.NATIONAL_ADMIN))
    assert f"{link}>Données statistiques</a>" in client.get(reverse("dashboard:index")).content.decode()
    assert f'{link} aria-current="page">Données statistiques</a>' in client.get(link[6:-1]).content.decode()
