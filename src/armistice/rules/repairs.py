"""What each kind of repair may change in the kept transcription, so that a repair can never delete words.

A record's ``corrections`` turn the kept page into the record's text. Each kind states a narrow change,
and the validator checks the change is of that kind and no larger:

- ``markup``: only web or typesetting markup goes or is rendered (heading marks ``#``, HTML tags such as
  ``<sup>``, bold ``**``, TeX such as ``N^{o}`` or ``$^{\\circ}$`` for the numero sign): with the markup
  rendered, the characters other than spaces are the same;
- ``transcription-slip``: characters misread, never words: the same number of words, each changed word
  within two character edits of what stood (``Nam II`` for ``Nam Il``);
- ``page-break``: only whitespace changes (a paragraph joined where the printed page broke).

None of them can remove a sentence. :func:`shown_change` says, for the reading view, what a repair
whose effect is only whitespace did, since "X -> X" shows nothing.
"""

from __future__ import annotations

import re

from armistice.models import CorrectionKind

_TEX_DEGREE = re.compile(r"\^\s*\{?\s*(?:\\circ|o)\s*\}?")
_TEX_GROUP = re.compile(r"\^\s*\{([^{}]*)\}")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\s*/?>")
_HEADING = re.compile(r"(?<!\S)#{1,6}(?!\S)")
_BOLD = re.compile(r"\*\*|__")
_TEX_MATH = re.compile(r"\$")


def render_markup(text: str) -> str:
    """The text as the markup would display it: tags, heading marks, bold and TeX dollars gone, TeX
    superscript degree or 'o' as the sign the sources mean ('°'), other superscripts as their content."""
    text = _TEX_DEGREE.sub("°", text)
    text = _TEX_GROUP.sub(r"\1", text)
    for pattern in (_TAG, _HEADING, _BOLD, _TEX_MATH):
        text = pattern.sub("", text)
    return text


def _visible(text: str) -> str:
    return "".join(text.split())


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (words are short: the quadratic table is cheap)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


MAX_EDITS_PER_WORD = 2
"""A misread character or two in a word; more is a different word, not a slip."""


def repair_problem(kind: CorrectionKind, original: str, corrected: str) -> str | None:
    """Why the change from ``original`` to ``corrected`` is not a repair of ``kind``, or None when it is."""
    if kind is CorrectionKind.MARKUP:
        if _visible(render_markup(original)) != _visible(render_markup(corrected)):
            return ("a markup repair may only remove or render markup (#, <sup>, **, TeX such as N^{o}); "
                    f"with the markup rendered, {original!r} and {corrected!r} still differ")
        if render_markup(original) == original:
            return f"{original!r} holds no markup: choose the kind that describes the change"
        return None
    if kind is CorrectionKind.PAGE_BREAK:
        if original.split() != corrected.split():
            return f"a page-break repair may only change whitespace; {original!r} and {corrected!r} differ in their words"
        return None
    if kind is CorrectionKind.TRANSCRIPTION_SLIP:
        before, after = original.split(), corrected.split()
        if len(before) != len(after):
            return (f"a transcription slip changes characters, not words: {original!r} has {len(before)} word(s), "
                    f"{corrected!r} has {len(after)}")
        for old, new in zip(before, after, strict=True):
            if old != new and _edits(old, new) > min(MAX_EDITS_PER_WORD, max(1, len(old) // 2)):
                return f"{old!r} -> {new!r} changes more than a misread character or two: a different word is not a slip"
        return None
    return None  # pragma: no cover - every kind is handled above


def shown_change(kind: CorrectionKind, original: str, corrected: str) -> str | None:
    """For the reading view: what a repair did when the text alone would not show it."""
    if original.split() == corrected.split():
        return "paragraph joined" if "\n\n" in original and "\n\n" not in corrected else "whitespace changed"
    return None
