"""Writing files so that a reader never sees a half-written one, and a failure leaves none.

Every output of the product (reports, results, tables, workspaces, corpus files) goes through
these functions: a temporary file in the target's folder (same file system, so the rename is
atomic), optionally flushed to disk, then renamed over the target.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def write_atomically(
    path: Path | str,
    write: Callable[[Path], object],
    *,
    durable: bool = False,
    mode: int = 0o644,
    exclusive: bool = False,
) -> Path:
    """Calls `write(tmp)` on a temporary file beside `path`, then renames it into place.

    `durable` flushes the file to disk before the rename (for state that must survive a power
    cut: workspaces, corpora). `mode` is set before the file appears (0o600 for secrets, which
    are then never readable by others, not even for an instant). `exclusive` never replaces
    an existing `path` (FileExistsError instead: the first of two writers wins). On any error
    the temporary file is removed and `path` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, mode)
        if durable:
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
        if exclusive:
            os.link(tmp, path)
            tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_bytes_atomically(path: Path | str, data: bytes, *, durable: bool = False) -> Path:
    """Writes `data` to `path` atomically."""
    return write_atomically(path, lambda tmp: tmp.write_bytes(data), durable=durable)


def write_text_atomically(
    path: Path | str, text: str, *, encoding: str = "utf-8", durable: bool = False
) -> Path:
    """Writes `text` to `path` atomically (no newline translation)."""
    return write_bytes_atomically(path, text.encode(encoding), durable=durable)


def write_json_atomically(
    path: Path | str, data: Any, *, indent: int | None = 1, durable: bool = False
) -> Path:
    """Writes `data` as UTF-8 JSON (non-ASCII kept, trailing newline) to `path` atomically."""
    text = json.dumps(data, ensure_ascii=False, indent=indent) + "\n"
    return write_text_atomically(path, text, durable=durable)


@contextmanager
def staged_directory(
    out_dir: Path | str, *, last: Collection[str] = (), durable: bool = False
) -> Iterator[Path]:
    """A staging folder beside `out_dir`: files written there move into `out_dir` together.

    Nothing reaches `out_dir` unless the `with` block succeeds; the files named in `last` are
    moved after the others (a manifest that says the rest is complete).
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        yield staging
        names = sorted(p.name for p in staging.iterdir())
        ordered = [n for n in names if n not in last] + [n for n in names if n in last]
        if durable:
            for name in ordered:
                with open(staging / name, "rb+") as handle:
                    os.fsync(handle.fileno())
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in ordered:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
