from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.functional import lazy

from resorption.core.forms import BaseForm, IdField

CHECKBOX_TEMPLATE = "accounts/includes/checkbox_field.html"


class LoginForm(BaseForm):
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Format attendu : nom@domaine.fr",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetRequestForm(BaseForm):
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Format attendu : nom@domaine.fr",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


# Built lazily: the validators are read from settings when the text is shown, not at import.
password_policy_help_text = lazy(lambda: " ".join(password_validators_help_texts()), str)()


class NewPasswordForm(BaseForm):
    """Both entries of the new password; the policy itself is checked by `user_reset_password`."""

    new_password1 = forms.CharField(
        label="Nouveau mot de passe",
        help_text=password_policy_help_text,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    new_password2 = forms.CharField(
        label="Confirmation du nouveau mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned_data = super().clean()
        first, second = cleaned_data.get("new_password1"), cleaned_data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "Les deux mots de passe saisis ne sont pas identiques.")
        return cleaned_data


class CharterAcceptForm(BaseForm):
    accepted = forms.BooleanField(
        label="J'ai lu et j'accepte la charte d'engagement",
        error_messages={"required": "Cochez la case pour accepter la charte d'engagement."},
        template_name=CHECKBOX_TEMPLATE,
    )
    # The version the person read: accepting is refused if a newer one was published in the meantime.
    version = IdField(widget=forms.HiddenInput)
