"""Mixed-language query benchmark: one 100,000-character thesis against 1M, 10M, 100M chars.

For each corpus size a Chinese corpus is generated (`api.demo.synthetic_corpus`),
written as one text file per document, and indexed (memory-mapped, in the corpus
directory's `index/`). A 100,000-character thesis (a .txt file) is generated with
12 planted passages taken from random corpus documents under the six disguises.
The thesis is then screened end to end with `screen_theses` (text extraction,
term extraction, retrieval from the freshly opened index, loading and aligning
the candidate sources, measures, flag policy, result dict), three times; the
median wall-clock time and median CPU time of this process are printed with the
last run's breakdown and how many planted passages were found.
Target: ≤ 2 s at 100M characters, growing far slower than the corpus.

`--mixed` makes the corpus bilingual: a third of its characters are English documents made of
the English paragraphs of ../shared/data (en-pan-dev and xl-pan-dev, reshuffled), among them
the English sources of xl-pan-dev `02-human-en-zh`; the thesis also carries three Chinese
translations of passages of those sources (human translations from xl-pan-dev), which must be
found as class `translated`.

The corpus here is a plain directory of text files behind the same small
interface as `corpora.Corpus` (adding 100M characters through the full
ingestion pipeline is benchmarked in benchmarks/ingest_bench.py). The machine
may be shared with other work: figures are wall-clock and noisy.

    .venv/bin/python benchmarks/mixed_query_bench.py [--sizes 1e6,1e7,1e8] [--workdir DIR] [--mixed]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_bench import DirectoryCorpus, screen_planted  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
XL = DATA / "xl-pan-dev"


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def english_documents(chars: float, doc_chars: int, seed: int) -> list[str]:
    """The xl-pan-dev English sources of 02-human-en-zh, then reshuffled English paragraphs."""
    rng = np.random.default_rng(seed)
    pairs = [line.split() for line in _read(XL / "02-human-en-zh" / "pairs").splitlines()]
    docs = [_read(XL / "src" / src) for _, src in pairs if src]
    paragraphs: list[str] = []
    for folder in (DATA / "en-pan-dev" / "src", DATA / "en-pan-dev" / "susp"):
        for path in sorted(folder.iterdir()):
            paragraphs.extend(p for p in _read(path).split("\n") if len(p) > 80)
    total = sum(len(d) for d in docs)
    while total < chars:
        picked: list[str] = []
        size = 0
        while size < doc_chars:
            picked.append(paragraphs[int(rng.integers(0, len(paragraphs)))])
            size += len(picked[-1]) + 2
        docs.append("\n\n".join(picked))
        total += size
    return docs


def translated_cases(count: int) -> list[tuple[str, int]]:
    """Chinese translated passages of xl-pan-dev and the index of their English source."""
    cases: list[tuple[str, int]] = []
    pairs = [line.split() for line in _read(XL / "02-human-en-zh" / "pairs").splitlines()]
    for n, (susp, src) in enumerate(pairs[:count]):
        xml = _read(XL / "02-human-en-zh" / f"{Path(susp).stem}-{Path(src).stem}.xml")
        offset = int(xml.split('this_offset="')[1].split('"')[0])
        length = int(xml.split('this_length="')[1].split('"')[0])
        cases.append((_read(XL / "susp" / susp)[offset : offset + length], n))
    return cases


def build_corpus(
    root: Path, chars: float, doc_chars: int, seed: int, *, mixed: bool = False
) -> tuple[DirectoryCorpus, list[str]]:
    gen = TextGenerator(seed)
    english = english_documents(chars / 3, doc_chars, seed) if mixed else []
    count = max(1, int((chars - sum(len(d) for d in english)) // doc_chars))
    docs = english + gen.documents(count, doc_chars)
    (root / "docs").mkdir(parents=True, exist_ok=True)
    sizes = {}
    digest = hashlib.sha256()
    for i, text in enumerate(docs):
        doc_id = f"doc-{i:07d}"
        (root / "docs" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        sizes[doc_id] = len(text)
        digest.update(text.encode("utf-8"))
    snapshot = digest.hexdigest()
    index_dir = root / "index"
    manifest = index_dir / "index.json"
    if manifest.is_file() and snapshot not in manifest.read_text(encoding="utf-8"):
        shutil.rmtree(index_dir)  # ids are reused across runs: a different corpus needs a new index
    return DirectoryCorpus(root, sizes, snapshot), docs


def make_thesis(
    docs: list[str], seed: int, chars: int = 100_000, *, first_chinese: int = 0
) -> tuple[str, list[tuple[int, int, str]]]:
    """A thesis with 12 planted passages; returns the text and (start, end, doc index) spans.

    Sources are drawn from `docs[first_chinese:]` (the Chinese documents).
    """
    gen = TextGenerator(seed + 99)
    rng = np.random.default_rng(seed)
    pieces: list[str] = []
    planted: list[tuple[int, int, str]] = []
    pos = 0
    for k in range(12):
        filler = gen.text(chars // 13)
        pieces.append(filler)
        pos += len(filler)
        i = int(rng.integers(first_chinese, len(docs)))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1e6,1e7,1e8", help="corpus sizes in characters")
    parser.add_argument("--doc-chars", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", help="keep the generated corpora here (default: temp)")
    parser.add_argument("--mixed", action="store_true", help="a third English, with translations")
    args = parser.parse_args(argv)
    if args.mixed and not XL.is_dir():
        print(f"--mixed needs the development corpora under {DATA}", file=sys.stderr)
        return 2

    root = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="spotcheck-q-"))
    print(
        f"{'corpus chars':>13} {'docs':>6} {'index s':>8} {'screen s':>9} {'cpu s':>6} "
        f"{'retrieve':>9} {'align':>7} {'cands':>6} {'found':>6}"
    )
    try:
        for size in (float(s) for s in args.sizes.split(",")):
            work = root / f"corpus-{int(size)}"
            t0 = time.perf_counter()
            corpus, docs = build_corpus(
                work, size, args.doc_chars, seed=int(size) % 1000 + 1, mixed=args.mixed
            )
            english = sum(1 for d in docs if not any("\u4e00" <= c <= "\u9fff" for c in d[:200]))
            gen_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            CorpusIndex.open(work).update(corpus)
            index_s = time.perf_counter() - t0
            text, planted = make_thesis(docs, seed=7, first_chinese=english)
            if args.mixed:
                for passage, source in translated_cases(3):
                    cut = text.find("。", len(text) * (source + 1) // 4) + 1
                    text = text[:cut] + passage + text[cut:]
                    planted = [
                        (a + len(passage), b + len(passage), d) if a >= cut else (a, b, d)
                        for a, b, d in planted
                    ]
                    planted.append((cut, cut + len(passage), f"doc-{source:07d}"))
            thesis = work / "thesis.txt"
            thesis.write_text(text, encoding="utf-8")
            del docs
            times, cpu, res, found = screen_planted(corpus, thesis, planted, args.repeat)
            tm = res.timings or {}
            print(
                f"{int(size):>13,} {len(corpus.documents()):>6} {index_s:>8.1f} "
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
