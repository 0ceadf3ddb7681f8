"""Names whose sentence says they are an animal's or a product's, whatever the small tagger typed them as.

The pinned tagger knows people, places and companies from news text: a pet's name is a person or a firm to
it ("our dog Max", "a rescue dog called Biscuit"), and an app or a device a person or a town ("the call is on
Zoom", "I bought a Kindle"). The sentence itself often says which: the animal it is named as, the "a" of a
thing one buys, what one does with an app. Each test reads the parse around one name; nothing is looked up in
a list of names (the words listed are English: animals, and what one does with apps and devices).

Measured on ``tests/data/entity-types/`` (tuning half only while writing): ``docs/benchmarks.md``, "Entity
types".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memvault.domain.entities import EntityType
from memvault.extraction.kin import ANIMAL_VERBS, PETS

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span, Token

#: Where only an animal is taken: "took Biscuit to the vet".
_ANIMAL_PLACES = frozenset({"vet", "vets", "groomer", "groomers", "kennel", "kennels", "cattery"})
#: Nouns a product's name is a compound of: "the Strava app", "my Spotify subscription", "a Zoom call".
_PRODUCT_HEADS = frozenset({"app", "apps", "subscription", "subscriptions", "account", "update", "premium",
                            "playlist", "login", "password", "notifications", "call", "calls", "chat", "group",
                            "charger", "case", "screen", "battery", "plan"})
#: Verbs whose object is an app, a service or a device, hardly a person or a place ("I use Notion", "cancel
#: Netflix"; not "play" or "learn": an activity, :func:`memvault.extraction.mention_tokens.names_an_activity`).
_USED = frozenset({"use", "install", "uninstall", "download", "cancel", "subscribe", "unsubscribe", "update",
                   "upgrade", "reinstall", "stream"})
#: Verbs after which "to"/"from" name an app or a service ("switched from Evernote to Obsidian", "signed up to
#: Strava", "subscribed to Netflix"): one does not switch or subscribe to a town.
_JOINED = frozenset({"switch", "subscribe", "sign", "migrate", "upgrade", "unsubscribe"})
#: What happens "on" or "over" an app or a service: talking, watching, learning ("I message the landlord on
#: WhatsApp", "we watched it on Apple TV", "I practise on Duolingo").
_DONE_ON = frozenset({"message", "text", "chat", "call", "ring", "talk", "speak", "video", "watch", "stream",
                      "listen", "post", "send", "share", "practise", "practice", "learn", "play", "sell", "order",
                      "tweet", "dm", "facetime"})
#: Gatherings held on an app ("the weekly call is on Zoom", "our standup moved to Zoom").
_MEETINGS = frozenset({"call", "meeting", "standup", "stand-up", "catch-up", "catchup", "chat", "class", "lesson",
                       "session", "quiz", "interview", "webinar", "workshop", "sync", "retro", "check-in"})


def kind_of_name(name: Span) -> EntityType | None:
    """:attr:`EntityType.ANIMAL` or :attr:`EntityType.PRODUCT` when the sentence around ``name`` says so, else
    ``None`` (the tagger's type, and the other rules, stand)."""
    head = name.root
    if head.pos_ not in ("PROPN", "NOUN") or not head.text[:1].isupper() and not head.text[1:2].isupper():
        return None
    if _named_as_animal(head):
        return EntityType.ANIMAL
    if _named_as_product(head):
        return EntityType.PRODUCT
    return None


def _animal_word(t: Token) -> bool:
    return t.pos_ in ("NOUN", "ADJ") and t.lemma_.lower() in PETS


def _named_as_animal(t: Token) -> bool:
    if t.dep_ in ("appos", "compound") and _animal_word(t.head):
        return True  # "my cat Pepper", "the hamster, Nibbles"
    if any(c.dep_ in ("appos", "compound", "amod") and _animal_word(c) for c in t.children):
        return True  # "Nutmeg, our old spaniel", "our greyhound Lupe", "Ziggy (our budgie)"
    if t.i > 0 and _animal_word(t.doc[t.i - 1]) and t.doc[t.i - 1].tag_ == "NN" and t.dep_ != "poss":
        return True  # "our rabbit Clementine got out" (the parser: "rabbit" a modifier of the verb)
    after = t.doc[t.i + 1:t.i + 3]
    if len(after) == 2 and after[0].lower_ == "the" and _animal_word(after[1]):
        return True  # "Daisy the tortoise"
    if t.dep_ in ("oprd", "dobj", "xcomp") and t.head.lemma_ in ("call", "name"):
        verb = t.head
        if verb.dep_ == "acl" and _animal_word(verb.head):
            return True  # "a rescue dog called Biscuit", "a pony named Clover"
        if any(c.dep_ == "dobj" and c.i != t.i and (_animal_word(c) or c.pos_ == "PRON") for c in verb.children) \
                and any(_animal_word(w) for w in t.sent if w.i < t.i):
            return True  # "we got a kitten and called him Rolo"
    if t.dep_ == "nsubj" and t.head.lemma_ in ANIMAL_VERBS:
        return True  # "Rex barks at the postman"
    return any(c.dep_ == "prep" and c.lower_ == "to" and any(p.dep_ == "pobj" and p.lower_ in _ANIMAL_PLACES
                                                             for p in c.children) for c in t.head.children) \
        and t.dep_ == "dobj"  # "took Biscuit to the vet"


def _verb_of(t: Token) -> Token:
    """The verb a preposition's phrase belongs to ("message the landlord on WhatsApp": message)."""
    while t.pos_ not in ("VERB", "AUX") and t.head.i != t.i:
        t = t.head
    return t


def _named_as_product(t: Token) -> bool:
    if t.dep_ == "compound" and t.head.lower_ in _PRODUCT_HEADS:
        return True  # "the Strava app", "my Spotify subscription"
    if t.tag_ == "NNP" and any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in t.children):
        return True  # "I bought a Kindle", "a new iPhone": one of many made, not someone
    if t.dep_ == "dobj" and t.head.lemma_ in _USED:
        return True
    if t.dep_ != "pobj":
        return False
    prep, verb = t.head, _verb_of(t.head)
    if prep.lower_ in ("to", "from") and verb.lemma_ in _JOINED:
        return True
    if t.ent_type_ in ("GPE", "FAC"):
        return False  # "flew via Dubai", "played on Centre Court": a place the tagger knows
    if prep.lower_ == "via" or prep.lower_ == "over" and t.ent_type_ != "LOC":
        return True  # "via PayPal", "we did the quiz over Discord" ("flew over Snowdonia": a place)
    if prep.lower_ not in ("on", "over", "to"):
        return False
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is not None and subject.lemma_.lower() in _MEETINGS and (prep.lower_ != "to" or verb.lemma_ == "move"):
        return True  # "the weekly call is on Zoom", "our standup moved to Zoom"
    return prep.lower_ != "to" and verb.lemma_.lower() in _DONE_ON
