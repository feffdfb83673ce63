""" "Mon compte": what a signed-in person may change about their own account (reference §B.8–B.9)."""

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from resorption.accounts import permissions
from resorption.accounts.enums import EmailSubscription, Option
from resorption.accounts.forms.profile import PasswordChangeForm, PreferencesForm, ProfileForm, SelfDeactivationForm
from resorption.accounts.services import profile as services

# The entries of the side menu, in order: (URL name, label).
SECTIONS = (
    ("accounts:profile", "Mes informations"),
    ("accounts:rights", "Mes droits"),
    ("accounts:password_change", "Mot de passe"),
    ("accounts:preferences", "Notifications par courriel"),
    ("accounts:self_deactivate", "Désactiver mon compte"),
)


def _render(request, template: str, section: str, context: dict):
    return render(request, template, {"sections": SECTIONS, "section": section, **context})


def _add_errors(form, error: ValidationError, fields: dict[str, str]) -> None:
    """Shows a service's ValidationError next to the matching form fields (`fields` maps service keys to them)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.message_dict.items():
        form.add_error(fields.get(key), errors)


def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.user_profile_update(user=user, **form.cleaned_data)
            except ValidationError as error:
                user.refresh_from_db()  # the refused values must not stay on the signed-in user
                _add_errors(form, error, {key: key for key in form.fields})
            else:
                messages.success(request, "Vos informations ont été enregistrées.")
                return redirect("accounts:profile")
    else:
        form = ProfileForm(
            initial={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "phone": user.phone,
                "position": user.position,
            }
        )
    context = {"form": form, "account": user, "areas": list(permissions.intervention_areas(user))}
    return _render(request, "accounts/profile/profile.html", "accounts:profile", context)


def rights(request):
    """« Mes droits »: the role, its options and every feature the person may use, with where (the permission
    engine's own words, `permissions.rights_by_entity`)."""
    user = request.user
    context = {
        "account": user,
        "rights": permissions.rights_by_entity(user),
        "option_labels": [label for value, label in Option.choices if value in user.options],
    }
    return _render(request, "accounts/profile/rights.html", "accounts:rights", context)


@sensitive_post_parameters("current_password", "new_password1", "new_password2")
def password_change(request):
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.user_password_change(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as error:
            _add_errors(form, error, {"current_password": "current_password", "new_password": "new_password1"})
        else:
            # The new hash ends every session of this user; this one continues.
            update_session_auth_hash(request, request.user)
            messages.success(request, "Votre mot de passe a été modifié. Vos autres sessions ont été fermées.")
            return redirect("accounts:password_change")
    return _render(request, "accounts/profile/password_change.html", "accounts:password_change", {"form": form})


def preferences(request):
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.user_preferences_update(user=user, subscriptions=form.cleaned_data["subscriptions"])
            messages.success(request, "Vos préférences de notification ont été enregistrées.")
            return redirect("accounts:preferences")
    else:
        turned_off = set(user.email_unsubscriptions or [])
        form = PreferencesForm(
            initial={"subscriptions": [value for value in EmailSubscription.values if value not in turned_off]}
        )
    return _render(request, "accounts/profile/preferences.html", "accounts:preferences", {"form": form})


def deactivate(request):
    form = SelfDeactivationForm(request.POST if request.method == "POST" else None)
    refusal = ""
    if form.is_valid():
        try:
            services.user_self_deactivate(
                user=request.user, request_anonymization=form.cleaned_data["request_anonymization"]
            )
        except ValidationError as error:
            refusal = " ".join(error.messages)
        else:
            logout(request)
            messages.info(
                request,
                "Votre compte est désactivé et vous avez été déconnecté. Un courriel de confirmation vous a été "
                "envoyé.",
            )
            return redirect("core:home")
    return _render(
        request, "accounts/profile/deactivate.html", "accounts:self_deactivate", {"form": form, "refusal": refusal}
    )
