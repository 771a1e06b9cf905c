"""The `spotcheck` command line: `api.cli.main` assembles one module per command."""
