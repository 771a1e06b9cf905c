"""Scatter–gather screening on a Dask distributed cluster (CONTRACTS §8).

The coordinator (the `spotcheck screen` process) holds a `distributed.Client`. Each shard
of the corpus is placed on one worker (shard i → the i-th worker in address order, round
robin) and every task touching the shard prefers that worker, which keeps the shard's
`ShardSearcher` (document texts, memory-mapped index, source cache) open between tasks:
the data stays where it is, only terms, statistics, evidence and passages travel.

Per thesis the coordinator submits one small task graph and never waits in between:

    statistics(shard) ×N → total → evidence(shard) ×N → select → align(shard) ×N → merge

`total` sums the shards' document frequencies, so every shard ranks with corpus-wide
statistics and a sharded corpus ranks exactly as one index; `select` picks the
corpus-wide candidates; `merge` orders the passages by that ranking. These are the same
functions `screening.screen.search_shards` calls in one process.

When a worker dies, Dask runs its lost tasks again on another worker (which opens the
shard from its path, so shards must be on storage both can read); a thesis whose graph
still fails is reported failed by name and gets no result file.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from distributed import Client, Future, as_completed

from screening.retrieve import (
    Candidate,
    RetrievalConfig,
    ShardEvidence,
    TermStatistics,
    select_candidates,
    sum_statistics,
)
from screening.screen import (
    ScreeningError,
    ShardHits,
    ShardSearcher,
    TextSide,
    merge_hits,
    owning_shards,
)

_SEARCHERS: dict[str, ShardSearcher] = {}
_SEARCHERS_LOCK = threading.Lock()


class ShardUnavailable(ScreeningError):
    """A worker cannot open a shard at the path the coordinator knows it by."""


def _this_worker() -> str:
    """The address of the Dask worker running the calling task (the host name elsewhere)."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except ValueError:
        return socket.gethostname()


def _open_shard(path: str) -> ShardSearcher:
    from corpora.corpus import CorpusError, CorpusShard

    try:
        return ShardSearcher.open(CorpusShard.open(Path(path)))
    except (CorpusError, OSError) as exc:
        raise ShardUnavailable(
            f"worker {_this_worker()} cannot open shard {path}: {exc}; every process of the "
            "cluster must see each shard at the same path (docs/scale.md)"
        ) from None


def shard_searcher(path: str) -> ShardSearcher:
    """This worker process's searcher of the shard at `path` (opened on first use)."""
    with _SEARCHERS_LOCK:
        hit = _SEARCHERS.get(path)
        if hit is None:
            hit = _SEARCHERS[path] = _open_shard(path)
        return hit


def _update(path: str) -> dict[str, Any]:
    return shard_searcher(path).update()


def _statistics(path: str, side: TextSide) -> TermStatistics:
    return shard_searcher(path).statistics(side.terms)


def _total(*parts: TermStatistics) -> TermStatistics:
    return sum_statistics(parts)


def _evidence(
    path: str,
    side: TextSide,
    stats: TermStatistics,
    config: RetrievalConfig,
    exclude: frozenset[str],
) -> ShardEvidence:
    return shard_searcher(path).evidence(side.terms, stats, config, exclude)


def _select(
    config: RetrievalConfig, *evidence: ShardEvidence
) -> tuple[list[Candidate], dict[str, int]]:
    return select_candidates(evidence, config), owning_shards(evidence)


def _align(
    path: str,
    shard: int,
    side: TextSide,
    selection: tuple[list[Candidate], dict[str, int]],
    margin: int,
    exclude: frozenset[str],
) -> ShardHits:
    candidates, owner = selection
    mine = [c for c in candidates if owner[c.doc_id] == shard]
    return shard_searcher(path).align(side, mine, margin, exclude)


def _merge(selection: tuple[list[Candidate], dict[str, int]], *hits: ShardHits) -> ShardHits:
    return merge_hits(selection[0], hits)


def shard_workers(client: Client, count: int) -> list[str]:
    """The worker each of `count` shards is placed on (round robin over the workers)."""
    workers = sorted(client.scheduler_info(n_workers=-1)["workers"])
    if not workers:
        raise RuntimeError("the Dask cluster has no workers")
    return [workers[i % len(workers)] for i in range(count)]


class DaskSearch:
    """Corpus search on a cluster: the `CorpusSearch` that `screen_batch` is given."""

    def __init__(self, client: Client, shards: Sequence[Any], margin: int) -> None:
        paths = [getattr(s, "path", None) for s in shards]
        if any(p is None for p in paths):
            raise ValueError("screening on a cluster needs a corpus on disk (shards with paths)")
        self.client = client
        self.paths = [str(Path(p).resolve()) for p in paths if p is not None]
        self.margin = margin
        self.homes = shard_workers(client, len(self.paths))

    def _on_shard(self, shard: int, fn: Callable[..., Any], *args: Any) -> Future:
        return self.client.submit(
            fn, *args, workers=[self.homes[shard]], allow_other_workers=True, pure=False
        )

    def update(self, progress: Callable[[int, int], None]) -> tuple[int, int]:
        futures = [self._on_shard(i, _update, p) for i, p in enumerate(self.paths)]
        stats = self.client.gather(futures)
        return sum(s["documents"] for s in stats), sum(s["characters"] for s in stats)

    def _submit_thesis(
        self, side: TextSide, exclude: frozenset[str], config: RetrievalConfig
    ) -> Future:
        # Only the text and its terms travel (not the coordinator's excerpt cache), as a task
        # the scheduler can run again should the worker holding its result die.
        thesis = self.client.submit(TextSide, side.text, side.terms, pure=False)
        shards = list(enumerate(self.paths))
        stats = [self._on_shard(i, _statistics, p, thesis) for i, p in shards]
        total = self.client.submit(_total, *stats, pure=False)
        evidence = [
            self._on_shard(i, _evidence, p, thesis, total, config, exclude) for i, p in shards
        ]
        selection = self.client.submit(_select, config, *evidence, pure=False)
        hits = [
            self._on_shard(i, _align, p, i, thesis, selection, self.margin, exclude)
            for i, p in shards
        ]
        return self.client.submit(_merge, selection, *hits, pure=False)

    def search_all(
        self, items: Sequence[tuple[str, TextSide, frozenset[str]]], config: RetrievalConfig
    ) -> Iterator[tuple[str, ShardHits | str, float]]:
        """Submits every thesis at once (the cluster starts at once); results as they come."""
        keys: dict[Future, str] = {}
        for key, side, exclude in items:
            keys[self._submit_thesis(side, exclude, config)] = key
        return self._collect(keys)

    def _collect(self, keys: dict[Future, str]) -> Iterator[tuple[str, ShardHits | str, float]]:
        for future in as_completed(list(keys), loop=self.client.loop):
            key = keys[future]
            try:
                hits = future.result()
            except Exception as exc:  # a lost worker (KilledWorker) or a failing task
                yield key, f"screening on the cluster failed: {type(exc).__name__}: {exc}", 0.0
            else:
                yield key, hits, 0.0
            finally:
                future.release()
