"""The PDF site sheet, under `sites/` (config/urls.py includes it before the settlements' own routes)."""

from django.urls import path

from resorption.exports import views_sheet

app_name = "sheets"

urlpatterns = [
    path("<int:pk>/fiche/", views_sheet.sheet_form, name="form"),
    path("<int:pk>/fiche.pdf", views_sheet.sheet_pdf, name="pdf"),
]
