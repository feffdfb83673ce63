"""What the directory records: each view of an organisation's page (reference §F.1, `stats_directory_views`)."""

from django.db import models
from django.utils import timezone

from resorption.accounts.models import Organization, User


class DirectoryView(models.Model):
    """One opening of an organisation's page of the directory by a signed-in user, counted by the public statistics
    (« mises en relation via l'annuaire »). Accounts and organisations are anonymised or deactivated, not deleted, so
    the rows outlive the people who made them; they go only with a deleted organisation or account."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name="structure consultée"
    )
    viewed_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name="consultée par")
    viewed_at = models.DateTimeField("consultée le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "consultation de l'annuaire"
        verbose_name_plural = "consultations de l'annuaire"
        ordering = ["-viewed_at", "-pk"]

    def __str__(self):
        return f"{self.organization_id} {self.viewed_at:%Y-%m-%d %H:%M}"
