"""Partial dates: as precise as the source, calendar-checked, and sortable against each other."""

import random

import pytest

from armistice import dates


@pytest.mark.parametrize("value", ["1951", "1951-08", "1951-08-13", "1951-08-13T17:20", "1952-02-29", "2000-02-29T00:00"])
def test_every_precision_is_expressible(value: str) -> None:
    assert dates.date_problem(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1951-02-30", "invalid date '1951-02-30': February 1951 has 28 days"),
        ("1951-02-29", "invalid date '1951-02-29': February 1951 has 28 days"),
        ("1900-02-29", "invalid date '1900-02-29': February 1900 has 28 days"),
        ("1951-13", "invalid date '1951-13': there is no month 13"),
        ("1951-00", "invalid date '1951-00': there is no month 00"),
        ("1951-08-13T24:00", "invalid date '1951-08-13T24:00': the time must be between 00:00 and 23:59"),
        ("1951-8-13", "invalid date '1951-8-13': write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM (a local clock time, no seconds or zone)"),
        ("13.8.1951", "invalid date '13.8.1951': write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM (a local clock time, no seconds or zone)"),
        ("1951-08-13T17:20:05", "invalid date '1951-08-13T17:20:05': write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM (a local clock time, no seconds or zone)"),
        ("١٩٥١", "invalid date '١٩٥١': write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM (a local clock time, no seconds or zone)"),
    ],
)
def test_impossible_dates_are_explained(value: str, message: str) -> None:
    assert dates.date_problem(value) == message


def test_the_published_pattern_agrees_with_the_checker_on_every_day_of_a_leap_cycle() -> None:
    import re

    pattern = re.compile(dates.PARTIAL_DATE_PATTERN)
    for year in (1900, 1951, 1952, 2000):
        for month in range(0, 14):
            for day in range(0, 33):
                value = f"{year}-{month:02d}-{day:02d}"
                assert bool(pattern.match(value)) == (dates.date_problem(value) is None), value


def test_values_of_different_precision_sort_chronologically() -> None:
    ordered = ["1950", "1951", "1951-07", "1951-07-11T17:50", "1951-08", "1951-08-01", "1951-08-13",
               "1951-08-13T04:00", "1951-08-13T17:20", "1951-08-14", "1951-09"]
    shuffled = ordered[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=dates.sort_key) == ordered


def test_intervals_are_published_as_first_and_last_day() -> None:
    assert (dates.first_day("1951-08"), dates.last_day("1951-08")) == ("1951-08-01", "1951-08-31")
    assert (dates.first_day("1952-02"), dates.last_day("1952-02")) == ("1952-02-01", "1952-02-29")
    assert (dates.first_day("1951"), dates.last_day("1951")) == ("1951-01-01", "1951-12-31")
    assert (dates.first_day("1951-08-13T17:20"), dates.last_day("1951-08-13T17:20")) == ("1951-08-13", "1951-08-13")


def test_chronology_allows_for_local_clocks_but_not_for_days() -> None:
    # 01:30 in Beijing is the evening before in Moscow: not an impossibility.
    assert dates.may_precede("1951-08-27T01:30", "1951-08-26T23:00")
    assert not dates.may_precede("1951-08-28T12:00", "1951-08-26T23:00")
    # A month-precise value may precede any day inside that month.
    assert dates.may_precede("1951-08", "1951-08-01")
    assert not dates.may_precede("1951-09", "1951-08-13")
