"""Finding recorded names in a text: whole words, ignoring case, without trying every name on every text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from armistice.models import Person, Place


def names_of(record: Person | Place) -> list[str]:
    """Every name a person or place may appear under in a document: its spellings and code names."""
    return list(record.spellings) + list(getattr(record, "code_names", []))


@cache  # one per recorded name: bounded by the registry
def _pattern(spelling: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(spelling) + r"(?!\w)", re.IGNORECASE)


def occurs(spelling: str, text: str) -> bool:
    """Whole-word, case-insensitive occurrence: 'Korea' does not occur in 'Korean'."""
    return _pattern(spelling).search(text) is not None



_TOKEN = re.compile(r"\w+")


@cache
def _caseless(char: str) -> bool:
    return char.lower() == char == char.upper()


_UNUSUAL = re.compile("[^\x00-\x7f°№]")  # beyond ASCII and the caseless signs the sources use


def _plain(text: str) -> bool:
    """True when every letter with a case is ASCII: then ``re.IGNORECASE`` equates exactly the
    characters ``str.lower`` equates (it also equates 'ı' and 'i', 'ſ' and 's', the Kelvin sign and
    'k', which only a text with such letters can contain)."""
    if text.isascii() or _UNUSUAL.search(text) is None:
        return True
    return all(_caseless(char) for char in set(text) if char > "\x7f")


class _Keys(dict):
    """``str.translate`` table for texts that are not plain: a key in which every pair of characters
    ``re.IGNORECASE`` equates is equal. ASCII letters are lowercased, but 'i', 's', 'k' and every
    non-ASCII letter with a case become 'x' (coarse, but never splits an equated pair); a character
    that has a case but is not a word character (a combining mark) makes the key unusable (None)."""

    def __missing__(self, code: int) -> Any:
        char = chr(code)
        if _caseless(char):
            key: Any = char
        elif not char.isalnum():
            raise LookupError(char)
        elif char.isascii() and char.lower() not in "isk":
            key = char.lower()
        else:
            key = "x"
        self[code] = key
        return key


_KEYS = _Keys()


def _key(text: str) -> str | None:
    try:
        return text.translate(_KEYS)
    except LookupError:
        return None


class NameIndex:
    """Which recorded names occur in a text, without trying every name of the registry on it.

    Trying each of P names on each of D documents costs D x P regex searches: minutes at archive
    scale. A name can only occur (whole-word, case-insensitive) if its first word, compared by a key
    that keeps apart nothing ``re.IGNORECASE`` equates, is one of the text's words; those words pick
    the few candidates, and the pattern of :func:`occurs`, tried only where the name's key starts in
    the text's key, decides. The result is exactly the names for which :func:`occurs` holds (a
    property-based test compares them). Plain texts (every cased letter ASCII, the usual case) are
    keyed by ``str.lower``; others by :class:`_Keys`; what neither can key is searched in full.
    """

    def __init__(self, names: Iterable[str]):
        # name -> (key, the key's words): a candidate must have all its words in the text
        self.by_word: dict[str, list[tuple[str, str, frozenset[str]]]] = {}  # plain texts, by lowercased first word
        self.by_key: dict[str, list[tuple[str, str, frozenset[str]]]] = {}  # other texts, by keyed first word
        self.always: list[str] = []  # searched in every text
        self.names = sorted(set(names))
        for name in self.names:
            lowered = name.lower() if _plain(name) else ""
            words = _TOKEN.findall(lowered)
            keyed = _key(name)
            key_words = _TOKEN.findall(keyed) if keyed is not None else []
            if not words or not key_words:
                self.always.append(name)  # no word character, or letters only a full search can compare
                continue
            self.by_word.setdefault(words[0], []).append((name, lowered, frozenset(words)))
            self.by_key.setdefault(key_words[0], []).append((name, keyed, frozenset(key_words)))  # type: ignore[arg-type]

    def present(self, text: str) -> set[str]:
        """The names that occur in ``text``."""
        plain, folded, words = _analyse(text)
        if folded is None:
            return {name for name in self.names if occurs(name, text)}
        table = self.by_word if plain else self.by_key
        found = {name for name in self.always if occurs(name, text)}
        for word in table.keys() & words:
            for name, key, needed in table[word]:
                if needed <= words and _occurs_at(name, text, folded, key):
                    found.add(name)
        return found


@lru_cache(maxsize=4)
def _analyse(text: str) -> tuple[bool, str | None, set[str]]:
    """Whether the text is plain, its key, and the words of its key (kept for the next index asking)."""
    plain = _plain(text)
    folded = text.lower() if plain else _key(text)
    return plain, folded, set(_TOKEN.findall(folded)) if folded is not None else set()


def _occurs_at(name: str, text: str, folded: str, key: str) -> bool:
    """:func:`occurs`, trying the pattern only where the name's key starts in the text's key (both
    keep every character one character long, so positions agree)."""
    pattern = _pattern(name)
    start = folded.find(key)
    while start != -1:
        if pattern.match(text, start):
            return True
        start = folded.find(key, start + 1)
    return False

