"""Commands that store, read, search and tidy memories."""

from __future__ import annotations

import argparse
import sys

from app.cli import format as fmt
from app.cli.common import out, opened, csv_list, json_object, memory_filter
from app.domain.models import MemoryCreate, SearchQuery
from app.domain.enums import MemoryType, SearchMode, Tier, Visibility
from app.domain import limits
from app.cli.parser import Command, add_filters


def cmd_add(args: argparse.Namespace) -> int:
    content = sys.stdin.read() if args.content == "-" else args.content
    data = MemoryCreate(
        content=content, namespace=args.namespace, agent_id=args.agent, user_id=args.user,
        session_id=args.session, project=args.project, memory_type=args.type, tags=csv_list(args.tags),
        metadata=json_object(args.metadata, "--metadata"), importance=args.importance, tier=args.tier,
        visibility=args.visibility, client_id=args.client_id, deduplicate=args.dedup,
        dedup_threshold=args.dedup_threshold, expires_in_seconds=args.ttl,
    )
    with opened(args) as svc:
        result = svc.memories.create(data)
        memory = result.memory
        if result.created and not args.no_wait:
            svc.worker.drain(timeout=120)
            memory = svc.memories.get(memory.id)
    if result.is_duplicate:
        text = f"Not stored: near-duplicate of {result.duplicate_of} (similarity {result.similarity:.3f})"
    elif not result.created:
        text = f"Already stored as {memory.id} (same client id)"
    else:
        text = f"Stored {memory.id} ({memory.embedding_status.value})"
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
    with opened(args) as svc:
        page = svc.memories.list(memory_filter(args), limit=args.limit, offset=args.offset, cursor=args.cursor)
    text = fmt.memory_table(page.items) + f"\n{len(page.items)} of {page.total}"
    if page.next_cursor:
        text += f"  (next page: --cursor {page.next_cursor})"
    out(args, page, text)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    query = SearchQuery(args.query, mode=SearchMode(args.mode), limit=args.limit, min_score=args.min_score,
                        filter=memory_filter(args, search=True), debug=args.debug)
    with opened(args) as svc:
        result = svc.search.search(query)
    out(args, result, fmt.hits_table(result))
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
    with opened(args) as svc:
        expired = svc.lifecycle.purge_expired(args.namespace)
        trashed = svc.lifecycle.empty_trash(args.namespace) if args.trash else 0
    out(args, {"expired": expired, "trash": trashed},
         f"Purged {expired} expired memories" + (f" and {trashed} from the trash" if args.trash else ""))
    return 0


def cmd_reembed(args: argparse.Namespace) -> int:
    def progress(done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\rre-embedded {done:,} of {total:,}", end="", file=sys.stderr, flush=True)

    # Ctrl+C stops between batches' transactions: what was written stays, a rerun continues.
    with opened(args) as svc:
        report = svc.reembed.reembed(args.namespace, everything=args.everything, progress=progress)
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    out(args, report, f"Re-embedded {report.done:,} memories with {svc.reembed.model_id}"
         if report.total else "Every memory's vectors come from the current model; nothing to do")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        stats = svc.stats.stats(args.namespace)
    out(args, stats, fmt.stats_text(stats))
    return 0


def register(command: Command) -> None:
    """Add this module's subcommands to the parser."""
    p = command("add", "store a memory", cmd_add)
    p.add_argument("content", help="the text, or - to read standard input")
    p.add_argument("--namespace", "-n", default=limits.DEFAULT_NAMESPACE)
    p.add_argument("--agent")
    p.add_argument("--user")
    p.add_argument("--session")
    p.add_argument("--project")
    p.add_argument("--type", choices=[t.value for t in MemoryType], default=MemoryType.GENERAL.value)
    p.add_argument("--tags", help="comma-separated tags")
    p.add_argument("--metadata", metavar="JSON")
    p.add_argument("--importance", type=float)
    p.add_argument("--tier", choices=[t.value for t in Tier])
    p.add_argument("--visibility", choices=[v.value for v in Visibility], default=Visibility.PRIVATE.value)
    p.add_argument("--client-id", help="idempotency key: the same key returns the stored memory")
    p.add_argument("--ttl", type=int, metavar="SECONDS", help="forget after this many seconds")
    p.add_argument("--dedup", action="store_true", help="skip if a near-duplicate exists")
    p.add_argument("--dedup-threshold", type=float, default=limits.DEDUP_THRESHOLD_DEFAULT)
    p.add_argument("--no-wait", action="store_true", help="return before the memory is embedded")

    p = command("get", "show one memory", cmd_get)
    p.add_argument("id")
    p.add_argument("--history", action="store_true", help="also list its versions")

    p = command("list", "list memories, newest first", cmd_list)
    add_filters(p, search=False)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--cursor")

    p = command("search", "search memories", cmd_search)
    p.add_argument("query")
    p.add_argument("--mode", choices=[m.value for m in SearchMode], default=SearchMode.HYBRID.value)
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--min-score", type=float, default=0.0)
    p.add_argument("--debug", action="store_true", help="show how each score came about")
    add_filters(p, search=True)

    p = command("delete", "move a memory to the trash", cmd_delete)
    p.add_argument("id")
    p.add_argument("--hard", action="store_true", help="delete for good instead")

    p = command("restore", "bring a memory back from the trash", cmd_restore)
    p.add_argument("id")

    p = command("purge", "delete expired memories for good", cmd_purge)
    p.add_argument("--namespace", "-n")
    p.add_argument("--trash", action="store_true", help="also empty the trash")

    p = command("reembed", "embed memories again with the bundled model (after a model change or failures)", cmd_reembed)
    p.add_argument("--namespace", "-n")
    p.add_argument("--all", action="store_true", dest="everything",
                   help="rebuild every memory's vectors, not only stale or failed ones")

    p = command("stats", "counts, storage and queue depth", cmd_stats)
    p.add_argument("--namespace", "-n")
