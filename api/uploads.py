"""Reading request bodies with the size limit enforced while they stream, and file typing.

Client file names are only ever kept as labels (cleaned of paths and control characters);
stored files are named by their content hash and typed by their leading bytes.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath, PureWindowsPath

from fastapi import Request

from api.problems import ApiProblem
from api.service import Service
from api.storage.blobs import EmptyUpload, StoredBlob, TooLarge

THESIS_TYPES = ("pdf", "docx", "txt")
FILE_TOO_LARGE = "TOO_LARGE"  # the screening error code, also used for thesis and source files
_DISPOSITION_NAME = re.compile(r"filename\*?=(?:UTF-8''|\"?)([^\";]+)", re.IGNORECASE)


def too_large(limit: int, code: str = "too-large") -> ApiProblem:
    """413; `Connection: close` makes the server drop the connection instead of reading (and
    discarding) the rest of a body it has refused, which could be gigabytes."""
    return ApiProblem(
        413,
        code,
        "Content too large",
        f"the body exceeds the limit of {limit} bytes",
        headers={"Connection": "close"},
    )


def check_declared_length(request: Request, limit: int, code: str = "too-large") -> None:
    """Rejects early when Content-Length already says the body is too large."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit, code)


async def read_body_limited(request: Request, limit: int) -> bytes:
    """The whole body in memory (small documents such as frames); limit enforced as it streams."""
    check_declared_length(request, limit)
    buffer = bytearray()
    async for chunk in request.stream():
        buffer.extend(chunk)
        if len(buffer) > limit:
            raise too_large(limit)
    if not buffer:
        raise ApiProblem(400, "empty-body", "Empty body", "the request body is empty")
    return bytes(buffer)


async def wait_for_upload_turn(service: Service) -> None:
    """Waits until this process receives fewer than `concurrent_uploads` files; else 503.

    Receiving a file is the heaviest thing a request does here; taking files a few at a
    time keeps status polls fast during upload peaks, and clients that wait longer than
    `upload_wait_seconds` are told when to come back instead of queueing without bound.
    """
    settings = service.settings
    try:
        async with asyncio.timeout(settings.upload_wait_seconds):
            await service.upload_slots.acquire()
    except TimeoutError:
        raise ApiProblem(
            503,
            "busy",
            "Too many uploads in progress",
            f"{settings.concurrent_uploads} uploads are being received; retry later",
            headers={"Retry-After": str(settings.retry_after_seconds)},
        ) from None


async def store_body(request: Request, service: Service, limit: int) -> StoredBlob:
    """Streams a file body into the blob store, in its turn; stored only if it arrives whole.

    A body over `limit` is refused with code `TOO_LARGE`, before its turn when its declared
    length already says so. Callers must not hold a database connection while this waits.
    """
    check_declared_length(request, limit, FILE_TOO_LARGE)
    await wait_for_upload_turn(service)
    try:
        return await service.blobs.put_stream(request.stream(), limit=limit)
    except TooLarge as exc:
        raise too_large(limit, FILE_TOO_LARGE) from exc
    except EmptyUpload as exc:
        raise ApiProblem(400, "empty-body", "Empty body", "the request body is empty") from exc
    finally:
        service.upload_slots.release()


def clean_label(name: str | None, fallback: str) -> str:
    """A display label from a client file name: base name only, no control characters."""
    if not name:
        return fallback
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    return base[:200] or fallback


def label_from_request(request: Request, fallback: str) -> str:
    header = request.headers.get("content-disposition", "")
    match = _DISPOSITION_NAME.search(header)
    name = match.group(1) if match else request.query_params.get("filename")
    if name and "%" in name:
        from urllib.parse import unquote

        name = unquote(name)
    return clean_label(name, fallback)


def sniff_type(head: bytes, path: str | None = None) -> str | None:
    """`pdf`, `docx` or `txt` from the file's leading bytes; None for anything else."""
    stripped = head.lstrip(b"\xef\xbb\xbf\r\n\t ")
    if stripped.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if path is None:
            return "docx"
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        return "docx" if "word/document.xml" in names else None
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "txt"
    sample = head[:4096]
    for encoding in ("utf-8", "gb18030", "big5"):
        try:
            sample.decode(encoding)
            return "txt"
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 4:
                return "txt"
    return None


# File name endings that declare a type; a file that says one thing and is another is refused,
# as `spotcheck extract` and `screen` refuse it (their extractor follows the name).
_DECLARED_TYPES = {".pdf": "pdf", ".docx": "docx", ".txt": "txt"}


def upload_type(head: bytes, path: str, label: str | None) -> tuple[str | None, str]:
    """The upload's type by its leading bytes, and why it is refused when it is None: not a
    thesis format at all, or not the type its file name declares (an HTML page named .pdf)."""
    found = sniff_type(head, path)
    if found is None:
        return None, "the file is not a PDF, DOCX or plain-text thesis"
    suffix = PurePosixPath(label or "").suffix.lower()
    declared = _DECLARED_TYPES.get(suffix)
    if declared is not None and declared != found:
        return None, f"the file is named {suffix} but its content is not a {declared.upper()} file"
    return found, ""


# OpenAPI description of a CSV or XLSX table sent as the raw request body.
TABLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}
