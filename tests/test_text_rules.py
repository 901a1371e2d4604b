"""The text rules' quick paths find exactly what the slow ways find (issue 21: same findings, less time).

Each quick path is compared with the plain definition it stands for, on synthetic texts and on a
copy of the valid fixture's documents: the names a text holds (``armistice.names``), the
placeholders a drafted document keeps (``armistice.rules.drafted``) and the whitespace-insensitive
comparisons of ``armistice.rules.fidelity``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armistice.models import Document
from armistice.names import NameIndex, _analyse, occurs
from armistice.records.draft import PLACEHOLDER
from armistice.records.files import Entry
from armistice.records.findings import format_field
from armistice.rules import validate
from armistice.rules.context import make_context
from armistice.rules.drafted import check_open
from armistice.rules.fidelity import _within, squash
from conftest import VALID

PLAIN = list("abkisKIS _0129.,-'\"()[]:;\t\n\r\x0b\x0c\x1c\x85\xa0°№") + ["ª", "²", "中", "\u2028", "\u0301", "—", "€"]
"""Texts whose cased letters are all ASCII (the quick path's kind), with caseless characters beyond
ASCII that are word characters (ª, ², 中) or not (°, №, a combining accent, a dash), and every kind
of whitespace and line break."""

PLAIN_TEXT = st.text(alphabet=st.sampled_from(PLAIN), max_size=60)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(PLAIN), min_size=1, max_size=8), min_size=1, max_size=8), PLAIN_TEXT)
def test_the_name_index_finds_in_a_plain_text_exactly_the_names_a_search_finds(names: list[str], text: str) -> None:
    assert NameIndex(names).present(text) == {name for name in names if occurs(name, text)}


@settings(max_examples=1000, deadline=None)
@given(PLAIN_TEXT)
def test_a_plain_texts_words_are_its_lowercased_regex_words(text: str) -> None:
    """The words read off the text's bytes are the ``\\w+`` words of its lowercased text."""
    plain, folded, words, in_bytes = _analyse(text)
    assert plain and folded == text.lower()
    expected = set(re.findall(r"\w+", text.lower()))
    assert words == ({word.encode() for word in expected} if in_bytes else expected)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000")), max_size=40),
       st.text(alphabet=st.sampled_from(list(" \t\n\r\x0b\x1c\x85\u2028")), max_size=4),
       st.text(alphabet=st.sampled_from(list(" \t\n\r\x0b\x1c\x85\u2028")), max_size=4))
def test_texts_equal_but_for_whitespace_at_their_ends_squash_alike(text: str, before: str, after: str) -> None:
    """What lets check_transcription skip squashing: equal once stripped, so equal once squashed."""
    assert (before + text + after).strip() == text.strip()
    assert squash(before + text + after) == squash(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab ", max_size=600), st.text(alphabet="ab ", max_size=300), st.integers(0, 600),
       st.booleans())
def test_a_long_part_is_found_within_a_text_exactly_where_python_finds_it(whole: str, part: str, at: int,
                                                                         taken: bool) -> None:
    """The quick search for a quoted message (by its start, then in full) agrees with ``in``,
    repetitive texts (where its start is in many places) included."""
    if taken:
        part = whole[at:at + len(part) + 100]
    assert _within(part, whole) == (part in whole)
    assert _within(part, part * 3) and _within(part, "a" * 200 + part)


def _string_paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _string_paths(item, path + (key,))]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _string_paths(item, path + (index,))]
    return []


def _set(data: Any, path: tuple[str | int, ...], value: str) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


@pytest.fixture(scope="module")
def fixture_documents() -> tuple[list[Entry], Any]:
    kept = validate([VALID / "records"], keep=True).records
    return list(kept.entries("document")), make_context(kept)


def test_a_placeholder_is_found_in_every_value_that_can_hold_one(fixture_documents: tuple[list[Entry], Any]) -> None:
    """Put in each string value of a document in turn (and in the text, where it is not looked for),
    a placeholder is reported at that value's field and nowhere else; one not at the start is none."""
    entries, context = fixture_documents
    reported = 0
    for entry in entries:
        assert isinstance(entry.record, Document)
        walked = entry.record.model_dump(mode="json", exclude={"draft_open", "text"})
        assert [f for f in check_open(entry, context) if "placeholder" in f.message] == []
        for path in _string_paths(walked) + [("text",)]:
            for value, found in ((PLACEHOLDER + "x", path != ("text",)), ("x " + PLACEHOLDER, False)):
                data = entry.record.model_dump(mode="json")
                _set(data, path, value)
                try:
                    record = Document.model_validate(data)
                except ValueError:
                    continue  # the field cannot hold it (an id, a date): no placeholder can stand there
                findings = [f for f in check_open(Entry(record, entry.loaded, entry.file), context)
                            if "placeholder" in f.message]
                assert [f.field for f in findings] == ([format_field(path)] if found else []), path
                reported += found
    assert reported > 0
