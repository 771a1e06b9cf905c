"""CLI command: `spotcheck screen THESIS... --corpus PATH --out DIR` (CONTRACTS §6)."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.cli.blinding import cli_blinding_key
from api.cli.errors import CliError
from api.cli.file_names import readable_name, readable_paths
from api.cli.ocr_option import PageProgress, add_ocr_option
from api.cli.scheduler import cluster_client, scheduler_address, scheduler_option

if TYPE_CHECKING:
    from screening.result import ScreeningResult

THESIS_SUFFIXES = (".pdf", ".docx", ".txt")
METADATA_ALIASES = {
    "论文编号": "thesis_id",
    "文件": "file",
    "文件名": "file",
    "论文题目": "title",
    "题目": "title",
    "作者": "author",
    "导师": "supervisor",
    "学位授予单位": "institution",
    "学科代码": "discipline_code",
    "学位级别": "degree_level",
    "学位类型": "degree_type",
}


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    p = subparsers.add_parser(
        "screen",
        help="screen theses against a reference corpus and each other",
        description=(
            "Screens thesis files (PDF, DOCX, TXT, or directories of them) against a reference "
            "corpus and against each other; writes DIR/<file stem>.json per thesis, HTML reports "
            "and a batch summary, and prints a summary table."
        ),
    )
    p.add_argument("theses", nargs="+", metavar="THESIS", help="thesis files or directories")
    p.add_argument("--corpus", required=True, metavar="PATH", help="corpus directory")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument(
        "--exclude-quotes",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="quotations and cited sentences do not count in the assessed ratio (default: on)",
    )
    p.add_argument(
        "--exclude-bibliography",
        "--exclude-references",
        dest="exclude_references",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the references section does not count in the assessed ratio (default: on)",
    )
    p.add_argument(
        "--exclude-own",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the author's own prior publications do not count in the assessed ratio",
    )
    p.add_argument(
        "--templates",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="registered templates and cover/declaration pages never count (default: on)",
    )
    p.add_argument(
        "--batch",
        dest="batch_comparison",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also compare the theses of this run with each other (default: on)",
    )
    p.add_argument(
        "--min-match",
        type=int,
        default=30,
        metavar="N",
        help="passages shorter than N characters do not count (default: 30)",
    )
    p.add_argument(
        "--min-source-share",
        type=float,
        default=0.0,
        metavar="F",
        help="sources covering less than this fraction of the thesis do not count (e.g. 0.01)",
    )
    p.add_argument(
        "--exclude-source",
        action="append",
        default=[],
        metavar="ID",
        help="a corpus document id or file name that does not count (repeatable)",
    )
    p.add_argument("--policy", metavar="FILE.toml", help="flag thresholds (see docs/screening.md)")
    p.add_argument(
        "--metadata",
        metavar="CSV",
        help="thesis metadata (columns file or thesis_id, title, author, supervisor, …)",
    )
    p.add_argument("--no-reports", action="store_true", help="write the JSON results only")
    p.add_argument(
        "--in-process",
        action="store_true",
        help="extract in this process instead of an isolated child (trusted files only)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="theses extracted in parallel (default: one per CPU)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_ocr_option(p)
    scheduler_option(p)
    p.set_defaults(handler=run)


def collect_theses(items: Sequence[str]) -> list[Path]:
    """Thesis files named on the command line; directories contribute their thesis files."""
    out: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in THESIS_SUFFIXES
            )
            if not found:
                raise CliError(f"no .pdf, .docx or .txt files in directory {path}")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise CliError(f"thesis file not found: {path}")
    return out


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CliError(f"metadata file {path} is neither UTF-8 nor GB18030 text")


def read_metadata_csv(path: Path) -> dict[str, dict[str, str]]:
    """Metadata rows keyed by file name, file stem and thesis_id (whichever are given)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read metadata file {path}: {exc.strerror or exc}") from exc
    reader = csv.DictReader(io.StringIO(_decode(data, path), newline=""))
    if not reader.fieldnames:
        raise CliError(f"metadata file {path} has no header row")
    header = [METADATA_ALIASES.get(h.strip(), h.strip()) for h in reader.fieldnames]
    if "file" not in header and "thesis_id" not in header:
        raise CliError(f"metadata file {path}: needs a column 'file' or 'thesis_id' (论文编号)")
    out: dict[str, dict[str, str]] = {}
    for row_no, raw in enumerate(reader, start=2):
        if None in raw:
            raise CliError(f"metadata file {path}, row {row_no}: more fields than the header")
        row = {
            METADATA_ALIASES.get(k.strip(), k.strip()): (v or "").strip() for k, v in raw.items()
        }
        keys = [k for k in (row.get("file"), row.get("thesis_id")) if k]
        if not keys:
            raise CliError(f"metadata file {path}, row {row_no}, column file/thesis_id: empty")
        for key in keys:
            if key in out:
                raise CliError(f"metadata file {path}, row {row_no}: duplicate entry {key!r}")
            out[key] = row
            if key == row.get("file"):
                out.setdefault(Path(key).stem, row)
    return out


class _Progress:
    """Progress on stderr: a redrawn line on a terminal, one line per thesis otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self._last = ""

    def __call__(self, stage: str, done: int, total: int, item: str) -> None:
        if self.quiet or total == 0:
            return
        if stage == "ocr":
            PageProgress(item)(done, total)
            return
        labels = {
            "index": "索引 indexing corpus",
            "extract": "提取 extracting",
            "screen": "检测 screening",
        }
        label = labels.get(stage, stage)
        if self.tty:
            width = 24
            filled = int(width * done / total)
            line = (
                f"\r{label:<24} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {item[:30]}"
            )
            sys.stderr.write(line.ljust(len(self._last)))
            self._last = line
            if done == total:
                sys.stderr.write("\n")
                self._last = ""
            sys.stderr.flush()
        elif stage != "index" and item:
            print(f"{label} {done + 1}/{total}: {item}", file=sys.stderr)
        elif stage == "index" and done == total:
            print(f"{label}: {total} documents added", file=sys.stderr)


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * float(value):.1f}%"


def summary_table(results: Sequence[ScreeningResult]) -> str:
    """The table printed after a run: one line per thesis."""
    head = (
        f"{'file 文件':<28} {'status':<10} {'chars 字数':>10} {'total 总':>8} "
        f"{'-quotes 去引':>10} {'-own 去本人':>10} {'max 单篇':>8} {'batch 同批':>9}  level 结论"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        fig = r.figures
        batch = max(
            (s.assessed_share or 0.0 for s in r.sources if s.origin == "batch"), default=0.0
        )
        lines.append(
            f"{r.thesis.file[:28]:<28} {r.thesis.status:<10} "
            f"{r.thesis.characters:>10} {_pct(fig and fig.total_copy_ratio):>8} "
            f"{_pct(fig and fig.copy_ratio_excluding_quotes):>10} "
            f"{_pct(fig and fig.copy_ratio_excluding_own):>10} "
            f"{_pct(fig and fig.max_single_source_ratio):>8} {_pct(batch if fig else None):>9}  "
            f"{r.flag.level}"
        )
    return "\n".join(lines)


def write_reports(
    results: Sequence[ScreeningResult], out: Path, stems: Sequence[str], key: bytes
) -> Path:
    """Writes `<stem>.html` per result and the batch summary into `out`; returns the overview.

    `key` keys the blind ids and institution numbers (`corpora.blind.blinding_key`)."""
    from screening.report import write_batch_summary, write_thesis_report

    for result, stem in zip(results, stems, strict=True):
        write_thesis_report(result, out / f"{stem}.html", key=key)
    return write_batch_summary(list(results), out, key=key).html


def run(args: argparse.Namespace) -> int:
    from screening.index import IndexStoreError
    from screening.policy import FlagPolicy, PolicyError
    from screening.screen import ScreeningError, ScreenSettings

    if args.workers < 0:
        raise CliError(f"--workers must be 0 (one per CPU) or more, got {args.workers}")
    if not 0.0 <= args.min_source_share < 1.0:
        raise CliError(
            f"--min-source-share must be a fraction in [0, 1), got {args.min_source_share}"
        )
    if args.min_match < 0:
        raise CliError(
            f"--min-match must be a non-negative number of characters, got {args.min_match}"
        )
    paths = collect_theses(args.theses)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        raise CliError(f"corpus not found: {corpus} (create it with `spotcheck corpus add`)")
    try:
        policy = FlagPolicy.from_toml(Path(args.policy)) if args.policy else FlagPolicy()
    except PolicyError as exc:
        raise CliError(str(exc)) from exc
    metadata = read_metadata_csv(Path(args.metadata)) if args.metadata else None
    settings = ScreenSettings(
        exclude_quotes=args.exclude_quotes,
        exclude_references=args.exclude_references,
        exclude_own=args.exclude_own,
        min_match_characters=args.min_match,
        min_source_share=args.min_source_share,
        excluded_sources=frozenset(args.exclude_source),
        templates=args.templates,
        batch_comparison=args.batch_comparison,
        isolate_extraction=not args.in_process,
        ocr=args.ocr,
        workers=args.workers,
        policy=policy,
    )
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create output directory {out}: {exc.strerror or exc}") from exc
    try:
        with readable_paths(paths) as readable:
            run_ = _screen(args, readable, corpus, settings, out, metadata)
    except (ScreeningError, IndexStoreError) as exc:
        raise CliError(str(exc)) from exc
    screened = [(r, p) for r, p in zip(run_.results, paths, strict=True) if r is not None]
    results = [r for r, _ in screened]
    print(summary_table(results))
    if not args.no_reports:
        stems = [Path(readable_name(p.name)).stem for _, p in screened]
        overview = write_reports(results, out, stems, cli_blinding_key())
        print(f"HTML reports and batch summary written to {out}; open {overview}")
    failed = [r for r in results if not r.thesis.screened]
    for r in failed:
        print(
            f"note: {r.thesis.file} could not be screened ({r.thesis.status}: {r.thesis.reason})",
            file=sys.stderr,
        )
    for name, reason in run_.failures.items():
        print(f"failed 失败: {name}: {reason} (no result written)", file=sys.stderr)
    return 1 if run_.failures else 0


def _screen(
    args: argparse.Namespace,
    paths: Sequence[Path],
    corpus: Path,
    settings: Any,
    out: Path,
    metadata: Mapping[str, Mapping[str, str]] | None,
) -> Any:
    """Screens in this process, or with the corpus search on the cluster given by --scheduler."""
    from screening.screen import screen_batch

    address = scheduler_address(args)
    if address is None:
        return screen_batch(
            paths, corpus, settings, out, metadata=metadata, progress=_Progress(args.quiet)
        )
    from corpora.cluster import extract_on_cluster
    from corpora.extract import ExtractionLimits
    from screening.cluster import DaskSearch

    with cluster_client(address) as client:
        return screen_batch(
            paths,
            corpus,
            settings,
            out,
            metadata=metadata,
            progress=_Progress(args.quiet),
            search=lambda shards, margin: DaskSearch(client, shards, margin),
            extract_many=extract_on_cluster(
                client, ExtractionLimits(ocr=settings.ocr), isolate=settings.isolate_extraction
            ),
        )
