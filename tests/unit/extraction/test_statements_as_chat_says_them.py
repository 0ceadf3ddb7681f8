"""Statements as chat says them: an opening "oh and" the parser hung the subject on, a verb read as a noun beside
another subject, a state after "'s" in a sentence with no verb, "'s been", news that is only its verb, a name said
with "and I", and where someone is away till or back from. Each sentence was written for these tests (stop 101)."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.extraction.facts import Message

NOW = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC)  # a Tuesday


def _texts(extractor, *turns: str) -> list[str]:
    messages = [Message("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(turns)]
    return [f.text for f in extractor.extract(messages, NOW)]


@pytest.mark.parametrize(("said", "expected"), [
    # "Noah" hung on "oh": "obsessed" had no subject
    ("oh and Noah's obsessed with dinosaurs at the moment", ["Noah's obsessed with dinosaurs at the moment"]),
    # "lands" read as a noun, a second subject of "picking"
    ("Jess's flight lands at 6 on Saturday so I'm picking her up",
     ["Jess's flight will land at 6 on Saturday 16 May 2026 so the user is picking her up"]),
    # "renews" read as a noun the parser hung on the clause after the comma
    ("car insurance renews on the 9th, it went up to £640", ["Car insurance will renew on 9 June 2026"]),
    # "'s" read as owning: the sister's "due", her "been"
    ("my sister's due on 17 March", ["The user's sister is due on 17 March 2027"]),
    ("my sister's been promoted", ["The user's sister has been promoted"]),
    # news that is its verb
    ("I got fired", ["The user got fired"]),
    ("my bike was stolen", ["The user's bike was stolen"]),
    ("me again, until we hire someone", []),  # what of them, only who they are says
    # a name the parser took for an interjection, said with the speaker: the verb is both people's
    ("Fi and I are getting married in Porto", ["Fi and the user are getting married in Porto"]),
    # away till, back from: where someone is
    ("I'm away till the 2nd", ["The user is away till 2 June 2026"]),
    ("I'm back from Spain", ["The user is back from Spain"]),
    ("I'm back", []),
])
def test_a_statement_as_chat_says_it_is_read(extractor, said, expected):
    assert _texts(extractor, said) == expected


def test_a_place_one_goes_to_is_no_she(extractor):
    # The tagger calls Crete a person: "Crete has never been on a plane before".
    assert _texts(extractor, "we're going to Crete for the summer", "Lovely!",
                  "she has never been on a plane before") == ["The user is going to Crete for the summer"]
