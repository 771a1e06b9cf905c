"""The `--ocr auto|never|always` option and OCR page progress, shared by `extract`, `corpus add`
and `screen` so the three commands offer the same choices, help and progress display."""

from __future__ import annotations

import argparse
import sys

from corpora.ocr import OCR_MODES

OCR_HELP = (
    "read pages without usable text by OCR: auto (default), never, or always "
    "(every page, ignoring the text layer)"
)


def add_ocr_option(parser: argparse.ArgumentParser) -> None:
    """Adds `--ocr` (default `auto`) to a command's parser."""
    parser.add_argument("--ocr", choices=OCR_MODES, default="auto", help=OCR_HELP)


class PageProgress:
    """OCR progress on stderr: a redrawn bar on a terminal, a line every 10 pages otherwise.

    Called as `progress(done, total)` after each OCR'd page of the file `name`.
    """

    def __init__(self, name: str, *, quiet: bool = False) -> None:
        self.name = name
        self.quiet = quiet
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.tty:
            filled = int(30 * done / max(1, total))
            bar = "#" * filled + "-" * (30 - filled)
            end = "\n" if done == total else ""
            print(f"\rOCR {self.name} [{bar}] {done}/{total} 页 pages", end=end, file=sys.stderr)
        elif done and (done == total or done % 10 == 0):
            print(f"OCR {self.name}: {done}/{total} 页 pages", file=sys.stderr)
        sys.stderr.flush()
