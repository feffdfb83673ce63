from django.urls import path

from resorption.accounts.views import activation, administration, auth, profile, requests

app_name = "accounts"
urlpatterns = [
    # Authentication
    path("connexion/", auth.login_view, name="login"),
    path("deconnexion/", auth.logout_view, name="logout"),
    path("mot-de-passe-oublie/", auth.password_reset_request, name="password_reset"),
    path("mot-de-passe-oublie/<uidb64>/<token>/", auth.password_reset_confirm, name="password_reset_confirm"),
    path("charte/", auth.charter_view, name="charter"),
    # Access request and activation
    path("demande-acces/", requests.access_request, name="access_request"),
    path("demande-acces/envoyee/", requests.access_request_sent, name="access_request_sent"),
    path("activer-mon-compte/<str:token>/", activation.activate, name="activate"),
    path("demande-acces/structures/", requests.organization_options, name="access_request_organizations"),
    # Mon compte
    path("mon-compte/", profile.profile, name="profile"),
    path("mon-compte/droits/", profile.rights, name="rights"),
    path("mon-compte/mot-de-passe/", profile.password_change, name="password_change"),
    path("mon-compte/notifications/", profile.preferences, name="preferences"),
    path("mon-compte/desactivation/", profile.deactivate, name="self_deactivate"),
    # Administration
    path("administration/", administration.user_list, name="admin_users"),
    path("administration/comptes/nouveau/", administration.user_create, name="admin_user_create"),
    path("administration/comptes/<int:pk>/", administration.user_detail, name="user_detail"),
    path("administration/comptes/<int:pk>/<str:action>/", administration.user_action, name="admin_user_action"),
    path("administration/structures/nouvelle/", administration.organization_create, name="admin_organization_create"),
    path("administration/emails/", administration.email_list, name="admin_emails"),
    path("administration/connexions/", administration.signin_log, name="admin_signins"),
]
