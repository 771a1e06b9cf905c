"""Extraction on a Dask cluster, for `corpus add` and `screen` with `--scheduler` (CONTRACTS §8).

Extraction is the costly step of ingestion, so the coordinator ships each file's bytes to a
worker, which extracts it in an isolated child process (the same limits as locally) and
sends the extracted document back; the coordinator stores the documents in order, each in
its shard, exactly as a local run does. At most `window` files are in flight at once, so
the coordinator's memory does not grow with the number of files.
"""

from __future__ import annotations

import tempfile
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from corpora.corpus import ExtractJob, ExtractMany
from corpora.extract import ExtractedDocument, ExtractionLimits, extract_bytes


def extract_shipped(
    name: str,
    data: bytes,
    metadata: Mapping[str, str],
    limits: ExtractionLimits | None,
    isolate: bool = True,
) -> ExtractedDocument:
    """Extracts a file from its bytes (on a worker) under its original name; `isolate`
    runs the extraction in a child process with the limits, as untrusted files need."""
    if not isolate:
        return extract_bytes(data, name, metadata=metadata, limits=limits)
    from corpora.isolation import extract_isolated

    with tempfile.TemporaryDirectory(prefix="spotcheck-extract-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return extract_isolated(path, metadata=dict(metadata), limits=limits)


def extract_on_cluster(
    client: Any,
    limits: ExtractionLimits | None = None,
    *,
    isolate: bool = True,
    window: int = 0,
) -> ExtractMany:
    """An `extract_many` (for `Corpus.add_files` and screening) that extracts on the
    cluster's workers and yields the results in order."""
    window = window or 4 * max(len(client.scheduler_info(n_workers=-1)["workers"]), 1)

    def extract_many(jobs: Sequence[ExtractJob]) -> Iterator[ExtractedDocument | str]:
        pending: deque[Any] = deque()
        queue = iter(jobs)

        def submit() -> bool:
            for path, metadata in queue:
                try:
                    data = Path(path).read_bytes()
                except OSError as exc:
                    pending.append(f"cannot read: {exc.strerror or exc}")
                else:
                    pending.append(
                        client.submit(
                            extract_shipped,
                            Path(path).name,
                            data,
                            metadata,
                            limits,
                            isolate,
                            pure=False,
                        )
                    )
                return True
            return False

        while len(pending) < window and submit():
            pass
        while pending:
            head = pending.popleft()
            submit()
            if isinstance(head, str):
                yield head
                continue
            try:
                yield head.result()
            except Exception as exc:  # a lost worker or a failing task
                yield f"extraction on the cluster failed: {type(exc).__name__}: {exc}"
            finally:
                head.release()

    return extract_many
