"""The type of a file is read from its bytes: allowed extensions with matching content pass, everything else is
refused with a French message naming the file."""

import pytest
from django.core.exceptions import ValidationError

from resorption.journal.attachments import MAX_FILE_SIZE, check_file
from tests.journal import files
from tests.journal.files import upload

EXPECTED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        check_file(upload(name, content))
    [message] = caught.value.messages
    return message


@pytest.mark.parametrize("extension", sorted(EXPECTED_TYPES))
def test_each_allowed_type_is_accepted_with_the_type_read_from_its_bytes(extension):
    # The browser's claim is ignored: the stored type comes from the content.
    checked = check_file(upload(f"Compte rendu.{extension.upper()}", files.BY_EXTENSION[extension], "text/html"))

    assert checked.content_type == EXPECTED_TYPES[extension]
    assert checked.extension == extension
    assert checked.name == f"Compte rendu.{extension.upper()}"
    assert checked.file.tell() == 0


def test_a_renamed_executable_is_refused():
    message = refusal("rapport.pdf", files.EXE)

    assert message == (
        "Le fichier « rapport.pdf » a été refusé : son contenu n'est pas celui d'un fichier .pdf. "
        "Vérifiez qu'il s'agit du bon fichier."
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", files.PDF),  # a real file of another allowed type
        ("tableau.xlsx", files.DOCX),  # the right container, the wrong document inside
        ("note.docx", files.zipped({"word/document.xml": b"<w:document/>"})),  # no [Content_Types].xml
        ("note.odt", files.ODS),
        ("note.odt", files.zipped({"mimetype": b"application/zip"})),
        ("note.doc", files.XLS),
        ("note.doc", files.ole2("Something")),
        ("archive.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(name, content):
    assert refusal(name, content).startswith(f"Le fichier « {name} » a été refusé")


def test_a_forbidden_extension_is_refused_whatever_its_content():
    message = refusal("installer.exe", files.EXE)

    assert message == (
        "Le format du fichier « installer.exe » n'est pas accepté. Formats acceptés : "
        "jpg, jpeg, png, gif, pdf, doc, docx, xls, xlsx, odt, ods."
    )
    assert refusal("dessin.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>").startswith("Le format du fichier")
    assert refusal("sans-extension", files.PDF).startswith("Le format du fichier")


def test_ten_megabytes_pass_and_one_more_byte_is_refused():
    exactly = files.PDF + b"0" * (MAX_FILE_SIZE - len(files.PDF))
    assert check_file(upload("lourd.pdf", exactly)).size == MAX_FILE_SIZE

    message = refusal("trop-lourd.pdf", exactly + b"0")

    assert message == "Le fichier « trop-lourd.pdf » dépasse la taille maximale de 10 Mo par fichier."


def test_an_empty_file_is_refused():
    assert refusal("vide.pdf", b"") == "Le fichier « vide.pdf » est vide."


def test_folders_in_the_name_are_dropped():
    assert check_file(upload("C:\\Documents\\..\\rapport.pdf", files.PDF)).name == "rapport.pdf"
