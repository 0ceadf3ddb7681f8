"""Whose facts are: the speaker named in the text, "we" as both people, mentions owned by whoever said "my"."""

from __future__ import annotations

import datetime as dt

from memvault.extraction.facts import Message, voices

NOW = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC)


def _said(extractor, *messages: Message):
    return [(f.person, f.text) for f in extractor.extract(list(messages), NOW)]


def test_an_unnamed_user_is_the_user_and_we_is_the_user_in_a_chat_with_an_assistant(extractor):
    assert _said(extractor, Message("user", "We bought a house in Delft."), Message("assistant", "Congrats!")) == [
        (None, "The user bought a house in Delft")]


def test_a_named_user_is_named(extractor):
    assert _said(extractor, Message("user", "I teach maths in Bergen.", "Kari")) == [
        ("Kari", "Kari teaches maths in Bergen")]


def test_two_named_people_each_get_their_facts(extractor):
    facts = _said(extractor, Message("user", "I am moving to Graz in June.", "Anna"),
                  Message("assistant", "My sister is a pilot.", "Ben"),
                  Message("user", "Her plane is huge.", "Anna"))
    assert facts == [("Anna", "Anna is moving to Graz in June 2026"), ("Ben", "Ben's sister is a pilot"),
                     ("Ben", "Ben's sister's plane is huge")]


def test_between_two_people_we_is_both_only_where_the_clause_says_so(extractor):
    # Told to a neighbour, "we" and "our" are the speaker's household, not the listener.
    facts = _said(extractor,
                  Message("user", "We are moving to Graz in June. Our son starts school in September.", "Anna"),
                  Message("assistant", "We met at university in 2015, remember?", "Ben"),
                  Message("user", "We both love climbing.", "Anna"))
    assert facts == [("Anna", "Anna is moving to Graz in June 2026"),
                     ("Anna", "Anna's son starts school in September 2026"),
                     ("Ben", "Ben and Anna met at university in 2015"), ("Anna", "Anna and Ben both love climbing")]


def test_what_an_unnamed_assistant_says_of_itself_is_no_fact(extractor):
    assert _said(extractor, Message("user", "Hello"), Message("assistant", "I live in a data centre.")) == []


def test_voices_pair_only_two_named_people():
    pair = voices([Message("user", "a", "Anna"), Message("assistant", "b", "Ben"), Message("system", "c")])
    assert (pair[0].name, pair[0].we, pair[1].we) == ("Anna", "Anna and Ben", "Ben and Anna") and 2 not in pair
    alone = voices([Message("user", "a"), Message("assistant", "b")])
    assert list(alone) == [0] and alone[0].name == "the user" and alone[0].we is None


def test_a_fact_about_someone_named_bare_is_the_speakers_not_whoever_named_them_first(extractor):
    facts = _said(extractor, Message("user", "Is Zainab coming to the wedding?", "Ben"),
                  Message("assistant", "Yes, she is flying in from Dubai on Friday.", "Aisha"),
                  Message("user", "My sister is a pilot.", "Ben"),
                  Message("assistant", "Her plane is huge.", "Aisha"))
    # A relation stays its owner's: Ben's sister's plane is filed under Ben, whoever says it.
    assert facts == [("Aisha", "Zainab is flying in from Dubai on Friday 15 May 2026"),
                     ("Ben", "Ben's sister is a pilot"), ("Ben", "Ben's sister's plane is huge")]


def test_a_pronoun_answering_the_assistants_question_is_the_person_it_named(extractor):
    # "he" had nothing to point back to: the user named Jonah in an earlier chat, the assistant's question now.
    assert _said(extractor, Message("assistant", "Lisbon is a long way. Will Jonah come?"),
                 Message("user", "he wants to, he's never been to Europe. he's a carpenter", "Aiko")) == [
        ("Aiko", "Jonah has never been to Europe"), ("Aiko", "Jonah is a carpenter")]
    # The question names Jonah again: he is newer than the sister the user spoke of since.
    assert _said(extractor, Message("user", "My partner Jonah is coming to Lisbon.", "Aiko"),
                 Message("assistant", "Lovely! Is Jonah excited?"),
                 Message("user", "yes, he is a carpenter so he can take time off", "Aiko"))[-1] == (
        "Aiko", "Aiko's partner Jonah is a carpenter so he can take time off")


def test_a_pronoun_answering_a_question_that_shows_a_person_the_tagger_did_not_see(extractor):
    # The small tagger calls "Callum" an organisation; a new job is only a person's.
    assert _said(extractor, Message("user", "I booked a hotel with Callum.", "Aiko"),
                 Message("assistant", "Nice. How's Callum's new job going?"),
                 Message("user", "he loves it. his boss is called Ines", "Aiko"))[-1] == (
        "Aiko", "Callum's boss is called Ines")


def test_a_person_asked_their_age_is_a_person_whatever_the_tagger_says(extractor):
    # "Amara" is a place to the small tagger; only a person or a pet is asked how old they are.
    assert _said(extractor, Message("assistant", "How old is Amara now?", "Tomas"),
                 Message("user", "She turned two in October.", "Priya")) == [("Priya", "Amara turned two in October 2025")]


def test_someone_else_s_kin_is_who_the_pronoun_after_it_means(extractor):
    # "her" was Helen (or nothing); "He" was Helen, a name of no known gender, when "Helen's brother Sam" was none.
    assert _said(extractor, Message("user", "Helen's mum is moving in with us in June, her hip's been bad.", "Tomas"),
                 Message("user", "Helen's brother Sam is a pilot. He lives in Dubai.", "Tomas")) == [
        ("Tomas", "Helen's mum is moving in with Tomas in June 2026"), ("Tomas", "Helen's mum's hip has been bad"),
        ("Tomas", "Helen's brother Sam is a pilot"), ("Tomas", "Helen's brother Sam lives in Dubai")]


def test_an_in_law_is_no_parent_and_a_name_just_given_stays_who_he_is(extractor):
    assert _said(extractor, Message("user", "my sister-in-law Kate is a nurse. she works in Leeds.", "Lars"))[1] == (
        "Lars", "Lars's sister-in-law works in Leeds")  # was "Lars's sister"
    # The man "he" means is the one just named, not the father-in-law of a sentence before, nor "Lars's father"
    facts = _said(extractor, Message("user", "my father-in-law in Norway keeps bees", "Lars"),
                  Message("assistant", "Is that Ingrid's father?"),
                  Message("user", "yes, Knut, in Lillehammer. he has 20 hives", "Lars"))
    assert facts == [("Lars", "Lars's father-in-law in Norway keeps bees"), ("Lars", "Knut has 20 hives")]


def test_a_name_said_in_this_turn_after_a_woman_of_an_earlier_one_is_who_she_is(extractor):
    # "she" was the daughter of the turn before ("Kemal's daughter will drive Ela"), not Selin, named just now
    def last(said: str):
        return _said(extractor, Message("user", "my daughter Ela plays netball on Wednesdays", "Kemal"),
                     Message("assistant", "Does the new arrangement work for match days?"),
                     Message("user", said, "Kemal"))[-1]
    assert last("Selin and I are fine now, it took a year. she'll drive Ela to matches on her weeks") == (
        "Kemal", "Selin will drive Ela to matches on her weeks")
    # said right after Selin, either may be "she": neither is guessed
    assert "drive" not in last("Selin and I are fine now. she'll drive Ela to matches on her weeks")[1]
    # ... and a man a kin word names wins over a name of no known gender from a turn before
    assert _said(extractor, Message("user", "I had lunch with Robin. my dad's knee op got moved again", "Kemal"),
                 Message("assistant", "How is he coping?"),
                 Message("user", "grumpy. he's on two sticks now", "Kemal"))[-1] == ("Kemal", "Kemal's dad is on two sticks")


def test_a_name_said_with_the_team_they_are_from_is_a_person_and_no_place(extractor):
    # "Marcus" is a place to the small tagger: "he" was the CTO, "there" Marcus ("Dana has been in Marcus 8 years")
    facts = _said(extractor, Message("user", "rough day. our CTO Dana announced she's leaving in June", "Kemal"),
                  Message("assistant", "Any idea who takes over from her?"),
                  Message("user", "not yet, probably Marcus from the platform team. he's been there 8 years", "Kemal"),
                  Message("assistant", "Is he good?"),
                  Message("user", "he's great, he taught me Rust", "Kemal"))
    assert not any("Dana has" in text or "in Marcus" in text for _, text in facts)
    assert facts[-1] == ("Kemal", "Marcus taught Kemal Rust")


def test_a_one_word_name_the_tagger_calls_an_organisation_is_someone_a_fact_is_about(extractor):
    # The small tagger calls "Amira" an organisation: "Amira is painting the nursery" was no one's, so no fact
    assert _said(extractor, Message("user", "Amira is painting the nursery.", "Yusuf")) == [
        ("Yusuf", "Amira is painting the nursery")]


def test_our_child_by_name_is_a_person_for_he(extractor):
    assert _said(extractor, Message("user", "Our Ben has started secondary school.", "Tomas"),
                 Message("user", "He quit swimming in the summer, he's into climbing now.", "Tomas"))[1:] == [
        ("Tomas", "Ben quit swimming in the summer"), ("Tomas", "Ben is into climbing")]


def test_a_question_naming_no_one_gives_a_pronoun_nothing_to_point_at(extractor):
    # Nothing capitalised after its first word: not parsed, and "he" stays unresolved (no fact rather than a guess).
    assert _said(extractor, Message("assistant", "That sounds hard. How is he taking it?"),
                 Message("user", "he is a carpenter", "Aiko")) == []


def test_a_name_the_tagger_calls_a_place_is_a_person_by_what_it_does(extractor):
    # The small tagger types "Giulia" as a place; covering for someone makes her a person "she" can point to.
    assert _said(extractor, Message("user", "Giulia can cover for me. She is the one I trained with.")) == [
        (None, "Giulia can cover for the user"), (None, "Giulia is the one the user trained with")]
    # A place doing what places do stays a place: "she" then has nothing to point to, and is not guessed.
    assert _said(extractor, Message("user", "Lisbon gets really hot in August. She is the one I trained with.")) == []


def test_a_name_the_tagger_gives_no_type_and_no_word_list_knows_is_someones(extractor):
    # The small tagger types neither "Luca" nor "Arlo" here; "Lisbon" and "Biscuit" are words a list knows.
    assert _said(extractor, Message("user", "Luca was born on the 29th of August, 3.4 kilos.")) == [
        (None, "Luca was born on 29 August 2025, 3.4 kilos")]
    assert _said(extractor, Message("user", "Pizza at the club, every kid got a medal. Arlo got player of the year.")) \
        == [(None, "Arlo got player of the year")]
    assert _said(extractor, Message("user", "Lisbon gets really hot in August.")) == []


def test_what_someone_reports_about_others_is_a_fact_and_about_the_speaker_is_not(extractor):
    said = [Message("user", "My sister told me she is pregnant. Ferrante & Bassi said Giulia can cover for me in May.",
                    "Sofia"),
            Message("user", "Mum says I work too much. My doctor said I should cut down on coffee.", "Sofia"),
            Message("user", "My husband says no. You said it would rain.", "Sofia")]
    assert [f.text for f in extractor.extract(said, NOW)] == [
        "Sofia's sister is pregnant", "Giulia can cover for Sofia in May 2026"]


def test_someone_named_as_her_kin_is_who_the_next_she_is(extractor):
    # "her" only says whose cousin Jade is: the clause is about Jade, and so is the "she" after it.
    said = _said(extractor, Message("user", "how was the wedding", "Amy"),
                 Message("assistant", "gorgeous. Ellie cried through the whole speech", "Beth"),
                 Message("user", "did you end up catching the bouquet", "Amy"),
                 Message("assistant", "nope, her cousin Jade did. she's engaged now apparently", "Beth"))
    assert said == [("Beth", "Ellie cried through the whole speech"),
                    ("Beth", "Ellie's cousin Jade is engaged now apparently")]
