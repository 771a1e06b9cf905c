"""Errors a command raises to end with a clear message instead of a traceback.

CliError
  └─ raised by command handlers for bad input or usage; `status` is the exit code (2 by default).
"""

from __future__ import annotations


class CliError(Exception):
    """A user-facing failure: printed as one message on stderr, exit with `status`."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
