"""``python -m chatserver_sdk``: the ``chatserver`` command."""

import sys

from .cli import main

sys.exit(main())
