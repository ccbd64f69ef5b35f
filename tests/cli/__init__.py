"""The ``chatserver`` command line."""
