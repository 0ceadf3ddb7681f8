"""The argument parser of the ``memvault`` command; each command module registers its own arguments.

Every option has help text and shows its default; the options that read the
vault's passphrase (``--passphrase-file``) or print structured output
(``--json``) are added only to the commands that use them.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from memvault import __version__
from memvault.domain import limits
from memvault.domain.enums import MemoryType, TagMatch, Tier

EPILOG = """\
environment:
  MEMVAULT_HOME         the vault folder (--vault overrides it)
  MEMVAULT_PASSPHRASE   the vault passphrase, used when --passphrase-file is not given;
                        without either, commands ask for it in a terminal
  MEMVAULT_*            every other setting (see the README's Settings table)

exit status:
  0 success, 1 an error such as a wrong passphrase or an unknown id, 2 bad input or usage,
  130 interrupted; errors are one line on stderr
"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's layout and appends each option's default, unless it has none worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("%(default)" in text or not action.option_strings or default is None or default is False
                or default == argparse.SUPPRESS or default == [] or isinstance(action, argparse._VersionAction)):
            return text
        return f"{text} (default: %(default)s)"


def add_common(p: argparse.ArgumentParser, *, top: bool = False, passphrase: bool = False,
               json: bool = False) -> None:
    """``--vault`` everywhere; ``--passphrase-file`` and ``--json`` only where they do something."""
    # On subcommands, SUPPRESS keeps an absent --vault from overwriting one given before the subcommand.
    p.add_argument("--vault", metavar="PATH", default=None if top else argparse.SUPPRESS,
                   help="vault folder (default: $MEMVAULT_HOME, else the vault folder in your user data folder)")
    if passphrase:
        p.add_argument("--passphrase-file", metavar="FILE", default=None,
                       help="read the vault passphrase from FILE (a trailing newline is ignored) "
                            "(default: $MEMVAULT_PASSPHRASE, else a prompt)")
    if json:
        p.add_argument("--json", action="store_true", help="print JSON instead of text (and no progress display)")


def add_filters(p: argparse.ArgumentParser, *, search: bool) -> None:
    """The memory filters shared by ``list`` and ``search``."""
    p.add_argument("--namespace", "-n", help=f"only memories in this namespace (default: {limits.DEFAULT_NAMESPACE})")
    p.add_argument("--all-namespaces", action="store_true", help="every namespace (not with --namespace)")
    p.add_argument("--agent", metavar="ID", help="only memories stored by this agent_id")
    p.add_argument("--user", metavar="ID", help="only memories about this user_id")
    p.add_argument("--session", metavar="ID", help="only memories of this session_id")
    p.add_argument("--project", metavar="NAME", help="only memories of this project")
    p.add_argument("--type", action="append", choices=[t.value for t in MemoryType], metavar="TYPE",
                   help="only this memory type; repeat for several "
                        f"({', '.join(t.value for t in MemoryType)})")
    p.add_argument("--tags", metavar="A,B", help="only memories with these comma-separated tags (see --tag-match)")
    p.add_argument("--tag-match", choices=[t.value for t in TagMatch], default=TagMatch.ANY.value,
                   help="with --tags: any of the tags, or all of them")
    p.add_argument("--tier", choices=[t.value for t in Tier], help="only memories in this tier")
    p.add_argument("--min-importance", type=float, metavar="0..1", help="only memories at least this important")
    p.add_argument("--created-after", type=moment, metavar="WHEN",
                   help="only memories created after this time: a date (2026-11-20), a date and time, "
                        "words (yesterday, '3 days ago') or Unix seconds")
    p.add_argument("--created-before", type=moment, metavar="WHEN",
                   help="only memories created before this time (written as for --created-after)")
    p.add_argument("--metadata", metavar="JSON", help='match metadata fields, e.g. \'{"source": "chat"}\'')
    p.add_argument("--include-archived", action="store_true", help="include archived memories")
    p.add_argument("--changed-by", metavar="PERSON", help="only memories this person (a person id from `memvault "
                   "share list --json`) created or changed in a shared namespace")
    if search:
        p.add_argument("--include-confidential", action="store_true",
                       help="include memories whose visibility is confidential")
    else:
        p.add_argument("--include-expired", action="store_true", help="include memories past their TTL")
        p.add_argument("--include-deleted", action="store_true", help="include memories in the trash")
        p.add_argument("--trash", action="store_true", help="only memories in the trash")


def moment(value: str) -> float:
    """Unix seconds from Unix seconds, an ISO date or date-time (local time unless it says), or words."""
    import datetime as dt

    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):  # "1e400" read as infinity: no time, as the API says of it
            raise argparse.ArgumentTypeError(f"{value!r} is not a time (try 2026-11-20, yesterday or Unix seconds)")
        return seconds
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        import dateparser  # slow to import: only for words

        parsed = dateparser.parse(text, languages=["en"], settings={"PREFER_DATES_FROM": "past"})
    if parsed is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a time (try 2026-11-20, yesterday or Unix seconds)")
    if text.lower() in ("yesterday", "today"):
        parsed = parsed.replace(hour=0, minute=0, second=0, microsecond=0)  # the day, not this hour of it
    return parsed.timestamp()


Command = Callable[..., argparse.ArgumentParser]
"""``command(name, help_text, func, *, passphrase=False, json=False)``: adds a subcommand whose handler
is ``func`` (with ``--passphrase-file`` and ``--json`` when asked) and returns its parser."""


def subparser(sub: argparse._SubParsersAction, name: str, help_text: str) -> argparse.ArgumentParser:
    """A subcommand parser with the shared formatter and epilog."""
    # No abbreviations: a misspelt option (--limt) is an error, not a guess or a positional argument.
    return sub.add_parser(name, help=help_text, description=help_text, epilog=EPILOG,
                          formatter_class=HelpFormatter, allow_abbrev=False)


def build_parser() -> argparse.ArgumentParser:
    """The whole parser: the top-level options, then each command module's subcommands."""
    from memvault.cli import (
        agent_commands,
        bench_commands,
        bundle_commands,
        check_commands,
        conversation_commands,
        mcp_commands,
        memory_commands,
        share_commands,
        sync_commands,
        vault_commands,
        version_commands,
    )

    parser = argparse.ArgumentParser(
        prog="memvault", formatter_class=HelpFormatter, epilog=EPILOG, allow_abbrev=False,
        description="Local, encrypted, on-device memory for AI agents. Without a command, opens the desktop app.")
    parser.add_argument("--version", action="version", version=f"memvault {__version__}",
                        help="print the version and exit")
    add_common(parser, top=True)
    parser.add_argument("--capture", action="store_true",
                        help="open Quick capture (in the running app, else after unlocking); bind this command "
                             "to a key in your desktop's keyboard settings for a global shortcut")
    parser.set_defaults(func=vault_commands.cmd_gui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, help_text: str, func: Callable[[argparse.Namespace], int], *,
                passphrase: bool = False, json: bool = False) -> argparse.ArgumentParser:
        p = subparser(sub, name, help_text)
        add_common(p, passphrase=passphrase, json=json)
        p.set_defaults(func=func)
        return p

    for module in (vault_commands, memory_commands, conversation_commands, agent_commands, mcp_commands,
                   bench_commands, check_commands, bundle_commands, sync_commands, share_commands,
                   version_commands):
        module.register(command)
    return parser
