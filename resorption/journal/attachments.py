"""Checking a file before it is joined to a journal entry (reference §C.13).

A file is accepted when its extension is on the allow-list, it weighs at most 10 Mo, and its bytes are what the
extension says: the type is read from the content (magic numbers, and for office documents the container and the
entries it must hold), never from the name nor from what the browser claims. An executable renamed `rapport.pdf` is
refused. The antivirus (antivirus.py) runs after these checks.

Every refusal is a `ValidationError` in French naming the file, for the form's « Pièces jointes » field.
"""

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.core.exceptions import ValidationError

MAX_FILE_SIZE = 10 * 1024 * 1024  # 10 Mo (§C.13: the reference's comment says 10 Mo)
MAX_FILES = 5
MAX_NAME_LENGTH = 255

# Magic numbers.
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"
_GIFS = (b"GIF87a", b"GIF89a")
_PDF = b"%PDF-"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: .doc, .xls
_ZIP = b"PK\x03\x04"  # .docx, .xlsx, .odt, .ods
# How much of an OLE2 file is searched for its stream names (its directory sits in the first sectors for the files
# office suites write; a larger window only costs memory).
_OLE2_WINDOW = 2 * 1024 * 1024
# The `mimetype` entry of an OpenDocument file is a few dozen bytes; anything larger is not one.
_ODF_MIMETYPE_MAX = 100


@dataclass(frozen=True)
class FileType:
    content_type: str


JPEG = FileType("image/jpeg")
PNG = FileType("image/png")
GIF = FileType("image/gif")
PDF = FileType("application/pdf")
DOC = FileType("application/msword")
XLS = FileType("application/vnd.ms-excel")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ODT = FileType("application/vnd.oasis.opendocument.text")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet")

# The allow-list (issue 5 item 4): extension → the type its bytes must have. SVG is left out on purpose: an SVG is a
# document that may carry scripts.
ALLOWED: dict[str, FileType] = {
    "jpg": JPEG,
    "jpeg": JPEG,
    "png": PNG,
    "gif": GIF,
    "pdf": PDF,
    "doc": DOC,
    "docx": DOCX,
    "xls": XLS,
    "xlsx": XLSX,
    "odt": ODT,
    "ods": ODS,
}
ALLOWED_LABEL = ", ".join(ALLOWED)


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, with what will be stored about it."""

    file: IO[bytes]
    name: str
    extension: str
    size: int
    content_type: str


def check_file(upload) -> CheckedFile:
    """`upload` (a Django `UploadedFile`) checked: extension allowed, size, content matching the extension."""
    name = _clean_name(upload.name or "")
    extension = PurePath(name).suffix.lower().removeprefix(".")
    expected = ALLOWED.get(extension)
    if expected is None:
        raise ValidationError(
            f"Le format du fichier « {name} » n'est pas accepté. Formats acceptés : {ALLOWED_LABEL}.",
            code="extension",
        )
    size = upload.size
    if size > MAX_FILE_SIZE:
        raise ValidationError(
            f"Le fichier « {name} » dépasse la taille maximale de 10 Mo par fichier.", code="too_large"
        )
    if size == 0:
        raise ValidationError(f"Le fichier « {name} » est vide.", code="empty")
    if _detect(upload) != expected:
        raise ValidationError(
            f"Le fichier « {name} » a été refusé : son contenu n'est pas celui d'un fichier .{extension}. "
            "Vérifiez qu'il s'agit du bon fichier.",
            code="content",
        )
    upload.seek(0)
    return CheckedFile(file=upload, name=name, extension=extension, size=size, content_type=expected.content_type)


def _clean_name(name: str) -> str:
    """The file name without any folder a browser may send, cut to what the database keeps (extension kept)."""
    base = PurePath(name.replace("\\", "/")).name.strip() or "fichier"
    if len(base) > MAX_NAME_LENGTH:
        suffix = PurePath(base).suffix[:20]
        base = base[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return base


def _detect(upload) -> FileType | None:
    """The allowed type the file's bytes show, whatever its name; None for anything else."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(_JPEG):
        return JPEG
    if head.startswith(_PNG):
        return PNG
    if head.startswith(_GIFS):
        return GIF
    if head.startswith(_PDF):
        return PDF
    if head.startswith(_OLE2):
        return _ole2_type(upload)
    if head.startswith(_ZIP):
        return _zip_type(upload)
    return None


def _ole2_type(upload) -> FileType | None:
    """Word and Excel 97–2003 files are OLE2 containers; the name of their main stream, stored in UTF-16 in the
    container's directory, tells them apart (« WordDocument », « Workbook » or the older « Book »)."""
    window = upload.read(_OLE2_WINDOW)
    upload.seek(0)
    if "WordDocument".encode("utf-16-le") in window:
        return DOC
    if "Workbook".encode("utf-16-le") in window or "Book".encode("utf-16-le") in window:
        return XLS
    return None


def _zip_type(upload) -> FileType | None:
    """Office Open XML files hold `[Content_Types].xml` and their main part; OpenDocument files start with a
    `mimetype` entry naming their type. Only the archive's directory and that tiny entry are read: nothing is
    decompressed beyond it, whatever the archive claims."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
                return None
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size > _ODF_MIMETYPE_MAX:
                    return None
                mimetype = archive.read(info).decode("ascii", errors="replace").strip()
                return {ODT.content_type: ODT, ODS.content_type: ODS}.get(mimetype)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    finally:
        upload.seek(0)
    return None
