"""Hard negatives for cross-language alignment: Chinese abstracts vs their nearest English text.

No translation links the two sides, so every detection is a false one (target: none in 200
pairs). Chinese side: 200 texts of two or three consecutive CSL abstracts of one discipline
(the source documents of ../shared/data/zh-pan-dev). English side: for each Chinese text, the
English passage of the pool that cross-language retrieval ranks first, i.e. the English text
nearest to it in dictionary terms. The pool holds about 3,000-character chunks of every
English document of en-pan-dev (web pages on health, education, business, science …) and of
xl-pan-dev (news, commerce); the pair is aligned with `align_texts` (monolingual and
cross-language), exactly as `spotcheck align` does.

    .venv/bin/python benchmarks/crosslingual_negatives.py [--pairs 200]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screening.align import align_texts, prepare_text  # noqa: E402
from screening.crosslingual.align import CrossConfig, _align_direction  # noqa: E402
from screening.crosslingual.features import cross_features  # noqa: E402
from screening.index import CorpusIndex  # noqa: E402
from screening.retrieve import RetrievalConfig  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
CHUNK_CHARS = 3000
LOOSE = RetrievalConfig(
    max_candidates=5, per_window=0, min_shared=1, min_evidence_terms=0.0, min_burst_terms=0.0
)


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n+", text) if p.strip()]


def _english_chunks() -> list[str]:
    chunks: list[str] = []
    folders = [
        DATA / "en-pan-dev" / "src",
        DATA / "en-pan-dev" / "susp",
        DATA / "xl-pan-dev" / "src",
    ]
    folders.append(DATA / "xl-pan-dev" / "susp")
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            current: list[str] = []
            for paragraph in _paragraphs(_read(path)):
                if re.search(r"[\u4e00-\u9fff]", paragraph):
                    continue
                current.append(paragraph)
                if sum(len(p) for p in current) >= CHUNK_CHARS:
                    chunks.append("\n\n".join(current))
                    current = []
            if current:
                chunks.append("\n\n".join(current))
    return chunks


def _chinese_texts(count: int) -> list[str]:
    texts = []
    for path in sorted((DATA / "zh-pan-dev" / "src").iterdir()):
        paragraphs = [p for p in _paragraphs(_read(path)) if len(p) >= 150]
        if len(paragraphs) >= 3:
            texts.append("\n".join(paragraphs[:3]))
        if len(texts) == count:
            break
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    args = parser.parse_args(argv)
    if not (DATA / "zh-pan-dev").is_dir() or not (DATA / "en-pan-dev").is_dir():
        print(f"skipped: the development corpora under {DATA} are not present", file=sys.stderr)
        return 2
    began = time.perf_counter()
    chunks = _english_chunks()
    index = CorpusIndex.in_memory()
    index.add_texts((str(i), t) for i, t in enumerate(chunks))
    print(f"English pool: {len(chunks)} chunks, indexed in {time.perf_counter() - began:.1f} s")
    detections = 0
    closest: list[float] = []
    pairs = 0
    no_candidate = 0
    config = CrossConfig()
    loose = CrossConfig(
        passage_similarity=0.0,
        seed_mean=0.0,
        min_chars=0,
        min_length_ratio=0.0,
        max_length_ratio=float("inf"),
    )
    for zh_text in _chinese_texts(args.pairs):
        zh = prepare_text(zh_text)
        ranked = index.query_cross_language(zh, LOOSE)
        if not ranked:
            no_candidate += 1
            continue
        en = prepare_text(chunks[int(ranked[0].doc_id)])
        pairs += 1
        found = align_texts(zh, en)
        detections += len(found)
        # How close the nearest chain came: its passage similarity without the thresholds.
        chains = _align_direction(zh, cross_features(zh), en, cross_features(en), loose)
        closest.append(max((c[4] for c in chains), default=0.0))
    scores = np.array(closest) if closest else np.zeros(1)
    print(f"pairs aligned: {pairs} (Chinese texts without any English candidate: {no_candidate})")
    print(f"detections: {detections} (target 0)")
    print(
        "passage similarity of the best seed chain per pair: "
        f"median {np.median(scores):.3f}, p95 {np.percentile(scores, 95):.3f}, "
        f"max {scores.max():.3f} (threshold {config.passage_similarity})"
    )
    print(f"total {time.perf_counter() - began:.1f} s; load average {os.getloadavg()[0]:.1f}")
    return 0 if detections == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
