"""`spotcheck align`: PAN 2013 text alignment of listed document pairs (CONTRACTS §3)."""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tempfile
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from api.cli.errors import CliError
from screening.align import PreparedText, align_texts, prepare_text
from screening.pan import PanFeature, render_pan_xml

_CACHE_SIZE = 64


@dataclass(frozen=True)
class AlignJob:
    """One line of the pairs file."""

    line: int
    suspicious: str
    source: str

    @property
    def output_name(self) -> str:
        return f"{Path(self.suspicious).stem}-{Path(self.source).stem}.xml"


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    parser = subparsers.add_parser(
        "align",
        help="align suspicious/source text pairs, PAN 2013 XML out (文本比对)",
        description=(
            "Finds the passages each suspicious document shares with its source document "
            "(verbatim, disguised, or translated between Chinese and English) and writes one "
            "PAN 2013 XML file per pair. Offsets count "
            "characters of the files read as UTF-8."
        ),
    )
    parser.add_argument("--pairs", required=True, type=Path, help="lines 'SUSP.txt SRC.txt'")
    parser.add_argument("--src-dir", required=True, type=Path, help="folder of source documents")
    parser.add_argument(
        "--susp-dir", required=True, type=Path, help="folder of suspicious documents"
    )
    parser.add_argument("--out", required=True, type=Path, help="folder for the XML files")
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes (default 1; 0 = one per core)"
    )
    parser.set_defaults(handler=run_align)


def read_pairs(path: Path) -> list[AlignJob]:
    """The pairs file, checked: two plain file names per non-blank line."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CliError(f"{path}: pairs file not found") from None
    except IsADirectoryError:
        raise CliError(f"{path}: pairs file is a folder") from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read pairs file: {exc.strerror}") from None
    jobs: list[AlignJob] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise CliError(
                f"{path}, line {number}: expected 'suspicious-document.txt source-document.txt', "
                f"got {len(fields)} field(s)"
            )
        for name in fields:
            if name in (".", "..") or "/" in name or "\\" in name:
                raise CliError(f"{path}, line {number}: {name!r} is not a plain file name")
        jobs.append(AlignJob(line=number, suspicious=fields[0], source=fields[1]))
    return jobs


def _read_document(path: Path, pairs_file: Path, line: int) -> str:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise CliError(f"{pairs_file}, line {line}: document not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
            f"listed in {pairs_file}, line {line}"
        ) from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read document: {exc.strerror}") from None


class _PreparedCache:
    """Recently prepared documents: a source is often listed with several suspicious texts."""

    def __init__(self, pairs_file: Path) -> None:
        self._items: OrderedDict[Path, PreparedText] = OrderedDict()
        self._pairs_file = pairs_file

    def get(self, path: Path, line: int) -> PreparedText:
        if path in self._items:
            self._items.move_to_end(path)
            return self._items[path]
        prepared = prepare_text(_read_document(path, self._pairs_file, line))
        self._items[path] = prepared
        if len(self._items) > _CACHE_SIZE:
            self._items.popitem(last=False)
        return prepared


def _align_chunk(
    jobs: list[AlignJob], pairs_file: Path, susp_dir: Path, src_dir: Path, staging: Path
) -> int:
    """Align a run of pairs, writing each XML into the staging folder; returns detections."""
    cache = _PreparedCache(pairs_file)
    detections = 0
    for job in jobs:
        susp = cache.get(susp_dir / job.suspicious, job.line)
        src = cache.get(src_dir / job.source, job.line)
        passages = align_texts(susp, src)
        features = [
            PanFeature(
                suspicious=job.suspicious,
                source=job.source,
                this_offset=p.susp_start,
                this_length=p.susp_end - p.susp_start,
                source_offset=p.src_start,
                source_length=p.src_end - p.src_start,
            )
            for p in passages
        ]
        detections += len(features)
        xml = render_pan_xml(job.suspicious, job.source, features)
        (staging / job.output_name).write_text(xml, encoding="utf-8", newline="")
    return detections


def run_align(args: argparse.Namespace) -> int:
    pairs_file: Path = args.pairs
    for label, folder in (("--src-dir", args.src_dir), ("--susp-dir", args.susp_dir)):
        if not folder.is_dir():
            raise CliError(f"{label} {folder}: folder not found")
    if args.out.exists() and not args.out.is_dir():
        raise CliError(f"--out {args.out}: exists and is not a folder")
    if args.jobs < 0:
        raise CliError(f"--jobs {args.jobs}: must be 0 (one per core) or a positive number")
    jobs = read_pairs(pairs_file)
    for job in jobs:
        for folder, name in ((args.susp_dir, job.suspicious), (args.src_dir, job.source)):
            if not (folder / name).is_file():
                raise CliError(
                    f"{pairs_file}, line {job.line}: document not found: {folder / name}"
                )
    workers = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".align-"))
    try:
        if workers == 1 or len(jobs) < 2 * workers:
            detections = _align_chunk(jobs, pairs_file, args.susp_dir, args.src_dir, staging)
        else:
            size = -(-len(jobs) // (workers * 4))
            chunks = [jobs[k : k + size] for k in range(0, len(jobs), size)]
            work = functools.partial(
                _align_chunk,
                pairs_file=pairs_file,
                susp_dir=args.susp_dir,
                src_dir=args.src_dir,
                staging=staging,
            )
            with ProcessPoolExecutor(max_workers=workers) as pool:
                detections = sum(pool.map(work, chunks))
        for name in dict.fromkeys(job.output_name for job in jobs):
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(
        f"aligned {len(jobs)} pair(s), {detections} passage(s) found; XML written to {out}",
        file=sys.stdout,
    )
    return 0
