"""The 5,000-site export of the bench (issue 12): the national admin exports every open site of the seeded data set
with every section he may choose, in a process of its own, as the task worker runs it. Writes `export.json` in
OUTPUT_DIR: the sites, the seconds the writing took, the process's peak resident memory (Django loaded, the export
written: what a worker needs) and the file's size.

Usage: python bench/export.py OUTPUT_DIR [--as-of YYYY-MM-DD]
"""

import datetime
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

import django  # noqa: E402

django.setup()

from resorption.accounts.models import User  # noqa: E402
from resorption.demo import scale  # noqa: E402
from resorption.exports import exports  # noqa: E402
from resorption.exports.models import SiteExport  # noqa: E402
from resorption.exports.services import site_export_request, site_export_run  # noqa: E402


def main() -> None:
    output = Path(sys.argv[1])
    as_of = datetime.date.fromisoformat(sys.argv[3]) if sys.argv[2:3] == ["--as-of"] else None
    admin = User.objects.get(email=scale.NATIONAL_ADMIN_EMAIL)
    export = site_export_request(user=admin, query="", sections=exports.options_for(admin), as_of=as_of)
    started = time.perf_counter()
    site_export_run(export.pk)
    seconds = time.perf_counter() - started
    export = SiteExport.objects.get(pk=export.pk)
    figures = {
        "sites": export.total,
        "sections": export.sections,
        "as_of": as_of.isoformat() if as_of else None,
        "seconds": round(seconds, 2),
        # ru_maxrss is in KiB on Linux.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "file_kb": round(export.file.size / 1024) if export.file else None,
        "status": export.status,
    }
    export.file.delete(save=False)
    name = "export-as-of.json" if as_of else "export.json"
    (output / name).write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
