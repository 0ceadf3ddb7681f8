"""Dates among a memory's entities: a time that comes round is no date (app/memvault/extraction/entities.py)."""

from __future__ import annotations

import pytest

from memvault.domain.entities import EntityType
from memvault.extraction.entities import EntityExtractor, ExtractionInput
from memvault.extraction.gazetteer import Gazetteer

#: Friday 27 November 2026, 12:00 UTC.
REFERENCE = 1_795_867_200.0


@pytest.fixture(scope="module")
def entities(pipeline) -> EntityExtractor:
    return EntityExtractor(pipeline)


def _dates(entities: EntityExtractor, text: str) -> set[str]:
    (mentions,) = entities.extract([ExtractionInput(text, REFERENCE)], Gazetteer([]))
    return {m.value for m in mentions if m.type is EntityType.DATE}


@pytest.mark.parametrize("text", ["The password rotates every Monday.", "Each Friday we meet for lunch.",
                                  "I swim on Mondays.",
                                  "The group usually runs on Tuesday and Saturday mornings.",
                                  "We meet weekly on Thursday."])
def test_a_time_that_comes_round_is_no_date(entities, text):
    # "every Monday" was dated 23 November 2026, "Tuesday and Saturday mornings" 1 and 5 December.
    assert _dates(entities, text) == set()


def test_a_weekday_said_once_is_a_date(entities):
    assert _dates(entities, "Dinner with Ana on Monday.") == {"2026-11-30"}
    assert _dates(entities, "The dentist moved my check-up to 14 December 2026.") == {"2026-12-14"}


@pytest.mark.parametrize(("text", "dated"), [
    ("Noor's birthday is on 9 October.", {"--10-09"}),
    ("Our wedding anniversary is on 2 June.", {"--06-02"}),
    ("The boiler is serviced every March.", {"--03"}),
    ("I renew the car insurance each year on 14 February.", {"--02-14"}),
])
def test_a_date_of_what_comes_round_every_year_is_that_day_in_any_year(entities, text, dated):
    # "Noor's birthday is on 9 October" was dated 9 October 2027 (the next one): a question about October 2026,
    # or any October but that one, never met it.
    assert _dates(entities, text) == dated


def test_a_yearly_date_said_with_its_year_keeps_it_and_a_one_off_date_stays_dated(entities):
    assert _dates(entities, "Her birthday party was on 9 October 2025.") == {"2025-10-09"}
    assert _dates(entities, "The boiler service is on 9 March.") == {"2027-03-09"}
