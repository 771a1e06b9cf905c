"""`--scheduler ADDRESS` (or SPOTCHECK_SCHEDULER): the Dask cluster a command runs on (§8)."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from typing import Any

from api.cli.errors import CliError

SCHEDULER_ENV = "SPOTCHECK_SCHEDULER"
CONNECT_TIMEOUT = "20s"


def scheduler_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=(
            "run the work on the Dask cluster whose scheduler listens at ADDRESS "
            f"(tcp://host:8786; default: ${SCHEDULER_ENV}, else this process)"
        ),
    )


def scheduler_address(args: argparse.Namespace) -> str | None:
    return getattr(args, "scheduler", None) or os.environ.get(SCHEDULER_ENV) or None


@contextlib.contextmanager
def cluster_client(address: str) -> Iterator[Any]:
    """A client of the scheduler at `address`, closed afterwards; a clear error if unreachable."""
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CliError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        yield client
    finally:
        client.close()
