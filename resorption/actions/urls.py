from django.urls import path

from resorption.actions import views, views_journal

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("export/", views.export, name="export"),
    path("nouvelle/", views.create, name="create"),
    path("recherche/<str:name>/", views.picker, name="picker"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.update, name="update"),
    path("<int:pk>/financements/", views.finances, name="finances"),
    path("<int:pk>/lecteurs-des-financements/", views.finance_readers, name="finance_readers"),
    path("<int:pk>/indicateurs/", views.indicators, name="indicators"),
    path("<int:pk>/historique/", views.history, name="history"),
    path("<int:pk>/demander-a-piloter/", views.request_pilot, name="request_pilot"),
    path("<int:pk>/journal/", views_journal.action_journal, name="journal"),
    path("<int:pk>/journal/destinataires/", views_journal.recipients, name="journal_recipients"),
    path("<int:pk>/journal/<int:entry_id>/modifier/", views_journal.entry_edit, name="journal_edit"),
    path("<int:pk>/journal/<int:entry_id>/supprimer/", views_journal.entry_delete, name="journal_delete"),
    path("<int:pk>/journal/pieces-jointes/<uuid:attachment_uuid>/", views_journal.attachment, name="attachment"),
    path("<int:pk>/journal/export/", views_journal.journal_export, name="journal_export"),
]
