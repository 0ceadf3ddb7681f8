"""The ``memvault`` command.

Exit status: 0 on success, 2 on bad input, 1 on any other expected error;
errors are one line on stderr. Unexpected exceptions are bugs and crash.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from app import cli_format as fmt
from app.config import Settings, load_settings
from app.domain.enums import MemoryType, SearchMode, TagMatch, Tier
from app.domain.errors import InvalidInput, MemvaultError
from app.domain.models import MemoryCreate, MemoryFilter, SearchQuery

PASSPHRASE_ENV = "MEMVAULT_PASSPHRASE"


def _out(args: argparse.Namespace, obj: object, text: str) -> None:
    print(fmt.to_json(obj) if args.json else text)


def read_passphrase(args: argparse.Namespace, *, confirm: bool = False) -> str:
    """From ``--passphrase-file``, then ``MEMVAULT_PASSPHRASE``, then a prompt."""
    if getattr(args, "passphrase_file", None):
        try:
            return Path(args.passphrase_file).read_text("utf-8").rstrip("\r\n")
        except OSError as exc:
            raise InvalidInput(f"cannot read the passphrase file: {exc.strerror}") from None
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        raise InvalidInput(f"no passphrase: set {PASSPHRASE_ENV}, pass --passphrase-file, or run in a terminal")
    first = getpass.getpass("Vault passphrase: ")
    if confirm and getpass.getpass("Repeat passphrase: ") != first:
        raise InvalidInput("the two passphrases differ")
    return first


def settings_for(args: argparse.Namespace) -> Settings:
    return load_settings(home=getattr(args, "vault", None))


@contextlib.contextmanager
def opened(args: argparse.Namespace) -> Iterator:
    """Unlock the vault for one command; the queue is drained by the caller."""
    from app.service.container import load_embedder, open_vault

    settings = settings_for(args)
    passphrase = read_passphrase(args)
    services = open_vault(settings, passphrase, load_embedder(settings), background=False)
    try:
        yield services
    finally:
        services.close()


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in value.split(",") if t.strip()) if value else ()


def _json_object(value: str | None, name: str) -> dict | None:
    if value is None:
        return None
    try:
        obj = json.loads(value)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name} is not valid JSON: {exc.msg}") from None
    if not isinstance(obj, dict):
        raise InvalidInput(f"{name} must be a JSON object")
    return obj


def _filter(args: argparse.Namespace, *, search: bool = False) -> MemoryFilter:
    return MemoryFilter(
        namespace=None if args.all_namespaces else args.namespace,
        agent_id=args.agent, user_id=args.user, session_id=args.session, project=args.project,
        memory_types=tuple(MemoryType(t) for t in args.type or ()),
        tags=_csv(args.tags), tag_match=TagMatch(args.tag_match),
        tier=Tier(args.tier) if args.tier else None, min_importance=args.min_importance,
        created_after=args.created_after, created_before=args.created_before,
        metadata=_json_object(args.metadata, "--metadata") or {},
        include_expired=getattr(args, "include_expired", False),
        include_deleted=getattr(args, "include_deleted", False),
        only_deleted=getattr(args, "trash", False),
        include_archived=args.include_archived,
        include_confidential=args.include_confidential if search else True,
    )


# -- commands -----------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from app.service.container import create_vault, load_embedder

    settings = settings_for(args)
    embedder = load_embedder(settings)
    services = create_vault(settings, read_passphrase(args, confirm=True), embedder, background=False)
    services.close()
    _out(args, {"vault": str(settings.home_path)}, f"Created a new vault in {settings.home_path}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    content = sys.stdin.read() if args.content == "-" else args.content
    data = MemoryCreate(
        content=content, namespace=args.namespace, agent_id=args.agent, user_id=args.user,
        session_id=args.session, project=args.project, memory_type=args.type, tags=_csv(args.tags),
        metadata=_json_object(args.metadata, "--metadata"), importance=args.importance, tier=args.tier,
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
    _out(args, {**fmt.plain(result), "memory": fmt.plain(memory)}, text)
    return 0


def cmd_get(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        memory = svc.memories.get(args.id)
        history = svc.memories.history(args.id) if args.history else []
    text = fmt.memory_detail(memory)
    if history:
        text += "\n\nhistory:\n" + "\n".join(
            f"  v{h.version} {h.change:9} {fmt.when(h.changed_at)}  {fmt.one_line(h.content, 60)}" for h in history)
    _out(args, {"memory": memory, "history": history} if args.history else memory, text)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        page = svc.memories.list(_filter(args), limit=args.limit, offset=args.offset, cursor=args.cursor)
    text = fmt.memory_table(page.items) + f"\n{len(page.items)} of {page.total}"
    if page.next_cursor:
        text += f"  (next page: --cursor {page.next_cursor})"
    _out(args, page, text)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    query = SearchQuery(args.query, mode=SearchMode(args.mode), limit=args.limit, min_score=args.min_score,
                        filter=_filter(args, search=True), debug=args.debug)
    with opened(args) as svc:
        result = svc.search.search(query)
    _out(args, result, fmt.hits_table(result))
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        if args.hard:
            svc.lifecycle.hard_delete(args.id)
            text = f"Deleted {args.id} for good"
        else:
            svc.lifecycle.delete(args.id)
            text = f"Moved {args.id} to the trash (memvault restore {args.id} brings it back)"
    _out(args, {"id": args.id, "hard": args.hard}, text)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        memory = svc.lifecycle.restore(args.id)
    _out(args, memory, f"Restored {memory.id}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        expired = svc.lifecycle.purge_expired(args.namespace)
        trashed = svc.lifecycle.empty_trash(args.namespace) if args.trash else 0
    _out(args, {"expired": expired, "trash": trashed},
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
    _out(args, report, f"Re-embedded {report.done:,} memories with {svc.reembed.model_id}"
         if report.total else "Every memory's vectors come from the current model; nothing to do")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        stats = svc.stats.stats(args.namespace)
    _out(args, stats, fmt.stats_text(stats))
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from app.service.container import load_embedder, open_vault

    settings = settings_for(args)
    old = read_passphrase(args)
    if not sys.stdin.isatty():
        raise InvalidInput("changing the passphrase needs a terminal for the new one")
    new = getpass.getpass("New passphrase: ")
    if getpass.getpass("Repeat new passphrase: ") != new:
        raise InvalidInput("the two passphrases differ")
    services = open_vault(settings, old, load_embedder(settings), background=False)
    try:
        services.vault.change_passphrase(old, new, settings)
    finally:
        services.close()
    print("Passphrase changed")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from app.api.bench import run_http_benchmark
    from app.service.benchmark import run_benchmark

    progress = None if args.json else print
    if args.gui:
        from app.gui.measure import run_gui_benchmark

        figures = run_gui_benchmark(args.n, progress or (lambda _m: None),
                                    keep=Path(args.keep) if args.keep else None)
        _out(args, figures, (
            f"desktop app with {int(figures['memories']):,} memories (median of {int(figures['runs'])} launches): "
            f"unlock dialog {figures['dialog_s']:.2f} s after launch; passphrase submitted at once, "
            f"first page on screen {figures['interactive_s']:.2f} s after launch "
            f"({figures['unlock_to_interactive_s']:.2f} s after submitting, Argon2id included); "
            f"RSS after start-up {figures['rss_mb']:.0f} MB; "
            f"filter by type: rows {figures['filter_ms']:.0f} ms, count {figures['filter_count_ms']:.0f} ms; "
            f"first semantic search {figures['first_search_ms']:.0f} ms, RSS after it "
            f"{figures['rss_after_search_mb']:.0f} MB"))
        return 0
    report = run_benchmark(settings_for(args), n=args.n, progress=progress)
    http = None if args.no_http else run_http_benchmark(settings_for(args), memories=args.http_n,
                                                        progress=progress)
    text = report.as_text() + ("" if http is None else "\n" + http.as_text())
    _out(args, {"service": report, "http": http and {**fmt.plain(http), "http_vs_service": http.http_vs_service}},
         text)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from app.service.evaluation import run_beir

    report = run_beir(settings_for(args), Path(args.beir), split=args.split, max_queries=args.max_queries,
                      progress=None if args.json else print)
    _out(args, report, report.as_text())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from app.api.server import ApiServer
    from app.service.container import load_embedder, open_vault

    settings = settings_for(args)
    services = open_vault(settings, read_passphrase(args), load_embedder(settings))
    try:
        server = ApiServer(services, host=args.host, port=args.port, allow_remote=args.allow_remote)
        if args.allow_remote:
            print(f"memvault: WARNING: listening on {args.host}; anyone who can reach it and holds a key "
                  "can read your memories", file=sys.stderr)
        print(f"Memvault API on {server.url}  (MCP: {server.url}/mcp, OpenAPI: {server.url}/openapi.json)",
              flush=True)
        server.serve_forever()
    finally:
        services.close()
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        if args.keys_action == "create":
            key, secret = svc.keys.create(args.namespace, args.scopes, args.name,
                                          per_minute=args.per_minute, per_hour=args.per_hour)
            _out(args, {"key": secret, **fmt.plain(key)},
                 f"{secret}\n\nKey {key.id} for namespace {key.namespace!r} ({', '.join(sorted(s.value for s in key.scopes))}). "
                 "This is the only time the key is shown: store it now.")
        elif args.keys_action == "revoke":
            key = svc.keys.revoke(args.id)
            _out(args, key, f"Revoked key {key.id} ({key.prefix}…)")
        else:
            keys = svc.keys.list()
            _out(args, keys, "\n".join(
                f"{k.id:>4}  {k.prefix}…  {k.namespace:16} {','.join(sorted(s.value for s in k.scopes)):18} "
                f"{k.name}{'  (revoked)' if k.revoked_at else ''}" for k in keys) or "No keys yet.")
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    from app.api.mcp import build_server, stdio_principal
    from app.service.container import load_embedder, open_vault
    from app.service import validation

    settings = settings_for(args)
    validation.namespace(args.namespace)
    services = open_vault(settings, read_passphrase(args), load_embedder(settings))
    try:
        build_server(services, stdio_principal(args.namespace)).run("stdio")
    finally:
        services.close()
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from app.gui.launch import run_gui

    return run_gui(settings_for(args))


from app.cli_parser import build_parser  # noqa: E402  (the parser names the functions above)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    # Turn SIGTERM into SystemExit so that finally blocks close the vault,
    # flush usage counters and remove temporary benchmark vaults.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    # Configure logging before any library does: warnings only, to stderr, and
    # no library's INFO lines (which may name request URLs) on the console.
    logging.basicConfig(level=logging.WARNING, format="memvault: %(name)s: %(message)s")
    parser = build_parser(sys.modules[__name__])
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return args.func(args)
    except MemvaultError as exc:
        print(f"memvault: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("memvault: interrupted", file=sys.stderr)
        return 130
