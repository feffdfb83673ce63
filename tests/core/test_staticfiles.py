import pytest
from django.core.management import call_command

from resorption.core.staticfiles import StaticFilesStorage


@pytest.fixture
def storage(tmp_path, settings):
    """The production storage over a manifest collected in a temporary folder (our own files only — hashing npm's
    libraries took 25 s —, the PDF sheet's stylesheet, which refers to DSFR's fonts, left out with them)."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_DIRS = settings.STATICFILES_DIRS[:1]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "resorption.core.staticfiles.StaticFilesStorage"},
    }
    call_command(
        "collectstatic", "--noinput", verbosity=0, ignore_patterns=["dsfr", "django_htmx", "admin", "sheet.css"]
    )
    return StaticFilesStorage()


def test_a_static_url_is_hashed_once_and_remembered(storage, monkeypatch):
    first = storage.url("css/resorption.css")
    assert first.startswith("/static/css/resorption.") and first.endswith(".css")
    assert first != "/static/css/resorption.css"  # hashed

    def computed_again(*args, **kwargs):
        raise AssertionError("the URL was computed again")

    monkeypatch.setattr(StaticFilesStorage.__mro__[1], "url", computed_again)
    assert storage.url("css/resorption.css") == first


def test_a_name_missing_from_the_manifest_still_raises_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError):
            storage.url("css/absent.css")
