from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from resorption.accounts import charter
from resorption.accounts.enums import SignInFailure
from resorption.accounts.forms.auth import CharterAcceptForm, LoginForm, NewPasswordForm, PasswordResetRequestForm
from resorption.accounts.services import auth as services


def _safe_next(request: HttpRequest) -> str:
    """The `next` URL of the request when it stays on this site, else an empty string."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


@login_not_required
@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "dashboard:index")
    form = LoginForm(request.POST) if request.method == "POST" else LoginForm()
    status = 200
    if form.is_valid():
        try:
            services.user_sign_in(
                request=request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except services.SignInError as error:
            form.add_error(None, error.message)
            if error.reason == SignInFailure.THROTTLED:
                status = 429
        else:
            return redirect(next_url or "dashboard:index")
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


# Open to anonymous visitors: someone whose session already expired must still be able to press "Se déconnecter".
@login_not_required
@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "Vous êtes déconnecté.")
    return redirect("core:home")


@login_not_required
@never_cache
def password_reset_request(request):
    form = PasswordResetRequestForm(request.POST) if request.method == "POST" else PasswordResetRequestForm()
    if form.is_valid():
        services.user_request_password_reset(email=form.cleaned_data["email"])
        # The same page whether an account exists or not.
        return render(request, "accounts/password_reset_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/password_reset_request.html", {"form": form})


@login_not_required
@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
def password_reset_confirm(request, uidb64, token):
    user = services.password_reset_link_user(uidb64=uidb64, token=token)
    if user is None:
        response = render(request, "accounts/password_reset_invalid.html")
    else:
        form = NewPasswordForm(request.POST) if request.method == "POST" else NewPasswordForm()
        if form.is_valid():
            try:
                services.user_reset_password(user=user, password=form.cleaned_data["new_password1"])
            except ValidationError as error:
                form.add_error("new_password1", error)
            else:
                messages.success(request, "Votre mot de passe a été modifié. Vous pouvez maintenant vous connecter.")
                return redirect("accounts:login")
        response = render(request, "accounts/password_reset_confirm.html", {"form": form})
    # The token is in the URL: it must not reach another site. "no-referrer" would also make browsers send
    # "Origin: null" with the form, which Django's CSRF check refuses; "same-origin" keeps both safe.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@login_not_required
def charter_view(request):
    """Anyone can read the charter; a signed-in user who has not accepted the current version accepts it here."""
    current = charter.current_charter()
    user = request.user
    needs_acceptance = (
        user.is_authenticated and current is not None and user.charter_version_accepted != current.version
    )
    next_url = _safe_next(request)
    form = None
    refusal = ""
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not needs_acceptance:
            return redirect(next_url or "dashboard:index")
        form = CharterAcceptForm(request.POST)
        if form.is_valid():
            try:
                services.user_accept_charter(user=user, version=form.cleaned_data["version"])
            except ValidationError as error:
                # A newer version was published meanwhile: show it, with a new form for that version.
                form = CharterAcceptForm(initial={"version": current.version})
                refusal = " ".join(error.messages)
            else:
                messages.success(request, "Merci, vous avez accepté la charte d'engagement.")
                return redirect(next_url or "dashboard:index")
    elif needs_acceptance:
        form = CharterAcceptForm(initial={"version": current.version})
    context = {
        "charter": current,
        "form": form,
        "refusal": refusal,
        "next": next_url,
        "accepted_at": user.charter_accepted_at if user.is_authenticated and not needs_acceptance else None,
    }
    return render(request, "accounts/charter.html", context)
