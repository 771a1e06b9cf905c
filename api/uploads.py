"""Reading request bodies with the size limit enforced while they stream, and file typing.

Client file names are only ever kept as labels (cleaned of paths and control characters);
stored files are named by their content hash and typed by their leading bytes.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import PurePosixPath, PureWindowsPath

from fastapi import Request

from api.problems import ApiProblem
from api.storage.blobs import BlobStore, EmptyUpload, StoredBlob, TooLarge

THESIS_TYPES = ("pdf", "docx", "txt")
_DISPOSITION_NAME = re.compile(r"filename\*?=(?:UTF-8''|\"?)([^\";]+)", re.IGNORECASE)


def too_large(limit: int) -> ApiProblem:
    return ApiProblem(
        413, "too-large", "Content too large", f"the body exceeds the limit of {limit} bytes"
    )


def check_declared_length(request: Request, limit: int) -> None:
    """Rejects early when Content-Length already says the body is too large."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)


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


async def store_body(request: Request, blobs: BlobStore, limit: int) -> StoredBlob:
    """Streams the body into the blob store; nothing is stored unless it arrives whole."""
    check_declared_length(request, limit)
    try:
        return await blobs.put_stream(request.stream(), limit=limit)
    except TooLarge as exc:
        raise too_large(limit) from exc
    except EmptyUpload as exc:
        raise ApiProblem(400, "empty-body", "Empty body", "the request body is empty") from exc


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
