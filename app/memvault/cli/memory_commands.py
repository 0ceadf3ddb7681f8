"""Commands that store, read, search and tidy memories."""

from __future__ import annotations

import argparse
import sys
import time

from memvault.cli import format as fmt
from memvault.domain.words import plural
from memvault.cli.common import (ENTITY_JOBS_PER_COMMAND, csv_list, json_object, memory_filter, one_line_end_off,
                                 opened, out, read_stdin_text, settle_entities)
from memvault.cli.parser import Command, add_filters
from memvault.cli.progress import progress_for
from memvault.domain import limits
from memvault.domain.enums import DEFAULT_SEARCH_MODE, EmbeddingStatus, MemoryType, SearchMode, Tier, Visibility
from memvault.domain.errors import InvalidInput, NotFound
from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate, SearchQuery
from memvault.service import validation as v


def _checked(data: MemoryCreate) -> MemoryCreate:
    # The service checks again; checking here first spares a passphrase prompt and the unlock.
    v.content(data.content)
    v.namespace(data.namespace)
    v.tags(data.tags)
    v.metadata(data.metadata)
    # Named as the command line spells them: "expires_in_seconds must be between…" named no flag given.
    if data.expires_in_seconds is not None:
        v.int_range(data.expires_in_seconds, "--ttl", 1, limits.TTL_MAX_SECONDS)
    if data.importance is not None:
        v.unit_float(data.importance, "--importance")
    v.unit_float(data.dedup_threshold, "--dedup-threshold", low=limits.DEDUP_THRESHOLD_MIN)
    for value, name in ((data.agent_id, "--agent"), (data.user_id, "--user"), (data.session_id, "--session"),
                        (data.project, "--project"), (data.client_id, "--client-id")):
        v.optional_id(value, name)
    return data


def _namespace_or_none(value: str | None) -> str | None:
    return None if value is None else v.namespace(value)


def cmd_add(args: argparse.Namespace) -> int:
    content = read_stdin_text() if args.content == "-" else args.content
    data = _checked(MemoryCreate(
        content=content, namespace=args.namespace, agent_id=args.agent, user_id=args.user,
        session_id=args.session, project=args.project, memory_type=args.type, tags=csv_list(args.tags),
        metadata=json_object(args.metadata, "--metadata"), importance=args.importance, tier=args.tier,
        visibility=args.visibility, client_id=args.client_id, deduplicate=args.dedup,
        dedup_threshold=args.dedup_threshold, expires_in_seconds=args.ttl,
    ))
    with opened(args) as svc:
        result = svc.memories.create(data)
        memory = result.memory
        if result.created and not args.no_wait:
            # Only this memory: a backlog left by other runs is the background worker's.
            svc.worker.embed_now([memory.rowid])
            settle_entities(svc)
            memory = svc.memories.get(memory.id)
    if result.is_duplicate:
        text = f"Not stored: near-duplicate of {result.duplicate_of} (similarity {result.similarity:.3f})"
    elif not result.created:
        text = f"Already stored as {memory.id} (same client id)"
    else:
        text = f"Stored {memory.id} ({memory.embedding_status.value})"
        if result.extraction_skipped:
            text += f"\nNote: {result.extraction_skipped}"
    out(args, {**fmt.plain(result), "memory": fmt.plain(memory)}, text)
    return 0


def cmd_get(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        memory = svc.memories.get(args.id)
        history = svc.memories.history(args.id) if args.history else []
    text = fmt.memory_detail(memory)
    if history:
        text += "\n\nhistory:\n" + "\n".join(
            f"  v{h.version} {h.change:9} {fmt.when(h.changed_at)}  {fmt.one_line(h.content, 60)}" for h in history)
    out(args, {"memory": memory, "history": history} if args.history else memory, text)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    v.int_range(args.limit, "--limit", 1, limits.LIST_LIMIT_MAX)
    v.int_range(args.offset, "--offset", 0, 10**9)
    f = memory_filter(args)
    with opened(args) as svc:
        page = svc.memories.list(f, limit=args.limit, offset=args.offset, cursor=args.cursor)
        if not page.total:
            _check_namespace_exists(svc, f.namespace)
    text = fmt.memory_table(page.items, with_namespace=f.namespace is None) + f"\n{len(page.items)} of {page.total}"
    if page.next_cursor:
        text += f"  (next page: --cursor {page.next_cursor})"
    out(args, page, text)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    v.content(args.query, field="query", max_chars=limits.QUERY_MAX_CHARS)
    v.int_range(args.limit, "--limit", 1, limits.SEARCH_LIMIT_MAX)
    v.unit_float(args.min_score, "--min-score")
    query = SearchQuery(args.query, mode=SearchMode(args.mode), limit=args.limit, min_score=args.min_score,
                        filter=memory_filter(args, search=True), debug=args.debug)
    with opened(args) as svc:
        unread = settle_entities(svc)
        loading = _load_model(svc) if query.mode is not SearchMode.KEYWORD else 0.0
        result = svc.search.search(query)
        filtered_out = None
        if not result.hits:
            _check_namespace_exists(svc, query.filter.namespace)
            filtered_out = _filtered_out(svc, args, query.filter) or _empty_namespace(svc, query.filter.namespace)
        unembedded = svc.reembed.waiting(query.filter.namespace) if query.mode is not SearchMode.KEYWORD else 0
    text = filtered_out or fmt.hits_table(result, bold=fmt.terminal_bold() if not args.json else None)
    if unread:
        text += (f"\nNote: {plural(unread, 'memory')} still {'waits' if unread == 1 else 'wait'} for entity "
                 "extraction, so this search knew fewer names: the app and `memvault serve` extract them, and "
                 f"each search here extracts up to {ENTITY_JOBS_PER_COMMAND:,} first")
    if loading >= MODEL_LOAD_SAID:
        text += (f"\nNote: loading the embedding model took {loading:.1f} s before the search (the app and `memvault "
                 "serve` keep it loaded)")
    if unembedded:
        text += (f"\nNote: {plural(unembedded, 'memory')} {'is' if unembedded == 1 else 'are'} not embedded yet (stored with --no-wait), so this search "
                 "could not compare them by meaning: `memvault reembed` embeds them now (so do the app and "
                 "`memvault serve`)")
    out(args, result, text, own_bold=filtered_out is None)  # hits_table escaped the memories' words first
    return 0


#: Seconds of loading the model a search command mentions (each command loads it anew: ~0.6 s on 2 cores).
MODEL_LOAD_SAID = 0.1


def _load_model(svc) -> float:
    """Load the embedding model before a search that needs it, so that the time the search reports is its own (a
    3-memory search said ~750 ms, the model's start); the seconds loading took, 0 when it was loaded already."""
    embedder = svc.embedder
    if getattr(embedder, "loaded", True):  # loaded, or no lazy embedder (a test's fake)
        return 0.0
    started = time.perf_counter()
    embedder.load()
    return time.perf_counter() - started


#: The options that narrow a search beyond its namespace (``add_filters``'s, less those that widen it).
_NARROWING = ("agent", "user", "session", "project", "type", "tags", "tier", "min_importance", "created_after",
              "created_before", "metadata", "changed_by")


def _filtered_out(svc, args: argparse.Namespace, f: MemoryFilter) -> str | None:
    """Why a search found nothing when its filters leave no memory to search: "no good match" blamed relevance."""
    given = [f"--{name.replace('_', '-')} {_shown(name, getattr(args, name))}" for name in _NARROWING
             if getattr(args, name, None) not in (None, [], "")]
    if not given or svc.memories.count(f):
        return None
    where = "the vault" if f.namespace is None else f"namespace {f.namespace!r}"
    held = svc.memories.count(MemoryFilter(namespace=f.namespace, include_confidential=f.include_confidential))
    return (f"0 hits: no memory in {where} matches {' and '.join(given)} "
            f"({plural(held, 'memory')} without {'them' if len(given) > 1 else 'it'})")


def _empty_namespace(svc, namespace: str | None) -> str | None:
    """Why a search of an empty namespace found nothing, where others hold memories: "no good match" blamed
    relevance, and a new user's memories are often in a namespace an importer or an agent chose."""
    if namespace is None:
        return None
    held = {n.name: n.memory_count for n in svc.stats.namespaces() if n.memory_count}
    if namespace in held or not held:
        return None
    return (f"0 hits: namespace {namespace!r} holds no memories; {plural(sum(held.values()), 'memory')} "
            f"{'is' if sum(held.values()) == 1 else 'are'} in {', '.join(held)} (search them with "
            "--all-namespaces, or --namespace NAME)")


def _shown(name: str, value) -> str:
    if name.startswith("created_"):
        return fmt.when(value)
    return ",".join(value) if isinstance(value, list) else str(value)


def _check_namespace_exists(svc, namespace: str | None) -> None:
    """Nothing found in a namespace that does not exist is a typo, not an answer: say which ones do."""
    if namespace is None or namespace == limits.DEFAULT_NAMESPACE:
        return
    names = [n.name for n in svc.stats.namespaces()]
    if namespace not in names:
        import difflib

        close = difflib.get_close_matches(namespace, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise NotFound(f"no namespace named {namespace!r}; {hint}namespaces: {', '.join(names) or 'none yet'}")


def _edited_in_editor(content: str) -> str:
    """The text after the user's $VISUAL/$EDITOR had it (as git commit does)."""
    import os
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or None  # set but empty: none chosen
    if editor is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
        # vi without a terminal only prints its screen codes and fails; a chosen editor may need none ("code --wait").
        raise InvalidInput("no terminal for an editor: give the new text (memvault edit ID \"text\", or - to read it "
                           "from standard input), or set $VISUAL or $EDITOR; nothing was changed")
    editor = editor or "vi"
    with tempfile.TemporaryDirectory(prefix="memvault-edit-") as folder:
        path = os.path.join(folder, "memory.txt")
        # Written with a final newline, as editors keep one (vim adds it on :wq); the one they end with is taken
        # off again, so saving without a change changes nothing.
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(content if content.endswith("\n") else content + "\n")
        os.chmod(path, 0o600)
        try:
            status = subprocess.call([*shlex.split(editor), path])
        except (OSError, ValueError) as exc:  # no such program, not executable, or unbalanced quotes
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise InvalidInput(f"cannot run the editor ({editor}): {reason}; set $VISUAL or $EDITOR to one that "
                               "exists, or give the new text on the command line; nothing was changed") from None
        if status != 0:
            raise InvalidInput(f"the editor ({editor}) exited with an error; nothing was changed")
        try:
            with open(path, encoding="utf-8", newline="") as f:
                return one_line_end_off(f.read())
        except UnicodeDecodeError:
            raise InvalidInput(f"the editor ({editor}) saved text that is not UTF-8; nothing was changed") from None


def cmd_edit(args: argparse.Namespace) -> int:
    content = read_stdin_text() if args.content == "-" else args.content
    if content is not None:
        v.content(content)
    tags = None if args.tags is None else v.tags(csv_list(args.tags))
    if args.importance is not None:
        v.unit_float(args.importance, "importance")
    metadata = json_object(args.metadata, "--metadata")
    with opened(args) as svc:
        memory = svc.memories.get(args.id)
        if content is None and args.type is None and tags is None and args.importance is None and metadata is None:
            content = _edited_in_editor(memory.content)
            if content == memory.content:
                out(args, memory, f"{memory.id} is unchanged")
                return 0
            v.content(content)
        memory = svc.memories.update(args.id, MemoryUpdate(
            content=content, memory_type=args.type, tags=tags, importance=args.importance, metadata=metadata))
        if memory.embedding_status is not EmbeddingStatus.READY and not args.no_wait:
            # As add does: nothing else works off the queue when no app or server runs, and until this runs
            # semantic search reads the old text's vectors.
            svc.worker.embed_now([memory.rowid])
            memory = svc.memories.get(memory.id)
    out(args, memory, f"Updated {memory.id} (version {memory.version})")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        if args.hard:
            svc.lifecycle.hard_delete(args.id)
            text = f"Deleted {args.id} for good"
        else:
            svc.lifecycle.delete(args.id)
            text = f"Moved {args.id} to the trash (memvault restore {args.id} brings it back)"
    out(args, {"id": args.id, "hard": args.hard}, text)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        memory = svc.lifecycle.restore(args.id)
    out(args, memory, f"Restored {memory.id}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    namespace = _namespace_or_none(args.namespace)
    with opened(args) as svc:
        expired = svc.lifecycle.purge_expired(namespace)
        trashed = svc.lifecycle.empty_trash(namespace) if args.trash else 0
    out(args, {"expired": expired, "trash": trashed},
        f"Purged {plural(expired, 'expired memory')}" + (f" and {trashed} from the trash" if args.trash else ""))
    return 0


def cmd_reembed(args: argparse.Namespace) -> int:
    namespace = _namespace_or_none(args.namespace)
    passphrase = None
    if args.model is not None:
        from memvault.cli.common import bundled_model, read_passphrase

        bundled_model(args.model)  # an unknown name is refused before the vault is opened
        passphrase = read_passphrase(args)
        # Recorded first, then the vault is reopened with that model: its old vectors are now stale.
        with opened(args, passphrase) as svc:
            svc.models.switch(args.model)
    # Ctrl+C stops between batches' transactions: what was written stays, a rerun continues.
    with opened(args, passphrase) as svc, progress_for(args) as progress:
        report = svc.reembed.reembed(namespace, everything=args.everything, waiting=True,
                                     progress=lambda done, total: progress.count(done, total, "re-embedding"))
        if not report.total:
            _check_namespace_exists(svc, namespace)
    out(args, report, f"Re-embedded {plural(report.done, 'memory')} with {svc.reembed.model_id}"
        if report.total else "Every memory's vectors come from the current model; nothing to do")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    namespace = _namespace_or_none(args.namespace)
    with opened(args) as svc:
        stats = svc.stats.stats(namespace)
        health = svc.health.check(probe=True)
    out(args, {**fmt.plain(stats), "health": fmt.plain(health)},
        fmt.stats_text(stats) + "\nhealth: " + "; ".join([health.status] + [r.message for r in health.reasons]))
    return 0


def _add_scope_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--namespace", "-n", default=limits.DEFAULT_NAMESPACE, help="the namespace to store it in")
    p.add_argument("--agent", metavar="ID", help="agent_id: which agent stored it")
    p.add_argument("--user", metavar="ID", help="user_id: whom it is about")
    p.add_argument("--session", metavar="ID", help="session_id: the conversation it came from")
    p.add_argument("--project", metavar="NAME", help="the project it belongs to")


def register(command: Command) -> None:
    """Add this module's subcommands to the parser."""
    p = command("add", "store a memory", cmd_add, passphrase=True, json=True)
    p.add_argument("content", help="the text, or - to read standard input")
    _add_scope_options(p)
    p.add_argument("--type", choices=[t.value for t in MemoryType], default=None,
                   help="what kind of memory it is (default: classified from its meaning once embedded)")
    p.add_argument("--tags", metavar="A,B", help="comma-separated tags")
    p.add_argument("--metadata", metavar="JSON", help="a JSON object of extra fields")
    p.add_argument("--importance", type=float, metavar="0..1",
                   help=f"how much it matters (default: {limits.DEFAULT_IMPORTANCE}); sets the tier unless --tier")
    p.add_argument("--tier", choices=[t.value for t in Tier], help="storage tier (default: from --importance)")
    p.add_argument("--visibility", choices=[x.value for x in Visibility], default=Visibility.PRIVATE.value,
                   help="confidential memories are left out of search unless asked for")
    p.add_argument("--client-id", metavar="KEY", help="idempotency key: the same key returns the stored memory")
    p.add_argument("--ttl", type=int, metavar="SECONDS", help="forget after this many seconds (default: never)")
    p.add_argument("--dedup", action="store_true", help="skip if a near-duplicate exists in the namespace")
    p.add_argument("--dedup-threshold", type=float, default=limits.DEDUP_THRESHOLD_DEFAULT, metavar="0..1",
                   help="with --dedup: the similarity at which a memory counts as a duplicate")
    p.add_argument("--no-wait", action="store_true", help="return before the memory is embedded")

    p = command("get", "show one memory", cmd_get, passphrase=True, json=True)
    p.add_argument("id", help="the memory's id")
    p.add_argument("--history", action="store_true", help="also list its versions")

    p = command("list", "list memories, newest first", cmd_list, passphrase=True, json=True)
    add_filters(p, search=False)
    p.add_argument("--limit", type=int, default=20, help=f"most memories to show (1-{limits.LIST_LIMIT_MAX})")
    p.add_argument("--offset", type=int, default=0, help="memories to skip")
    p.add_argument("--cursor", help="continue after the page that printed this cursor")

    p = command("search", "search memories by meaning and keywords", cmd_search, passphrase=True, json=True)
    p.add_argument("query", help="what to look for, in plain words")
    p.add_argument("--mode", choices=[m.value for m in SearchMode], default=DEFAULT_SEARCH_MODE.value,
                   help="semantic (meaning), keyword (BM25) or hybrid (both; the default on every surface)")
    p.add_argument("--limit", type=int, default=10, help=f"most hits to show (1-{limits.SEARCH_LIMIT_MAX})")
    p.add_argument("--min-score", type=float, default=0.0, metavar="0..1", help="leave out hits scoring lower")
    p.add_argument("--debug", action="store_true", help="show how each score came about")
    add_filters(p, search=True)

    p = command("edit", "change a memory: its text (in $EDITOR unless given), type, tags, importance or metadata",
                cmd_edit, passphrase=True, json=True)
    p.add_argument("id", help="the memory's id")
    p.add_argument("content", nargs="?", help="the new text, or - to read standard input "
                                              "(default: open the text in $VISUAL or $EDITOR when nothing else changes)")
    p.add_argument("--type", choices=[t.value for t in MemoryType], help="what kind of memory it is")
    p.add_argument("--tags", metavar="A,B", help="comma-separated tags (replace the existing ones)")
    p.add_argument("--importance", type=float, metavar="0..1", help="how much it matters")
    p.add_argument("--metadata", metavar="JSON", help="a JSON object merged into the metadata (null removes a key)")
    p.add_argument("--no-wait", action="store_true", help="return before a changed text is embedded again")

    p = command("delete", "move a memory to the trash", cmd_delete, passphrase=True, json=True)
    p.add_argument("id", help="the memory's id")
    p.add_argument("--hard", action="store_true", help="delete for good instead")

    p = command("restore", "bring a memory back from the trash", cmd_restore, passphrase=True, json=True)
    p.add_argument("id", help="the memory's id")

    p = command("purge", "delete expired memories for good", cmd_purge, passphrase=True, json=True)
    p.add_argument("--namespace", "-n", help="only this namespace (default: every namespace)")
    p.add_argument("--trash", action="store_true", help="also empty the trash")

    p = command("reembed", "embed memories again with the bundled model (after a model change or failures)",
                cmd_reembed, passphrase=True, json=True)
    p.add_argument("--namespace", "-n", help="only this namespace (default: every namespace)")
    p.add_argument("--all", action="store_true", dest="everything",
                   help="rebuild every memory's vectors, not only stale or failed ones")
    p.add_argument("--model", metavar="NAME",
                   help="switch the vault to this bundled model first (see `memvault models`); "
                        "memories not re-embedded yet are still found by keyword, and a rerun continues")

    p = command("stats", "counts, storage and queue depth", cmd_stats, passphrase=True, json=True)
    p.add_argument("--namespace", "-n", help="only this namespace (default: every namespace)")
