"""CLI commands: extract (registered by api.cli.main)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Adds this module's commands; filled in as the feature lands."""
