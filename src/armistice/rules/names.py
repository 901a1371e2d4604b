"""Finding recorded names in a text: moved to :mod:`armistice.names` (shared by the rules and the draft)."""

from armistice.names import NameIndex, names_of, occurs

__all__ = ["NameIndex", "names_of", "occurs"]
