"""Storage backends for the fingerprint index, chosen by a config `type`.

IndexStore
  ├─ MemoryStore   type "memory": segments held in RAM (tests, batch cross-comparison)
  └─ MemmapStore   type "memmap": segments as .npy files memory-mapped from a directory

A store holds postings (term hash → document) in append-only *segments*. A
segment is one sorted uint64 array of keys `hash << 24 | local document
number`, so looking a term up is two binary searches per segment and a
posting costs 8 bytes. Removing a document only records it as removed
(queries filter it out); `compact()` merges all segments into one and drops
removed documents. Other backends (a PostgreSQL table partitioned by hash, a
Dask-distributed one) implement the same small interface and are registered in
`STORE_TYPES`; the alignment code never sees the store.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from exports import write_text_atomically
from screening.index.terms import HASH_BITS

DOC_BITS = 64 - HASH_BITS
MAX_SEGMENT_DOCUMENTS = 1 << DOC_BITS
_DOC_MASK = np.uint64(MAX_SEGMENT_DOCUMENTS - 1)
_SHIFT = np.uint64(DOC_BITS)
MANIFEST_NAME = "index.json"
FORMAT_VERSION = 1


class IndexStoreError(Exception):
    """The index on disk is missing, damaged or was built with other parameters."""


@dataclass(frozen=True)
class Segment:
    """One immutable block of postings and the documents it covers."""

    name: str
    keys: np.ndarray  # uint64, sorted: hash << DOC_BITS | local document number
    doc_ids: tuple[str, ...]
    characters: np.ndarray  # int64 per local document


@dataclass(frozen=True)
class Postings:
    """Result of a lookup: which query terms occur in which documents.

    `term[i]` indexes the looked-up hash array, `doc[i]` indexes `doc_ids`;
    `df[j]` is the number of documents holding hash j (counted before removed
    documents are filtered out); terms with `df > max_df` yield no postings.
    """

    term: np.ndarray
    doc: np.ndarray
    df: np.ndarray
    doc_ids: tuple[str, ...]
    characters: np.ndarray
    documents: int


@dataclass
class StoreState:
    """Manifest of a store: its segments, removed documents and free-form metadata."""

    segments: list[Segment] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)
    meta: dict[str, Any] = field(default_factory=dict)


MERGE_CHUNK_KEYS = 16_000_000
"""Keys merged at a time (128 MB): merging memory does not grow with the index."""


def read_keys(keys: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """keys[lo:hi] as an array of its own; from a memory-mapped segment it is read from
    the file, so the pages of a whole merged segment do not stay mapped in the process."""
    if isinstance(keys, np.memmap) and keys.filename is not None:
        return np.fromfile(
            keys.filename, dtype=np.uint64, count=hi - lo, offset=keys.offset + 8 * lo
        )
    return np.array(keys[lo:hi], dtype=np.uint64)


def _kept_keys(seg: Segment, new_number: np.ndarray) -> int:
    """How many of a segment's keys belong to documents that are kept."""
    n = int(seg.keys.shape[0])
    if bool((new_number >= 0).all()):
        return n
    kept = 0
    for lo in range(0, n, MERGE_CHUNK_KEYS):
        keys = read_keys(seg.keys, lo, min(n, lo + MERGE_CHUNK_KEYS))
        kept += int((new_number[(keys & _DOC_MASK).astype(np.int64)] >= 0).sum())
    return kept


def encode_keys(hashes: np.ndarray, local_doc: np.ndarray) -> np.ndarray:
    """Packs term hashes and local document numbers into sortable uint64 keys."""
    return (hashes.astype(np.uint64) << _SHIFT) | local_doc.astype(np.uint64)


class IndexStore(ABC):
    """Postings by segment; subclasses decide where segments and the manifest live."""

    def __init__(self) -> None:
        self._state = StoreState()
        self._version = 0
        self._cache: dict[str, Any] = {}

    def _changed(self) -> None:
        """Drops what was derived from the segments and removed set."""
        self._version += 1
        self._cache.clear()

    def _layout(self) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, frozenset[str]]:
        """(all doc ids in segment order, their characters, removed mask, live ids), cached."""
        hit = self._cache.get("layout")
        if hit is None:
            ids: list[str] = []
            chars: list[np.ndarray] = []
            for seg in self._state.segments:
                ids.extend(seg.doc_ids)
                chars.append(np.asarray(seg.characters))
            removed = self._state.removed
            dead = np.array([d in removed for d in ids], dtype=bool) if removed else None
            dead = dead if dead is not None else np.zeros(len(ids), dtype=bool)
            live = frozenset(ids) - removed
            characters = np.concatenate(chars) if chars else np.zeros(0, np.int64)
            hit = (tuple(ids), characters, dead, live)
            self._cache["layout"] = hit
        return hit

    def id_ranks(self) -> np.ndarray:
        """Per document number (as in `lookup`): the rank of its id in sorted order, cached,
        so ties between documents are broken by id whatever the segment layout."""
        hit = self._cache.get("id_ranks")
        if hit is None:
            ids = self._layout()[0]
            hit = np.empty(len(ids), dtype=np.int64)
            hit[np.argsort(np.array(ids, dtype=str), kind="stable")] = np.arange(len(ids))
            self._cache["id_ranks"] = hit
        return hit

    @property
    def meta(self) -> dict[str, Any]:
        return dict(self._state.meta)

    def set_meta(self, **values: Any) -> None:
        self._state.meta.update(values)
        self._save_manifest()

    @property
    def segments(self) -> Sequence[Segment]:
        return tuple(self._state.segments)

    @property
    def removed(self) -> frozenset[str]:
        return frozenset(self._state.removed)

    def document_ids(self) -> set[str]:
        """Ids of the live (indexed, not removed) documents."""
        return set(self._layout()[3])

    def live_documents(self) -> int:
        return len(self._layout()[3])

    def characters(self) -> int:
        """Characters of the live documents."""
        _, characters, dead, _ = self._layout()
        return int(characters[~dead].sum())

    def add_segment(
        self, doc_ids: Sequence[str], characters: Sequence[int], doc_hashes: Sequence[np.ndarray]
    ) -> None:
        """Appends one segment: `doc_hashes[i]` are the distinct term hashes of `doc_ids[i]`."""
        if not doc_ids:
            return
        if len(doc_ids) > MAX_SEGMENT_DOCUMENTS:
            raise ValueError(f"a segment holds at most {MAX_SEGMENT_DOCUMENTS} documents")
        lengths = np.fromiter((h.size for h in doc_hashes), dtype=np.int64, count=len(doc_hashes))
        local = np.repeat(np.arange(len(doc_ids), dtype=np.uint64), lengths)
        hashes = np.concatenate(doc_hashes) if doc_hashes else np.zeros(0, np.uint64)
        # Each document's hashes are sorted runs: a stable (merging) sort is fastest here.
        keys = np.sort(encode_keys(hashes, local), kind="stable")
        segment = Segment(
            name=f"seg-{uuid.uuid4().hex[:16]}",
            keys=keys,
            doc_ids=tuple(doc_ids),
            characters=np.asarray(characters, dtype=np.int64),
        )
        stored = self._persist_segment(segment)
        self._state.segments.append(stored)
        self._state.removed.difference_update(doc_ids)
        self._changed()
        self._save_manifest()

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Marks documents as removed; queries skip them from now on."""
        self._state.removed.update(doc_ids)
        self._changed()
        self._save_manifest()

    def compact(self) -> None:
        """Merges all segments into one and drops removed documents for good."""
        old = list(self._state.segments)
        if len(old) <= 1 and not (self._state.removed & self._all_ids(old)):
            self._state.removed.clear()
            self._changed()
            self._save_manifest()
            return
        self.merge(old)

    def merge(self, segments: Sequence[Segment]) -> None:
        """Replaces `segments` by one segment without their removed documents.

        Keys are merged one range of hashes at a time (`MERGE_CHUNK_KEYS` keys), read
        from the old segments and written to the new one as they go, so the memory a
        merge needs does not grow with the index.
        """
        merging = {seg.name for seg in segments}
        doc_ids: list[str] = []
        characters: list[int] = []
        renumber: list[np.ndarray] = []
        for seg in segments:
            live = np.array([d not in self._state.removed for d in seg.doc_ids], dtype=bool)
            new_number = np.full(len(seg.doc_ids), -1, dtype=np.int64)
            new_number[live] = np.arange(len(doc_ids), len(doc_ids) + int(live.sum()))
            doc_ids.extend(d for d, keep in zip(seg.doc_ids, live, strict=True) if keep)
            characters.extend(int(c) for c in seg.characters[live])
            renumber.append(new_number)
        if len(doc_ids) > MAX_SEGMENT_DOCUMENTS:
            raise ValueError("too many documents to merge into one segment")
        total = sum(_kept_keys(seg, n) for seg, n in zip(segments, renumber, strict=True))
        pieces = max(1, -(-total // MERGE_CHUNK_KEYS))
        bounds = [(1 << HASH_BITS) * i // pieces for i in range(pieces + 1)]

        def chunks() -> Iterator[np.ndarray]:
            for low, high in zip(bounds[:-1], bounds[1:], strict=True):
                parts = [np.zeros(0, np.uint64)]
                for seg, new_number in zip(segments, renumber, strict=True):
                    lo = int(np.searchsorted(seg.keys, np.uint64(low) << _SHIFT))
                    hi = (
                        int(np.searchsorted(seg.keys, np.uint64(high) << _SHIFT))
                        if high < (1 << HASH_BITS)
                        else int(seg.keys.shape[0])
                    )
                    keys = read_keys(seg.keys, lo, hi)
                    renumbered = new_number[(keys & _DOC_MASK).astype(np.int64)]
                    keep = renumbered >= 0
                    parts.append(encode_keys(keys[keep] >> _SHIFT, renumbered[keep]))
                yield np.sort(np.concatenate(parts))

        kept = [seg for seg in self._state.segments if seg.name not in merging]
        if doc_ids:
            name = f"seg-{uuid.uuid4().hex[:16]}"
            kept.append(self._persist_chunks(name, doc_ids, characters, total, chunks()))
        for seg in segments:
            self._state.removed.difference_update(seg.doc_ids)
        self._state.segments = kept
        self._changed()
        self._save_manifest()
        self._discard_segments(segments)

    def _persist_chunks(
        self,
        name: str,
        doc_ids: Sequence[str],
        characters: Sequence[int],
        total: int,
        chunks: Iterable[np.ndarray],
    ) -> Segment:
        """Stores a segment whose sorted keys come in chunks (`total` keys in all)."""
        keys = np.concatenate([np.zeros(0, np.uint64), *chunks])
        return self._persist_segment(
            Segment(name, keys, tuple(doc_ids), np.asarray(characters, dtype=np.int64))
        )

    def _ranges(self, hashes: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per segment, where each hash's postings begin and end (the last query's is kept,
        so statistics and postings of one query search the segments once)."""
        digest = hashlib.blake2b(hashes.tobytes(), digest_size=16).digest()
        hit = self._cache.get("ranges")
        if hit is not None and hit[0] == digest:
            return hit[1], hit[2]
        lows: list[np.ndarray] = []
        highs: list[np.ndarray] = []
        low_keys = hashes << _SHIFT
        high_keys = low_keys | _DOC_MASK
        for seg in self._state.segments:
            lows.append(np.searchsorted(seg.keys, low_keys, side="left"))
            highs.append(np.searchsorted(seg.keys, high_keys, side="right"))
        self._cache["ranges"] = (digest, lows, highs)
        return lows, highs

    def document_frequencies(self, hashes: np.ndarray) -> np.ndarray:
        """How many documents hold each of the (distinct) `hashes` (removed ones included
        until compaction)."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        df = np.zeros(hashes.size, dtype=np.int64)
        for lo, hi in zip(*self._ranges(hashes), strict=True):
            df += hi - lo
        return df

    def lookup(
        self,
        hashes: np.ndarray,
        *,
        max_df: int | None = None,
        wanted: np.ndarray | None = None,
    ) -> Postings:
        """Postings of the (distinct) `hashes` over all live documents.

        Only the hashes marked in `wanted` (default: those held by at most `max_df`
        documents of this store) yield postings.
        """
        hashes = np.asarray(hashes, dtype=np.uint64)
        segs = self._state.segments
        lows, highs = self._ranges(hashes)
        df = self.document_frequencies(hashes)
        if wanted is None:
            wanted = df > 0 if max_df is None else (df > 0) & (df <= max_df)
        terms: list[np.ndarray] = []
        docs: list[np.ndarray] = []
        base = 0
        term_index = np.flatnonzero(wanted)
        for seg, lo, hi in zip(segs, lows, highs, strict=True):
            lo_w = lo[wanted]
            counts = (hi - lo)[wanted]
            total = int(counts.sum())
            if total:
                ends = np.cumsum(counts)
                within = np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)
                positions = np.repeat(lo_w, counts) + within
                keys = np.asarray(seg.keys[positions])
                terms.append(np.repeat(term_index, counts))
                docs.append((keys & _DOC_MASK).astype(np.int64) + base)
            base += len(seg.doc_ids)
        term = np.concatenate(terms) if terms else np.zeros(0, np.int64)
        doc = np.concatenate(docs) if docs else np.zeros(0, np.int64)
        doc_ids, characters, dead, live = self._layout()
        if self._state.removed and doc.size:
            alive = ~dead[doc]
            term, doc = term[alive], doc[alive]
        return Postings(
            term=term,
            doc=doc,
            df=df,
            doc_ids=doc_ids,
            characters=characters,
            documents=len(live),
        )

    def postings_bytes(self) -> int:
        """Bytes taken by the postings of all segments."""
        return sum(int(seg.keys.nbytes) for seg in self._state.segments)

    @staticmethod
    def _all_ids(segments: Sequence[Segment]) -> set[str]:
        ids: set[str] = set()
        for seg in segments:
            ids.update(seg.doc_ids)
        return ids

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Holds the store's writer lock (a no-op where there is nothing to share)."""
        yield

    @abstractmethod
    def _persist_segment(self, segment: Segment) -> Segment: ...

    @abstractmethod
    def _save_manifest(self) -> None: ...

    @abstractmethod
    def _discard_segments(self, segments: Sequence[Segment]) -> None: ...


class MemoryStore(IndexStore):
    """Everything in RAM; nothing survives the process."""

    def __init__(self, **_: Any) -> None:
        super().__init__()

    def _persist_segment(self, segment: Segment) -> Segment:
        return segment

    def _save_manifest(self) -> None:
        return None

    def _discard_segments(self, segments: Sequence[Segment]) -> None:
        return None


class MemmapStore(IndexStore):
    """Segments as `.npy` files under `path/segments/`, opened with numpy memmap.

    Writers take an exclusive lock on `path/.lock`; every file is written under a
    temporary name and renamed, and the manifest is replaced last, so a reader
    never sees a half-written index.
    """

    def __init__(self, *, path: str | os.PathLike[str], **_: Any) -> None:
        super().__init__()
        self._lock_depth = 0
        self.path = Path(path)
        self._manifest = self.path / MANIFEST_NAME
        if self._manifest.exists():
            self._load()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive writer lock (re-entrant); the manifest is re-read on entry."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._lock_depth = 1
            try:
                if self._manifest.exists():
                    self._load()
                yield
            finally:
                self._lock_depth = 0
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _load(self) -> None:
        try:
            manifest = json.loads(self._manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexStoreError(f"cannot read index manifest {self._manifest}: {exc}") from exc
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexStoreError(
                f"index at {self.path} has format {manifest.get('format')!r}, "
                f"expected {FORMAT_VERSION}; delete the directory to rebuild it"
            )
        segments = []
        for entry in manifest.get("segments", []):
            seg_dir = self.path / "segments" / entry["name"]
            try:
                keys = np.load(seg_dir / "keys.npy", mmap_mode="r")
                docs = json.loads((seg_dir / "documents.json").read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise IndexStoreError(f"index segment {seg_dir} is damaged: {exc}") from exc
            segments.append(
                Segment(
                    name=entry["name"],
                    keys=keys,
                    doc_ids=tuple(docs["ids"]),
                    characters=np.asarray(docs["characters"], dtype=np.int64),
                )
            )
        self._state = StoreState(
            segments=segments,
            removed=set(manifest.get("removed", [])),
            meta=dict(manifest.get("meta", {})),
        )
        self._changed()

    def _persist_segment(self, segment: Segment) -> Segment:
        seg_root = self.path / "segments"
        seg_root.mkdir(parents=True, exist_ok=True)
        tmp = seg_root / f".tmp-{segment.name}"
        tmp.mkdir()
        np.save(tmp / "keys.npy", np.ascontiguousarray(segment.keys, dtype=np.uint64))
        (tmp / "documents.json").write_text(
            json.dumps(
                {"ids": list(segment.doc_ids), "characters": segment.characters.tolist()},
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        final = seg_root / segment.name
        os.replace(tmp, final)
        keys = np.load(final / "keys.npy", mmap_mode="r")
        return Segment(segment.name, keys, segment.doc_ids, segment.characters)

    def _persist_chunks(
        self,
        name: str,
        doc_ids: Sequence[str],
        characters: Sequence[int],
        total: int,
        chunks: Iterable[np.ndarray],
    ) -> Segment:
        """Writes the keys chunk by chunk behind an `.npy` header, never all in memory."""
        seg_root = self.path / "segments"
        seg_root.mkdir(parents=True, exist_ok=True)
        tmp = seg_root / f".tmp-{name}"
        tmp.mkdir()
        written = 0
        with open(tmp / "keys.npy", "wb") as handle:
            header = {"descr": "<u8", "fortran_order": False, "shape": (total,)}
            np.lib.format.write_array_header_1_0(handle, header)
            for chunk in chunks:
                np.ascontiguousarray(chunk, dtype="<u8").tofile(handle)
                written += int(chunk.size)
        if written != total:
            shutil.rmtree(tmp, ignore_errors=True)
            raise IndexStoreError(f"merging wrote {written} keys, expected {total}")
        (tmp / "documents.json").write_text(
            json.dumps(
                {"ids": list(doc_ids), "characters": [int(c) for c in characters]},
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        final = seg_root / name
        os.replace(tmp, final)
        keys = np.load(final / "keys.npy", mmap_mode="r")
        return Segment(name, keys, tuple(doc_ids), np.asarray(characters, dtype=np.int64))

    def _save_manifest(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        manifest = {
            "format": FORMAT_VERSION,
            "store": {"type": "memmap"},
            "segments": [
                {"name": s.name, "documents": len(s.doc_ids), "postings": int(s.keys.size)}
                for s in self._state.segments
            ],
            "removed": sorted(self._state.removed),
            "meta": self._state.meta,
        }
        write_text_atomically(self._manifest, json.dumps(manifest, ensure_ascii=False, indent=1))

    def _discard_segments(self, segments: Sequence[Segment]) -> None:
        for seg in segments:
            shutil.rmtree(self.path / "segments" / seg.name, ignore_errors=True)

    def disk_bytes(self) -> int:
        """Bytes the index takes on disk."""
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())


STORE_TYPES: dict[str, type[IndexStore]] = {"memory": MemoryStore, "memmap": MemmapStore}


def open_store(config: Mapping[str, Any]) -> IndexStore:
    """The store `config` describes: `{"type": "memmap", "path": DIR}` or `{"type": "memory"}`."""
    kind = config.get("type", "memmap")
    try:
        cls = STORE_TYPES[kind]
    except KeyError:
        known = ", ".join(sorted(STORE_TYPES))
        raise ValueError(f"unknown index store type {kind!r} (known: {known})") from None
    options = {k: v for k, v in config.items() if k != "type"}
    return cls(**options)
