from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from resorption.accounts import charter
from resorption.accounts.forms.activation import ActivationForm
from resorption.accounts.services.activation import (
    ActivationLinkError,
    access_link_check,
    user_activate,
)
from resorption.accounts.services.auth import AUTHENTICATION_BACKEND
from resorption.core.dates import french_datetime

# Which form field shows each error of `user_activate`.
_FORM_FIELDS = {"password": "new_password1", "accept_charter": "accept_charter"}
# An unusable link answers 410 Gone: the page explains what to do, and the status tells it will not work again.
INVALID_LINK_STATUS = 410


@login_not_required
@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
def activate(request, token):
    """The page of the activation link: choose a password, accept the charter, and the account is open."""
    try:
        access = access_link_check(token=token)
    except ActivationLinkError as error:
        response = _invalid_link(request, error)
    else:
        current = charter.current_charter()
        version = current.version if current is not None else None
        form = ActivationForm(request.POST if request.method == "POST" else None, charter_version=version)
        if form.is_valid():
            try:
                user = user_activate(
                    token=token,
                    password=form.cleaned_data["new_password1"],
                    accept_charter=form.cleaned_data.get("accept_charter", False),
                    charter_version=form.cleaned_data.get("charter_version"),
                )
            except ActivationLinkError as error:  # used meanwhile, from another tab
                response = _invalid_link(request, error)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    field = _FORM_FIELDS.get(field)
                    form.add_error(field if field in form.fields else None, errors)
                if "accept_charter" in error.message_dict and "charter_version" in form.fields:
                    # A newer charter was published meanwhile: show that one, to be read and ticked again.
                    current = charter.current_charter() or current
                    form.data = form.data.copy()
                    form.data.pop("accept_charter", None)
                    form.data["charter_version"] = str(current.version)
                response = _form_page(request, access, form, current)
            else:
                login(request, user, backend=AUTHENTICATION_BACKEND)
                messages.success(
                    request, f"Bienvenue {user.first_name}, votre compte est activé. Vous êtes maintenant connecté."
                )
                return redirect("dashboard:index")
        else:
            response = _form_page(request, access, form, current)
    # The token is in the URL: it must not reach another site. "no-referrer" would also make browsers send
    # "Origin: null" with the form, which Django's CSRF check refuses; "same-origin" keeps both safe.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _form_page(request, access, form, current_charter):
    context = {
        "person": access.user,
        "expires_label": french_datetime(access.expires_at),
        "form": form,
        "charter": current_charter,
    }
    return render(request, "accounts/activation/form.html", context)


def _invalid_link(request, error: ActivationLinkError):
    context = {
        "message": " ".join(error.messages),
        "reason": error.code,
        "contact_email": settings.CONTACT_EMAIL,
    }
    return render(request, "accounts/activation/invalid_link.html", context, status=INVALID_LINK_STATUS)
