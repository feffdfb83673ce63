"""The outbox: every email the platform sends is first a row here, then delivered by a task that retries.

A row is written in the same transaction as the change that caused it, so an email is never lost when the mail server
is down, and never sent for a change that was rolled back.
"""

from django.db import models
from django.utils import timezone


class EmailStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    SENT = "sent", "Envoyé"
    FAILED = "failed", "En échec"


class OutgoingEmailQuerySet(models.QuerySet):
    def due(self, now=None):
        """Emails waiting for delivery whose next attempt time has come."""
        return self.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now or timezone.now())


class OutgoingEmail(models.Model):
    template = models.CharField("modèle", max_length=100)
    to = models.JSONField("destinataires")
    reply_to = models.JSONField("répondre à", default=list, blank=True)
    # Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) of the weekly digest.
    headers = models.JSONField("en-têtes", default=dict, blank=True)
    subject = models.CharField("objet", max_length=300)
    body_text = models.TextField("texte")
    body_html = models.TextField("HTML", blank=True)
    status = models.CharField("statut", max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField("prochaine tentative", default=timezone.now)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        verbose_name = "courriel"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"
