"""`python -m api` runs the `spotcheck` command line."""

import sys

from api.cli.main import main

sys.exit(main())
