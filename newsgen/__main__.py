"""`python -m newsgen` is the `newsgen` command."""

import sys

from .cli import main

sys.exit(main())
