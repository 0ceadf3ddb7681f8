"""A memory about someone close to the user answers no question about the user's own attribute.

"The user's sister Anna lives in Lisbon" shares "live" with "where does the user live", and that word alone
outranked "The user moved to Porto" (no word in common; the walkthroughs' complaint). A question for an
attribute (:data:`memvault.extraction.attributes.ASKED_AS`: where someone lives, works, how old they are…)
that matches a memory by that attribute's words only, where the memory is about a relative, a friend or a pet
of someone ("my sister …", "The user's wife …", "Maya's son …") and says nothing of the speaker besides, asks
nothing of that memory's words: its keyword evidence is not counted (its meaning still is). A question that
names the relative ("where does my sister live", "where does Anna live") matches another of its words and is
untouched. Extracted facts say whose they are in their metadata (:func:`memvault.ranking.facts._asked_of_another`).
"""

from __future__ import annotations

import re

from memvault.extraction.attributes import ASKED_AS
from memvault.extraction.kin import PEOPLE_WORDS, PLURAL
from memvault.ranking.keyword import content_stems

#: The stems each attribute is asked with ("live", "home", "base" for a residence).
ASKED_STEMS = {attribute: content_stems(" ".join(words)) for attribute, words in ASKED_AS.items()}
_KIN = "|".join(sorted((re.escape(w) for w in PEOPLE_WORDS | PLURAL), key=len, reverse=True))
#: A text that opens on someone's relative: a possessive, at most one word more ("older", "best"), the relative.
_ABOUT_RELATIVE = re.compile(rf"^\W*(?:my|our|his|her|their|the\s+user['’]s|[^\W\d_][\w-]*['’]s)\s+(?:[^\W\d_]+\s+)?"
                             rf"(?:{_KIN})(?![\w-])", re.IGNORECASE)
#: The speaker or the user said again after that opening: the text is also about them.
_SPEAKER = re.compile(r"\b(?:I|I['’]m|I['’]ve|I['’]d|I['’]ll|me|my|mine|we|we['’]re|our|us|the user)\b")


def asked_of_relative(matched: frozenset[str], text: str) -> bool:
    """Whether ``text`` is about a relative and the query words it ``matched`` only ask for an attribute."""
    if not matched or not any(matched <= asked for asked in ASKED_STEMS.values()):
        return False
    opening = _ABOUT_RELATIVE.match(text)
    return opening is not None and _SPEAKER.search(text, opening.end()) is None
