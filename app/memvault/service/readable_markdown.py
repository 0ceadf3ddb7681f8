"""Markdown notes with YAML front matter (as Obsidian, Basic Memory and others write them), and back.

A memory's note is its fields as front matter and its content, exactly, as the
body. YAML indents every continuation line of a value, so the first line that is
exactly ``---`` after the opening one always closes the front matter.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from memvault.domain.errors import InvalidInput

_DELIMITER = "---"
#: Front matter is a few fields; a longer one is not a note's.
FRONT_MATTER_MAX_CHARS = 256 * 1024
#: libyaml's escapes of the line breaks YAML reads besides "\n" and "\r".
_YAML_BREAKS = re.compile(r"\\[NLP]")
#: No folding: a long value stays on its line (and a reader never meets a wrapped one).
_WIDTH = 2**31 - 1


def render_note(doc: dict[str, Any]) -> str:
    """``doc``'s fields other than its content as front matter, then the content (and one closing newline)."""
    front = {k: val for k, val in doc.items() if k != "content"}
    dumped = yaml.dump(front, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False, width=_WIDTH)
    if "\\U" in dumped and not _YAML_BREAKS.search(dumped):
        # libyaml escapes every character past the Basic Multilingual Plane whatever allow_unicode says (an emoji
        # read "\U0001F408" in a note's tags); the pure-Python emitter writes it as it is, ~10x slower. Not
        # when a value holds a line break only YAML knows (NEL, U+2028/9): that emitter writes those raw, and
        # they are read back as a space; libyaml escapes them ("\N", "\L", "\P").
        dumped = yaml.dump(front, Dumper=yaml.SafeDumper, allow_unicode=True, sort_keys=False, width=_WIDTH)
    return f"{_DELIMITER}\n{dumped}{_DELIMITER}\n{doc['content']}\n"


def split_note(text: str, place: str) -> tuple[dict[str, Any], str]:
    """The front matter (empty without one) and the body of a note; ``place`` names the file in errors."""
    if text.startswith("\ufeff"):
        text = text[1:]
    # Line ends as a Windows editor or git's autocrlf leaves them are no part of a note's text: such a file's
    # first line ends in CRLF too. A note whose first line ends in LF (as Memvault writes them) is read exactly,
    # so a memory's own "\r" survives the round trip.
    if text.partition("\n")[0].endswith("\r"):
        text = text.replace("\r\n", "\n")
    first, sep, rest = text.partition("\n")
    if first.rstrip("\r") != _DELIMITER or not sep:
        return {}, text
    lines = rest.split("\n")
    for number, line in enumerate(lines):
        if line.rstrip("\r") == _DELIMITER:
            front_text = "\n".join(lines[:number])
            body = "\n".join(lines[number + 1:])
            break
    else:
        raise InvalidInput(f"{place}: the front matter opened on line 1 is never closed with '---'")
    if len(front_text) > FRONT_MATTER_MAX_CHARS:
        raise InvalidInput(f"{place}: the front matter is longer than {FRONT_MATTER_MAX_CHARS:,} characters")
    try:
        # Aliases could make a few bytes of YAML expand without bound once the values are walked.
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(front_text, Loader=yaml.CSafeLoader)):
            raise InvalidInput(f"{place}: the front matter uses YAML aliases (*name), which are not read")
        front = yaml.load(front_text, Loader=yaml.CSafeLoader)
    except RecursionError:
        raise InvalidInput(f"{place}: the front matter is nested too deeply") from None
    except ValueError as exc:  # a value YAML reads as a date that is none ("2024-13-45")
        raise InvalidInput(f"{place}: the front matter holds a date that does not exist ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 2}" if mark is not None else ""
        raise InvalidInput(f"{place}{line}: the front matter is not valid YAML") from None
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise InvalidInput(f"{place}: the front matter is not a set of 'key: value' lines")
    return front, body


def exported_body(body: str) -> str:
    """A memory's content from the body :func:`render_note` wrote (it added one newline)."""
    return body[:-1] if body.endswith("\n") else body
