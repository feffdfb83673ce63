"""Where uploaded files go: the local folder by default, an S3-compatible bucket when the environment says so."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROBE = (
    "import json; from django.core.files.storage import storages; s = storages['default']; "
    "print(json.dumps({'class': type(s).__module__ + '.' + type(s).__name__, "
    "'bucket': getattr(s, 'bucket_name', None), 'endpoint': getattr(s, 'endpoint_url', None), "
    "'location': getattr(s, 'location', None), 'acl': getattr(s, 'default_acl', None), "
    "'signed': getattr(s, 'querystring_auth', None), 'overwrite': getattr(s, 'file_overwrite', None)}))"
)


def _storage(tmp_path, **variables) -> dict:
    """The default storage production settings build from these environment variables."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("S3_") and key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "MEDIA_STORAGE_BACKEND")
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": "k3y-" + "x9Q" * 20 + "-production-like-secret",
            "ALLOWED_HOSTS": "resorption-bidonvilles.example.gouv.fr",
            "BASE_URL": "https://resorption-bidonvilles.example.gouv.fr",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'storage.sqlite3'}",
            "MEDIA_ROOT": str(tmp_path / "media"),
            **variables,
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=Path(settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_files_go_to_the_local_folder_by_default(tmp_path):
    assert _storage(tmp_path)["class"] == "django.core.files.storage.filesystem.FileSystemStorage"


def test_an_s3_bucket_takes_private_signed_never_overwritten_files(tmp_path):
    storage = _storage(
        tmp_path, S3_BUCKET="resorption-pj", S3_ENDPOINT_URL="https://s3.exemple.test", S3_PREFIX="pieces"
    )

    assert storage == {
        "class": "storages.backends.s3.S3Storage",
        "bucket": "resorption-pj",
        "endpoint": "https://s3.exemple.test",
        "location": "pieces",
        "acl": "private",
        "signed": True,
        "overwrite": False,
    }
