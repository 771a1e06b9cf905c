"""The content-addressed blob store: streamed writes, limits, dedup, nothing half-stored."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.storage.blobs import BlobStore, EmptyUpload, TooLarge


async def _chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"]


def test_same_bytes_are_stored_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    first = asyncio.run(store.put_stream(_chunks([b"abc", b"def"]), limit=100))
    second = asyncio.run(store.put_stream(_chunks([b"abcdef"]), limit=100))
    assert first.sha256 == second.sha256 == hashlib.sha256(b"abcdef").hexdigest()
    assert _stored_files(tmp_path) == [store.path(first.sha256)]
    assert store.read_bytes(first.sha256) == b"abcdef"


def test_limit_is_enforced_while_streaming_and_nothing_is_kept(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    seen: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for index in range(1000):
            seen.append(index)
            yield b"x" * 1024

    with pytest.raises(TooLarge):
        asyncio.run(store.put_stream(endless(), limit=10 * 1024))
    assert len(seen) <= 11  # stopped reading as soon as the limit was passed
    assert _stored_files(tmp_path) == []
    assert list(store.tmp.iterdir()) == []


def test_empty_and_interrupted_streams_store_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(EmptyUpload):
        asyncio.run(store.put_stream(_chunks([]), limit=10))

    async def broken() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        asyncio.run(store.put_stream(broken(), limit=100))
    assert _stored_files(tmp_path) == []
    assert list(store.tmp.iterdir()) == []


def test_paths_are_never_derived_from_anything_but_a_digest(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    for bad in ("../../etc/passwd", "a" * 63, "G" * 64, "/" + "a" * 63):
        with pytest.raises(ValueError):
            store.path(bad)


def test_sweep_removes_leftover_temporary_files(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    (store.tmp / "upload-abc.part").write_bytes(b"half")
    assert store.sweep_temporary(0) == 1
    assert list(store.tmp.iterdir()) == []


@given(st.lists(st.binary(min_size=0, max_size=300), max_size=8))
def test_any_chunking_stores_the_concatenation(parts: list[bytes]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        store = BlobStore(Path(folder))
        data = b"".join(parts)
        if not data:
            with pytest.raises(EmptyUpload):
                asyncio.run(store.put_stream(_chunks(parts), limit=10_000))
            return
        stored = asyncio.run(store.put_stream(_chunks(parts), limit=10_000))
        assert stored.size == len(data)
        assert store.read_bytes(stored.sha256) == data
        assert stored.head == data[:8192]
