"""`spotcheck corpus add|list|stats|remove|templates`: reference corpora on disk."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from api.cli.errors import CliError
from api.cli.file_names import readable_paths
from api.cli.ocr_option import PageProgress, add_ocr_option
from api.cli.scheduler import cluster_client, scheduler_address, scheduler_option
from corpora.corpus import (
    CROSS_LANGUAGE_SETTINGS,
    TEMPLATE_KINDS,
    AddOutcome,
    AddReport,
    Corpus,
    CorpusError,
)
from corpora.extract import ExtractedDocument, ExtractionLimits, extract_file
from corpora.isolation import IsolatedExtractor
from corpora.metadata_csv import MetadataCsvError

OUTCOME_LABELS = {"added": "已添加 added", "duplicate": "重复 duplicate", "failed": "失败 failed"}


def open_corpus(
    path: str,
    *,
    create: bool = False,
    shards: int | None = None,
    cross_language: str | None = None,
) -> Corpus:
    try:
        return Corpus.open(Path(path), create=create, shards=shards, cross_language=cross_language)
    except CorpusError as exc:
        raise CliError(str(exc)) from exc


def emit_json(data: Any) -> None:
    sys.stdout.buffer.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8") + b"\n")
    sys.stdout.flush()


class ProgressDisplay:
    """Progress on stderr: a redrawn line on a terminal, otherwise a counter every 50 files."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.lock = threading.Lock()

    def __call__(self, done: int, total: int, outcome: AddOutcome) -> None:
        if self.quiet:
            return
        with self.lock:
            if outcome.outcome != "added" or outcome.reason:
                if self.tty:
                    sys.stderr.write("\r\x1b[K")
                label = OUTCOME_LABELS[outcome.outcome]
                detail = f": {outcome.reason}" if outcome.reason else ""
                if outcome.outcome == "added":
                    label = "部分可读 partial"
                sys.stderr.write(f"{label}: {outcome.path}{detail}\n")
            if self.tty:
                width = 30
                filled = int(width * done / max(total, 1))
                bar = "#" * filled + "-" * (width - filled)
                name = Path(outcome.path).name[:40]
                sys.stderr.write(f"\r[{bar}] {done}/{total} {name}")
                if done == total:
                    sys.stderr.write("\n")
            elif done % 50 == 0 or done == total:
                sys.stderr.write(f"{done}/{total} files\n")
            sys.stderr.flush()


def handle_add(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CliError(f"no such file or folder: {', '.join(missing)}")
    if args.metadata and not Path(args.metadata).is_file():
        raise CliError(f"no such metadata file: {args.metadata}")
    corpus = open_corpus(
        args.corpus, create=True, shards=args.shards, cross_language=args.cross_language
    )
    limits = ExtractionLimits(
        timeout_seconds=args.timeout, memory_bytes=args.memory_mb << 20, ocr=args.ocr
    )
    address = scheduler_address(args)
    if address is not None:
        with readable_paths(paths) as readable:
            return _add_on_cluster(args, corpus, readable, limits, address)
    workers: list[IsolatedExtractor] = []
    local = threading.local()
    lock = threading.Lock()

    def isolated(path: Path, metadata: Mapping[str, str]) -> ExtractedDocument:
        worker = getattr(local, "worker", None)
        if worker is None:
            worker = local.worker = IsolatedExtractor(limits)
            with lock:
                workers.append(worker)
        progress = PageProgress(path.name, quiet=args.quiet)
        return worker.extract(path, metadata=metadata, progress=progress)

    def in_process(path: Path, metadata: Mapping[str, str]) -> ExtractedDocument:
        progress = PageProgress(path.name, quiet=args.quiet)
        return extract_file(path, metadata=metadata, limits=limits, progress=progress)

    try:
        with readable_paths(paths) as readable:
            report = corpus.add_files(
                readable,
                metadata_csv=Path(args.metadata) if args.metadata else None,
                progress=ProgressDisplay(args.quiet),
                extractor=in_process if args.in_process else isolated,
                workers=1 if args.in_process else max(1, args.jobs),
            )
    except (CorpusError, MetadataCsvError) as exc:
        raise CliError(str(exc)) from exc
    finally:
        for worker in workers:
            worker.close()
    return _report_added(args, corpus, report)


def _add_on_cluster(
    args: argparse.Namespace,
    corpus: Corpus,
    paths: list[Path],
    limits: ExtractionLimits,
    address: str,
) -> int:
    """Extraction on the workers; then each shard's index is brought up to date on its worker."""
    from corpora.cluster import extract_on_cluster
    from screening.cluster import DaskSearch, ShardUnavailable

    with cluster_client(address) as client:
        try:
            report = corpus.add_files(
                paths,
                metadata_csv=Path(args.metadata) if args.metadata else None,
                progress=ProgressDisplay(args.quiet),
                extract_many=extract_on_cluster(client, limits),
            )
        except (CorpusError, MetadataCsvError) as exc:
            raise CliError(str(exc)) from exc
        try:
            DaskSearch(client, corpus.shards, margin=0).update(lambda done, total: None)
        except ShardUnavailable as exc:
            raise CliError(str(exc)) from None
    return _report_added(args, corpus, report)


def _report_added(args: argparse.Namespace, corpus: Corpus, report: AddReport) -> int:
    if args.json:
        emit_json(
            {
                "corpus": str(corpus.path),
                "added": report.added,
                "duplicates": report.duplicates,
                "failed": report.failed,
                "files": [o.__dict__ for o in report.outcomes],
                "snapshot": corpus.snapshot(),
            }
        )
    else:
        print(
            f"已添加 added {report.added}, 重复 duplicates {report.duplicates}, "
            f"失败 failed {report.failed} → {corpus.path} "
            f"({len(corpus.documents())} documents)"
        )
    return 1 if args.strict and report.failed else 0


def handle_list(args: argparse.Namespace) -> int:
    corpus = open_corpus(args.corpus)
    docs = corpus.documents()
    if args.json:
        emit_json({"data": [d.to_json() for d in docs], "count": len(docs)})
        return 0
    print(
        f"{'ID':<16}  {'类型 type':<9}  {'年 year':<7}  {'字符 chars':>10}  题名 title / 文件 file"
    )
    for doc in docs:
        year = str(doc.year) if doc.year else "-"
        print(
            f"{doc.id:<16}  {doc.type:<9}  {year:<7}  {doc.characters:>10}  "
            f"{doc.title[:50]} / {doc.file}"
        )
    print(f"共 total: {len(docs)}")
    return 0


def handle_stats(args: argparse.Namespace) -> int:
    corpus = open_corpus(args.corpus)
    stats = corpus.stats()
    if args.json:
        emit_json(stats)
        return 0
    print(f"语料库 Corpus: {stats['path']}")
    print(f"文献数 Documents: {stats['documents']}")
    print(f"字符数 Characters: {stats['characters']}")
    print(f"页数 Pages: {stats['pages']}")
    print("按类型 By type: " + ", ".join(f"{k} {v}" for k, v in stats["by_type"].items()))
    print("按年份 By year: " + ", ".join(f"{k} {v}" for k, v in stats["by_year"].items()))
    print(f"模板 Templates: {stats['templates']}")
    print(f"分片 Shards: {stats['shards']}")
    print(f"跨语言 Cross-language sources: {stats['cross_language']}")
    print(f"快照 Snapshot: {stats['snapshot']}")
    return 0


def handle_remove(args: argparse.Namespace) -> int:
    corpus = open_corpus(args.corpus)
    try:
        full_ids = [corpus.resolve_id(doc_id) for doc_id in args.ids]
        for doc_id in full_ids:
            corpus.remove(doc_id)
            print(f"已删除 removed {doc_id}")
    except CorpusError as exc:
        raise CliError(str(exc)) from exc
    return 0


def handle_templates_add(args: argparse.Namespace) -> int:
    corpus = open_corpus(args.corpus, create=True)
    source = Path(args.file)
    if not source.is_file():
        raise CliError(f"no such file: {source}")
    try:
        template = corpus.add_template(source, institution=args.institution, kind=args.kind)
    except CorpusError as exc:
        raise CliError(str(exc)) from exc
    print(f"模板 template {template.id} ({template.kind}, {template.characters} characters)")
    return 0


def handle_templates_list(args: argparse.Namespace) -> int:
    corpus = open_corpus(args.corpus)
    templates = corpus.templates()
    if args.json:
        emit_json(
            {"data": [dict(t.to_json(), text=t.text) for t in templates], "count": len(templates)}
        )
        return 0
    for template in templates:
        preview = template.text[:30].replace("\n", " ")
        print(f"{template.id}  {template.kind:<13}  {template.institution or '-'}  {preview}")
    print(f"共 total: {len(templates)}")
    return 0


def handle_templates_remove(args: argparse.Namespace) -> int:
    corpus = open_corpus(args.corpus)
    try:
        corpus.remove_template(args.id)
    except CorpusError as exc:
        raise CliError(str(exc)) from exc
    print(f"已删除 removed {args.id}")
    return 0


def corpus_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", required=True, metavar="PATH", help="the corpus directory")


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Adds `spotcheck corpus …`."""
    parser = subparsers.add_parser(
        "corpus",
        help="reference corpora: add, list, stats, remove documents; boilerplate templates",
        description="Manage a reference corpus (a directory of extracted documents).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add PDF/DOCX/TXT files (folders are searched)")
    add.add_argument("paths", nargs="+", metavar="DIR_OR_FILE")
    corpus_option(add)
    add.add_argument("--metadata", metavar="CSV", help="per-file metadata (see docs/ingestion.md)")
    add.add_argument("--json", action="store_true", help="print the per-file outcomes as JSON")
    add.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add.add_argument("--strict", action="store_true", help="exit 1 when any file failed")
    add.add_argument(
        "--jobs", type=int, default=1, help="files extracted at once, one worker process each"
    )
    add.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per file")
    add.add_argument("--memory-mb", type=int, default=3072, help="memory limit per extraction")
    add_ocr_option(add)
    add.add_argument(
        "--in-process", action="store_true", help="no isolation (trusted files only; faster)"
    )
    add.add_argument(
        "--shards",
        type=int,
        metavar="N",
        help="when creating the corpus: split it into N shards by document id (default 1)",
    )
    add.add_argument(
        "--cross-language",
        choices=CROSS_LANGUAGE_SETTINGS,
        help="when creating the corpus: which documents are also indexed for theses in the "
        "other language: en (default; English sources of Chinese theses) or both (Chinese "
        "sources of English theses too; Chinese indexing about 3x slower). Fixed at creation",
    )
    scheduler_option(add)
    add.set_defaults(handler=handle_add)

    listing = actions.add_parser("list", help="list the documents")
    corpus_option(listing)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=handle_list)

    stats = actions.add_parser("stats", help="counts by type and year, characters, snapshot id")
    corpus_option(stats)
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=handle_stats)

    remove = actions.add_parser("remove", help="remove documents by id (or unique id prefix)")
    remove.add_argument("ids", nargs="+", metavar="ID")
    corpus_option(remove)
    remove.set_defaults(handler=handle_remove)

    templates = actions.add_parser("templates", help="boilerplate pages excluded in screening")
    template_actions = templates.add_subparsers(dest="template_action", required=True)
    t_add = template_actions.add_parser("add", help="register a boilerplate file (PDF/DOCX/TXT)")
    t_add.add_argument("file", metavar="FILE")
    corpus_option(t_add)
    t_add.add_argument("--kind", choices=TEMPLATE_KINDS, required=True)
    t_add.add_argument("--institution", help="the institution the boilerplate belongs to")
    t_add.set_defaults(handler=handle_templates_add)
    t_list = template_actions.add_parser("list", help="list the templates")
    corpus_option(t_list)
    t_list.add_argument("--json", action="store_true")
    t_list.set_defaults(handler=handle_templates_list)
    t_remove = template_actions.add_parser("remove", help="remove a template by id")
    t_remove.add_argument("id", metavar="ID")
    corpus_option(t_remove)
    t_remove.set_defaults(handler=handle_templates_remove)
