"""A bounded in-memory cache of small blobs (result JSON), safe because blobs never change.

Blobs are named by the sha256 of their bytes, so a cached entry can never be stale; the cache
only bounds memory, evicting the least recently used entries first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from api.storage.blobs import BlobStore


class BlobCache:
    """Keeps up to `max_bytes` of blobs no larger than `max_item_bytes` each."""

    def __init__(
        self, store: BlobStore, *, max_bytes: int = 64 << 20, max_item_bytes: int = 8 << 20
    ) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.max_item_bytes = max_item_bytes
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, sha256: str) -> bytes | None:
        """The cached bytes, or None (without touching the disk)."""
        with self._lock:
            data = self._entries.get(sha256)
            if data is not None:
                self._entries.move_to_end(sha256)
            return data

    def read(self, sha256: str) -> bytes:
        """The blob's bytes, from memory when cached, else from disk (and cached if small)."""
        cached = self.get(sha256)
        if cached is not None:
            return cached
        data = self.store.read_bytes(sha256)
        if len(data) <= min(self.max_item_bytes, self.max_bytes):
            with self._lock:
                if sha256 not in self._entries:
                    self._entries[sha256] = data
                    self._size += len(data)
                    while self._size > self.max_bytes:
                        _, evicted = self._entries.popitem(last=False)
                        self._size -= len(evicted)
        return data

    def __len__(self) -> int:
        return len(self._entries)
