"""The blinding key of command-line runs, so blind ids and institution numbers hold across runs.

`SPOTCHECK_BLINDING_KEY` wins; otherwise the secret kept in the data folder
(`SPOTCHECK_DATA_DIR`, default `./spotcheck-data`, the folder `spotcheck serve` uses) as
`blinding.key`, created on first use with owner-only permissions.
"""

from __future__ import annotations

import os
from pathlib import Path

from api.cli.errors import CliError
from corpora.blind import BlindingKeyError, blinding_key

DATA_DIR_ENVIRONMENT = "SPOTCHECK_DATA_DIR"


def cli_data_dir() -> Path:
    """The data folder of this installation (as `spotcheck serve` finds it)."""
    from api.settings import Settings

    default = Settings.model_fields["data_dir"].default
    return Path(os.environ.get(DATA_DIR_ENVIRONMENT) or default)


def cli_blinding_key() -> bytes:
    """The deployment-scope blinding key of CLI runs (a CliError naming a damaged key file)."""
    try:
        return blinding_key(None, key_folder=cli_data_dir())
    except (BlindingKeyError, OSError) as exc:
        raise CliError(str(exc)) from exc
