"""What is not an entity: the rules that keep chat filler out of the entity list.

Two kinds of noise reached the Entities page from real chats: everyday nouns
read as the user's recurring concepts ("mind" from "keep in mind", "hurry"
from "in a hurry", "off" from "the offs", "congratulation", "luck"), and
common nouns the small tagger called a name ("Latency went up" read as a
person because a sentence's first word is capitalised; "kick-off" labelled
PERSON in lower case). The rules, in the order they apply:

Concepts (a memory's nouns; the Entities page lists those two or more memories share,
:data:`memvault.service.entities.RECURRING_MIN`):

1. the tagger says NOUN (not a proper noun, not inside a named entity);
2. the lemma is alphabetic and at least :data:`MIN_CONCEPT_CHARS` long;
3. neither the lemma nor the word is in spaCy's English stop list (the lemma
   too: "offs" is not a stop word, its lemma "off" is);
4. the lemma is not in :data:`NON_CONTENT_NOUNS`: nouns that say nothing
   about what a memory is about (time words, quantities, "thing"), nouns that
   chat uses almost only in set phrases (hurry, mind, luck, sake), and
   interjections the tagger reads as nouns (lol, congrats, thanks);
5. the noun is not inside one of :data:`IDIOMS`, set phrases whose noun is
   content elsewhere ("of course" but "a cooking course"; "a good sign" but
   "held a sign"; "next step");
6. the noun is not half of a hyphenated word ("kick" of "kick-off", "hands" of "all-hands").

Names (PERSON, ORG and place labels, and untagged proper nouns read as people),
unless the namespace's gazetteer already knows the name:

1. a span written all in lower case is a name only when every word is a
   proper noun to the tagger and none is a common English noun
   (:class:`Lexicon.nouns`, the lemmatizer's WordNet noun index shipped in
   the pinned pipeline): "greg" stays, "kick-off" and "latency" go;
2. a capitalised single word that starts its sentence says nothing by its
   capital: when it is a common English noun it is a name only if the
   entity tagger labelled it and the part-of-speech tagger agrees it is a
   proper noun ("Steph thinks so" stays). Otherwise it is read as the noun it
   is, a concept if the concept rules keep it: "Latency went up" is about
   latency, "Hurry was the word" about nothing. The price: a pet named after
   a noun, first met at the start of a sentence ("Juniper slept on the
   sofa"), is the concept "juniper", and stays one (the gazetteer links later
   mentions to the known entity, whatever the tagger says then); graph search
   finds it all the same.
3. weekday and month names are never a person ("Sunday said…", "sundays"),
   however the tagger labels them; the date rules read them as dates. (A
   person named April or June is the price.)
4. a place (GPE, LOC, FAC) written as one lower-case word is not a place unless
   the gazetteer knows it: the small tagger labels unknown lower-case words
   after "in" as places ("edits code in neovim"); a place someone writes in
   lower case is usually one the vault has seen capitalised before.
5. one capitalised word that modifies a common noun after it, first in its
   sentence or after a determiner, is not a person ("Atlas migration is
   blocked", "the Emoji reactions"): it names a product or a project; a
   person's name in that place takes the possessive ("Priya's migration").
   The demoted word may still be a concept.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.matcher import Matcher

#: Weekday and month names (lower case): never a person's name, whatever the tagger says.
CALENDAR_NAMES = frozenset(n.lower() for n in (*calendar.day_name, *calendar.month_name) if n)
#: Tagger labels for places.
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
#: Last words that make a capitalised name a place ("Elm Street", "Kings Road"), not a person, whatever the tagger
#: or the proper-noun fallback says; none is a common surname.
PLACE_SUFFIXES = frozenset({"street", "road", "avenue", "lane", "boulevard", "square", "plaza", "terrace",
                            "crescent", "highway", "station", "airport", "bridge"})


def names_a_place(words) -> bool:
    """Whether a name of two or more words ends in a street or place word ("Elm Street")."""
    return len(words) > 1 and words[-1].lower_ in PLACE_SUFFIXES
#: Shortest lemma kept as a concept ("gym", "cat" and "vet" are content; two letters rarely are).
MIN_CONCEPT_CHARS = 3

_GENERIC = """
thing things stuff lot lots bit way time times day days week weeks month months year years today tonight morning
evening night afternoon moment minute minutes hour hours kind sort part point idea question answer something
anything everything nothing one ones people person guy guys fact case number plan plans sense end start place
user users assistant
half couple rest amount total percent dozen count side top bottom outside inside front back
problem issue reason chance option choice matter result detail
"""
_IDIOMATIC = """
hurry mind luck sake plenty congratulation congratulations congrats thanks thank favour favor timing try help fun
hassle bother worry clue
"""
_INTERJECTIONS = """
lol lmao omg haha hehe yeah yep nope okay hey hello bye cheer cheers sorry please wow ugh hmm
"""
#: Lemmas never kept as concepts (see rule 4 above).
NON_CONTENT_NOUNS = frozenset((_GENERIC + _IDIOMATIC + _INTERJECTIONS).split())

_DET = {"LOWER": {"IN": ["a", "an", "the", "my", "your", "his", "her", "our", "their", "its", "no"]}, "OP": "?"}
_GOOD = {"LOWER": {"IN": ["good", "great", "bad", "fair", "big", "real", "huge", "nice", "small", "whole"]}}


def _phrase(*words: str) -> list[dict]:
    return [{"LOWER": w} for w in words]


#: Set phrases whose noun is not a concept there (rule 5); spaCy Matcher patterns by name.
IDIOMS: dict[str, list[list[dict]]] = {
    "of course": [_phrase("of", "course")],
    "a good sign / deal / win / step": [[_DET, _GOOD, {"LEMMA": {"IN": ["sign", "deal", "win", "step", "help"]}}]],
    "next / first step": [[_DET, {"LOWER": {"IN": ["next", "first", "last"]}}, {"LEMMA": "step"}],
                          [{"LEMMA": "step"}, {"LOWER": "by"}, {"LEMMA": "step"}]],
    "on track / on board / on purpose / on time": [
        [{"LOWER": "on"}, {"LOWER": {"IN": ["track", "board", "purpose", "time", "call", "hold"]}}]],
    "in touch / in charge / in place / in advance / in general": [
        [{"LOWER": "in"}, _DET, {"LOWER": {"IN": ["touch", "charge", "place", "advance", "general", "particular",
                                                 "mind", "hurry", "row", "case", "progress", "shape"]}}]],
    "at least / at all / at most": [[{"LOWER": "at"}, {"LOWER": {"IN": ["least", "all", "most", "first", "last"]}}]],
    "take care / make sense / have fun / no problem / no idea": [
        [{"LEMMA": "take"}, {"LOWER": "care"}], [{"LEMMA": "make"}, {"LOWER": "sense"}],
        [{"LOWER": "no"}, {"LOWER": {"IN": ["problem", "worries", "idea", "way", "rush", "hurry"]}}]],
    "change / keep / bear / slip one's mind": [
        [{"LEMMA": {"IN": ["change", "slip", "cross", "blow"]}}, _DET, {"LOWER": "mind"}],
        [{"LEMMA": {"IN": ["keep", "bear"]}}, {"OP": "?"}, {"LOWER": "in"}, {"LOWER": "mind"}]],
    "on both counts / in a way / by the way": [
        [{"LOWER": "on"}, _DET, {"LOWER": {"IN": ["both", "all"]}}, {"LEMMA": "count"}],
        [{"LOWER": "by"}, {"LOWER": "the"}, {"LOWER": "way"}]],
}


def noun_index(nlp) -> frozenset[str]:
    """The pinned pipeline's English noun index (its lemmatizer's WordNet nouns), empty when it ships none."""
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    tables = nlp.get_pipe("lemmatizer").lookups
    return frozenset(tables.get_table("lemma_index").get("noun", ())) if tables.has_table("lemma_index") \
        else frozenset()


def _index(nlp, pos: str) -> frozenset[str]:
    """The pinned pipeline's WordNet lemmas of one part of speech, empty when it ships none."""
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    tables = nlp.get_pipe("lemmatizer").lookups
    return frozenset(tables.get_table("lemma_index").get(pos, ())) if tables.has_table("lemma_index") \
        else frozenset()


def _regular_verbs(nlp) -> frozenset[str]:
    """WordNet's verbs whose past is not one the lemmatizer lists as irregular ("say": "said", so "Sayed" is a
    name, not a past)."""
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    tables = nlp.get_pipe("lemmatizer").lookups
    irregular = tables.get_table("lemma_exc").get("verb", {}) if tables.has_table("lemma_exc") else {}
    # The table also lists doubled pasts ("stopped": "stop"): only a form that is not its verb plus letters is irregular.
    return _index(nlp, "verb") - {lemma for form, lemmas in irregular.items() for lemma in lemmas
                                  if not form.startswith(lemma)}


def word_index(nlp) -> frozenset[str]:
    """Every word of the pinned pipeline's English index (its lemmatizer's WordNet lemmas of every part of
    speech, and the irregular forms it lists: "got", "went", "children"), empty when it ships none."""
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    tables = nlp.get_pipe("lemmatizer").lookups
    if not tables.has_table("lemma_index"):
        return frozenset()
    index = tables.get_table("lemma_index")
    irregular = tables.get_table("lemma_exc") if tables.has_table("lemma_exc") else {}
    return frozenset(w for pos in index.keys() for w in index[pos]) | frozenset(
        w for pos in irregular.keys() for w in irregular[pos])


@dataclass(frozen=True)
class Lexicon:
    """What the rules need from the pinned pipeline: its English noun index and stop list, the idiom matcher.

    Built from the loaded pipeline (spaCy is imported only then: the service container must not pay for it).
    """

    nouns: frozenset[str]
    stop_words: frozenset[str]
    matcher: Matcher
    verbs: frozenset[str] = frozenset()

    @classmethod
    def of(cls, nlp) -> Lexicon:
        from spacy.matcher import Matcher

        nouns = noun_index(nlp)
        matcher = Matcher(nlp.vocab)
        for name, patterns in IDIOMS.items():
            matcher.add(name, patterns)
        return cls(nouns, frozenset(nlp.Defaults.stop_words), matcher, _regular_verbs(nlp))

    def idiom_tokens(self, doc) -> set[int]:
        """Indexes of the tokens inside a set phrase of :data:`IDIOMS`."""
        return {i for _, start, end in self.matcher(doc) for i in range(start, end)}

    def concept_lemma(self, token) -> str:
        """A noun's lemma, or the word itself when the lemmatizer cut a word that is a noun as written
        ("diabetes" -> "diabete", "news" -> "new")."""
        lemma, word = token.lemma_.lower(), token.lower_
        return word if lemma != word and lemma not in self.nouns and word in self.nouns else lemma

    def common_noun(self, word: str) -> bool:
        """Whether ``word`` (any case) is an everyday English noun."""
        return word.lower() in self.nouns

    def regular_past(self, word: str) -> bool:
        """Whether ``word`` is a regular verb's past ("Walked", "Booked", "Stopped"), where a chat starts a
        sentence with it and the tagger reads it as the first word of the name after it ("Walked Luna").
        A verb whose past doubles its last letter must show it doubled: "Jared" is no "jar" + "ed"."""
        word = word.lower()
        if len(word) < 5 or not word.endswith("ed"):
            return False
        stem = word[:-2]
        if stem[-1] == stem[-2] and stem[:-1] in self.verbs:
            return True  # "stopped", "jammed"
        if stem + "e" in self.verbs and not stem.endswith("e"):
            return True  # "loved", "hired" (not "freed": its stem ends in "e" already)
        doubles = len(stem) >= 3 and stem[-1] not in "aeiouwxy" and stem[-2] in "aeiou" and stem[-3] not in "aeiou"
        if stem.endswith("e"):
            return False  # a verb in "e" adds a "d" alone: "Naveed" and "Fareed" are no "nave" or "fare" + "ed"
        # A noun chat makes a verb of ("Texted", "Emailed"); not a short one ("Sayed": "say" is a noun too).
        return (stem in self.verbs or len(stem) >= 4 and stem in self.nouns) and not doubles


    def content_noun(self, token, idioms: set[int]) -> bool:
        """Whether a noun token may be a concept by rules 2-6 (the caller checks rule 1)."""
        lemma = token.lemma_.lower()
        nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
        if nxt is not None and not token.whitespace_ and nxt.text == "-":
            return False
        prev = token.nbor(-1) if token.i > 0 else None
        if prev is not None and prev.text == "-" and not prev.whitespace_ and prev.i > 0 \
                and not token.doc[prev.i - 1].whitespace_:
            return False
        return (len(lemma) >= MIN_CONCEPT_CHARS and lemma.isalpha() and lemma not in self.stop_words
                and token.lower_ not in self.stop_words and lemma not in NON_CONTENT_NOUNS and token.i not in idioms)

    def demoted_concept(self, tokens, idioms: set[int]) -> str | None:
        """The concept a rejected name stands for: a sentence's first word that is a common noun
        ("Latency went up" is about latency), if the concept rules keep it."""
        words = [t for t in tokens if t.is_alpha]
        if len(words) != 1 or not words[0].is_sent_start or not self.common_noun(words[0].text):
            return None
        if calendar_words(words):
            return None  # a day's name is a date (the date rules read it), not a recurring concept
        word = words[0]
        return self.concept_lemma(word) if self.content_noun(word, idioms) else None


def calendar_words(tokens) -> bool:
    """Whether ``tokens`` are only weekday and month names ("Sunday", "sundays", "March")."""
    words = [t.lower_ for t in tokens if t.is_alpha]
    return bool(words) and all(w in CALENDAR_NAMES or (w.endswith("s") and w[:-1] in CALENDAR_NAMES) for w in words)


def _names_a_kind_of_thing(word) -> bool:
    """ "Atlas migration is blocked", "the Emoji reactions": one capitalised word before a common noun it
    modifies, first in its sentence or after a determiner, names a product or a project; a person's name in
    that place takes the possessive ("Priya's migration")."""
    if word.dep_ not in ("compound", "amod") or word.head.pos_ != "NOUN" or word.head.i < word.i:
        return False
    return word.is_sent_start or (word.i > 0 and word.doc[word.i - 1].pos_ == "DET")


def plausible_name(tokens, lexicon: Lexicon, *, tagged: bool, label: str = "PERSON") -> bool:
    """Whether ``tokens`` (a tagged entity's, or an untagged proper-noun run read as a person) may be a name
    by the name rules; ``label`` is the tagger's (PERSON, ORG, GPE, LOC or FAC)."""
    words = [t for t in tokens if t.is_alpha]
    if not words:
        return False
    if label == "PERSON" and calendar_words(words):
        return False  # rule 3
    if label in _PLACE_LABELS and len(words) == 1 and not any(c.isupper() for c in words[0].text):
        return False  # rule 4
    if not any(c.isupper() for t in words for c in t.text):
        return all(t.pos_ == "PROPN" and not lexicon.common_noun(t.text) for t in words)
    if label == "PERSON" and len(words) == 1 and _names_a_kind_of_thing(words[0]):
        return False  # rule 5
    if len(words) == 1 and words[0].is_sent_start and lexicon.common_noun(words[0].text):
        # A tagged one keeps the tagger's word for it when the tagger also reads it as a proper noun.
        return tagged and words[0].pos_ == "PROPN"
    return True
