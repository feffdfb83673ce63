import pytest

from tests.smtp import LoopbackSmtp


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a temporary folder, never into the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits count in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, with the default mailer pointed at it. `.envelopes` holds what it received."""
    server = LoopbackSmtp()
    server.start()
    settings.MAILERS = server.mailers_setting
    yield server
    server.stop()
