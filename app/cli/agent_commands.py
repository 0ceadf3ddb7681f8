"""Commands that serve agents: the HTTP API, MCP over stdio and API keys."""

from __future__ import annotations

import argparse
import sys

from app.cli import format as fmt
from app.cli.common import out, read_passphrase, settings_for, opened
from app.domain import limits
from app.cli.parser import Command, add_common


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


def cmd_keys(args: argparse.Namespace) -> int:
    with opened(args) as svc:
        if args.keys_action == "create":
            key, secret = svc.keys.create(args.namespace, args.scopes, args.name,
                                          per_minute=args.per_minute, per_hour=args.per_hour)
            out(args, {"key": secret, **fmt.plain(key)},
                 f"{secret}\n\nKey {key.id} for namespace {key.namespace!r} ({', '.join(sorted(s.value for s in key.scopes))}). "
                 "This is the only time the key is shown: store it now.")
        elif args.keys_action == "revoke":
            key = svc.keys.revoke(args.id)
            out(args, key, f"Revoked key {key.id} ({key.prefix}…)")
        else:
            keys = svc.keys.list()
            out(args, keys, "\n".join(
                f"{k.id:>4}  {k.prefix}…  {k.namespace:16} {','.join(sorted(s.value for s in k.scopes)):18} "
                f"{k.name}{'  (revoked)' if k.revoked_at else ''}" for k in keys) or "No keys yet.")
    return 0


def register(command: Command) -> None:
    """Add this module's subcommands to the parser."""
    p = command("serve", "run the local HTTP API (REST, compatibility profiles, MCP)", cmd_serve)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7411, help="0 picks a free port (default 7411)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")

    p = command("mcp", "serve MCP over stdio for one namespace (for Claude Desktop, Cursor...)", cmd_mcp)
    p.add_argument("--namespace", "-n", default=limits.DEFAULT_NAMESPACE)

    p = command("keys", "manage API keys", cmd_keys)
    keys = p.add_subparsers(dest="keys_action", metavar="ACTION")
    k = keys.add_parser("create", help="create a key (shown once)")
    add_common(k, top=False)
    k.add_argument("--namespace", "-n", required=True)
    k.add_argument("--scopes", default="read,write", help="comma-separated: read, write, admin")
    k.add_argument("--name")
    k.add_argument("--per-minute", type=int, help=f"rate limit (default {limits.DEFAULT_PER_MINUTE})")
    k.add_argument("--per-hour", type=int, help=f"rate limit (default {limits.DEFAULT_PER_HOUR})")
    k = keys.add_parser("list", help="list keys")
    add_common(k, top=False)
    k = keys.add_parser("revoke", help="revoke a key")
    add_common(k, top=False)
    k.add_argument("id", type=int)
    p.set_defaults(keys_action="list")
