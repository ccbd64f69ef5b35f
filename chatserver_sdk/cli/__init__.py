"""The ``chatserver`` command line (entry point ``chatserver_sdk.cli:main``).

One module per area registers its subcommands; :mod:`._app` parses and runs
them and turns every failure into one line and an exit status.
"""

from ._app import build_parser, main

__all__ = ["build_parser", "main"]
