"""Entry point of the `spotcheck` console script.

Each command lives in its own module under `api.cli` and exposes
`register(subparsers)`, which adds its parser and sets `handler(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from api.cli.errors import CliError

COMMAND_MODULES: tuple[str, ...] = (
    "api.cli.demo",
    "api.cli.sample",
    "api.cli.extract",
    "api.cli.corpus",
    "api.cli.align",
    "api.cli.screen",
    "api.cli.report",
    "api.cli.serve",
    "api.cli.review",
)


def package_version() -> str:
    """The installed distribution's version (the draw manifest records it)."""
    try:
        return version("spotcheck")
    except PackageNotFoundError:
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spotcheck",
        description="Annual thesis spot check (学位论文抽检): draw, screen, review, publish.",
    )
    parser.add_argument("--version", action="version", version=f"spotcheck {package_version()}")
    parser.add_argument(
        "--debug", action="store_true", help="show a traceback for unexpected errors"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except CliError as exc:
        print(f"spotcheck {args.command}: error: {exc.message}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"spotcheck {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"spotcheck {args.command}: internal error: {type(exc).__name__}: {exc} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
