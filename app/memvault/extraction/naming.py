"""How a clause names someone or something: "His name is Pip", "we named her Pip", "she's a lurcher called Juniper".

:mod:`memvault.extraction.coref` joins the name to whom the pronoun means; the facts say it with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from memvault.extraction.clause import Clause
from memvault.extraction.kin import PETS
from memvault.extraction.mention_tokens import NAMING_VERBS, name_span

if TYPE_CHECKING:  # spaCy takes seconds to import; only the pipeline (nlp.py) loads it, on first use
    from spacy.tokens import Token


def name_given(clause: Clause) -> tuple[Token, Token] | None:
    """The owner and the name of a third person's "His name is Pip" in ``clause`` (``None`` for any other)."""
    subject = clause.subject()
    if subject is None or subject.lemma_ != "name" or clause.root.lemma_ != "be":
        return None
    owner = next((c for c in subject.children if c.dep_ == "poss"), None)
    name = next((c for c in clause.root.children if c.dep_ == "attr" and c.pos_ == "PROPN"), None)
    if owner is None or name is None or owner.lower_ in ("my", "our"):
        return None
    return owner, name


#: What a pronoun subject is when the clause names it (:func:`predicate_name`).
_PRONOUN_KINDS = {"she": "female", "he": "male", "it": "thing"}


def predicate_name(clause: Clause) -> tuple[str, str, frozenset[int]] | None:
    """The name, the kind and the naming words of a pronoun subject its own predicate names: "she's a three year
    old lurcher called Juniper" says who "she" is, whatever came before. ``None`` for any other clause."""
    subject = clause.subject()
    if subject is None or subject.lower_ not in _PRONOUN_KINDS or clause.root.lemma_ != "be":
        return None
    inside = {t.i for t in clause.tokens}
    for attr in (c for c in clause.root.children if c.dep_ == "attr" and c.pos_ == "NOUN"):
        for verb in (c for c in attr.children if c.dep_ == "acl" and c.lemma_ in NAMING_VERBS):
            name = next((c for c in verb.children if c.dep_ == "oprd" and c.pos_ == "PROPN" and c.i in inside), None)
            if name is not None and name.text[:1].isupper():
                kind = "pet" if attr.lemma_.lower() in PETS else _PRONOUN_KINDS[subject.lower_]  # "she" or "it"
                return name_span(name), kind, frozenset(t.i for t in verb.subtree)
    return None


def name_given_to(clause: Clause) -> tuple[Token, str] | None:
    """The pronoun and the name of "I named it Bubbles", "we call him Bear", "we named her Pip" (where the parse
    reads "her Pip" as a possession); ``None`` for any other clause."""
    root = clause.root
    if root.lemma_ not in NAMING_VERBS:
        return None
    name = next((c for c in root.children if c.dep_ == "oprd" and c.text[:1].isupper()), None)
    pronoun = next((c for c in root.children if c.dep_ == "dobj" and c.lower_ in ("it", "him", "her")), None)
    if name is None:  # "named her Pip": the name as the object, "her" as its owner
        name = next((c for c in root.children if c.dep_ == "dobj" and c.pos_ == "PROPN"), None)
        pronoun = next((c for c in name.children if c.dep_ == "poss" and c.lower_ == "her"), None) if name else None
    if name is None or pronoun is None or not name.text[:1].isupper():
        return None
    return pronoun, name_span(name)
