"""Reading a kept archive page, in the older layout (the seeds') and the current one.

The pages here are short synthetic ones in each layout; the project's real pages are checked through
their records by `armistice validate`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from armistice.models import CorrectionKind
from armistice.page import PageError, iso_date, read_page, split_heading
from armistice.rules.page import listed_references, parse_reference
from armistice.rules.repairs import repair_problem, shown_change

PAGES = Path(__file__).parent / "fixtures" / "pages"


def test_the_older_layout_gives_heading_labelled_fields_and_the_text_to_the_end() -> None:
    page = read_page((PAGES / "older-layout.txt").read_text(), "Translation - English")
    assert split_heading(page.heading.value) == ("March 2, 1951", "Telegram No. 7, Ana Sender to Ben Reader")
    assert page.get("summary").value == "Ana Sender forwards a telegram of Cora Clerk to Ben Reader."
    assert page.get("original_language").value == "Russian"
    assert page.get("citation").value.endswith("Translated by Dana Translator.")
    assert page.address.value == "https://example.org/document/7"
    # a line inside the text that looks like a label stays text
    assert page.text.strip().splitlines() == ["TELEGRAM No. 7", "", "Summary:", "", "Ana Sender"]
    assert "Summary:" not in [line for line in page.get("summary").value.splitlines()]


def test_the_current_layout_gives_the_text_first_then_the_document_information() -> None:
    page = read_page((PAGES / "current-layout.txt").read_text(), "June 5, 1950", "### Summary")
    assert split_heading(page.heading.value) == ("June 5, 1950", "Telegram No. 9, Ana Sender to Ben Reader")
    assert page.text.strip().startswith("TOP SECRET") and page.text.strip().endswith("ANA SENDER")
    assert page.get("summary").value == "Ana Sender tells Ben Reader when she arrives."
    assert page.get("uploaded").value == "2012-04-03"
    assert page.get("language").value == "Russian"
    assert page.get("record_id") is None  # the label stands, with no value: the page gives no record id
    assert "record_id" in page.labels
    assert listed_references(page) == ["APRF, f. 1, op. 2, d. 30, l. 12"]


def test_a_boundary_line_the_page_lacks_is_an_error() -> None:
    with pytest.raises(PageError, match="no line 'Translation - Russian'"):
        read_page((PAGES / "older-layout.txt").read_text(), "Translation - Russian")


def test_references_are_listed_and_parsed_as_the_citation_writes_them() -> None:
    page = read_page((PAGES / "older-layout.txt").read_text(), "Translation - English")
    assert listed_references(page) == ["APRF, f. 1, op. 2, d. 3, ll. 4-5", "RGASPI, Fond 9, Opis 8, Delo 7, Listy 6-7"]
    assert parse_reference("RGASPI, Fond 9, Opis 8, Delo 7, Listy 6-7") == {
        "repository": "RGASPI", "fond": "9", "opis": "8", "delo": "7", "papka": None, "listy": "6-7"}
    assert parse_reference("Archives of the Russian Ministry of Defense (TsAMO)")["repository"] == "TsAMO"
    assert parse_reference("Wilson Center Digital Archive")["repository"] is None


@pytest.mark.parametrize(("written", "iso"), [("August 13, 1951", "1951-08-13"), ("August 1951", "1951-08"),
                                              ("1951", "1951"), ("13 August 1951", None)])
def test_archive_dates_read_as_partial_dates(written: str, iso: str | None) -> None:
    assert iso_date(written) == iso


@pytest.mark.parametrize(("kind", "original", "corrected", "allowed"), [
    (CorrectionKind.MARKUP, "38<sup>th</sup>", "38th", True),
    (CorrectionKind.MARKUP, "N $^{\\circ}$", "N°", True),
    (CorrectionKind.MARKUP, "## SECOND", "SECOND", True),
    (CorrectionKind.MARKUP, "Confirm receipt. Next", "Next", False),  # a markup repair cannot delete words
    (CorrectionKind.MARKUP, "Nam II", "Nam Il", False),               # no markup in it: another kind
    (CorrectionKind.TRANSCRIPTION_SLIP, "Nam II", "Nam Il", True),
    (CorrectionKind.TRANSCRIPTION_SLIP, "to Beijing", "to Moscow", False),
    (CorrectionKind.TRANSCRIPTION_SLIP, "Confirm receipt. Next", "Next", False),
    (CorrectionKind.PAGE_BREAK, "of the\n\nenemy", "of the enemy", True),
    (CorrectionKind.PAGE_BREAK, "of the\n\nenemy", "of enemy", False),
])
def test_each_repair_kind_changes_only_what_it_says(kind: CorrectionKind, original: str, corrected: str,
                                                    allowed: bool) -> None:
    assert (repair_problem(kind, original, corrected) is None) is allowed


def test_a_joined_paragraph_is_named_for_the_reader() -> None:
    assert shown_change(CorrectionKind.PAGE_BREAK, "of the\n\nenemy", "of the enemy") == "paragraph joined"
    assert shown_change(CorrectionKind.TRANSCRIPTION_SLIP, "Nam II", "Nam Il") is None
