"""Finding recorded names in a text: whole words, ignoring case, without trying every name on every text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from armistice.models import Person, Place


def names_of(record: Person | Place) -> list[str]:
    """Every name a person or place may appear under in a document: its spellings and code names."""
    if _lacks_code_names(type(record)):
        return list(record.spellings)
    return list(record.spellings) + list(getattr(record, "code_names", []))


@cache
def _lacks_code_names(model: type) -> bool:
    """Whether no record of ``model`` can have code names: a pydantic model without the field (or a
    way to hold it). Asking a pydantic model for an attribute it lacks raises and catches an
    exception inside pydantic: a microsecond for every link of every document."""
    fields = getattr(model, "model_fields", None)
    config = getattr(model, "model_config", None) or {}
    return (fields is not None and "code_names" not in fields and config.get("extra") != "allow"
            and not hasattr(model, "code_names"))


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
        self.by_bytes: dict[bytes, list[tuple[str, str, frozenset[bytes]]]] = {}  # by_word, its words as UTF-8
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
            self.by_bytes.setdefault(words[0].encode("utf-8"), []).append(
                (name, lowered, frozenset(word.encode("utf-8") for word in words)))
            self.by_key.setdefault(key_words[0], []).append((name, keyed, frozenset(key_words)))  # type: ignore[arg-type]

    def present(self, text: str) -> set[str]:
        """The names that occur in ``text``."""
        if not self.names:
            return set()
        plain, folded, words, in_bytes = _analyse(text)
        if folded is None:
            return {name for name in self.names if occurs(name, text)}
        table: Any = self.by_bytes if in_bytes else self.by_word if plain else self.by_key
        found = {name for name in self.always if occurs(name, text)}
        for word in table.keys() & words:
            for name, key, needed in table[word]:
                if needed <= words and _occurs_at(name, text, folded, key):
                    found.add(name)
        return found


_ASCII = bytes(range(128))
_WORD_BYTES = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128)).lower() + b" " * 128
"""``bytes.translate`` table: an ASCII word character stays (lowercased), anything else becomes a space."""


@cache
def _word_char(char: str) -> bool:
    return _TOKEN.fullmatch(char) is not None


@lru_cache(maxsize=4)
def _analyse(text: str) -> tuple[bool, str | None, set[Any], bool]:
    """Whether the text is plain, its key, the words of its key and whether they are ``bytes`` (kept
    for the next index asking).

    The words of a plain text whose characters beyond ASCII are none of them word characters (the
    usual case: a degree or numero sign at most) are its UTF-8 bytes' words, found by ``bytes``
    methods at a fraction of the cost of a regex over the text; ``str`` words otherwise.
    """
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the general way below copes
        return _analyse_slowly(text)
    beyond = set(raw.translate(None, _ASCII).decode("utf-8"))  # the characters beyond ASCII, each once
    if not all(_caseless(char) for char in beyond):  # not plain (see _plain)
        return _analyse_slowly(text)
    folded = raw.lower().decode("utf-8")  # == text.lower(): only ASCII letters have a case here
    if any(_word_char(char) for char in beyond):
        return True, folded, set(_TOKEN.findall(folded)), False
    return True, folded, set(raw.translate(_WORD_BYTES).split()), True


def _analyse_slowly(text: str) -> tuple[bool, str | None, set[Any], bool]:
    plain = _plain(text)
    folded = text.lower() if plain else _key(text)
    return plain, folded, set(_TOKEN.findall(folded)) if folded is not None else set(), False


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

