"""Which texts the on-device pipeline may read: English only.

The pinned pipeline (``en_core_web_sm``) tags any text it is given, and on Chinese, Arabic or Spanish it
tags capitalised or unknown words as people and places and parses clauses that are not there. Those
entities and facts would be invented, so text in another language is not given to it: a memory in that
language is stored, embedded and found by keyword like any other, with no entities but the names its
namespace already knows, and results say why (:func:`skip_reason`).
"""

from __future__ import annotations

from memvault.domain.language import LANGUAGE_NAMES, guess_language

#: Languages the on-device pipeline reads (ISO 639-1).
PIPELINE_LANGUAGES = frozenset({"en"})


def reads(text: str) -> bool:
    """Whether the on-device pipeline may read ``text``."""
    return guess_language(text) in PIPELINE_LANGUAGES


#: What became of a text the pipeline did not read, as :func:`skip_reason` ends: a memory stored as sent, a
#: conversation's message also stored as a memory of its own, and one that was not.
STORED = ("the memory is stored and found by its words, by meaning too where the vault's model reads its language "
          "(`memvault models` says which)")
MESSAGE_STORED = "the message is stored as a memory of its own and searchable"
MESSAGE_NOT_STORED = ("the message itself is not stored: nothing of it is kept unless it is also sent as a "
                      "memory of its own")


def skip_reason(text: str, kept: str = STORED) -> str | None:
    """Why the pipeline did not read ``text`` (a sentence to show; ``kept``: what became of the text), or
    None when it does read it."""
    language = guess_language(text)
    if language in PIPELINE_LANGUAGES:
        return None
    named = ("a language Memvault does not name" if language == "und"
             else f"{LANGUAGE_NAMES.get(language, language)} ('{language}')")
    return (f"entities and facts were not extracted: the text looks like {named}, and they are found in "
            f"English text only; {kept}")
