from django import forms

from resorption.accounts.forms.auth import CHECKBOX_TEMPLATE, NewPasswordForm, password_policy_help_text
from resorption.core.forms import IdField

# Labels and help texts are set on the class: DsfrBaseForm builds the bound fields in __init__, so a change made to a
# field after that does not show.


class ActivationForm(NewPasswordForm):
    """The password twice and, when a charter is published, its acceptance. The policy is checked by
    `user_activate`, which knows whether the person is an admin (longer password)."""

    new_password1 = forms.CharField(
        label="Mot de passe",
        help_text=password_policy_help_text,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    new_password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_charter = forms.BooleanField(
        label="J'ai lu et j'accepte la charte d'engagement",
        error_messages={"required": "Cochez la case pour accepter la charte d'engagement."},
        template_name=CHECKBOX_TEMPLATE,
    )
    # The version the person read: activation is refused if a newer one was published in the meantime.
    charter_version = IdField(widget=forms.HiddenInput)

    def __init__(self, *args, charter_version: int | None, **kwargs):
        if charter_version is not None:
            kwargs["initial"] = {"charter_version": charter_version, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if charter_version is None:  # no charter published yet: nothing to accept
            del self.fields["accept_charter"]
            del self.fields["charter_version"]
