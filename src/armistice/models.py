"""The record kinds of the dataset: the single source of truth.

Everything else is generated from these classes: the JSON Schemas in ``schema/``, the data
dictionary in ``records/README.md``, the skeletons of ``armistice new``, the published tables and
the Datasette metadata. Each field carries its description as an attribute docstring, and what it
means to that code as a marker in its ``Annotated`` metadata (:class:`Ref`, :class:`Partial`,
:class:`Verbatim`, :class:`Uri`); :func:`fields` is the one walk over a model's fields that every
reader uses. Each record kind names its folder, table and vocabulary value once, on its class.

The models are strict on purpose. Curators type these files by hand, and a silent coercion is a
silent edit of the historical record: the string ``"1951"`` is not an integer, an integer is not
an identifier, an unknown key is an error rather than ignored data. Closed vocabularies are enums
whose every value carries its meaning (see :class:`Vocabulary`).

Rules that relate several values (a reference resolves, a message precedes the telegram that
forwards it, a name is grounded in the text) live in :mod:`armistice.rules`, not here: the models
state only what a plain JSON Schema validator can also check, so an editor and
``armistice validate`` agree on every single record.
"""

from __future__ import annotations

import functools
import re
import types
import typing
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from armistice.dates import PARTIAL_DATE_PATTERN, date_problem
from armistice.records.findings import FieldPath

# --------------------------------------------------------------------------------------------
# Markers: what a field means to the code that reads the models
# --------------------------------------------------------------------------------------------
# Pydantic ignores these; they ride in a field's ``Annotated`` metadata so that the rules, the
# tables, the data dictionary and the skeletons learn a field's meaning from the field itself (see
# :func:`fields`), never from its name or its validator's name.


@dataclass(frozen=True)
class Ref:
    """Marks an identifier field as a reference to a record of another kind (checked by the rules)."""

    kind: str


@dataclass(frozen=True)
class Partial:
    """Marks a partial date (published with the first and last day it can mean)."""


@dataclass(frozen=True)
class Verbatim:
    """Marks a field that copies the source's own words, checked to occur in the text ``within`` names.

    ``within`` is ``"document"`` (the document's text), ``"message"`` (the text of the quoted message
    holding the field; the document's text when no message holds it, as for the document's own
    ``refers_to``) or ``"page"`` (a value the kept archive page gives, such as a reference its citation
    lists: compared with the page by :mod:`armistice.rules.page`).
    """

    within: str = "document"


@dataclass(frozen=True)
class Uri:
    """Marks a web address (published with the Table Schema format ``uri``)."""


@dataclass(frozen=True)
class TypeName:
    """How the data dictionary and the skeletons name a scalar type in words ('text (one line)')."""

    words: str


# --------------------------------------------------------------------------------------------
# Scalar types
# --------------------------------------------------------------------------------------------

SLUG_PATTERN = "^[a-z0-9]+(?:-[a-z0-9]+)*$"
"""Identifiers: lowercase ASCII words joined by single hyphens. Stable forever once published."""

MAX_ID_LENGTH = 100
"""Longest id: an id names a file, and a path must stay short enough for every file system."""

RESERVED_IDS = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)),
                          *(f"lpt{n}" for n in range(1, 10))})
"""Names Windows reserves for devices, whatever the extension: ``con.yaml`` cannot be checked out there."""

_INVISIBLE = ("\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f"
              "\\ufeff\\ufff9-\\ufffb")
"""Characters that show as nothing, or reorder what follows (soft hyphen, zero-width spaces and
joiners, directional marks, embeddings, overrides and isolates, word joiner, BOM): in a record they
only hide a difference between two spellings, or disguise text."""

LINE_FORBIDDEN = f"[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029{_INVISIBLE}]"
"""Characters a one-line field may not hold: control characters (tab and line breaks included),
the Unicode line and paragraph separators, and the invisible ones. A regular expression valid in
Python and in JSON Schema alike (one class of ``\\uXXXX`` ranges)."""

TEXT_FORBIDDEN = f"[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u2028\\u2029{_INVISIBLE}]"
"""Characters free text may not hold: the same, except tab and newline."""

NO_NEWLINE = {"pattern": "\n"}
"""Under ``not``, beside an anchored pattern: JSON Schema's ``$`` is the end of the text, but a
validator that uses Python's ``re`` lets one trailing newline through it."""

_SLUG = re.compile(SLUG_PATTERN)
_LINE_BREAK = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")  # what str.splitlines splits at
_LINE_FORBIDDEN = re.compile(LINE_FORBIDDEN)
_TEXT_FORBIDDEN = re.compile(TEXT_FORBIDDEN)


def _refuse_character(found: re.Match[str] | None) -> None:
    if found:
        char = found.group()
        name = unicodedata.name(char, "")
        what = f"the invisible character U+{ord(char):04X} {name}" if name else f"the control character U+{ord(char):04X}"
        raise PydanticCustomError("invisible_character", f"holds {what}: remove it")


def _one_line(value: str) -> str:
    if not value.isprintable():  # the usual line has nothing unprintable: one pass, no search
        if _LINE_BREAK.search(value):
            raise PydanticCustomError("one_line", "must be a single line (no line breaks)")
        _refuse_character(_LINE_FORBIDDEN.search(value))
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty or blank")
    if value != value.strip():
        raise PydanticCustomError("padded", "must not start or end with spaces")
    return value


def _not_blank(value: str) -> str:
    if not value.isprintable() and not value.replace("\n", "").replace("\t", "").isprintable():
        _refuse_character(_TEXT_FORBIDDEN.search(value))
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty or blank")
    return value


def _partial_date(value: str) -> str:
    problem = date_problem(value)
    if problem:
        raise PydanticCustomError("partial_date", problem)
    return value


def _slug(value: str) -> str:
    shown = value if len(value) <= 40 else value[:37] + "..."
    if not _SLUG.fullmatch(value):  # fullmatch: ``$`` alone would let a trailing newline through
        raise PydanticCustomError(
            "slug", f"invalid id {shown!r}: use lowercase letters, digits and single hyphens, e.g. 'li-kenong'"
        )
    if len(value) > MAX_ID_LENGTH:
        raise PydanticCustomError(
            "slug", f"invalid id {shown!r}: {len(value)} characters, at most {MAX_ID_LENGTH} (an id names a file)"
        )
    if value in RESERVED_IDS:
        raise PydanticCustomError(
            "slug", f"invalid id {value!r}: Windows reserves this name for a device, so {value}.yaml could "
            "not be checked out there; choose another"
        )
    return value


Line = Annotated[
    str,
    AfterValidator(_one_line),
    WithJsonSchema(
        {"type": "string", "pattern": "^\\S(.*\\S)?$", "not": {"pattern": LINE_FORBIDDEN}}
    ),
    TypeName("text (one line)"),
]
"""One line of text, as written, without surrounding spaces or control or invisible characters."""

Text = Annotated[
    str,
    AfterValidator(_not_blank),
    WithJsonSchema({"type": "string", "pattern": "\\S", "not": {"pattern": TEXT_FORBIDDEN}}),
    TypeName("text"),
]
"""Free text, possibly several paragraphs, not blank, without control or invisible characters
(tab and newline aside)."""

PartialDate = Annotated[
    str,
    AfterValidator(_partial_date),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PARTIAL_DATE_PATTERN,
            "not": NO_NEWLINE,
            "examples": ["1951", "1951-08", "1951-08-13", "1951-08-13T17:20"],
        }
    ),
    Partial(),
    TypeName("partial date"),
]
"""A date as precise as the source: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM (local clock)."""


CUSTOM_ERRORS = frozenset(
    {"one_line", "invisible_character", "blank", "padded", "partial_date", "slug", "duplicate_item",
     "guessed_point", "coordinates", "basis", "wikidata"}
)
"""Error types raised by this module's validators: their messages are complete as they stand."""


_ID_SCHEMA = WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN, "maxLength": MAX_ID_LENGTH,
                             "not": {"anyOf": [{"enum": sorted(RESERVED_IDS)}, NO_NEWLINE]}})

Id = Annotated[str, AfterValidator(_slug), _ID_SCHEMA, TypeName("id")]
"""An identifier; the kinds below are references to a record of that kind (checked by the rules)."""
PersonId = Annotated[Id, Ref("person")]
PlaceId = Annotated[Id, Ref("place")]
TopicId = Annotated[Id, Ref("topic")]
EventId = Annotated[Id, Ref("event")]
DocumentId = Annotated[Id, Ref("document")]
OrganisationId = Annotated[Id, Ref("organisation")]

T = TypeVar("T")


def _unique(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise PydanticCustomError("duplicate_item", f"{value!r} is listed twice (item {index})")
        seen.add(value)
    return values


UniqueList = Annotated[list[T], Field(min_length=0, json_schema_extra={"uniqueItems": True}), AfterValidator(_unique)]
"""A list whose items may not repeat (``uniqueItems`` in JSON Schema)."""

NonEmptyUniqueList = Annotated[list[T], Field(min_length=1, json_schema_extra={"uniqueItems": True}),
                               AfterValidator(_unique)]
"""A list of at least one item, none repeated."""


# --------------------------------------------------------------------------------------------
# Controlled vocabularies
# --------------------------------------------------------------------------------------------


class Vocabulary(StrEnum):
    """A closed list of values, each with the meaning a curator and a reader need.

    Members are declared as ``NAME = "value", "meaning"``. Validation accepts the value string
    (enums are the one place where strictness is relaxed, so that YAML strings match them).
    """

    meaning: str

    def __new__(cls, value: str, meaning: str = "") -> Vocabulary:
        member = str.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        result = handler(schema)
        result = handler.resolve_ref_schema(result)
        lines = [f"- `{member.value}`: {member.meaning}" for member in cls]
        result["description"] = (cls.__doc__ or "").strip() + "\n\n" + "\n".join(lines)
        return result


V = TypeVar("V", bound=Vocabulary)

Closed = Annotated[V, Strict(False)]
"""A value of a closed vocabulary, given as its string (enums are the one place where strictness is relaxed)."""


class DocumentKind(Vocabulary):
    """What the document is, as its header names it."""

    CIPHERED_TELEGRAM = "ciphered-telegram", "A telegram sent in cipher and deciphered on receipt (header 'CIPHERED TELEGRAM')."
    CABLE = "cable", "A telegram the header calls a 'CABLE'."
    TELEGRAM = "telegram", "A telegram the header calls neither ciphered telegram nor cable."


class Side(Vocabulary):
    """The party a person acted for in 1951."""

    PRC = "prc", "The People's Republic of China, its government and the Chinese People's Volunteers."
    DPRK = "dprk", "The Democratic People's Republic of Korea and the Korean People's Army."
    USSR = "ussr", "The Soviet Union, its leadership and the General Staff's cipher service."
    UN_COMMAND = "un-command", "The United Nations Command and its armistice delegation."
    ROK = "rok", "The Republic of Korea (South Korea)."


class Party(Vocabulary):
    """A side at the armistice conference."""

    KOREAN_CHINESE = "korean-chinese", "The Korean People's Army and Chinese People's Volunteers delegation ('our side' in the telegrams)."
    UN_COMMAND = "un-command", "The United Nations Command delegation ('the enemy', 'the American representatives')."


class Repository(Vocabulary):
    """Archives holding the Russian originals, by the abbreviation the citation uses."""

    APRF = "APRF", "Archive of the President of the Russian Federation."
    RGASPI = "RGASPI", "Russian State Archive of Socio-Political History."
    AVP_RF = "AVP RF", "Archive of Foreign Policy of the Russian Federation."
    TSAMO = "TsAMO", "Central Archive of the Ministry of Defence of the Russian Federation."


class HandlingAction(Vocabulary):
    """What the receiving cipher office did with the telegram, by the words of its notes."""

    DECIPHERED = "deciphered", "'Deciphered by ...': who turned the cipher back into text, and when."
    PRINTED = "printed", "'Printed by ...': who typed the deciphered copies, and when."
    VERIFIED = "verified", "'Verified: ...': the officer who checked the copy."
    COPIES_PRINTED = "copies-printed", "'... copies printed': how many copies were made."
    FILED = "filed", "'... filed': which copies went to the file."


class NumberPlacement(Vocabulary):
    """Where an unlabelled registration number stands on the page (its meaning is not stated)."""

    AFTER_SIGNATURE = "after-signature", "Beside the sender's signature at the end of the telegram."
    BEFORE_SIGNATURE = "before-signature", "Between the quoted text and the sender's signature."
    HANDLING_NOTES = "handling-notes", "Among the cipher office's handling notes at the foot of the page."


class CorrectionKind(Vocabulary):
    """Why the transcription needed a repair."""

    TRANSCRIPTION_SLIP = "transcription-slip", "A character misread when the page was transcribed (e.g. 'Nam II' for 'Nam Il')."
    MARKUP = "markup", "Typesetting or web markup left in the text (e.g. '38<sup>th</sup>', 'N^{o}', '## ')."
    PAGE_BREAK = "page-break", "A paragraph split in two where the printed page broke."


class PlaceKind(Vocabulary):
    """What sort of place it is."""

    CITY = "city", "A city or town."
    VILLAGE = "village", "A village or hamlet."
    COUNTRY = "country", "A state or country."
    REGION = "region", "A peninsula, province or other area without one point."
    LINE = "line", "A line on the map, such as a parallel of latitude; it has no single point."


class Identification(Vocabulary):
    """How sure the identification of a name with a real person, place or organisation is (its basis says on what it rests)."""

    CERTAIN = "certain", "The name identifies the person, place or organisation beyond reasonable doubt."
    PROBABLE = "probable", "The likeliest reading, on the reason its basis gives; another remains possible."
    UNCERTAIN = "uncertain", "The source's name (often a bracketed transliteration) is not identified with certainty; nothing is guessed."


class OrganisationKind(Vocabulary):
    """What sort of body an organisation is."""

    MILITARY = "military", "An army, a headquarters, a staff or another military body."
    DELEGATION = "delegation", "A delegation to the conference."
    GOVERNMENT = "government", "A government or ministry, or an office of one."
    PARTY = "party", "A party or an organ of one (a central committee and its offices)."
    INTELLIGENCE = "intelligence", "A secret or intelligence service."
    INTERNATIONAL = "international", "An international organisation."
    OTHER = "other", "None of these, or not clear from the sources."


class InsertionKind(Vocabulary):
    """What an editorial insertion in square brackets does (the translator's or the archive's words, not the document's)."""

    IDENTIFICATION = "identification", "Names who or where the document means ('FILIPPOV [Stalin]', 'from [BEIJING]')."
    GLOSS = "gloss", "Gives the usual form of a name the text spells otherwise ('Gaeseong [Kaesong]')."
    TRANSLITERATION = "transliteration", "A name the translator could only transliterate ('[Hamonten]', '[Kindzyo]')."
    SUPPLIED = "supplied", "Words the translator supplies for sense ('[sense of]', '[your]')."
    DESCRIPTION = "description", "Describes what is on the page rather than its words ('[signature]')."
    OMISSION = "omission", "Marks words left out of the published text ('[...]')."


class Basis(Vocabulary):
    """On what an assertion rests: the document's words, the archive's editors, or the project's curators."""

    DOCUMENT = "document", "The document itself states it: `words` quotes it from that document's text, where the validator finds it."
    ARCHIVE = "archive", "The archive's editors add it: a bracketed insertion in the text ('[Stalin]'), or the page's title, summary or citation; `words` quotes it from there."
    CURATORS = "curators", "The project's curators add it from outside knowledge: `reason` says why (and `reference` where, when a standard reference work or authority record gives it)."


class DateBasis(Vocabulary):
    """How an event's date is known."""

    STATED = "stated", "A reporting document states the date (the year may be the document's own); `date_words` quotes it."
    INFERRED = "inferred", "Worked out from the reporting document's date and its words ('at today's meeting', 'for the last several days'), or from the order of its narrative; `date_words` quotes what it rests on."


class ProposalStatus(Vocabulary):
    """What a proposal or plan was when the document speaks of it: never a happening."""

    PROPOSED = "proposed", "Put to the other side, or to the addressee, as the document says ('proposed', 'offered')."
    SUGGESTED = "suggested", "Put forward for decision by the writer or another ('suggests', 'we think that it is better')."
    DEMANDED = "demanded", "Insisted on or required ('insists on', 'demanded')."
    INTENDED = "intended", "Meant to be done or put forward later ('we intend to offer')."
    PLANNED = "planned", "Decided as a course of action, conditionally or not ('if the enemy ..., we will ...')."


class PageItem(Vocabulary):
    """A value the archive's page gives, which the record copies; named in ``source.not_on_page`` when the page lacks it."""

    TITLE = "title", "The title, in the page's heading or under 'Title'."
    DATE = "date", "The document's date as the page writes it ('August 13, 1951')."
    CITATION = "citation", "The archive's citation, under 'Citation'."
    SUMMARY = "summary", "The archive's summary, under 'Summary'."
    CREDITS = "credits", "The credits line, under 'Credits'."
    UPLOADED = "uploaded", "The date the archive uploaded the document, under 'Original Uploaded Date'."
    ORIGINAL_LANGUAGE = "original_language", "The original's language, under 'Original Language' or 'Language'."
    RECORD_ID = "record_id", "The archive's record number, under 'Record ID' or at the end of the page's address."
    ADDRESS = "address", "The page's own address, at the end of the citation."
    OBTAINED_BY = "obtained_by", "Who obtained the document, after 'Obtained by' in the citation or 'Source'."
    TRANSLATED_BY = "translated_by", "The translator, after 'Translated by' in the citation or 'Source'."
    ARCHIVAL_REFERENCES = "archival_references", "The archival references listed in the citation or under 'Source'."


class ArchiveName(Vocabulary):
    """The archive that publishes the translation."""

    WILSON_CENTER = "Wilson Center Digital Archive", "The Wilson Center Digital Archive (History and Public Policy Program), digitalarchive.wilsoncenter.org."


class Direction(Vocabulary):
    """Which way the copy went through the cipher office whose form it is."""

    INCOMING = "incoming", "Received from the sender's cipher office and deciphered here (the usual copy: 'From BEIJING ... Received')."
    OUTGOING = "outgoing", "A copy of a telegram this office sent on ('COPY OF AN OUTGOING TELEGRAM'): it received the text, then sent it."


class MarkingKind(Vocabulary):
    """A marking the header carries, by its words."""

    TOP_PRIORITY = "top-priority", "'TOP PRIORITY': to be sent and delivered before anything else."
    URGENT = "urgent", "'URGENT'."
    SPECIAL = "special", "'SPECIAL': a telegram of the special (leadership) series."
    TOP_SECRET = "top-secret", "'TOP SECRET'."
    SECRET = "secret", "'SECRET'."
    COPY_OF_OUTGOING_TELEGRAM = "copy-of-outgoing-telegram", "'COPY OF AN OUTGOING TELEGRAM': the copy of a telegram the office sent (see direction)."


class Clock(Vocabulary):
    """The time zone a page states for a time ('19:55 Moscow time')."""

    MOSCOW = "moscow", "'Moscow time'."
    BEIJING = "beijing", "'Beijing time'."


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


class Base(BaseModel):
    """Shared configuration: unknown keys are errors, no coercion, descriptions from docstrings."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        use_attribute_docstrings=True,
        # each model's validator is built when first used, not at import: a record kind's validator
        # holds its parts', so the parts' own are never built unless used alone (a faster start)
        defer_build=True,
    )  # pydantic's default regex engine: its ``$`` is the end of the text, as in JSON Schema


class Timed(Base):
    """A moment the source states, with the words it states it in."""

    at: PartialDate
    """The moment as a partial date, local clock time of the place where it was noted."""
    as_written: Annotated[Line, Verbatim()]
    """The words and figures of the source, verbatim (e.g. 'Received 17:20 13.8.1951')."""
    clock: Closed[Clock] | None = None
    """The time zone the page states for this time ('Moscow time'); none when it states none (then the local clock of the place where it was noted)."""


class Origin(Base):
    """Where the telegram was sent from, as the header says."""

    place: PlaceId
    """The place of origin (a place id)."""
    as_written: Annotated[Line, Verbatim()]
    """The header line verbatim, editorial brackets included (e.g. 'from [BEIJING]')."""
    basis: Closed[Basis]
    """Whose words name the place: the document's ('From BEIJING'), or the archive's editors' ('from [BEIJING]': the bracket is theirs)."""
    time: PartialDate | None = None
    """A time printed beside the place of origin without a label; the source does not say whether it is when the telegram was sent or received."""


class Intermediary(Base):
    """Someone between the sender and the addressee, through whom the telegram passed ('via Terebin')."""

    person: PersonId
    """The intermediary (a person id)."""
    as_written: Annotated[Line, Verbatim()]
    """The words naming them, verbatim (e.g. 'To KRASOVSKY. Transmit the following answer to MAO ZEDONG')."""


class Destination(Base):
    """Where the telegram was sent to, as the header says."""

    place: PlaceId
    """The place of destination (a place id)."""
    as_written: Annotated[Line, Verbatim()]
    """The header's words verbatim, editorial brackets included (e.g. 'BEIJING--', 'BEIPING [SIC]')."""


class Marking(Base):
    """A marking of the header ('TOP SECRET'), from a closed vocabulary, with its words."""

    kind: Closed[MarkingKind]
    """What the marking is."""
    as_written: Annotated[Line, Verbatim()]
    """The marking verbatim (e.g. 'TOP PRIORITY')."""


class Copy(Base):
    """One entry of the distribution list: who received a copy."""

    person: PersonId
    """The person the copy went to."""
    copies: int | None = Field(default=None, ge=1)
    """How many copies, when the list gives a count ('Stalin (2)')."""
    copy_number: Line | None = None
    """The copy's serial number, when the list gives one ('Copy N° 1 to Cde. Stalin' gives '1')."""


class StampNumber(Base):
    """A number inside a stamp."""

    number: Line
    """The number verbatim (e.g. '532/2343/shs')."""
    label: Line | None = None
    """The label printed before it, verbatim, if any (e.g. 'Incoming N°')."""


class Stamp(Base):
    """A stamp on the received copy, e.g. 'SUBJECT TO RETURN to the IV Unit OS VKP(b) CC'."""

    as_written: Annotated[Text, Verbatim()]
    """The stamp's text verbatim, without the editorial '[Stamp: ...]' brackets."""
    instruction: Line
    """The instruction the stamp gives (e.g. 'SUBJECT TO RETURN')."""
    unit: Line | None = None
    """The office named in the stamp (e.g. 'IV Unit OS VKP(b) CC')."""
    numbers: list[StampNumber] = []
    """Registration numbers inside the stamp, in order."""
    date: PartialDate | None = None
    """The date in the stamp."""


class RegistrationNumber(Base):
    """An unlabelled number on the page; named by where it stands, since the source does not say what it is."""

    number: Line
    """The number verbatim, without the numero sign (e.g. '4061')."""
    placement: Closed[NumberPlacement]
    """Where on the page the number stands."""
    date: PartialDate | None = None
    """A date written with the number, if any."""
    as_written: Annotated[Line, Verbatim()]
    """The number and its date as written (e.g. 'No. 4061 13.8.51')."""


class HandlingNote(Base):
    """One note of the receiving cipher office ('Deciphered by Vaganov 1850 11 July')."""

    action: Closed[HandlingAction]
    """What was done."""
    by: PersonId | None = None
    """Who did it, when named."""
    rank: Line | None = None
    """Rank or post written with the name (e.g. 'MAJOR', 'Section Chief Colonel')."""
    at: PartialDate | None = None
    """When, if the note gives a time; the year is that of the document."""
    copies: int | None = Field(default=None, ge=1)
    """For 'copies-printed': how many copies."""
    copy_numbers: Line | None = None
    """For 'filed': which copies, as written (e.g. '3 and 4', '3-11')."""
    as_written: Annotated[Line, Verbatim()]
    """The note verbatim."""


class Reference(Base):
    """An earlier telegram a message, or the document itself, refers to ('your telegram of 11 August 7:00')."""

    description: Line
    """What it was, in plain words."""
    sender: PersonId | None = None
    """Who sent it, when the text makes it clear."""
    recipients: UniqueList[PersonId] = []
    """To whom, when the text makes it clear."""
    date: PartialDate | None = None
    """Its date as given, no more precise than the text."""
    as_written: Annotated[Line, Verbatim("message")]
    """The words of the text that refer to it, verbatim (in the message's text; for the document's own references, in the document's)."""


class AgendaItem(Base):
    """One numbered point of a proposed agenda."""

    number: int = Field(ge=1)
    """The point's number as given."""
    text: Annotated[Text, Verbatim("message")]
    """The point verbatim."""


class Agenda(Base):
    """An agenda quoted in a message, as a numbered list: proposed, or only intended."""

    proposed_by: Closed[Party]
    """The delegation whose agenda it is ('our side' read as the Korean-Chinese delegation, 'the American representatives' as the UN Command's)."""
    status: Closed[ProposalStatus]
    """Whether it was put to the conference ('proposed') or only meant to be ('intended': 'we intend to offer the following agenda')."""
    items: list[AgendaItem] = Field(min_length=1)
    """The points in order."""


class Message(Base):
    """A telegram quoted inside the document; the document's own text keeps it too."""

    id: Id
    """Identifier within the document (e.g. 'm1'), in order of appearance."""
    title: Line | None = None
    """What the message calls itself (e.g. 'brief report N° 1'), verbatim."""
    sender: PersonId
    """Who sent it (whose signature it bears)."""
    co_authors: UniqueList[PersonId] = []
    """Others the message names as writing it with the sender ('We (Li Kenong, Deng Hua, Xie Fang and Qiao Guanua) suggest')."""
    co_authors_as_written: Annotated[Line, Verbatim("message")] | None = None
    """The words that name the co-authors, verbatim from the message."""
    recipients: NonEmptyUniqueList[PersonId]
    """To whom it is addressed."""
    addressed_as: Annotated[Line, Verbatim()] | None = None
    """The address line verbatim (e.g. 'To Comrade Mao Zedong.')."""
    copies_to: UniqueList[PersonId] = []
    """Who received copies ('Copies to Cdes. Kim Il Sung and Peng Dehuai')."""
    sent: Timed | None = None
    """When it was sent, from the time in its signature line."""
    received: Timed | None = None
    """When the forwarding sender says it was received, where the words say so unambiguously; a time that may name the telegram by its signature instead is left out and explained in the document's notes."""
    refers_to: list[Reference] = []
    """Earlier telegrams it mentions (proposals and drafts are not telegrams: record them among the document's proposals)."""
    agenda: Agenda | None = None
    """A proposed agenda it sets out, item by item."""
    text: Annotated[Text, Verbatim()]
    """The message verbatim (after the document's recorded repairs), without the enclosing quotation marks."""


class ArchivalReference(Base):
    """Where the Russian original is held, as the archive's citation gives it."""

    repository: Closed[Repository]
    """The holding archive."""
    fond: Line | None = None
    """Fond (collection), as given; may contain letters ('059a')."""
    opis: Line | None = None
    """Opis (inventory), as given."""
    delo: Line | None = None
    """Delo (file), as given."""
    papka: Line | None = None
    """Papka (folder), as given."""
    listy: Line | None = None
    """Listy (sheets), as given (e.g. '56-58', '0001-0002')."""
    as_written: Annotated[Line, Verbatim("page")]
    """The reference verbatim from the citation (e.g. 'APRF, f. 45, op. 1, d. 341, ll. 56-58')."""


class Transcription(Base):
    """The copy of the archive's page this record was curated from, kept in ``sources/``."""

    file: Annotated[
        str,
        WithJsonSchema({"type": "string", "pattern": "^sources/[A-Za-z0-9._-]+\\.txt$"}),
        Field(pattern="^sources/[A-Za-z0-9._-]+\\.txt$"),
    ]
    """Path of the source text, relative to the repository root."""
    sha256: Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
    """SHA-256 of that file, so a changed source is noticed."""
    text_starts_after: Line
    """The page's line after which the document's own text begins (e.g. 'Translation - English'; in the current layout, the line before the telegram)."""
    text_ends_before: Line | None = None
    """The page's line before which the document's text ends, when page matter follows it (e.g. '### Summary' in the current layout); none: the text runs to the end of the page."""


class Source(Base):
    """The archive's description of the document, verbatim where it is text."""

    archive: Closed[ArchiveName]
    """The publishing archive."""
    record_id: int | None = Field(default=None, ge=1)
    """The archive's record number, when the page gives one ('Record ID', or the number ending its address)."""
    url: Annotated[str, Uri(), Field(pattern="^https://digitalarchive\\.wilsoncenter\\.org/document/(?:[0-9]+|[a-z0-9]+(?:-[a-z0-9]+)*)$")]
    """The canonical address: https://digitalarchive.wilsoncenter.org/document/<record_id>, or the archive's named address (…/document/ciphered-telegram-…) when the page gives no record id."""
    retrieved_from: Annotated[str, Field(pattern="^https?://[^\\s]+$")]
    """The address the transcription was taken from (often a mirror), as given."""
    citation: Text | None = None
    """The archive's citation string exactly as given (without the trailing address, kept in retrieved_from)."""
    summary: Text | None = None
    """The archive's summary, verbatim."""
    credits: Line | None = None
    """The archive's credits line, verbatim."""
    obtained_by: Line | None = None
    """Who obtained the document, from 'Obtained by ...'."""
    translated_by: Line | None = None
    """The translator, from 'Translated by ...'."""
    original_language: Annotated[str, Field(pattern="^[a-z]{2,3}$")] | None = None
    """ISO 639 code of the original ('ru' for 'Original Language: Russian')."""
    translation_language: Annotated[str, Field(pattern="^[a-z]{2,3}$")]
    """ISO 639 code of the translation this record holds ('en')."""
    uploaded: PartialDate | None = None
    """The date the archive uploaded the document ('Original Uploaded Date'), as a date."""
    transcription: Transcription
    """The page kept in the repository, which the record's text and page values are compared with."""
    not_on_page: UniqueList[Closed[PageItem]] = []
    """The values the page does not give: stated, so that an omission is visible and checked."""


class EditorialInsertion(Base):
    """A bracketed insertion of the translator or the archive in the text: their words, not the document's."""

    as_written: Annotated[Line, Verbatim()]
    """The insertion verbatim, brackets included ('[Stalin]')."""
    kind: Closed[InsertionKind]
    """What it does."""


class Proposal(Base):
    """A proposal, plan or intention the document records: who put forward what, in which message. Not an event."""

    id: Id
    """Identifier within the document ('p1', 'p2' ...)."""
    what: Line
    """What is proposed, briefly, in the document's terms (the curators' summary)."""
    status: Closed[ProposalStatus]
    """What it was when the document speaks of it."""
    proposed_by: UniqueList[PersonId] = []
    """The people who put it forward, where the document names them (a side such as 'the enemy' stays in as_written)."""
    message: Line | None = None
    """The id of the quoted message that records it; none for the covering telegram's own text."""
    as_written: Annotated[Text, Verbatim()]
    """The words that record it, verbatim from the document's text."""


class Attestation(Base):
    """The basis of one assertion about a person, place or organisation: whose words it rests on."""

    basis: Closed[Basis]
    """Who says so: the document, the archive's editors or the curators."""
    document: DocumentId | None = None
    """The document whose words (or whose page's editorial matter) state it; required unless the basis is the curators'."""
    words: Line | None = None
    """The words that state it, verbatim from that document's text (or its page's title, summary or citation, for the archive); required unless the basis is the curators'."""
    reason: Line | None = None
    """Why the curators assert it; required when the basis is the curators'."""
    reference: Line | None = None
    """A standard reference work or authority record that gives it, where one exists."""

    @model_validator(mode="after")
    def _complete(self) -> Attestation:
        if self.basis is Basis.CURATORS:
            if self.reason is None:
                raise PydanticCustomError("basis", "the curators' basis needs a reason: say why")
        elif self.document is None or self.words is None:
            raise PydanticCustomError("basis", f"a basis in the {self.basis.value}'s words needs the document and the words")
        return self

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {"if": {"properties": {"basis": {"const": "curators"}}}, "then": {"required": ["reason"]},
                 "else": {"required": ["document", "words"]}},
            ]
        }
    )


class Role(Base):
    """A post or function a document gives a person, in its own words."""

    role: Line
    """The role as the source words it (e.g. 'head of the delegation of the UN forces headquarters')."""
    document: DocumentId
    """The document that states it."""
    words: Line
    """The words that state it, verbatim from that document's text."""


WIKIDATA_PATTERN = "^Q[1-9][0-9]*$"
"""A Wikidata item id ('Q' and a number)."""

def _wikidata(value: str) -> str:
    if not re.fullmatch(WIKIDATA_PATTERN[1:-1], value):
        raise PydanticCustomError("wikidata", f"{value!r} is not a Wikidata id: write Q and the item's number, e.g. 'Q42'")
    return value


Wikidata = Annotated[str, AfterValidator(_wikidata), WithJsonSchema({"type": "string", "pattern": WIKIDATA_PATTERN})]


class Correction(Base):
    """A repair of the transcription: what stood, what stands now, and why."""

    original: Text
    """What the source text has, verbatim."""
    corrected: Text
    """What the record's text has instead. A removal keeps some context on both sides, so this is never empty."""
    kind: Closed[CorrectionKind]
    """The sort of repair."""
    reason: Line
    """Why this is a slip of the transcription and not of the document."""
    count: int = Field(default=1, ge=1)
    """How many times the original occurs in the source text and was repaired."""


# --------------------------------------------------------------------------------------------
# Record kinds
# --------------------------------------------------------------------------------------------


class Record(Base):
    """A record: one YAML file in the folder of its kind, named after its id.

    Each kind says here, once, what every other part of the package calls it: ``record_kind`` is
    its name in messages, tombstones and ``armistice new``; ``folder`` is the folder of its files
    under ``records/`` and the name of its published table; ``called`` opens the meaning of its
    :class:`RecordKind` value.
    """

    folder: ClassVar[str]
    record_kind: ClassVar[str]
    called: ClassVar[str]
    id: Id
    """Identifier: lowercase slug, equal to the file name without '.yaml', stable forever."""


class Person(Record):
    """A person the documents name."""

    named: ClassVar[bool] = True

    folder: ClassVar[str] = "people"
    record_kind: ClassVar[str] = "person"
    called: ClassVar[str] = "A person"

    name: Line
    """Canonical name in modern standard romanisation (Pinyin for Chinese, McCune-Reischauer-style for Korean names as the sources write them)."""
    spellings: NonEmptyUniqueList[Line]
    """Every spelling the records' texts use for the person (matched case-insensitively, whole words)."""
    code_names: UniqueList[Line] = []
    """Code names the person is addressed by ('Filippov' for Stalin)."""
    identification: Closed[Identification]
    """How sure the identification of the recorded spellings with this person (and the canonical name) is; never assumed."""
    identified_by: list[Attestation] = Field(min_length=1)
    """What the identification rests on: the documents' words, the archive's insertions, the curators' knowledge (a first name the sources do not give is the curators')."""
    side: Closed[Side] | None = None
    """The party the person acted for."""
    side_basis: list[Attestation] = []
    """What the side rests on; required with a side (the validator says so at the side)."""
    roles: list[Role] = []
    """Posts or functions the documents state, each with the document and its words."""
    wikidata: Wikidata | None = None
    """The Wikidata item, only when checked in a source the curators can cite; never guessed."""
    note: Text | None = None
    """Curator's note: what is known from the sources and what is not."""


class Place(Record):
    """A place the documents name."""

    named: ClassVar[bool] = True

    folder: ClassVar[str] = "places"
    record_kind: ClassVar[str] = "place"
    called: ClassVar[str] = "A place"

    name: Line
    """Canonical name in modern romanisation."""
    spellings: NonEmptyUniqueList[Line]
    """Every spelling the records' texts use (matched case-insensitively, whole words)."""
    kind: Closed[PlaceKind] | None = None
    """What sort of place it is; left out when the sources do not make it clear."""
    identification: Closed[Identification]
    """How sure the identification is; never assumed. An uncertain place has no coordinates."""
    identified_by: list[Attestation] = Field(min_length=1)
    """What the identification rests on: the documents' words, the archive's insertions, the curators' knowledge."""
    latitude: float | None = Field(default=None, ge=-90, le=90, validate_default=True)
    """WGS 84 latitude in decimal degrees, for places that have one point (the curators' placing of the identified place, not a statement of the documents)."""
    longitude: float | None = Field(default=None, ge=-180, le=180, validate_default=True)
    """WGS 84 longitude in decimal degrees, given together with the latitude."""
    wikidata: Wikidata | None = None
    """The Wikidata item, only when checked in a source the curators can cite; never guessed."""
    note: Text | None = None
    """Curator's note."""

    @field_validator("latitude")
    @classmethod
    def _no_guessed_point(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and info.data.get("identification") == Identification.UNCERTAIN:
            raise PydanticCustomError("guessed_point", "an uncertain identification has no coordinates: do not guess")
        return value

    @field_validator("longitude")
    @classmethod
    def _both_or_neither(cls, value: float | None, info: ValidationInfo) -> float | None:
        if "latitude" in info.data and (value is None) != (info.data["latitude"] is None):
            raise PydanticCustomError("coordinates", "give both latitude and longitude, or neither")
        return value

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {"if": {"required": ["latitude"], "properties": {"latitude": {"type": "number"}}},
                 "then": {"required": ["longitude"], "properties": {"longitude": {"type": "number"}}}},
                {"if": {"required": ["longitude"], "properties": {"longitude": {"type": "number"}}},
                 "then": {"required": ["latitude"], "properties": {"latitude": {"type": "number"}}}},
                {"if": {"required": ["identification"], "properties": {"identification": {"const": "uncertain"}}},
                 "then": {"properties": {"latitude": {"type": "null"}, "longitude": {"type": "null"}}}},
            ]
        }
    )


class Organisation(Record):
    """An organisation the documents name: a headquarters, a delegation, a committee, a service."""

    folder: ClassVar[str] = "organisations"
    record_kind: ClassVar[str] = "organisation"
    called: ClassVar[str] = "An organisation"
    named: ClassVar[bool] = True

    name: Line
    """The name the project uses (in the sources' terms where they name it plainly)."""
    spellings: NonEmptyUniqueList[Line]
    """Every spelling the records' texts use for it (matched case-insensitively, whole words)."""
    kind: Closed[OrganisationKind] | None = None
    """What sort of body it is; left out when the sources do not make it clear."""
    identification: Closed[Identification]
    """How sure the identification of the spellings with one body is; never assumed."""
    identified_by: list[Attestation] = Field(min_length=1)
    """What the identification rests on: the documents' words, the archive's insertions, the curators' knowledge."""
    wikidata: Wikidata | None = None
    """The Wikidata item, only when checked in a source the curators can cite; never guessed."""
    note: Text | None = None
    """Curator's note."""


class Topic(Record):
    """A term of the controlled vocabulary of subjects."""

    folder: ClassVar[str] = "topics"
    record_kind: ClassVar[str] = "topic"
    called: ClassVar[str] = "A topic of the controlled vocabulary"

    name: Line
    """The topic's name."""
    description: Text
    """What the topic covers, so two curators file the same passage the same way."""


class Event(Record):
    """A dated event the documents report."""

    folder: ClassVar[str] = "events"
    record_kind: ClassVar[str] = "event"
    called: ClassVar[str] = "An event"

    title: Line
    """A short title."""
    date: PartialDate
    """When it happened, no more precise than the sources say."""
    date_basis: Closed[DateBasis]
    """How the date is known: stated by a reporting document, or inferred from it."""
    date_words: Line | None = None
    """The words of a reporting document that the date rests on, verbatim (checked to occur in a document that reports the event)."""
    description: Text
    """What happened, in the sources' terms."""
    places: UniqueList[PlaceId] = []
    """Where it happened."""
    people: UniqueList[PersonId] = []
    """Who took part, where the sources say."""
    organisations: UniqueList[OrganisationId] = []
    """Organisations that took part, where the sources say."""


class Document(Record):
    """One archival document: a telegram as the archive publishes it."""

    folder: ClassVar[str] = "documents"
    record_kind: ClassVar[str] = "document"
    called: ClassVar[str] = "A document"

    title: Line
    """The title exactly as the archive gives it."""
    date: PartialDate
    """The document's date as the archive gives it."""
    kind: Closed[DocumentKind]
    """What the document is."""
    number: Line | None = None
    """The telegram's number from its header (e.g. '22834')."""
    issuer: Annotated[Line, Verbatim()] | None = None
    """The office named at the head of the page, verbatim (e.g. 'SECOND MAIN ADMINISTRATION OF THE GENERAL STAFF OF THE SOVIET ARMY')."""
    series: Line | None = None
    """The series marking, verbatim after the word 'Series' (e.g. '"G" T')."""
    copy_number: Line | None = None
    """The number of this copy, from 'Copy N° 2' at the head of the page."""
    sender: PersonId
    """Who sent the document."""
    signature: Annotated[Line, Verbatim()] | None = None
    """The signature line verbatim (e.g. 'MAO ZEDONG')."""
    recipients: NonEmptyUniqueList[PersonId]
    """To whom it is addressed."""
    addressed_as: Annotated[Line, Verbatim()] | None = None
    """The name the address line uses, verbatim (e.g. 'FILIPPOV', Stalin's code name)."""
    address: Annotated[Line, Verbatim()] | None = None
    """The address line verbatim, editorial insertions included ('TO FILIPPOV [Stalin]': the bracket is the editors')."""
    salutation: Annotated[Line, Verbatim()] | None = None
    """The salutation verbatim (e.g. 'Comrade FILIPPOV!')."""
    origin: Origin | None = None
    """Where it was sent from."""
    received: Timed | None = None
    """When the cipher office whose copy this is received it: from the sender for an incoming telegram, from its author for sending on when the copy is outgoing (see direction)."""
    direction: Closed[Direction] | None = None
    """Which way the copy went; none when the page does not mark it (read as incoming: received after it was sent)."""
    sent: Timed | None = None
    """When the telegram itself was sent, where the page says (an outgoing copy's 'sent at 02:15')."""
    via: list[Intermediary] = []
    """The intermediaries between the sender and the addressee, in order."""
    destination: Destination | None = None
    """Where it was sent to, where the header says."""
    markings: list[Marking] = []
    """The header's markings, in the order of the page."""
    refers_to: list[Reference] = []
    """Other telegrams the document itself refers to ('In addition to my No. 2390'); their words are found in the document's text."""
    distribution: list[Copy] = []
    """Who received copies, in the order of the list."""
    distribution_as_written: Annotated[Text, Verbatim()] | None = None
    """The distribution list verbatim."""
    stamps: list[Stamp] = []
    """Stamps on the copy."""
    numbers: list[RegistrationNumber] = []
    """Unlabelled registration numbers on the page."""
    handling: list[HandlingNote] = []
    """The receiving cipher office's notes, in order."""
    messages: list[Message] = []
    """Telegrams quoted inside the document, in order."""
    archival_references: list[ArchivalReference] = []
    """Where the original is held, one entry per reference the page lists (none only when the page lists none: see source.not_on_page)."""
    source: Source
    """The archive's description of the document."""
    mentioned_people: UniqueList[PersonId] = []
    """People the text names who hold no other role in the document (sender, recipient, copy, message or handling)."""
    mentioned_places: UniqueList[PlaceId] = []
    """Places the text names, other than the origin."""
    mentioned_organisations: UniqueList[OrganisationId] = []
    """Organisations the text names."""
    topics: UniqueList[TopicId] = []
    """Subjects the document deals with, from the controlled vocabulary."""
    events: UniqueList[EventId] = []
    """Dated events the document reports (happenings, never plans: those are proposals)."""
    proposals: list[Proposal] = []
    """Proposals, plans and intentions the document records, in the order of its text."""
    editorial_insertions: list[EditorialInsertion] = []
    """Every bracketed insertion of the translator or the archive in the text, once each (a stamp's '[Stamp: ...]' is described under stamps)."""
    corrections: list[Correction] = []
    """Repairs of the transcription, in the order they are applied to the source text."""
    notes: Text | None = None
    """Curator's notes on the document or its transcription."""
    draft_open: UniqueList[Line] = []
    """What ``armistice draft`` could not decide, one entry per field path (with why): each is an error until the curator decides it and removes the entry."""
    text: Text
    """The full English text, paragraphs separated by blank lines, repairs applied."""



WITHDRAWABLE: tuple[type[Record], ...] = (Document, Person, Place, Organisation, Topic, Event)
"""The kinds a tombstone can withdraw, in the order they are documented and built."""

if TYPE_CHECKING:  # the members come from the record kinds at run time; a type checker sees the class
    class RecordKind(Vocabulary):
        """The kinds of record, by the name used in messages and tombstones."""
else:
    RecordKind = Vocabulary(
        "RecordKind",
        [(model.record_kind.upper(), (model.record_kind, f"{model.called} (records/{model.folder}/)."))
         for model in WITHDRAWABLE],
        module=__name__,
    )
RecordKind.__doc__ = "The kinds of record, by the name used in messages and tombstones."


VERSION_PATTERN = "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$"


class Tombstone(Record):
    """What remains of a withdrawn record: its id is never used again."""

    folder: ClassVar[str] = "tombstones"
    record_kind: ClassVar[str] = "tombstone"
    called: ClassVar[str] = "A withdrawn record"

    kind: Closed[RecordKind]
    """The kind of the withdrawn record."""
    withdrawn_in: Annotated[str, Field(pattern=VERSION_PATTERN)]
    """The release in which the record was withdrawn."""
    reason: Text
    """Why it was withdrawn."""
    replaced_by: Id | None = None
    """The record of the same kind that replaces it, if any."""


RECORD_KINDS: tuple[type[Record], ...] = (*WITHDRAWABLE, Tombstone)
"""Every record kind, in the order they are documented and built."""

KIND_BY_FOLDER: dict[str, type[Record]] = {model.folder: model for model in RECORD_KINDS}
KIND_BY_NAME: dict[str, type[Record]] = {model.record_kind: model for model in RECORD_KINDS}
NAMED_KINDS: tuple[str, ...] = tuple(model.record_kind for model in RECORD_KINDS if getattr(model, "named", False))
"""The kinds whose records the documents name in their words (grounded in the texts by spelling)."""

PLACEHOLDER = "drafted: "
"""How a required value ``armistice draft`` words itself starts (a reference's description, a repair's
reason): :mod:`armistice.rules.drafted` reports it until the curator writes the value in their own
words. Here, with the records' other conventions, so the rule does not import the draft's machinery."""


# --------------------------------------------------------------------------------------------
# Reading the models: one walk over a model's fields, for every consumer
# --------------------------------------------------------------------------------------------


def split_annotation(annotation: Any) -> tuple[Any, list[Any], bool]:
    """A field annotation's base type, its Annotated metadata, and whether None is allowed.

    Looks through ``Annotated`` and ``Optional`` (the first type that is not None), not through
    ``list``: the code that reads the models (rules, tables, dictionary, skeletons) needs both.
    """
    metadata: list[Any] = []
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation, metadata = args[0], metadata + list(args[1:])
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(members) < len(typing.get_args(annotation))
            annotation = members[0]
        else:
            return annotation, metadata, optional


@dataclass(frozen=True)
class FieldSpec:
    """One field of a model, as the code that reads the models needs it.

    The rules' reference and verbatim plans, the tables' columns, the data dictionary and the
    skeletons all read fields through :func:`fields`, so they agree on what a field is.
    """

    name: str
    annotation: Any
    """The full annotation, ``Annotated`` metadata included (what pydantic validates; its JSON Schema)."""
    base: Any
    """The type of the value, or of each item of a list, through ``Annotated`` and ``Optional``."""
    many: bool
    """The field is a list (of ``base``)."""
    optional: bool
    """None is allowed."""
    required: bool
    """The field has no default: a record must give it."""
    default: Any
    """The default, when not required."""
    markers: tuple[Any, ...]
    """The ``Annotated`` metadata of the value (and, for a list, of its items): markers, validators."""
    field_metadata: tuple[Any, ...]
    """What pydantic holds on the field itself (``FieldInfo.metadata``): the constraints of
    ``Field(...)`` (``ge=1``, ``min_length=1`` ...) and the metadata of a top-level ``Annotated``."""
    description: str
    """The field's attribute docstring, as written."""

    @property
    def ref(self) -> str | None:
        """The record kind an id (or each id of a list) refers to, if it is a reference."""
        return next((m.kind for m in self.markers if isinstance(m, Ref)), None)

    @property
    def partial(self) -> bool:
        """A partial date."""
        return any(isinstance(m, Partial) for m in self.markers)

    @property
    def verbatim(self) -> Verbatim | None:
        """The :class:`Verbatim` marker of a field copying the source's words, if it is one."""
        return next((m for m in self.markers if isinstance(m, Verbatim)), None)

    @property
    def uri(self) -> bool:
        """A web address."""
        return any(isinstance(m, Uri) for m in self.markers)

    @property
    def type_name(self) -> str | None:
        """The words naming a scalar type (the last :class:`TypeName` given), if it has them."""
        return next((m.words for m in reversed(self.markers) if isinstance(m, TypeName)), None)

    @property
    def is_model(self) -> bool:
        """The value (or each item) is a nested mapping: a model of its own."""
        return isinstance(self.base, type) and issubclass(self.base, BaseModel)

    @property
    def is_vocabulary(self) -> bool:
        """The value (or each item) is a value of a closed vocabulary."""
        return isinstance(self.base, type) and issubclass(self.base, Vocabulary)

    @property
    def min_items(self) -> int:
        """The fewest items a list field takes (0 when it may be empty)."""
        return max((getattr(m, "min_length", 0) or 0 for m in self.field_metadata), default=0)


@functools.cache
def fields(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """Every field of ``model``, in declaration order, described once (the result is cached)."""
    specs = []
    for name, info in model.model_fields.items():
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        base, markers, optional = split_annotation(annotation)
        many = typing.get_origin(base) is list
        if many:
            base, item_markers, _ = split_annotation(typing.get_args(base)[0])
            markers = markers + item_markers
        specs.append(FieldSpec(
            name=name, annotation=annotation, base=base, many=many, optional=optional,
            required=info.is_required(), default=None if info.is_required() else info.default,
            markers=tuple(markers), field_metadata=tuple(info.metadata), description=info.description or "",
        ))
    return tuple(specs)



@functools.cache
def _reference_plan(model: type[BaseModel], kinds: frozenset[str] | None = None
                    ) -> tuple[tuple[str, str | None, bool, type[BaseModel] | None], ...]:
    """The fields of ``model`` that :func:`reference_values` visits, read from :func:`fields` once:
    ``(name, kind referred to or None, many, nested model or None)``. Asking each field's markers
    again for every record cost a third of validation; a nested model with no reference under it
    (to one of ``kinds``, when given) is left out: walking it would find nothing."""
    plan: list[tuple[str, str | None, bool, type[BaseModel] | None]] = []
    for spec in fields(model):
        if spec.ref and (kinds is None or spec.ref in kinds):
            plan.append((spec.name, spec.ref, spec.many, None))
        elif spec.is_model and _reference_plan(spec.base, kinds):
            plan.append((spec.name, None, spec.many, spec.base))
    return tuple(plan)


def reference_values(item: BaseModel, path: FieldPath = (), kinds: frozenset[str] | None = None
                     ) -> Iterator[tuple[FieldPath, str, str]]:
    """Every ``(field path, record kind, id)`` under ``item`` that refers to another record (see :class:`Ref`),
    or only to records of ``kinds``.

    Walks the values in declaration order, depth first, with list indices in the paths; the rules
    check that each id resolves, so a new reference field is checked without code. (Gathered in a
    list first: a value found deep down passes through no chain of generators.)
    """
    found: list[tuple[FieldPath, str, str]] = []
    _gather_references(item, path, kinds, found)
    return iter(found)


def _gather_references(item: BaseModel, path: FieldPath, kinds: frozenset[str] | None,
                       found: list[tuple[FieldPath, str, str]]) -> None:
    for name, ref, many, _model in _reference_plan(type(item), kinds):
        value = getattr(item, name)
        if value is None:
            continue
        if ref is not None and many:
            for index, one in enumerate(value):
                found.append((path + (name, index), ref, one))
        elif ref is not None:
            found.append((path + (name,), ref, value))
        elif many:
            for index, part in enumerate(value):
                _gather_references(part, path + (name, index), kinds, found)
        else:
            _gather_references(value, path + (name,), kinds, found)


@functools.cache
def verbatim_paths(model: type[BaseModel], within: str = "document") -> tuple[tuple[str, ...], ...]:
    """The field paths under ``model`` that copy the source's words and must occur in ``within``.

    Paths name fields only (a list's items share their list's path): ``("messages", "sent",
    "as_written")`` is the ``as_written`` of the ``sent`` of every quoted message.
    """
    paths: list[tuple[str, ...]] = []
    for spec in fields(model):
        if spec.verbatim is not None and spec.verbatim.within == within:
            paths.append((spec.name,))
        elif spec.is_model:
            paths += [(spec.name, *path) for path in verbatim_paths(spec.base, within)]
    return tuple(paths)


@functools.cache
def _verbatim_plan(model: type[BaseModel], within: str) -> tuple[tuple[str, bool, bool, type[BaseModel] | None], ...]:
    """The fields of ``model`` that :func:`verbatim_values` visits for ``within``, read once:
    ``(name, copies the words, many, nested model or None)``; a nested model with nothing verbatim
    under it is left out."""
    plan = []
    for spec in fields(model):
        if spec.verbatim is not None and spec.verbatim.within == within:
            plan.append((spec.name, True, spec.many, None))
        elif spec.is_model and _verbatim_plan(spec.base, within):
            plan.append((spec.name, False, spec.many, spec.base))
    return tuple(plan)


def verbatim_values(item: BaseModel, within: str = "document", path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    """Every ``(field path, value)`` under ``item`` that must occur in ``within`` (see :class:`Verbatim`).

    Walks the values in declaration order, depth first, with list indices in the paths, skipping
    what is not given; the rules check each value against its text. (Gathered in a list first, as
    :func:`reference_values` does.)
    """
    found: list[tuple[FieldPath, str]] = []
    _gather_verbatim(item, within, path, found)
    return iter(found)


def _gather_verbatim(item: BaseModel, within: str, path: FieldPath, found: list[tuple[FieldPath, str]]) -> None:
    for name, copied, many, _ in _verbatim_plan(type(item), within):
        value = getattr(item, name)
        if value is None:
            continue
        if copied:
            if many:
                for index, text in enumerate(value):
                    found.append((path + (name, index), text))
            else:
                found.append((path + (name,), value))
        elif many:
            for index, part in enumerate(value):
                _gather_verbatim(part, within, path + (name, index), found)
        else:
            _gather_verbatim(value, within, path + (name,), found)


# --------------------------------------------------------------------------------------------
# The dataset's own description (dataset.yaml), published in datapackage.json
# --------------------------------------------------------------------------------------------


class Licence(Base):
    """A licence or terms of reuse."""

    name: Line | None = None
    """SPDX identifier, when the licence has one (e.g. 'CC-BY-4.0')."""
    title: Line
    """Human-readable title."""
    path: Annotated[str, Field(pattern="^https?://[^\\s]+$")]
    """Where its text is published."""


class Contributor(Base):
    """Someone who made the dataset."""

    title: Line
    """Name of the person or organisation."""
    roles: NonEmptyUniqueList[Line]
    """What they did (Data Package roles such as 'creator', 'contributor')."""
    path: Annotated[str, Field(pattern="^https?://[^\\s]+$")] | None = None
    """A web page about them."""


class SourceArchive(Base):
    """Where the documents come from."""

    title: Line
    """The archive's name."""
    path: Annotated[str, Field(pattern="^https?://[^\\s]+$")]
    """The archive's address."""
    description: Text
    """What was taken from it, and on what terms."""


DOI = Annotated[str, Field(pattern="^10\\.[0-9]{4,9}/[^\\s]+$")]
"""A DOI, bare (``10.5281/zenodo.123``), never as an address: outputs add ``https://doi.org/``."""


class Coverage(Base):
    """What the records hold, computed from them by ``armistice build`` (never written by hand)."""

    documents: int = Field(ge=0)
    """How many documents the records hold."""
    first: PartialDate | None = None
    """The date of the earliest document, as precise as its record gives it."""
    last: PartialDate | None = None
    """The date of the latest document, as precise as its record gives it."""


class Dataset(Base):
    """Metadata of the whole dataset, kept in ``dataset.yaml`` and published in ``datapackage.json``.

    What a curator writes (``short_title``, ``scope``, ``about``) is kept apart from what follows from
    the records (``title``, ``description``, the years among the ``keywords``, ``coverage``), which
    ``armistice build`` regenerates (see :mod:`armistice.derived`), so adding or removing a document
    never leaves a stale year or count in the title or the citation.
    """

    name: Id
    """The package's machine name."""
    short_title: Line
    """The title without the years covered, which the build adds from the records."""
    scope: Text
    """Which documents belong in the collection, said once: the README and the description quote it."""
    about: Text
    """How the documents are published and curated: the part of the description that does not depend on which documents are in it."""
    title: Line
    """The package's title: the short title and the years the documents cover (generated by the build)."""
    description: Text
    """What the dataset is, in a paragraph: the scope, what this version holds, and how it is curated (generated by the build)."""
    coverage: Coverage | None = None
    """What this version holds, computed from the records by the build."""
    version: Annotated[str, Field(pattern=VERSION_PATTERN)]
    """Semantic version of the data (see the version policy)."""
    created: Annotated[str, Field(pattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    """Date of this version (set by the release); never the time of a build, so builds are reproducible."""
    keywords: NonEmptyUniqueList[Line]
    """Keywords for catalogues; the years among them (such as '1951') are those the documents cover, kept by the build."""
    homepage: Annotated[str, Field(pattern="^https://[^\\s]+$")] | None = None
    """The repository's public address (where the project lives), once it is public; empty until then,
    never a guessed address."""
    concept_doi: DOI | None = None
    """The DOI of every version together (Zenodo's concept DOI, which resolves to the latest version),
    once the first release is archived; empty until then."""
    version_dois: dict[Annotated[str, Field(pattern=VERSION_PATTERN)], DOI] = Field(default_factory=dict)
    """Each release's own DOI, by version, as the archive of releases (Zenodo) reserved it
    (``armistice doi VERSION ANSWER`` writes it from Zenodo's answer). The version being cited takes
    its DOI from here; a version without one is cited without a DOI."""
    contributors: list[Contributor] = Field(min_length=1)
    """Who made the dataset."""
    metadata_licence: Licence
    """Licence of the curated metadata: everything the project wrote."""
    texts_licence: Licence
    """Terms of the translated texts and other words quoted from the archive's pages."""
    source: SourceArchive
    """Where the documents come from."""

    @property
    def doi(self) -> str | None:
        """The DOI of this version, when one is recorded for it."""
        return self.version_dois.get(self.version)
