"""PAN measures of the aligner on PAN-format text-alignment corpora.

Usage: .venv/bin/python benchmarks/pan_eval.py [--corpus DIR ...]

Without --corpus it runs on ../shared/data/zh-pan-dev and ../shared/data/en-pan-dev (and
xl-pan-dev, zh-para-dev when present). `--exclude FOLDER` adds an overall line without that
folder (zh-para-dev's unannotated `05-negatives`). A corpus
directory holds `susp/`, `src/`, and one sub-directory per obfuscation type with ground-truth XML
files and a `pairs` list. Prints precision, recall, granularity and plagdet overall and per
directory, the detections per pair in `01-no-plagiarism`, and the mean time per pair.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from screening.align import AlignConfig, align_texts, prepare_text
from screening.pan import PanFeature, PanScores, evaluate, read_pan_xml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = tuple(
    ROOT.parent / "shared/data" / name
    for name in ("zh-pan-dev", "en-pan-dev", "xl-pan-dev", "zh-para-dev")
)


@dataclass(frozen=True)
class CorpusResult:
    name: str
    overall: PanScores
    per_directory: dict[str, PanScores]
    detections_no_plagiarism: int
    pairs_no_plagiarism: int
    seconds_per_pair: float
    # Overall measures without the folders named by --exclude (e.g. unannotated ones).
    overall_without: PanScores | None = None
    excluded: tuple[str, ...] = ()


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def evaluate_corpus(
    corpus: Path, config: AlignConfig | None = None, exclude: tuple[str, ...] = ()
) -> CorpusResult:
    """Align every pair of a PAN-format corpus and score it against the ground truth.

    Folders named in `exclude` are still scored on their own but left out of a second overall
    line (zh-para-dev's `05-negatives` carries no annotations: its detections say more about
    the data than about the method).
    """
    directories = sorted(d for d in corpus.iterdir() if d.is_dir() and (d / "pairs").is_file())
    if not directories:
        raise SystemExit(f"{corpus}: no obfuscation directories with a 'pairs' file")
    all_cases: list[PanFeature] = []
    all_dets: list[PanFeature] = []
    kept_cases: list[PanFeature] = []
    kept_dets: list[PanFeature] = []
    per_directory: dict[str, PanScores] = {}
    no_plag_dets = no_plag_pairs = 0
    elapsed = 0.0
    n_pairs = 0
    for directory in directories:
        cases: list[PanFeature] = []
        dets: list[PanFeature] = []
        for line in _read(directory / "pairs").splitlines():
            if not line.strip():
                continue
            susp_name, src_name = line.split()
            truth = directory / f"{Path(susp_name).stem}-{Path(src_name).stem}.xml"
            cases.extend(read_pan_xml(truth, feature_name="plagiarism"))
            susp_text = _read(corpus / "susp" / susp_name)
            src_text = _read(corpus / "src" / src_name)
            began = time.perf_counter()
            passages = align_texts(prepare_text(susp_text), prepare_text(src_text), config)
            elapsed += time.perf_counter() - began
            n_pairs += 1
            pair_dets = [
                PanFeature(
                    suspicious=susp_name,
                    source=src_name,
                    this_offset=p.susp_start,
                    this_length=p.susp_end - p.susp_start,
                    source_offset=p.src_start,
                    source_length=p.src_end - p.src_start,
                )
                for p in passages
            ]
            dets.extend(pair_dets)
            if directory.name.startswith("01"):
                no_plag_pairs += 1
                no_plag_dets += len(pair_dets)
        per_directory[directory.name] = evaluate(cases, dets)
        all_cases.extend(cases)
        all_dets.extend(dets)
        if directory.name not in exclude:
            kept_cases.extend(cases)
            kept_dets.extend(dets)
    return CorpusResult(
        name=corpus.name,
        overall=evaluate(all_cases, all_dets),
        per_directory=per_directory,
        detections_no_plagiarism=no_plag_dets,
        pairs_no_plagiarism=no_plag_pairs,
        seconds_per_pair=elapsed / max(n_pairs, 1),
        overall_without=evaluate(kept_cases, kept_dets) if exclude else None,
        excluded=exclude,
    )


def format_result(result: CorpusResult) -> str:
    lines = [
        f"== {result.name} ==",
        f"{'directory':<22} {'cases':>5} {'dets':>5} {'prec':>7} {'recall':>7} "
        f"{'gran':>6} {'plagdet':>8}",
    ]
    rows = [*result.per_directory.items(), ("OVERALL", result.overall)]
    if result.overall_without is not None:
        rows.append(("OVERALL without " + ",".join(result.excluded), result.overall_without))
    for name, s in rows:
        lines.append(
            f"{name:<22} {s.cases:>5} {s.detections:>5} {s.precision:>7.4f} {s.recall:>7.4f} "
            f"{s.granularity:>6.3f} {s.plagdet:>8.4f}"
        )
    if result.pairs_no_plagiarism:
        rate = result.detections_no_plagiarism / result.pairs_no_plagiarism
        lines.append(
            f"01-no-plagiarism: {result.detections_no_plagiarism} detections in "
            f"{result.pairs_no_plagiarism} pairs ({rate * 50:.2f} per 50 pairs)"
        )
    lines.append(f"mean alignment time per pair: {result.seconds_per_pair * 1000:.2f} ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", help="PAN-format corpus folder")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        help="folder left out of a second overall line (repeatable), e.g. 05-negatives",
    )
    args = parser.parse_args(argv)
    corpora = args.corpus or [c for c in DEFAULT_CORPORA if c.is_dir()]
    if not corpora:
        print(
            "no corpus: pass --corpus DIR (the default dev corpora under ../shared/data "
            "are not present on this machine)",
            file=sys.stderr,
        )
        return 2
    for corpus in corpora:
        if not corpus.is_dir():
            print(f"corpus folder not found: {corpus}", file=sys.stderr)
            return 2
        excluded = tuple(e for e in args.exclude if (corpus / e).is_dir())
        print(format_result(evaluate_corpus(corpus, exclude=excluded)), flush=True)
    print("(timings on a shared 2-core machine; single process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
