"""Single-valued attributes of a subject, so a newer fact can supersede an older one.

"The user lives in Porto" and "The user moved to Porto" both set the
``residence`` of ``user`` to ``porto``; a later fact that sets it to
``lisbon`` contradicts the earlier one. Only attributes a person has one of at
a time are read: residence, employer, occupation, relationship status, diet,
age, name, car and favourites ("my favorite cuisine is Thai" sets
``favorite cuisine``). Past ("I lived in ...", "I used to ...") and negated
statements set nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from memvault.extraction.clause import Clause
from memvault.extraction.kin import OCCUPATIONS

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token

DIETS = frozenset({"vegetarian", "vegan", "pescatarian", "pescetarian", "carnivore", "flexitarian", "keto"})
STATUSES = frozenset({"married", "single", "engaged", "divorced", "widowed", "separated"})
#: The words a question asks for each attribute with ("What is Hannah's job?" asks for an occupation, "Where
#: does Tom live?" for a residence), which the fact that sets it need not say ("Hannah is joining a climate
#: charity as finance lead"): ranking matches such a fact's words and these (:mod:`memvault.ranking.facts`).
ASKED_AS: dict[str, tuple[str, ...]] = {
    "occupation": ("job", "work", "occupation", "profession", "career"),
    "employer": ("job", "work", "employer", "company"),
    "residence": ("live", "home", "based"),
    "age": ("age", "old"),
    "diet": ("diet", "eat"),
    "car": ("car", "drive"),
    "relationship status": ("married", "relationship"),
    "name": ("name", "called"),
}
#: Verbs that give a role with "as" ("I'm joining a charity as their finance lead", "hired as head gardener");
#: "work as" takes any role, these only one of :data:`OCCUPATIONS` ("started running as a hobby" is none).
_ROLE_VERBS = frozenset({"join", "start", "begin", "hire", "employ", "take"})
#: Verbs that begin an employment ("started at Kruh & Co", "joined Siemens"), and what a job is called.
_JOIN_VERBS = frozenset({"join", "start", "begin"})
_JOB_WORDS = frozenset({"job", "position", "role", "post", "placement", "internship", "apprenticeship"})


@dataclass(frozen=True)
class Attribute:
    name: str
    value: str


def _prep_object(verb: Token, preps: tuple[str, ...]) -> Token | None:
    for c in verb.children:
        if c.dep_ == "prep" and c.lower_ in preps:
            obj = next((o for o in c.children if o.dep_ == "pobj"), None)
            if obj is not None:
                return obj
    return None


def _phrase(t: Token) -> str:
    # Words after the head only when they are part of its own name ("accountant" in "an accountant at a dental
    # supply company" is not "accountant supply").
    tokens = [x for x in t.subtree if x.dep_ not in ("det", "poss", "punct", "prep", "relcl", "acl")
              and (x.i <= t.i or x.dep_ in ("flat", "compound") and x.head.i == t.i)]
    return " ".join(x.lower_ for x in tokens).strip()


def _is_present(verb: Token) -> bool:
    if verb.tag_ in ("VBD", "VBN") and verb.lemma_ != "move":
        return any(c.dep_ == "aux" and c.lower_ in ("'ve", "have", "has") for c in verb.children)
    aux = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
    return not aux & {"used", "was", "were", "did", "would", "'d"}


def read(clause: Clause) -> Attribute | None:
    """The single-valued attribute ``clause`` sets, if any."""
    root = clause.root
    if any(c.dep_ == "neg" for c in root.children):
        return None
    inside = {t.i for t in clause.tokens}
    if root.lemma_ in _JOIN_VERBS:
        joined = _joined(root, inside)
        if joined is not None:
            return joined
    if not _is_present(root):
        return None
    lemma = root.lemma_
    if lemma == "live":
        place = _prep_object(root, ("in",))
        if place is not None and place.i in inside and (place.ent_type_ in ("GPE", "LOC", "FAC") or place.pos_ == "PROPN"):
            return Attribute("residence", _phrase(place))
    if lemma in ("move", "relocate"):
        place = _prep_object(root, ("to",))
        if place is not None and place.i in inside and (place.ent_type_ in ("GPE", "LOC") or place.pos_ == "PROPN"):
            return Attribute("residence", _phrase(place))
    if lemma == "work":
        role = _prep_object(root, ("as",))
        if role is not None and role.i in inside:
            return Attribute("occupation", _phrase(role))
        employer = _prep_object(root, ("at", "for"))
        if employer is not None and employer.i in inside and employer.ent_type_ == "ORG":
            return Attribute("employer", _phrase(employer))
    if lemma in _ROLE_VERBS:
        role = _prep_object(root, ("as",))
        if role is not None and role.i in inside and role.lemma_.lower() in OCCUPATIONS:
            return Attribute("occupation", _phrase(role))
    if lemma == "drive":
        car = next((c for c in root.children if c.dep_ == "dobj"), None)
        if car is not None:
            return Attribute("car", _phrase(car))
    if lemma == "be":
        return _copula(root, inside)
    if lemma == "turn":
        age = next((c for c in root.children if c.like_num), None)
        if age is not None:
            return Attribute("age", age.text)
    return None


def _joined(root: Token, inside: set[int]) -> Attribute | None:
    """ "I started at Kruh & Co three weeks ago", "joined Siemens", "started a new job at Siemens": an employer
    from the day it began, so the past tense sets it too (as "moved to" sets a residence); not "used to", not a
    plan ("will start")."""
    if {c.lower_ for c in root.children if c.dep_ in ("aux", "auxpass")} & {"used", "would", "'d", "will", "'ll",
                                                                          "shall"}:
        return None
    obj = next((c for c in root.children if c.dep_ == "dobj"), None)
    candidates = [_prep_object(root, ("at", "with", "for"))]
    if obj is not None:
        candidates += [obj] if root.lemma_ == "join" else []
        candidates += [_prep_object(obj, ("at", "with", "for"))] if obj.lemma_ in _JOB_WORDS else []
    work = next((c for c in root.children if c.dep_ == "xcomp" and c.lemma_ == "work"), None)  # "began working at"
    if work is not None:
        candidates.append(_prep_object(work, ("at", "for")))
    employer = next((c for c in candidates if c is not None and c.i in inside and (
        c.ent_type_ == "ORG" or c.pos_ == "PROPN" and not c.ent_type_)), None)  # the small tagger misses "Google"
    return Attribute("employer", _phrase(employer)) if employer is not None else None


def _copula(root: Token, inside: set[int]) -> Attribute | None:
    subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    complement = next((c for c in root.children if c.dep_ in ("acomp", "attr") and c.i in inside), None)
    if subject is None or complement is None:
        return None
    if subject.lemma_ == "name":
        return Attribute("name", _phrase(complement))
    if subject.lemma_ == "age":
        return Attribute("age", complement.text)
    favorite = next((c for c in subject.children if c.lower_ in ("favorite", "favourite")), None)
    if favorite is not None:
        return Attribute(f"favorite {subject.lemma_.lower()}", _phrase(complement))
    word = complement.lower_
    if word in DIETS:
        return Attribute("diet", word)
    if word in STATUSES:
        return Attribute("relationship status", word)
    counted = complement.like_num and not any(c.dep_ == "det" for c in complement.children)  # not "the one"
    if counted or any(c.like_num for c in complement.children if c.dep_ == "nummod") and word in ("years", "year"):
        number = complement.text if complement.like_num else next(c.text for c in complement.children if c.like_num)
        return Attribute("age", number)
    if complement.dep_ == "attr" and complement.lemma_.lower() in OCCUPATIONS:
        return Attribute("occupation", _phrase(complement))
    return None
