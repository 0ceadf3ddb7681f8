"""What a person reads for an entity: a date of every year says so."""

import pytest

from memvault.domain.entities import Entity, EntityMention, EntityType, readable_value


@pytest.mark.parametrize(("value", "read"), [("--10-09", "9 October, every year"), ("--03", "March, every year"),
                                             ("2027-10-09", "2027-10-09"), ("--13", "--13"), ("--1x-02", "--1x-02")])
def test_a_date_of_every_year_reads_as_one(value, read):
    assert readable_value(EntityType.DATE, value) == read
    assert EntityMention(EntityType.DATE, value, 0.9).name == read
    assert Entity(1, "default", EntityType.DATE, value, 2).name == read


def test_other_values_and_written_names_are_shown_as_they_are():
    assert readable_value(EntityType.CONCEPT, "--10-09") == "--10-09"
    assert EntityMention(EntityType.PERSON, "alice chen", 0.9, display="Alice Chen").name == "Alice Chen"
