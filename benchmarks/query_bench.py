"""Query benchmark: screening one 100,000-character thesis against corpora up to 1e9 characters.

For each corpus size a Chinese corpus is generated (`api.demo.synthetic_corpus`)
and streamed to disk as one text file per document (200 documents in memory at
a time), then indexed (memory-mapped, in the corpus directory's `index/`) in a child
process whose peak resident memory is printed. A 100,000-character thesis (a .txt
file) is generated with 12 planted passages taken from random corpus documents under
the six disguises.
The thesis is then screened end to end with `screen_theses` (text extraction,
term extraction, retrieval from the freshly opened index, loading and aligning
the candidate sources, measures, flag policy, result dict), three times; the
median wall-clock time and median CPU time of this process are printed with the
last run's breakdown and how many planted passages were found.
Targets: ≤ 2 s at 1e8 and ≤ 1 s at 1e9 characters (growing far slower than the corpus);
the index build's peak resident memory ≤ 4 GB at 1e9 (bounded by one segment's postings).

The corpus here is a plain directory of text files behind the same small
interface as `corpora.Corpus` (adding 100M characters through the full
ingestion pipeline is benchmarked in benchmarks/ingest_bench.py). The machine
may be shared with other work: figures are wall-clock and noisy.

    .venv/bin/python benchmarks/query_bench.py [--sizes 1e6,1e7,1e8] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.demo.synthetic_corpus import (  # noqa: E402
    DISGUISES,
    TextGenerator,
    disguise,
    snap_to_sentence,
)
from screening.index import CorpusIndex  # noqa: E402
from screening.result import ScreeningResult  # noqa: E402
from screening.screen import ScreenSettings, screen_theses  # noqa: E402


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    file: str
    characters: int
    authors: tuple[str, ...] = ()
    year: int | None = 2020
    type: str = "article"
    institution: str = ""


class DirectoryCorpus:
    """Text files in `path/docs/`; the index lives in `path/index/`."""

    def __init__(self, path: Path, sizes: dict[str, int], snapshot: str) -> None:
        self.path = path
        self._snapshot = snapshot
        self._docs = [Doc(k, f"文献 {k}", f"{k}.txt", n) for k, n in sizes.items()]
        self._by_id = {d.id: d for d in self._docs}

    def documents(self) -> list[Doc]:
        return self._docs

    def document(self, doc_id: str) -> Doc:
        return self._by_id[doc_id]

    def text(self, doc_id: str) -> str:
        return (self.path / "docs" / f"{doc_id}.txt").read_text(encoding="utf-8")

    def templates(self) -> list[object]:
        return []

    def snapshot(self) -> str:
        return self._snapshot


GENERATION_BATCH = 200
"""Documents generated (and held in memory) at a time: the corpus is streamed to disk."""


def build_corpus(
    root: Path, chars: float, doc_chars: int, seed: int, planted_docs: set[int]
) -> tuple[DirectoryCorpus, dict[int, str]]:
    """Writes the generated corpus batch by batch; keeps only the `planted_docs` texts.

    A corpus already written under `root` for the same size and seed is reused (its
    `generated.json` records what was generated), so a re-run only screens.
    """
    count = max(1, int(chars // doc_chars))
    stamp = {"chars": chars, "doc_chars": doc_chars, "seed": seed, "count": count}
    done_file = root / "generated.json"
    docs_dir = root / "docs"
    if done_file.is_file() and json.loads(done_file.read_text())["stamp"] == stamp:
        record = json.loads(done_file.read_text())
        sizes = {k: int(v) for k, v in record["sizes"].items()}
        kept = {i: (docs_dir / f"doc-{i:07d}.txt").read_text("utf-8") for i in planted_docs}
        return DirectoryCorpus(root, sizes, record["snapshot"]), kept
    shutil.rmtree(root, ignore_errors=True)  # ids are reused: a different corpus needs a new index
    docs_dir.mkdir(parents=True, exist_ok=True)
    gen = TextGenerator(seed)
    sizes: dict[str, int] = {}
    kept = {}
    digest = hashlib.sha256()
    for first in range(0, count, GENERATION_BATCH):
        batch = gen.documents(min(GENERATION_BATCH, count - first), doc_chars)
        for i, text in enumerate(batch, start=first):
            doc_id = f"doc-{i:07d}"
            (docs_dir / f"{doc_id}.txt").write_text(text, encoding="utf-8")
            sizes[doc_id] = len(text)
            digest.update(text.encode("utf-8"))
            if i in planted_docs:
                kept[i] = text
    snapshot = digest.hexdigest()
    done_file.write_text(json.dumps({"stamp": stamp, "sizes": sizes, "snapshot": snapshot}))
    return DirectoryCorpus(root, sizes, snapshot), kept


def build_index(root: Path) -> tuple[float, int]:
    """Indexes the corpus at `root` in a child process: (seconds, peak RSS bytes of the child).

    The figures of the build are kept in `root/index_build.json`; when the index was already
    up to date, those of the build that made it are returned.
    """
    subprocess.run([sys.executable, __file__, "--index-only", str(root)], check=True)
    built = json.loads((root / "index_build.json").read_text())
    return float(built["seconds"]), int(built["peak_rss"])


def index_only(root: Path) -> None:
    """(In the child process.) Brings the index up to date and records the build's figures."""
    record = json.loads((root / "generated.json").read_text())
    corpus = DirectoryCorpus(root, record["sizes"], record["snapshot"])
    began = time.perf_counter()
    report = CorpusIndex.open(root).update(corpus)
    if report.added or not (root / "index_build.json").is_file():
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        figures = {"seconds": time.perf_counter() - began, "peak_rss": peak}
        (root / "index_build.json").write_text(json.dumps(figures))


def planted_choices(count: int, seed: int) -> list[int]:
    """Which corpus documents the 12 planted passages come from."""
    rng = np.random.default_rng([seed, 12])
    return [int(i) for i in rng.integers(0, count, 12)]


def make_thesis(
    docs: dict[int, str], sources: list[int], seed: int, chars: int = 100_000
) -> tuple[str, list[tuple[int, int, str]]]:
    """A thesis with 12 planted passages; returns the text and (start, end, doc id) spans."""
    gen = TextGenerator(seed + 99)
    rng = np.random.default_rng(seed)
    pieces: list[str] = []
    planted: list[tuple[int, int, str]] = []
    pos = 0
    for k, i in enumerate(sources):
        filler = gen.text(chars // 13)
        pieces.append(filler)
        pos += len(filler)
        src = docs[i]
        length = int(rng.integers(300, 1500))
        a = int(rng.integers(0, max(1, len(src) - length)))
        a, b = snap_to_sentence(src, a, a + length)
        passage = disguise(src[a:b], DISGUISES[k % len(DISGUISES)], rng)
        pieces.append(passage)
        planted.append((pos, pos + len(passage), f"doc-{i:07d}"))
        pos += len(passage)
    pieces.append(gen.text(max(0, chars - pos)))
    return "".join(pieces), planted


def screen_planted(
    corpus: DirectoryCorpus, thesis: Path, planted: list[tuple[int, int, str]], repeat: int
) -> tuple[list[float], list[float], ScreeningResult, int]:
    """Screens `thesis` `repeat` times: wall and CPU seconds of each run, the last result, and
    how many `planted` (start, end, doc id) spans a passage from the right document overlaps."""
    times, cpu, results = [], [], []
    settings = ScreenSettings(isolate_extraction=False)
    for _ in range(repeat):
        t0 = time.perf_counter()
        c0 = time.process_time()
        results.append(screen_theses([thesis], corpus, settings)[0])
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    res = results[-1]
    found = sum(
        any(p.source_id == src and p.thesis_start < b and a < p.thesis_end for p in res.passages)
        for a, b, src in planted
    )
    return times, cpu, res, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1e6,1e7,1e8", help="corpus sizes in characters")
    parser.add_argument("--doc-chars", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--workdir", help="keep the generated corpora and indexes here to re-run (default: temp)"
    )
    parser.add_argument("--index-only", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.index_only:
        index_only(Path(args.index_only))
        return 0

    root = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="spotcheck-q-"))
    print(
        f"{'corpus chars':>13} {'docs':>6} {'index s':>8} {'peak RSS':>9} {'screen s':>9} "
        f"{'cpu s':>6} "
        f"{'retrieve':>9} {'align':>7} {'cands':>6} {'found':>6}"
    )
    try:
        for size in (float(s) for s in args.sizes.split(",")):
            work = root / f"corpus-{int(size)}"
            t0 = time.perf_counter()
            seed = int(size) % 1000 + 1
            sources = planted_choices(max(1, int(size // args.doc_chars)), seed)
            corpus, docs = build_corpus(work, size, args.doc_chars, seed, set(sources))
            gen_s = time.perf_counter() - t0
            index_s, peak_rss = build_index(work)
            text, planted = make_thesis(docs, sources, seed=7)
            thesis = work / "thesis.txt"
            thesis.write_text(text, encoding="utf-8")
            del docs
            times, cpu, res, found = screen_planted(corpus, thesis, planted, args.repeat)
            tm = res.timings or {}
            print(
                f"{int(size):>13,} {len(corpus.documents()):>6} {index_s:>8.1f} "
                f"{peak_rss / 2**30:>7.2f}GB "
                f"{statistics.median(times):>9.2f} {statistics.median(cpu):>6.2f} "
                f"{tm.get('retrieve', 0):>9.3f} "
                f"{tm.get('align', 0):>7.2f} {len(res.sources):>6} {found:>3}/{len(planted)}"
                f"   (generation {gen_s:.1f} s)"
            )
    finally:
        if not args.workdir:
            shutil.rmtree(root, ignore_errors=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
