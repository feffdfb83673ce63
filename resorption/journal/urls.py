from django.urls import path

from resorption.journal import views, views_export, views_territorial

app_name = "journal"
urlpatterns = [
    path("<int:site_id>/journal/", views.journal, name="journal"),
    path("<int:site_id>/journal/destinataires/", views.recipients, name="recipients"),
    path("journal/export/", views_export.journal_export, name="export"),
    path("journal/messages-territoriaux/", views_territorial.territorial_messages, name="territorial"),
    path(
        "journal/messages-territoriaux/<int:message_id>/supprimer/",
        views_territorial.territorial_message_delete,
        name="territorial_delete",
    ),
    path("<int:site_id>/journal/<int:entry_id>/modifier/", views.entry_edit, name="edit"),
    path("<int:site_id>/journal/<int:entry_id>/supprimer/", views.entry_delete, name="delete"),
    path("<int:site_id>/journal/pieces-jointes/<uuid:attachment_uuid>/", views.attachment, name="attachment"),
]
