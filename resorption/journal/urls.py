from django.urls import path

from resorption.journal import views, views_export

app_name = "journal"
urlpatterns = [
    path("<int:site_id>/journal/", views.journal, name="journal"),
    path("journal/export/", views_export.journal_export, name="export"),
    path("<int:site_id>/journal/<int:entry_id>/modifier/", views.entry_edit, name="edit"),
    path("<int:site_id>/journal/<int:entry_id>/supprimer/", views.entry_delete, name="delete"),
    path("<int:site_id>/journal/pieces-jointes/<uuid:attachment_uuid>/", views.attachment, name="attachment"),
]
