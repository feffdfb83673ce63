from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from resorption.accounts.forms.requests import AccessRequestForm, organization_choices_for
from resorption.accounts.services import requests as services
from resorption.core.network import client_ip

# Answers a link may preset ("/demande-acces/?request_type=report"). Never personal data: URLs end up in logs.
PRESETTABLE_FIELDS = ("request_type", "is_actor", "organization_type", "organization_departement", "organization")


@login_not_required
def access_request(request):
    """The public contact and access-request form (reference §B.1).

    A POST with `refresh` (the no-JavaScript way to list the organisations of the chosen type) shows the form again
    with the answers kept and nothing checked; htmx sends the same request to show or hide the organisation part when
    the request type or the "acteur" answer changes.
    """
    status = 200
    if request.method == "POST" and "refresh" not in request.POST:
        form = AccessRequestForm(request.POST)
        if form.honeypot_filled:
            # A robot: answer as if it worked, so that it learns nothing, and record nothing.
            return redirect("accounts:access_request_sent")
        if form.is_valid():
            try:
                services.access_request_submit(**form.submission(), ip_address=client_ip(request))
            except ValidationError as error:
                form.add_error(None, error)
            except services.AccessRequestRateLimited as error:
                form.add_error(None, error.message)
                status = 429
            else:
                return redirect("accounts:access_request_sent")
    else:
        source = request.POST if request.method == "POST" else request.GET
        answers = {name: value for name, value in source.items() if name not in ("csrfmiddlewaretoken", "website")}
        if request.method == "GET":
            answers = {name: value for name, value in answers.items() if name in PRESETTABLE_FIELDS}
        form = AccessRequestForm(initial=answers)
    return render(request, "accounts/requests/access_request.html", {"form": form}, status=status)


@login_not_required
@require_GET
def access_request_sent(request):
    return render(request, "accounts/requests/access_request_sent.html")


@login_not_required
@require_GET
def organization_options(request):
    """The `<option>`s of the organisation select for a type and a département (htmx, see AccessRequestForm)."""
    choices = organization_choices_for(
        type_answer=request.GET.get("organization_type"),
        departement_answer=request.GET.get("organization_departement"),
    )
    return render(request, "accounts/requests/includes/organization_options.html", {"choices": choices})
