"""Scaling benchmark: 200 theses against a 4-shard corpus of 1e8 characters on a Dask cluster.

A Chinese corpus (`api.demo.synthetic_corpus`, 50,000-character documents) is generated,
streamed to disk and added to a corpus of 4 shards (in-process extraction of the .txt
files); 200 theses of 100,000 characters with 12 planted passages each are generated.
Both are kept in `--workdir` (default `benchmarks/out/scaling`), so a re-run only screens.
The shards' indexes are brought up to date before timing.

Then, for each worker count, a `distributed.LocalCluster` (one thread per worker process,
dashboard off) is started and the whole batch is screened with the corpus search on the
cluster as `spotcheck screen --scheduler` does (extraction, retrieval and alignment on the
workers; terms, batch comparison and figures in this process). A short warm-up batch first
lets each worker open its shards. Printed per worker count: wall-clock seconds, theses per
minute, the speed-up over one worker, the corpus passages found (the same for every worker
count), the CPU seconds of this coordinating process and of the workers, and the load
average, since the machine may be shared.
Target: ≥ 1.7× from 1 to 2 workers on 2 cores.

    .venv/bin/python benchmarks/scaling_bench.py [--chars 1e8] [--theses 200] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from query_bench import build_corpus, make_thesis  # noqa: E402

from corpora.corpus import Corpus  # noqa: E402
from corpora.extract import extract_file  # noqa: E402
from screening.result import ScreeningResult  # noqa: E402
from screening.screen import LocalSearch, ScreenSettings, ShardSearcher, screen_batch  # noqa: E402

SHARDS = 4
DOC_CHARS = 50_000
SEED = 4242


def prepare(workdir: Path, chars: float, theses: int) -> tuple[Path, list[Path]]:
    """The 4-shard corpus and the thesis files (generated on the first run only)."""
    count = max(1, int(chars // DOC_CHARS))
    rng = np.random.default_rng(SEED)
    sources = [[int(i) for i in rng.integers(0, count, 12)] for _ in range(theses)]
    planted = {i for row in sources for i in row}
    corpus_dir = workdir / "corpus"
    thesis_dir = workdir / f"theses-{theses}"
    ready = corpus_dir / "shards.json"
    if ready.is_file() and thesis_dir.is_dir():
        return corpus_dir, sorted(thesis_dir.glob("*.txt"))
    t0 = time.perf_counter()
    generated, docs = build_corpus(workdir / "generated", chars, DOC_CHARS, SEED, planted)
    if not ready.is_file():
        shutil.rmtree(corpus_dir, ignore_errors=True)
        corpus = Corpus.open(corpus_dir, create=True, shards=SHARDS)
        report = corpus.add_files(
            [generated.path / "docs"], extractor=lambda p, m: extract_file(p, metadata=m)
        )
        print(f"corpus: {report.added} documents added in {time.perf_counter() - t0:.0f} s")
    thesis_dir.mkdir(parents=True, exist_ok=True)
    for n, row in enumerate(sources):
        text, _ = make_thesis(docs, row, seed=SEED + n)
        (thesis_dir / f"thesis-{n:03d}.txt").write_text(text, encoding="utf-8")
    return corpus_dir, sorted(thesis_dir.glob("*.txt"))


def found_passages(results: list[ScreeningResult]) -> int:
    """Passages of the corpus in the results (planted ones are 12 per thesis)."""
    return sum(1 for r in results for p in r.passages if p.origin != "batch")


def run_on_cluster(
    workers: int, corpus: Path, theses: list[Path], out: Path
) -> tuple[float, int, float, float]:
    """(wall seconds, corpus passages found, CPU seconds of this process, of the workers)."""
    from distributed import Client, LocalCluster

    from corpora.cluster import extract_on_cluster
    from screening.cluster import DaskSearch

    settings = ScreenSettings(isolate_extraction=False)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            scheduler_port=0,
            dashboard_address=None,  # no dashboard; its HTTP routes on a free port
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            worker_dashboard_address=None,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):

        def search(shards: object, margin: int) -> DaskSearch:
            return DaskSearch(client, shards, margin)  # type: ignore[arg-type]

        extract = extract_on_cluster(client, isolate=False)
        screen_batch(theses[:4], corpus, settings, None, search=search, extract_many=extract)
        workers_cpu = sum(client.run(time.process_time).values())
        t0, c0 = time.perf_counter(), time.process_time()
        run = screen_batch(theses, corpus, settings, out, search=search, extract_many=extract)
        seconds, coordinator = time.perf_counter() - t0, time.process_time() - c0
        workers_cpu = sum(client.run(time.process_time).values()) - workers_cpu
    if run.failures:
        print(f"failed: {dict(run.failures)}")
    results = [r for r in run.results if r is not None]
    return seconds, found_passages(results), coordinator, workers_cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=float, default=1e8, help="corpus characters")
    parser.add_argument("--theses", type=int, default=200)
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    parser.add_argument("--workdir", default=str(Path(__file__).parent / "out" / "scaling"))
    args = parser.parse_args(argv)

    workdir = Path(args.workdir)
    corpus_dir, theses = prepare(workdir, args.chars, args.theses)
    corpus = Corpus.open(corpus_dir)
    indexed = LocalSearch([ShardSearcher.open(s) for s in corpus.shards], 0).update(
        lambda d, t: None
    )
    print(
        f"corpus: {indexed[1]:,} characters, {indexed[0]} documents in {len(corpus.shards)} "
        f"shards; {len(theses)} theses of ~100,000 characters"
    )
    print(
        f"{'workers':>7} {'seconds':>8} {'theses/min':>11} {'speed-up':>9} {'passages':>9} "
        f"{'cpu here':>9} {'cpu workers':>12}  load"
    )
    base = None
    for workers in (int(w) for w in args.workers.split(",")):
        out = workdir / f"out-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        load_before = os.getloadavg()[0]
        seconds, passages, here, there = run_on_cluster(workers, corpus_dir, theses, out)
        per_minute = 60 * len(theses) / seconds
        base = base or per_minute
        print(
            f"{workers:>7} {seconds:>8.1f} {per_minute:>11.1f} {per_minute / base:>8.2f}x "
            f"{passages:>9} {here:>8.1f}s {there:>11.1f}s  "
            f"{load_before:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
