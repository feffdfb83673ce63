"""Static files storage of the deployed platform."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed storage, with each file's URL computed once per process.

    Every page asks for a dozen static URLs (DSFR styles, scripts, icons); the manifest they come from does not change
    while a process runs, so the hashed URL of a name is kept after its first computation (issue 8: a signed-in page
    spent about a tenth of its CPU there). A name missing from the manifest still raises, and is not remembered.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
