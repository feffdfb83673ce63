"""Background jobs of the site export: writing one export's file (queued by `services.site_export_request`), and
the periodic sweep of files older than 24 hours (settings.SCHEDULED_JOBS `sweep_site_exports`, hourly)."""

from django.tasks import task

from resorption.core.tasks import retry_on_transient_database_errors
from resorption.exports import services


@task
def run_site_export(export_id: str) -> None:
    # Not retried: a failed export is marked FAILED and the user asks again; running it twice would write twice.
    services.site_export_run(export_id)


@task
@retry_on_transient_database_errors
def sweep_site_exports() -> int:
    return services.site_exports_sweep()
