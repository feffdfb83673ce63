"""Virus scanning of uploaded files through clamd (reference §C.13: the reference scans every file with ClamAV).

When `CLAMD_SOCKET` (a unix socket path) or `CLAMD_HOST` (with `CLAMD_PORT`) is set, each file is streamed to clamd
with its INSTREAM command: `zINSTREAM\\0`, then chunks each preceded by their length on 4 bytes (network order), then
a zero length; clamd answers `stream: OK`, `stream: <signature> FOUND`, or an error, ending with a NUL byte. Only the
standard library's socket is used.

An infected file is refused with the reference's message. A configured clamd that cannot be reached or answers an
error refuses the file too (fail closed: a file is never stored unscanned when scanning is expected). Without
configuration the scan is skipped and a log line says so.
"""

import logging
import socket
import struct
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError

logger = logging.getLogger("resorption.journal")

VIRUS_FOUND = "Virus détecté ! Veuillez scanner vos fichiers avant de les téléverser."
CHUNK_SIZE = 64 * 1024
_REPLY_MAX = 4096


class ScanUnavailable(Exception):
    """clamd is configured but did not give a verdict."""


def is_configured() -> bool:
    return bool(getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", ""))


def check_clean(file: IO[bytes], *, name: str) -> None:
    """Refuses (`ValidationError`) a file clamd finds infected or cannot scan; returns when it is clean or when no
    clamd is configured. The file is read from its start and left at its start."""
    if not is_configured():
        logger.info("antivirus scan skipped: no clamd configured", extra={"file_name": name})
        return
    try:
        reply = scan(file)
    except (OSError, ScanUnavailable) as error:
        logger.error("antivirus scan failed", extra={"file_name": name, "error": str(error)})
        raise ValidationError(
            f"Le fichier « {name} » n'a pas pu être analysé par l'antivirus : réessayez dans quelques minutes.",
            code="scan_failed",
        ) from error
    finally:
        file.seek(0)
    if reply.endswith("FOUND"):
        logger.warning("antivirus: infected file refused", extra={"file_name": name, "clamd_reply": reply})
        raise ValidationError(VIRUS_FOUND, code="virus")


def scan(file: IO[bytes]) -> str:
    """clamd's verdict on the file, `stream: OK` or `stream: <signature> FOUND`; `ScanUnavailable` on an error
    reply, `OSError` when clamd cannot be reached."""
    timeout = getattr(settings, "CLAMD_TIMEOUT", 30)
    with _connect(timeout) as connection:
        connection.sendall(b"zINSTREAM\0")
        file.seek(0)
        while chunk := file.read(CHUNK_SIZE):
            connection.sendall(struct.pack("!L", len(chunk)) + chunk)
        connection.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0") and len(reply) < _REPLY_MAX:
            received = connection.recv(_REPLY_MAX)
            if not received:
                break
            reply += received
    verdict = reply.rstrip(b"\0").decode("utf-8", errors="replace").strip()
    if verdict == "stream: OK" or (verdict.startswith("stream: ") and verdict.endswith(" FOUND")):
        return verdict
    raise ScanUnavailable(verdict or "empty reply")


def _connect(timeout: float) -> socket.socket:
    path = getattr(settings, "CLAMD_SOCKET", "")
    if path:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        try:
            connection.connect(path)
        except OSError:
            connection.close()
            raise
        return connection
    return socket.create_connection((settings.CLAMD_HOST, getattr(settings, "CLAMD_PORT", 3310)), timeout=timeout)
