"""The account administration of local and national admins, in the product (reference §A.7, §B.3, §B.9).

Every page asks accounts.permissions who may see it (404 otherwise, like a missing page) and fetches an account only
through `access_user_account`: an account outside the admin's territory is a 404 too. The services check the admin's
right again themselves.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from resorption.accounts import permissions
from resorption.accounts.access import access_user_account
from resorption.accounts.enums import AccessStatus
from resorption.accounts.forms import administration as forms
from resorption.accounts.models import InterventionArea, Organization, SignInAttempt, User
from resorption.accounts.services import administration as services
from resorption.core.dates import french_datetime
from resorption.core.forms import parse_id
from resorption.core.pagination import pagination_links
from resorption.emails.models import EmailStatus, OutgoingEmail
from resorption.emails.services import email_retry
from resorption.territories.selectors import search_territories

PAGE_SIZE = 50

# How each access status looks in lists (DSFR badges).
ACCESS_STATUS_BADGES = {
    AccessStatus.REQUESTED: "fr-badge--new",
    AccessStatus.SENT: "fr-badge--info",
    AccessStatus.EXPIRED: "fr-badge--warning",
    AccessStatus.ACTIVATED: "fr-badge--success",
    AccessStatus.DEACTIVATED: "fr-badge--error",
    AccessStatus.REFUSED: "",
}
EMAIL_STATUS_BADGES = {
    EmailStatus.PENDING: "fr-badge--info",
    EmailStatus.SENT: "fr-badge--success",
    EmailStatus.FAILED: "fr-badge--error",
}


# ---------------------------------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------------------------------


def _menu(request: HttpRequest) -> list[dict]:
    """The side menu of the administration: only the pages this admin may open."""
    user = request.user
    entries = [
        ("Comptes", "accounts:admin_users", True),
        ("Créer un compte", "accounts:admin_user_create", permissions.can(user, "user.create")),
        ("Créer une structure", "accounts:admin_organization_create", permissions.can_create_organization(user)),
        ("Courriels envoyés", "accounts:admin_emails", permissions.can_read_email_outbox(user)),
        ("Journal des connexions", "accounts:admin_signins", permissions.can_read_signin_log(user)),
    ]
    return [
        {"label": label, "url": reverse(name), "current": request.path == reverse(name)}
        for label, name, allowed in entries
        if allowed
    ]


def _page(request: HttpRequest, queryset: QuerySet) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _list_context(request: HttpRequest, page: Page, **context) -> dict:
    return {"admin_menu": _menu(request), "page": page, "pagination": pagination_links(request.GET, page), **context}


# ---------------------------------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------------------------------


def user_list(request: HttpRequest) -> HttpResponse:
    """The accounts of the admin's territory with their access status; search and filters in the query string."""
    if not permissions.can_list_users(request.user):
        raise Http404
    form = forms.AccountFilterForm(request.GET)
    form.is_valid()  # an invalid filter is shown with its error and ignored
    filters = form.cleaned_data
    accounts = services.accounts_for_list(
        actor=request.user,
        term=filters.get("q", ""),
        access_status=filters.get("statut", ""),
        role=filters.get("role", ""),
    )
    page = _page(request, accounts)
    for account in page:
        account.access_status_label = AccessStatus(account.access_status).label
        account.access_status_badge = ACCESS_STATUS_BADGES[account.access_status]
    context = _list_context(
        request,
        page,
        form=form,
        filtered=any(filters.get(name) for name in ("q", "statut", "role")),
        can_create_user=permissions.can(request.user, "user.create"),
    )
    return render(request, "accounts/administration/user_list.html", context)


def _account_or_404(request: HttpRequest, pk: int) -> User:
    queryset = User.objects.select_related(
        "organization__type",
        "organization__region",
        "organization__departement",
        "organization__epci",
        "organization__commune",
    )
    return access_user_account(request.user, pk, queryset=services.with_access_status(queryset))


def _permitted_actions(admin: User, account: User) -> dict:
    """The actions of the account page this admin may use on this account, whatever its state (the others are 404),
    and the roles he may give it: the rules the services check again."""
    return services.permitted_actions(admin, account)


def _area_choice(area: InterventionArea) -> tuple[str, str]:
    label = (
        "France entière" if area.area_type == "nation" else f"{area.get_area_type_display()} : {area.territory_label}"
    )
    return forms.area_value(area.area_type, area.territory_code), label


def _areas_info(account: User) -> dict:
    """The account's own areas, its organisation's, and a label of the latter for the areas form."""
    custom_areas = list(
        account.intervention_areas.select_related("region", "departement", "epci", "commune").order_by(
            "-is_main_area", "pk"
        )
    )
    organization_areas = list(
        InterventionArea.objects.filter(organization=account.organization_id)
        .select_related("region", "departement", "epci", "commune")
        .order_by("-is_main_area", "pk")
    )
    return {
        "custom_areas": custom_areas,
        "organization_areas": organization_areas,
        "organization_label": ", ".join(_area_choice(area)[1] for area in organization_areas) or "aucun territoire",
    }


def _account_forms(request: HttpRequest, account: User, permitted: dict, areas_info: dict, action=None) -> dict:
    """One form per action of the account page; the one of `action` is bound to the submitted data."""
    custom_areas = areas_info["custom_areas"]
    area_choices = [_area_choice(area) for area in custom_areas]
    search_term = request.GET.get("territoire", "").strip()
    for result in search_territories(search_term) if search_term else []:
        value = forms.area_value(result.level, result.code)
        if value not in dict(area_choices):
            area_choices.append((value, f"{result.level_label} : {result.label}"))
    if action == services.AREAS:
        known = dict(area_choices)
        area_choices += [(value, value) for value in request.POST.getlist("areas-areas") if value not in known]

    def prefixed(name, form_class, initial=None, **kwargs):
        return form_class(request.POST if name == action else None, prefix=name, initial=initial, **kwargs)

    custom = account.use_custom_intervention_area or search_term
    return {
        services.ROLE: prefixed(
            services.ROLE, forms.RoleForm, {"role": account.role}, roles=permitted["roles"], current=account.role
        ),
        services.OPTIONS: prefixed(
            services.OPTIONS,
            forms.OptionsForm,
            {"options": account.options},
            options=permissions.allowed_options(account.effective_role),
        ),
        services.AREAS: prefixed(
            services.AREAS,
            forms.AreasForm,
            {
                "mode": forms.AreasForm.CUSTOM if custom else forms.AreasForm.ORGANIZATION,
                "areas": [_area_choice(area)[0] for area in custom_areas],
            },
            organization_label=areas_info["organization_label"],
            area_choices=area_choices,
        ),
        services.NOTE: prefixed(services.NOTE, forms.NoteForm, {"note": account.admin_note}),
        services.SEND_LINK: prefixed(services.SEND_LINK, forms.ConfirmForm),
        services.REFUSE: prefixed(services.REFUSE, forms.RefuseForm),
        services.DEACTIVATE: prefixed(services.DEACTIVATE, forms.DeactivateForm),
        services.REACTIVATE: prefixed(services.REACTIVATE, forms.ConfirmForm),
        services.PROMOTE: prefixed(services.PROMOTE, forms.ConfirmForm),
        services.DEMOTE: prefixed(services.DEMOTE, forms.ConfirmForm),
    }


def _render_account(request: HttpRequest, account: User, *, action: str = "", bound_form=None) -> HttpResponse:
    """The account page; after a refused action, with that action's form and its errors."""
    admin = request.user
    permitted = _permitted_actions(admin, account)
    areas_info = _areas_info(account)
    account_forms = _account_forms(request, account, permitted, areas_info)
    if bound_form is not None:
        account_forms[action] = bound_form
    # What the page offers: permitted to this admin and allowed by the account's state.
    allowed_options = permissions.allowed_options(account.effective_role)
    offered = {
        name.replace("-", "_"): bool(permitted[name]) and services.account_state_allows(account, name)
        for name in services.ACCOUNT_ACTIONS
    }
    offered["options"] = offered["options"] and bool(allowed_options)
    offered["role"] = offered["role"] and account_forms[services.ROLE].offers_a_change
    offered["areas"] = offered["areas"] and permissions.can_set_intervention_areas(admin, account)
    status = AccessStatus(account.access_status)
    context = {
        "admin_menu": _menu(request),
        "account": account,
        "access_status_label": status.label,
        "access_status_badge": ACCESS_STATUS_BADGES[status],
        "areas": areas_info["custom_areas" if account.use_custom_intervention_area else "organization_areas"],
        "options": [option.label for option in allowed_options if option.value in account.options],
        "accesses": list(account.accesses.select_related("sent_by").order_by("-created_at", "-pk")),
        "events": list(account.events.select_related("actor").order_by("-created_at", "-pk")),
        "forms": {name.replace("-", "_"): form for name, form in account_forms.items()},
        "offered": offered,
        "is_self": admin.pk == account.pk,
        "territory_search": request.GET.get("territoire", ""),
        # A summary at the top of the page: the form of a refused action may not be shown any more (state changed).
        "action_errors": [
            message for errors in (bound_form.errors.values() if bound_form else []) for message in errors
        ],
    }
    return render(request, "accounts/administration/user_detail.html", context)


def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: identity, access, history, and the forms of the actions this admin may use on it."""
    return _render_account(request, _account_or_404(request, pk))


_SUCCESS = {
    services.ROLE: ("Le rôle a été modifié.", "Le rôle n'a pas changé."),
    services.OPTIONS: ("Les options ont été enregistrées.", "Les options n'ont pas changé."),
    services.AREAS: ("Les territoires d'intervention ont été enregistrés.", "Les territoires n'ont pas changé."),
    services.NOTE: ("La note d'administration a été enregistrée.", "La note n'a pas changé."),
    services.REFUSE: ("La demande d'accès a été refusée. Un courriel a informé la personne du motif.", ""),
    services.DEACTIVATE: ("Le compte a été désactivé. Un courriel a informé la personne du motif.", ""),
    services.PROMOTE: ("Ce compte est maintenant administrateur local.", ""),
    services.DEMOTE: ("Ce compte n'est plus administrateur local.", ""),
}


def _run_action(request: HttpRequest, account: User, action: str, data: dict) -> str:
    """Calls the service of the action; returns the success message."""
    admin = request.user
    changed = True
    target = {"actor": admin, "account_id": account.pk}
    if action == services.ROLE:
        # Keeping the current role gives nothing: a local admin saves the role form of an « Opérateur » unchanged.
        changed = data["role"] != account.role and services.user_role_set(**target, role=data["role"])
    elif action == services.OPTIONS:
        changed = services.user_options_set(**target, options=data["options"])
    elif action == services.AREAS:
        changed = services.user_areas_set(**target, areas=data["chosen_areas"])
    elif action == services.NOTE:
        changed = services.user_admin_note_set(**target, note=data["note"])
    elif action == services.SEND_LINK:
        access = services.user_link_send(**target)
        return (
            f"Le lien d'activation a été envoyé à {account.email}. "
            f"Il est valable jusqu'au {french_datetime(access.expires_at)}."
        )
    elif action == services.REFUSE:
        services.user_access_refuse(**target, reason=data["reason"])
    elif action == services.DEACTIVATE:
        services.user_deactivate_by_admin(**target, reason=data["reason"])
    elif action == services.REACTIVATE:
        if services.user_reactivate(**target).is_active:
            return "Le compte a été réactivé. Un courriel en a informé la personne."
        return "Le compte a été réactivé ; il attend un lien d'activation, que vous pouvez envoyer ci-dessous."
    elif action == services.PROMOTE:
        services.user_promote(**target)
    elif action == services.DEMOTE:
        services.user_demote(**target)
    done, unchanged = _SUCCESS[action]
    return done if changed else unchanged


@require_POST
def user_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action of the account page, posted by its form. Unknown actions and actions this admin may not use on
    this account are 404; bad input and a state that forbids the action get a French message and change nothing."""
    if action not in services.ACCOUNT_ACTIONS:
        raise Http404
    account = _account_or_404(request, pk)
    permitted = _permitted_actions(request.user, account)
    if not permitted[action]:
        raise Http404
    form = _account_forms(request, account, permitted, _areas_info(account), action=action)[action]
    if form.is_valid():
        try:
            message = _run_action(request, account, action, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, message)
            return redirect("accounts:user_detail", pk=account.pk)
    # Read the account again: the object may hold changes the service refused.
    return _render_account(request, _account_or_404(request, pk), action=action, bound_form=form)


def user_create(request: HttpRequest) -> HttpResponse:
    """An account created directly by an admin, in an organisation of his territory; the activation link is sent from
    the account page afterwards."""
    if not permissions.can(request.user, "user.create"):
        raise Http404
    organizations = Organization.objects.filter(
        permissions.manageable_organizations_q(request.user, "user.create")
    ).select_related("type", "region", "departement", "epci", "commune")
    search_term = request.GET.get("structure", "").strip()
    shown = organizations.search(search_term) if search_term else organizations.order_by("name", "pk")
    form = forms.UserCreateForm(
        request.POST if request.method == "POST" else None,
        organizations=organizations,
        shown_organizations=shown,
        roles=permissions.assignable_roles(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.user_create(
                actor=request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                position=data["position"],
                organization=data["organization"],
                role=data["role"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Le compte a été créé. Envoyez maintenant le lien d'activation pour que la personne l'active."
            )
            return redirect("accounts:user_detail", pk=account.pk)
    context = {"admin_menu": _menu(request), "form": form, "search_term": search_term}
    return render(request, "accounts/administration/user_create.html", context)


def organization_create(request: HttpRequest) -> HttpResponse:
    """A new organisation, by national admins only."""
    if not permissions.can_create_organization(request.user):
        raise Http404
    form = forms.OrganizationCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organization = services.organization_create(
                actor=request.user,
                name=data["name"],
                abbreviation=data["abbreviation"],
                organization_type=data["organization_type"],
                location=(data["location_type"], data["location_code"]),
                areas=data["areas"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"La structure « {organization.name} » a été créée. Vous pouvez y créer un compte."
            )
            return redirect(f"{reverse('accounts:admin_user_create')}?{urlencode({'structure': organization.name})}")
    return render(
        request, "accounts/administration/organization_create.html", {"admin_menu": _menu(request), "form": form}
    )


# ---------------------------------------------------------------------------------------------------------------------
# Emails and sign-ins
# ---------------------------------------------------------------------------------------------------------------------


def email_list(request: HttpRequest) -> HttpResponse:
    """The outbox: every email of the platform with its delivery status, failed ones sent again on demand. In
    development nothing leaves the machine, and this page is where emails are read."""
    if not permissions.can_read_email_outbox(request.user):
        raise Http404
    if request.method == "POST":
        email = OutgoingEmail.objects.filter(pk=parse_id(request.POST.get("email")), status=EmailStatus.FAILED).first()
        if email is None:
            messages.error(request, "Ce courriel n'est pas en échec : il n'y a rien à renvoyer.")
        else:
            email_retry(email=email)
            messages.success(request, f"Le courriel « {email.subject} » va être renvoyé.")
        return redirect(request.get_full_path())
    form = forms.OutboxFilterForm(request.GET)
    form.is_valid()
    emails = OutgoingEmail.objects.defer("body_text", "body_html")
    if form.cleaned_data.get("statut"):
        emails = emails.filter(status=form.cleaned_data["statut"])
    page = _page(request, emails.order_by("-created_at", "-pk"))
    for email in page:
        email.status_badge = EMAIL_STATUS_BADGES[email.status]
    selected = OutgoingEmail.objects.filter(pk=parse_id(request.GET.get("courriel"))).first()
    context = _list_context(request, page, form=form, selected=selected, failed=EmailStatus.FAILED)
    return render(request, "accounts/administration/email_list.html", context)


def signin_log(request: HttpRequest) -> HttpResponse:
    """The sign-in log (kept 12 months), for national admins."""
    if not permissions.can_read_signin_log(request.user):
        raise Http404
    form = forms.SignInFilterForm(request.GET)
    form.is_valid()
    attempts = SignInAttempt.objects.order_by("-created_at", "-pk")
    email = form.cleaned_data.get("email", "").strip()
    if email:
        attempts = attempts.filter(email__icontains=email)
    page = _page(request, attempts)
    return render(request, "accounts/administration/signin_log.html", _list_context(request, page, form=form))
