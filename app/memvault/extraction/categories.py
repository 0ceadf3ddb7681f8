"""The fixed set of fact categories and the word lists that assign them.

A fact gets every category whose cue words (lemmas, lower case) or entity
types occur in it, best first, at most :data:`MAX_CATEGORIES`; a fact with no
cue gets none. The set is closed: these fourteen names are the only ones
Memvault ever stores or returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

CATEGORIES: tuple[str, ...] = (
    "career", "education", "family", "relationships", "health", "hobbies and interests", "food", "travel",
    "location", "finance", "preferences", "schedule", "possessions", "skills",
)
MAX_CATEGORIES = 3

_CUES: dict[str, str] = {
    "career": """work job career office manager boss colleague coworker co-worker promote promotion interview hire
        salary company startup employer employee engineer developer nurse doctor analyst designer lawyer
        accountant consultant position role lead shift client meeting presentation board sales freelance
        freelancer self-employed retire resign quit business project team department intern internship
        ceo cto founder head council vacation contract programmer architect researcher scientist professor
        chef waiter cashier pilot mechanic electrician plumber farmer journalist writer editor marketing
        hospital icu clinic warehouse factory shop store firm agency bank""",
    "education": """school university college degree master bachelor phd doctorate thesis study student class course
        kindergarten graduate exam learn lecture homework semester tuition diploma major minor campus
        dissertation defend certificate teacher tutor training lesson""",
    "family": """mom mum mother dad father parent sister brother son daughter child kid baby wife husband
        grandparent grandparents grandma grandpa grandmother grandfather aunt uncle cousin niece nephew in-law
        in-laws father-in-law mother-in-law family pregnant pregnancy cat dog pet puppy kitten twin sibling
        stepson stepdaughter toddler lurcher greyhound whippet labrador spaniel terrier collie retriever""",
    "relationships": """partner girlfriend boyfriend married marry wedding divorce divorced date dating crush friend
        break engaged fiancé fiancée fiance relationship anniversary husband wife ex single spouse""",
    "health": """health doctor hospital sick ill illness pain injure injury knee back allergic allergy intolerant
        diabetes migraine headache medication medicine prescribe therapy therapist physio physiotherapist
        surgery pregnant sleep insomnia gym exercise yoga weight protein asthma anxiety depression afraid fear
        phobia diagnose diagnosis cancer blood pressure heart vegan vegetarian lactose gluten dentist
        workout weightlifting cholesterol symptom recover recovery broken fracture eye vision glasses
        sprain sprained wrist ankle shoulder elbow hip stitches mri x-ray scan fever flu cough bruise crutches""",
    "hobbies and interests": """hobby play guitar cello piano violin drum orchestra band choir paint painting draw
        drawing read book novel podcast movie film music garden gardening hike hiking ski skiing pottery
        photography game gaming chess collect collection fishing history crime sci-fi fantasy knit knitting
        sport football soccer basketball tennis climbing climb marathon run running cycling swim swimming
        dance dancing museum zoo concert album record vinyl series show anime comic volunteer camping
        surf surfing baking""",
    "food": """food eat cook cooking recipe dinner lunch breakfast restaurant cuisine vegetarian vegan spicy cilantro
        pork beef meat chicken fish seafood coffee caffeine tea wine beer peanut peanuts lactose gluten pizza
        sushi curry chocolate dessert protein diet snack fruit vegetable cheese bread pasta drink""",
    "travel": """travel trip flight fly airport hotel vacation holiday visit tour passport campervan abroad airline
        seat commute train tram journey cruise backpack road destination conference jet airbnb""",
    "location": """live move apartment flat house home neighborhood neighbourhood city town country originally
        based landlord rent address street suburb village relocate bedroom""",
    "finance": """money save saving savings budget salary pay paid loan debt mortgage invest investing investment
        fund stock tax taxes euro euros dollar dollars bank income expense afford cost price deduct pension
        crypto bitcoin rent insurance""",
    "preferences": """like love prefer hate dislike enjoy favorite favourite fan adore detest want wish rather
        miss""",
    "schedule": """every each weekly daily monthly monday tuesday wednesday thursday friday saturday sunday
        mondays tuesdays wednesdays thursdays fridays saturdays sundays appointment deadline tomorrow
        schedule routine usually always morning evening weekend weekends""",
    "possessions": """own owner buy bought sell sold car bike e-bike bicycle phone laptop computer watch suit
        garden pass card drive toyota bmw tesla ford honda volkswagen motorcycle boat collection order""",
    "skills": """speak fluent fluency language skill program programming code coding java python javascript rust
        c++ sql proficient certified certification expert""",
}

#: Language names are a skill only next to a word about speaking or learning ("Italian food" is not).
LANGUAGES = frozenset(["spanish", "english", "french", "german", "portuguese", "italian", "japanese", "chinese", "mandarin", "cantonese", "arabic", "russian", "dutch", "korean", "hindi", "swedish", "norwegian", "danish", "polish", "greek", "turkish", "hebrew"])
_LANGUAGE_CONTEXT = frozenset({"speak", "fluent", "learn", "study", "language", "class", "lesson", "practice"})
CUES: dict[str, frozenset[str]] = {category: frozenset(words.split()) for category, words in _CUES.items()}
#: Cues whose verb means something else: "I'm training to be a carpenter" is no journey, "I watch films" owns no
#: watch, "I passed the exam" holds no pass, "the electrician is booked" reads no book. Used only as verbs in a fact,
#: they cue nothing.
NOUN_SENSE = frozenset({"train", "watch", "pass", "suit", "book"})
#: Entity labels that point at a category on their own.
ENTITY_CUES: dict[str, str] = {"MONEY": "finance", "GPE": "location", "TIME": "schedule"}


def categorize(lemmas: Iterable[str], entity_labels: Iterable[str] = (), *, dated_future: bool = False,
               verbs: Iterable[str] = ()) -> list[str]:
    """The categories for a fact's lemmas and entity labels, most cues first (ties in :data:`CATEGORIES` order).

    ``verbs``: lemmas the fact uses only as verbs (those of :data:`NOUN_SENSE` then cue nothing)."""
    verb_only = NOUN_SENSE & {v.lower() for v in verbs}
    words = [w for w in (w.lower() for w in lemmas) if w not in verb_only]
    scores: Counter[str] = Counter()
    for category, cues in CUES.items():
        scores[category] += sum(1 for w in words if w in cues)
    if _LANGUAGE_CONTEXT & set(words):
        scores["skills"] += sum(1 for w in words if w in LANGUAGES)
    for label in entity_labels:
        if label in ENTITY_CUES:
            scores[ENTITY_CUES[label]] += 1
    if dated_future:
        scores["schedule"] += 1
    ranked = sorted((c for c in CATEGORIES if scores[c] > 0), key=lambda c: (-scores[c], CATEGORIES.index(c)))
    return ranked[:MAX_CATEGORIES]
