"""Password policy (reference §B.6): 12 characters (16 for admins), a lower-case, an upper-case, a non-letter."""

from django.core.exceptions import ValidationError

MIN_LENGTH = 12
MIN_LENGTH_ADMIN = 16


def password_problems(password: str, *, is_admin: bool) -> list[str]:
    """Every rule the password breaks, as French sentences (empty when it is acceptable)."""
    problems = []
    minimum = MIN_LENGTH_ADMIN if is_admin else MIN_LENGTH
    if len(password) < minimum:
        problems.append(f"Le mot de passe doit comporter {minimum} caractères ou plus.")
    if not any(char.islower() for char in password):
        problems.append("Le mot de passe doit comporter au moins une lettre minuscule.")
    if not any(char.isupper() for char in password):
        problems.append("Le mot de passe doit comporter au moins une lettre majuscule.")
    if all(char.isalpha() for char in password):
        problems.append(
            "Le mot de passe doit comporter au moins un caractère qui n'est pas une lettre (chiffre, symbole…)."
        )
    return problems


class PasswordPolicyValidator:
    """Django password validator applying the platform policy; admins need the longer password."""

    def validate(self, password, user=None):
        is_admin = bool(getattr(user, "admin_role", ""))
        problems = password_problems(password, is_admin=is_admin)
        if problems:
            raise ValidationError([ValidationError(problem, code="password_policy") for problem in problems])

    def get_help_text(self):
        return (
            f"Au moins {MIN_LENGTH} caractères ({MIN_LENGTH_ADMIN} pour les administrateurs), "
            "dont une minuscule, une majuscule et un caractère qui n'est pas une lettre."
        )
