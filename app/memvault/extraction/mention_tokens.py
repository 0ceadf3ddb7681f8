"""What one token says about the mention it makes: a person's name, a pet's, a thing "it" or "them" may be.

The tests :mod:`memvault.extraction.coref` reads a clause's mentions with; each looks at one token and its
neighbours in the parse.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from memvault.extraction.kin import (FEMALE, GENDERED, MALE, OCCUPATIONS, PEOPLE_WORDS, PETS, PLURAL,
                                    POSSESSIVES, SERVICE_ROLES)
from memvault.extraction.noise import NON_CONTENT_NOUNS
from memvault.extraction.truecase import SHORTHAND

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span, Token

#: Verbs whose subject is a person (or an animal), never a place: what a name does with one of them makes it a
#: person's name whatever the tagger typed it as.
_PERSON_VERBS = frozenset({"say", "tell", "ask", "reply", "think", "believe", "want", "wish", "hope", "decide", "agree",
                           "promise", "cover", "help", "train", "teach", "learn", "study", "marry", "date", "text",
                           "email", "message", "call", "phone", "laugh", "cry", "smile", "sing", "dance", "babysit",
                           "cook", "graduate", "retire", "resign", "apologise", "apologize", "recommend", "suggest",
                           "invite", "prefer", "love", "hate", "enjoy", "dislike", "adore"})
_UNREAL = frozenset({"will", "'ll", "would", "'d", "might", "may", "could", "should", "shall", "must", "not", "n't",
                     "never", "wo", "ca", "can"})


#: What only a person (or a pet) feels: "Lucas seemed happy" is someone ("busy", "fine", "quiet" a town may seem).
_FEELINGS = frozenset({"happy", "sad", "tired", "excited", "nervous", "jealous", "thankful", "grateful", "relieved",
                       "stressed", "proud", "exhausted", "frustrated", "upset", "angry", "annoyed", "worried", "anxious",
                       "bored", "scared", "afraid", "lonely", "confused", "disappointed", "delighted", "thrilled",
                       "furious", "embarrassed", "homesick", "heartbroken"})
_SEEMING = frozenset({"seem", "look", "feel", "sound", "get", "become", "be", "appear"})


def acts_as_person(t: Token) -> bool:
    """A one-word name the small tagger calls a place, or nothing, that does what only a person does ("Giulia can
    cover for me", "Aiko said …"): the subject of a verb of speaking, thinking, wanting or helping; or, whatever
    the tagger calls it, a subject doing something to "his" or "her" own ("Leo has changed his mind") or having what
    only a person has on a day ("Leo's got a dentist appointment"); or, untagged, one that feels what only a person
    feels ("Lucas seemed happy")."""
    if t.pos_ != "PROPN" or t.dep_ not in ("nsubj", "nsubjpass") or any(c.dep_ == "compound" for c in t.children):
        return False
    if any(w.lemma_.lower() in _ILLNESSES or w.dep_ == "pobj" and w.lower_ in _WHERE_A_CHILD_GOES
           for w in t.head.subtree if w.i > t.i):
        return True  # "Leo's been off nursery all week with a chest infection" (Leo "Leo's", a business)
    if t.dep_ != "nsubj":
        return False
    if t.ent_type_ == "" and t.head.lemma_ in _SEEMING and any(
            c.dep_ in ("acomp", "oprd") and c.lower_ in _FEELINGS for c in t.head.children):
        return True
    if t.head.lemma_ in ("have", "get") and t.ent_type_ != "PERSON" and any(
            c.dep_ == "dobj" and c.lemma_.lower() in _A_PERSONS_DAY for c in t.head.children):
        return True  # "Leo's got a dentist appointment on thursday", Leo an organisation to the tagger
    return (t.ent_type_ in ("GPE", "LOC", "") and t.head.lemma_ in _PERSON_VERBS) or own_gender(t) is not None


#: What only a living being catches, and where only a person goes by the day.
_ILLNESSES = frozenset({"infection", "flu", "fever", "cough", "chickenpox", "measles", "tonsillitis", "covid",
                        "virus", "sickness", "migraine", "concussion", "rash", "bronchitis", "pneumonia"})
_WHERE_A_CHILD_GOES = frozenset({"nursery", "school", "preschool", "kindergarten", "daycare", "creche", "playgroup"})


#: What a person has on a day, as no firm or place does ("has her piano exam", "got a dentist appointment").
_A_PERSONS_DAY = frozenset({"appointment", "exam", "lesson", "check-up", "checkup", "interview", "operation",
                            "birthday", "haircut", "jab", "vaccination"})


#: Verbs whose object is an activity, a game or a language, hardly a person: "I started Pilates", "we play Catan",
#: "she's learning Rust" (not "teach" or "take": "I teach Lucas", "I'll take Lucas to school").
_ACTIVITY_VERBS = frozenset({"start", "begin", "play", "practise", "practice", "learn", "quit", "do", "try"})


def names_an_activity(t: Token) -> bool:
    """A one-word name that is what someone starts, plays, practises or learns, whatever the tagger calls it: no
    person."""
    return t.pos_ == "PROPN" and t.dep_ == "dobj" and t.head.lemma_ in _ACTIVITY_VERBS


#: What only a person has: "Noor's birthday", "Noor's sister", "Noor's new job" (not "partner" or "client":
#: companies have those).
_ONLY_A_PERSONS = FEMALE | MALE | {"birthday", "birthdays", "wedding", "pregnancy", "childhood", "christening",
                                   "baptism", "funeral", "graduation", "job", "boss", "engagement", "retirement",
                                   "promotion", "divorce", "post",  # (a "post" of someone's, in chat: what they wrote)
                                   "bloods", "jabs", "vaccinations", "operation", "diagnosis"}  # (or a pet's)


#: What only a person is: "Priya is pregnant" (a place to the tagger once an "oh and" comes before it).
PERSON_STATES = frozenset({"pregnant", "engaged", "married", "divorced", "retired", "ill", "unwell", "vegan",
                           "vegetarian", "unemployed", "redundant", "expecting", "single", "allergic", "coeliac",
                           "celiac", "diabetic", "asthmatic", "epileptic", "pescatarian", "teetotal"})
#: Where a person is from when they are named by it: "Marcus from the platform team", "Anna from work".
_GROUPS = frozenset({"team", "department", "office", "work", "school", "class", "club", "gym", "choir", "church", "uni",
                     "college", "hr", "accounts", "finance", "sales", "marketing", "legal"})


def shows_a_person(t: Token) -> bool:
    """A one-word name the small tagger called an organisation or a place whose sentence shows a person: it has
    what only a person has ("Noor's birthday"), is named by the people they are one of ("Marcus from the platform
    team"), is an occupation or a state only a person is in ("Noor is a structural engineer", "Priya is pregnant"),
    is asked their age ("How old is Amara now?") or how they are ("How's Ruby?", a name the tagger left untyped), or
    does what only a person does (:func:`acts_as_person`)."""
    if t.pos_ != "PROPN" or any(c.dep_ == "compound" for c in t.children):
        return False
    if t.dep_ == "poss" and t.head.lower_ in _ONLY_A_PERSONS or any(c.dep_ == "prep" and c.lower_ == "from" and any(
            p.dep_ == "pobj" and p.lemma_.lower() in _GROUPS for p in c.children) for c in t.children):
        return True  # (or one of a group of people: "Marcus from the platform team", "Anna from work")
    if t.dep_ == "nsubj" and t.head.lemma_ == "be" and any(
            c.dep_ == "attr" and c.lemma_.lower() in OCCUPATIONS or c.dep_ == "acomp" and c.lower_ in PERSON_STATES
            or c.dep_ == "acomp" and c.lower_ == "old" and any(a.lower_ == "how" for a in c.children)
            for c in t.head.children):
        return True
    if t.dep_ == "nsubj" and t.ent_type_ == "" and any(c.lower_ == "how" for c in t.head.children):
        return True  # "How's Ruby?", "How is Ruby doing?": asked after as a person is (a place is typed: "Paris")
    return acts_as_person(t)


#: Verbs of going, living and coming, by the preposition that names a place after them: "moved to Ghent", "lives
#: in Ghent", "lives on Crete", "flew back from Porto" (not "talked to Tom", "moved in with Tom", "visited Tom").
_PLACE_AFTER = {"to": frozenset({"move", "go", "fly", "travel", "relocate", "drive", "return", "commute", "emigrate",
                                 "head", "cycle"}),
                "in": frozenset({"live", "stay", "settle", "grow", "bear", "base"}),
                "on": frozenset({"live", "stay", "spend", "holiday", "camp"}),  # an island: "a week on Skye"
                "from": frozenset({"come", "move", "fly", "return", "drive", "travel", "hail", "emigrate"})}


def names_where_one_goes(t: Token) -> bool:
    """A one-word name that says where someone goes, lives or comes from ("we moved to Ghent"): a place, which
    the proper-noun fallback read as a first name."""
    verbs = _PLACE_AFTER.get(t.head.lower_)
    return t.pos_ == "PROPN" and t.dep_ == "pobj" and verbs is not None and t.head.head.lemma_ in verbs


def own_gender(t: Token) -> str | None:
    """The gender of the "his" or "her" a subject's verb does something to ("Leo has changed his mind": male)."""
    if t.dep_ != "nsubj":
        return None
    return next((GENDERED[g.lower_] for c in t.head.children if c.dep_ in ("dobj", "attr") for g in c.children
                 if g.dep_ == "poss" and g.lower_ in ("his", "her")), None)


def concrete(t: Token, lemma: str) -> bool:
    """A singular noun "it" can stand for: not an abstract one ("a chance", "the time", "an idea")."""
    return t.pos_ == "NOUN" and t.tag_ != "NNS" and lemma not in NON_CONTENT_NOUNS


def thing_named_with_the(t: Token, people: Collection[str]) -> bool:
    """A singular name after "the", as the subject or object of its clause, that is no one known: a thing called by
    its name ("the Fiesta failed its MOT", "we sold the Triumph"), whatever the tagger calls it (its PERSON took
    "the Fiesta")."""
    return t.pos_ == "PROPN" and t.tag_ == "NNP" and t.dep_ in ("nsubj", "nsubjpass", "dobj") and any(
        c.dep_ == "det" and c.lower_ == "the" for c in t.children) and name_span(t) not in people


def plural_thing(t: Token, lemma: str) -> bool:
    """Plural things "them" can stand for ("the cherry tomatoes", "my roses"), not people or abstract nouns."""
    return t.pos_ == "NOUN" and t.tag_ == "NNS" and lemma not in NON_CONTENT_NOUNS and lemma not in PEOPLE_WORDS \
        and t.lower_ not in PLURAL


def where(t: Token, inside: set[int], possessive: str) -> str:
    """Where the things are, as said after them ("the roses in my garden": " in Piotr's garden"), or ""."""
    for prep in t.children:
        place = next((c for c in prep.children if c.dep_ == "pobj" and c.pos_ == "NOUN"), None)
        if prep.dep_ == "prep" and prep.lower_ in ("in", "on", "at") and place is not None and \
                all(x.i in inside for x in prep.subtree):
            words = [possessive if x.lower_ in POSSESSIVES else x.text for x in prep.subtree]
            return " " + " ".join(words)
    return ""


def happened(verb: Token) -> bool:
    """Whether ``verb`` says what is or was, not what may or will be or is not ("I don't think I'll get another
    dog", "I might foster cats"): what is only thought of is nothing a later pronoun points to."""
    return not any(c.dep_ in ("aux", "neg") and c.lower_ in _UNREAL for c in verb.children)


def owned_by_user(verb: Token) -> bool:
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    return subject is not None and subject.lower_ in ("i", "we")


def compound_text(t: Token) -> str:
    """The noun with its compounds and adjectives ("vintage road bike", "sea-kayak"), no determiner or owner."""
    parts = [c for c in t.children if c.dep_ in ("compound", "amod", "nmod") and c.i < t.i]
    start = min([c.left_edge.i for c in parts] + [t.i])
    # A compound's own determiner is the noun's, misparsed ("a sourdough starter": "a" hung on "sourdough").
    while start < t.i and (t.doc[start].pos_ == "DET" or t.doc[start].dep_ == "poss"):
        start += 1
    # Chat's shorthand after a noun is no part of it, whatever the parser hangs on it ("an offer btw").
    end = t.i if t.lower_ in SHORTHAND and start < t.i else t.i + 1
    if "".join(x.text for x in t.doc[end:end + 4]).lower() == "-in-law":
        end += 4  # "father-in-law" is no father
    return " ".join(x.text for x in t.doc[start:end]).replace(" - ", "-")


def name_of(t: Token, inside: set[int]) -> str | None:
    """A name right after a kin word ("my nephew Karl", "my aunt Odile")."""
    for c in t.children:
        if c.i in inside and c.dep_ in ("appos", "npadvmod", "dobj", "attr") and c.i == t.i + 1 and (
                c.pos_ == "PROPN" or c.pos_ == "NOUN" and c.text[:1].isupper() and c.i > c.sent.start):
            return name_span(c)  # (a name the tagger took for a noun for its capital: "her dog Biscuit")
    nxt = t.doc[t.i + 1] if t.i + 1 < len(t.doc) else None
    # The small parser sometimes makes the name a second subject of the verb ("my old dog Rosie died"), or a
    # compound of it ("my daughter Helen rang").
    if nxt is not None and nxt.i in inside and nxt.pos_ == "PROPN" and (
            nxt.head.i == t.i or nxt.dep_ in ("nsubj", "compound") and t.dep_ == "nsubj" and nxt.head.i == t.head.i):
        return name_span(nxt)
    return None


def called(t: Token, inside: set[int]) -> str | None:
    """The name "called"/"named" gives ``t`` or the noun that restates it after a comma ("we got a cat named
    Mochi", "I adopted a dog on Saturday, a greyhound called Lupe")."""
    nouns = [t, *(c for c in t.children if c.dep_ == "appos"),
             *(s for s in t.head.children if s.dep_ in ("npadvmod", "appos") and s.i > t.i and s.pos_ == "NOUN")]
    for noun in nouns:
        for verb in noun.children:
            if verb.dep_ == "acl" and verb.lemma_ in ("call", "name"):
                name = next((x for x in verb.children if x.pos_ == "PROPN" and x.i in inside), None)
                if name is not None:
                    return name_span(name)
    return None


def is_head_of_name(t: Token) -> bool:
    return not (t.head.ent_type_ == "PERSON" and t.head.i != t.i and t.dep_ in ("compound", "flat"))


def name_span(t: Token) -> str:
    tokens = [c for c in t.children if c.dep_ == "compound" and c.ent_type_ == "PERSON"
              and c.lower_ not in PEOPLE_WORDS] + [t]  # "my niece Greta": the tagger's PERSON takes in "niece"
    return " ".join(x.text for x in sorted(tokens, key=lambda x: x.i))


def speakers_role(t: Token) -> Token | None:
    """The "the" of a service role said as the speaker's own ("the surgeon says …", "the landlord raised the
    rent": theirs, as "my surgeon" is), when ``t`` is one; ``None`` for anyone else's ("the hotel manager", "the
    manager of the hotel", "the bakery's manager")."""
    if t.pos_ != "NOUN" or t.tag_ == "NNS" or t.lemma_.lower() not in SERVICE_ROLES:
        return None
    if any(c.dep_ in ("poss", "compound") or c.dep_ == "prep" and c.lower_ == "of" for c in t.children):
        return None
    return next((c for c in t.children if c.dep_ == "det" and c.lower_ == "the"), None)


def untyped_names(sent: Span, words: Collection[str]) -> list[str]:
    """Names in ``sent`` the tagger gave no type and no word list (``words``) knows ("Luca was born on the 29th",
    "Arlo got player of the year"): someone's, as a name the chat mentioned is ("Lisbon", "the removal van" are
    not)."""
    return [t.text for t in sent if t.pos_ == "PROPN" and (t.ent_type_ == "" or t.ent_type_ == "ORG" and _one_word(t))
            and t.is_alpha and t.text[:1].isupper() and t.lower_ not in words
            and not any(c.dep_ == "det" for c in t.children)]


def _one_word(t: Token) -> bool:
    """Whether ``t`` is an entity of one word, not in capitals ("Amira", which the small tagger calls an
    organisation; not "NOAA")."""
    return t.ent_iob_ == "B" and (t.i + 1 == len(t.doc) or t.doc[t.i + 1].ent_iob_ != "I") and not t.text.isupper()


#: Verbs that give a name to their object ("we named her Pip", "a lurcher called Juniper").
NAMING_VERBS = frozenset({"name", "call"})


def names_it(t: Token) -> bool:
    """Whether ``t`` is the name a thing is given ("we're calling it Harbour Lights": the EP, whatever the tagger
    says), no person a later "she" may be."""
    return t.dep_ == "oprd" and t.head.lemma_ in NAMING_VERBS and any(
        c.dep_ == "dobj" and c.lower_ == "it" for c in t.head.children)


def others_thing(t: Token, possessive: str, people: Collection[str]) -> str | None:
    """How a fact says a thing of someone's that is a clause's subject ("dad's op got postponed" → "Aisha's dad's op",
    "Maya's flight was cancelled" → "Maya's flight"), which a later "it" may be ("the surgeon was off sick, it's now
    14 May"); ``possessive``: the speaker's ("Aisha's"); ``people``: names known as people's. ``None`` for anything
    else: the speaker's own things, people, pets, and what is owned by no one named."""
    owner = next((c for c in t.children if c.dep_ == "poss"), None)
    lemma = t.lemma_.lower()
    if owner is None or t.pos_ != "NOUN" or t.dep_ not in ("nsubj", "nsubjpass") or lemma in PEOPLE_WORDS \
            or t.lower_ in PEOPLE_WORDS | PLURAL or lemma in NON_CONTENT_NOUNS:
        return None
    if owner.lower_ in PEOPLE_WORDS and not any(c.dep_ == "det" or c.dep_ == "poss" and c.lower_ not in ("my", "our")
                                                for c in owner.children):
        return f"{possessive} {owner.lower_}'s {compound_text(t)}"  # "(my) dad's op": the speaker's dad's
    if owner.pos_ == "PROPN" and (owner.ent_type_ == "PERSON" or name_span(owner) in people):
        return f"{name_span(owner)}'s {compound_text(t)}"
    return None


def named_before_in(t: Token, tokens: Sequence[Token]) -> str | None:
    """The name of the one person ``tokens`` (a clause) names before the "him", "his" or "her" ``t`` ("I gave Jonah
    his keys back"), or ``None``: none, or two."""
    if t.lower_ not in ("him", "his", "her"):
        return None
    named = [x for x in tokens if x.i < t.i and x.pos_ == "PROPN" and x.ent_type_ == "PERSON"
             and x.dep_ in ("dobj", "dative", "pobj", "nsubj") and is_head_of_name(x)]
    return name_span(named[0]) if len(named) == 1 else None


#: Prepositions whose object, a name, is a place ("from Copenhagen", "in Porto"); "to" only not before a person.
_PLACE_PREPOSITIONS = frozenset({"in", "from", "at", "near", "around", "to"})


#: The last word of a street's name ("Park Lane", "Elm Road").
_STREETS = frozenset({"Lane", "Road", "Street", "Avenue", "Close", "Drive", "Crescent", "Terrace", "Gardens", "Square",
                      "Rd", "St", "Ave", "Boulevard", "Way"})


def names_a_street(t: Token) -> bool:
    """Whether ``t`` ends a street's name ("the leisure centre on Park Lane", which the tagger calls a person)."""
    return t.text in _STREETS and t.i > 0 and t.nbor(-1).pos_ == "PROPN"


def named_as_place(t: Token, people: Collection[str]) -> bool:
    """Whether the name ``t`` is a place: tagged one, or said after a place preposition (the small tagger calls
    "Copenhagen" an organisation and "Porto" a person), and no one known nor a date."""
    if t.ent_type_ in ("GPE", "LOC", "FAC") or names_a_street(t):
        return True
    if t.dep_ != "pobj" or t.head.lower_ not in _PLACE_PREPOSITIONS or t.ent_type_ in ("DATE", "TIME"):
        return False
    # "to" a person ("talked to Tom") unless it is where one goes ("we're going to Crete", Crete a PERSON)
    return name_span(t) not in people and not (t.head.lower_ == "to" and t.ent_type_ == "PERSON"
                                               and not names_where_one_goes(t))


def pet_named(t: Token, lemma: str, name: str | None) -> tuple[str, str] | None:
    """The pet word and the name of "dog Pip" however the parser headed it (the word, or the name), or ``None``."""
    if lemma in PETS:
        return (t.lower_, name) if name else None
    pet = next((c for c in t.children if c.dep_ == "compound" and c.lemma_.lower() in PETS), None)
    return (pet.lower_, name_span(t)) if pet is not None and t.pos_ == "PROPN" else None
