"""CLI command `spotcheck report`: HTML flag reports from screening result JSON files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from api.cli.blinding import cli_blinding_key
from api.cli.errors import CliError
from corpora.blind import blind_id, thesis_key
from screening.report import build_report, write_batch_summary, write_thesis_report
from screening.result import ResultFormatError, ScreeningResult, is_result_json

# A result file bigger than this is refused (the largest real theses give a few MB).
MAX_RESULT_BYTES = 512 * 1024 * 1024


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Adds `spotcheck report`."""
    parser = subparsers.add_parser(
        "report",
        help="write HTML flag reports (and a batch summary) from screening results",
        description=(
            "Writes a self-contained HTML report for one screening result "
            "(spotcheck report RESULT.json --out FILE.html), or reports for every result in a "
            "folder plus summary.csv, summary.xlsx and index.html (spotcheck report --batch DIR)."
        ),
    )
    parser.add_argument("result", nargs="?", type=Path, help="a result JSON from spotcheck screen")
    parser.add_argument(
        "--batch", type=Path, metavar="DIR", help="report on every result JSON in DIR"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="the HTML file (single result; default: beside the JSON) or the output folder "
        "(--batch; default: DIR itself)",
    )
    parser.add_argument(
        "--blind",
        action="store_true",
        help="blind copy for double-blind review: no author, supervisor or institution names",
    )
    parser.add_argument(
        "--name",
        action="append",
        default=[],
        metavar="NAME",
        help="one more name to mask in blind copies (repeatable)",
    )
    parser.set_defaults(handler=run_report)


def load_result(path: Path) -> dict[str, Any]:
    """Reads one result JSON, turning every way it can be unreadable into a CliError."""
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_RESULT_BYTES:
        raise CliError(f"{path}: {size} bytes is larger than the {MAX_RESULT_BYTES} byte limit")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except OSError as exc:
        raise CliError(f"{path}: cannot be read ({exc.strerror})") from exc
    if not isinstance(data, dict):
        raise CliError(f"{path}: expected a JSON object (a screening result)")
    return data


def read_result(path: Path, data: dict[str, Any]) -> ScreeningResult:
    """The typed result of a loaded JSON object; a bad field is a CliError naming file and field."""
    try:
        return ScreeningResult.from_json(data)
    except ResultFormatError as exc:
        raise CliError(f"{path}: {exc}") from exc


def run_report(args: argparse.Namespace) -> int:
    if (args.result is None) == (args.batch is None):
        raise CliError("give either one RESULT.json or --batch DIR")
    if args.batch is not None:
        return _run_batch(args.batch, args.out, blind=args.blind, names=args.name)
    data = load_result(args.result)
    if not is_result_json(data):
        raise CliError(f"{args.result}: not a screening result (no schema_version/thesis)")
    result = read_result(args.result, data)
    out = args.out if args.out is not None else args.result.with_suffix(".html")
    if out.exists() and out.is_dir():
        raise CliError(f"{out}: is a folder; --out takes the HTML file to write")
    try:
        written = write_thesis_report(
            result, out, blind=args.blind, names=args.name, key=cli_blinding_key()
        )
    except ResultFormatError as exc:
        raise CliError(f"{args.result}: {exc}") from exc
    except OSError as exc:
        raise CliError(f"{out}: cannot be written ({exc.strerror})") from exc
    print(written)
    return 0


def _run_batch(folder: Path, out: Path | None, *, blind: bool, names: list[str]) -> int:
    if not folder.is_dir():
        raise CliError(f"{folder}: no such folder")
    out_dir = out if out is not None else folder
    if out_dir.exists() and not out_dir.is_dir():
        raise CliError(f"{out_dir}: is a file; --out takes a folder with --batch")
    results: list[tuple[Path, ScreeningResult]] = []
    skipped = 0
    for path in sorted(folder.glob("*.json")):
        data = load_result(path)
        if is_result_json(data):
            results.append((path, read_result(path, data)))
        else:
            skipped += 1
    if not results:
        raise CliError(f"{folder}: no screening result JSON files found")
    key = cli_blinding_key()  # the same key every run: blind ids and report names hold
    # Check every result before writing anything, so one bad file leaves no partial batch.
    for path, result in results:
        try:
            build_report(result, blind=blind, names=names, key=key)
        except ResultFormatError as exc:
            raise CliError(f"{path}: {exc}") from exc
    links: dict[str, str] = {}
    try:
        for path, result in results:
            name = (
                f"{blind_id(key, thesis_key(result.thesis))}.html" if blind else f"{path.stem}.html"
            )
            write_thesis_report(result, out_dir / name, blind=blind, names=names, key=key)
            for link_key in _keys(path, result):
                links[link_key] = name
        files = write_batch_summary([d for _, d in results], out_dir, report_links=links, key=key)
    except OSError as exc:
        raise CliError(f"{out_dir}: cannot be written ({exc.strerror})") from exc
    if skipped:
        print(f"skipped {skipped} JSON file(s) that are not screening results", file=sys.stderr)
    print(f"{len(results)} report(s) in {out_dir}")
    print(files.html)
    return 0


def _keys(path: Path, data: ScreeningResult) -> list[str]:
    keys = [data.thesis.file, data.thesis_id, path.stem]
    return [k for k in keys if k]
