"""The loader's fast path gives exactly what its strict path gives, on any text.

:func:`armistice.records.loading.load_file` feeds libyaml the file's bytes and builds values with
``_values`` (no field paths, no marks, a Python call per collection); anything it is not sure of
goes to ``_build``, the strict builder, which also finds positions and reports every problem. Here
random YAML-ish documents (duplicate keys, tags, anchors and aliases, YAML 1.1 scalars such as
``NO``, ``0123``, dates and ``~``, numbers out of range, deep nesting, odd Unicode, a BOM, CRLF,
control characters, broken syntax) are loaded both ways: the same values, of the same types, in the
same order, or the same located message.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armistice.records import loading
from armistice.records.loading import MAX_DEPTH, LoadError
from conftest import FIXTURES, REPO

PLAIN = ["NO", "no", "yes", "Yes", "on", "OFF", "y", "0123", "00", "0", "-0", "+5", "5", "-3", "12", "1951-08-13",
         "1951-08-13T10:00", "12:30", "1:2:3", "~", "null", "Null", "NULL", "nUll", "", "true", "True", "TRUE", "tRue",
         "false", "False", "FALSE", "1e5", "1.5e3", "1.5E-3", "1.", ".5", "-.5", "+.5e1", "1_000", "0x1F", "0o17", "0b1",
         ".inf", "-.inf", ".Inf", ".nan", ".NaN", "nan", "inf", "9" * 18, "-" + "9" * 18, str(2**63 - 1), str(-(2**63)),
         "x", "word", "a b", "Li Kenong", "Cde. Li!", "é", "한국어", "zero\u200bwidth", "\u202eltr", "it's", "a#b", "a:b",
         "a-b", "=", "x?", "\ud7ff", "\U0001f600", "\u00a0x"]
"""Plain scalars a record may hold, YAML 1.1's surprises among them."""
TROUBLE = ["9" * 19, "9" * 20, str(2**63), str(-(2**63) - 1), "1" * 400 + ".0", "1" * 5000, "1e400", "-1e400", "<<", "-", "--",
           "?", ":", "@x", "`x", "%x", "!x", "! x", "&x", "*x", "|", ">", "[", "{", "]", "}", ",", "a #b", "#", "x\ty",
           "\x07", "\x00", "\x85", "\u2028", "\ufeffx", "\ud800", "\uffff", "---", "...", "'", '"', "a: b", "- a"]
"""Scalars that are not valid YAML as they stand, or that no record may hold."""
KEYS = ["id", "name", "text", "a", "b", "title", "messages", "é", "x y", "a-b", "id2"]
BAD_KEYS = ["5", "true", "~", "null", "", "<<", "0123", "1e5", "1.5", "key:", "-k", "? k", "[k]", "{k: v}", "!k", "&k", "*k"]
TAGS = ["!!str", "!!int", "!!map", "!!seq", "!!binary", "!!python/object:os.system", "!", "!x", "!<tag:yaml.org,2002:str>",
        "!!null", "!!bool", "!!timestamp", "!!merge"]
ESCAPES = ["\\n", "\\t", "\\\\", '\\"', "\\x41", "\\u00e9", "\\U0001F600", "\\N", "\\_", "\\L", "\\P", "\\0",
           "\\e", "\\ ", "\\/", "\\\n  "]
BAD_ESCAPES = ["\\q", "\\u12", "\\x4", "\\U0011FFFF", "\\ud800"]
LINE_ENDS = ["\n", "\r\n", "\r"]


TROUBLED = [True]
"""Whether the document being drawn may hold trouble: half of them hold none (set by :func:`documents`)."""


def rarely(draw: st.DrawFn, common: list[str], rare: list[str], percent: int = 4) -> str:
    """One of ``common``, or (in a document that may hold trouble) one of ``rare`` ``percent`` times in a hundred."""
    rare_now = TROUBLED[0] and 50 <= draw(st.integers(0, 99)) < 50 + percent  # away from the ends, which hypothesis favours
    return draw(st.sampled_from(rare if rare_now else common))


def scalar_text(draw: st.DrawFn, value: str, *, key: bool = False, flow: bool = True) -> str:
    """``value`` written in one of YAML's scalar styles (some of them not valid for ``value``)."""
    style = rarely(draw, ["plain"] * 8 + ["single", "double", "double-escapes"] + ([] if key or flow else ["block"] * 2),
                   ["tagged", "anchored", "alias", "single", "double"], 6)
    if style == "plain":
        return value
    if style == "single":
        return "'" + value.replace("'", rarely(draw, ["''"], ["'"])) + "'"
    if style == "double":
        return '"' + value.replace("\\", rarely(draw, ["\\\\"], ["\\"])).replace('"', '\\"') + '"'
    if style == "double-escapes":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + "".join(
            rarely(draw, ESCAPES, BAD_ESCAPES) for _ in range(draw(st.integers(0, 3)))) + '"'
    if style == "block":
        indicator = draw(st.sampled_from(["|", ">"])) + draw(st.sampled_from(["", "-", "+", "2", "1-", "+3"]))
        lines = draw(st.lists(st.sampled_from(["one", "two three", "", "  indented", value, "# not a comment", " "]),
                              min_size=1, max_size=4))
        indent = rarely(draw, ["  ", "    ", " "], ["\t", ""])
        return indicator + "\n" + "\n".join(indent + line if line else line for line in lines)
    if style == "tagged":
        return draw(st.sampled_from(TAGS)) + " " + value
    if style == "anchored":
        return "&" + draw(st.sampled_from(["a", "b", "x1"])) + " " + value
    return "*" + draw(st.sampled_from(["a", "b", "x1", "nowhere"]))


@st.composite
def nodes(draw: st.DrawFn, depth: int = 0, flow: bool = True) -> str:
    """A value: a scalar, or (as flow-style text) a list or a mapping, now and then tagged or anchored."""
    kind = draw(st.sampled_from(["scalar"] * 6 + ["list", "map"] if depth < 4 else ["scalar"]))
    if kind == "scalar":
        return scalar_text(draw, rarely(draw, PLAIN, TROUBLE), flow=flow)
    if kind == "list":
        body = "[" + ", ".join(draw(st.lists(nodes(depth + 1), max_size=4))) + "]"
    else:
        keys = draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=not TROUBLED[0]))
        items = [(key, draw(nodes(depth + 1))) for key in keys]
        body = "{" + ", ".join(f"{scalar_text(draw, key, key=True)}: {value}" for key, value in items) + "}"
    return rarely(draw, [""], ["&a ", "!!seq " if kind == "list" else "!!map ", "! ", "!!str "]) + body


@st.composite
def block(draw: st.DrawFn, indent: int = 0, depth: int = 0) -> str:
    """A block mapping or list at ``indent``, its values scalars, flow nodes or nested blocks."""
    pad = " " * indent
    lines = []
    as_list = depth > 0 and draw(st.booleans())
    for word in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=6, unique=not TROUBLED[0])):
        key = scalar_text(draw, rarely(draw, [word], BAD_KEYS, 3), key=True)
        head = f"{pad}- " if as_list else f"{pad}{key}:"
        if depth < 5 and draw(st.integers(0, 3)) == 0:
            lines.append(head.rstrip() + "\n" + draw(block(indent + rarely(draw, [1, 2, 4], [0]), depth + 1)))  # type: ignore[list-item]
        else:
            value = draw(nodes(flow=False))
            lines.append(head + ("" if head.endswith(" ") else " ") + value.replace("\n", "\n" + pad + "  ")
                         + ("" if "\n" in value else rarely(draw, ["", "", " # a comment"], ["#c", "  #"])) + "\n")
    return "".join(lines)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A YAML-ish record file: half of them well-formed, the others with every kind of trouble mixed in."""
    TROUBLED[0] = draw(st.booleans())
    text = draw(block())
    TROUBLED[0] = True
    mangle = rarely(draw, ["none"] * 3 + ["comment first", "schema comment"],
                    ["deep", "insert", "drop", "directive", "second document", "scalar root", "empty"], 35)
    if mangle == "deep":
        levels = draw(st.sampled_from([MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 200, 3000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("- ", "")]))
        text += "deep: " + opener * levels + "x" + closer * levels + "\n" if opener != "- " else \
            "deep:\n" + "".join(" " * (2 * i) + "-\n" for i in range(levels)) + " " * (2 * levels) + "x\n"
    elif mangle == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(["\t", ":", "- ", "[", "]", "{", "}", "\x07", "\x00", "\ufeff", "'", '"',
                                                  "#", "&a ", "*a", "!", "? ", "\n  ", "\u2028", "\x85", "\ud800"
                                                  ])) + text[at:]
    elif mangle == "drop" and text:
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + text[at + 1:]
    elif mangle == "directive":
        text = draw(st.sampled_from(["%YAML 1.1\n---\n", "%TAG ! tag:x,2000:\n---\n", "--- ", "---\n"])) + text
    elif mangle == "second document":
        text += draw(st.sampled_from(["---\nb: 1\n", "...\n", "...\n---\n"]))
    elif mangle == "comment first":
        text = "# a comment\n" + text
    elif mangle == "schema comment":
        text = "# yaml-language-server: $schema=../../schema/document.schema.json\n" + text
    elif mangle == "scalar root":
        text = draw(nodes())
    elif mangle == "empty":
        text = draw(st.sampled_from(["", "\n", "# nothing\n", "---\n", "...\n", "~\n"]))
    end = rarely(draw, ["\n"], ["\r\n", "\r"], 15)
    if end != "\n":
        text = text.replace("\n", end)
    raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate makes invalid UTF-8, on purpose
    return rarely(draw, [b""], [b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf"], 15) + raw  # type: ignore[list-item]


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types, mappings in the same key order (``1 == 1.0 == True`` is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@contextlib.contextmanager
def strict_only() -> Iterator[None]:
    """The loader as it was before the fast path: every node through ``_build``, libyaml fed the text."""
    fast, compose = loading._values, loading._compose

    def refuse(node: Any) -> Any:
        raise loading._Refused

    loading._values = refuse  # type: ignore[assignment]
    loading._compose = lambda text, path, source=None: compose(text, path)  # type: ignore[assignment]
    try:
        yield
    finally:
        loading._values, loading._compose = fast, compose  # type: ignore[assignment]


def outcome(raw: bytes, file: Path) -> tuple[Any, ...]:
    """What loading ``raw`` from ``file`` gives: the values, the schema comment and every position, or the message.

    Positions come from the node tree held since loading; they are checked against parsing the file again."""
    file.write_bytes(raw)
    try:
        loaded = loading.load_file(file, "t.yaml")
    except LoadError as error:
        return ("refused", str(error))
    again = loading.load_file(file, "t.yaml")
    again.drop_tree()  # positions found by parsing the file again, as for a record whose tree was let go
    assert (again.values, again.keys) == (loaded.values, loaded.keys), raw  # the held tree's are the same
    return ("loaded", loaded.data, loaded.schema_comment, dict(loaded.values), dict(loaded.keys))


def assert_same_outcome(raw: bytes, file: Path) -> tuple[Any, ...]:
    fast = outcome(raw, file)
    with strict_only():
        strict = outcome(raw, file)
    assert fast[0] == strict[0], (raw, fast[:2], strict[:2])
    if fast[0] == "refused":
        assert fast == strict, raw
    else:
        assert same(fast[1], strict[1]), (raw, fast[1], strict[1])
        assert fast[2:] == strict[2:], raw
    return fast


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("loading-paths")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raw=documents())
def test_the_fast_path_loads_what_the_strict_path_loads_and_refuses_what_it_refuses(folder: Path, raw: bytes) -> None:
    assert_same_outcome(raw, folder / "t.yaml")


def test_every_file_of_the_repository_and_the_fixtures_loads_the_same_both_ways(tmp_path: Path) -> None:
    files = sorted({*(REPO / "records").rglob("*.yaml"), *FIXTURES.rglob("*.yaml"), *FIXTURES.rglob("*.yml")})
    outcomes = {assert_same_outcome(path.read_bytes(), tmp_path / "t.yaml")[0] for path in files}
    assert outcomes == {"loaded", "refused"}  # the invalid fixtures hold files the loader refuses


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",  # an alias: found only by the strict path (the text has an anchor)
    "a: 1\na: 2\n", "5: x\n", '"5": x\n', "<<: {a: 1}\n", "a: !!str 5\n", "a: ! 5\n", "! {a: 1}\n",
    "a: " + "9" * 20 + "\n", "a: 1e400\n", "a: 1e5\nb: 0123\nc: ~\nd: NO\n", "a: [" * 40 + "]" * 40 + "\n",
    "\ufeffa: 1\r\nb: |\r\n  x\r\n", "a: \x07\n", "- a\n", "a: 1\n---\nb: 2\n",
])
def test_the_hostile_cases_go_the_same_way(text: str, tmp_path: Path) -> None:
    assert_same_outcome(text.encode(), tmp_path / "t.yaml")


@given(st.text(), st.sampled_from([b"", b"\xef\xbb\xbf"]))
def test_the_file_bytes_handed_to_libyaml_are_the_text_it_would_be_handed(text: str, bom: bytes) -> None:
    """libyaml is fed the file's bytes less one BOM: the UTF-8 of the decoded text, byte for byte."""
    try:
        raw = bom + text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no file holds it as UTF-8
        return
    assert loading.decode(raw, "t.yaml").encode("utf-8") == (raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw)
