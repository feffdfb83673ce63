from django.db import models


class ScheduledRun(models.Model):
    """One run of a periodic job for one time slot. The unique constraint makes each slot run once, even with two
    schedulers or after a restart."""

    job = models.CharField("tâche", max_length=100)
    slot = models.DateTimeField("créneau")
    enqueued_at = models.DateTimeField("mise en file le", auto_now_add=True)

    class Meta:
        verbose_name = "exécution planifiée"
        verbose_name_plural = "exécutions planifiées"
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once_per_slot")]

    def __str__(self):
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"
