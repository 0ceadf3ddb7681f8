"""Names whose sentence says what they are (an animal's, a product's, a person's, an event's), whatever the small
tagger typed them as.

The pinned tagger knows people, places and companies from news text: a pet's name is a person or a firm to
it ("our dog Max", "a rescue dog called Biscuit"), and an app or a device a person or a town ("the call is on
Zoom", "I bought a Kindle"). The sentence itself often says which: the animal it is named as, the "a" of a
thing one buys, what one does with an app. Each test reads the parse around one name; nothing is looked up in
a list of names (the words listed are English: animals, and what one does with apps and devices).

Measured on ``tests/data/entity-types/`` (the tuning files only while writing): ``docs/benchmarks.md``, "Stop
105: entity types".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memvault.domain.entities import EntityType
from memvault.extraction.kin import ANIMAL_VERBS, PEOPLE_WORDS, PETS

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Span, Token

#: Animals people name, beyond the pets coreference knows (:data:`memvault.extraction.kin.PETS`): farm animals,
#: more breeds, small pets.
_ANIMALS = PETS | {"goat", "hen", "chicken", "duck", "sheep", "lamb", "cow", "pig", "donkey", "alpaca", "llama", "mare",
                   "stallion", "foal", "gelding", "bunny", "kitty", "pup", "guinea", "cockatiel", "canary", "budgerigar",
                   "snake", "lizard", "gecko", "tortoise", "turtle", "axolotl", "rat", "cockapoo", "cavapoo", "corgi",
                   "schnauzer", "chihuahua", "bulldog", "rottweiler", "alsatian", "westie", "staffie", "springer",
                   "setter", "doodle", "moggy", "tabby"}
#: Where only an animal is taken or from where fetched: "took Biscuit to the vet", "pick up Nala from daycare".
_ANIMAL_PLACES = frozenset({"vet", "vets", "groomer", "groomers", "kennel", "kennels", "cattery", "daycare"})
#: What only an animal has: "Rufus's lead", "Kevin's tail", "Smudge's litter tray", "his flea treatment".
_ANIMAL_THINGS = frozenset({"lead", "leash", "collar", "tail", "paw", "paws", "hutch", "cage", "crate", "harness",
                            "fur", "whiskers", "flea", "fleas", "litter", "kibble", "hoof", "hooves", "beak", "saddle",
                            "stable", "muzzle", "worming", "microchip", "kennel"})
#: What only an animal does or has done to it: "Oscar is getting neutered", "Teddy is shedding everywhere".
_ANIMAL_DOINGS = ANIMAL_VERBS | {"neuter", "spay", "shed", "chew", "wag", "bark", "purr"}
#: Nouns a product's name is a compound of: "the Strava app", "my Spotify subscription", "a Zoom call".
_PRODUCT_HEADS = frozenset({"app", "apps", "subscription", "subscriptions", "account", "update", "premium",
                            "playlist", "login", "password", "notifications", "call", "calls", "chat", "group",
                            "charger", "case", "screen", "battery", "plan", "controller", "doorbell", "headphones",
                            "earbuds", "remote", "console", "camera", "speaker", "requests", "feed", "order"})
#: The last word of a product's name of two ("YouTube Premium", "Google Maps", "Amazon Prime"), whatever the
#: tagger typed the two as.
_EDITIONS = frozenset({"premium", "plus", "pro", "prime", "maps", "music", "drive", "docs", "photos", "tv", "mini",
                       "max", "ultra", "lite"})
#: Things that fail as only software and devices do: "Photoshop crashed", "the app keeps freezing".
_FAILINGS = frozenset({"crash", "freeze", "glitch", "lag", "disconnect", "buffer", "reboot", "update"})
#: Verbs whose object is a film, a show or a book, when the tagger did not call it a person ("we watched
#: Oppenheimer", "I'm reading Piranesi"; not "I watched Emma at her recital").
_WATCHED = frozenset({"watch", "binge", "stream", "read", "finish", "rewatch", "reread"})
#: The last word of an event's name ("the Berlin Marathon", "the Edinburgh Fringe"), a place to the tagger.
_EVENT_WORDS = frozenset({"marathon", "festival", "fringe", "parkrun", "carnival", "expo", "conference", "summit",
                          "fair", "olympics", "triathlon", "half-marathon", "open"})
#: Verbs whose object is an app, a service or a device, hardly a person or a place ("I use Notion", "cancel
#: Netflix"; not "play" or "learn": an activity, :func:`memvault.extraction.mention_tokens.names_an_activity`).
_USED = frozenset({"use", "install", "uninstall", "download", "cancel", "subscribe", "unsubscribe", "update",
                   "upgrade", "reinstall", "stream"})
#: Verbs after which "to"/"from" name an app or a service ("switched from Evernote to Obsidian", "signed up to
#: Strava", "subscribed to Netflix"): one does not switch or subscribe to a town.
_JOINED = frozenset({"switch", "subscribe", "sign", "migrate", "upgrade", "unsubscribe"})
#: What happens "on" or "over" an app or a service: talking, posting, practising ("I message the landlord on
#: WhatsApp", "I practise on Duolingo"); not watching, buying or booking, done on islands too ("we watched the sunset
#: on Santorini", "we booked a villa on Crete").
_DONE_ON = frozenset({"message", "text", "texte", "chat", "call", "ring", "talk", "speak", "video", "stream",
                      "listen", "post", "send", "share", "practise", "practice", "order", "tweet", "dm", "facetime",
                      "pay"})
#: What one does "on" an app and never on an island, whatever the tagger makes of the name ("I listen to music on
#: Spotify": a place to it; not "watch": "we watched the sunset on Santorini").
_SAID_ON = frozenset({"listen", "message", "text", "texte", "chat", "post", "tweet", "dm", "stream", "facetime"})
#: Gatherings held on an app ("the weekly call is on Zoom", "our standup moved to Zoom").
_MEETINGS = frozenset({"call", "meeting", "standup", "stand-up", "catch-up", "catchup", "chat", "class", "lesson",
                       "session", "quiz", "interview", "webinar", "workshop", "sync", "retro", "check-in"})


def kind_of_name(name: Span) -> EntityType | None:
    """The type the sentence around ``name`` gives it (an animal, a product, or a person or an event the tagger
    typed otherwise), else ``None`` (the tagger's type, and the other rules, stand)."""
    head = name.root
    if head.pos_ not in ("PROPN", "NOUN") or not head.text[:1].isupper() and not head.text[1:2].isupper():
        return None
    if len(name) > 1 and head.i == name.end - 1 and head.lower_ in _EVENT_WORDS:
        return EntityType.EVENT  # "training for the Berlin Marathon"
    if _named_as_person(head):
        return EntityType.PERSON
    if _named_as_animal(head):
        return EntityType.ANIMAL
    if _named_as_product(head) or len(name) > 1 and head.i == name.end - 1 and head.lower_ in _EDITIONS:
        return EntityType.PRODUCT
    return None


#: Where a person who answers for a firm is from: "Grace from the bank", "Jordan from Vodafone".
_WORKPLACES = frozenset({"bank", "council", "surgery", "practice", "hospital", "agency", "company", "firm",
                         "insurer", "insurance", "garage", "estate", "lettings", "nursery", "school", "university",
                         "uni", "office"})


def _named_as_person(t: Token) -> bool:
    """A name the sentence says is someone's, whatever the tagger typed it as: one said after a kin word or role
    ("my landlord Tunde Okafor"), or one from a firm ("on the phone with Jordan from Vodafone")."""
    if t.dep_ == "appos" and t.head.lemma_.lower() in PEOPLE_WORDS - PETS:
        return True
    return t.ent_type_ != "PERSON" and any(c.dep_ == "prep" and c.lower_ == "from" and any(
        p.dep_ == "pobj" and (p.ent_type_ == "ORG" or p.lemma_.lower() in _WORKPLACES) for p in c.children)
        for c in t.children)


def labelled_span(ent: Span, start: int, end: int, label: str | None = None) -> Span:
    """Tokens ``start``..``end`` of ``ent``'s parse as an entity labelled ``label`` (``ent``'s own by default): the
    tagger's span moved or cut by a rule."""
    from spacy.tokens import Span  # loaded already: ``ent`` is a parse

    return Span(ent.doc, start, end, label=label or ent.label_)


def with_model(maker: Span) -> Span:
    """A maker's name with the model's name written after it ("a blue Honda Jazz", "I drive a Volkswagen Golf"),
    as one product's name, when the tagger typed the maker alone (an organisation) and the model as nothing or a
    product, and the sentence shows the two words a product; else ``maker`` as it is."""
    doc, end = maker.doc, maker.end
    model = doc[end] if end < len(doc) else None
    if len(maker) != 1 or model is None or model.pos_ != "PROPN" or model.ent_type_ not in ("", "PRODUCT") \
            or model.ent_iob_ == "I" or maker[0].head.i != model.i or maker[0].dep_ != "compound":
        return maker
    both = labelled_span(maker, maker.start, end + 1, "PRODUCT")
    return both if kind_of_name(both) is EntityType.PRODUCT else maker


def _animal_word(t: Token) -> bool:
    # (not a name: "Jerry Springer", "Guinea")
    return t.pos_ in ("NOUN", "ADJ", "PROPN") and t.lemma_.lower() in _ANIMALS and (
        t.is_sent_start or not t.text[:1].isupper())


def _animal_thing(t: Token) -> bool:
    """A noun (or its compound) only an animal has: "lead", "litter tray", "kennel cough"."""
    return t.pos_ in ("NOUN", "PROPN") and (t.lemma_.lower() in _ANIMAL_THINGS or any(
        c.dep_ == "compound" and c.lemma_.lower() in _ANIMAL_THINGS for c in t.children))


def _named_as_animal(t: Token) -> bool:
    if t.dep_ == "conj" and t.head.pos_ == "PROPN" and _named_as_animal(t.head):
        return True  # "our hens Beyoncé and Dolly"
    if t.dep_ == "appos" and _animal_word(t.head):
        return True  # "my cat Pepper", "the hamster, Nibbles" (not "a Shetland pony": a breed)
    if any(c.dep_ in ("appos", "compound", "amod") and _animal_word(c) for c in t.children):
        return True  # "Nutmeg, our old spaniel", "our greyhound Lupe", "Ziggy (our budgie)"
    if t.i > 0 and _animal_word(t.doc[t.i - 1]) and t.doc[t.i - 1].tag_ == "NN" and t.dep_ != "poss":
        return True  # "our rabbit Clementine got out" (the parser: "rabbit" a modifier of the verb)
    after = t.doc[t.i + 1:t.i + 3]
    if len(after) == 2 and after[0].lower_ == "the" and _animal_word(after[1]):
        return True  # "Daisy the tortoise"
    if t.dep_ == "pobj" and t.head.lower_ == "like" and _animal_word(t.head.head):
        return True  # "does a cockapoo like Monty need walking twice a day"
    if t.dep_ == "poss" and _animal_thing(t.head):
        return True  # "Rufus's lead snapped", "Smudge's litter tray"
    if t.dep_ in ("oprd", "dobj", "xcomp") and t.head.lemma_ in ("call", "name"):
        verb = t.head
        if verb.dep_ == "acl" and _animal_word(verb.head):
            return True  # "a rescue dog called Biscuit", "a pony named Clover"
        if any(c.dep_ == "dobj" and c.i != t.i and (_animal_word(c) or c.pos_ == "PRON") for c in verb.children) \
                and any(_animal_word(w) for w in t.sent if w.i < t.i):
            return True  # "we got a kitten and called him Rolo"
    if t.dep_ == "nsubj" and t.head.lemma_ == "be" and any(
            c.dep_ == "attr" and _animal_word(c) and not any(d.dep_ == "prep" for d in c.children)
            for c in t.head.children):
        return True  # "Biscuit is the user's dog", "Pepper is our rabbit" (not "Sam is a dog person": see below)
    if t.dep_ in ("nsubj", "nsubjpass"):
        verbs = [t.head, *(c for c in t.head.children if c.dep_ in ("xcomp", "acomp", "ccomp"))]
        if any(v.lemma_.lower() in _ANIMAL_DOINGS for v in verbs):
            return True  # "Rex barks at the postman", "Oscar is getting neutered", "Honey won't stop barking"
        if any(c.dep_ == "dobj" and _animal_thing(c) for v in verbs for c in v.children):
            return True  # "Captain needs his flea treatment"
    return t.dep_ == "dobj" and any(c.dep_ == "prep" and c.lower_ in ("to", "from") and any(
        p.dep_ == "pobj" and p.lower_ in _ANIMAL_PLACES for p in c.children) for c in t.head.children)
    # ("took Biscuit to the vet", "pick up Nala from doggy daycare")


def _verb_of(t: Token) -> Token:
    """The verb a preposition's phrase belongs to ("message the landlord on WhatsApp": message)."""
    while t.pos_ not in ("VERB", "AUX") and t.head.i != t.i:
        t = t.head
    return t


def _named_as_product(t: Token) -> bool:
    if t.dep_ == "compound" and t.head.lower_ in _PRODUCT_HEADS:
        return True  # "the Strava app", "my Spotify subscription"
    dets = {c.lower_ for c in t.children if c.dep_ == "det"}
    if t.tag_ == "NNP" and (dets & {"a", "an"} or "the" in dets and any(
            c.dep_ == "amod" and c.lower_ in ("new", "latest", "old") for c in t.children)):
        return True  # "I bought a Kindle", "a new iPhone", "the new Pixel": one of many made, not someone
    if t.dep_ == "dobj" and t.head.lemma_ in _USED:
        return True
    if t.dep_ == "dobj" and t.head.lemma_.lower() in _WATCHED and t.ent_type_ != "PERSON":
        return True
    if t.dep_ == "nsubj" and t.head.lemma_.lower() in _FAILINGS | {"keep"} and not any(
            c.dep_ == "dobj" for c in t.head.children) and (t.head.lemma_.lower() != "keep" or any(
            c.dep_ == "xcomp" and c.lemma_.lower() in _FAILINGS for c in t.head.children)):
        return True  # "Photoshop crashed", "Deliveroo keeps crashing" (not "Tom crashed the car")
    if t.dep_ != "pobj":
        return False
    prep, verb = t.head, _verb_of(t.head)
    if prep.lower_ in ("to", "from") and verb.lemma_ in _JOINED:
        return True
    if t.ent_type_ in ("GPE", "FAC") and not (prep.lower_ == "on" and verb.lemma_.lower() in _SAID_ON):
        return False  # "flew via Dubai", "played on Centre Court": a place the tagger knows
    if prep.lower_ == "via" or prep.lower_ == "over" and t.ent_type_ != "LOC":
        return True  # "via PayPal", "we did the quiz over Discord" ("flew over Snowdonia": a place)
    if prep.lower_ == "to" and prep.head.lemma_.lower() == "listen" and t.ent_type_ != "PERSON":
        return True  # "listening to Off Menu" (not "listening to Dad")
    if prep.lower_ == "through" and verb.lemma_.lower() in ("pay", "order", "book", "buy", "send"):
        return True  # "paid the plumber through PayPal"
    if prep.lower_ not in ("on", "over", "to"):
        return False
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is not None and subject.lemma_.lower() in _MEETINGS and (prep.lower_ != "to" or verb.lemma_ == "move"):
        return True  # "the weekly call is on Zoom", "our standup moved to Zoom"
    return prep.lower_ != "to" and verb.lemma_.lower() in _DONE_ON
