"""Index build benchmark: characters indexed per second on one core, bytes per character.

The machine may be shared: the rate is given per CPU-second of this process
(what one core achieves) and per wall-clock second.

Generates a Chinese corpus with `api.demo.synthetic_corpus` (generation is timed
separately), builds the memory-mapped index in a temporary directory in this
one process (one core), and prints the build rate, the index size on disk per
indexed character, and the time to reopen the index and run one query.
Targets: ≥ 5 million characters per second per core; ≤ 4 bytes per character.
`--cross-language both` builds the index of a corpus created with that setting (Chinese
documents also indexed under their dictionary translations, for English theses): run it
beside the default (`en`) to see what the setting costs.

    .venv/bin/python benchmarks/index_bench.py [--chars 100000000] [--doc-chars 50000]
        [--cross-language en|both]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.demo.synthetic_corpus import TextGenerator  # noqa: E402
from screening.index import CorpusIndex  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=float, default=50e6, help="corpus characters")
    parser.add_argument("--doc-chars", type=int, default=50_000, help="mean document length")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--cross-language",
        choices=("en", "both"),
        default="en",
        help="the corpus setting (`spotcheck corpus add --cross-language`)",
    )
    args = parser.parse_args(argv)

    gen = TextGenerator(args.seed)
    count = max(1, int(args.chars // args.doc_chars))
    t0 = time.perf_counter()
    c0 = time.process_time()
    docs = gen.documents(count, args.doc_chars)
    gen_s = time.perf_counter() - t0
    gen_cpu = time.process_time() - c0
    total = sum(len(d) for d in docs)
    print(
        f"generated {count} documents, {total / 1e6:.1f} M characters in {gen_s:.1f} s wall, "
        f"{gen_cpu:.1f} s CPU ({total / gen_cpu / 1e6:.1f} M chars per CPU-second)"
    )
    work = Path(tempfile.mkdtemp(prefix="spotcheck-index-bench-"))
    try:
        index = CorpusIndex.open(work, chinese_sources=args.cross_language == "both")
        print(f"cross-language setting: {args.cross_language}")
        t0 = time.perf_counter()
        c0 = time.process_time()
        added, chars = index.add_texts((f"doc-{i:07d}", d) for i, d in enumerate(docs))
        build_s = time.perf_counter() - t0
        cpu_s = time.process_time() - c0
        disk = index.store.disk_bytes()  # type: ignore[attr-defined]
        print(f"indexed {added} documents in one process: {build_s:.2f} s wall, {cpu_s:.2f} s CPU")
        print(
            f"build rate: {chars / cpu_s / 1e6:.2f} M characters per CPU-second "
            f"({chars / build_s / 1e6:.2f} M/s wall clock; target ≥ 5 per core)"
        )
        print(
            f"index size: {disk / 1e6:.1f} MB on disk, {disk / chars:.2f} bytes per character "
            f"(target ≤ 4), {len(index.store.segments)} segment(s)"
        )
        t0 = time.perf_counter()
        reopened = CorpusIndex.open(work)
        hits = reopened.query(gen.text(5000) + docs[count // 2][1000:3000])
        print(
            f"reopen + one query: {time.perf_counter() - t0:.3f} s; "
            f"top candidate {hits[0].doc_id if hits else None} (expected doc-{count // 2:07d})"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
