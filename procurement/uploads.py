"""Uploaded files: size limit while streaming, type judged by content and name, safe names.

Allowed: PDF, Office and OpenDocument files, plain text, CSV, PNG, JPEG and ZIP. A file is
accepted only when its name's extension is allowed *and* its first bytes agree with it, so an
executable renamed to ``.pdf`` is refused, and so is a PDF renamed to ``.exe``.
"""

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.uploadhandler import (
    StopFutureHandlers,
    TemporaryFileUploadHandler,
)
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.errors import FileTooLarge, InvalidInput, UnsupportedFileType, field_error

_PDF = b"%PDF-"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"

# extension -> (media type, content family)
ALLOWED = {
    "pdf": ("application/pdf", "pdf"),
    "doc": ("application/msword", "ole2"),
    "xls": ("application/vnd.ms-excel", "ole2"),
    "ppt": ("application/vnd.ms-powerpoint", "ole2"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "zip",
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip"),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "zip",
    ),
    "odt": ("application/vnd.oasis.opendocument.text", "zip"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "zip"),
    "odp": ("application/vnd.oasis.opendocument.presentation", "zip"),
    "zip": ("application/zip", "zip"),
    "txt": ("text/plain", "text"),
    "csv": ("text/csv", "text"),
    "png": ("image/png", "png"),
    "jpg": ("image/jpeg", "jpeg"),
    "jpeg": ("image/jpeg", "jpeg"),
}
ALLOWED_DESCRIPTION = gettext_lazy(
    "PDF, Office and OpenDocument files, plain text, CSV, PNG, JPEG or ZIP"
)
MAX_NAME_LENGTH = 150


def max_upload_bytes() -> int:
    return int(settings.ANBUD_MAX_UPLOAD_BYTES)


def safe_filename(name: str) -> str:
    """A base name with no directories, control characters or surprises, at most 150 chars."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[^\w.\- ()]+", "_", name).strip(" .")
    name = re.sub(r"\.{2,}", ".", name)
    if not name:
        name = "file"
    if len(name) > MAX_NAME_LENGTH:
        suffix = PurePosixPath(name).suffix[:16]
        name = name[: MAX_NAME_LENGTH - len(suffix)].rstrip(" .") + suffix
    return name


def _family(head: bytes) -> str:
    if head.startswith(_PDF):
        return "pdf"
    if head.startswith(_ZIP):
        return "zip"
    if head.startswith(_OLE2):
        return "ole2"
    if head.startswith(_PNG):
        return "png"
    if head.startswith(_JPEG):
        return "jpeg"
    return "unknown"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    media_type: str
    sha256: str
    size: int


def check_upload(uploaded) -> CheckedFile:
    """Size, type and name of an uploaded file; raises 413/415/400 domain errors."""
    if uploaded is None:
        raise InvalidInput(
            _("Attach the file as multipart form field 'file'."),
            code="file_missing",
            errors=[field_error("/file", "required", _("No file was sent."))],
        )
    limit = max_upload_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        raise FileTooLarge(
            _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"size": uploaded.size, "limit": limit},
            limit=limit,
        )
    filename = safe_filename(uploaded.name)
    ext = PurePosixPath(filename).suffix.lower().lstrip(".")
    if ext not in ALLOWED:
        raise UnsupportedFileType(
            _("Files of type '.%(extension)s' are not accepted; send %(allowed)s.")
            % {"extension": ext or "?", "allowed": ALLOWED_DESCRIPTION},
            allowed=sorted(ALLOWED),
        )
    media_type, family = ALLOWED[ext]
    digest = hashlib.sha256()
    size = 0
    head = b""
    uploaded.seek(0)
    nul_in_text = False
    for chunk in uploaded.chunks():
        if len(head) < 8192:
            head += chunk[: 8192 - len(head)]
        if family == "text" and b"\x00" in chunk:
            nul_in_text = True  # text files are checked whole: binary data may hide past the head
        size += len(chunk)
        if size > limit:
            raise FileTooLarge(
                _("The file is larger than the limit of %(limit)s bytes.") % {"limit": limit},
                limit=limit,
            )
        digest.update(chunk)
    uploaded.seek(0)
    if size == 0:
        raise InvalidInput(
            _("The file is empty."),
            code="file_empty",
            errors=[field_error("/file", "empty", _("The file is empty."))],
        )
    found = _family(head)
    ok = (
        (found == family)
        if family != "text"
        else (found == "unknown" and not nul_in_text and _looks_like_text(head))
    )
    if not ok:
        raise UnsupportedFileType(
            (
                _(
                    "The content of '%(filename)s' is not a valid .%(extension)s file "
                    "(looks like %(found)s); send %(allowed)s."
                )
                if found != "unknown"
                else _(
                    "The content of '%(filename)s' is not a valid .%(extension)s file "
                    "(unrecognised content); send %(allowed)s."
                )
            )
            % {
                "filename": filename,
                "extension": ext,
                "found": found,
                "allowed": ALLOWED_DESCRIPTION,
            },
            code="content_does_not_match_name",
        )
    return CheckedFile(
        filename=filename, media_type=media_type, sha256=digest.hexdigest(), size=size
    )


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Stream uploads to a temporary file and stop as soon as one exceeds the limit.

    Judged by the bytes actually received, not by the Content-Length the client claims, so
    nothing beyond the limit is ever written to disk.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The envelope adds a few hundred bytes; a body far beyond the limit is refused unread.
        if content_length and content_length > max_upload_bytes() + 1024 * 1024:
            raise FileTooLarge(
                _("The request body is %(size)s bytes; the file limit is %(limit)s bytes.")
                % {"size": content_length, "limit": max_upload_bytes()},
                limit=max_upload_bytes(),
            )
        return None

    def new_file(self, *args, **kwargs):
        self._received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self._received += len(raw_data)
        if self._received > max_upload_bytes():
            self.file.close()
            raise FileTooLarge(
                _("The file is larger than the limit of %(limit)s bytes.")
                % {"limit": max_upload_bytes()},
                limit=max_upload_bytes(),
            )
        return super().receive_data_chunk(raw_data, start)


__all__ = ["CheckedFile", "LimitedUploadHandler", "StopFutureHandlers", "check_upload"]


def file_response(doc) -> FileResponse:
    """A stored document as a download (the API's and the workbench's): byte for byte, with
    its SHA-256."""
    response = FileResponse(
        doc.file.open("rb"), as_attachment=True, filename=doc.filename, content_type=doc.media_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    # RFC 9530: the SHA-256 of the bytes, base64 in a byte sequence (the obsolete Digest
    # header of RFC 3230 is gone).
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(doc.sha256)).decode()}:"
    return response
