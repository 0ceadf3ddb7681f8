"""One conversation's turns, parsed once whoever asks for them first."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from memvault.extraction.nlp import NlpPipeline
from memvault.extraction.truecase import named_in, read_as_said, to_read_again

if TYPE_CHECKING:
    from spacy.tokens import Doc


class TurnDocs:
    """One conversation's turns, each parsed once whoever asks first: reading the user's name, then extracting.

    A text's parse is the same alone or in any batch (spaCy's CPU pipeline; checked on the tuning sets'
    694 turns: tags, lemmas, dependencies, entities and sentence starts), so a doc parsed for the name is the
    doc extraction would parse. Per conversation: one caller's thread, never shared.
    """

    def __init__(self, known: Collection[str] = ()) -> None:
        self._docs: dict[str, Doc] = {}
        self._expected: list[str] = []
        #: Names written in lower case that this conversation's turns (or its namespace) already gave someone.
        self._names: frozenset[str] = frozenset(w.lower() for w in known)
        #: How many texts the pipeline parsed for this conversation.
        self.parsed = 0

    def expect(self, texts: Sequence[str]) -> None:
        """Texts a later step will ask for: the next parse takes them into its batch (each call to the pipeline
        costs ~2 ms of its own, a tenth of a short turn's parse)."""
        self._expected += texts

    def parse(self, pipeline: NlpPipeline, texts: Sequence[str]) -> list[Doc]:
        """The parses of ``texts``, in order; only the ones not parsed yet go to the pipeline (one batch, with
        any expected texts)."""
        nlp = pipeline.get()
        missing = list(dict.fromkeys(t for t in [*texts, *self._expected] if t not in self._docs))
        self._expected = []
        if missing:
            words = pipeline.known_words()
            # spaCy does not promise that one pipeline may parse on several threads at once (entities share it).
            with pipeline.parse_lock:
                docs = dict(zip(missing, nlp.pipe(missing)))
            # Names written in lower case, capitalised and read again (one more batch, only those turns).
            parsed = list(docs.values())
            self._names = named_in(parsed, words, self._names)
            again = to_read_again(parsed, words, self._names)
            if again:
                with pipeline.parse_lock:
                    recased = list(nlp.pipe(list(again.values())))
                for k, doc in zip(again, recased, strict=True):
                    docs[parsed[k].text] = read_as_said(doc, parsed[k].text)
            self._docs.update(docs)
            self.parsed += len(missing) + len(again)
        return [self._docs[t] for t in texts]
