"""File names that are not valid UTF-8 (archives unpacked from Chinese Windows are often GBK).

The domain records a file's name in JSON (`file` in results and the corpus manifest), which
must be text. A name that is not valid UTF-8 is read as GB18030 or Big5 when it decodes so
(`\\xd5\\xc5\\xc8\\xfd.pdf` → `张三.pdf`), else with U+FFFD for the bad bytes, and the command
works on a link (or copy) of the file under that name in a temporary folder; the file itself
is never touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def readable_name(name: str) -> str:
    """`name` itself when it is valid UTF-8, else its bytes decoded as Chinese or with U+FFFD."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(name)
    for encoding in ("gb18030", "big5"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def _unreadable(path: Path) -> bool:
    return readable_name(path.name) != path.name


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


@contextmanager
def readable_paths(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """`paths` with every file or folder whose names are not all valid UTF-8 replaced by a
    readable copy (hard link where possible) in a temporary folder, removed afterwards."""
    staging: Path | None = None
    out: list[Path] = []
    try:
        for path in paths:
            inside = sorted(path.rglob("*")) if path.is_dir() else []
            if not _unreadable(path) and not any(_unreadable(p) for p in inside):
                out.append(path)
                continue
            if staging is None:
                staging = Path(tempfile.mkdtemp(prefix="spotcheck-names-"))
            target = staging / str(len(out)) / readable_name(path.name)
            if path.is_dir():
                for child in inside:
                    if child.is_file():
                        parts = [readable_name(p) for p in child.relative_to(path).parts]
                        _place(child, target.joinpath(*parts))
            else:
                _place(path, target)
            out.append(target)
        yield out
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
