"""The argument parser of the ``memvault`` command."""

from __future__ import annotations

import argparse
from types import ModuleType

from app import __version__
from app.domain import limits
from app.domain.enums import MemoryType, SearchMode, TagMatch, Tier, Visibility


def _common(p: argparse.ArgumentParser, *, top: bool) -> None:
    # Subcommands accept the same options; SUPPRESS keeps their absence from
    # overwriting a value given before the subcommand.
    extra = {} if top else {"default": argparse.SUPPRESS}
    p.add_argument("--vault", metavar="PATH", help="vault folder (default: MEMVAULT_HOME or the user data folder)",
                   **({"default": None} if top else extra))
    p.add_argument("--passphrase-file", metavar="FILE", help="read the passphrase from FILE",
                   **({"default": None} if top else extra))
    p.add_argument("--json", action="store_true", help="print JSON instead of text",
                   **({"default": False} if top else extra))


def _filters(p: argparse.ArgumentParser, *, search: bool) -> None:
    p.add_argument("--namespace", "-n", default=limits.DEFAULT_NAMESPACE)
    p.add_argument("--all-namespaces", action="store_true", help="ignore --namespace")
    p.add_argument("--agent")
    p.add_argument("--user")
    p.add_argument("--session")
    p.add_argument("--project")
    p.add_argument("--type", action="append", choices=[t.value for t in MemoryType], help="repeatable")
    p.add_argument("--tags", help="comma-separated tags")
    p.add_argument("--tag-match", choices=[t.value for t in TagMatch], default="any")
    p.add_argument("--tier", choices=[t.value for t in Tier])
    p.add_argument("--min-importance", type=float)
    p.add_argument("--created-after", type=float, metavar="UNIX_TS")
    p.add_argument("--created-before", type=float, metavar="UNIX_TS")
    p.add_argument("--metadata", metavar="JSON", help='match metadata fields, e.g. \'{"source": "chat"}\'')
    p.add_argument("--include-archived", action="store_true")
    if search:
        p.add_argument("--include-confidential", action="store_true")
    else:
        p.add_argument("--include-expired", action="store_true")
        p.add_argument("--include-deleted", action="store_true")
        p.add_argument("--trash", action="store_true", help="only memories in the trash")


def build_parser(cli: ModuleType) -> argparse.ArgumentParser:
    """The parser; each subcommand's ``func`` is the matching ``cmd_*`` of ``cli``."""
    parser = argparse.ArgumentParser(
        prog="memvault", description="Local, encrypted, on-device memory for AI agents.")
    parser.add_argument("--version", action="version", version=f"memvault {__version__}")
    _common(parser, top=True)
    parser.set_defaults(func=cli.cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _common(p, top=False)
        p.set_defaults(func=getattr(cli, f"cmd_{name}"))
        return p

    command("gui", "open the desktop app (the default)")
    command("init", "create a new vault")
    command("passwd", "change the vault passphrase (re-wraps the key; the data is not rewritten)")

    p = command("add", "store a memory")
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

    p = command("get", "show one memory")
    p.add_argument("id")
    p.add_argument("--history", action="store_true", help="also list its versions")

    p = command("list", "list memories, newest first")
    _filters(p, search=False)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--cursor")

    p = command("search", "search memories")
    p.add_argument("query")
    p.add_argument("--mode", choices=[m.value for m in SearchMode], default=SearchMode.HYBRID.value)
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--min-score", type=float, default=0.0)
    p.add_argument("--debug", action="store_true", help="show how each score came about")
    _filters(p, search=True)

    p = command("delete", "move a memory to the trash")
    p.add_argument("id")
    p.add_argument("--hard", action="store_true", help="delete for good instead")

    p = command("restore", "bring a memory back from the trash")
    p.add_argument("id")

    p = command("purge", "delete expired memories for good")
    p.add_argument("--namespace", "-n")
    p.add_argument("--trash", action="store_true", help="also empty the trash")

    p = command("reembed", "embed memories again with the bundled model (after a model change or failures)")
    p.add_argument("--namespace", "-n")
    p.add_argument("--all", action="store_true", dest="everything",
                   help="rebuild every memory's vectors, not only stale or failed ones")

    p = command("stats", "counts, storage and queue depth")
    p.add_argument("--namespace", "-n")

    p = command("serve", "run the local HTTP API (REST, compatibility profiles, MCP)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7411, help="0 picks a free port (default 7411)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")

    p = command("mcp", "serve MCP over stdio for one namespace (for Claude Desktop, Cursor...)")
    p.add_argument("--namespace", "-n", default=limits.DEFAULT_NAMESPACE)

    p = command("keys", "manage API keys")
    keys = p.add_subparsers(dest="keys_action", metavar="ACTION")
    k = keys.add_parser("create", help="create a key (shown once)")
    _common(k, top=False)
    k.add_argument("--namespace", "-n", required=True)
    k.add_argument("--scopes", default="read,write", help="comma-separated: read, write, admin")
    k.add_argument("--name")
    k.add_argument("--per-minute", type=int, help=f"rate limit (default {limits.DEFAULT_PER_MINUTE})")
    k.add_argument("--per-hour", type=int, help=f"rate limit (default {limits.DEFAULT_PER_HOUR})")
    k = keys.add_parser("list", help="list keys")
    _common(k, top=False)
    k = keys.add_parser("revoke", help="revoke a key")
    _common(k, top=False)
    k.add_argument("id", type=int)
    p.set_defaults(keys_action="list")

    p = command("bench", "measure embedding, ingest and search speed on a temporary vault")
    p.add_argument("--n", type=int, default=100_000, help="memories in the large vault (default 100000)")
    p.add_argument("--http-n", type=int, default=2000, help="memories per HTTP ingest run (default 2000)")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP figures")
    p.add_argument("--gui", action="store_true",
                   help="measure the desktop app instead: launch to interactive window, RSS, filter time")
    p.add_argument("--keep", metavar="DIR",
                   help="with --gui: build the benchmark vault in DIR once and reuse it on later runs")

    p = command("eval", "measure retrieval quality on a BEIR-format data set")
    p.add_argument("--beir", required=True, metavar="DIR", help="folder with corpus.jsonl, queries.jsonl, qrels/")
    p.add_argument("--split", default="test")
    p.add_argument("--max-queries", type=int, help="evaluate only the first N queries")
    return parser
