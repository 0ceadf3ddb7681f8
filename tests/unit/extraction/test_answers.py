"""Short answers read with the question before them (issue 47): "Where are you from?" "From Cardiff." is a fact."""

from __future__ import annotations

import datetime as dt

import pytest

from memvault.extraction import answers
from memvault.extraction.facts import Message

NOW = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC)


def _facts(extractor, question: str, answer: str, *, names: tuple[str, str] | None = None):
    asker, speaker = names or (None, None)
    return extractor.extract([Message("assistant", question, asker), Message("user", answer, speaker)], NOW)


@pytest.mark.parametrize("question, answer, fact", [
    ("Nice to meet you! Where are you from?", "From Cardiff.", "The user is from Cardiff"),
    ("Where are you from?", "Cardiff.", "The user is from Cardiff"),
    ("Where did you grow up?", "Leeds, mostly.", "The user grew up in Leeds"),
    ("Where do you work?", "Siemens.", "The user works at Siemens"),
    ("Where do you work?", "Leeds.", "The user works in Leeds"),  # a place by its tag: "in"
    ("Where did you go on holiday?", "Crete!", "The user went to Crete on holiday"),
    ("Which city are you moving to?", "Lisbon!", "The user is moving to Lisbon"),
    ("How many kids do you have?", "Two, a boy and a girl.", "The user has two kids"),
    ("How long have you kept bees?", "six years. it started with one hive", "The user has kept bees for six years"),
    ("What instrument do you play?", "The cello.", "The user plays the cello"),
    ("Who did you go with?", "My sister Ana.", "The user went with their sister Ana"),
    ("Where does your sister work?", "At the harbour.", "The user's sister works at the harbour"),
    ("What's your routine?", "Weightlifting on Monday, Wednesday and Friday.",
     "The user's routine is weightlifting on Monday, Wednesday and Friday"),
    # The question word is a preposition's object before the question's end: the answer goes right after it.
    ("What are you working on these days?", "a dashboard for the sales team",
     "The user is working on a dashboard for the sales team these days"),
    ("Who are you going with next week?", "My sister Ana.",
     "The user is going with their sister Ana in the week of 18 May 2026"),
    ("What are you looking for in a flat?", "A balcony, mostly.", "The user is looking for a balcony in a flat"),
    # The question's phrase ("which amp") is that preposition's object, not something else it says.
    ("So which amp did you go for in the end?", "the lighter one.", "The user went for the lighter one in the end"),
    # Eight words as written ("e-bike" is one), no verb of their own: still a fragment.
    ("What are you building?", "a timber frame shed for the garden tools",
     "The user is building a timber frame shed for the garden tools"),
    ("What are you building?", "a shed for the e-bike and garden tools",
     "The user is building a shed for the e-bike and garden tools"),
])
def test_a_short_answer_states_what_the_question_asked(extractor, question, answer, fact):
    found = _facts(extractor, question, answer)
    assert [f.text for f in found][:1] == [fact]
    # The fact quotes the answer as it was said, not the sentence it was read as.
    assert answer.startswith(found[0].quote) and found[0].start == 0 and found[0].end == len(found[0].quote)


@pytest.mark.parametrize("question, answer, fact", [
    ("Great! Did you buy shoes yet?", "yes, La Sportiva Tarantulace, 89 euros in the sale",
     "The user bought shoes, La Sportiva Tarantulace"),
    ("Have you booked the ferry?", "Yep, the early one from Dover.", "The user has booked the ferry, the early one from Dover"),
    ("Pointing is a Berlin tradition. Are you taking A2?", "yes, at the Volkshochschule",
     "The user is taking A2, at the Volkshochschule"),
    ("Do you play any sport?", "yes, tennis on Sundays", "The user plays sport, tennis on Sundays"),
    ("Nice. Which gym are you thinking of?", "Blockhelden in Altona, ten minutes by bike",
     "The user is thinking of Blockhelden in Altona"),
])
def test_a_yes_with_a_fragment_says_it_was_done_and_a_place_thought_of_is_kept(extractor, question, answer, fact):
    assert [f.text for f in _facts(extractor, question, answer)] == [fact]


@pytest.mark.parametrize("question, answer, fact", [
    ("Did you end up buying the Trek bike?", "Yes.", "The user ended up buying the Trek bike"),
    ("Have you booked the ferry?", "yep, I have", "The user has booked the ferry"),
    ("Did you buy shoes yet?", "Yes, I did.", "The user bought shoes"),
    ("Pointing is a Berlin tradition. Are you taking A2?", "yes", "The user is taking A2"),
])
def test_a_yes_alone_says_it_was_done_and_quotes_the_yes(extractor, question, answer, fact):
    # The fact quotes the answer as it was said: the yes.
    assert [(f.text, f.quote, f.start) for f in _facts(extractor, question, answer)] == [(fact, answer, 0)]


def test_a_yes_then_more_gives_the_done_and_what_follows_it_reads_the_question(extractor):
    found = _facts(extractor, "Did you book the flight to Lisbon?", "Yes! It leaves on Friday at 7.")
    assert [f.text for f in found] == ["The user booked the flight to Lisbon",
                                       "The user's flight leaves on Friday 15 May 2026 at 7"]
    # Between two people, the yes is the answerer's.
    found = _facts(extractor, "did you call the plumber about the leak?", "yeah. he comes Tuesday",
                   names=("Selma", "Hugo"))
    assert [(f.person, f.text) for f in found][:1] == [("Hugo", "Hugo called the plumber about the leak")]


@pytest.mark.parametrize("question, answer, facts", [
    ("did you get a car in the end?", "yes, picked it up on Tuesday",
     ["Nora got a car in the end", "Nora picked Nora's car up on Tuesday 5 May 2026"]),
    ("Have you found a flat yet?", "yep, signed the lease for it yesterday",
     ["Nora has found a flat", "Nora signed the lease for Nora's flat on 11 May 2026"]),
])
def test_a_yes_then_a_clause_that_leans_on_the_question_says_it_was_done_first(extractor, question, answer, facts):
    # Said as done before the clause, the question's thing is what the clause's "it" refers to; before, the
    # clause's "it" pointed nowhere and the answer gave no fact at all.
    found = _facts(extractor, question, answer, names=("Tobias", "Nora"))
    assert [f.text for f in found] == facts
    assert (found[0].quote, found[0].start) == (answer, 0)  # the done quotes the whole answer, yes and all


@pytest.mark.parametrize("question, answer, facts", [
    # The clause says what was done itself: "The user has a ZVV pass" would say it twice.
    ("Do you have a ZVV pass?", "Yes, I bought an annual pass last week.",
     ["The user bought an annual pass in the week of 4 May 2026"]),
    ("Didn't you sell the car?", "yes, sold it to a neighbour", ["The user sold the car to a neighbour"]),  # negated
    ("Did your sister buy shoes?", "yes, got them in the sale", []),  # someone else's doing
])
def test_a_yes_then_a_clause_says_nothing_more_where_the_question_is_not_read(extractor, question, answer, facts):
    assert [f.text for f in _facts(extractor, question, answer)] == facts


@pytest.mark.parametrize("question, answer, fact", [
    ("Hey Lena, did you end up taking the job in Graz?", "Yes!", "Lena ended up taking the job in Graz"),
    ("Lena, where do you work now?", "At Voestalpine.", "Lena works at Voestalpine"),
    ("Okay Lena Vogel, how many kids do you have?", "Two.", "Lena has two kids"),
])
def test_a_question_that_opens_with_the_name_of_the_person_asked_is_read_past_it(extractor, question, answer, fact):
    # The parser makes the name the sentence's root and hangs the question from it.
    found = _facts(extractor, question, answer, names=("Tomás", "Lena"))
    assert [(f.person, f.text) for f in found] == [("Lena", fact)]


@pytest.mark.parametrize("question, answer", [
    ("Where are you from?", "Yes."),            # a yes answers no "where"
    ("Did your sister buy shoes?", "yes"),      # someone else's doing
    ("Didn't you sell the car?", "yes"),        # a negated question
    ("Did you see my message?", "Yes."),        # the asker's own "my"
    ("Did you sleep well?", "Yes, thanks."),    # more than a yes: small talk, not an echo of the question
    ("Do you want me to remind you?", "Yes please."),
])
def test_a_yes_alone_to_other_questions_gives_nothing(extractor, question, answer):
    assert _facts(extractor, question, answer) == []


@pytest.mark.parametrize("question, answer", [
    ("How are you?", "Good."),                  # asks nothing to keep
    ("Did you buy shoes yet?", "no, the sale ended"),    # a "no"
    ("Did your sister buy shoes?", "yes, red ones"),     # someone else's doing, answered by the user
    ("Didn't you sell the car?", "yes, to a neighbour"),  # a negated question: "yes" is ambiguous
    ("What are you reading?", "I'm thinking of you"),   # no place or name thought of
    ("Why did you leave?", "Money."),           # a reason is no statement of its own
    ("Do you have pets?", "Two cats."),         # yes/no questions are not turned round
    ("Where are you from?", "No idea."),        # a "no" says nothing
    ("What do I owe you?", "Ten pounds."),      # the asker's own "I"
    ("What's a rough budget you have in mind?", "90 pounds."),  # "you" is not what the question is about
    ("Which area feels weakest?", "taxation. always taxation"),
    ("What are you building?", "a shed with a green roof and a small bench for the tools"),  # past eight words
])
def test_other_answers_give_no_fact_of_their_own(extractor, question, answer):
    assert _facts(extractor, question, answer) == []


def test_an_answer_that_goes_on_to_a_clause_of_its_own_is_restated_and_then_read_as_said(extractor):
    # The answer's statement comes first, and the sentence is still read whole: where the user lives and works.
    found = _facts(extractor, "Where are you from?", "Cardiff, but I live in Bristol now and I work in a bakery.")
    assert [f.text for f in found] == ["The user is from Cardiff", "The user lives in Bristol",
                                       "The user works in a bakery"]
    # Before, only the clauses gave facts: the answer itself was lost.
    found = _facts(extractor, "how much is your rent?", "1,450 warm, which hurts, but Mira covers half",
                   names=("Felix", "Noor"))
    assert [f.text for f in found][:1] == ["Noor's rent is 1,450 warm"]


@pytest.mark.parametrize("question, answer, fact", [
    ("Where are you working now?", "Corvane, but I still do one shift a month at the hospital",
     "The user is working at Corvane"),
    ("What are you working on?", "Dashboards, mostly.", "The user is working on dashboards"),  # an everyday noun
])
def test_a_name_the_tagger_missed_at_the_start_of_an_answer_keeps_its_capital(extractor, question, answer, fact):
    # The small tagger calls "Corvane" a common noun: lower-cased, it read "… is working in corvane".
    assert [f.text for f in _facts(extractor, question, answer)][:1] == [fact]


def test_between_two_people_the_answer_is_the_answerers(extractor):
    found = _facts(extractor, "Welcome to Oak Street! Where did you move from?",
                   "From Cardiff. My husband got a job at the university here.", names=("Jamal", "Sofia"))
    assert [(f.person, f.text) for f in found][:2] == [
        ("Sofia", "Sofia moved from Cardiff"), ("Sofia", "Sofia's husband got a job at the university")]


def test_a_question_from_the_same_speaker_is_no_question_to_them(extractor):
    said = [Message("user", "Where am I from?"), Message("user", "Cardiff.")]
    assert extractor.extract(said, NOW) == []


@pytest.mark.parametrize("verb, form", [("grow", "grew"), ("move", "moved"), ("study", "studied"),
                                        ("play", "played"), ("go", "went"), ("put", "put")])
def test_past(verb, form):
    assert answers.past(verb) == form


def test_a_clause_whose_pronoun_takes_up_the_answer_before_it_does_not_say_it_twice(extractor):
    # Read with the answer in it, the clause said "Nora's sister Hanna, Nora's sister Hanna drove".
    texts = [f.text for f in _facts(extractor, "Who did you go to Porto with?",
                                    "my sister Hanna, she booked the flights in March", names=("Tobias", "Nora"))]
    assert texts == ["Nora went to Porto with Nora's sister Hanna",
                     "Nora's sister Hanna booked the flights in March 2026"]


def test_an_answer_no_statement_was_made_of_is_no_part_of_the_clause_after_it(extractor):
    # "you?" asks nothing a statement can be made of; "the 13th" was read as the clause's date.
    facts = _facts(extractor, "Flying out on the 12th. You?", "the 13th, I've got the board meeting on the 12th",
                   names=("Chris", "Amara"))
    assert [f.text for f in facts][-1:] == ["Amara has got the board meeting on 12 May 2026"]


def test_yes_then_what_the_speaker_is_doing_is_both(extractor):
    facts = _facts(extractor, "Are you coming to the offsite in Lisbon?", "yes, flying out on the 20th with Dev")
    assert [f.text for f in facts] == ["The user is coming to the offsite in Lisbon",
                                       "The user is flying out on 20 May 2026 with Dev"]


def test_a_yes_then_an_ing_about_what_was_asked_of_someone_else_is_not_the_speakers(extractor):
    facts = _facts(extractor, "Did he mention the rent increase?", "yep, going up to 1,150 from march")
    assert not any(f.text.startswith("The user is going up") for f in facts)


def test_what_asked_after_to_goes_after_that_verb(extractor):
    facts = _facts(extractor, "What are you planning to grow?", "potatoes and runner beans")
    assert [f.text for f in facts] == ["The user is planning to grow potatoes and runner beans"]


def test_a_when_answered_with_a_thing_is_no_date_of_what_was_asked(extractor):
    assert [f.text for f in _facts(extractor, "When can you start?", "keys on saturday")] == []


def test_a_question_with_a_remark_after_it_is_still_the_one_answered(extractor):
    # The other side's turn ends with a remark, not its question: the answer's "she" is still who it asked about.
    facts = _facts(extractor, "Have you cleared it with Noor? Trips abroad with the kids need both parents' consent.",
                   "yes she signed the letter, it's during my week", names=(None, "Claire"))
    assert [f.text for f in facts] == ["Noor signed the letter"]
