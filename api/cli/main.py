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

COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "api.cli.demo": ("demo",),
    "api.cli.sample": ("sample", "verify-draw", "estimate"),
    "api.cli.extract": ("extract",),
    "api.cli.corpus": ("corpus",),
    "api.cli.align": ("align",),
    "api.cli.screen": ("screen",),
    "api.cli.report": ("report",),
    "api.cli.serve": ("serve", "worker", "keys"),
    "api.cli.review": ("experts", "assign", "reviews", "results", "cases"),
    "api.cli.plan": ("plan",),
    "api.cli.allegations": ("allegations",),
    "api.cli.rectification": ("rectification",),
    "api.cli.follow_up": (
        "feedback",
        "marks",
        "accountability",
        "history",
        "reinspection",
    ),
}
"""Each command module and the commands it registers. Only the module of the command being
run is imported (the domain packages pull in numpy, scipy and openpyxl), so a command starts
without paying for all the others; help and unknown commands import them all."""


def package_version() -> str:
    """The installed distribution's version (the draw manifest records it)."""
    try:
        return version("spotcheck")
    except PackageNotFoundError:
        return "0+unknown"


def modules_for(argv: Sequence[str]) -> list[str]:
    """The command modules needed to parse `argv`: the chosen command's, or all of them."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    for module, commands in COMMAND_MODULES.items():
        if command in commands:
            return [module]
    return list(COMMAND_MODULES)


def build_parser(modules: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spotcheck",
        description="Annual thesis spot check (学位论文抽检): draw, screen, review, publish.",
    )
    parser.add_argument("--version", action="version", version=f"spotcheck {package_version()}")
    parser.add_argument(
        "--debug", action="store_true", help="show a traceback for unexpected errors"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if modules is None else modules:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(modules_for(arguments))
    args = parser.parse_args(arguments)
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
