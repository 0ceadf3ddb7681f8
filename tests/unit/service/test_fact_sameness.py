"""Dedup's sameness test reads a fact the same whether its person is named in it or not."""

from __future__ import annotations

from memvault.extraction.facts import Fact
from memvault.service.fact_sameness import same_fact, words
from memvault.vault.extraction_jobs import StoredFact


def _new(text: str, person: str | None = None) -> Fact:
    return Fact(text, "semantic", (), "user", 0, 0, 0, "", person=person)


def _stored(text: str, person: str | None = None) -> StoredFact:
    return StoredFact(1, "id", text, {"person": person} if person else {}, False, 0.0)


def test_a_named_and_an_unnamed_wording_of_one_fact_are_the_same():
    assert same_fact(_new("The user is vegan"), _stored("Marta is vegan", "Marta"))
    assert same_fact(_new("Marta is vegan", "Marta"), _stored("The user is vegan"))
    assert same_fact(_new("Marta Silva's sister lives in Bern", "Marta Silva"),
                     _stored("The user's sister lives in Bern"))
    assert words("Marta's dog loves Marta", "Marta") == words("The user's dog loves the user") == {"dog", "loves"}


def test_different_facts_stay_different_with_the_name_left_out():
    assert not same_fact(_new("Marta is vegan", "Marta"), _stored("Marta is a nurse", "Marta"))
    assert not same_fact(_new("The user lives in Bern"), _stored("Marta lives in Basel", "Marta"))
    # Only the fact's own person's name is left out: another person named in it still counts.
    assert not same_fact(_new("The user met Marta in Bern"), _stored("The user met Ines in Bern"))


def test_two_facts_that_give_the_same_name_compare_as_before_and_renaming_never_weakens_sameness():
    # Both named alike: the name is a word both share (as before renaming existed).
    assert same_fact(_new("Marta moved to a big flat near Bern in May", "Marta"), _stored("Marta moved to a big flat near Bern in June", "Marta"))
    assert not same_fact(_new("The user moved to a big flat near Bern in May"), _stored("The user moved to a big flat near Bern in June"))
    assert not same_fact(_new("The user moved to a big flat near Bern in May"), _stored("Marta moved to a big flat near Bern in June", "Marta"))
