"""The hot read helpers: ETag matching, the immutable-blob cache, job thread priority."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.jobs.worker import lower_thread_priority
from api.screening_reads import etag_matches
from api.storage.blob_cache import BlobCache
from api.storage.blobs import BlobStore

ETAG = '"' + "a" * 64 + '"'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("*", True),
        (ETAG, True),
        (f"W/{ETAG}", True),
        (f'"x", {ETAG} ,"y"', True),
        ('"' + "b" * 64 + '"', False),
        ("a" * 64, False),
    ],
)
def test_etag_matches(header: str | None, expected: bool) -> None:
    assert etag_matches(header, ETAG) is expected


@given(st.lists(st.text(alphabet="0123456789abcdef", min_size=1, max_size=8), max_size=5))
def test_etag_never_matches_a_list_without_it(tags: list[str]) -> None:
    header = ", ".join(f'"{tag}"' for tag in tags)
    assert etag_matches(header, '"' + "f" * 9 + '"') is False


def test_blob_cache_serves_from_memory_and_bounds_its_size(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    blobs = [store.put_bytes(bytes([index]) * 400) for index in range(5)]
    cache = BlobCache(store, max_bytes=1000, max_item_bytes=500)
    assert cache.get(blobs[0].sha256) is None
    assert cache.read(blobs[0].sha256) == bytes([0]) * 400
    blobs[0].path.unlink()  # a cached blob no longer needs the disk
    assert cache.read(blobs[0].sha256) == bytes([0]) * 400
    for blob in blobs[1:]:
        cache.read(blob.sha256)
    assert len(cache) == 2  # 1000 bytes hold two 400-byte blobs; the oldest were evicted
    assert cache.get(blobs[4].sha256) is not None and cache.get(blobs[0].sha256) is None
    big = store.put_bytes(b"z" * 600)
    assert cache.read(big.sha256) == b"z" * 600 and cache.get(big.sha256) is None


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no thread priorities here")
def test_job_threads_run_at_lower_priority_without_touching_the_caller() -> None:
    before = os.getpriority(os.PRIO_PROCESS, 0)
    seen: list[int | None] = []

    def job_thread() -> None:
        seen.append(lower_thread_priority(before + 5 if before + 5 <= 19 else 19))
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=job_thread)
    thread.start()
    thread.join()
    assert seen[0] is not None and seen[1] == seen[0] >= before
    assert os.getpriority(os.PRIO_PROCESS, 0) == before
    assert lower_thread_priority(0) is None
