"""``memvault mcp``: the stdio MCP server, and ``mcp config``, which sets a client up to start it.

A desktop client starts the stdio server with no terminal: the server never
prompts. It unlocks with ``--passphrase-file``, ``MEMVAULT_PASSPHRASE`` or the
vault's key in the OS keychain; when none works it still starts and answers
every tool call with an error that says what to fix, because a server that
exits reaches the user only as "Connection closed".
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from memvault.cli.common import given_passphrase, lazy_embedder, settings_for
from memvault.cli.parser import Command, add_common, subparser
from memvault.config import Settings
from memvault.domain import errors as e
from memvault.domain import limits
from memvault.service import keychain, mcp_config
from memvault.service import validation as v

RESTART = "then restart the MCP client"


def _unlock(args: argparse.Namespace, settings: Settings):
    from memvault.service.container import open_vault, open_vault_with_key

    v.namespace(args.namespace)
    if getattr(args, "credential_file", None):
        try:
            secret = Path(args.credential_file).read_text("utf-8").strip()
        except OSError as exc:
            raise e.Unauthorized(f"cannot read the credential file {args.credential_file}: {exc.strerror}") from None
        services = open_vault_with_key(settings, mcp_config.data_key_from_credential(settings.home_path, secret),
                                       lazy_embedder(settings))
        try:
            key = services.keys.authenticate(secret)  # a revoked key is refused even if its wrap survived
            if key.namespace != args.namespace:
                raise e.Unauthorized(f"this credential is for the namespace {key.namespace!r}, not {args.namespace!r}")
        except e.MemvaultError:
            services.close()
            raise
        return services
    passphrase = given_passphrase(args)
    if passphrase is not None:
        return open_vault(settings, passphrase, lazy_embedder(settings))
    key = keychain.load(settings.home_path) if keychain.available() else None
    if key is not None:
        return open_vault_with_key(settings, key, lazy_embedder(settings))
    raise e.InvalidInput(
        f"this MCP server has no way to unlock the vault at {settings.home_path}: no --passphrase-file, no "
        "MEMVAULT_PASSPHRASE and no key in the OS keychain. Run `memvault mcp config --client <your client> "
        f"--install` in a terminal (it stores the key and updates the client's config), {RESTART}")


def _fix(exc: e.MemvaultError, args: argparse.Namespace) -> str:
    """The startup error as a tool error: what failed and what to do about it."""
    if isinstance(exc, e.WrongPassphrase):
        where = (f"the passphrase file {args.passphrase_file}" if getattr(args, "passphrase_file", None)
                 else "MEMVAULT_PASSPHRASE or the OS keychain")
        return (f"Memvault could not unlock the vault: {exc.message} (read from {where}). Put the right passphrase "
                f"there or run `memvault mcp config --client <your client> --install` again, {RESTART}")
    if isinstance(exc, e.InvalidInput) and exc.message.startswith("this MCP server"):
        return exc.message
    if isinstance(exc, e.Unauthorized):
        return (f"Memvault refused this client's credential: {exc.message}. Connect the client again from the "
                f"Agents page or with `memvault mcp config --client <your client> --install`, {RESTART}")
    return f"Memvault could not open the vault: {exc.message}; fix that, {RESTART}"


def cmd_mcp(args: argparse.Namespace) -> int:
    from memvault.api.mcp import build_server, stdio_principal

    settings = settings_for(args)
    try:
        services = _unlock(args, settings)
    except e.MemvaultError as exc:
        reason = _fix(exc, args)
        # Clients show the server's stderr in their logs; the tools say the same to the model and the user.
        print(f"memvault: {reason}", file=sys.stderr, flush=True)
        build_server(None, stdio_principal(args.namespace), unavailable=reason).run("stdio")
        return 1
    try:
        build_server(services, stdio_principal(args.namespace)).run("stdio")
    finally:
        services.close()
    return 0


def _uses_keychain(choice: str) -> bool:
    if choice in ("file", "credential"):
        return False
    if keychain.available():
        return True
    if choice == "keychain":
        raise e.InvalidInput("no OS keychain is available here; use --secret-store file")
    return False


def _verified_services(settings: Settings, passphrase: str):
    from memvault.service.container import open_vault

    return open_vault(settings, passphrase, lazy_embedder(settings), background=False)


def _prompted_passphrase() -> str:
    passphrase = given_passphrase(argparse.Namespace())
    if passphrase is not None:
        return passphrase
    if not sys.stdin.isatty():
        raise e.InvalidInput("no passphrase to store: set MEMVAULT_PASSPHRASE or run in a terminal")
    return getpass.getpass("Vault passphrase (checked, then stored for the MCP server): ")


def _store_in_keychain(settings: Settings) -> str:
    services = _verified_services(settings, _prompted_passphrase())
    try:
        if not services.remember_in_keychain():
            raise e.InvalidInput("the OS keychain refused the key; use --secret-store file")
    finally:
        services.close()
    return "stored the vault's key in the OS keychain (the server unlocks with it; nothing on disk in plaintext)"


def _store_in_file(settings: Settings, path: Path) -> str:
    state = mcp_config.passphrase_file_state(path)
    if state == "missing":
        passphrase = _prompted_passphrase()
        _verified_services(settings, passphrase).close()
        mcp_config.write_passphrase_file(path, passphrase)
        return f"created {path} (mode 0600: only you can read it) holding the vault passphrase"
    from memvault.cli.common import read_passphrase_file

    _verified_services(settings, read_passphrase_file(path)).close()
    if state != "private":
        return f"{path} opens the vault, but others can read it: run `chmod 600 {path}`"
    return f"{path} opens the vault and only you can read it"


def _explain(settings: Settings, path: Path | None) -> str:
    if path is None and not keychain.available():
        return ("No OS keychain here: --install creates a key of its own for this client (revocable, bound to the "
                "namespace) and stores its credential with mode 0600; the vault passphrase is stored nowhere.")
    if path is None:
        stored = keychain.load(settings.home_path) is not None
        return ("The server unlocks with the vault's key in the OS keychain; "
                + ("it is there already." if stored else "it is not there yet: run this again with --install "
                   "(or tick 'Unlock automatically on this device' in the app)."))
    state = mcp_config.passphrase_file_state(path)
    if state == "missing":
        return (f"No OS keychain here: the server reads the passphrase from {path}, which does not exist yet. "
                "Run this again with --install to create it (mode 0600), or create it yourself: "
                f"(umask 077; read -rs P && printf '%s\\n' \"$P\" > {path}).")
    if state != "private":
        return f"The server reads the passphrase from {path}, which others can read: run `chmod 600 {path}`."
    return f"The server reads the passphrase from {path} (only you can read it)."


def cmd_mcp_config(args: argparse.Namespace) -> int:
    v.namespace(args.namespace)
    settings = settings_for(args)
    home = settings.home_path.absolute()
    keyed = _uses_keychain(args.secret_store)
    # Without a keychain the server gets a credential of its own (a revocable key for this namespace), never
    # the vault passphrase, unless a passphrase file is asked for by name.
    credential = not keyed and (args.secret_store == "credential"
                                or (args.secret_store == "auto" and not args.passphrase_file))
    path = None if keyed or credential else Path(
        args.passphrase_file or mcp_config.default_passphrase_file()).expanduser().absolute()
    credential_file = mcp_config.default_credential_file(args.client) if credential else None
    entry = mcp_config.stdio_entry(mcp_config.current_launcher(), namespace=args.namespace, vault=home,
                                   passphrase_file=path, credential_file=credential_file)
    target = mcp_config.config_path(args.client)
    if args.install:
        mcp_config.installable(args.client, target)  # before a key or a secret is made for it
    if credential and args.install:
        services = _verified_services(settings, _prompted_passphrase())
        try:
            key = mcp_config.issue_credential(services, args.client, args.namespace, credential_file)
        finally:
            services.close()
        result = mcp_config.install(args.client, entry, target)
        print(f"memvault: created the key {key.name!r} for {args.namespace!r} ({key.prefix}…, revocable with "
              f"`memvault keys revoke {key.id}` or on the Agents page); its credential is in {credential_file} "
              "(mode 0600). The vault passphrase is stored nowhere.")
        print(f"memvault: {'updated' if result.replaced else 'added'} the {mcp_config.SERVER_NAME!r} server in "
              f"{result.path}" + (f" (backup: {result.backup})" if result.backup else "") + f"; {RESTART}")
        return 0
    if not args.install:
        print(mcp_config.snippet(args.client, entry))
        where = ("Run that command" if args.client == "claude-code"
                 else f"Merge that into {target}")
        print(f"\n{where} (or run this again with --install to do it, with a backup), {RESTART}.\n"
              f"{_explain(settings, path)}", file=sys.stderr)
        if path is not None and mcp_config.passphrase_file_state(path) == "missing" and sys.stdin.isatty():
            # Asked on stderr: stdout carries only the snippet, so it can be redirected to a file.
            print(f"Create {path} now (mode 0600, only you can read it)? [y/N] ", end="", file=sys.stderr, flush=True)
            if sys.stdin.readline().strip().lower() in ("y", "yes"):
                print(f"memvault: {_store_in_file(settings, path)}", file=sys.stderr)
        return 0
    secret = _store_in_keychain(settings) if keyed else _store_in_file(settings, path)
    result = mcp_config.install(args.client, entry, target)
    print(f"memvault: {secret}")
    print(f"memvault: {'updated' if result.replaced else 'added'} the {mcp_config.SERVER_NAME!r} server in "
          f"{result.path}" + (f" (backup: {result.backup})" if result.backup else "") + f"; {RESTART}")
    return 0


def register(command: Command) -> None:
    """Add this module's subcommands to the parser."""
    p = command("mcp", "serve MCP over stdio for one namespace (for Claude Desktop, Cursor...); "
                "`mcp config` sets a client up", cmd_mcp, passphrase=True)
    p.add_argument("--namespace", "-n", default=limits.DEFAULT_NAMESPACE,
                   help="the namespace the client reads and writes")
    p.add_argument("--credential-file", metavar="FILE",
                   help="unlock with this client's credential (written by `mcp config --install` or the Agents "
                        "page) instead of the vault passphrase")
    actions = p.add_subparsers(title="actions", metavar="ACTION")
    c = subparser(actions, "config", "print (or --install) an MCP client's config for this Memvault, "
                  "using the absolute path of this program")
    add_common(c)
    c.set_defaults(func=cmd_mcp_config)
    c.add_argument("--client", required=True, choices=mcp_config.CLIENTS, help="the MCP client to set up")
    c.add_argument("--namespace", "-n", default=limits.DEFAULT_NAMESPACE,
                   help="the namespace the client reads and writes")
    c.add_argument("--install", action="store_true",
                   help="merge the server into the client's config file (backing it up first) and store "
                        "what the server needs to unlock the vault")
    c.add_argument("--secret-store", choices=("auto", "keychain", "credential", "file"), default="auto",
                   help="how the server unlocks: the vault's key in the OS keychain, a credential of its own "
                        "(a revocable key for the namespace), or a passphrase file only you can read; auto picks "
                        "the keychain when one is available, else a credential")
    c.add_argument("--passphrase-file", metavar="FILE",
                   help="with a passphrase file: its path (created with mode 0600 by --install if missing; "
                        f"default: {mcp_config.default_passphrase_file()})")
