"""A site export asked for by a user (§H.4): the request and its log at once — who, when, which territory and
options — and, for 24 hours, the file the background task wrote. The row stays when the file is deleted: the public
statistics page counts exports (§H.3)."""

import uuid

from django.conf import settings
from django.db import models

from resorption.exports.enums import ExportStatus


class SiteExport(models.Model):
    # The download link names the export by a random id; only its requester may open it anyway.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="site_exports", verbose_name="demandé par"
    )
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)
    # The list's query string the sites were selected by, and what it meant when asked.
    query = models.TextField("filtres", blank=True)
    location = models.CharField("territoire", max_length=255, blank=True)
    closed = models.BooleanField("sites fermés", default=False)
    as_of = models.DateField("à la date du", null=True, blank=True)
    sections = models.JSONField("sections", default=list, blank=True)
    status = models.CharField("état", max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    total = models.PositiveIntegerField("sites à exporter", default=0)
    done = models.PositiveIntegerField("sites exportés", default=0)
    file = models.FileField("fichier", upload_to="exports/", blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "export de sites"
        verbose_name_plural = "exports de sites"
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["requested_by", "-requested_at"], name="export_requester_idx")]

    def __str__(self):
        return f"Export {self.id} ({self.get_status_display()})"
