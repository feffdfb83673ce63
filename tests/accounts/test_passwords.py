import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError

from resorption.accounts.enums import AdminRole
from resorption.accounts.passwords import PasswordPolicyValidator, password_problems
from tests.accounts.factories import UserFactory

TOO_SHORT = "Le mot de passe doit comporter 12 caractères ou plus."
TOO_SHORT_ADMIN = "Le mot de passe doit comporter 16 caractères ou plus."
NO_LOWER = "Le mot de passe doit comporter au moins une lettre minuscule."
NO_UPPER = "Le mot de passe doit comporter au moins une lettre majuscule."
NO_OTHER = "Le mot de passe doit comporter au moins un caractère qui n'est pas une lettre (chiffre, symbole…)."


@pytest.mark.parametrize(
    "password",
    ["Abcdefghijk1", "Mot de passe long", "ÉléphantRose7", "Tout-est-en-ordre!"],
)
def test_good_passwords_pass(password):
    assert password_problems(password, is_admin=False) == []


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("", [TOO_SHORT, NO_LOWER, NO_UPPER, NO_OTHER]),
        ("Abcdefghij1", [TOO_SHORT]),
        ("abcdefghijk1", [NO_UPPER]),
        ("ABCDEFGHIJK1", [NO_LOWER]),
        ("Abcdefghijkl", [NO_OTHER]),
        ("123456789012", [NO_LOWER, NO_UPPER]),
        ("court", [TOO_SHORT, NO_UPPER, NO_OTHER]),
    ],
)
def test_each_broken_rule_is_reported(password, problems):
    assert password_problems(password, is_admin=False) == problems


def test_admins_need_sixteen_characters():
    assert password_problems("Abcdefghijklmn1", is_admin=True) == [TOO_SHORT_ADMIN]
    assert password_problems("Abcdefghijklmn1", is_admin=False) == []
    assert password_problems("Abcdefghijklmno1", is_admin=True) == []


@pytest.mark.django_db
def test_django_validation_uses_the_policy_and_the_admin_role():
    admin = UserFactory(admin_role=AdminRole.NATIONAL_ADMIN)
    user = UserFactory()

    validate_password("Quatorze-car-1", user)
    with pytest.raises(ValidationError) as refused:
        validate_password("Quatorze-car-1", admin)

    assert refused.value.messages == [TOO_SHORT_ADMIN]
    assert {error.code for error in refused.value.error_list} == {"password_policy"}


def test_validation_without_a_user_applies_the_regular_policy():
    PasswordPolicyValidator().validate("Abcdefghijk1")
    with pytest.raises(ValidationError):
        PasswordPolicyValidator().validate("abc")


def test_help_text_is_in_french():
    assert password_validators_help_texts() == [
        "Au moins 12 caractères (16 pour les administrateurs), dont une minuscule, une majuscule et un caractère qui "
        "n'est pas une lettre."
    ]
