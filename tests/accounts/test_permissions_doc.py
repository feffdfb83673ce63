"""`docs/permissions.md` is generated from the permission data and must never go stale."""

import pytest
from django.core.management import CommandError, call_command

from resorption.accounts import permissions as perms
from resorption.accounts.enums import Option
from resorption.accounts.permissions_doc import render_permissions_doc


def test_committed_doc_is_up_to_date():
    """Fails when the matrix changed without `make docs`."""
    call_command("generate_permissions_doc", "--check")


def test_check_fails_on_a_stale_file(tmp_path):
    output = tmp_path / "permissions.md"
    with pytest.raises(CommandError):
        call_command("generate_permissions_doc", "--check", "--output", output)  # missing
    call_command("generate_permissions_doc", "--output", output)
    call_command("generate_permissions_doc", "--check", "--output", output)
    output.write_text(output.read_text(encoding="utf-8").replace("France entière", "Partout"), encoding="utf-8")
    with pytest.raises(CommandError, match="make docs"):
        call_command("generate_permissions_doc", "--check", "--output", output)


def test_doc_names_every_role_feature_option_and_confidential_class():
    text = render_permissions_doc()
    assert text.startswith("# Qui voit quoi")
    for label in perms.ROLE_LABELS.values():
        assert f"| {label} " in text
    for feature in perms.FEATURES:
        assert f"(`{feature.key}`)" in text
    for option in Option:
        assert f"« {option.label} »" in text
    for rule in perms.CONFIDENTIAL_DATA.values():
        assert rule.label_fr in text


def test_doc_cells_say_where_in_words():
    lines = {line.split(" | ")[0].lstrip("| "): line for line in render_permissions_doc().splitlines()}
    close = lines["Déclarer la fermeture d'un site (`shantytown.close`)"]
    assert close.count("Avec l'option « Fermer des sites » : son territoire") == 2
    update = lines["Mettre à jour une action (`action.update`)"]
    assert "Actions pilotées ou opérées" in update
    finances = lines["Voir et saisir les financements d'une action (`action_finances.access`)"]
    assert "Actions pilotées ; avec l'option « Accéder aux financements des actions » : France entière" in finances
    delete = lines["Supprimer un site (`shantytown.delete`)"]
    assert delete.endswith("| France entière | — | — | — | — | — | — | — |")
