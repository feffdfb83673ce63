"""Where uploaded files go: the local folder by default, an S3-compatible bucket when the environment says so."""

from django.core.files.storage import StorageHandler

from tests.core.production import PRODUCTION_LIKE_ENVIRONMENT, import_production_settings


def _storage(monkeypatch, tmp_path, **variables) -> dict:
    """The default storage production settings build from these environment variables."""
    prod = import_production_settings(
        monkeypatch,
        {
            **PRODUCTION_LIKE_ENVIRONMENT,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'storage.sqlite3'}",
            "MEDIA_ROOT": str(tmp_path / "media"),
            **variables,
        },
    )
    # Built from the production STORAGES as Django's `storages` would, without replacing the test process's own.
    storage = StorageHandler(prod.STORAGES)["default"]
    return {
        "class": type(storage).__module__ + "." + type(storage).__name__,
        "bucket": getattr(storage, "bucket_name", None),
        "endpoint": getattr(storage, "endpoint_url", None),
        "location": getattr(storage, "location", None),
        "acl": getattr(storage, "default_acl", None),
        "signed": getattr(storage, "querystring_auth", None),
        "overwrite": getattr(storage, "file_overwrite", None),
    }


def test_files_go_to_the_local_folder_by_default(monkeypatch, tmp_path):
    assert _storage(monkeypatch, tmp_path)["class"] == "django.core.files.storage.filesystem.FileSystemStorage"


def test_an_s3_bucket_takes_private_signed_never_overwritten_files(monkeypatch, tmp_path):
    storage = _storage(
        monkeypatch,
        tmp_path,
        S3_BUCKET="resorption-pj",
        S3_ENDPOINT_URL="https://s3.exemple.test",
        S3_PREFIX="pieces",
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
