"""Every option of every command explains itself, shows its default, and exists only where it does something."""

from __future__ import annotations

import argparse

import pytest

from memvault.cli.parser import HelpFormatter, build_parser


def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, (*path, name))


ALL = dict(parsers(build_parser()))


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings}


def test_the_walk_reaches_every_command():
    assert {("list",), ("search",), ("keys", "create"), ("mcp", "config"), ("serve",), ("bench",)} <= set(ALL)


@pytest.mark.parametrize("path", sorted(ALL), ids=lambda p: " ".join(p) or "memvault")
def test_every_argument_has_help_and_shows_its_default(path):
    parser = ALL[path]
    formatter = HelpFormatter(parser.prog)
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        assert action.help and action.help != argparse.SUPPRESS, f"{parser.prog} {action.dest} has no help"
        default = action.default
        if action.option_strings and default not in (None, False, argparse.SUPPRESS) \
                and not isinstance(action, argparse._VersionAction):
            assert "default" in formatter._get_help_string(action), f"{parser.prog} {action.dest}: default not shown"
    text = parser.format_help()
    for needed in ("MEMVAULT_HOME", "MEMVAULT_PASSPHRASE", "exit status", "2 bad input"):
        assert needed in text, f"{parser.prog} --help lacks {needed}"


SYNC = {("sync", name) for name in ("setup", "now", "status", "devices", "remove-device", "conflicts", "off",
                                    "scope", "passwd")} | {("share",)}


def test_json_and_passphrase_file_only_where_they_do_something():
    reads_passphrase = {("init",), ("passwd",), ("add",), ("edit",), ("get",), ("list",), ("search",), ("delete",),
                        ("restore",), ("purge",), ("reembed",), ("stats",), ("serve",), ("mcp",),
                        ("keys", "create"), ("keys", "list"), ("keys", "revoke"), ("mcp", "config"), ("check",),
                        ("keys", "show-recipient"), ("export",), ("import",), ("inspect",), ("backup",),
                        ("ingest-chat",), ("models",), ("people",), *SYNC}
    prints_json = {("init",), ("add",), ("edit",), ("get",), ("list",), ("search",), ("delete",), ("restore",), ("purge",),
                   ("reembed",), ("stats",), ("keys", "create"), ("keys", "list"), ("keys", "revoke"),
                   ("bench",), ("eval",), ("check",), ("keys", "show-recipient"), ("export",), ("import",),
                   ("inspect",), ("backup",), ("restore-backup",), ("ingest-chat",), ("version",), ("models",),
                   ("people",), *SYNC}
    for path, parser in ALL.items():
        assert ("--passphrase-file" in options(parser)) == (path in reads_passphrase), path
        assert ("--json" in options(parser)) == (path in prints_json), path


def test_a_default_shows_in_the_rendered_help():
    text = ALL[("search",)].format_help()
    assert "(default: hybrid)" in text and "(default: 10)" in text and "(default: default)" in text
    assert "(default: None)" not in text and "(default: False)" not in text
