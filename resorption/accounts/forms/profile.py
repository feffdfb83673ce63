from django import forms

from resorption.accounts.enums import EmailSubscription
from resorption.accounts.forms.auth import CHECKBOX_TEMPLATE, NewPasswordForm, password_policy_help_text
from resorption.accounts.validators import validate_french_phone
from resorption.core.forms import BaseForm


class ProfileForm(BaseForm):
    first_name = forms.CharField(
        label="Prénom", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label="Nom", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    phone = forms.CharField(
        label="Téléphone",
        max_length=20,
        required=False,
        help_text="Format attendu : 06 12 34 56 78 ou +33 6 12 34 56 78",
        validators=[validate_french_phone],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    position = forms.CharField(
        label="Fonction",
        max_length=200,
        help_text="Par exemple : chargée de mission résorption des bidonvilles",
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )


class PasswordChangeForm(NewPasswordForm):
    """The current password, then the new one twice; the policy is checked by `user_password_change`."""

    current_password = forms.CharField(
        label="Mot de passe actuel",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    new_password1 = forms.CharField(
        label="Nouveau mot de passe",
        help_text=password_policy_help_text,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["current_password", "new_password1", "new_password2"]


class PreferencesForm(BaseForm):
    subscriptions = forms.MultipleChoiceField(
        label="Je souhaite recevoir par courriel",
        help_text="Décochez les courriels que vous ne souhaitez plus recevoir.",
        choices=EmailSubscription.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class SelfDeactivationForm(BaseForm):
    request_anonymization = forms.BooleanField(
        label="Je demande aussi l'anonymisation de mes données",
        help_text=(
            "Vos nom, prénom, adresse électronique et numéro de téléphone seront effacés : "
            "votre compte ne pourra plus être réactivé."
        ),
        required=False,
        template_name=CHECKBOX_TEMPLATE,
    )
