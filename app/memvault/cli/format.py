"""How the CLI prints domain objects, as text for people or JSON for scripts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import os
import re
import sys
from typing import Any

from memvault.domain.models import successor_of
from memvault.domain.words import plural


def plain(obj: Any) -> Any:
    """A JSON-ready copy of dataclasses, enums and containers."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(plain(v) for v in obj)
    return obj


def takes_any_character(stream: Any) -> bool:
    """Whether ``stream`` encodes every character (UTF-8 does; an ASCII or Latin-1 locale, a Windows code page
    do not, and printing a memory in another script there raised UnicodeEncodeError)."""
    try:
        "\u2615\U0001f600".encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def to_json(obj: Any) -> str:
    # Escaped where the output cannot hold every character: still valid JSON, and the same values.
    return json.dumps(plain(obj), ensure_ascii=not takes_any_character(sys.stdout), indent=2)


# Control characters (C0 but newline and tab, DEL, C1) and the bidirectional overrides and isolates: any
# memory, written by any agent or imported file, reaches the terminal, and these would recolour, move or hide
# what the user reads (an OSC sequence can even set the window title or the clipboard).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The two sequences the CLI writes itself (:func:`terminal_bold`), passed where the text's memories were made
# safe before the bold was added (:func:`hits_table`).
_OWN_BOLD = re.compile("(\x1b\\[1m|\x1b\\[0m)")


def _escaped(text: str) -> str:
    return _UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)


def for_terminal(text: str, *, own_bold: bool = False) -> str:
    """``text`` with every character that would steer the terminal shown as its escape (``\\x1b``); with
    ``own_bold``, but for the CLI's own bold on and off, in text whose memories' words were escaped first (a
    memory holding those two sequences must not turn the rest of a listing bold or plain)."""
    if not own_bold:
        return _escaped(text)
    return "".join(p if i % 2 else _escaped(p) for i, p in enumerate(_OWN_BOLD.split(text)))


def when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def one_line(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def stamped_ahead(count: int) -> str:
    """What an import did with memories stamped more than a day ahead of this device's clock."""
    return (f"{count:,} {'memory' if count == 1 else 'memories'} stamped more than a day ahead of this device's "
            "clock: new ones stamped now, ones the vault holds replaced only with --on-conflict overwrite")


def memory_detail(m: Any) -> str:
    rows = [
        ("id", m.id), ("namespace", m.namespace), ("type", m.memory_type.value),
        ("tags", ", ".join(m.tags) or "-"), ("importance", f"{m.importance:.2f}"), ("tier", m.tier.value),
        ("visibility", m.visibility.value), ("agent", m.agent_id or "-"), ("user", m.user_id or "-"),
        ("session", m.session_id or "-"), ("project", m.project or "-"), ("created", when(m.created_at)),
        ("updated", when(m.updated_at)), ("expires", when(m.expires_at)), ("deleted", when(m.deleted_at)),
        ("version", str(m.version)), ("embedding", m.embedding_status.value),
        ("metadata", json.dumps(m.metadata, ensure_ascii=False) if m.metadata else "-"),
    ]
    head = "\n".join(f"{k:>11}: {v}" for k, v in rows)
    return f"{head}\n\n{m.content}"


def memory_table(items: Any, *, with_namespace: bool = False) -> str:
    """One line per memory; ``with_namespace`` (a list across namespaces) adds a column saying whose."""
    width = max([len("NAMESPACE")] + [len(m.namespace) for m in items]) if with_namespace else 0
    ns = (lambda text: f"{one_line(text, 24):{min(width, 24)}}  ") if with_namespace else (lambda _text: "")
    lines = [f"{'ID':36}  {ns('NAMESPACE')}{'CREATED':16}  {'TYPE':12}  CONTENT"]
    for m in items:
        # A trashed memory listed with --include-deleted says so (it read like a live one).
        trashed = "[in trash] " if m.deleted_at is not None else ""
        lines.append(f"{m.id:36}  {ns(m.namespace)}{when(m.created_at):16}  {m.memory_type.value:12}  "
                     f"{trashed}{one_line(m.content, 60)}")
    return "\n".join(lines)


_MARKED = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)

#: How the breakdown's fields read in a sentence, in the order they are shown.
_BREAKDOWN_LABELS = {
    "semantic": "semantic similarity", "background": "query's background taken off",
    "peers": "similarity of the others naming that person", "semantic_rank": "semantic rank",
    "keyword_bm25": "BM25",
    "keyword_rank": "keyword rank", "coverage": "query words found", "relevance": "relevance",
    "speaker": "said by the person asked about",
}
#: Breakdown fields for programs only (``--json``): the nearest chunk's row id told a reader nothing, and the
#: snippet already shows that passage.
_NOT_READ = frozenset({"best_chunk"})


def held_elsewhere(count: int) -> str:
    """An import's line for memories whose ids the vault holds in another namespace."""
    return (f"{plural(count, 'memory')} {'is' if count == 1 else 'are'} already in another namespace of this vault, "
            "and an import never moves one: --on-conflict copy imports them as new memories")


def terminal_bold() -> tuple[str, str] | None:
    """ANSI bold on and off when stdout is a terminal that accepts colour, else ``None``."""
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb":
        return "\x1b[1m", "\x1b[0m"
    return None


def highlight(snippet: str, bold: tuple[str, str] | None) -> str:
    """The search index marks matched words ``**so**``: bold on a terminal, plain words elsewhere."""
    on, off = bold or ("", "")
    return _MARKED.sub(lambda m: f"{on}{m.group(1)}{off}", snippet)


def breakdown_text(breakdown: Any) -> str:
    """A score breakdown as one readable line, e.g. ``semantic similarity 0.812 · semantic rank 1``."""
    values = plain(breakdown)
    ordered = sorted(values, key=lambda k: list(_BREAKDOWN_LABELS).index(k) if k in _BREAKDOWN_LABELS else 99)
    parts = []
    for name in ordered:
        value = values[name]
        if value is None or name in _NOT_READ:
            continue
        # A BM25 of -0.00001 (a word every memory holds) read "-0.0000"; rounded first, it is 0.
        shown = f"{round(value, 4) + 0.0:.4f}" if isinstance(value, float) else str(value)
        parts.append(f"{_BREAKDOWN_LABELS.get(name, name.replace('_', ' '))} {shown}")
    return " · ".join(parts) or "no score components"


def hits_table(result: Any, bold: tuple[str, str] | None = None) -> str:
    from memvault.domain.enums import SearchMode

    # A score alone does not say which hits are about the question; keyword hits all hold its words.
    judged = result.mode is not SearchMode.KEYWORD
    lines = []
    good = 0
    for i, h in enumerate(result.hits, 1):
        # A superseded fact stays searchable (what was true then); the desktop app strikes it through.
        replaced = successor_of(h.memory)
        kind = h.memory.memory_type.value + (f", superseded by {replaced}" if replaced else "")
        is_good = judged and h.good_match
        good += is_good
        lines.append(f"{i:>2}. [{h.score:.3f}] {h.memory.id}  ({kind})" + ("  good match" if is_good else ""))
        # Markers take no room on screen; a pair cut by the width limit is dropped.
        cut = for_terminal(one_line(h.snippet, 100 + 2 * h.snippet.count("**")))  # before the CLI's own bold
        lines.append(f"    {highlight(cut, bold).replace('**', '')}")
        if h.breakdown is not None:
            lines.append(f"    how it scored: {breakdown_text(h.breakdown)}")
    count = plural(len(result.hits), 'hit') + (f" ({plural(good, 'good match')})" if judged and good else "")
    lines.append(f"{count}, mode {result.mode.value}, {result.took_ms:.1f} ms")
    if result.good_match is False:
        from memvault.ranking.good_match import CLEARLY_GOOD, GOOD_MATCH, GOOD_MATCH_SIMILARITY, is_good_match

        best = result.hits[0].score if result.hits else 0.0
        # Said as the rule that applied: "no hit reaches 0.025" beside hits at 0.119 read as false.
        if result.mode is SearchMode.SEMANTIC:
            lines.append(f"no good match: no hit reaches a similarity of {GOOD_MATCH_SIMILARITY}")
        elif is_good_match(best, result.mode):
            lines.append(f"no good match: the best hit is a note below {CLEARLY_GOOD} that does not stand out from "
                         "the hit after it")
        else:
            lines.append(f"no good match: no hit reaches a relevance of {GOOD_MATCH}")
    return "\n".join(lines)


def stats_text(s: Any) -> str:
    def block(title: str, counts: dict) -> str:
        body = ", ".join(f"{k}: {v}" for k, v in counts.items()) or "-"
        return f"{title:>12}: {body}"

    return "\n".join([
        f"{'memories':>12}: {s.total} (permanent {s.permanent}, with TTL {s.with_ttl}, expired {s.expired}, "
        f"in trash {s.deleted}, archived {s.archived})",
        block("namespaces", s.by_namespace), block("types", s.by_type), block("tiers", s.by_tier),
        f"{'oldest':>12}: {when(s.oldest_at)}", f"{'newest':>12}: {when(s.newest_at)}",
        f"{'storage':>12}: {s.storage_bytes / 1e6:.1f} MB ({s.bytes_per_memory:,.0f} bytes per stored memory, "
        f"{s.free_bytes / 1e6:.1f} MB free pages)",
        f"{'queue':>12}: {s.queue_depth} waiting, {s.failed_embeddings} failed",
    ])
