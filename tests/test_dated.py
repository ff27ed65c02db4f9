"""What time a sentence dates itself to (extractors/dated.py): the years a reader takes for a
time, and the numbers that are not one."""

from __future__ import annotations

import pytest

from extractors.dated import NOW, latest_year


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("The company filed for bankruptcy in 1994, undone by the end of the Cold War.", 1994),
        ("The capsule splashed down in June 1965 off Bermuda.", 1965),
        ("He retired on 12 April 1996 in Dayton, Ohio.", 1996),
        ("Sales peaked by early 1987.", 1987),
        ("A letter written in the wet spring of 1910.", 1910),
        ("Jazz of the 1930s, and of the late '40s.", 1949),
        ("Teen idols of the 60s.", 1969),
        ("The painter (1840-1926) lived at Giverny.", 1926),
        ("Flights ran between 1965 and 1966.", 1966),
        ("The mine worked from 1901 to 1958.", 1958),
        ("Pilgrims consulted the priestess in 480 BC.", -480),
        ("The temple dates from the fifth century BC.", -400),
        ("A 19th-century map of the river.", 1899),
        ("In 1994 the firm was sold; in 2024 it was revived.", 2024),
        ("A studio that has made films since the late 1960s.", NOW),
    ],
)
def test_a_time_the_sentence_gives(text: str, year: int) -> None:
    assert latest_year(text) == year


@pytest.mark.parametrize(
    "text",
    [
        "The chain has 1500 stores across the country.",
        "Grew from 12 staff to 1500 people in a year.",
        "A 1080p screen and 2000 GPUs in one hall.",
        "It costs $1994 and ships in 1,500 boxes.",
        "Room 1912 is on the nineteenth floor.",
        "A 1200 MW plant and a 1500 km pipeline, both due in 1999.5 units.",
        "Nothing here dates anything.",
        # a thing's time, not the sentence's
        "Archivists transcribed letters written during the 1860s.",
        "It sells a cookbook first published in 1962.",
        "It won a contract to scan census records from 1950.",
        "Ruth Adler, born in 1931, asks for Sinatra.",
    ],
)
def test_numbers_that_are_no_time(text: str) -> None:
    assert latest_year(text) is None


def test_a_slice_is_read_alone() -> None:
    text = "Flown in 1965. Shipped to customers in 2025."
    assert latest_year(text, 0, 14) == 1965
    assert latest_year(text, 15) == 2025
