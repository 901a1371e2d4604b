"""Partial historical dates: ``1951``, ``1951-08``, ``1951-08-13`` and ``1951-08-13T17:20``.

Archival sources rarely give a full timestamp. A telegram may carry a day and a local clock time,
a report may give only a month. We keep the value exactly as precise as the source and derive an
interval from it, so that values of different precision can be sorted and compared honestly:
``1951-08`` covers the whole of August, and is "before" ``1951-09-01`` but not before
``1951-08-13``.

The same regular expression is used by pydantic (through :func:`check_partial_date`) and published
in the JSON Schemas, so an editor and ``armistice validate`` agree on what a valid date is,
including the calendar (``1951-02-30`` and ``1951-13`` are refused by both).
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta
from functools import lru_cache

_YEAR = "[0-9]{4}"
_MONTH = "(?:0[1-9]|1[0-2])"
# Month-day pairs that exist in every year; 29 February is handled with the leap years below.
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
# Gregorian leap years: divisible by 4, except centuries not divisible by 400.
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_TIME = "T(?:[01][0-9]|2[0-3]):[0-5][0-9]"

PARTIAL_DATE_PATTERN = (
    f"^(?:{_YEAR}(?:-{_MONTH})?"
    f"|{_YEAR}-{_MONTH_DAY}(?:{_TIME})?"
    f"|{_LEAP_YEAR}-02-29(?:{_TIME})?)$"
)
"""Anchored pattern accepted by both pydantic and JSON Schema validators (no ``\\d``: it matches
non-ASCII digits in Python)."""

_SHAPE = re.compile(
    r"^(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2})"
    r"(?:T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}))?)?)?$"
)
_VALID = re.compile(PARTIAL_DATE_PATTERN)

PRECISIONS = ("year", "month", "day", "minute")


def date_problem(value: str) -> str | None:
    """Explain why ``value`` is not a partial date, or return None when it is one."""
    match = _SHAPE.fullmatch(value)  # fullmatch: ``$`` alone would let a trailing newline through
    if not match:
        return (
            f"invalid date {value!r}: write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM "
            "(a local clock time, no seconds or zone)"
        )
    year = int(match["year"])
    if match["month"] is not None and not 1 <= int(match["month"]) <= 12:
        return f"invalid date {value!r}: there is no month {match['month']}"
    if match["day"] is not None:
        month = int(match["month"])
        last = calendar.monthrange(year, month)[1]
        if not 1 <= int(match["day"]) <= last:
            return f"invalid date {value!r}: {calendar.month_name[month]} {year} has {last} days"
    if match["hour"] is not None and (int(match["hour"]) > 23 or int(match["minute"]) > 59):
        return f"invalid date {value!r}: the time must be between 00:00 and 23:59"
    if not _VALID.fullmatch(value):  # pragma: no cover - the two checks above must agree
        return f"invalid date {value!r}"
    return None


def precision(value: str) -> str:
    """The unit the value is precise to: ``year``, ``month``, ``day`` or ``minute``."""
    return PRECISIONS[{4: 0, 7: 1, 10: 2, 16: 3}[len(value)]]


@lru_cache(maxsize=65536)
def bounds(value: str) -> tuple[datetime, datetime]:
    """The first and last minute the value can denote, as naive local datetimes.

    Cached: an archive repeats the same dates many times, and the chronology rules and every
    date column ask for them again and again.
    """
    match = _SHAPE.fullmatch(value)
    if match is None or date_problem(value):
        raise ValueError(f"not a partial date: {value!r}")
    year = int(match["year"])
    if match["month"] is None:
        return datetime(year, 1, 1), datetime(year, 12, 31, 23, 59)
    month = int(match["month"])
    if match["day"] is None:
        last = calendar.monthrange(year, month)[1]
        return datetime(year, month, 1), datetime(year, month, last, 23, 59)
    day = int(match["day"])
    if match["hour"] is None:
        return datetime(year, month, day), datetime(year, month, day, 23, 59)
    moment = datetime(year, month, day, int(match["hour"]), int(match["minute"]))
    return moment, moment


@lru_cache(maxsize=65536)
def first_day(value: str) -> str:
    """``date_min`` as published: the first calendar day the value covers (``1951-08`` -> ``1951-08-01``)."""
    return bounds(value)[0].date().isoformat()


@lru_cache(maxsize=65536)
def last_day(value: str) -> str:
    """``date_max`` as published: the last calendar day the value covers (``1951-08`` -> ``1951-08-31``)."""
    return bounds(value)[1].date().isoformat()


def sort_key(value: str) -> tuple[datetime, int]:
    """Chronological order: by the start of the interval, then the coarser value first.

    ``1951 < 1951-08 < 1951-08-01 < 1951-08-13 < 1951-08-13T17:20 < 1951-08-14``.
    """
    return bounds(value)[0], PRECISIONS.index(precision(value))


# Clock times in the sources are local: Beijing and Kaesong keep time five to six hours ahead of
# Moscow. Chronology checks therefore only object when one value is later than another by more
# than this margin, so a telegram sent at 01:30 Beijing time and received at 23:00 Moscow time the
# previous calendar day is not reported as impossible.
CLOCK_MARGIN = timedelta(hours=12)


def may_precede(earlier: str, later: str, margin: timedelta = CLOCK_MARGIN) -> bool:
    """True unless ``earlier`` must have happened after ``later`` (beyond the time-zone margin)."""
    return bounds(earlier)[0] <= bounds(later)[1] + margin
