"""The argument parser of the ``memvault`` command; each command module registers its own arguments."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from app import __version__
from app.domain import limits
from app.domain.enums import MemoryType, TagMatch, Tier


def add_common(p: argparse.ArgumentParser, *, top: bool) -> None:
    # Subcommands accept the same options; SUPPRESS keeps their absence from
    # overwriting a value given before the subcommand.
    extra = {} if top else {"default": argparse.SUPPRESS}
    p.add_argument("--vault", metavar="PATH", help="vault folder (default: MEMVAULT_HOME or the user data folder)",
                   **({"default": None} if top else extra))
    p.add_argument("--passphrase-file", metavar="FILE", help="read the passphrase from FILE",
                   **({"default": None} if top else extra))
    p.add_argument("--json", action="store_true", help="print JSON instead of text",
                   **({"default": False} if top else extra))


def add_filters(p: argparse.ArgumentParser, *, search: bool) -> None:
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




Command = Callable[..., argparse.ArgumentParser]
"""``command(name, help_text, func)``: adds a subcommand whose handler is ``func`` and returns its parser."""


def build_parser() -> argparse.ArgumentParser:
    """The whole parser: the top-level options, then each command module's subcommands."""
    from app.cli import agent_commands, bench_commands, memory_commands, vault_commands

    parser = argparse.ArgumentParser(
        prog="memvault", description="Local, encrypted, on-device memory for AI agents.")
    parser.add_argument("--version", action="version", version=f"memvault {__version__}")
    add_common(parser, top=True)
    parser.set_defaults(func=vault_commands.cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, help_text: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_common(p, top=False)
        p.set_defaults(func=func)
        return p

    for module in (vault_commands, memory_commands, agent_commands, bench_commands):
        module.register(command)
    return parser
