"""Content-addressed file store: every file is kept once, under the sha256 of its bytes.

Uploads stream into a private temporary file while their hash is computed and their size
checked; only a complete upload is renamed into place, so an interrupted upload leaves nothing
behind but a temporary file that `sweep_temporary` removes. Client file names are never used.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The stream went past the size limit; nothing was stored."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"upload exceeds the limit of {limit} bytes")
        self.limit = limit


class EmptyUpload(Exception):
    """The stream held no bytes."""


@dataclass(frozen=True)
class StoredBlob:
    """A stored file; `created` is False when the same bytes were stored already."""

    sha256: str
    size: int
    path: Path
    head: bytes
    created: bool


HEAD_BYTES = 8192


@dataclass
class _Received:
    """Size and leading bytes of an incoming file, with the size limit checked per chunk."""

    limit: int
    size: int = 0
    head: bytes = b""

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(self.limit)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]


def _hash_and_write(hasher: hashlib._Hash, handle: BinaryIO, batch: list[bytes]) -> None:
    for chunk in batch:
        hasher.update(chunk)
        handle.write(chunk)


def _finish_upload(
    hasher: hashlib._Hash,
    handle: BinaryIO,
    batch: list[bytes],
    temp: Path,
    path_of: Callable[[str], Path],
) -> tuple[str, Path, bool]:
    """Writes the last batch and makes the upload durable under its sha256.

    Returns the digest, the stored path and whether this upload created it. Bytes stored
    already need no fsync: the temporary copy is simply dropped.
    """
    try:
        _hash_and_write(hasher, handle, batch)
        digest = hasher.hexdigest()
        final = path_of(digest)
        created = not final.exists()
        if created:
            handle.flush()
            os.fsync(handle.fileno())
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, final)
        return digest, final, created
    finally:
        handle.close()
        temp.unlink(missing_ok=True)


class BlobStore:
    """Files by sha256 under `root/ab/cd/abcd…`; temporary files under `root/tmp/`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def read_bytes(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def _open_temp(self) -> tuple[int, Path]:
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="upload-", suffix=".part")
        return fd, Path(name)

    async def put_stream(self, chunks: AsyncIterator[bytes], *, limit: int) -> StoredBlob:
        """Stores an async byte stream, enforcing `limit` as the bytes arrive.

        Chunks are gathered (not copied) into batches of about a megabyte, which a thread
        hashes and writes: both release the GIL, so that work runs beside the event loop
        instead of delaying the other requests. The final fsync, which can wait on the disk,
        and the rename run in a thread too.
        """
        fd, temp = self._open_temp()
        hasher = hashlib.sha256()
        received = _Received(limit)
        batch: list[bytes] = []
        batch_size = 0
        out = os.fdopen(fd, "wb")
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                received.add(chunk)
                batch.append(chunk)
                batch_size += len(chunk)
                if batch_size >= CHUNK:
                    await asyncio.to_thread(_hash_and_write, hasher, out, batch)
                    batch, batch_size = [], 0
            if received.size == 0:
                raise EmptyUpload("the upload is empty")
        except BaseException:
            out.close()
            temp.unlink(missing_ok=True)
            raise
        digest, final, created = await asyncio.to_thread(
            _finish_upload, hasher, out, batch, temp, self.path
        )
        return StoredBlob(digest, received.size, final, received.head, created)

    def put_bytes(self, data: bytes) -> StoredBlob:
        return self.put_chunks([data], limit=len(data) + 1)

    def put_chunks(self, chunks: Iterable[bytes], *, limit: int) -> StoredBlob:
        """Synchronous twin of `put_stream` for worker-produced files."""
        fd, temp = self._open_temp()
        hasher = hashlib.sha256()
        received = _Received(limit)
        out = os.fdopen(fd, "wb")
        try:
            for chunk in chunks:
                received.add(chunk)
                _hash_and_write(hasher, out, [chunk])
        except BaseException:
            out.close()
            temp.unlink(missing_ok=True)
            raise
        digest, final, created = _finish_upload(hasher, out, [], temp, self.path)
        return StoredBlob(digest, received.size, final, received.head, created)

    def put_file(self, path: Path) -> StoredBlob:
        def chunks() -> Iterable[bytes]:
            with path.open("rb") as handle:
                while block := handle.read(CHUNK):
                    yield block

        return self.put_chunks(chunks(), limit=path.stat().st_size + 1)

    def sweep_temporary(self, older_than_seconds: float = 0.0) -> int:
        """Removes temporary files left by interrupted uploads; returns how many."""
        now = time.time()
        removed = 0
        for temp in self.tmp.glob("upload-*.part"):
            try:
                if now - temp.stat().st_mtime >= older_than_seconds:
                    temp.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed
