"""The antivirus adapter against a stand-in clamd: a real server on a loopback socket (TCP or unix) that speaks
clamd's INSTREAM protocol and answers what the test chose."""

import logging
import socket
import struct
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from resorption.journal.antivirus import VIRUS_FOUND
from resorption.journal.models import Attachment, JournalEntry
from resorption.journal.services import journal_entry_post
from tests.journal import files
from tests.journal.files import upload

pytestmark = pytest.mark.django_db

EICAR_REPLY = "stream: Win.Test.EICAR_HDB-1 FOUND"


class FakeClamd:
    """Accepts connections one after the other; for each, reads `zINSTREAM\\0` and the length-prefixed chunks up to
    the zero length, records the bytes received, and answers `reply` followed by NUL."""

    def __init__(self, family: int = socket.AF_INET, path: str = "") -> None:
        self.reply = "stream: OK"
        self.commands: list[bytes] = []
        self.received: list[bytes] = []
        self.server = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_UNIX:
            self.server.bind(path)
        else:
            self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(5)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self._stopping = False
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.getsockname()[1]

    def _serve(self) -> None:
        while not self._stopping:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                self._session(connection)

    def _session(self, connection: socket.socket) -> None:
        stream = connection.makefile("rb")
        command = b""
        while not command.endswith(b"\0"):
            command += stream.read(1)
        self.commands.append(command)
        data = b""
        while True:
            (length,) = struct.unpack("!L", stream.read(4))
            if length == 0:
                break
            data += stream.read(length)
        self.received.append(data)
        connection.sendall(self.reply.encode() + b"\0")
        stream.close()

    def stop(self) -> None:
        self._stopping = True
        try:
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting in accept()
        except OSError:
            pass
        self.server.close()
        self.thread.join(5)


@pytest.fixture
def clamd(settings):
    server = FakeClamd()
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST = "127.0.0.1"
    settings.CLAMD_PORT = server.port
    yield server
    server.stop()


def stored_files() -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def post_with(author, site, *uploads):
    return journal_entry_post(user=author, site_id=site.pk, body="Photos du site.", files=list(uploads))


def test_an_infected_file_is_refused_with_the_references_message_and_nothing_is_stored(clamd, author, site):
    clamd.reply = EICAR_REPLY

    with pytest.raises(ValidationError) as caught:
        post_with(author, site, upload("photo.png", files.PNG))

    assert caught.value.message_dict == {"files": [VIRUS_FOUND]}
    assert VIRUS_FOUND == "Virus détecté ! Veuillez scanner vos fichiers avant de les téléverser."
    assert clamd.commands == [b"zINSTREAM\0"]
    assert clamd.received == [files.PNG]
    assert not JournalEntry.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == []


def test_clean_files_are_scanned_then_stored(clamd, author, site):
    big = files.PDF + b"0" * 200_000  # several chunks

    entry = post_with(author, site, upload("photo.png", files.PNG), upload("note.pdf", big))

    assert clamd.received == [files.PNG, big]
    assert entry.attachments.count() == 2
    assert len(stored_files()) == 2


def test_a_file_refused_for_its_type_never_reaches_the_antivirus(clamd, author, site):
    with pytest.raises(ValidationError):
        post_with(author, site, upload("rapport.pdf", files.EXE))

    assert clamd.received == []


def test_a_clamd_error_refuses_the_file(clamd, author, site, caplog):
    clamd.reply = "INSTREAM size limit exceeded. ERROR"

    with caplog.at_level(logging.ERROR, logger="resorption.journal"), pytest.raises(ValidationError) as caught:
        post_with(author, site, upload("photo.png", files.PNG))

    assert caught.value.message_dict == {
        "files": [
            "Le fichier « photo.png » n'a pas pu être analysé par l'antivirus : réessayez dans quelques minutes."
        ]
    }
    assert "antivirus scan failed" in caplog.text
    assert stored_files() == []


def test_an_unreachable_clamd_refuses_the_file(settings, author, site):
    unused = socket.socket()
    unused.bind(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()  # nothing listens there any more
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_SOCKET = "127.0.0.1", port, ""

    with pytest.raises(ValidationError) as caught:
        post_with(author, site, upload("photo.png", files.PNG))

    assert "n'a pas pu être analysé par l'antivirus" in caught.value.message_dict["files"][0]
    assert not JournalEntry.objects.exists()


def test_clamd_over_a_unix_socket(settings, author, site, tmp_path):
    path = str(tmp_path / "clamd.sock")
    server = FakeClamd(socket.AF_UNIX, path)
    server.reply = EICAR_REPLY
    settings.CLAMD_SOCKET, settings.CLAMD_HOST = path, ""
    try:
        with pytest.raises(ValidationError) as caught:
            post_with(author, site, upload("note.pdf", files.PDF))
    finally:
        server.stop()

    assert caught.value.message_dict == {"files": [VIRUS_FOUND]}
    assert server.received == [files.PDF]


def test_without_clamd_the_scan_is_skipped_with_a_log_line(settings, author, site, caplog):
    settings.CLAMD_SOCKET, settings.CLAMD_HOST = "", ""

    with caplog.at_level(logging.INFO, logger="resorption.journal"):
        entry = post_with(author, site, upload("photo.png", files.PNG))

    assert entry.attachments.count() == 1
    [record] = [record for record in caplog.records if record.name == "resorption.journal"]
    assert record.getMessage() == "antivirus scan skipped: no clamd configured"
    assert record.file_name == "photo.png"
