"""`python -m raa_core`: the command line."""

import sys

from raa_core.cli import main

sys.exit(main())
