"""A turn is its speaker's: a question that names who said a turn is matched by the turn as by a fact naming them.

People say "I" and questions name them: "What vehicle did Owen get for work?" is answered by Owen's own "sold
the corsa and got a second hand berlingo van", which holds neither "Owen" nor anything the name means. Read as
written, the name was a query word that turn could never match, and a shared word that lifted any turn saying
it ("tell her uncle owen says hi" ranked above the answer). So, for a turn whose ``metadata.speaker`` is a person
(not a role such as "user" or "assistant") named in the query:

- its similarity is read against the query without that name (the turn says "I"), as a fact's is against the
  query without its person's name (:func:`memvault.ranking.facts.name_neutral`);
- the name's words count as words it holds, in its keyword coverage: it is that person's turn.

BM25 is left as FTS5 gave it (it cannot be told of a word the text lacks), and so is the query's background
(read again without the name, it moved one tuning figure by half a point, for a scan of the namespace's vectors). Turns of
other speakers, and every other memory, are scored as before: a turn in which someone else names the person
still matches the name by its words. The user a search serves by ``user_id`` is read out of the query before
this (:mod:`memvault.ranking.query`), so a turn spoken by "user" needs nothing here.

Measured on tuning data only (``docs/benchmarks.md``, "Stop 96: a turn is its speaker's").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from memvault.domain.conversations import ROLE_SPEAKERS
from memvault.ranking.keyword import content_stems
from memvault.ranking.query import plan
from memvault.ranking.similarity import Similarity

#: Speakers read without their name per query, each one query embedding more: a question names a few people; a
#: query listing a hundred speakers' names must not cost a hundred embeddings.
NAMED_MAX = 4


@dataclass(frozen=True)
class SpokenBy:
    """A candidate turn said by a person the query names."""

    #: Who said it, as its metadata writes them.
    speaker: str
    #: Its similarity to the query without that person's name (``None``: the index could not answer).
    similarity: float | None
    #: The name's content words in the query (stems, as coverage counts them).
    name: frozenset[str]


def named_speakers(query: str, speakers: Mapping[int, str], similarity: Similarity) -> dict[int, SpokenBy]:
    """The candidates of ``speakers`` (memory id -> speaker as stored) said by a person ``query`` names."""
    by_speaker: dict[str, list[int]] = {}
    for memory_id, speaker in speakers.items():
        if speaker.strip() and speaker.strip().lower() not in ROLE_SPEAKERS:
            by_speaker.setdefault(speaker.strip(), []).append(memory_id)
    out: dict[int, SpokenBy] = {}
    named = 0
    for speaker, ids in sorted(by_speaker.items()):
        planned = plan(query, [speaker])
        if not planned.user_names or planned.semantic == query:
            continue
        named += 1
        if named > NAMED_MAX:
            break
        read = similarity(planned.semantic, ids) or {}
        name = frozenset(content_stems(" ".join(planned.user_names)))
        out.update((m, SpokenBy(speaker, read.get(m), name)) for m in ids)
    return out


def coverage(words: frozenset[str] | set[str], stems: frozenset[str] | set[str], spoken: SpokenBy | None) -> float:
    """The share of the query's content words ``stems`` a candidate holds (``words``); a turn's speaker's name
    among them when the query names them (``spoken``)."""
    if not stems:
        return 0.0
    return len(words | (spoken.name & stems) if spoken is not None else words) / len(stems)
