"""Field validators shared by the account forms (access request, "Mon compte", administration)."""

import re

from django.core.exceptions import ValidationError

# A French number (reference §B.1): a leading 0, or the country code of metropolitan France (+33) or of the overseas
# départements with their own code (+262 La Réunion and Mayotte, +590 Guadeloupe, +594 Guyane, +596 Martinique),
# written with "+" or "00"; then nine digits, the first not 0. Spaces, dots and hyphens between digits are allowed.
_FRENCH_PHONE = re.compile(r"(?:0|(?:\+|00)(?:33|262|590|594|596)[\s.-]*(?:\(0\)[\s.-]*)?)[1-9](?:[\s.-]*\d){8}")

FRENCH_PHONE_MESSAGE = (
    "Saisissez un numéro de téléphone français valide, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78."
)


def validate_french_phone(value: str) -> None:
    """Raises ValidationError (in French) unless `value` is a French phone number."""
    if not _FRENCH_PHONE.fullmatch(value.strip()):
        raise ValidationError(FRENCH_PHONE_MESSAGE, code="invalid_phone")


# Anonymised accounts get an address at this domain (retention job); nobody may register one, or an anonymisation
# could collide with a real account.
ANONYMOUS_EMAIL_DOMAIN = "anonyme.fr"


def validate_not_anonymous_address(value: str) -> None:
    if value.strip().lower().endswith(f"@{ANONYMOUS_EMAIL_DOMAIN}"):
        raise ValidationError(
            "Cette adresse est réservée aux comptes anonymisés : indiquez votre adresse professionnelle.",
            code="anonymous_address",
        )
