"""Exploring the dataset in Datasette; where the server listens unless told otherwise.

The defaults live here, not in :mod:`armistice.explore.serve`, so the command line can show and use
them without importing the whole launcher.
"""

DEFAULT_HOST = "127.0.0.1"
"""Loopback: sharing the server on a network is a choice (``--host 0.0.0.0``), never the default."""
DEFAULT_PORT = 8001
