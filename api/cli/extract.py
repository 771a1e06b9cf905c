"""`spotcheck extract FILE [--json]`: one thesis file to clean, structured text.

Exit status 0 whenever a status was determined (also `corrupt`, `encrypted`, …), 2 for usage
errors (no such file, bad options). The extraction runs in a child process with time and memory
limits unless `--in-process` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from api.cli.errors import CliError
from api.cli.ocr_option import PageProgress, add_ocr_option
from corpora.blind import blind_copy
from corpora.extract import ExtractedDocument, ExtractionLimits, extract_file
from corpora.isolation import extract_isolated

SECTION_LABELS = {
    "cover": "封面 Cover",
    "declaration": "声明 Declaration",
    "abstract_zh": "中文摘要 Chinese abstract",
    "abstract_en": "英文摘要 English abstract",
    "toc": "目录 Contents",
    "chapter": "章 Chapter",
    "references": "参考文献 References",
    "appendix": "附录 Appendix",
    "acknowledgements": "致谢 Acknowledgements",
    "publications": "在学期间成果 Publications",
    "other": "其他 Other",
}
STATUS_LABELS = {
    "ok": "正常 ok",
    "partial": "部分可读 partial",
    "encrypted": "已加密 encrypted",
    "no_text_layer": "无文字层（需 OCR）no text layer",
    "not_extractable": "无法提取文字 not extractable",
    "corrupt": "文件损坏 corrupt",
    "too_large": "文件过大 too large",
    "unsupported": "不支持的格式 unsupported",
}


def limits_from(args: argparse.Namespace) -> ExtractionLimits:
    defaults = ExtractionLimits()
    return ExtractionLimits(
        max_bytes=defaults.max_bytes,
        max_pages=args.max_pages,
        max_characters=defaults.max_characters,
        timeout_seconds=args.timeout,
        memory_bytes=args.memory_mb * 1024 * 1024,
        ocr=args.ocr,
    )


def parse_metadata(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--meta expects KEY=VALUE, got {pair!r}")
        out[key.strip()] = value.strip()
    return out


def run_extraction(
    path: Path, args: argparse.Namespace, metadata: dict[str, str]
) -> ExtractedDocument:
    if not path.exists():
        raise CliError(f"no such file: {path}")
    if not path.is_file():
        raise CliError(f"not a file: {path}")
    limits = limits_from(args)
    progress = PageProgress(path.name)
    try:
        if args.in_process:
            return extract_file(path, metadata=metadata, limits=limits, progress=progress)
        return extract_isolated(path, metadata=metadata, limits=limits, progress=progress)
    except PermissionError as exc:
        raise CliError(f"cannot read {path}: permission denied") from exc


def summary(doc: ExtractedDocument) -> str:
    lines = [
        f"文件 File: {doc.file}",
        f"状态 Status: {STATUS_LABELS.get(doc.status, doc.status)}",
    ]
    if doc.reason:
        lines.append(f"原因 Reason: {doc.reason}")
    lines.append(f"页数 Pages: {doc.pages}    字符 Characters: {len(doc.text)}")
    if doc.ocr_pages:
        listed = ", ".join(str(p) for p in doc.ocr_pages[:30])
        more = " …" if len(doc.ocr_pages) > 30 else ""
        lines.append(f"OCR 识别页 OCR pages ({len(doc.ocr_pages)}): {listed}{more}")
    for key, value in doc.metadata.items():
        lines.append(f"  {key}: {value}")
    if doc.sections:
        lines.append("结构 Sections:")
        for section in doc.sections:
            label = SECTION_LABELS.get(section.kind, section.kind)
            page = doc.page_of(section.start)
            lines.append(
                f"  p.{page:<4} {label:<28} {section.title[:40]}  [{section.start}, {section.end})"
            )
    if doc.headings:
        lines.append("书签标题 Bookmark headings:")
        for heading in doc.headings:
            indent = "  " * heading.level
            page = doc.page_of(heading.start)
            lines.append(f"{indent}p.{page:<4} {heading.title[:60]}")
    lines.append(f"引文 Quotations: {len(doc.quotes)}    引用标注 Citations: {len(doc.citations)}")
    for warning in doc.warnings:
        lines.append(f"注意 Note: {warning}")
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    path = Path(args.file)
    metadata = parse_metadata(args.meta or [])
    doc = run_extraction(path, args, metadata)
    if args.blind:
        out: Any = blind_copy(doc, args.mask or [])
        sys.stdout.buffer.write(out.encode("utf-8"))
        sys.stdout.flush()
        return 0
    if args.json:
        payload = doc.to_json(include_raw=args.raw)
        data = json.dumps(payload, ensure_ascii=False)
        sys.stdout.buffer.write(data.encode("utf-8", "replace") + b"\n")
        sys.stdout.flush()
        return 0
    print(summary(doc))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Adds `spotcheck extract`."""
    parser = subparsers.add_parser(
        "extract",
        help="read one thesis file (PDF, DOCX, TXT) into clean structured text",
        description="Reads one thesis file and reports its status, clean text, page offsets, "
        "sections, quotations and metadata.",
    )
    parser.add_argument("file", metavar="FILE", help="a PDF, DOCX or TXT file")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument(
        "--raw",
        action="store_true",
        help="with --json, also print the raw extracted text and the clean→raw offset map",
    )
    parser.add_argument(
        "--blind",
        action="store_true",
        help="print a blind copy (names and acknowledgements masked) instead",
    )
    parser.add_argument(
        "--mask", action="append", metavar="NAME", help="another name to mask in --blind output"
    )
    parser.add_argument(
        "--meta",
        action="append",
        metavar="KEY=VALUE",
        help="metadata from the caller (wins over the cover page), e.g. --meta author=张三",
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds allowed per file (default 300)"
    )
    parser.add_argument(
        "--memory-mb", type=int, default=3072, help="memory limit of the extractor (default 3072)"
    )
    parser.add_argument(
        "--max-pages", type=int, default=3000, help="refuse files with more pages (default 3000)"
    )
    add_ocr_option(parser)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="extract in this process (no time or memory limits; for trusted files)",
    )
    parser.set_defaults(handler=handle)
