"""A turn is its speaker's: a question naming who said it reads it without the name (ranking/speakers.py)."""

from memvault.ranking import speakers
from memvault.ranking.keyword import content_stems


def _reader(calls):
    def read(text, ids):
        calls.append((text, sorted(ids)))
        return {i: 0.5 for i in ids if i != 4}  # memory 4: the index cannot answer
    return read


def test_only_turns_of_a_person_the_query_names_are_read_without_the_name():
    calls = []
    spoken = speakers.named_speakers("What vehicle did Owen get for work?",
                                     {1: "Owen", 2: "Maren", 3: "assistant", 4: "Owen", 5: "user"}, _reader(calls))
    # One read per person named, of that person's turns; roles ("user", "assistant") are nobody's name.
    assert calls == [("What vehicle did get for work?", [1, 4])]
    assert set(spoken) == {1, 4}
    assert spoken[1].similarity == 0.5 and spoken[4].similarity is None and spoken[1].speaker == "Owen"
    assert spoken[1].name == frozenset({"owen"})
    # A query that names no speaker reads nothing.
    assert speakers.named_speakers("Which firm took him on?", {1: "Owen"}, _reader(calls)) == {} and len(calls) == 1


def test_a_speakers_full_name_and_a_possessive_are_their_name():
    calls = []
    spoken = speakers.named_speakers("Where is Nora Lindqvist's new flat?", {7: "Nora Lindqvist"}, _reader(calls))
    assert calls == [("Where is new flat?", [7])]
    assert spoken[7].name == content_stems("Nora Lindqvist") and len(spoken[7].name) == 2


def test_the_speakers_name_counts_among_the_words_of_their_turn():
    stems = content_stems("What vehicle did Owen get for work?")
    said = speakers.SpokenBy("Owen", 0.5, frozenset({"owen"}))
    assert speakers.coverage(frozenset({"work"}), stems, None) == 1 / len(stems)
    assert speakers.coverage(frozenset({"work"}), stems, said) == 2 / len(stems)
    # A name word the query's content words leave out adds nothing; no content words, no coverage.
    assert speakers.coverage(frozenset(), stems, speakers.SpokenBy("Rob", 0.5, frozenset({"rob"}))) == 0.0
    assert speakers.coverage(frozenset(), frozenset(), said) == 0.0


def test_a_query_naming_many_speakers_reads_only_a_few_without_their_names():
    calls = []
    names = [f"Person{chr(65 + i)}x" for i in range(10)]
    spoken = speakers.named_speakers(" ".join(names), {i: n for i, n in enumerate(names)}, _reader(calls))
    assert len(calls) == speakers.NAMED_MAX and len(spoken) == speakers.NAMED_MAX
