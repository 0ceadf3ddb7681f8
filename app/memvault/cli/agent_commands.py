"""Commands that serve agents: the HTTP API, MCP over stdio and API keys."""

from __future__ import annotations

import argparse
import socket
import sys

from memvault.cli import format as fmt
from memvault.cli.common import opened, out, read_passphrase, settings_for
from memvault.cli.parser import Command, add_common, subparser
from memvault.domain import limits
from memvault.domain.errors import InvalidInput
from memvault.service import validation as v
from memvault.service.api_keys import parse_scopes


def _check_port(host: str, port: int) -> None:
    # Checked before the passphrase is asked for: a typo or a taken port is told at once.
    if not 0 <= port <= 65535:
        raise InvalidInput(f"--port must be between 0 and 65535 (got {port}); 0 picks a free port")
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InvalidInput(f"--host {host} cannot be resolved: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror} (is Memvault already running? "
                               "pass another --port, or --port 0 for a free one)") from None


def cmd_serve(args: argparse.Namespace) -> int:
    from memvault.api.server import ApiServer, check_host
    from memvault.service.container import load_embedder, open_vault

    check_host(args.host, args.allow_remote)
    _check_port(args.host, args.port)
    settings = settings_for(args)
    services = open_vault(settings, read_passphrase(args), load_embedder(settings))
    try:
        from memvault.cli.share_commands import apply_headless

        if (joined := apply_headless(services.sharing)) is not None:
            print(f"memvault: member of the shared namespace {joined!r}", file=sys.stderr, flush=True)
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
    if args.keys_action == "create":  # refused before the passphrase is asked for (or found wrong)
        v.namespace(args.namespace)
        parse_scopes(args.scopes)
    with opened(args) as svc:
        if args.keys_action == "create":
            key, secret = svc.keys.create(args.namespace, args.scopes, args.name,
                                          per_minute=args.per_minute, per_hour=args.per_hour)
            out(args, {"key": secret, **fmt.plain(key)},
                 f"{secret}\n\nKey {key.id} for namespace {key.namespace!r} ({', '.join(sorted(s.value for s in key.scopes))}). "
                 "This is the only time the key is shown: store it now.")
        elif args.keys_action == "show-recipient":
            recipient = svc.bundles.recipient_key()
            out(args, {"recipient": recipient}, recipient)
        elif args.keys_action == "revoke":
            key = svc.keys.revoke(args.id)  # its client credential, if any, goes with it
            out(args, key, f"Revoked key {key.id} ({key.prefix}…)")
        else:
            keys = svc.keys.list()
            width = max((len(k.prefix) + 1 for k in keys), default=4)
            rows = [f"{'ID':>4}  {'KEY':{width}}  {'NAMESPACE':16} {'SCOPES':18} NAME"] + [
                f"{k.id:>4}  {k.prefix + '…':{width}}  {k.namespace:16} "
                f"{','.join(sorted(s.value for s in k.scopes)):18} {k.name}{'  (revoked)' if k.revoked_at else ''}"
                for k in keys]
            out(args, keys, "\n".join(rows) if keys else "No keys yet.")
    return 0


def register(command: Command) -> None:
    """Add this module's subcommands to the parser."""
    p = command("serve", "run the local HTTP API (REST, compatibility profiles, MCP)", cmd_serve, passphrase=True)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback unless --allow-remote)")
    p.add_argument("--port", type=int, default=7411, help="port to listen on, 0-65535; 0 picks a free port")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")

    p = command("keys", "manage API keys, and show this vault's bundle recipient key (default action: list)",
                cmd_keys)
    keys = p.add_subparsers(dest="keys_action", metavar="ACTION", title="actions")
    k = subparser(keys, "create", "create a key bound to one namespace (the secret is shown once)")
    add_common(k, passphrase=True, json=True)
    k.add_argument("--namespace", "-n", required=True, help="the only namespace the key can reach")
    k.add_argument("--scopes", default="read,write", help="comma-separated: read, write, admin")
    k.add_argument("--name", help="a label to recognise the key by")
    k.add_argument("--per-minute", type=int, metavar="N",
                   help=f"rate limit per minute (default: {limits.DEFAULT_PER_MINUTE})")
    k.add_argument("--per-hour", type=int, metavar="N", help=f"rate limit per hour (default: {limits.DEFAULT_PER_HOUR})")
    k = subparser(keys, "list", "list keys (secrets are never shown again)")
    add_common(k, passphrase=True, json=True)
    k = subparser(keys, "show-recipient", "print this vault's recipient key: bundles exported for it open here "
                                          "without a passphrase")
    add_common(k, passphrase=True, json=True)
    k = subparser(keys, "revoke", "revoke a key")
    add_common(k, passphrase=True, json=True)
    k.add_argument("id", type=int, help="the key's number, as `keys list` shows it")
    p.set_defaults(keys_action="list")
